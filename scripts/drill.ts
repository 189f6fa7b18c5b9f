/**
 * `npm run drill -- --stack <name> [--path cloudwatch|prometheus|all] [--page]`: a fire drill
 * through the real alerting pipeline, marked DRILL everywhere; prints seconds from injection to each
 * confirmed delivery. Never pages without --page. See ops/drill.ts.
 */
import { DRILL_PATHS, runDrill, type DrillPath, type DrillStep } from "../ops/drill";
import { openCommandSession } from "../ops/session";
import { parseCommand, runCommand, UsageError } from "./cli";

const COMMAND = {
    usage: "npm run drill -- --stack <name> [--path cloudwatch|prometheus|all] [--page] [--outputs FILE] [--timeout SECONDS]",
    help: `
A fire drill: a test alert enters the real pipeline and the drill confirms each delivery it can,
then the RESOLVED, printing seconds from injection to each. Every message says DRILL.

  cloudwatch   the stack's drill alarm is set to ALARM (SetAlarmState), then back to OK: SNS →
               notifier → Slack, email, and PagerDuty on the critical route
  prometheus   an alert posted to Alertmanager through Grafana's Alertmanager data source, with
               labels drill="true": Alertmanager's drill route → Slack, email; resolved after
  confirmed by the notifier's and the PagerDuty forwarder's delivery records (DynamoDB), Alertmanager's
  PagerDuty counter (through Prometheus) and SNS delivery figures for email (CloudWatch metrics)

Without --page the drill takes the warning route and never reaches PagerDuty: it checks the route
first and refuses to run if it would page.

  --stack <name>      the stack whose outputs to read (pulumi stack output --json --stack <name>)
  --path <path>       cloudwatch, prometheus or all (default all)
  --page              take the critical route: PagerDuty pages the on-call person (tell them first)
  --outputs FILE      read the outputs from FILE instead of the Pulumi CLI
  --timeout SECONDS   longest wait for one delivery (default 300; email figures take 1–3 minutes)
  --help              this text

Needs AWS credentials allowed to call cloudwatch:SetAlarmState on the drill alarms, and Grafana's
admin password (read from Secrets Manager) from an address Grafana's load balancer admits.`,
    options: {
        stack: { type: "string" },
        path: { type: "string", default: "all" },
        page: { type: "boolean", default: false },
        outputs: { type: "string" },
        timeout: { type: "string", default: "300" },
    },
} as const;

const OUTCOME: Record<DrillStep["outcome"], string> = { delivered: "DELIVERED", "not paged": "NOT PAGED", skipped: "SKIPPED", failed: "FAILED" };

async function cli(): Promise<void> {
    const { values } = parseCommand(COMMAND);
    if (!(DRILL_PATHS as readonly string[]).includes(values.path)) throw new UsageError(`--path ${values.path}: allowed ${DRILL_PATHS.join(", ")}`);
    const timeout = Number(values.timeout);
    if (!Number.isInteger(timeout) || timeout < 10 || timeout > 3600) throw new UsageError(`--timeout ${values.timeout}: allowed whole seconds 10..3600`);
    const session = await openCommandSession(values, (m) => new UsageError(m));
    const report = await runDrill(session, {
        path: values.path as DrillPath,
        page: values.page,
        timeoutSeconds: timeout,
        log: (l) => process.stderr.write(`  ${l}\n`),
    });
    process.stdout.write(`drill ${report.id} on stack ${values.stack} (${report.page ? "critical route: pages" : "warning route: never pages"})\n`);
    if (report.refused !== undefined) {
        process.stdout.write(`REFUSED  nothing was injected: ${report.refused}\n`);
        process.exitCode = 1;
        return;
    }
    for (const s of report.steps) {
        process.stdout.write(
            `${OUTCOME[s.outcome].padEnd(10)} ${s.path.padEnd(10)} ${s.what.padEnd(18)} ${s.seconds !== undefined ? `+${s.seconds.toFixed(1)} s`.padStart(9) : "".padStart(9)}  ${s.detail}\n`,
        );
    }
    if (report.steps.some((s) => s.outcome === "failed")) process.exitCode = 1;
}

runCommand(COMMAND.usage, cli);
