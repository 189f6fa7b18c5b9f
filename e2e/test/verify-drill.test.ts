/**
 * `npm run verify` and `npm run drill`, their logic end to end: the prod stack's plan and outputs
 * pointed at the local pipeline (real web server, Prometheus, Alertmanager, notifier, PagerDuty
 * forwarder, fake Slack/PagerDuty) behind a Grafana data-source proxy stand-in, with a fake AWS
 * account for ECS, CloudWatch/SNS, SQS, Lambda, Secrets Manager and DynamoDB (e2e/stand-ins).
 * Verify: green when healthy, red naming the broken part for each fault. Drill: delivers on both
 * paths with its timings, and never reaches the PagerDuty receiver without --page.
 */
import * as assert from "node:assert/strict";
import { DRILL_LABELS } from "../../functions/src/contract";
import type { DrillReport } from "../../ops/drill";
import { formatResult, type CheckResult } from "../../ops/report";
import { revision } from "../../ops/verify";
import { FakePagerDuty, sleep } from "../services";
import { LocalDeployment } from "../stand-ins/deployment";
import { crashOnce, drill, verify, waitForTargets } from "../verify-drill";

const failures = (rs: CheckResult[]) => rs.filter((r) => !r.ok);
const show = (rs: CheckResult[]) => rs.map(formatResult).join("\n");

describe("npm run verify and npm run drill against the local pipeline (prod's plan and outputs, fake AWS account)", function () {
    let d: LocalDeployment | undefined;
    const dep = (): LocalDeployment => {
        if (d === undefined) throw new Error("the local deployment did not start (see the before-all hook)");
        return d;
    };
    const drills: { title: string; report: DrillReport }[] = [];

    before(async function () {
        this.timeout(300_000);
        d = await LocalDeployment.start({ log: (l) => console.log(`      [start] ${l}`) });
        await d.pipeline.waitForFirstScrapes();
        assert.ok(await d.pipeline.waitForHeartbeat(60_000), "the Watchdog heartbeat never arrived");
        await sleep(3_000);
    });

    after(async function () {
        this.timeout(120_000);
        await d?.pipeline.stop();
        for (const { title, report } of drills) {
            console.log(`      drill ${report.id} (${title}):`);
            for (const s of report.steps)
                console.log(
                    `        ${s.outcome.padEnd(9)} ${s.path.padEnd(10)} ${s.what.padEnd(18)} ${s.seconds !== undefined ? `+${s.seconds.toFixed(1)} s` : ""}`,
                );
        }
    });

    describe("verify", function () {
        this.timeout(180_000);

        it("is green on the healthy pipeline: every check passes", async () => {
            const rs = await verify(dep());
            console.log(show(rs).replace(/^/gm, "        "));
            assert.deepEqual(failures(rs).map(formatResult), []);
            const checks = rs.map((r) => r.check.split(" ")[0]);
            for (const c of ["load", "ecs", "prometheus", "alarm", "notifier", "pagerduty", "failed", "heartbeat"])
                assert.ok(checks.includes(c), `a ${c} check ran`);
            assert.ok(rs.some((r) => r.check === "ecs web (web-svc)" && /deployment alarms HighErrorRate, HighResponseTime/.test(r.detail)));
            assert.ok(
                dep().grafana.requests.some((r) => r.startsWith("GET prometheus /api/v1/targets")),
                "Prometheus was reached through Grafana's proxy",
            );
        });

        it("[F12] a target Prometheus cannot scrape: red, naming the job and the instance", async () => {
            const p = dep().pipeline;
            await p.redisExporter.stop();
            try {
                await waitForTargets(dep(), "redis", "down");
                const rs = failures(await verify(dep()));
                assert.deepEqual(
                    rs.map((r) => r.check),
                    ["prometheus targets"],
                    show(rs),
                );
                assert.match(
                    rs[0]!.detail,
                    new RegExp(
                        `^job redis, instance [^:]+:\\d+: down at http://${p.redisExporter.target.replace(/\./g, "\\.")}/metrics \\(.*connection refused\\)$`,
                    ),
                );
            } finally {
                await p.redisExporter.start();
                await waitForTargets(dep(), "redis", "up");
            }
        });

        it("[F12] a dead metrics sidecar: red, naming each alarm left without data and the sidecar", async () => {
            const x = dep();
            x.sidecar.stop();
            try {
                await sleep(14_000);
                const rs = failures(await verify(x));
                assert.ok(rs.length > 0, "verify stayed green");
                for (const r of rs) {
                    assert.match(r.check, /^alarm data koronet-prod-/);
                    assert.match(
                        r.detail,
                        /Koronet\/App koronet_http_requests_in_flight \(ClusterName=cluster-ecs, ServiceName=web-svc\) has no data .*the app-metrics sidecar/,
                    );
                }
                assert.deepEqual(rs.map((r) => r.check).sort(), [
                    "alarm data koronet-prod-CacheMissRateHigh",
                    "alarm data koronet-prod-DatabaseConnectionFailures-app",
                    "alarm data koronet-prod-RedisDown-app",
                ]);
            } finally {
                x.sidecar.start();
            }
        });

        it("a service ECS rolled back to its old task definition: red, naming the service and both revisions", async () => {
            const x = dep();
            const deployed = x.outputs.verification.ecsServices["web"]!.taskDefinitionArn;
            const old = deployed.replace(/:8$/, ":7");
            const before = structuredClone(x.aws.service("web-svc").deployments);
            x.aws.rollBack("web-svc", old, "ECS deployment ecs-svc/1234 rolled back: alarm koronet-prod-HighErrorRate is in ALARM state.");
            try {
                const rs = failures(await verify(x));
                assert.deepEqual(
                    rs.map((r) => r.check),
                    ["ecs web (web-svc)"],
                    show(rs),
                );
                assert.match(
                    rs[0]!.detail,
                    new RegExp(`runs ${revision(old)}, but this stack deployed ${revision(deployed)}: ECS rolled the deployment back \\(.*HighErrorRate`),
                );
                assert.match(rs[0]!.next ?? "", /pulumi up --refresh/);
            } finally {
                x.aws.service("web-svc").deployments = before;
            }
        });

        it("a crash-looping service: red, naming the service and the exit code of its tasks' real crashes", async function () {
            this.timeout(300_000);
            const x = dep();
            const svc = x.aws.service("web-svc");
            for (let i = 0; i < 3; i++) {
                const crash = await crashOnce(x);
                assert.equal(crash.code, 2, `the misconfigured server exits 2 (${crash.message})`);
                assert.match(crash.message, /PORT/);
                x.aws.stopTask("web-svc", { container: "web", exitCode: crash.code ?? undefined });
            }
            try {
                const rs = failures(await verify(x));
                assert.deepEqual(
                    rs.map((r) => r.check),
                    ["ecs web (web-svc)"],
                    show(rs),
                );
                assert.match(rs[0]!.detail, /crash loop: 3 tasks stopped abnormally in the last 15 min \(web exited 2\)/);
            } finally {
                svc.stopped.length = 0;
            }
            assert.deepEqual(failures(await verify(x)).map(formatResult), [], "green again once healed");
        });
    });

    describe("drill", function () {
        this.timeout(300_000);
        const drillEvents = (pd: FakePagerDuty, since: number) => pd.all.filter((r) => r.at >= since && /drill|KoronetDrill/i.test(JSON.stringify(r.body)));
        const delivered = (r: DrillReport, path: string, what: string) => r.steps.find((s) => s.path === path && s.what === what && s.outcome === "delivered");

        it("Prometheus path, no --page: Slack FIRING and RESOLVED confirmed by the notifier's delivery records and timed; PagerDuty never reached", async () => {
            const x = dep();
            const since = Date.now();
            const r = await drill(x, { path: "prometheus" });
            drills.push({ title: "prometheus", report: r });
            assert.equal(r.refused, undefined);
            assert.deepEqual(
                r.steps.filter((s) => s.outcome === "failed"),
                [],
            );
            for (const w of ["Slack FIRING", "Slack RESOLVED"])
                assert.ok(delivered(r, "prometheus", w)?.seconds !== undefined, `${w}: ${JSON.stringify(r.steps)}`);
            assert.ok(r.steps.some((s) => s.what === "PagerDuty" && s.outcome === "not paged"));
            const notices = x.pipeline.slack.notices(since).filter((n) => n.alertname === DRILL_LABELS.alertname);
            assert.deepEqual(
                notices.map((n) => [n.state, n.receiver]),
                [
                    ["FIRING", "drill"],
                    ["RESOLVED", "drill"],
                ],
                "marked KoronetDrill, routed by the drill route",
            );
            assert.match(JSON.stringify(x.pipeline.slack.all.filter((m) => m.at >= since)), /DRILL/);
            await sleep(3_000);
            assert.deepEqual(drillEvents(x.pipeline.pagerduty, since), [], "nothing reached the PagerDuty receiver");
        });

        it("Prometheus path, --page: PagerDuty trigger and resolve reach the PagerDuty receiver through the notifier, confirmed by its delivery records", async () => {
            const x = dep();
            const since = Date.now();
            const r = await drill(x, { path: "prometheus", page: true });
            drills.push({ title: "prometheus --page", report: r });
            assert.deepEqual(
                r.steps.filter((s) => s.outcome === "failed"),
                [],
            );
            for (const w of ["Slack FIRING", "PagerDuty trigger", "Slack RESOLVED", "PagerDuty resolve"])
                assert.ok(delivered(r, "prometheus", w), `${w}: ${JSON.stringify(r.steps)}`);
            const events = x.pipeline.pagerduty.all.filter((e) => e.at >= since && FakePagerDuty.alertname(e.body) === DRILL_LABELS.alertname);
            assert.deepEqual([...new Set(events.map((e) => e.body.event_action))].sort(), ["resolve", "trigger"]);
            assert.match(String(events[0]!.body.payload?.summary), /DRILL/);
        });

        it("CloudWatch path, no --page: the warning drill alarm → SNS → notifier (Slack) and email, then the RESOLVED; PagerDuty never reached", async () => {
            const x = dep();
            const since = Date.now();
            const r = await drill(x, { path: "cloudwatch" });
            drills.push({ title: "cloudwatch", report: r });
            assert.deepEqual(
                r.steps.filter((s) => s.outcome === "failed"),
                [],
            );
            for (const w of ["Slack FIRING", "Slack RESOLVED", "email (SNS)"]) assert.ok(delivered(r, "cloudwatch", w), `${w}: ${JSON.stringify(r.steps)}`);
            assert.deepEqual(
                x.aws.published.filter((p) => p.at >= since).map((p) => [p.alarmName, p.state, p.topicArn.split(":").pop()]),
                [
                    ["koronet-prod-alerting-DRILL-warning", "ALARM", "koronet-prod-alerting-warning"],
                    ["koronet-prod-alerting-DRILL-warning", "OK", "koronet-prod-alerting-warning"],
                ],
            );
            assert.ok(x.emails.some((e) => e.to === "platform-team@koronet.example" && e.message.includes("DRILL-warning")));
            const slack = x.pipeline.slack.all
                .filter((m) => m.at >= since)
                .map((m) => JSON.stringify(m.body))
                .filter((m) => m.includes("DRILL-warning"));
            assert.ok(slack.length >= 2 && slack.every((m) => /DRILL/.test(m)), "both Slack messages (FIRING, RESOLVED) say DRILL");
            await sleep(3_000);
            assert.deepEqual(drillEvents(x.pipeline.pagerduty, since), []);
        });

        it("CloudWatch path, --page: the critical drill alarm pages through the forwarder, confirmed by its delivery records", async () => {
            const x = dep();
            const since = Date.now();
            const r = await drill(x, { path: "cloudwatch", page: true });
            drills.push({ title: "cloudwatch --page", report: r });
            assert.deepEqual(
                r.steps.filter((s) => s.outcome === "failed"),
                [],
            );
            for (const w of ["Slack FIRING", "PagerDuty trigger", "Slack RESOLVED", "PagerDuty resolve", "email (SNS)"])
                assert.ok(delivered(r, "cloudwatch", w), `${w}: ${JSON.stringify(r.steps)}`);
            const events = x.pipeline.pagerduty.all.filter((e) => e.at >= since && JSON.stringify(e.body).includes("DRILL-critical"));
            assert.deepEqual(
                events.map((e) => e.body.event_action),
                ["trigger", "resolve"],
            );
            assert.match(String(events[0]!.body.payload?.summary), /^koronet-prod-alerting-DRILL-critical: DRILL/);
        });

        it("refuses, injecting nothing, when the warning route would page (the forwarder subscribed to the warning topic)", async () => {
            const x = dep();
            const v = x.outputs.verification;
            const sub = x.aws.subscribe({
                topicArn: x.outputs.alertTopicArns["warning"]!,
                protocol: "lambda",
                endpoint: `arn:aws:lambda:eu-west-1:123456789012:function:${v.pagerdutyFunctionName}`,
            });
            const published = x.aws.published.length;
            try {
                const r = await drill(x, { path: "all" });
                assert.match(r.refused ?? "", /PagerDuty forwarder subscribed: a drill would page/);
                assert.deepEqual(r.steps, []);
                assert.equal(x.aws.published.length, published, "no alarm changed state");
            } finally {
                x.aws.subscriptions.splice(x.aws.subscriptions.indexOf(sub), 1);
            }
        });
    });
});
