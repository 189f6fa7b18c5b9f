/**
 * `npm run verify -- --stack <name> [--outputs FILE]`: checks a deployed stack read-only (AWS SDK,
 * plain HTTP) and prints one line per check; exits 1 when any check failed. See ops/verify.ts.
 */
import { formatResult } from "../ops/report";
import { openCommandSession } from "../ops/session";
import { runVerify } from "../ops/verify";
import { parseCommand, runCommand, UsageError } from "./cli";

const COMMAND = {
    usage: "npm run verify -- --stack <name> [--outputs FILE] [--wait SECONDS]",
    help: `
Checks that a deployed stack works and that its monitoring sees it, read-only (Describe/List/Get
calls and HTTP GETs), and prints one line per check: PASS, or FAIL with the reason and the next step.
Exits 1 when any check failed. Run it right after pulumi up (the deploy workflow does).

  load balancer         GET <appUrl>/healthz answers 200
  ecs <service>         runs the task definition this deployment created (not one ECS rolled back
                        to), rollout COMPLETED, running = desired, no crash loop, deployment alarms
  prometheus targets    through Grafana's data-source proxy: every scrape job has targets, all up
  prometheus rules      every alert rule loaded, none in error
  alarm data            alarms on continuously published metrics have data (sidecars, Container
                        Insights, heartbeat alive)
  notifier, pagerduty forwarder, failed notifications, heartbeat

  --stack <name>    the stack whose outputs to read (pulumi stack output --json --stack <name>)
  --outputs FILE    read the outputs from FILE instead (saved with that command) — where the
                    Pulumi CLI is not installed
  --wait SECONDS    while a check fails, run them all again every 15 s for up to SECONDS (default 0):
                    right after a deploy, Prometheus needs a discovery round to find replaced tasks,
                    and CloudWatch a few minutes for new metrics; a rollback or a crash loop stays red
  --help            this text

Needs AWS credentials for the stack's account (read-only is enough), and an address Grafana's
and the app's load balancers admit (koronet:monitoring.grafana.allowedCidrs, service.allowedCidrs).`,
    options: { stack: { type: "string" }, outputs: { type: "string" }, wait: { type: "string", default: "0" } },
} as const;

async function cli(): Promise<void> {
    const { values } = parseCommand(COMMAND);
    const wait = Number(values.wait);
    if (!Number.isInteger(wait) || wait < 0 || wait > 3600) throw new UsageError(`--wait ${values.wait}: allowed whole seconds 0..3600`);
    const session = await openCommandSession(values, (m) => new UsageError(m));
    const deadline = Date.now() + wait * 1000;
    let results = await runVerify(session);
    while (results.some((r) => !r.ok) && Date.now() + 15_000 <= deadline) {
        process.stderr.write(
            `  ${results
                .filter((r) => !r.ok)
                .map((r) => r.check)
                .join(", ")} failing; checking again in 15 s (--wait ${wait})\n`,
        );
        await new Promise((r) => setTimeout(r, 15_000));
        results = await runVerify(session);
    }
    for (const r of results) process.stdout.write(`${formatResult(r)}\n`);
    const failed = results.filter((r) => !r.ok).length;
    process.stdout.write(
        `${failed === 0 ? "verify: all" : `verify: ${failed} of`} ${results.length} checks ${failed === 0 ? "passed" : "failed"} (stack ${values.stack})\n`,
    );
    if (failed > 0) process.exitCode = 1;
}

runCommand(COMMAND.usage, cli);
