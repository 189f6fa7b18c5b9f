/**
 * `npm run verify`'s checks against mocked AWS SDK clients (aws-sdk-client-mock, loaded from the
 * prod stack's real plan and outputs: e2e/stand-ins/aws.ts), a local `/healthz`, and stubbed
 * Prometheus answers. Each fault turns exactly its own line red, with the reason and the next step.
 */
import { strict as assert } from "node:assert";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { FakeAws } from "../../e2e/stand-ins/aws";
import { GrafanaProxy, type DataSources } from "../../ops/grafana";
import { parseStackOutputs, type StackOutputs } from "../../ops/outputs";
import { formatResult, type CheckResult } from "../../ops/report";
import { abnormalStop, alarmMetrics, runVerify } from "../../ops/verify";
import { livenessProbes } from "../../components/alerting/deployment-alarms";
import { stackGraph } from "../harness";

const NOW = Date.parse("2026-12-01T12:00:00Z");

interface World {
    outputs: StackOutputs;
    aws: FakeAws;
    targets: { labels: Record<string, string>; health: string; lastError?: string }[];
    rules: { name: string; health: string; lastError?: string }[];
    healthz: number;
}

let server: http.Server;
let healthz = 200;
let base = "";

async function world(): Promise<World> {
    const g = await stackGraph("prod");
    const raw = structuredClone(g.outputs) as Record<string, unknown>;
    raw["appUrl"] = base;
    const outputs = parseStackOutputs(raw, "the prod plan");
    const aws = FakeAws.fromStack(g.resources, outputs, { region: "eu-west-1", clusterName: outputs.clusterName, now: () => NOW });
    // Every publisher alive: a datapoint a minute ago for every probe of every alarm.
    for (const a of aws.alarms.values())
        for (const p of livenessProbes(alarmMetrics(a))) aws.putMetric(p.namespace, p.metricName, p.dimensions, 1, NOW - 60_000);
    const jobs = outputs.verification.prometheus?.jobs ?? [];
    return {
        outputs,
        aws,
        targets: jobs.map((job) => ({ labels: { job, instance: `${job}.prod.koronet.internal:1` }, health: "up" })),
        rules: (outputs.verification.prometheus?.alertRules ?? []).map((name) => ({ name, health: "ok" })),
        healthz: 200,
    };
}

function stub(w: World): DataSources {
    return {
        prometheus: async <T>(path: string) =>
            (path === "/api/v1/targets" ? { activeTargets: w.targets } : { groups: [{ name: "koronet", rules: w.rules }] }) as T,
        alertmanager: async () => {
            throw new Error("verify never calls Alertmanager");
        },
    };
}

const run = (w: World) => runVerify({ outputs: w.outputs, aws: w.aws.clients, grafana: stub(w) }, { now: () => NOW });
const failed = (rs: CheckResult[]) => rs.filter((r) => !r.ok);

describe("npm run verify: checks (mocked AWS SDK clients, the prod stack's plan)", function () {
    this.timeout(120_000);
    before(async () => {
        server = http.createServer((req, res) => {
            res.writeHead(req.url === "/healthz" ? healthz : 404);
            res.end();
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server.close());
    beforeEach(() => {
        healthz = 200;
    });

    it("passes every check on a healthy stack, one line each", async () => {
        const rs = await run(await world());
        assert.deepEqual(failed(rs).map(formatResult), []);
        const lines = rs.map(formatResult);
        assert.ok(lines.every((l) => /^PASS {2}\S/.test(l)));
        assert.ok(lines.includes(`PASS  load balancer: GET ${base}/healthz answered 200`));
        assert.ok(
            lines.some((l) =>
                /^PASS {2}ecs web \(web-svc\): 3\/3 tasks on .*web-task \(COMPLETED\), no crash loop, deployment alarms HighErrorRate, HighResponseTime$/.test(
                    l,
                ),
            ),
            lines.join("\n"),
        );
        assert.equal(rs.filter((r) => r.check.startsWith("ecs ")).length, 8, "one line per ECS service of prod");
    });

    it("the load balancer answering 503 fails its line", async () => {
        healthz = 503;
        const rs = failed(await run(await world()));
        assert.deepEqual(
            rs.map((r) => [r.check, r.detail]),
            [["load balancer", `GET ${base}/healthz answered 503`]],
        );
        assert.match(rs[0]!.next ?? "", /describe-target-health/);
    });

    describe("ECS", () => {
        it("[F5] a service ECS rolled back: the PRIMARY deployment is not the deployed revision — names both and says pulumi up --refresh", async () => {
            const w = await world();
            const svc = w.aws.service("web-svc");
            w.aws.rollBack(
                "web-svc",
                "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7",
                "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1.",
            );
            assert.notEqual(svc.deployments[0]!.taskDefinition, w.outputs.verification.ecsServices["web"]!.taskDefinitionArn);
            const rs = failed(await run(w));
            assert.deepEqual(
                rs.map((r) => r.check),
                ["ecs web (web-svc)"],
            );
            assert.match(
                rs[0]!.detail,
                /^runs web:7, but this stack deployed web-task: ECS rolled the deployment back \(ECS deployment circuit breaker: rolling back/,
            );
            assert.match(rs[0]!.next ?? "", /pulumi up --refresh \(a plain pulumi up sees no change after a rollback\)/);
        });

        it("a rollout still in progress, another deployment, or fewer tasks than desired fail the service's line", async () => {
            const w = await world();
            const svc = w.aws.service("monitoring-grafana-svc");
            svc.deployments = [
                { ...svc.deployments[0]!, rolloutState: "IN_PROGRESS" },
                { status: "ACTIVE", taskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/g:1" },
            ];
            svc.runningCount = 1;
            svc.desiredCount = 2;
            const rs = failed(await run(w));
            assert.deepEqual(
                rs.map((r) => r.check),
                ["ecs monitoring-grafana (monitoring-grafana-svc)"],
            );
            assert.equal(rs[0]!.detail, "deployment IN_PROGRESS (ECS deployment completed.); 1 other deployment(s) still ACTIVE on g:1; runs 1 of 2 tasks");
        });

        it("a crash loop: two abnormal stops in the window, named by container and exit code; scheduler replacements and old stops do not count", async () => {
            const w = await world();
            w.aws.stopTask("web-svc", { container: "web", exitCode: 1, at: NOW - 60_000 });
            w.aws.stopTask("web-svc", {
                container: "web",
                stopCode: "ServiceSchedulerInitiated",
                stoppedReason: "Scaling activity initiated by (deployment ecs-svc/1)",
                at: NOW - 60_000,
            });
            w.aws.stopTask("web-svc", { container: "web", exitCode: 137, at: NOW - 3600_000 });
            assert.deepEqual(failed(await run(w)).map(formatResult), [], "one crash is not a loop");
            w.aws.stopTask("web-svc", {
                container: "web",
                stopCode: "ServiceSchedulerInitiated",
                stoppedReason: "Task failed ELB health checks in (target-group arn:...:targetgroup/web-targets/1)",
                at: NOW - 30_000,
            });
            const rs = failed(await run(w));
            assert.deepEqual(
                rs.map((r) => r.check),
                ["ecs web (web-svc)"],
            );
            assert.equal(
                rs[0]!.detail,
                "crash loop: 2 tasks stopped abnormally in the last 15 min (web exited 1; Task failed ELB health checks in (target-group arn:...:targetgroup/web-targets/1))",
            );
            assert.match(rs[0]!.next ?? "", /stopped tasks' container logs/);
        });

        it("classifies stops by ECS's stop codes (stopped-task-error-codes)", () => {
            assert.equal(
                abnormalStop({ stopCode: "TaskFailedToStart", stoppedReason: "CannotPullContainerError: pull image manifest has been retried" }),
                "failed to start: CannotPullContainerError: pull image manifest has been retried",
            );
            assert.equal(abnormalStop({ stopCode: "UserInitiated", stoppedReason: "Task stopped by user" }), undefined);
            assert.equal(
                abnormalStop({
                    stopCode: "EssentialContainerExited",
                    containers: [
                        { name: "app-metrics", exitCode: 0 },
                        { name: "web", exitCode: 2 },
                    ],
                }),
                "web exited 2",
            );
        });

        it("deployment alarms no longer in force on the web service fail its line", async () => {
            const w = await world();
            w.aws.service("web-svc").alarms = { alarmNames: ["koronet-prod-HighErrorRate"], enable: true, rollback: false };
            const rs = failed(await run(w));
            assert.deepEqual(
                rs.map((r) => r.detail),
                ["deployment alarms not in force (missing koronet-prod-HighResponseTime, enable true, rollback false)"],
            );
        });

        it("a service missing from the cluster fails its line", async () => {
            const w = await world();
            w.aws.services.delete("monitoring-redis-exporter-svc");
            assert.deepEqual(
                failed(await run(w)).map((r) => r.detail),
                ["no ACTIVE service monitoring-redis-exporter-svc in cluster cluster-ecs (missing)"],
            );
        });
    });

    describe("Prometheus, through Grafana", () => {
        it("[F12] a job without targets and a target down are named, with the scrape error", async () => {
            const w = await world();
            w.targets = w.targets.filter((t) => t.labels.job !== "cadvisor");
            w.targets.find((t) => t.labels.job === "redis")!.health = "down";
            w.targets.find((t) => t.labels.job === "redis")!.lastError = "connection refused";
            const rs = failed(await run(w));
            assert.deepEqual(
                rs.map((r) => [r.check, r.detail]),
                [["prometheus targets", "job cadvisor: no target discovered; job redis, instance redis.prod.koronet.internal:1: down (connection refused)"]],
            );
        });

        it("a rule not loaded and a rule in error are named", async () => {
            const w = await world();
            w.rules = w.rules.filter((r) => r.name !== "RedisDown");
            w.rules.find((r) => r.name === "HighErrorRate")!.health = "err";
            w.rules.find((r) => r.name === "HighErrorRate")!.lastError = "many-to-many matching not allowed";
            const rs = failed(await run(w));
            assert.deepEqual(
                rs.map((r) => [r.check, r.detail]),
                [["prometheus rules", "not loaded: RedisDown; HighErrorRate in error (many-to-many matching not allowed)"]],
            );
        });

        it("Grafana unreachable, or refusing the password, fails both Prometheus lines with what to do", async () => {
            const w = await world();
            const closed = new GrafanaProxy({
                url: "http://127.0.0.1:9/",
                user: "admin",
                password: "x",
                prometheusUid: "prometheus",
                alertmanagerUid: "alertmanager",
                timeoutMs: 2000,
            });
            const rs = failed(await runVerify({ outputs: w.outputs, aws: w.aws.clients, grafana: closed }, { now: () => NOW }));
            assert.deepEqual(
                rs.map((r) => r.check),
                ["prometheus targets", "prometheus rules"],
            );
            assert.match(rs[0]!.detail, /^Grafana at http:\/\/127\.0\.0\.1:9\/ unreachable/);
            assert.match(rs[0]!.next ?? "", /koronet:monitoring\.grafana\.allowedCidrs/);
            const refusing = http.createServer((_req, res) => {
                res.writeHead(401);
                res.end("{}");
            });
            await new Promise<void>((r) => refusing.listen(0, "127.0.0.1", () => r()));
            try {
                const url = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/`;
                const g = new GrafanaProxy({ url, user: "admin", password: "wrong", prometheusUid: "prometheus", alertmanagerUid: "alertmanager" });
                const r2 = failed(await runVerify({ outputs: w.outputs, aws: w.aws.clients, grafana: g }, { now: () => NOW }));
                assert.match(r2[0]!.detail, /Grafana refused GET \/api\/v1\/targets\?state=active as admin \(HTTP 401\)/);
                assert.match(r2[0]!.next ?? "", /admin password secret/);
            } finally {
                refusing.close();
            }
        });
    });

    describe("CloudWatch alarms that must have data", () => {
        it("[F12] a dead app-metrics sidecar: each alarm on Koronet/App is named with the metric, its dimensions and the publisher", async () => {
            const w = await world();
            w.aws.points.splice(0, w.aws.points.length, ...w.aws.points.filter((p) => p.namespace !== "Koronet/App"));
            const rs = failed(await run(w));
            assert.deepEqual(rs.map((r) => r.check).sort(), [
                "alarm data koronet-prod-CacheMissRateHigh",
                "alarm data koronet-prod-DatabaseConnectionFailures-app",
                "alarm data koronet-prod-RedisDown-app",
            ]);
            for (const r of rs) {
                assert.equal(
                    r.detail,
                    "Koronet/App koronet_http_requests_in_flight (ClusterName=cluster-ecs, ServiceName=web-svc) has no data in 10 min: the app-metrics sidecar (CloudWatch agent, EMF) is not publishing",
                );
                assert.match(r.next ?? "", /^check the app-metrics sidecar/);
            }
        });

        it("data older than the window counts as none; an alarm stuck in INSUFFICIENT_DATA and a missing alarm are named", async () => {
            const w = await world();
            for (const p of w.aws.points) if (p.namespace === "Koronet/Alerting") p.at = NOW - 11 * 60_000;
            w.aws.alarms.get("koronet-prod-KoronetDown")!.StateValue = "INSUFFICIENT_DATA";
            w.aws.alarms.delete("koronet-prod-alerting-prometheus-tasks");
            const rs = failed(await run(w));
            const by = Object.fromEntries(rs.map((r) => [r.check, r.detail]));
            assert.match(
                by["alarm data koronet-prod-alerting-watchdog-heartbeat"] ?? "",
                /Koronet\/Alerting WatchdogHeartbeat \(Stack=koronet-prod\) has no data in 10 min: the Watchdog heartbeat/,
            );
            assert.match(by["alarm data koronet-prod-KoronetDown"] ?? "", /^alarm in INSUFFICIENT_DATA since/);
            assert.equal(by["alarm data koronet-prod-alerting-prometheus-tasks"], "alarm not found in CloudWatch");
        });
    });

    describe("the notification path", () => {
        it("a notifier in a failed state, with errors, the forwarder's errors, a non-empty failure queue and a lost heartbeat each fail their line", async () => {
            const w = await world();
            const v = w.outputs.verification;
            w.aws.functions.set(v.notifierFunctionName!, { State: "Active", LastUpdateStatus: "Failed" });
            w.aws.putMetric("AWS/Lambda", "Errors", { FunctionName: v.notifierFunctionName! }, 3, NOW - 5 * 60_000);
            w.aws.putMetric("AWS/Lambda", "Errors", { FunctionName: v.pagerdutyFunctionName! }, 1, NOW - 10 * 60_000);
            w.aws.queues.set(v.failedNotificationsQueue!, { visible: 2, inFlight: 0 });
            w.aws.alarms.get(v.alarmNames["watchdog-heartbeat"]!)!.StateValue = "ALARM";
            const rs = failed(await run(w));
            assert.deepEqual(
                rs.map((r) => r.check),
                ["notifier", "pagerduty forwarder", "failed notifications", "heartbeat"],
            );
            assert.equal(rs[0]!.detail, "koronet-prod-alerting-notifier: last update Failed; 3 Errors in the last 30 min");
            assert.match(rs[0]!.next ?? "", /aws logs tail \/aws\/lambda\/koronet-prod-alerting-notifier --since 30m/);
            assert.equal(rs[1]!.detail, "koronet-prod-alerting-pagerduty: 1 Errors in the last 30 min");
            assert.match(rs[2]!.detail, /koronet-prod-alerting-failed-notifications holds 2 message\(s\)/);
            assert.match(rs[3]!.detail, /koronet-prod-alerting-watchdog-heartbeat is ALARM/);
        });

        it("never writes: only Describe/List/Get calls reach AWS", async () => {
            const w = await world();
            const calls: string[] = [];
            for (const c of Object.values(w.aws.clients)) {
                const send = c.send.bind(c) as (cmd: unknown) => Promise<unknown>;
                (c as { send: unknown }).send = (cmd: { constructor: { name: string } }) => {
                    calls.push(cmd.constructor.name);
                    return send(cmd);
                };
            }
            await run(w);
            assert.ok(calls.length > 10);
            assert.deepEqual(
                calls.filter((n) => !/^(Describe|List|Get)/.test(n)),
                [],
            );
        });
    });
});
