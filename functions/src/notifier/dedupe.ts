/**
 * Idempotency. SNS delivers at least once and Alertmanager re-sends on retry, so each event is
 * claimed under a key before it is posted.
 *
 * Two-phase on purpose: `claim` writes a *pending* record with a short lease (conditional PutItem),
 * the post happens, then `complete` marks it *delivered* (or `release` deletes it when the post
 * failed, so the retry is not mistaken for a duplicate). Marking only after the post would leave a
 * window in which two concurrent deliveries of the same message both post; claiming without a
 * lease would lose the alert if the Lambda died between claim and post. With the lease, a crashed
 * attempt's claim expires and the next retry re-posts — a possible double post, never a lost one.
 * The caller treats any store error as "not a duplicate" and posts anyway.
 */
import { createHash } from "node:crypto";
import { ConditionalCheckFailedException, DeleteItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Clock } from "../shared/clock";

/**
 * `duplicate`: delivered already. `in-flight`: another attempt holds a live claim and may still fail,
 * so the caller must not report success (a 2xx would make Alertmanager drop its retry and lose the
 * alert if that attempt then fails).
 */
export type ClaimResult = "claimed" | "duplicate" | "in-flight";

export interface DedupeStore {
    /** Claims `key`; `"duplicate"` when it was delivered already, `"in-flight"` while another attempt holds a live claim. */
    claim(key: string): Promise<ClaimResult>;
    /** Marks a claimed key delivered. */
    complete(key: string): Promise<void>;
    /** Gives a claim back after a failed post. */
    release(key: string): Promise<void>;
    /**
     * Claims the delivery of `status` for one alert (see {@link occurrenceKey}) at one destination;
     * the same two-phase claim, lease and TTL as `claim`, on the alert's record.
     */
    claimOccurrence(key: string, status: AlertStatus, span: AlertSpan): Promise<OccurrenceClaim>;
    /** Records `status` delivered for the alert (for FIRING when it started, for RESOLVED when it ended) and drops the claim. */
    completeOccurrence(key: string, status: AlertStatus, span: AlertSpan): Promise<void>;
    /** Drops the claim after a failed delivery; what was delivered before stays recorded. */
    releaseOccurrence(key: string, status: AlertStatus): Promise<void>;
}

export type AlertStatus = "firing" | "resolved";

/** An alert's activity range as Alertmanager sent it (epoch ms; `endsAtMs` absent while unknown). */
export interface AlertSpan {
    readonly startsAtMs: number;
    readonly endsAtMs?: number;
}

/**
 * What an occurrence's status is worth at a destination, given what was delivered there:
 * - `claimed`: new information (nothing delivered, or RESOLVED after FIRING); the caller delivers;
 * - `repeat`: the same status was delivered already;
 * - `stale`: news about another activation than the one delivered —
 *   - FIRING after the alert's RESOLVED that started before that RESOLVED's end: the echo of a
 *     lagging Prometheus or replica (a genuine re-fire starts later: Prometheus gives it a new startsAt);
 *   - RESOLVED after the alert's FIRING that ended before that FIRING started: the end of an earlier
 *     activation. The lagging Prometheus of the pair re-sends an alert's RESOLVED (for 15 minutes,
 *     every resend delay) until its own evaluation sees the condition again; a replica that receives
 *     it after the new activation's FIRING stores it in place of that FIRING (provider/mem
 *     `Alerts.Put` merges only overlapping activity ranges, otherwise the later arrival wins;
 *     prometheus/alertmanager) and, as the notification log says FIRING was sent, sends RESOLVED
 *     while the outage goes on. Measured with a real Alertmanager: e2e/test/stale-resolve.test.ts;
 *     docs/high-availability.md "Third run".
 * - `in-flight`: new information, but another attempt holds a live claim on the occurrence (it may
 *   still fail: never acknowledge, as for `claim`).
 */
export type OccurrenceClaim = "claimed" | "repeat" | "stale" | "in-flight";

/** The label that tells the Prometheus pair apart (config: external label `replica`, dropped by alert_relabel_configs). */
const REPLICA_LABELS = ["replica", "__replica__"] as const;

/**
 * One alert at one destination: the fingerprint of its labels without the replica label. Its record
 * holds the last status delivered and, for a RESOLVED, when the alert ended: a FIRING that started
 * after that is a new activation (Prometheus gives a re-fire a new startsAt); one that started
 * before it is an echo of what was resolved. Not keyed by startsAt: the replicas of a cluster, each
 * merging the pair's alerts on its own (types/types.go `(*Alert).Merge` keeps the earliest startsAt
 * only for overlapping updates, provider/mem `Alerts.Put`; prometheus/alertmanager), were measured
 * sending one outage under three startsAt values in a rolling restart (docs/high-availability.md).
 */
export function occurrenceKey(destination: "slack" | "pagerduty", labels: Readonly<Record<string, string>>): string {
    const kept = Object.entries(labels)
        .filter(([k]) => !(REPLICA_LABELS as readonly string[]).includes(k))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const h = createHash("sha256").update(JSON.stringify(kept)).digest("hex").slice(0, 40);
    return `occ:${destination}:${h}`;
}

/** What was delivered for an alert at a destination. */
export interface Delivered {
    readonly status: AlertStatus;
    /** For FIRING: when the delivered activation started (its startsAt, epoch ms). */
    readonly startedAt?: number;
    /** For RESOLVED: when the alert ended (its endsAt, epoch ms). */
    readonly endedAt?: number;
}

/** Classifies a wanted status against what was delivered and the live claim. */
export function occurrenceVerdict(delivered: Delivered | undefined, wanted: AlertStatus, span: AlertSpan, liveClaim: boolean): OccurrenceClaim {
    if (delivered?.status === wanted) return "repeat";
    if (delivered?.status === "resolved" && wanted === "firing" && !(span.startsAtMs > (delivered.endedAt ?? Number.POSITIVE_INFINITY))) return "stale";
    if (
        delivered?.status === "firing" &&
        wanted === "resolved" &&
        span.endsAtMs !== undefined &&
        delivered.startedAt !== undefined &&
        !(span.endsAtMs > delivered.startedAt)
    )
        return "stale";
    return liveClaim ? "in-flight" : "claimed";
}

/** The record of a delivered status (DynamoDB attributes `delivered`, `startedAt`, `endedAt`). */
function deliveredRecord(status: AlertStatus, span: AlertSpan, now: number): Delivered {
    return status === "firing" ? { status, startedAt: span.startsAtMs } : { status, endedAt: span.endsAtMs ?? now };
}

export interface DedupeTimings {
    /** Lifetime of a delivered record. @default 3600 s */
    readonly ttlSeconds: number;
    /** How long a pending claim blocks others before it is presumed dead. @default 120000 ms (beyond any delivery budget) */
    readonly leaseMs: number;
}

export const DEFAULT_DEDUPE_TIMINGS: DedupeTimings = { ttlSeconds: 3600, leaseMs: 120_000 };

/** Dedupe key of an SNS delivery. */
export function snsDedupeKey(messageId: string): string {
    return `sns:${messageId}`;
}

/** Dedupe key of unparseable content (hash of the bytes). */
export function rawDedupeKey(content: string): string {
    return `raw:${createHash("sha256").update(content).digest("hex")}`;
}

/** Occurrence records: `delivered` (the last status delivered), `pending` (the status a live claim is delivering). */
const OCCURRENCE_NAMES = { "#pending": "pending", "#delivered": "delivered" };

/**
 * DynamoDB store. Table: partition key `pk` (S); TTL enabled on `expiresAt` (epoch seconds).
 * TTL deletion is lazy (hours to days), so expiry is also checked in the condition.
 */
export function dynamoDbDedupeStore(
    client: DynamoDBClient,
    tableName: string,
    clock: Pick<Clock, "now">,
    timings: DedupeTimings = DEFAULT_DEDUPE_TIMINGS,
): DedupeStore {
    const nowSec = () => Math.floor(clock.now() / 1000);
    return {
        claim: async (key) => {
            const now = clock.now();
            try {
                await client.send(
                    new PutItemCommand({
                        TableName: tableName,
                        Item: {
                            pk: { S: key },
                            state: { S: "pending" },
                            leaseUntil: { N: String(now + timings.leaseMs) },
                            expiresAt: { N: String(nowSec() + timings.ttlSeconds) },
                        },
                        ConditionExpression: "attribute_not_exists(pk) OR expiresAt < :nowSec OR (#state = :pending AND leaseUntil < :nowMs)",
                        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
                        ExpressionAttributeNames: { "#state": "state" },
                        ExpressionAttributeValues: {
                            ":nowSec": { N: String(nowSec()) },
                            ":nowMs": { N: String(now) },
                            ":pending": { S: "pending" },
                        },
                    }),
                );
                return "claimed";
            } catch (e) {
                if (e instanceof ConditionalCheckFailedException || (e as { name?: string }).name === "ConditionalCheckFailedException") {
                    const old = (e as { Item?: Record<string, { S?: string }> }).Item;
                    return old?.["state"]?.S === "pending" ? "in-flight" : "duplicate";
                }
                throw e;
            }
        },
        complete: async (key) => {
            await client.send(
                new UpdateItemCommand({
                    TableName: tableName,
                    Key: { pk: { S: key } },
                    UpdateExpression: "SET #state = :delivered, expiresAt = :exp REMOVE leaseUntil",
                    ExpressionAttributeNames: { "#state": "state" },
                    ExpressionAttributeValues: { ":delivered": { S: "delivered" }, ":exp": { N: String(nowSec() + timings.ttlSeconds) } },
                }),
            );
        },
        release: async (key) => {
            try {
                await client.send(
                    new DeleteItemCommand({
                        TableName: tableName,
                        Key: { pk: { S: key } },
                        ConditionExpression: "#state = :pending",
                        ExpressionAttributeNames: { "#state": "state" },
                        ExpressionAttributeValues: { ":pending": { S: "pending" } },
                    }),
                );
            } catch (e) {
                if ((e as { name?: string }).name !== "ConditionalCheckFailedException") throw e;
            }
        },
        claimOccurrence: async (key, status, span) => {
            const now = clock.now();
            // Forward only: none → firing → (a RESOLVED that ended after that start) resolved → (a FIRING that started after the end) firing. The condition admits exactly the transitions
            // occurrenceVerdict calls new, with no live claim of another attempt; an expired record
            // (TTL deletion is lazy) counts as none.
            try {
                await client.send(
                    new UpdateItemCommand({
                        TableName: tableName,
                        Key: { pk: { S: key } },
                        UpdateExpression: "SET #pending = :status, leaseUntil = :lease, expiresAt = :exp",
                        ConditionExpression:
                            "attribute_not_exists(pk) OR expiresAt < :nowSec OR ((attribute_not_exists(#pending) OR leaseUntil < :nowMs) AND " +
                            (status === "firing"
                                ? "(attribute_not_exists(#delivered) OR (#delivered = :resolved AND endedAt < :startsMs)))"
                                : span.endsAtMs !== undefined
                                  ? "(attribute_not_exists(#delivered) OR (#delivered = :firing AND (attribute_not_exists(startedAt) OR startedAt < :endsMs))))"
                                  : "(attribute_not_exists(#delivered) OR #delivered = :firing))"),
                        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
                        ExpressionAttributeNames: OCCURRENCE_NAMES,
                        ExpressionAttributeValues: {
                            ":status": { S: status },
                            ":lease": { N: String(now + timings.leaseMs) },
                            ":exp": { N: String(nowSec() + timings.ttlSeconds) },
                            ":nowSec": { N: String(nowSec()) },
                            ":nowMs": { N: String(now) },
                            ...(status === "resolved"
                                ? { ":firing": { S: "firing" }, ...(span.endsAtMs !== undefined ? { ":endsMs": { N: String(span.endsAtMs) } } : {}) }
                                : { ":resolved": { S: "resolved" }, ":startsMs": { N: String(span.startsAtMs) } }),
                        },
                    }),
                );
                return "claimed";
            } catch (e) {
                if (e instanceof ConditionalCheckFailedException || (e as { name?: string }).name === "ConditionalCheckFailedException") {
                    const old = (e as { Item?: Record<string, { S?: string; N?: string }> }).Item ?? {};
                    const status0 = old["delivered"]?.S as AlertStatus | undefined;
                    const delivered =
                        status0 === undefined
                            ? undefined
                            : {
                                  status: status0,
                                  ...(old["startedAt"]?.N !== undefined ? { startedAt: Number(old["startedAt"].N) } : {}),
                                  ...(old["endedAt"]?.N !== undefined ? { endedAt: Number(old["endedAt"].N) } : {}),
                              };
                    const live = old["pending"]?.S !== undefined && Number(old["leaseUntil"]?.N ?? 0) >= now;
                    const verdict = occurrenceVerdict(delivered, status, span, live);
                    // The condition failed, so it is not free: a "claimed" verdict here means a claim
                    // appeared between read and write (treat as in flight: the sender retries).
                    return verdict === "claimed" ? "in-flight" : verdict;
                }
                throw e;
            }
        },
        completeOccurrence: async (key, status, span) => {
            const record = deliveredRecord(status, span, clock.now());
            await client.send(
                new UpdateItemCommand({
                    TableName: tableName,
                    Key: { pk: { S: key } },
                    UpdateExpression:
                        record.endedAt !== undefined
                            ? "SET #delivered = :status, endedAt = :at, expiresAt = :exp REMOVE #pending, leaseUntil, startedAt"
                            : "SET #delivered = :status, startedAt = :at, expiresAt = :exp REMOVE #pending, leaseUntil, endedAt",
                    ExpressionAttributeNames: OCCURRENCE_NAMES,
                    ExpressionAttributeValues: {
                        ":status": { S: status },
                        ":exp": { N: String(nowSec() + timings.ttlSeconds) },
                        ":at": { N: String(record.endedAt ?? record.startedAt) },
                    },
                }),
            );
        },
        releaseOccurrence: async (key, status) => {
            try {
                await client.send(
                    new UpdateItemCommand({
                        TableName: tableName,
                        Key: { pk: { S: key } },
                        UpdateExpression: "REMOVE #pending, leaseUntil",
                        ConditionExpression: "#pending = :status",
                        ExpressionAttributeNames: { "#pending": "pending" },
                        ExpressionAttributeValues: { ":status": { S: status } },
                    }),
                );
            } catch (e) {
                if ((e as { name?: string }).name !== "ConditionalCheckFailedException") throw e;
            }
        },
    };
}

/** Same semantics in memory: for the local server and tests. */
export function inMemoryDedupeStore(clock: Pick<Clock, "now">, timings: DedupeTimings = DEFAULT_DEDUPE_TIMINGS): DedupeStore & { readonly size: () => number } {
    const items = new Map<string, { state: "pending" | "delivered"; leaseUntil: number; expiresAt: number }>();
    const occurrences = new Map<string, { delivered: Delivered | undefined; pending: AlertStatus | undefined; leaseUntil: number; expiresAt: number }>();
    return {
        claim: async (key) => {
            const now = clock.now();
            const item = items.get(key);
            const free = item === undefined || item.expiresAt < now || (item.state === "pending" && item.leaseUntil < now);
            if (!free) return item.state === "pending" ? "in-flight" : "duplicate";
            items.set(key, { state: "pending", leaseUntil: now + timings.leaseMs, expiresAt: now + timings.ttlSeconds * 1000 });
            return "claimed";
        },
        complete: async (key) => {
            items.set(key, { state: "delivered", leaseUntil: 0, expiresAt: clock.now() + timings.ttlSeconds * 1000 });
        },
        release: async (key) => {
            if (items.get(key)?.state === "pending") items.delete(key);
        },
        claimOccurrence: async (key, status, span) => {
            const now = clock.now();
            const o = occurrences.get(key);
            const current = o === undefined || o.expiresAt < now ? undefined : o;
            const verdict = occurrenceVerdict(current?.delivered, status, span, current?.pending !== undefined && current.leaseUntil >= now);
            if (verdict === "claimed")
                occurrences.set(key, {
                    delivered: current?.delivered,
                    pending: status,
                    leaseUntil: now + timings.leaseMs,
                    expiresAt: now + timings.ttlSeconds * 1000,
                });
            return verdict;
        },
        completeOccurrence: async (key, status, span) => {
            const delivered = deliveredRecord(status, span, clock.now());
            occurrences.set(key, { delivered, pending: undefined, leaseUntil: 0, expiresAt: clock.now() + timings.ttlSeconds * 1000 });
        },
        releaseOccurrence: async (key, status) => {
            const o = occurrences.get(key);
            if (o?.pending === status) occurrences.set(key, { ...o, pending: undefined, leaseUntil: 0 });
        },
        size: () => items.size + occurrences.size,
    };
}
