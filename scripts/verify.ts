/**
 * `npm run verify -- --stack <name> [--outputs FILE]`: checks a deployed stack read-only (AWS SDK,
 * plain HTTP) and prints one line per check; exits 1 when any check failed. See ops/verify.ts.
 */
import { OutputsError } from "../ops/outputs";
import { formatResult } from "../ops/report";
import { openSession } from "../ops/session";
import { runVerify } from "../ops/verify";
import { parseCommand, runCommand, UsageError } from "./cli";

const COMMAND = {
    usage: "npm run verify -- --stack <name> [--outputs FILE]",
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
  --help            this text

Needs AWS credentials for the stack's account (read-only is enough), and an address Grafana's
and the app's load balancers admit (koronet:monitoring.grafana.allowedCidrs, service.allowedCidrs).`,
    options: { stack: { type: "string" }, outputs: { type: "string" } },
} as const;

async function cli(): Promise<void> {
    const { values } = parseCommand(COMMAND);
    if (!values.stack) throw new UsageError("--stack is required (the stack whose outputs to read)");
    let session;
    try {
        session = await openSession({ stack: values.stack, outputsFile: values.outputs });
    } catch (e) {
        if (e instanceof OutputsError) throw new UsageError(e.message);
        throw e;
    }
    const results = await runVerify(session);
    for (const r of results) process.stdout.write(`${formatResult(r)}\n`);
    const failed = results.filter((r) => !r.ok).length;
    process.stdout.write(`${failed === 0 ? "verify: all" : `verify: ${failed} of`} ${results.length} checks ${failed === 0 ? "passed" : "failed"} (stack ${values.stack})\n`);
    if (failed > 0) process.exitCode = 1;
}

runCommand(COMMAND.usage, cli);
