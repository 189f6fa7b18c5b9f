/**
 * `npm run policy [-- --stack <name> ...]`: evaluates the guardrails over each stack's offline graph
 * and prints every violation. `npm run policy -- --plan FILE [--environment dev|prod]` evaluates them
 * over a saved plan (what `npm run plan -- --json` prints, perhaps altered by hand), so a reviewer can
 * judge a plan they edited. Exit status 1 when any rule is broken, 2 on a usage error.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { environmentOf, evaluate, RULES, type Environment, type PolicyResource, type Violation } from "./rules";

const ENVIRONMENTS: readonly Environment[] = ["dev", "prod"];

export const USAGE = [
    "usage: npm run policy [-- --stack <name> ...]",
    "       npm run policy -- --plan <file.json> [--environment dev|prod]",
    "",
    "  --stack <name>        run the stack offline and check its graph (repeatable; default: dev and prod)",
    "  --plan <file>         check a saved plan instead: the JSON array `npm run plan -- --json` prints",
    "  --environment <env>   the plan's environment (dev|prod); default: the aws provider's Environment default tag",
    "  --help                this text",
    "",
    "Prints one line per violation. Exit status: 0 clean, 1 a rule is broken, 2 a usage error.",
].join("\n");

/** A mistake in how the command was called or in the file it was given: a message, no stack trace. */
export class UsageError extends Error {
    /** Whether the usage text helps (a wrong flag), or only the message does (a bad file). */
    constructor(
        message: string,
        readonly showUsage = false,
    ) {
        super(message);
    }
}

export async function checkStack(stack: string): Promise<Violation[]> {
    // Loaded only here: checking a saved plan needs neither the program nor the Pulumi runtime.
    const { runOffline } = await import("../scripts/offline/run.js");
    const run = await runOffline(stack);
    const environment = environmentOf(run.resources);
    if (!environment) throw new Error(`stack ${stack}: cannot tell its environment (no aws provider with an Environment default tag)`);
    return evaluate({ environment, resources: run.resources });
}

/**
 * Reads a plan as `npm run plan -- --json` prints it: an array of `{ type, name, parent, inputs, dependsOn }`.
 * `dependsOn` may be missing (then the ordering rules say nothing about that resource); anything else
 * out of shape is a UsageError naming the resource and the field.
 */
export function parsePlan(text: string, file: string): PolicyResource[] {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (err) {
        throw new UsageError(`${file} is not a plan: not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (!Array.isArray(doc)) throw new UsageError(`${file} is not a plan: expected a JSON array of resources, as \`npm run plan -- --json\` prints`);
    return doc.map((r: unknown, i) => {
        const at = `${file}: resource ${i}`;
        if (typeof r !== "object" || r === null || Array.isArray(r)) throw new UsageError(`${at} is not an object`);
        const { type, name, inputs, dependsOn } = r as Record<string, unknown>;
        if (typeof type !== "string" || type === "")
            throw new UsageError(`${at}: \`type\` must be a type token such as aws:ecs/service:Service, got ${JSON.stringify(type)}`);
        if (typeof name !== "string" || name === "") throw new UsageError(`${at} (${type}): \`name\` must be its logical name, got ${JSON.stringify(name)}`);
        const id = `${at} (${type}::${name})`;
        if (typeof inputs !== "object" || inputs === null || Array.isArray(inputs))
            throw new UsageError(`${id}: \`inputs\` must be an object, got ${JSON.stringify(inputs)}`);
        if (dependsOn !== undefined && !(Array.isArray(dependsOn) && dependsOn.every((d) => typeof d === "string" && d.includes("::")))) {
            throw new UsageError(`${id}: \`dependsOn\` must be a list of type::name strings, got ${JSON.stringify(dependsOn)}`);
        }
        return { type, name, inputs: inputs as Record<string, unknown>, ...(dependsOn === undefined ? {} : { dependsOn: dependsOn as string[] }) };
    });
}

/** Evaluates every rule over a saved plan; the environment from the flag, else from the plan's aws provider. */
export function checkPlan(file: string, environment?: Environment): { environment: Environment; violations: Violation[] } {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new UsageError(code === "ENOENT" ? `no such plan file: ${file}` : `cannot read plan file ${file}: ${code ?? String(err)}`);
    }
    const resources = parsePlan(text, file);
    const env = environment ?? environmentOf(resources);
    if (env === undefined)
        throw new UsageError(
            `${file}: cannot tell the plan's environment (no aws provider with an Environment default tag of dev or prod); pass --environment dev|prod`,
        );
    return { environment: env, violations: evaluate({ environment: env, resources }) };
}

function print(label: string, violations: readonly Violation[]): void {
    console.log(`${label}: ${RULES.length} rules, ${violations.length} violation(s)`);
    for (const v of violations) console.log(`  ✗ [${v.rule}] ${v.resource}: ${v.message}`);
}

async function cli(argv: string[]): Promise<number> {
    let values: { stack?: string[]; plan?: string; environment?: string; help?: boolean };
    try {
        ({ values } = parseArgs({
            args: argv,
            options: {
                stack: { type: "string", multiple: true },
                plan: { type: "string" },
                environment: { type: "string" },
                help: { type: "boolean", short: "h" },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (err) {
        throw new UsageError(err instanceof Error ? err.message : String(err), true);
    }
    if (values.help) {
        console.log(USAGE);
        return 0;
    }
    const environment = values.environment;
    if (environment !== undefined && !ENVIRONMENTS.includes(environment as Environment))
        throw new UsageError(`--environment: got ${JSON.stringify(environment)}; allowed: ${ENVIRONMENTS.join(", ")}`, true);
    if (values.plan !== undefined) {
        if (values.stack !== undefined) throw new UsageError("--plan and --stack exclude each other: check a saved plan or run stacks, not both", true);
        const { environment: env, violations } = checkPlan(values.plan, environment as Environment | undefined);
        print(`${values.plan} (${env})`, violations);
        return violations.length > 0 ? 1 : 0;
    }
    if (environment !== undefined) throw new UsageError("--environment applies to --plan only (a stack's environment comes from its config)", true);
    let failed = false;
    for (const stack of values.stack ?? ["dev", "prod"]) {
        const violations = await checkStack(stack);
        print(stack, violations);
        failed ||= violations.length > 0;
    }
    return failed ? 1 : 0;
}

if (require.main === module) {
    cli(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err: unknown) => {
            if (err instanceof UsageError) {
                // The convention of every command (scripts/cli.ts): "error: ...", then the usage.
                console.error(err.showUsage ? `error: ${err.message}\n${USAGE}` : `error: ${err.message} (npm run policy -- --help for usage)`);
                process.exit(2);
            }
            console.error(err instanceof Error ? err.message : err);
            process.exit(1);
        },
    );
}
