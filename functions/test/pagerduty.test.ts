import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { pagerDutyEventFor } from "../src/pagerduty/event";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createForwarder, sendEvent } from "../src/pagerduty/handler";
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

    it("[F7] fails loudly while the routing key holds the placeholder (Errors → pipeline topic), then pages with the key put later", async () => {
        let stored = UNSET_SECRET_PLACEHOLDER;
        const sm = { send: async () => ({ SecretString: stored }) } as unknown as SecretsManagerClient;
        const sent: { routing_key: string }[] = [];
        const clock = { now: () => 0 };
        const forward = createForwarder({
            getRoutingKey: cachedSecret(secretsManagerSource(sm, "arn:pd-key"), { ttlMs: 300_000, clock }),
            send: async (e) => void sent.push(e),
            log: () => undefined,
        });
        const event = JSON.parse(fixture("cloudwatch-metric-math-alarm.json")) as { Records: { Sns: { MessageId: string; Message: string } }[] };
        event.Records[0]!.Sns.Message = JSON.stringify({ ...JSON.parse(event.Records[0]!.Sns.Message), NewStateValue: "ALARM" });
        await assert.rejects(forward(event), /arn:pd-key is not filled .*put-secret-value/);
        assert.equal(sent.length, 0, "nothing is sent with the placeholder as routing key");
        stored = KEY;
        await forward(event);
        assert.deepEqual(
            sent.map((e) => e.routing_key),
            [KEY],
        );
    });

    describe("delivery", () => {
        let server: Server;
        let url: string;
        let answers: number[];
        let bodies: unknown[];
        before(async () => {
            server = createServer((req, res) => {
                let b = "";
                req.on("data", (c) => (b += c));
                req.on("end", () => {
                    bodies.push(JSON.parse(b));
                    res.statusCode = answers.shift() ?? 202;
                    res.end("{}");
                });
            });
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
            url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/enqueue`;
        });
        after(() => new Promise<void>((r) => server.close(() => r())));
        beforeEach(() => {
            answers = [];
            bodies = [];
        });

        it("[F7] retries 5xx and 429, then succeeds", async function () {
            this.timeout(10_000);
            answers = [500, 429, 202];
            await sendEvent({ routing_key: KEY, event_action: "resolve", dedup_key: "k" }, url);
            assert.equal(bodies.length, 3);
        });

        it("[F7] does not retry a 400 and throws (Lambda retries, then the on-failure queue)", async () => {
            answers = [400];
            await assert.rejects(sendEvent({ routing_key: KEY, event_action: "resolve", dedup_key: "k" }, url), /rejected the event \(HTTP 400\)/);
            assert.equal(bodies.length, 1);
        });
    });
});
