/**
 * Delivery records. After the notifier posts to Slack, or the PagerDuty forwarder's event is
 * accepted, the Lambda writes one record per message it carried, under a key anyone who knows the
 * alert can compute: `npm run drill` reads them to confirm each delivery and to time it.
 *
 *   delivery#<channel>#cloudwatch#<alarm name>#<ALARM|OK>       (SNS path: one per alarm and state)
 *   delivery#<channel>#alertmanager#<fingerprint>#<firing|resolved>   (one per alert and status)
 *
 * A record holds the latest delivery of that key (PutItem overwrites) and expires a day later
 * (DynamoDB TTL; deletion is lazy, so readers compare `deliveredAt`). Same table as the notifier's
 * dedupe claims, under a prefix no claim uses. Writing is best effort: a failed write is logged and
 * never fails a delivery that happened.
 */
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Clock } from "./clock";

export type DeliveryChannel = "slack" | "pagerduty";

/** What was delivered: a CloudWatch alarm state change, or one Alertmanager alert in one status. */
export type DeliverySubject =
    | { readonly kind: "cloudwatch"; readonly alarmName: string; readonly state: string }
    | { readonly kind: "alertmanager"; readonly fingerprint: string; readonly status: string; readonly alertname?: string };

export const DELIVERY_KEY_PREFIX = "delivery#";
/** Lifetime of a record. */
export const DELIVERY_TTL_SECONDS = 86_400;

export function deliveryKey(channel: DeliveryChannel, subject: DeliverySubject): string {
    return subject.kind === "cloudwatch"
        ? `${DELIVERY_KEY_PREFIX}${channel}#cloudwatch#${subject.alarmName}#${subject.state}`
        : `${DELIVERY_KEY_PREFIX}${channel}#alertmanager#${subject.fingerprint}#${subject.status}`;
}

export interface DeliveryRecord {
    readonly key: string;
    readonly channel: DeliveryChannel;
    /** `Date.now()` when the delivery was accepted. */
    readonly deliveredAt: number;
    /** Alarm name or alertname, for people reading the table. */
    readonly subject: string;
}

/** Where the Lambdas write records. Never throws. */
export interface DeliveryLog {
    record(channel: DeliveryChannel, subjects: readonly DeliverySubject[]): Promise<void>;
}

type Warn = (msg: string, fields?: Record<string, unknown>) => void;

const label = (s: DeliverySubject) => (s.kind === "cloudwatch" ? s.alarmName : (s.alertname ?? s.fingerprint));

/** Records in the DynamoDB table (partition key `pk`, TTL attribute `expiresAt`). */
export function dynamoDbDeliveryLog(client: DynamoDBClient, tableName: string, clock: Pick<Clock, "now">, warn: Warn = () => undefined): DeliveryLog {
    return {
        record: async (channel, subjects) => {
            const now = clock.now();
            await Promise.all(subjects.map(async (subject) => {
                try {
                    await client.send(new PutItemCommand({
                        TableName: tableName,
                        Item: {
                            pk: { S: deliveryKey(channel, subject) },
                            channel: { S: channel },
                            deliveredAt: { N: String(now) },
                            subject: { S: label(subject) },
                            expiresAt: { N: String(Math.floor(now / 1000) + DELIVERY_TTL_SECONDS) },
                        },
                    }));
                } catch (e) {
                    warn("delivery record not written", { channel, subject: label(subject), error: (e as Error).message });
                }
            }));
        },
    };
}

/** The latest delivery under `key`, or undefined. Strongly consistent: a drill polls right after. */
export async function readDelivery(client: DynamoDBClient, tableName: string, key: string): Promise<DeliveryRecord | undefined> {
    const out = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: key } }, ConsistentRead: true }));
    const item = out.Item;
    if (item === undefined) return undefined;
    const deliveredAt = Number(item["deliveredAt"]?.N);
    const channel = item["channel"]?.S;
    if (!Number.isFinite(deliveredAt) || (channel !== "slack" && channel !== "pagerduty")) return undefined;
    return { key, channel, deliveredAt, subject: item["subject"]?.S ?? "" };
}

/** Same records in memory: for the local server and tests. */
export function inMemoryDeliveryLog(clock: Pick<Clock, "now">): DeliveryLog & { get(key: string): DeliveryRecord | undefined; readonly all: () => DeliveryRecord[] } {
    const records = new Map<string, DeliveryRecord>();
    return {
        record: async (channel, subjects) => {
            for (const s of subjects) records.set(deliveryKey(channel, s), { key: deliveryKey(channel, s), channel, deliveredAt: clock.now(), subject: label(s) });
        },
        get: (key) => records.get(key),
        all: () => [...records.values()],
    };
}
