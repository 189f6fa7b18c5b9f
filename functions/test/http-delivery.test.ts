/**
 * The shared retry loop (src/shared/http-delivery.ts) that carries Slack and PagerDuty deliveries:
 * Retry-After on 429 (https://api.slack.com/docs/rate-limits), 5xx and network errors retried and
 * 400 not (https://developer.pagerduty.com/docs/events-api-v2/overview/, Response Codes & Retry
 * Logic), bounded attempts inside a deadline, bounded jitter — the same for both channels.
 */
import { strict as assert } from "node:assert";
import type { DeliveryChannel } from "../src/contract/deliveries";
import { backoffMs, createHttpDelivery, DeliveryError, deliveryDeadline, DEFAULT_RETRY_POLICY, type RetryPolicy } from "../src/shared/http-delivery";
import { captureLog, FakeClock, scriptedFetch, type Answer } from "./fakes";

const CHANNELS: DeliveryChannel[] = ["slack", "pagerduty"];

function rig(channel: DeliveryChannel, answers: Answer[], policy: Partial<RetryPolicy> = {}, random?: () => number) {
    const clock = new FakeClock(random);
    const http = scriptedFetch(answers);
    const { log, lines } = captureLog();
    const deliver = createHttpDelivery({ channel, fetch: http.fetch, clock, log, policy });
    const request = async () => ({ url: "https://peer.invalid/x", headers: { "content-type": "application/json" }, body: '{"a":1}' });
    return { clock, http, lines, deliver, request, start: clock.now() };
}

/** The rejection of `p` as a DeliveryError. */
async function failure(p: Promise<unknown>): Promise<DeliveryError> {
    try {
        await p;
    } catch (e) {
        assert.ok(e instanceof DeliveryError, `expected a DeliveryError, got ${String(e)}`);
        return e;
    }
    assert.fail("delivery did not fail");
}

for (const channel of CHANNELS) {
    describe(`shared HTTP delivery: ${channel}`, () => {
        it("429 with Retry-After (seconds): waits exactly that long, then delivers", async () => {
            const r = rig(channel, [{ status: 429, headers: { "retry-after": "7" }, body: "rate_limited" }, { status: 200 }]);
            assert.deepEqual(await r.deliver({ request: r.request, deadline: r.start + 25_000 }), { attempts: 2 });
            assert.deepEqual(r.clock.sleeps, [7000]);
            assert.equal(r.http.requests.length, 2);
        });

        it("429 with Retry-After as an HTTP date waits until then; 429 without one waits at least defaultRetryAfterMs", async () => {
            const dated = rig(channel, [{ status: 429, headers: { "retry-after": new Date(Date.parse("2026-12-02T10:00:03Z")).toUTCString() } }]);
            await dated.deliver({ request: dated.request, deadline: dated.start + 25_000 });
            assert.deepEqual(dated.clock.sleeps, [3000]);
            const bare = rig(channel, [{ status: 429 }]);
            await bare.deliver({ request: bare.request, deadline: bare.start + 25_000 });
            assert.deepEqual(bare.clock.sleeps, [DEFAULT_RETRY_POLICY.defaultRetryAfterMs]);
        });

        it("5xx, then success: exponential backoff with jitter, and one info line saying it took retries", async () => {
            const r = rig(channel, [{ status: 500, body: "internal_error" }, { status: 503 }, { status: 202 }]);
            assert.deepEqual(await r.deliver({ request: r.request, deadline: r.start + 25_000 }), { attempts: 3 });
            // random() = 0.5, equal jitter: step 500 → 375, step 1000 → 750.
            assert.deepEqual(r.clock.sleeps, [375, 750]);
            assert.deepEqual(
                r.lines.map((l) => [l.level, l.msg, l.status, l.outcome]),
                [
                    ["warn", "delivery attempt failed", 500, "retry"],
                    ["warn", "delivery attempt failed", 503, "retry"],
                    ["info", "delivered after retries", undefined, undefined],
                ],
            );
        });

        it("network errors and 408 are retried like a 5xx", async () => {
            const r = rig(channel, ["network-error", { status: 408 }, { status: 200 }]);
            assert.deepEqual(await r.deliver({ request: r.request, deadline: r.start + 25_000 }), { attempts: 3 });
            assert.match(String(r.lines[0]!.reason), /^network error \(TypeError: fetch failed, ECONNREFUSED\)$/);
            assert.equal(r.lines[0]!.status, undefined);
            assert.equal(r.lines[1]!.status, 408);
        });

        for (const status of [400, 401, 403, 404, 413, 422]) {
            it(`${status} is not retried: one request, failure "rejected" with the status`, async () => {
                const r = rig(channel, [{ status, body: '{"status":"invalid event"}' }, { status: 202 }]);
                const e = await failure(r.deliver({ request: r.request, deadline: r.start + 25_000 }));
                assert.deepEqual([e.channel, e.failure, e.attempts, e.lastStatus], [channel, "rejected", 1, status]);
                assert.match(e.message, new RegExp(`rejected the request: HTTP ${status} \\{"status":"invalid event"\\}$`));
                assert.equal(r.http.requests.length, 1);
                assert.deepEqual(r.clock.sleeps, []);
            });
        }

        it("a rejection the caller recovers from is tried again at once, once per recovery", async () => {
            const r = rig(channel, [{ status: 400 }, { status: 400 }, { status: 202 }]);
            let recoveries = 0;
            const e = await failure(r.deliver({ request: r.request, deadline: r.start + 25_000, recover: () => ++recoveries === 1 }));
            assert.deepEqual([e.failure, e.attempts, r.http.requests.length, r.clock.sleeps.length], ["rejected", 2, 2, 0]);
            assert.deepEqual(
                r.lines.map((l) => l.outcome),
                ["recover", "rejected"],
            );
        });

        it("budget exhausted: retries stop before the deadline and the failure is reported", async () => {
            const r = rig(
                channel,
                Array.from({ length: 60 }, () => ({ status: 503 })),
                { maxAttempts: 50 },
            );
            const e = await failure(r.deliver({ request: r.request, deadline: r.start + 5_000 }));
            assert.equal(e.failure, "deadline");
            assert.match(e.message, /gave up after \d+ attempt\(s\): the next one in \d+ ms would pass the deadline \(HTTP 503\)/);
            assert.ok(e.attempts > 1 && e.attempts === r.http.requests.length, `attempts ${e.attempts}`);
            assert.ok(r.clock.now() - r.start <= 5_000, `spent ${r.clock.now() - r.start} ms of fake time, budget 5000`);
        });

        it("a Retry-After beyond the deadline fails at once instead of sleeping past it", async () => {
            const r = rig(channel, [{ status: 429, headers: { "retry-after": "120" } }]);
            const e = await failure(r.deliver({ request: r.request, deadline: r.start + 25_000 }));
            assert.deepEqual([e.failure, e.lastStatus, r.http.requests.length, r.clock.sleeps.length], ["deadline", 429, 1, 0]);
        });

        it("out of attempts: exactly maxAttempts requests, failure reported with the last status", async () => {
            const r = rig(channel, [{ status: 500 }, { status: 502 }, { status: 504 }, { status: 202 }], { maxAttempts: 3 });
            const e = await failure(r.deliver({ request: r.request, deadline: r.start + 25_000 }));
            assert.deepEqual([e.failure, e.attempts, e.lastStatus, r.http.requests.length], ["attempts-exhausted", 3, 504, 3]);
            assert.match(e.message, /delivery failed after 3 attempts: HTTP 504$/);
        });

        it("an error building the request (a secret not filled) ends the delivery unretried", async () => {
            const r = rig(channel, []);
            let calls = 0;
            const request = async () => {
                calls++;
                throw new Error("secret arn:x is not filled");
            };
            await assert.rejects(r.deliver({ request, deadline: r.start + 25_000 }), /arn:x is not filled/);
            assert.deepEqual([calls, r.http.requests.length], [1, 0]);
        });

        it("every request carries a timeout signal", async () => {
            const r = rig(channel, [{ status: 500 }]);
            await r.deliver({ request: r.request, deadline: r.start + 25_000 });
            assert.ok(r.http.requests.every((q) => q.timeoutSignal));
        });
    });
}

describe("shared HTTP delivery: one classification and one set of log fields for both channels", () => {
    it("the same answers give the same waits, outcomes and log fields on Slack and PagerDuty", async () => {
        const script = (): Answer[] => ["network-error", { status: 429, headers: { "retry-after": "2" } }, { status: 500 }, { status: 400 }];
        const run = async (channel: DeliveryChannel) => {
            const r = rig(channel, script());
            const e = await failure(r.deliver({ request: r.request, deadline: r.start + 25_000, logFields: { id: "m1" } }));
            return {
                sleeps: r.clock.sleeps,
                failure: [e.failure, e.attempts, e.lastStatus],
                lines: r.lines.map(({ channel: c, ...rest }) => (assert.equal(c, channel), rest)),
            };
        };
        const slack = await run("slack");
        assert.deepEqual(await run("pagerduty"), slack);
        assert.deepEqual(slack.sleeps, [375, 2000, 1500]);
        assert.deepEqual(Object.keys(slack.lines[1]!).sort(), ["attempt", "id", "level", "msg", "outcome", "reason", "status", "waitMs"]);
    });
});

describe("shared HTTP delivery: backoff and deadline", () => {
    it("jitter stays within [step/2, step] and the step never exceeds maxDelayMs", () => {
        const policy = { baseDelayMs: 500, maxDelayMs: 8000 };
        for (let attempt = 1; attempt <= 12; attempt++) {
            const step = Math.min(8000, 500 * 2 ** (attempt - 1));
            const low = backoffMs(attempt, policy, () => 0);
            const high = backoffMs(attempt, policy, () => 0.999_999);
            assert.equal(low, step / 2, `attempt ${attempt}`);
            assert.ok(high <= step && high >= step - 1, `attempt ${attempt}: ${high} vs step ${step}`);
            for (let i = 0; i < 50; i++) {
                const b = backoffMs(attempt, policy, Math.random);
                assert.ok(b >= step / 2 && b <= step, `attempt ${attempt}: ${b} outside [${step / 2}, ${step}]`);
            }
        }
    });

    it("the loop applies the jitter: replicas with different random draws wait differently, both inside the bounds", async () => {
        const waits = async (random: () => number) => {
            const r = rig("pagerduty", [{ status: 500 }, { status: 500 }], {}, random);
            await r.deliver({ request: r.request, deadline: r.start + 25_000 });
            return r.clock.sleeps;
        };
        assert.deepEqual(await waits(() => 0), [250, 500]);
        assert.deepEqual(await waits(() => 0.999_999), [500, 1000]);
    });

    it("deliveryDeadline: the budget, capped by the Lambda's remaining time less the reserve, never in the past", () => {
        const clock = { now: () => 1_000_000 };
        assert.equal(deliveryDeadline(clock, 25_000, 3000), 1_025_000);
        assert.equal(deliveryDeadline(clock, 25_000, 3000, { getRemainingTimeInMillis: () => 10_000 }), 1_007_000);
        assert.equal(deliveryDeadline(clock, 25_000, 3000, { getRemainingTimeInMillis: () => 1_000 }), 1_000_000);
    });
});
