/**
 * `npm run policy [-- --stack <name>]`: evaluates the guardrails over each stack's offline graph
 * and prints every violation. Exit status 1 when any rule is broken.
 */
import { parseCommand, runCommand } from "../scripts/cli";
import { runOffline } from "../scripts/offline/run";
import { environmentOf, evaluate, RULES, type Violation } from "./rules";

export async function checkStack(stack: string): Promise<Violation[]> {
    const run = await runOffline(stack);
    const environment = environmentOf(run.resources);
    if (!environment) throw new Error(`stack ${stack}: cannot tell its environment (no aws provider with an Environment default tag)`);
    return evaluate({ environment, resources: run.resources });
}

const COMMAND = {
    usage: "npm run policy [-- --stack <name> ...]",
    help: `
Evaluates the guardrail rules (policy/rules.ts) over each stack's offline plan and prints every
violation; exit status 1 when any rule is broken.

  --stack <name>  only this stack (repeatable); default: dev and prod
  --help          this text`,
    options: { stack: { type: "string", multiple: true } },
} as const;

async function cli(): Promise<void> {
    const { values } = parseCommand(COMMAND);
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

if (require.main === module) runCommand(COMMAND.usage, cli);
