import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { pagerDutyEventFor } from "../src/pagerduty/event";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createForwarder, type SnsEvent } from "../src/pagerduty/forwarder";
import { forwarderFromEnv } from "../src/pagerduty/handler";
import { PAGERDUTY_EVENTS_URL } from "../src/contract/environment";
import { createLogger } from "../src/shared/log";
import { captureLog, FakeClock, scriptedFetch, type Answer } from "./fakes";
import { cachedSecret, secretsManagerSource } from "../src/shared/secrets";
import { UNSET_SECRET_PLACEHOLDER } from "../src/contract/convention";

const fixture = (f: string) => readFileSync(path.join(__dirname, "fixtures", f), "utf8");
/** The SNS `Message` of a fixture (fixtures hold whole SNS events). */
function snsMessage(f: string): string {
    const e = JSON.parse(fixture(f)) as { Records: { Sns: { Message: string } }[] };
    return e.Records[0]!.Sns.Message;
}
const KEY = "0123456789abcdef0123456789abcdef";

describe("PagerDuty forwarder", () => {
    it("triggers on ALARM with the alarm ARN as dedup key, summary and runbook link", () => {
        const msg = JSON.parse(snsMessage("cloudwatch-metric-math-alarm.json")) as Record<string, string>;
        const e = pagerDutyEventFor(JSON.stringify({ ...msg, NewStateValue: "ALARM" }), KEY, "m1");
        assert.equal(e?.event_action, "trigger");
        assert.equal(e?.routing_key, KEY);
        assert.equal(e?.dedup_key, msg.AlarmArn);
        assert.equal(e?.payload?.severity, "critical");
        assert.ok(e?.payload?.summary.startsWith(`${msg.AlarmName}: `));
    });

    it("resolves on OK with the same dedup key, and ignores INSUFFICIENT_DATA", () => {
        const msg = JSON.parse(snsMessage("cloudwatch-metric-ok.json")) as Record<string, string>;
        const ok = pagerDutyEventFor(JSON.stringify({ ...msg, NewStateValue: "OK" }), KEY, "m2");
        assert.deepEqual(ok, { routing_key: KEY, event_action: "resolve", dedup_key: msg.AlarmArn });
        assert.equal(pagerDutyEventFor(JSON.stringify({ ...msg, NewStateValue: "INSUFFICIENT_DATA" }), KEY, "m3"), undefined);
    });

    it("[F7] still pages for an unreadable message rather than dropping it", () => {
        const e = pagerDutyEventFor("not json {", KEY, "m4");
        assert.equal(e?.event_action, "trigger");
        assert.equal(e?.dedup_key, "sns-m4");
    });

    /** The forwarder on fakes: a scripted Events API, a fake clock, captured logs. */
    function rig(answers: Answer[] = [], overrides: Partial<Parameters<typeof createForwarder>[0]> = {}) {
        const clock = new FakeClock();
        const http = scriptedFetch(answers);
        const { log, lines } = captureLog();
        const forward = createForwarder({ getRoutingKey: async () => KEY, fetch: http.fetch, clock, log, ...overrides });
        return { clock, http, lines, forward, sent: () => http.requests.map((r) => JSON.parse(r.body) as { routing_key: string; event_action: string }) };
    }
    /** A fixture's SNS event with the alarm in `state`. */
    function alarmEvent(state: string): SnsEvent {
        const event = JSON.parse(fixture("cloudwatch-metric-math-alarm.json")) as { Records: { Sns: { MessageId: string; Message: string } }[] };
        event.Records[0]!.Sns.Message = JSON.stringify({ ...JSON.parse(event.Records[0]!.Sns.Message), NewStateValue: state });
        return event;
    }

    it("[F7] fails loudly while the routing key holds the placeholder (Errors → pipeline topic), then pages with the key put later", async () => {
        let stored = UNSET_SECRET_PLACEHOLDER;
        const sm = { send: async () => ({ SecretString: stored }) } as unknown as SecretsManagerClient;
        const r = rig([], { getRoutingKey: cachedSecret(secretsManagerSource(sm, "arn:pd-key"), { ttlMs: 300_000, clock: new FakeClock() }) });
        await assert.rejects(r.forward(alarmEvent("ALARM")), /arn:pd-key is not filled .*put-secret-value/);
        assert.equal(r.http.requests.length, 0, "nothing is sent with the placeholder as routing key");
        stored = KEY;
        await r.forward(alarmEvent("ALARM"));
        assert.deepEqual(
            r.sent().map((e) => e.routing_key),
            [KEY],
        );
    });

    it("posts to the Events API v2 endpoint by default, or to the URL it is given", async () => {
        const r = rig();
        await r.forward(alarmEvent("ALARM"));
        const other = rig([], { url: "http://127.0.0.1:9/v2/enqueue" });
        await other.forward(alarmEvent("OK"));
        assert.deepEqual([r.http.requests[0]!.url, other.http.requests[0]!.url], [PAGERDUTY_EVENTS_URL, "http://127.0.0.1:9/v2/enqueue"]);
        assert.deepEqual(
            other.sent().map((e) => e.event_action),
            ["resolve"],
        );
    });

    describe("delivery (the shared retry loop)", () => {
        it("[F7] retries 5xx and 429 (honouring Retry-After), then succeeds", async () => {
            const r = rig([{ status: 500 }, { status: 429, headers: { "retry-after": "2" } }, { status: 202 }]);
            await r.forward(alarmEvent("ALARM"));
            assert.equal(r.http.requests.length, 3);
            assert.deepEqual(r.clock.sleeps, [375, 2000]);
            assert.ok(r.lines.some((l) => l.msg === "sent to pagerduty" && l.action === "trigger"));
        });

        it("[F7] does not retry a 400 and throws (Lambda retries, then the on-failure queue), never logging the key", async () => {
            // The production logger: an answer echoing the key is scrubbed from every line.
            const written: string[] = [];
            const r = rig([{ status: 400, body: `{"status":"invalid event","key":"${KEY}"}` }], { log: createLogger((l) => void written.push(l)) });
            await assert.rejects(r.forward(alarmEvent("ALARM")), /1 PagerDuty event\(s\) not delivered/);
            assert.equal(r.http.requests.length, 1);
            const lines = written.map((l) => JSON.parse(l) as Record<string, unknown>);
            assert.deepEqual(
                lines.map((l) => [l.level, l.msg, l.status ?? null, l.outcome ?? null]),
                [
                    ["warn", "delivery attempt failed", 400, "rejected"],
                    ["error", "pagerduty delivery failed", null, null],
                ],
            );
            assert.match(String(lines[1]!.error), /PagerDuty rejected the request: HTTP 400/);
            assert.ok(written.length === 2 && !written.join("\n").includes(KEY), "the routing key is never logged");
        });

        it("keeps its deliveries inside the Lambda's remaining time (less the reserve)", async () => {
            const r = rig(
                Array.from({ length: 20 }, () => ({ status: 503 })),
                { delivery: { maxAttempts: 20 } },
            );
            const start = r.clock.now();
            await assert.rejects(r.forward(alarmEvent("ALARM"), { getRemainingTimeInMillis: () => 8_000 }));
            assert.ok(r.clock.now() - start <= 5_000, `spent ${r.clock.now() - start} ms of fake time, 8000 remaining less 3000 reserve`);
            assert.ok(r.http.requests.length > 1);
        });
    });

    it("builds from the environment without calling AWS, and names a missing variable", () => {
        assert.equal(
            typeof forwarderFromEnv({ AWS_REGION: "eu-west-1", PAGERDUTY_ROUTING_KEY_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:pd" }),
            "function",
        );
        assert.throws(() => forwarderFromEnv({ AWS_REGION: "eu-west-1" }), /env `PAGERDUTY_ROUTING_KEY_SECRET_ARN` is required/);
    });
});
