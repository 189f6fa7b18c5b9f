/**
 * Message shapes: the exact messages each sender produces (functions/test/fixtures/) through SNS
 * filter policies, Alertmanager's routes (real amtool) and the notifier, and the plan's routing.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { alertmanagerMessages, cloudWatchAlarmMessage, messagesByTopic } from "../../policy/messages";
import { filterAccepts, type SnsAttribute, type SnsMessage } from "../../policy/sns-filter";
import { createNotifier } from "../../functions/src/notifier/notifier";
import { inMemoryDedupeStore } from "../../functions/src/notifier/dedupe";
import { createLogger } from "../../functions/src/shared/log";
import { findOnPath } from "../../e2e/services";
import { stackGraph, graphWith, type Graph } from "../harness";

const FIXTURES = path.join(__dirname, "..", "..", "functions", "test", "fixtures");
const fixture = <T = any>(f: string): T => JSON.parse(readFileSync(path.join(FIXTURES, f), "utf8")) as T;

/** The SNS message of a fixture SNS event, as SNS gives it to filter policies. */
function snsMessage(f: string): SnsMessage {
    const sns = fixture<{ Records: { Sns: { Message: string; MessageAttributes: Record<string, SnsAttribute> } }[] }>(f).Records[0]!.Sns;
    return { attributes: sns.MessageAttributes, body: sns.Message };
}
const metricAlarm = () => snsMessage("cloudwatch-metric-math-alarm.json");
const compositeAlarm = () => snsMessage("cloudwatch-composite-alarm.json");
const TODAYS_FILTER = JSON.stringify({ source: [{ exists: false }] });

describe("message shapes: SNS filter policies on the exact messages", () => {
    it("CloudWatch alarm notifications (metric and composite) carry no message attributes", () => {
        assert.deepEqual(metricAlarm().attributes, {});
        assert.deepEqual(compositeAlarm().attributes, {});
        assert.deepEqual(snsMessage("cloudwatch-metric-ok.json").attributes, {});
    });

    it('today\'s {"source":[{"exists":false}]} drops every CloudWatch alarm (no attributes at all), and accepts only messages that carry some other attribute', () => {
        for (const m of [metricAlarm(), compositeAlarm()]) assert.equal(filterAccepts(TODAYS_FILTER, "MessageAttributes", m), false);
        assert.equal(filterAccepts(TODAYS_FILTER, "MessageAttributes", { attributes: { team: { Type: "String", Value: "x" } }, body: "x" }), true);
        assert.equal(
            filterAccepts(TODAYS_FILTER, "MessageAttributes", { attributes: { source: { Type: "String", Value: "alertmanager" } }, body: "x" }),
            false,
        );
    });

    it("evaluates the documented operators: exact, anything-but, prefix, suffix, equals-ignore-case, numeric, exists, $or, String.Array", () => {
        const m: SnsMessage = {
            attributes: {
                env: { Type: "String", Value: "prod-eu" },
                size: { Type: "Number", Value: "150" },
                tags: { Type: "String.Array", Value: '["a","b"]' },
            },
            body: undefined,
        };
        const ok = (p: unknown) => filterAccepts(JSON.stringify(p), "MessageAttributes", m);
        assert.equal(ok({ env: ["prod-eu"] }), true);
        assert.equal(ok({ env: ["prod"] }), false);
        assert.equal(ok({ env: [{ prefix: "prod" }] }), true);
        assert.equal(ok({ env: [{ suffix: "-eu" }] }), true);
        assert.equal(ok({ env: [{ "equals-ignore-case": "PROD-EU" }] }), true);
        assert.equal(ok({ env: [{ "anything-but": ["dev", "test"] }] }), true);
        assert.equal(ok({ env: [{ "anything-but": { prefix: "prod" } }] }), false);
        assert.equal(ok({ size: [{ numeric: [">", 100, "<=", 150] }] }), true);
        assert.equal(ok({ size: [{ numeric: ["<", 100] }] }), false);
        assert.equal(ok({ tags: ["b"] }), true, "a String.Array matches when one element does");
        assert.equal(ok({ env: ["prod-eu"], missing: [{ exists: true }] }), false, "AND across property names");
        assert.equal(ok({ $or: [{ env: ["dev"] }, { size: [150] }] }), true);
        assert.equal(ok({ missing: [{ exists: false }] }), true, "absent key, attributes present");
    });

    it("body-scope policies read the CloudWatch JSON; a text body (Alertmanager email) never matches one", () => {
        assert.equal(filterAccepts(JSON.stringify({ NewStateValue: ["ALARM", "OK"] }), "MessageBody", metricAlarm()), true);
        assert.equal(filterAccepts(JSON.stringify({ NewStateValue: ["OK"] }), "MessageBody", metricAlarm()), false);
        assert.equal(
            filterAccepts(JSON.stringify({ Trigger: { Namespace: [{ prefix: "AWS/" }] } }), "MessageBody", snsMessage("cloudwatch-metric-ok.json")),
            true,
        );
        assert.equal(
            filterAccepts(JSON.stringify({ NewStateValue: ["ALARM"] }), "MessageBody", { attributes: {}, body: "FIRING HighErrorRate (critical)" }),
            false,
        );
    });

    it("the plan's model of a CloudWatch notification has the fixtures' shape: same keys, no attributes", async () => {
        const g = await stackGraph("dev");
        const metric = g.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")[0]!;
        const composite = g.ofType("aws:cloudwatch/compositeAlarm:CompositeAlarm")[0]!;
        const keys = (m: SnsMessage) => Object.keys(JSON.parse(m.body as string)).sort();
        assert.deepEqual(keys(cloudWatchAlarmMessage(metric)), keys(metricAlarm()));
        assert.deepEqual(keys(cloudWatchAlarmMessage(composite)), keys(compositeAlarm()));
        assert.deepEqual(cloudWatchAlarmMessage(metric).attributes, {});
    });
});

describe("message shapes: who sends what to which topic (the real plans)", () => {
    const topic = (stack: string, k: string) => `arn:aws:sns:eu-west-1:123456789012:koronet-${stack}-alerting-${k}`;
    const kinds = (g: Graph) =>
        new Map(
            [...messagesByTopic({ environment: "dev", resources: g.resources }).entries()].map(([arn, ms]) => [
                arn.split(":").pop(),
                [...new Set(ms.map((m) => m.kind))].sort().join(","),
            ]),
        );

    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: alarm topics carry only CloudWatch alarms, Alertmanager's topics only its own audience's messages`, async () => {
            const g = await stackGraph(stack);
            const k = kinds(g);
            for (const t of ["critical", "warning", "pipeline"]) assert.equal(k.get(`koronet-${stack}-alerting-${t}`), "cloudwatch-alarm", t);
            assert.equal(k.get(`koronet-${stack}-alerting-email-critical`), "alertmanager-email");
            assert.equal(
                k.get(`koronet-${stack}-alerting-email-warning`),
                stack === "prod" ? "alertmanager-email" : undefined,
                "dev has no warning addresses, so no topic",
            );
            // Every subscriber of an alarm topic is reached: no filter, and the notifier and forwarder read CloudWatch JSON.
            for (const s of g.ofType("aws:sns/topicSubscription:TopicSubscription")) assert.equal(s.inputs.filterPolicy, undefined);
            assert.ok(
                g
                    .ofType("aws:sns/topicSubscription:TopicSubscription")
                    .some((s) => s.inputs.topic === topic(stack, "critical") && s.inputs.protocol === "lambda"),
            );
        });
    }

    it("Chatbot mode: Chatbot-only topics carry the custom notifications, the heartbeat topic only heartbeats", async () => {
        const g = await graphWith("dev", {
            overrides: {
                "koronet:alerting": { notifications: { slack: { mode: "chatbot", chatbot: { workspaceId: "T0123456789", channelId: "C0123456789" } } } },
            },
        });
        const k = kinds(g);
        assert.equal(k.get("koronet-dev-alerting-chatbot-critical"), "alertmanager-chatbot");
        assert.equal(k.get("koronet-dev-alerting-chatbot-warning"), "alertmanager-chatbot");
        assert.equal(k.get("koronet-dev-alerting-heartbeat"), "alertmanager-heartbeat");
        assert.equal(k.get("koronet-dev-alerting-critical"), "cloudwatch-alarm");
    });

    it("Alertmanager's SNS messages carry no attributes of ours (each audience has its topic)", async () => {
        const g = await stackGraph("prod");
        const td = g.one("aws:ecs/taskDefinition:TaskDefinition", "alerting-alertmanager-task");
        const config = String(g.containers(td)[0]!.environment!.find((e) => e.name === "ALERTMANAGER_CONFIG")!.value);
        const ms = alertmanagerMessages(config, "am");
        assert.ok(ms.length >= 2);
        // Only the attribute Alertmanager adds to a message it had to truncate.
        for (const m of ms)
            assert.ok(
                Object.keys(m.attributes).every((k) => k === "truncated"),
                JSON.stringify(m.attributes),
            );
        assert.ok(ms.some((m) => Object.keys(m.attributes).length === 0));
    });
});

describe("message shapes: Alertmanager routes and the notifier, with the exact webhook payloads", () => {
    let dir: string;
    before(() => {
        dir = mkdtempSync(path.join(tmpdir(), "koronet-msg-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: the firing webhook fixture's labels route to "critical", whose integrations are the notifier, the email-critical topic and (prod) PagerDuty`, async () => {
            const g = await stackGraph(stack);
            const td = g.one("aws:ecs/taskDefinition:TaskDefinition", "alerting-alertmanager-task");
            const text = String(g.containers(td)[0]!.environment!.find((e) => e.name === "ALERTMANAGER_CONFIG")!.value);
            const file = path.join(dir, `${stack}.yml`);
            writeFileSync(file, text);
            const labels = Object.entries(fixture<{ commonLabels: Record<string, string> }>("alertmanager-firing.json").commonLabels).map(
                ([k, v]) => `${k}=${v}`,
            );
            const receiver = execFileSync(findOnPath("amtool", "prometheus-alertmanager"), ["config", "routes", "test", `--config.file=${file}`, ...labels], {
                encoding: "utf8",
            }).trim();
            assert.equal(receiver, "critical");
            const r = (
                parse(text) as {
                    receivers: { name: string; webhook_configs?: { url: string }[]; sns_configs?: { topic_arn: string }[]; pagerduty_configs?: unknown[] }[];
                }
            ).receivers.find((x) => x.name === receiver)!;
            // Slack through the notifier's Function URL; in prod PagerDuty too, through its /pagerduty path (never pagerduty_configs).
            assert.deepEqual(
                r.webhook_configs?.map((w) => w.url.endsWith("/pagerduty")),
                stack === "prod" ? [false, true] : [false],
            );
            assert.deepEqual(
                r.sns_configs?.map((s) => s.topic_arn),
                [`arn:aws:sns:eu-west-1:123456789012:koronet-${stack}-alerting-email-critical`],
            );
            assert.equal(r.pagerduty_configs, undefined);
        });
    }

    /** A notifier whose Slack is a function recording posts (no network). */
    function notifierWithSlack() {
        const posts: { text: string }[] = [];
        const fetch = (async (_url: string, init: { body: string }) => {
            posts.push(JSON.parse(init.body) as { text: string });
            return new Response("ok", { status: 200 });
        }) as unknown as typeof globalThis.fetch;
        const clock = { now: () => Date.parse("2026-12-01T10:00:00Z"), random: () => 0.5, sleep: async () => undefined };
        const notifier = createNotifier({
            getSlackWebhookUrl: async () => "https://hooks.slack.example/x",
            getAlertmanagerToken: async () => "t",
            dedupe: inMemoryDedupeStore(clock),
            heartbeat: { publish: async () => undefined },
            fetch,
            clock,
            log: createLogger(() => undefined),
        });
        return { notifier, posts };
    }
    const urlEvent = (payload: unknown) => ({
        version: "2.0",
        rawPath: "/",
        headers: { authorization: "Bearer t", "content-type": "application/json" },
        requestContext: { http: { method: "POST", path: "/" }, requestId: "r" },
        body: JSON.stringify(payload),
        isBase64Encoded: false,
    });

    it("the notifier turns each CloudWatch fixture (metric, composite, OK) into one readable Slack message", async () => {
        const { notifier, posts } = notifierWithSlack();
        for (const f of ["cloudwatch-metric-math-alarm.json", "cloudwatch-composite-alarm.json", "cloudwatch-metric-ok.json"])
            await notifier.handle(fixture(f));
        assert.equal(posts.length, 3);
        assert.match(posts[0]!.text, /^ALARM: \[CRITICAL\] koronet-prod-alerting-5xx-rate/);
        assert.match(posts[1]!.text, /^ALARM: /);
        assert.match(posts[2]!.text, /^RESOLVED: /);
        assert.ok(posts.every((p) => !p.text.includes("Unreadable")));
    });

    it("the notifier answers Alertmanager's firing and resolved webhooks with 200 and posts each, and the Watchdog only as a heartbeat", async () => {
        const { notifier, posts } = notifierWithSlack();
        assert.equal((await notifier.handle(urlEvent(fixture("alertmanager-firing.json"))))?.statusCode, 200);
        assert.equal((await notifier.handle(urlEvent(fixture("alertmanager-resolved.json"))))?.statusCode, 200);
        assert.equal((await notifier.handle(urlEvent(fixture("alertmanager-watchdog.json"))))?.statusCode, 200);
        assert.equal(posts.length, 2);
        assert.match(posts[0]!.text, /FIRING/);
        assert.match(posts[1]!.text, /RESOLVED/);
    });

    it("why one kind per topic: an Alertmanager email text reaching the notifier would be posted as 'unreadable'", async () => {
        const { notifier, posts } = notifierWithSlack();
        const event = fixture<{ Records: { Sns: { Message: string; Subject?: string } }[] }>("cloudwatch-metric-ok.json");
        event.Records[0]!.Sns.Message = "FIRING HighErrorRate (critical)\nSummary: More than 5% of requests fail";
        await notifier.handle(event);
        assert.match(posts[0]!.text, /Unreadable alert/);
    });
});
