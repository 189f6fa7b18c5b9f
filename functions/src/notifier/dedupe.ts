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
import {
    ConditionalCheckFailedException,
    DeleteItemCommand,
    PutItemCommand,
    UpdateItemCommand,
    type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import type { Clock } from "../shared/clock";
import type { AlertmanagerPayload } from "./events";

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

/**
 * Dedupe key of an Alertmanager notification: the group, its status and each alert's identity and
 * time span. A re-send of the same notification maps to the same key; a change in any alert (new
 * alert, one resolved) gives a new key. Firing alerts carry the zero `endsAt`, so repeats of an
 * unchanged group within the TTL are suppressed — keep `repeat_interval` above the TTL.
 */
export function alertmanagerDedupeKey(payload: AlertmanagerPayload): string {
    const alerts = payload.alerts
        .map((a) => [a.fingerprint ?? JSON.stringify(Object.entries(a.labels).sort()), a.status, a.startsAt ?? "", a.endsAt ?? ""].join("|"))
        .sort();
    const h = createHash("sha256").update(JSON.stringify([payload.groupKey ?? "", payload.status, alerts])).digest("hex");
    return `am:${h}`;
}

/** Dedupe key of unparseable content (hash of the bytes). */
export function rawDedupeKey(content: string): string {
    return `raw:${createHash("sha256").update(content).digest("hex")}`;
}

/**
 * DynamoDB store. Table: partition key `pk` (S); TTL enabled on `expiresAt` (epoch seconds).
 * TTL deletion is lazy (hours to days), so expiry is also checked in the condition.
 */
export function dynamoDbDedupeStore(client: DynamoDBClient, tableName: string, clock: Pick<Clock, "now">, timings: DedupeTimings = DEFAULT_DEDUPE_TIMINGS): DedupeStore {
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
    };
}

/** Same semantics in memory: for the local server and tests. */
export function inMemoryDedupeStore(clock: Pick<Clock, "now">, timings: DedupeTimings = DEFAULT_DEDUPE_TIMINGS): DedupeStore & { readonly size: () => number } {
    const items = new Map<string, { state: "pending" | "delivered"; leaseUntil: number; expiresAt: number }>();
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
        size: () => items.size,
    };
}
