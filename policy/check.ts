/**
 * `npm run policy [-- --stack <name>]`: evaluates the guardrails over each stack's offline graph
 * and prints every violation. Exit status 1 when any rule is broken.
 */
import { parseArgs } from "node:util";
import { runOffline } from "../scripts/offline/run";
import { environmentOf, evaluate, RULES, type Violation } from "./rules";

export async function checkStack(stack: string): Promise<Violation[]> {
    const run = await runOffline(stack);
    const environment = environmentOf(run.resources);
    if (!environment) throw new Error(`stack ${stack}: cannot tell its environment (no aws provider with an Environment default tag)`);
    return evaluate({ environment, resources: run.resources });
}

async function cli(): Promise<void> {
    const { values } = parseArgs({ options: { stack: { type: "string", multiple: true } }, strict: true });
    const stacks = values.stack ?? ["dev", "prod"];
    let failed = false;
    for (const stack of stacks) {
        const violations = await checkStack(stack);
        console.log(`${stack}: ${RULES.length} rules, ${violations.length} violation(s)`);
        for (const v of violations) console.log(`  ✗ [${v.rule}] ${v.resource}: ${v.message}`);
        failed ||= violations.length > 0;
    }
    if (failed) process.exit(1);
}

if (require.main === module) {
    cli().catch((err: unknown) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
