/**
 * The notifier's per-alert delivery state (issue 15: exactly once at Slack and PagerDuty behind an
 * Alertmanager cluster and a Prometheus pair). An alert is its labels without the replica label;
 * per destination the store holds the last status delivered (and when a RESOLVED ended), and only a
 * forward change is posted: none → FIRING → RESOLVED → a FIRING that started after that end.
 */
import * as assert from "node:assert/strict";
import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Clock } from "../src/shared/clock";
import { dynamoDbDedupeStore, inMemoryDedupeStore, occurrenceKey, occurrenceVerdict } from "../src/notifier/dedupe";
import type { FunctionUrlEvent } from "../src/notifier/events";
import { createLogger } from "../src/shared/log";
import { createNotifier, type NotifierDeps } from "../src/notifier/notifier";
import { pagerDutyEventForAlert } from "../src/pagerduty/event";

const TOKEN = "tok-exactly-once";
const SLACK = "https://hooks.slack.example/services/T/B/x";
const PD = "https://events.pagerduty.example/v2/enqueue";
const S1 = "2026-12-01T10:00:00.000Z";
const S2 = "2026-12-01T10:20:00.000Z";

class Clk implements Clock {
    t = Date.parse("2026-12-01T10:30:00Z");
    now = () => this.t;
    random = () => 0.5;
    sleep = async (ms: number) => void (this.t += ms);
}

interface Alert {
    status: "firing" | "resolved";
    labels: Record<string, string>;
    startsAt: string;
    endsAt?: string;
    fingerprint?: string;
    annotations?: Record<string, string>;
}

const alert = (status: Alert["status"], name: string, startsAt = S1, extra: Record<string, string> = {}): Alert => ({
    status,
    labels: { alertname: name, severity: "critical", instance: "redis:6379", ...extra },
    annotations: { summary: `${name} summary` },
    startsAt,
    endsAt: status === "resolved" ? new Date(Date.parse(startsAt) + 60_000 + Math.floor(Math.random() * 5000)).toISOString() : "0001-01-01T00:00:00Z",
    fingerprint: `fp-${name}`,
});

function request(alerts: Alert[], path = "/"): FunctionUrlEvent {
    const payload = {
        version: "4",
        receiver: "critical",
        groupKey: `{}:{alertname="${alerts[0]?.labels["alertname"]}"}`,
        status: alerts.some((a) => a.status === "firing") ? "firing" : "resolved",
        groupLabels: { alertname: alerts[0]?.labels["alertname"] ?? "" },
        alerts,
    };
    return {
        rawPath: path,
        headers: { authorization: `Bearer ${TOKEN}` },
        requestContext: { http: { method: "POST", path }, requestId: "r" },
        body: JSON.stringify(payload),
    };
}

interface Rig {
    slack: { text: string; body: string }[];
    pd: { event_action: string; dedup_key: string; payload?: { summary?: string } }[];
    pdReplies: number[];
    logs: string[];
    clock: Clk;
    deps: NotifierDeps;
}

function rig(overrides: Partial<NotifierDeps> = {}): Rig {
    const r: Rig = { slack: [], pd: [], pdReplies: [], logs: [], clock: new Clk(), deps: undefined as unknown as NotifierDeps };
    const fakeFetch = (async (url: string | URL, init?: RequestInit) => {
        const body = String(init?.body ?? "");
        if (String(url) === SLACK) {
            r.slack.push({ text: (JSON.parse(body) as { text: string }).text, body });
            return new Response("ok", { status: 200 });
        }
        const status = r.pdReplies.shift() ?? 202;
        if (status === 202) r.pd.push(JSON.parse(body) as Rig["pd"][number]);
        return new Response("{}", { status });
    }) as typeof fetch;
    r.deps = {
        getSlackWebhookUrl: async () => SLACK,
        getAlertmanagerToken: async () => TOKEN,
        pagerduty: { getRoutingKey: async () => "R0UTINGKEY", url: PD },
        dedupe: inMemoryDedupeStore(r.clock),
        heartbeat: { publish: async () => undefined },
        fetch: fakeFetch,
        clock: r.clock,
        log: createLogger((l) => r.logs.push(l)),
        delivery: { minIntervalMs: 0 },
        ...overrides,
    };
    return r;
}

const answer = async (p: Promise<{ statusCode: number; body?: string } | undefined>): Promise<Record<string, unknown>> => {
    const res = await p;
    return { code: res?.statusCode, ...(JSON.parse(res?.body ?? "{}") as Record<string, unknown>) };
};

describe("notifier: exactly once per alert occurrence (issue 15)", () => {
    it("the verdict table: repeat, stale echo, re-fire, forward change, in flight", () => {
        const s1 = Date.parse(S1);
        const resolved = { status: "resolved" as const, endedAt: s1 + 60_000 };
        assert.equal(occurrenceVerdict(undefined, "firing", { startsAtMs: s1 }, false), "claimed");
        assert.equal(occurrenceVerdict({ status: "firing" }, "firing", { startsAtMs: s1 }, false), "repeat");
        assert.equal(occurrenceVerdict({ status: "firing" }, "resolved", { startsAtMs: s1 }, false), "claimed");
        assert.equal(occurrenceVerdict(resolved, "resolved", { startsAtMs: s1 }, false), "repeat");
        assert.equal(occurrenceVerdict(resolved, "firing", { startsAtMs: s1 }, false), "stale");
        assert.equal(
            occurrenceVerdict(resolved, "firing", { startsAtMs: s1 + 30_000 }, false),
            "stale",
            "another replica's startsAt for the same outage, before its end",
        );
        assert.equal(occurrenceVerdict(resolved, "firing", { startsAtMs: s1 + 61_000 }, false), "claimed", "started after the end: a re-fire");
        assert.equal(occurrenceVerdict({ status: "firing" }, "resolved", { startsAtMs: s1 }, true), "in-flight");
        const firingS2 = { status: "firing" as const, startedAt: Date.parse(S2) };
        assert.equal(
            occurrenceVerdict(firingS2, "resolved", { startsAtMs: s1, endsAtMs: s1 + 60_000 }, false),
            "stale",
            "a RESOLVED that ended before the delivered FIRING started: the end of an earlier activation",
        );
        assert.equal(occurrenceVerdict(firingS2, "resolved", { startsAtMs: s1, endsAtMs: Date.parse(S2) }, false), "stale", "ended when it started: not after");
        assert.equal(occurrenceVerdict(firingS2, "resolved", { startsAtMs: Date.parse(S2), endsAtMs: Date.parse(S2) + 1 }, false), "claimed");
        assert.equal(
            occurrenceVerdict(firingS2, "resolved", { startsAtMs: s1, endsAtMs: Date.parse(S2) + 90_000 }, false),
            "claimed",
            "another replica's earlier startsAt for this outage, ending after the delivered start: the genuine end",
        );
        assert.equal(
            occurrenceVerdict({ status: "firing" }, "resolved", { startsAtMs: s1, endsAtMs: s1 + 1 }, false),
            "claimed",
            "a record without a start (before this rule): deliver",
        );
        assert.equal(occurrenceVerdict(firingS2, "resolved", { startsAtMs: s1 }, false), "claimed", "a RESOLVED without endsAt: deliver");
        assert.equal(
            occurrenceVerdict({ status: "firing" }, "firing", { startsAtMs: s1 }, true),
            "repeat",
            "what was delivered already is acknowledged even while another attempt holds a claim",
        );
    });

    it("an alert is its labels without the replica label, per destination", () => {
        const labels = { alertname: "RedisDown", severity: "critical" };
        assert.equal(occurrenceKey("slack", { ...labels, replica: "task-a" }), occurrenceKey("slack", { ...labels, replica: "task-b" }));
        assert.notEqual(occurrenceKey("slack", labels), occurrenceKey("slack", { ...labels, instance: "x" }));
        assert.notEqual(occurrenceKey("slack", labels), occurrenceKey("pagerduty", labels), "each destination has its own state");
    });

    it("a repeat of the same notification (another replica, a retry) is acknowledged and not posted", async () => {
        const r = rig();
        const n = createNotifier(r.deps);
        assert.equal((await answer(n.handle(request([alert("firing", "RedisDown")])))).code, 200);
        const again = await answer(n.handle(request([alert("firing", "RedisDown")])));
        assert.deepEqual([again.code, again["status"], again["repeat"], again["posted"]], [200, "duplicate", 1, 0]);
        assert.equal(r.slack.length, 1);
    });

    it("a second RESOLVED from another replica, with another endsAt, is a repeat (the CI run's second RESOLVED at Slack)", async () => {
        const r = rig();
        const n = createNotifier(r.deps);
        await n.handle(request([alert("firing", "RedisDown")]));
        await n.handle(request([alert("resolved", "RedisDown")]));
        const second = await answer(n.handle(request([{ ...alert("resolved", "RedisDown"), endsAt: "2026-12-01T10:01:07.000Z" }])));
        assert.deepEqual([second.code, second["repeat"]], [200, 1]);
        assert.deepEqual(
            r.slack.map((m) => m.text.split(" — ")[0]),
            [r.slack[0]!.text.split(" — ")[0], r.slack[1]!.text.split(" — ")[0]],
        );
        assert.equal(r.slack.length, 2);
        assert.match(r.slack[1]!.text, /RESOLVED/);
    });

    it("a stale FIRING after the occurrence's RESOLVED (the lagging Prometheus) is dropped and counted, at Slack and PagerDuty", async () => {
        const r = rig();
        const n = createNotifier(r.deps);
        for (const path of ["/", "/pagerduty"]) {
            await n.handle(request([alert("firing", "RedisDown")], path));
            await n.handle(request([alert("resolved", "RedisDown")], path));
        }
        const slack = await answer(n.handle(request([alert("firing", "RedisDown")])));
        const pd = await answer(n.handle(request([alert("firing", "RedisDown")], "/pagerduty")));
        assert.deepEqual([slack.code, slack["stale"], pd.code, pd["stale"]], [200, 1, 200, 1]);
        assert.equal(r.slack.length, 2);
        assert.deepEqual(
            r.pd.map((e) => e.event_action),
            ["trigger", "resolve"],
        );
        assert.ok(r.logs.some((l) => l.includes("stale FIRING after the occurrence's RESOLVED dropped")));
        // And the RESOLVED that follows the stale FIRING upstream is a repeat, not a second RESOLVED.
        assert.equal((await answer(n.handle(request([alert("resolved", "RedisDown")]))))["repeat"], 1);
        assert.equal(r.slack.length, 2);
    });

    it("the same outage sent by another replica under another startsAt (measured in the rolling restart) is an echo, not news", async () => {
        const r = rig();
        const n = createNotifier(r.deps);
        await n.handle(request([alert("firing", "PostgresDown", S1)]));
        await n.handle(request([{ ...alert("resolved", "PostgresDown", S1), endsAt: "2026-12-01T10:05:00.000Z" }]));
        const echo = await answer(n.handle(request([alert("firing", "PostgresDown", "2026-12-01T10:02:00.000Z")])));
        const again = await answer(n.handle(request([alert("resolved", "PostgresDown", "2026-12-01T10:02:00.000Z")])));
        assert.deepEqual([echo["stale"], again["repeat"], r.slack.length], [1, 1, 2]);
    });

    it("a genuine re-fire (a new startsAt: Prometheus's new activation) is posted and pages again", async () => {
        const r = rig();
        const n = createNotifier(r.deps);
        for (const path of ["/", "/pagerduty"]) {
            await n.handle(request([alert("firing", "RedisDown")], path));
            await n.handle(request([alert("resolved", "RedisDown")], path));
            await n.handle(request([alert("firing", "RedisDown", S2)], path));
        }
        assert.equal(r.slack.length, 3);
        assert.match(r.slack[2]!.text, /FIRING/);
        assert.deepEqual(
            r.pd.map((e) => e.event_action),
            ["trigger", "resolve", "trigger"],
        );
        // One dedup_key per alert: the resolve meets its trigger; after a resolve, PagerDuty opens a new incident for the re-fire.
        assert.equal(new Set(r.pd.map((e) => e.dedup_key)).size, 1);
    });

    it("a stale RESOLVED of an earlier activation after a re-fire's FIRING (the rolling restart's early RESOLVED, bench 2026-12-01) is dropped at Slack and PagerDuty; the genuine end is delivered", async () => {
        const r = rig();
        const n = createNotifier(r.deps);
        const earlier = { ...alert("resolved", "RedisDown", S1), endsAt: "2026-12-01T10:01:00.000Z" };
        for (const path of ["/", "/pagerduty"]) {
            await n.handle(request([alert("firing", "RedisDown", S1)], path));
            await n.handle(request([earlier], path));
            await n.handle(request([alert("firing", "RedisDown", S2)], path));
        }
        // A replica stored the lagging Prometheus's re-sent RESOLVED of the S1 activation in place of the S2 FIRING.
        const slack = await answer(n.handle(request([earlier])));
        const pd = await answer(n.handle(request([earlier], "/pagerduty")));
        assert.deepEqual([slack.code, slack["stale"], slack["posted"], pd.code, pd["stale"], pd["posted"]], [200, 1, 0, 200, 1, 0]);
        assert.ok(r.logs.some((l) => l.includes("stale RESOLVED of an earlier activation dropped")));
        // The next replica's FIRING of the ongoing outage is a repeat, not a second page.
        assert.equal((await answer(n.handle(request([alert("firing", "RedisDown", S2)], "/pagerduty"))))["repeat"], 1);
        // The genuine end of the S2 activation goes through, once.
        const end = { ...alert("resolved", "RedisDown", S2), endsAt: "2026-12-01T10:25:00.000Z" };
        for (const path of ["/", "/pagerduty"]) assert.equal((await answer(n.handle(request([end], path))))["posted"], 1);
        assert.deepEqual(
            r.slack.map((m) => /RESOLVED/.test(m.text)),
            [false, true, false, true],
        );
        assert.deepEqual(
            r.pd.map((e) => e.event_action),
            ["trigger", "resolve", "trigger", "resolve"],
        );
    });

    it("a partial group: only the alerts with news are posted (one message), the others were said before", async () => {
        const r = rig();
        const n = createNotifier(r.deps);
        const a = (s: Alert["status"], i: string) => alert(s, "TargetDown", S1, { instance: i });
        await n.handle(request([a("firing", "x:1"), a("firing", "x:2")]));
        const res = await answer(n.handle(request([a("resolved", "x:1"), a("firing", "x:2")])));
        assert.deepEqual([res.code, res["posted"], res["repeat"]], [200, 1, 1]);
        assert.equal(r.slack.length, 2);
        assert.match(r.slack[1]!.body, /x:1/);
        assert.doesNotMatch(r.slack[1]!.body, /x:2/);
        assert.match(r.slack[1]!.text, /RESOLVED/);
    });

    it("in flight: while another attempt holds a live claim on an alert with news, answer 503 (never 2xx) and release this attempt's claims", async () => {
        const r = rig();
        const store = r.deps.dedupe!;
        const n = createNotifier(r.deps);
        const other = occurrenceKey("slack", alert("firing", "RedisDown").labels);
        assert.equal(await store.claimOccurrence(other, "firing", { startsAtMs: Date.parse(S1) }), "claimed");
        const res = await answer(n.handle(request([alert("firing", "RedisDown"), alert("firing", "RedisDown", S1, { instance: "redis-2:6379" })])));
        assert.deepEqual([res.code, res["inFlight"]], [503, 1]);
        assert.equal(r.slack.length, 0);
        // The other attempt succeeds; Alertmanager's retry posts only what is still new.
        await store.completeOccurrence(other, "firing", { startsAtMs: Date.parse(S1) });
        const retry = await answer(n.handle(request([alert("firing", "RedisDown"), alert("firing", "RedisDown", S1, { instance: "redis-2:6379" })])));
        assert.deepEqual([retry.code, retry["posted"], retry["repeat"]], [200, 1, 1]);
        // A crashed attempt's claim expires with its lease: the next retry delivers.
        const crashed = occurrenceKey("slack", alert("resolved", "Lonely").labels);
        await store.claimOccurrence(crashed, "firing", { startsAtMs: Date.parse(S1) });
        r.clock.t += 121_000;
        assert.equal((await answer(n.handle(request([alert("firing", "Lonely")])))).code, 200);
    });

    it("a store error posts anyway (a double post beats a lost alert), at Slack and PagerDuty", async () => {
        const failing = {
            send: async () =>
                Promise.reject(Object.assign(new Error("Throughput exceeds the current capacity"), { name: "ProvisionedThroughputExceededException" })),
        };
        const r = rig();
        r.deps = { ...r.deps, dedupe: dynamoDbDedupeStore(failing as unknown as DynamoDBClient, "t", r.clock) };
        const n = createNotifier(r.deps);
        assert.equal((await answer(n.handle(request([alert("firing", "RedisDown")])))).code, 200);
        assert.equal((await answer(n.handle(request([alert("firing", "RedisDown")], "/pagerduty")))).code, 200);
        assert.equal(r.slack.length, 1);
        assert.equal(r.pd.length, 1);
        assert.ok(r.logs.some((l) => l.includes("dedupe store unavailable")));
    });

    it("PagerDuty: a failed event answers 503 and its retry sends only what did not go; one trigger per occurrence", async () => {
        const r = rig({ deliveryBudgetMs: 20_000 });
        const n = createNotifier(r.deps);
        r.pdReplies.push(202, 400);
        const two = [alert("firing", "RedisDown"), alert("firing", "RedisDown", S1, { instance: "redis-2:6379" })];
        const first = await answer(n.handle(request(two, "/pagerduty")));
        assert.deepEqual([first.code, first["posted"], first["failed"]], [503, 1, 1]);
        const retry = await answer(n.handle(request(two, "/pagerduty")));
        assert.deepEqual([retry.code, retry["posted"], retry["repeat"]], [200, 1, 1]);
        assert.equal(r.pd.length, 2);
        assert.equal(new Set(r.pd.map((e) => e.dedup_key)).size, 2, "two alerts, two dedup keys");
        assert.ok(r.pd.every((e) => e.payload?.summary?.startsWith("RedisDown: ")));
        assert.ok(!r.logs.some((l) => l.includes("R0UTINGKEY")), "the routing key is never logged");
    });

    it("PagerDuty without a routing key configured: 500 (misconfiguration), Slack unaffected", async () => {
        const r = rig({ pagerduty: undefined });
        const n = createNotifier(r.deps);
        assert.equal((await answer(n.handle(request([alert("firing", "RedisDown")], "/pagerduty")))).code, 500);
        assert.equal((await answer(n.handle(request([alert("firing", "RedisDown")])))).code, 200);
    });

    it("the event: trigger/resolve under the occurrence's dedup_key, summary on both", () => {
        const t = pagerDutyEventForAlert(alert("firing", "RedisDown"), "k", "occ:pagerduty:abc");
        const z = pagerDutyEventForAlert(alert("resolved", "RedisDown"), "k", "occ:pagerduty:abc");
        assert.deepEqual([t.event_action, z.event_action, t.dedup_key, z.dedup_key], ["trigger", "resolve", "occ:pagerduty:abc", "occ:pagerduty:abc"]);
        assert.equal(t.payload?.severity, "critical");
        assert.equal(z.payload?.summary, "RedisDown: RedisDown summary");
    });

    it("DynamoDB: forward-only conditional UpdateItem; a failed condition is read from the old item (repeat, stale, in flight)", async () => {
        const inputs: Record<string, unknown>[] = [];
        let old: Record<string, { S?: string; N?: string }> | undefined;
        const clock = new Clk();
        const client = {
            send: async (cmd: { input: Record<string, unknown> }) => {
                inputs.push(cmd.input);
                if (old !== undefined)
                    throw Object.assign(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }), { Item: old });
                return {};
            },
        };
        const store = dynamoDbDedupeStore(client as unknown as DynamoDBClient, "t", clock);
        const s1 = Date.parse(S1);
        assert.equal(await store.claimOccurrence("occ:slack:1", "firing", { startsAtMs: s1 }), "claimed");
        const firing = inputs[0] as {
            ConditionExpression: string;
            ExpressionAttributeNames: Record<string, string>;
            ExpressionAttributeValues: Record<string, unknown>;
        };
        assert.match(firing.ConditionExpression, /\(#delivered = :resolved AND endedAt < :startsMs\)/);
        assert.equal(firing.ExpressionAttributeValues[":firing"], undefined, "no unused expression values (DynamoDB rejects them)");
        assert.equal(await store.claimOccurrence("occ:slack:1", "resolved", { startsAtMs: s1 }), "claimed");
        assert.match((inputs[1] as { ConditionExpression: string }).ConditionExpression, /#delivered = :firing/);
        await store.completeOccurrence("occ:slack:1", "resolved", { startsAtMs: s1, endsAtMs: s1 + 60_000 });
        assert.match(JSON.stringify(inputs[2]), /SET #delivered = :status, endedAt = :at/);
        old = { delivered: { S: "resolved" }, endedAt: { N: String(s1 + 60_000) } };
        assert.equal(await store.claimOccurrence("occ:slack:1", "firing", { startsAtMs: s1 }), "stale");
        assert.equal(await store.claimOccurrence("occ:slack:1", "resolved", { startsAtMs: s1 }), "repeat");
        // A RESOLVED is conditioned on the delivered FIRING's start; a FIRING's completion records it.
        old = undefined;
        await store.claimOccurrence("occ:slack:1", "resolved", { startsAtMs: s1, endsAtMs: s1 + 60_000 });
        const resolvedIn = inputs[inputs.length - 1] as { ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> };
        assert.match(resolvedIn.ConditionExpression, /\(#delivered = :firing AND \(attribute_not_exists\(startedAt\) OR startedAt < :endsMs\)\)/);
        assert.deepEqual(resolvedIn.ExpressionAttributeValues[":endsMs"], { N: String(s1 + 60_000) });
        await store.completeOccurrence("occ:slack:1", "firing", { startsAtMs: Date.parse(S2) });
        assert.match(JSON.stringify(inputs[inputs.length - 1]), /SET #delivered = :status, startedAt = :at/);
        old = { delivered: { S: "firing" }, startedAt: { N: String(Date.parse(S2)) } };
        assert.equal(await store.claimOccurrence("occ:slack:1", "resolved", { startsAtMs: s1, endsAtMs: s1 + 60_000 }), "stale");
        old = { delivered: { S: "firing" }, pending: { S: "resolved" }, leaseUntil: { N: String(clock.now() + 60_000) } };
        assert.equal(await store.claimOccurrence("occ:slack:1", "resolved", { startsAtMs: s1 }), "in-flight");
        assert.equal(await store.claimOccurrence("occ:slack:1", "firing", { startsAtMs: s1 }), "repeat");
    });
});
