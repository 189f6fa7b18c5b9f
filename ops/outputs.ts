/**
 * A deployed stack's outputs, as `npm run verify` and `npm run drill` read them: from a saved file
 * (`pulumi stack output --json --stack <name> > outputs.json`) or from the Pulumi CLI when it is
 * installed. Validated before anything is called, so a missing output is named, not a crash later.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { z } from "zod";

const deployedService = z.object({ serviceName: z.string().min(1), taskDefinitionArn: z.string().min(1) });

const verification = z.object({
    region: z.string().min(1),
    healthCheckPath: z.string().startsWith("/"),
    ecsServices: z.record(z.string(), deployedService),
    deploymentAlarms: z.record(z.string(), z.array(z.string())),
    alarmNames: z.record(z.string(), z.string()),
    alarmsExpectingData: z.array(z.string()),
    drillAlarms: z.object({ warning: z.string(), critical: z.string() }),
    notifierFunctionName: z.string().optional(),
    pagerdutyFunctionName: z.string().optional(),
    deliveryTable: z.string().optional(),
    failedNotificationsQueue: z.string().optional(),
    grafana: z
        .object({
            url: z.string().url(),
            adminUser: z.string().min(1),
            adminPasswordSecretArn: z.string().min(1),
            prometheusDatasourceUid: z.string().min(1),
            alertmanagerDatasourceUid: z.string().min(1),
        })
        .optional(),
    prometheus: z.object({ jobs: z.array(z.string()), alertRules: z.array(z.string()) }).optional(),
});

/** The outputs these commands use (stacks/environment.ts exports them; others are ignored). */
const stackOutputsSchema = z.looseObject({
    appUrl: z.string().url(),
    clusterName: z.string().min(1),
    alertTopicArns: z.record(z.string(), z.string()),
    verification,
});
export type StackOutputs = z.infer<typeof stackOutputsSchema>;
/** A problem with the outputs: printed as is, no stack trace. */
export class OutputsError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "OutputsError";
    }
}

/** Validates parsed outputs; the error names each missing or malformed key. */
export function parseStackOutputs(raw: unknown, source: string): StackOutputs {
    const r = stackOutputsSchema.safeParse(raw);
    if (r.success) return r.data;
    const problems = r.error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new OutputsError(
        `The outputs from ${source} are not what this command needs (deployed before \`verification\` existed? run \`pulumi up\` first):\n${problems.join("\n")}`,
    );
}

/** Reads outputs from `file` (JSON), or asks the Pulumi CLI for the stack's. */
export async function loadStackOutputs(opts: { readonly stack: string; readonly file?: string; readonly pulumi?: string }): Promise<StackOutputs> {
    if (opts.file !== undefined) {
        let text: string;
        try {
            text = readFileSync(opts.file, "utf8");
        } catch (e) {
            throw new OutputsError(`cannot read --outputs ${opts.file}: ${(e as Error).message}`);
        }
        let json: unknown;
        try {
            json = JSON.parse(text);
        } catch (e) {
            throw new OutputsError(
                `--outputs ${opts.file} is not JSON (${(e as Error).message}); save it with: pulumi stack output --json --stack ${opts.stack} > ${opts.file}`,
            );
        }
        return parseStackOutputs(json, opts.file);
    }
    const cli = opts.pulumi ?? "pulumi";
    const stdout = await new Promise<string>((resolve, reject) => {
        execFile(cli, ["stack", "output", "--json", "--stack", opts.stack], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 }, (err, out, stderr) => {
            if (err === null) return resolve(out);
            if ((err as NodeJS.ErrnoException).code === "ENOENT") {
                return reject(
                    new OutputsError(
                        `the Pulumi CLI (\`${cli}\`) is not installed here: pass --outputs FILE, saved where it is with: pulumi stack output --json --stack ${opts.stack} > outputs.json`,
                    ),
                );
            }
            reject(new OutputsError(`\`${cli} stack output --json --stack ${opts.stack}\` failed: ${stderr.trim() || err.message}`));
        });
    });
    return parseStackOutputs(JSON.parse(stdout), `pulumi stack output --stack ${opts.stack}`);
}
