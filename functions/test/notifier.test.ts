import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Clock } from "../src/shared/clock";
import { formatAlarmDescription, parseAlarmDescription } from "../src/contract/convention";
import { dynamoDbDedupeStore, inMemoryDedupeStore, type DedupeStore } from "../src/notifier/dedupe";
import type { FunctionUrlEvent, SnsEvent } from "../src/notifier/events";
import { alarmConsoleUrl } from "../src/notifier/format";
import { cloudWatchHeartbeat } from "../src/notifier/heartbeat";
import { notifierFromEnv } from "../src/notifier/handler";
import { startLocalServer } from "../src/notifier/local-server";
import { createLogger } from "../src/shared/log";
import { createNotifier, type NotifierDeps } from "../src/notifier/notifier";
import { cachedSecret, SecretNotFilledError, secretsManagerSource } from "../src/shared/secrets";
import { UNSET_SECRET_PLACEHOLDER } from "../src/contract/convention";

// ---------------------------------------------------------------------------------------------
// Harness: a fake Slack on 127.0.0.1, a fake clock, captured logs.

interface Reply {
    status: number;
    body?: string;
    headers?: Record<string, string>;
}
interface Received {
    path: string;
    body: { text: string; attachments?: { color?: string; blocks?: unknown[] }[]; blocks?: unknown[] };
    raw: string;
}

class FakeSlack {
    readonly received: Received[] = [];
    private readonly replies: Reply[] = [];
    private server?: http.Server;
    url = "";

    /** Replies used in order; once exhausted, every request gets 200 "ok". */
    reply(...replies: Reply[]): this {
        this.replies.push(...replies);
        return this;
    }

    async start(): Promise<this> {
        this.server = http.createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => {
                const raw = Buffer.concat(chunks).toString("utf8");
                this.received.push({ path: req.url ?? "", body: JSON.parse(raw) as Received["body"], raw });
                const r = this.replies.shift() ?? { status: 200, body: "ok" };
                res.writeHead(r.status, { "content-type": "text/plain", ...r.headers });
                res.end(r.body ?? "");
            });
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
        return this;
    }

    async stop(): Promise<void> {
        this.server?.closeAllConnections();
        await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    }
}

class FakeClock implements Clock {
    t = Date.parse("2024-05-06T10:45:00Z");
    readonly sleeps: number[] = [];
    now = () => this.t;
    random = () => 0.5;
    sleep = async (ms: number) => {
        this.sleeps.push(ms);
        this.t += ms;
    };
}

const WEBHOOK_SECRET_PATH = "/services/T0KORONET/B0NOTIFIER/xq9SecretWebhookPathZ7";
const TOKEN = "am-bearer-7f3c1e9d2b8a4f60-do-not-log";
const fixturesDir = path.join(__dirname, "fixtures");

function fixture<T = unknown>(name: string): T {
    return JSON.parse(fs.readFileSync(path.join(fixturesDir, name), "utf8")) as T;
}

function urlEvent(payload: unknown, opts: { token?: string | null; method?: string; rawBody?: string } = {}): FunctionUrlEvent {
    const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "Alertmanager/0.27.0" };
    const token = opts.token === undefined ? TOKEN : opts.token;
    if (token !== null) headers["authorization"] = `Bearer ${token}`;
    return {
        version: "2.0",
        rawPath: "/",
        headers,
        requestContext: { http: { method: opts.method ?? "POST", path: "/" }, requestId: "req-1" },
        body: opts.rawBody ?? JSON.stringify(payload),
        isBase64Encoded: false,
    };
}

/** Everything a reader sees in the message, flattened to one string. */
function visible(r: Received): string {
    return JSON.stringify(r.body);
}

function colorOf(r: Received): string | undefined {
    return r.body.attachments?.[0]?.color;
}

interface Rig {
    slack: FakeSlack;
    clock: FakeClock;
    logs: string[];
    heartbeats: number;
    secretReads: { fresh: boolean }[];
    deps: NotifierDeps;
}

async function rig(overrides: Partial<NotifierDeps> = {}, slack?: FakeSlack): Promise<Rig> {
    const s = slack ?? (await new FakeSlack().start());
    const clock = new FakeClock();
    const logs: string[] = [];
    const log = createLogger((line) => logs.push(line));
    log.addSecret(`${s.url}${WEBHOOK_SECRET_PATH}`);
    log.addSecret(TOKEN);
    const r: Rig = { slack: s, clock, logs, heartbeats: 0, secretReads: [], deps: undefined as unknown as NotifierDeps };
    r.deps = {
        getSlackWebhookUrl: async (o) => {
            r.secretReads.push({ fresh: o?.fresh === true });
            return `${s.url}${WEBHOOK_SECRET_PATH}`;
        },
        getAlertmanagerToken: async () => TOKEN,
        dedupe: inMemoryDedupeStore(clock),
        heartbeat: { publish: async () => void r.heartbeats++ },
        clock,
        log,
        ...overrides,
    };
    return r;
}

const rigs: Rig[] = [];
async function setup(overrides: Partial<NotifierDeps> = {}): Promise<Rig & { notifier: ReturnType<typeof createNotifier> }> {
    const r = await rig(overrides);
    rigs.push(r);
    return { ...r, notifier: createNotifier(r.deps) };
}

afterEach(async () => {
    while (rigs.length > 0) await rigs.pop()!.slack.stop();
});

// ---------------------------------------------------------------------------------------------

describe("notifier: CloudWatch alarm messages", () => {
    it("renders a metric-math ALARM in red with severity, expression, threshold, reason, runbook and console link", async () => {
        const { notifier, slack } = await setup();
        await notifier.handle(fixture("cloudwatch-metric-math-alarm.json"));
        assert.equal(slack.received.length, 1);
        const msg = slack.received[0]!;
        assert.equal(msg.path, WEBHOOK_SECRET_PATH);
        assert.equal(msg.body.text, "ALARM: [CRITICAL] koronet-prod-alerting-5xx-rate — More than 5% of requests fail with 5xx");
        assert.equal(colorOf(msg), "#D0021B");
        const all = visible(msg);
        for (const expected of [
            "e1 = 100 * FILL(m2, 0) / m1",
            "AWS/ApplicationELB HTTPCode_Target_5XX_Count Sum (LoadBalancer=app/koronet-prod-alb/50dc6c495c0c9188), 60s",
            "&gt; 5 for 3 of 3 periods of 60 s · missing data: breaching",
            "OK → *ALARM*",
            "Threshold Crossed: 3 out of the last 3 datapoints",
            "<https://runbooks.koronet.example/alerts/high-5xx-rate|:book: Runbook>",
            "<https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/koronet-prod-alerting-5xx-rate|:cloud: Open in CloudWatch>",
            "*Severity*\\ncritical",
        ]) {
            assert.ok(all.includes(expected), `missing ${expected} in ${all}`);
        }
    });

    it("announces ALARM → OK as an explicit green RESOLVED with percentile and dimensions", async () => {
        const { notifier, slack } = await setup();
        await notifier.handle(fixture("cloudwatch-metric-ok.json"));
        const msg = slack.received[0]!;
        assert.equal(msg.body.text, "RESOLVED: [WARNING] koronet-prod-alerting-response-time-p99 — p99 response time above 2 s");
        assert.equal(colorOf(msg), "#2EB67D");
        const all = visible(msg);
        assert.ok(all.includes("RESOLVED [WARNING] koronet-prod-alerting-response-time-p99"), all);
        assert.ok(
            all.includes(
                "AWS/ApplicationELB TargetResponseTime p99 (LoadBalancer=app/koronet-prod-alb/50dc6c495c0c9188, TargetGroup=targetgroup/koronet-prod-tg/73e2d6bc24d8a067)",
            ),
            all,
        );
        assert.ok(all.includes("&gt; 2 for 3 of 5 periods of 60 s · missing data: notBreaching"), all);
    });

    it("renders INSUFFICIENT_DATA in grey and takes severity from the alarm name when the description has none", async () => {
        const { notifier, slack } = await setup();
        await notifier.handle(fixture("cloudwatch-insufficient-data.json"));
        const msg = slack.received[0]!;
        assert.equal(msg.body.text, "INSUFFICIENT DATA: [WARNING] koronet-prod-service-warning-cpu-high");
        assert.equal(colorOf(msg), "#9B9B9B");
        const all = visible(msg);
        assert.ok(all.includes("AWS/ECS CPUUtilization AVERAGE (ClusterName=koronet-prod, ServiceName=koronet-prod-web)"), all);
        // The old "- TreatMissingData:   missing" form is normalised.
        assert.ok(all.includes("&gt; 80 for 2 of 2 periods of 300 s · missing data: missing"), all);
        assert.ok(!all.includes("Runbook"), "no runbook link without a runbook");
    });

    it("describes an anomaly-detection alarm by its band", async () => {
        const { notifier, slack } = await setup();
        await notifier.handle(fixture("cloudwatch-anomaly-alarm.json"));
        const msg = slack.received[0]!;
        assert.equal(colorOf(msg), "#D0021B");
        const all = visible(msg);
        assert.ok(all.includes("above the band `ANOMALY_DETECTION_BAND(m1, 3)` for 2 of 3 periods of 300 s · missing data: ignore"), all);
        assert.ok(all.includes("`ad1 = ANOMALY_DETECTION_BAND(m1, 3)` — RequestCount (expected)"), all);
        assert.ok(all.includes("were greater than the upper thresholds [9120.4]"), all);
    });

    it("shows a composite alarm's rule and the child that triggered it", async () => {
        const { notifier, slack } = await setup();
        await notifier.handle(fixture("cloudwatch-composite-alarm.json"));
        const msg = slack.received[0]!;
        assert.equal(msg.body.text, "ALARM: [CRITICAL] koronet-prod-alerting-service-unhealthy — Koronet service unhealthy: no healthy targets or 5xx storm");
        const all = visible(msg);
        assert.ok(all.includes("composite alarm"), all);
        assert.ok(all.includes('ALARM(\\"koronet-prod-alerting-no-healthy-targets\\") OR ALARM(\\"koronet-prod-alerting-5xx-rate\\")'), all);
        assert.ok(all.includes("`koronet-prod-alerting-no-healthy-targets` → ALARM"), all);
        assert.ok(all.includes("alarmsV2:alarm/koronet-prod-alerting-service-unhealthy"), all);
    });

    it("builds console links for the alarm's own region and partition", () => {
        assert.equal(
            alarmConsoleUrl("arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:a b/c"),
            "https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/a%20b%2Fc",
        );
        assert.equal(
            alarmConsoleUrl("arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:x:y"),
            "https://ap-southeast-2.console.aws.amazon.com/cloudwatch/home?region=ap-southeast-2#alarmsV2:alarm/x%3Ay",
        );
        assert.equal(alarmConsoleUrl("not-an-arn"), undefined);
    });

    it("round-trips the alarm description convention, keeping severity and runbook within 1024 characters", () => {
        const text = formatAlarmDescription({
            severity: "critical",
            summary: "Memory above 90%",
            details: "x".repeat(2000),
            runbookUrl: "https://runbooks.koronet.example/mem",
        });
        assert.ok(text.length <= 1024);
        assert.deepEqual(
            { ...parseAlarmDescription(text), details: undefined },
            { severity: "critical", summary: "Memory above 90%", runbookUrl: "https://runbooks.koronet.example/mem", details: undefined },
        );
    });
});

describe("notifier: Alertmanager messages", () => {
    it("renders a firing group with several alerts: worst severity colour, each alert, generator and runbook links", async () => {
        const { notifier, slack } = await setup();
        const res = await notifier.handle(urlEvent(fixture("alertmanager-firing.json")));
        assert.equal(res?.statusCode, 200);
        assert.equal(slack.received.length, 1);
        const msg = slack.received[0]!;
        assert.equal(msg.body.text, "FIRING: [CRITICAL] KoronetHighErrorRate (2 firing, 1 resolved)");
        assert.equal(colorOf(msg), "#D0021B");
        const all = visible(msg);
        for (const expected of [
            "5xx rate above 5% on /api/items/:id",
            "5xx rate above 5% on /api/orders",
            "5xx rate above 5% on /api/login",
            "7.3% of requests to /api/items/:id failed",
            "instance=10.0.1.17:3000, route=/api/items/:id",
            "<https://runbooks.koronet.example/alerts/high-5xx-rate|:book: Runbook>",
            "<http://prometheus.koronet.internal:9090/graph?g0.expr=",
            "|:mag: Source>",
            "<http://alertmanager.koronet.internal:9093/#/silences/new?filter=",
            "<http://alertmanager.koronet.internal:9093|Alertmanager>",
            ":white_check_mark: *5xx rate above 5% on /api/login*",
        ]) {
            assert.ok(all.includes(expected), `missing ${expected} in ${all}`);
        }
        // Firing alerts are listed before resolved ones.
        assert.ok(all.indexOf("/api/orders*") < all.indexOf("/api/login*"));
    });

    it("renders a resolved group as a green RESOLVED message", async () => {
        const { notifier, slack } = await setup();
        await notifier.handle(urlEvent(fixture("alertmanager-resolved.json")));
        const msg = slack.received[0]!;
        assert.equal(msg.body.text, "RESOLVED: [WARNING] KoronetCacheMissRateHigh (2 resolved)");
        assert.equal(colorOf(msg), "#2EB67D");
        const all = visible(msg);
        assert.ok(all.includes("Cache miss rate above 50% for items") && all.includes("Cache miss rate above 50% for sessions"), all);
        assert.ok(all.includes("resolved <!date^"), all);
        assert.ok(!all.includes("Silence"), "no silence link for resolved alerts");
    });

    it("caps the alerts shown and counts the rest, including those Alertmanager truncated", async () => {
        const { notifier, slack } = await setup();
        const base = fixture<{ alerts: { labels: Record<string, string>; fingerprint: string }[]; truncatedAlerts: number }>("alertmanager-firing.json");
        const one = base.alerts[0]!;
        base.alerts = Array.from({ length: 15 }, (_, i) => ({ ...one, labels: { ...one.labels, instance: `10.0.0.${i}:3000` }, fingerprint: `f${i}` }));
        base.truncatedAlerts = 3;
        await notifier.handle(urlEvent(base));
        const all = visible(slack.received[0]!);
        assert.ok(all.includes("…and 8 more alerts not shown"), all);
        assert.ok(all.includes("10.0.0.9:3000") && !all.includes("10.0.0.10:3000"), all);
    });
});

describe("notifier: delivery to Slack", () => {
    it("[F1] retries a 500 with exponential backoff and jitter, then succeeds", async () => {
        const { notifier, slack, clock } = await setup();
        slack.reply({ status: 500, body: "internal_error" }, { status: 503 });
        await notifier.handle(fixture("cloudwatch-metric-math-alarm.json"));
        assert.equal(slack.received.length, 3);
        // random() = 0.5: attempt 1 → 500 ms step → 375; attempt 2 → 1000 ms step → 750.
        assert.ok(clock.sleeps.includes(375), `sleeps ${clock.sleeps.join(",")}`);
        assert.ok(clock.sleeps.includes(750), `sleeps ${clock.sleeps.join(",")}`);
        assert.deepEqual(slack.received[2]!.body, slack.received[0]!.body);
    });

    it("[F1] honours Retry-After on 429", async () => {
        const { notifier, slack, clock } = await setup();
        slack.reply({ status: 429, body: "rate_limited", headers: { "retry-after": "7" } });
        const start = clock.now();
        await notifier.handle(fixture("cloudwatch-metric-ok.json"));
        assert.equal(slack.received.length, 2);
        assert.ok(clock.sleeps.includes(7000), `sleeps ${clock.sleeps.join(",")}`);
        assert.ok(clock.now() - start >= 7000);
    });

    it("[F2] gives up after maxAttempts and throws, so the async invocation goes to the on-failure destination", async () => {
        const { notifier, slack, logs } = await setup({ delivery: { maxAttempts: 4 } });
        slack.reply(...Array.from({ length: 10 }, () => ({ status: 500 })));
        await assert.rejects(notifier.handle(fixture("cloudwatch-metric-math-alarm.json")), /Slack delivery failed for 1 of 1 SNS record/);
        assert.equal(slack.received.length, 4);
        assert.ok(logs.some((l) => l.includes("after 4 attempts")));
    });

    it("gives up early when a Retry-After would overrun the delivery budget", async () => {
        const { notifier, slack } = await setup({ deliveryBudgetMs: 25_000 });
        slack.reply({ status: 429, headers: { "retry-after": "120" } });
        await assert.rejects(notifier.handle(fixture("cloudwatch-metric-math-alarm.json")));
        assert.equal(slack.received.length, 1);
    });

    it("keeps the budget inside the Lambda's remaining time", async () => {
        const { notifier, slack, clock } = await setup({ deliveryBudgetMs: 60_000 });
        slack.reply({ status: 500 }, { status: 500 }, { status: 500 });
        const start = clock.now();
        await assert.rejects(notifier.handle(fixture("cloudwatch-metric-math-alarm.json"), { getRemainingTimeInMillis: () => 5000 }));
        assert.ok(clock.now() - start <= 2000, `spent ${clock.now() - start} ms of fake time`);
    });

    it("retries network errors", async () => {
        const closed = await new FakeSlack().start();
        await closed.stop();
        let calls = 0;
        const { notifier, slack } = await setup({
            // First attempt goes to a port nobody listens on.
            getSlackWebhookUrl: async () => `${++calls === 1 ? closed.url : rigs[rigs.length - 1]!.slack.url}${WEBHOOK_SECRET_PATH}`,
        });
        await notifier.handle(fixture("cloudwatch-metric-ok.json"));
        assert.equal(calls, 2);
        assert.equal(slack.received.length, 1);
    });

    it("falls back to plain text when Slack rejects the rich message with 400", async () => {
        const { notifier, slack } = await setup();
        slack.reply({ status: 400, body: "invalid_blocks" });
        await notifier.handle(fixture("cloudwatch-metric-math-alarm.json"));
        assert.equal(slack.received.length, 2);
        const second = slack.received[1]!.body;
        assert.deepEqual(Object.keys(second), ["text"]);
        assert.ok(second.text.includes("koronet-prod-alerting-5xx-rate") && second.text.includes("Threshold Crossed"), second.text);
    });

    it("re-reads the webhook secret once when Slack says the webhook is gone (404)", async () => {
        const { notifier, slack, secretReads } = await setup();
        slack.reply({ status: 404, body: "no_service" });
        await notifier.handle(fixture("cloudwatch-metric-ok.json"));
        assert.equal(slack.received.length, 2);
        assert.deepEqual(secretReads, [{ fresh: false }, { fresh: true }]);
    });

    it("keeps about one message per second: posts are serialised and spaced", async () => {
        const { notifier, slack, clock } = await setup();
        const a = fixture<SnsEvent>("cloudwatch-metric-math-alarm.json");
        const b = fixture<SnsEvent>("cloudwatch-metric-ok.json");
        await Promise.all([notifier.handle(a), notifier.handle(b)]);
        assert.equal(slack.received.length, 2);
        assert.deepEqual(clock.sleeps, [1000]);
    });

    it("[F1] answers 503 on the Function URL path when delivery fails, so Alertmanager retries", async () => {
        const { notifier, slack } = await setup({ delivery: { maxAttempts: 2 } });
        slack.reply({ status: 500 }, { status: 500 });
        const res = await notifier.handle(urlEvent(fixture("alertmanager-firing.json")));
        assert.equal(res?.statusCode, 503);
    });

    it("[F1] answers Alertmanager within the HTTP budget while SNS deliveries keep the full budget", async () => {
        // Slack down for a long while: each path retries until its own budget runs out.
        const spent = async (path: "http" | "sns") => {
            const { notifier, slack, clock } = await setup({ deliveryBudgetMs: 25_000, httpDeliveryBudgetMs: 5_000, delivery: { maxAttempts: 50 } });
            slack.reply(...Array.from({ length: 50 }, () => ({ status: 500 })));
            const start = clock.now();
            if (path === "http") assert.equal((await notifier.handle(urlEvent(fixture("alertmanager-firing.json"))))?.statusCode, 503);
            else await assert.rejects(notifier.handle(fixture("cloudwatch-metric-math-alarm.json")));
            return clock.now() - start;
        };
        const http = await spent("http");
        const sns = await spent("sns");
        assert.ok(http <= 5_000, `Alertmanager request took ${http} ms of fake time, budget 5000`);
        assert.ok(sns > 5_000 && sns <= 25_000, `SNS delivery took ${sns} ms of fake time, budget 25000`);
    });
});

describe("notifier: idempotency", () => {
    it("posts a duplicate SNS delivery once", async () => {
        const { notifier, slack, logs } = await setup();
        const event = fixture("cloudwatch-composite-alarm.json");
        await notifier.handle(event);
        await notifier.handle(event);
        assert.equal(slack.received.length, 1);
        assert.ok(logs.some((l) => l.includes("duplicate delivery skipped")));
    });

    it("posts an Alertmanager re-send once, but a changed group again", async () => {
        const { notifier, slack } = await setup();
        const payload = fixture<{ alerts: { status: string; endsAt: string }[]; status: string }>("alertmanager-firing.json");
        await notifier.handle(urlEvent(payload));
        await notifier.handle(urlEvent(payload));
        assert.equal(slack.received.length, 1);
        payload.alerts[0]!.status = "resolved";
        payload.alerts[0]!.endsAt = "2024-05-06T10:50:00Z";
        await notifier.handle(urlEvent(payload));
        assert.equal(slack.received.length, 2);
    });

    it("still posts when DynamoDB fails (a double post beats a lost alert)", async () => {
        const failing = {
            send: async () =>
                Promise.reject(Object.assign(new Error("Throughput exceeds the current capacity"), { name: "ProvisionedThroughputExceededException" })),
        };
        const clock = new FakeClock();
        const dedupe = dynamoDbDedupeStore(failing as unknown as DynamoDBClient, "koronet-prod-notifier-dedupe", clock);
        const { notifier, slack, logs } = await setup({ dedupe });
        await notifier.handle(fixture("cloudwatch-metric-math-alarm.json"));
        await notifier.handle(urlEvent(fixture("alertmanager-firing.json")));
        assert.equal(slack.received.length, 2);
        assert.ok(logs.some((l) => l.includes("dedupe store unavailable") && l.includes("ProvisionedThroughputExceededException")));
    });

    it("claims with a conditional PutItem and TTL, and reads a failed condition as a duplicate", async () => {
        const inputs: Record<string, unknown>[] = [];
        let fail = false;
        const client = {
            send: async (cmd: { input: Record<string, unknown> }) => {
                inputs.push(cmd.input);
                if (fail) throw new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
                return {};
            },
        };
        const clock = new FakeClock();
        const store = dynamoDbDedupeStore(client as unknown as DynamoDBClient, "t", clock);
        assert.equal(await store.claim("sns:abc"), "claimed");
        const put = inputs[0] as { ConditionExpression: string; Item: Record<string, { S?: string; N?: string }> };
        assert.match(put.ConditionExpression, /^attribute_not_exists\(pk\)/);
        assert.equal(put.Item["pk"]!.S, "sns:abc");
        assert.equal(Number(put.Item["expiresAt"]!.N), Math.floor(clock.now() / 1000) + 3600);
        fail = true;
        assert.equal(await store.claim("sns:abc"), "duplicate");
    });

    it("releases the claim when the post fails, so the retry of the same message is delivered", async () => {
        const { notifier, slack } = await setup({ delivery: { maxAttempts: 2 } });
        slack.reply({ status: 500 }, { status: 500 });
        const event = fixture("cloudwatch-metric-math-alarm.json");
        await assert.rejects(notifier.handle(event));
        await notifier.handle(event);
        assert.equal(slack.received.length, 3);
        await notifier.handle(event);
        assert.equal(slack.received.length, 3);
    });
});

describe("notifier: several containers at once (no reserved concurrency)", () => {
    // Each createNotifier is one Lambda container: its own Slack pacing, the shared DynamoDB dedupe.
    async function containers(n: number) {
        const r = await rig();
        rigs.push(r);
        return { ...r, notifiers: Array.from({ length: n }, () => createNotifier(r.deps)) };
    }

    it("[F2] the same SNS message delivered to two containers at once is posted once: the second fails (retried), its retry is a duplicate", async () => {
        const { notifiers, slack, logs } = await containers(2);
        const event = fixture("cloudwatch-metric-math-alarm.json");
        const [a, b] = await Promise.allSettled([notifiers[0]!.handle(event), notifiers[1]!.handle(event)]);
        assert.equal(a.status, "fulfilled");
        assert.equal(b.status, "rejected", "an attempt that finds another in flight must not report success");
        assert.match(String((b as PromiseRejectedResult).reason), /Slack delivery failed for 1 of 1 SNS record/);
        assert.ok(logs.some((l) => l.includes("is in progress in another attempt")));
        await notifiers[1]!.handle(event); // Lambda's async retry of the failed invocation
        assert.equal(slack.received.length, 1);
        assert.ok(logs.some((l) => l.includes("duplicate delivery skipped")));
    });

    it("[F1] two containers posting different alerts at once: Slack's 429 with Retry-After is honoured and both arrive once", async () => {
        const { notifiers, slack, clock } = await containers(2);
        // Slack rate-limits the second request of the burst (about one message per second per channel).
        slack.reply({ status: 200, body: "ok" }, { status: 429, body: "rate_limited", headers: { "retry-after": "1" } });
        await Promise.all([
            notifiers[0]!.handle(fixture("cloudwatch-metric-math-alarm.json")),
            notifiers[1]!.handle(urlEvent(fixture("alertmanager-firing.json"))),
        ]);
        assert.equal(slack.received.length, 3);
        assert.ok(clock.sleeps.includes(1000), `sleeps ${clock.sleeps.join(",")}`);
        const texts = new Set(slack.received.map((m) => m.body.text));
        assert.equal(texts.size, 2, "each alert posted, the rate-limited one again after Retry-After");
    });

    it("[F1] an Alertmanager re-send reaching a second container while the first still posts gets 503, so Alertmanager retries it", async () => {
        const { notifiers, slack } = await containers(2);
        const payload = fixture("alertmanager-firing.json");
        const [a, b] = await Promise.all([notifiers[0]!.handle(urlEvent(payload)), notifiers[1]!.handle(urlEvent(payload))]);
        assert.deepEqual([a?.statusCode, b?.statusCode], [200, 503]);
        assert.equal((await notifiers[1]!.handle(urlEvent(payload)))?.statusCode, 200);
        assert.equal(slack.received.length, 1);
    });
});

describe("notifier: malformed events", () => {
    it("posts an unreadable SNS message raw, as a fenced code block under a warning", async () => {
        const { notifier, slack } = await setup();
        await notifier.handle(fixture("sns-malformed.json"));
        assert.equal(slack.received.length, 1);
        const msg = slack.received[0]!;
        assert.match(msg.body.text, /^:warning: Unreadable alert from SNS topic koronet-prod-alerting-critical/);
        const all = visible(msg);
        assert.ok(all.includes('```Subject: ALARM: \\"koronet-prod-alerting-db-connections\\"'), all);
        assert.ok(all.includes("Database connection failures &lt;script&gt;"), "raw content is escaped, not interpreted");
        assert.ok(all.includes("not JSON"), all);
    });

    it("throws when even the raw message cannot be delivered (→ DLQ)", async () => {
        const { notifier, slack } = await setup({ delivery: { maxAttempts: 2 } });
        slack.reply({ status: 500 }, { status: 500 });
        await assert.rejects(notifier.handle(fixture("sns-malformed.json")), /Slack delivery failed/);
    });

    it("posts a valid-JSON SNS message that is not an alarm raw, naming what is wrong", async () => {
        const { notifier, slack } = await setup();
        const event = fixture<{ Records: { Sns: { Message: string } }[] }>("cloudwatch-metric-ok.json");
        event.Records[0]!.Sns.Message = JSON.stringify({ AlarmName: "x", NewStateValue: "BROKEN" });
        await notifier.handle(event);
        const all = visible(slack.received[0]!);
        assert.ok(all.includes("not a CloudWatch alarm notification (NewStateValue"), all);
    });

    it("posts an unrecognised event shape raw, and an unreadable webhook body raw with 200", async () => {
        const { notifier, slack } = await setup();
        assert.equal(await notifier.handle({ detail: { weird: true } }), undefined);
        const res = await notifier.handle(urlEvent(undefined, { rawBody: '{"receiver": "slack", "status": "firing", "alerts": [tru' }));
        assert.equal(res?.statusCode, 200);
        assert.equal(slack.received.length, 2);
        assert.ok(visible(slack.received[0]!).includes("weird"));
        assert.ok(visible(slack.received[1]!).includes("Unreadable alert from the Alertmanager webhook"));
    });
});

describe("notifier: Function URL authentication", () => {
    for (const [name, token] of [
        ["a wrong token", "am-bearer-7f3c1e9d2b8a4f60-do-not-lox"],
        ["a missing header", null],
        ["an empty token", ""],
    ] as const) {
        it(`rejects ${name} with 401 and posts nothing`, async () => {
            const { notifier, slack } = await setup();
            const res = await notifier.handle(urlEvent(fixture("alertmanager-firing.json"), { token }));
            assert.equal(res?.statusCode, 401);
            assert.equal(slack.received.length, 0);
        });
    }

    it("rejects a non-POST with 405 and answers 503 when the token cannot be read", async () => {
        const { notifier } = await setup();
        assert.equal((await notifier.handle(urlEvent({}, { method: "GET" })))?.statusCode, 405);
        const { notifier: n2 } = await setup({ getAlertmanagerToken: async () => Promise.reject(new Error("AccessDenied")) });
        assert.equal((await n2.handle(urlEvent(fixture("alertmanager-firing.json"))))?.statusCode, 503);
    });

    it("accepts a base64-encoded body", async () => {
        const { notifier, slack } = await setup();
        const ev = urlEvent(undefined, { rawBody: Buffer.from(JSON.stringify(fixture("alertmanager-resolved.json"))).toString("base64") });
        const res = await notifier.handle({ ...ev, isBase64Encoded: true });
        assert.equal(res?.statusCode, 200);
        assert.equal(slack.received.length, 1);
    });
});

describe("notifier: Watchdog heartbeat", () => {
    it("publishes the heartbeat and posts nothing to Slack", async () => {
        const r = await setup();
        const res = await r.notifier.handle(urlEvent(fixture("alertmanager-watchdog.json")));
        assert.equal(res?.statusCode, 200);
        assert.equal(rigs[rigs.length - 1]!.heartbeats, 1);
        assert.equal(r.slack.received.length, 0);
    });

    it("publishes WatchdogHeartbeat = 1 in Koronet/Alerting with the Stack dimension", async () => {
        const inputs: unknown[] = [];
        const client = { send: async (cmd: { input: unknown }) => void inputs.push(cmd.input) };
        const now = Date.parse("2024-05-06T10:45:00Z");
        await cloudWatchHeartbeat(client as unknown as CloudWatchClient, "prod", () => now).publish();
        assert.deepEqual(inputs, [
            {
                Namespace: "Koronet/Alerting",
                MetricData: [
                    { MetricName: "WatchdogHeartbeat", Dimensions: [{ Name: "Stack", Value: "prod" }], Timestamp: new Date(now), Value: 1, Unit: "Count" },
                ],
            },
        ]);
    });

    it("answers 500 when the heartbeat cannot be published, so Alertmanager retries", async () => {
        const { notifier } = await setup({ heartbeat: { publish: async () => Promise.reject(new Error("Throttling")) } });
        assert.equal((await notifier.handle(urlEvent(fixture("alertmanager-watchdog.json"))))?.statusCode, 500);
    });

    it("strips Watchdog from a mixed group and posts the rest", async () => {
        const r = await setup();
        const payload = fixture<{ alerts: unknown[] }>("alertmanager-firing.json");
        payload.alerts.push(...fixture<{ alerts: unknown[] }>("alertmanager-watchdog.json").alerts);
        await r.notifier.handle(urlEvent(payload));
        assert.equal(rigs[rigs.length - 1]!.heartbeats, 1);
        assert.equal(r.slack.received.length, 1);
        assert.ok(!visible(r.slack.received[0]!).includes("Watchdog"));
    });
});

describe("notifier: the Slack webhook secret before and after an operator fills it", () => {
    it("[F2] fails loudly while the secret holds the placeholder (SNS: throws → Errors alarm; Alertmanager: 503), then uses the value put later without a redeploy", async () => {
        const slack = await new FakeSlack().start();
        try {
            const clock = new FakeClock();
            let stored = UNSET_SECRET_PLACEHOLDER;
            let reads = 0;
            const sm = { send: async () => (reads++, { SecretString: stored }) } as unknown as SecretsManagerClient;
            const opts = { ttlMs: 300_000, clock };
            const logs: string[] = [];
            const notifier = createNotifier({
                getSlackWebhookUrl: cachedSecret(secretsManagerSource(sm, "arn:webhook"), opts),
                getAlertmanagerToken: async () => TOKEN,
                dedupe: inMemoryDedupeStore(clock),
                clock,
                log: createLogger((l) => logs.push(l)),
                delivery: { maxAttempts: 2 },
            });
            await assert.rejects(notifier.handle(fixture("cloudwatch-metric-math-alarm.json")), /Slack delivery failed/);
            assert.ok(
                logs.some((l) => l.includes("SecretNotFilledError") && l.includes("put-secret-value")),
                logs.join("\n"),
            );
            assert.equal((await notifier.handle(urlEvent(fixture("alertmanager-firing.json"))))?.statusCode, 503);
            assert.equal(slack.received.length, 0, "nothing is posted to the placeholder");
            // An operator fills the secret: the very next invocation reads it (placeholders are never cached).
            stored = `${slack.url}${WEBHOOK_SECRET_PATH}`;
            await notifier.handle(fixture("cloudwatch-metric-math-alarm.json"));
            assert.equal(slack.received.length, 1);
            const before = reads;
            await notifier.handle(fixture("cloudwatch-metric-ok.json"));
            assert.equal(reads, before, "a real value is cached for the TTL");
        } finally {
            await slack.stop();
        }
    });

    it("reads an empty secret as not filled too", async () => {
        const sm = { send: async () => ({ SecretString: "  " }) } as unknown as SecretsManagerClient;
        await assert.rejects(secretsManagerSource(sm, "arn:x")(), (e: unknown) => e instanceof SecretNotFilledError && /arn:x is not filled/.test(e.message));
    });
});

describe("notifier: secrets never reach the logs", () => {
    it("logs neither the webhook URL nor the bearer token, through successes and failures", async () => {
        const captured: string[] = [];
        const originals = { log: console.log, warn: console.warn, error: console.error, info: console.info };
        const capture = (...args: unknown[]) => void captured.push(args.map(String).join(" "));
        console.log = console.warn = console.error = console.info = capture;
        const slack = await new FakeSlack().start();
        try {
            const clock = new FakeClock();
            const log = createLogger(); // the production logger, writing to console
            const webhookUrl = `${slack.url}${WEBHOOK_SECRET_PATH}`;
            // The production wiring: Secrets Manager source, cached, values registered for redaction.
            const sm = (value: string) => ({ send: async () => ({ SecretString: value }) }) as unknown as SecretsManagerClient;
            const opts = { ttlMs: 300_000, clock, onValue: (v: string) => log.addSecret(v) };
            const notifier = createNotifier({
                getSlackWebhookUrl: cachedSecret(secretsManagerSource(sm(JSON.stringify({ url: webhookUrl })), "arn:webhook"), opts),
                getAlertmanagerToken: cachedSecret(secretsManagerSource(sm(TOKEN), "arn:token"), opts),
                dedupe: inMemoryDedupeStore(clock) satisfies DedupeStore,
                heartbeat: { publish: async () => Promise.reject(new Error(`failed for ${TOKEN}`)) },
                clock,
                log,
                delivery: { maxAttempts: 2 },
            });
            slack.reply({ status: 500, body: `boom ${webhookUrl}` }, { status: 500 }, { status: 429, headers: { "retry-after": "1" } });
            await notifier.handle(urlEvent(fixture("alertmanager-firing.json")));
            await notifier.handle(urlEvent(fixture("alertmanager-resolved.json")));
            await notifier.handle(urlEvent(fixture("alertmanager-firing.json"), { token: "wrong-token-value" }));
            await notifier.handle(urlEvent(fixture("alertmanager-watchdog.json")));
            await notifier.handle(urlEvent(undefined, { rawBody: `garbage containing ${TOKEN}` }));
            await notifier.handle(fixture("sns-malformed.json"));
            assert.ok(captured.length >= 6, `expected logs, got ${captured.length}`);
            const everything = captured.join("\n");
            assert.ok(!everything.includes(WEBHOOK_SECRET_PATH), "webhook URL leaked into logs");
            assert.ok(!everything.includes("xq9SecretWebhookPathZ7"), "webhook secret leaked into logs");
            assert.ok(!everything.includes(TOKEN), "bearer token leaked into logs");
            // …and the token a sender put in a body is scrubbed from what is posted, too.
            assert.ok(!slack.received.some((r) => r.raw.includes(TOKEN)), "token posted to Slack");
            assert.ok(slack.received.some((r) => r.raw.includes("garbage containing [REDACTED]")));
        } finally {
            Object.assign(console, originals);
            await slack.stop();
        }
    });
});

describe("notifier: production wiring", () => {
    it("builds from the environment and rejects bad settings with the variable's name", () => {
        const env = {
            AWS_REGION: "eu-west-1",
            SLACK_WEBHOOK_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-AbCdEf",
            DEDUPE_TABLE: "t",
            STACK_NAME: "prod",
        };
        const n = notifierFromEnv(env);
        assert.equal(typeof n.handle, "function");
        assert.throws(() => notifierFromEnv({ ...env, DEDUPE_TTL_SECONDS: "soon" }), /env `DEDUPE_TTL_SECONDS` must be a non-negative number/);
        assert.throws(() => notifierFromEnv({ AWS_REGION: "eu-west-1" }), /env `SLACK_WEBHOOK_SECRET_ARN` is required/);
    });
});

describe("notifier: local server", () => {
    it("serves the handler on 127.0.0.1: Alertmanager payload in, Slack message out; bad token 401; Watchdog heartbeat", async () => {
        const slack = await new FakeSlack().start();
        const logs: string[] = [];
        const server = await startLocalServer({ slackWebhookUrl: `${slack.url}${WEBHOOK_SECRET_PATH}`, token: TOKEN, log: createLogger((l) => logs.push(l)) });
        try {
            assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
            const post = (body: unknown, token: string) =>
                fetch(`${server.url}/alertmanager`, {
                    method: "POST",
                    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
                    body: JSON.stringify(body),
                });
            const ok = await post(fixture("alertmanager-firing.json"), TOKEN);
            assert.equal(ok.status, 200);
            assert.deepEqual(await ok.json(), { status: "posted", posted: 3, repeat: 0, stale: 0, inFlight: 0 });
            assert.equal(slack.received.length, 1);
            assert.equal(slack.received[0]!.path, WEBHOOK_SECRET_PATH);
            assert.equal(slack.received[0]!.body.text, "FIRING: [CRITICAL] KoronetHighErrorRate (2 firing, 1 resolved)");
            assert.equal((await post(fixture("alertmanager-firing.json"), "nope")).status, 401);
            assert.equal((await post(fixture("alertmanager-watchdog.json"), TOKEN)).status, 200);
            assert.equal(server.heartbeats(), 1);
            assert.equal(slack.received.length, 1);
            assert.ok(!logs.join("\n").includes(TOKEN));
        } finally {
            await server.close();
            await slack.stop();
        }
    });
});
