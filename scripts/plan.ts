/**
 * `npm run plan -- --stack <dev|prod> [--json]`: what the stack would deploy, computed offline by
 * running the real program under mocks with the stack's real config file. No cloud account, no
 * Pulumi CLI, no network. `--json` prints exactly a JSON array, one object per resource:
 * `{ type, name, parent, inputs }`. `--cost` prints the monthly cost estimate instead (scripts/cost.ts).
 */
import { parseCommand, runCommand, UsageError } from "./cli";
import { stackNames } from "./offline/stack-file";
import { runOffline, type OfflineRun, type PlannedResource } from "./offline/run";
import { alertingSections } from "./offline/alerting-sections";
import { estimateCost, loadPrices, regionOf, renderCost } from "./cost";

export interface PlanSection {
    /** Extra readable sections other parts of the platform add to the tree view. */
    (run: OfflineRun): string | undefined;
}

export function renderTree(run: OfflineRun, sections: readonly PlanSection[] = []): string {
    const children = new Map<string | null, PlannedResource[]>();
    for (const r of run.resources) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const lines: string[] = [`Stack ${run.stack}: ${run.resources.length} resources`];
    const walk = (parent: string | null, indent: string) => {
        const list = children.get(parent) ?? [];
        list.forEach((r, i) => {
            const last = i === list.length - 1;
            lines.push(`${indent}${last ? "└─" : "├─"} ${r.type} ${r.name}${summary(r)}`);
            walk(`${r.type}::${r.name}`, indent + (last ? "   " : "│  "));
        });
    };
    walk(null, "");
    lines.push("", "Outputs:");
    for (const [k, v] of Object.entries(run.outputs)) lines.push(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
    for (const section of sections) {
        const text = section(run);
        if (text) lines.push("", text);
    }
    return lines.join("\n");
}

/** A few inputs worth seeing at a glance, per type. */
function summary(r: PlannedResource): string {
    const i = r.inputs;
    const pick = (keys: string[]) =>
        keys.filter((k) => i[k] !== undefined).map((k) => `${k}=${typeof i[k] === "object" ? JSON.stringify(i[k]) : String(i[k])}`);
    const byType: Record<string, string[]> = {
        "aws:ecs/service:Service": ["schedulingStrategy", "desiredCount"],
        "aws:ecs/taskDefinition:TaskDefinition": ["cpu", "memory", "networkMode"],
        "aws:rds/instance:Instance": ["engine", "engineVersion", "instanceClass", "multiAz"],
        "aws:elasticache/replicationGroup:ReplicationGroup": ["nodeType", "numCacheClusters", "automaticFailoverEnabled"],
        "aws:cloudwatch/logGroup:LogGroup": ["retentionInDays"],
        "aws:lb/listener:Listener": ["port", "protocol"],
        "aws:lb/targetGroup:TargetGroup": ["port", "targetType"],
        "awsx:ec2:Vpc": ["cidrBlock", "numberOfAvailabilityZones"],
        "aws:autoscaling/group:Group": ["minSize", "maxSize"],
    };
    const parts = pick(byType[r.type] ?? []);
    return parts.length ? `  (${parts.join(", ")})` : "";
}

const COMMAND = {
    usage: "npm run plan -- --stack <name> [--json] [--cost] [--urns]",
    help: `
Runs the real program for one stack offline (Pulumi mocks, the stack's real Pulumi.<stack>.yaml;
no cloud account, Pulumi CLI or network) and prints what it would deploy.

  --stack <name>  the stack: one of the Pulumi.<stack>.yaml files (dev, prod, ...)
  --json          print exactly a JSON array, one {type, name, parent, inputs} per resource
  --cost          print the monthly cost estimate instead (with --json: the report as JSON)
  --urns          print every resource's URN as the engine computes it, one per line, sorted
                  (what test/delivery/fixtures/deployed-urns/ freezes; see test/delivery/identity.test.ts)
  --help          this text

Example: npm run plan -- --stack dev --json | jq '.[].type'`,
    options: {
        stack: { type: "string" },
        json: { type: "boolean", default: false },
        cost: { type: "boolean", default: false },
        urns: { type: "boolean", default: false },
    },
} as const;

async function cli(): Promise<void> {
    const { values } = parseCommand(COMMAND);
    if (!values.stack) throw new UsageError(`--stack is required; known stacks: ${stackNames().join(", ")}`);
    const run = await runOffline(values.stack);
    if (values.urns) {
        process.stdout.write(
            `${Object.values(run.identities)
                .map((i) => i.urn)
                .sort()
                .join("\n")}\n`,
        );
        return;
    }
    if (values.cost) {
        // `--cost` prints the estimate alone (`--json`: the report as JSON), so it can be piped.
        const report = estimateCost(run.resources, loadPrices(regionOf(run.resources)));
        process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderCost(run.stack, report)}\n`);
        return;
    }
    process.stdout.write(values.json ? `${JSON.stringify(run.resources, null, 2)}\n` : `${renderTree(run, alertingSections)}\n`);
}

if (require.main === module) runCommand(COMMAND.usage, cli);
