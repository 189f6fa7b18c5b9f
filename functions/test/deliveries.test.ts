/**
 * Delivery records (shared/deliveries.ts): what the notifier and the PagerDuty forwarder write
 * after a delivery, and what `npm run drill` reads back — with DynamoDB as a mocked SDK client.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { deliveryRecordOf, type DeliveryItem } from "../src/contract";
import { deliveryKey, dynamoDbDeliveryLog, inMemoryDeliveryLog } from "../src/shared/deliveries";
import { inMemoryDedupeStore } from "../src/notifier/dedupe";
import type { FunctionUrlEvent, SnsEvent } from "../src/notifier/events";
import { createNotifier } from "../src/notifier/notifier";
import { createForwarder } from "../src/pagerduty/forwarder";
import { captureLog, scriptedFetch } from "./fakes";

const fixture = <T>(f: string) => JSON.parse(readFileSync(path.join(__dirname, "fixtures", f), "utf8")) as T;
const clock = { now: () => 1_800_000_000_000, sleep: async () => undefined, random: () => 0.5 };

/** A fetch that answers Slack with `status` and counts the posts. */
function slack(status = 200) {
    const posts: string[] = [];
    const fetch = (async (_url: string, init?: { body?: string }) => {
        posts.push(String(init?.body ?? ""));
        return new Response(status === 200 ? "ok" : "error", { status });
    }) as unknown as typeof globalThis.fetch;
    return { posts, fetch };
}

function notifier(status = 200) {
    const deliveries = inMemoryDeliveryLog(clock);
    const s = slack(status);
    const n = createNotifier({
        getSlackWebhookUrl: async () => "https://hooks.slack.example/services/T/B/x",
        getAlertmanagerToken: async () => "token",
        dedupe: inMemoryDedupeStore(clock),
        deliveries,
        fetch: s.fetch,
        clock,
        log: { info: () => undefined, warn: () => undefined, error: () => undefined },
        delivery: { maxAttempts: 1 },
    });
    return { n, deliveries, posts: s.posts };
}

const http = (body: unknown): FunctionUrlEvent => ({
    version: "2.0",
    rawPath: "/",
    headers: { authorization: "Bearer token" },
    requestContext: { http: { method: "POST", path: "/" }, requestId: "r1" },
    body: JSON.stringify(body),
    isBase64Encoded: false,
});

describe("delivery records", () => {
    it("the notifier records a CloudWatch alarm's state once posted to Slack, under a key anyone can compute", async () => {
        const { n, deliveries, posts } = notifier();
        const event = fixture<SnsEvent>("cloudwatch-metric-ok.json");
        const alarm = JSON.parse(event.Records[0]!.Sns.Message) as { AlarmName: string; NewStateValue: string };
        await n.handleSns(event);
        assert.equal(posts.length, 1);
        const key = deliveryKey("slack", { kind: "cloudwatch", alarmName: alarm.AlarmName, state: alarm.NewStateValue });
        assert.equal(key, `delivery#slack#cloudwatch#${alarm.AlarmName}#${alarm.NewStateValue}`);
        assert.deepEqual(deliveries.get(key), { key, channel: "slack", deliveredAt: clock.now(), subject: alarm.AlarmName });
        // SNS delivers at least once: the duplicate is not posted again, and not recorded as a new delivery.
        await n.handleSns(event);
        assert.equal(posts.length, 1);
        assert.equal(deliveries.all().length, 1);
    });

    it("records nothing when Slack refused the message (the drill must not confirm what did not arrive)", async () => {
        const { n, deliveries } = notifier(500);
        await assert.rejects(n.handleSns(fixture<SnsEvent>("cloudwatch-metric-ok.json")));
        assert.deepEqual(deliveries.all(), []);
    });

    it("records each Alertmanager alert by fingerprint and status", async () => {
        const { n, deliveries } = notifier();
        const payload = fixture<{ alerts: { fingerprint: string; status: string; labels: Record<string, string> }[] }>("alertmanager-firing.json");
        const res = await n.handleHttp(http(payload));
        assert.equal(res.statusCode, 200);
        const keys = deliveries
            .all()
            .map((r) => r.key)
            .sort();
        assert.deepEqual(keys, payload.alerts.map((a) => deliveryKey("slack", { kind: "alertmanager", fingerprint: a.fingerprint, status: a.status })).sort());
        assert.ok(keys.length > 0);
    });

    it("the PagerDuty forwarder records an accepted trigger and resolve, and nothing when PagerDuty rejected the event", async () => {
        const deliveries = inMemoryDeliveryLog(clock);
        const event = fixture<SnsEvent>("cloudwatch-metric-math-alarm.json");
        const alarm = JSON.parse(event.Records[0]!.Sns.Message) as { AlarmName: string };
        const alarmEvent = (state: string): SnsEvent => ({
            Records: [
                {
                    ...event.Records[0]!,
                    Sns: { ...event.Records[0]!.Sns, Message: JSON.stringify({ ...JSON.parse(event.Records[0]!.Sns.Message), NewStateValue: state }) },
                },
            ],
        });
        const quiet = captureLog().log;
        const forward = createForwarder({ getRoutingKey: async () => "k".repeat(32), fetch: scriptedFetch([]).fetch, clock, log: quiet, deliveries });
        await forward(alarmEvent("ALARM"));
        await forward(alarmEvent("OK"));
        assert.deepEqual(
            deliveries
                .all()
                .map((r) => r.key)
                .sort(),
            [
                deliveryKey("pagerduty", { kind: "cloudwatch", alarmName: alarm.AlarmName, state: "ALARM" }),
                deliveryKey("pagerduty", { kind: "cloudwatch", alarmName: alarm.AlarmName, state: "OK" }),
            ],
        );
        const refused = inMemoryDeliveryLog(clock);
        const failing = createForwarder({
            getRoutingKey: async () => "k".repeat(32),
            fetch: scriptedFetch([{ status: 400 }]).fetch,
            clock,
            log: quiet,
            deliveries: refused,
        });
        await assert.rejects(failing(alarmEvent("ALARM")));
        assert.deepEqual(refused.all(), []);
    });

    describe("in DynamoDB (mocked client)", () => {
        const client = new DynamoDBClient({ region: "eu-west-1" });
        const ddb = mockClient(client);
        beforeEach(() => ddb.reset());

        it("writes the record with its channel, time and a day's TTL; the contract reads it back", async () => {
            const items = new Map<string, Record<string, unknown>>();
            ddb.on(PutItemCommand).callsFake((input: { Item: Record<string, { S?: string }> }) => void items.set(String(input.Item["pk"]?.S), input.Item));
            const log = dynamoDbDeliveryLog(client, "t", clock);
            const subject = { kind: "cloudwatch" as const, alarmName: "koronet-prod-alerting-DRILL-warning", state: "ALARM" };
            await log.record("slack", [subject]);
            const put = ddb.commandCalls(PutItemCommand)[0]!.args[0].input;
            assert.equal(put.TableName, "t");
            assert.deepEqual(put.Item, {
                pk: { S: deliveryKey("slack", subject) },
                channel: { S: "slack" },
                deliveredAt: { N: String(clock.now()) },
                subject: { S: "koronet-prod-alerting-DRILL-warning" },
                expiresAt: { N: String(clock.now() / 1000 + 86_400) },
            });
            // What the drill (ops/) reads back through the contract's parser.
            const read = (key: string) => deliveryRecordOf(key, items.get(key) as DeliveryItem | undefined);
            assert.deepEqual(read(deliveryKey("slack", subject)), {
                key: deliveryKey("slack", subject),
                channel: "slack",
                deliveredAt: clock.now(),
                subject: "koronet-prod-alerting-DRILL-warning",
            });
            assert.equal(read("delivery#slack#cloudwatch#other#ALARM"), undefined);
            assert.equal(deliveryRecordOf("k", { pk: { S: "k" }, channel: { S: "email" }, deliveredAt: { N: "1" } }), undefined, "not a delivery channel");
        });

        it("a failed write is logged and never fails the delivery that happened", async () => {
            ddb.on(PutItemCommand).rejects(Object.assign(new Error("User is not authorized to perform: dynamodb:PutItem"), { name: "AccessDeniedException" }));
            const warnings: string[] = [];
            const log = dynamoDbDeliveryLog(client, "t", clock, (m, f) => void warnings.push(`${m} ${JSON.stringify(f)}`));
            await log.record("pagerduty", [{ kind: "cloudwatch", alarmName: "a", state: "ALARM" }]);
            assert.equal(warnings.length, 1);
            assert.match(warnings[0]!, /delivery record not written .*AccessDenied|not authorized/);
        });
    });
});
