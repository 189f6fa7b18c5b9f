/**
 * Delivery records. After the notifier posts to Slack, or the PagerDuty forwarder's event is
 * accepted, the Lambda writes one record per message it carried, under a key anyone who knows the
 * alert can compute (`contract/deliveries.ts`): `npm run drill` reads them to confirm each delivery
 * and to time it.
 *
 * A record holds the latest delivery of that key (PutItem overwrites) and expires a day later
 * (DynamoDB TTL; deletion is lazy, so readers compare `deliveredAt`). Same table as the notifier's
 * dedupe claims, under a prefix no claim uses. Writing is best effort: a failed write is logged and
 * never fails a delivery that happened.
 */
import { PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DELIVERY_TTL_SECONDS, deliveryKey, type DeliveryChannel, type DeliveryRecord, type DeliverySubject } from "../contract/deliveries";
import type { Clock } from "./clock";

export { deliveryKey, type DeliveryRecord, type DeliverySubject } from "../contract/deliveries";

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
            await Promise.all(
                subjects.map(async (subject) => {
                    try {
                        await client.send(
                            new PutItemCommand({
                                TableName: tableName,
                                Item: {
                                    pk: { S: deliveryKey(channel, subject) },
                                    channel: { S: channel },
                                    deliveredAt: { N: String(now) },
                                    subject: { S: label(subject) },
                                    expiresAt: { N: String(Math.floor(now / 1000) + DELIVERY_TTL_SECONDS) },
                                },
                            }),
                        );
                    } catch (e) {
                        warn("delivery record not written", { channel, subject: label(subject), error: (e as Error).message });
                    }
                }),
            );
        },
    };
}

/** Same records in memory: for the local server and tests. */
export function inMemoryDeliveryLog(
    clock: Pick<Clock, "now">,
): DeliveryLog & { get(key: string): DeliveryRecord | undefined; readonly all: () => DeliveryRecord[] } {
    const records = new Map<string, DeliveryRecord>();
    return {
        record: async (channel, subjects) => {
            for (const s of subjects)
                records.set(deliveryKey(channel, s), { key: deliveryKey(channel, s), channel, deliveredAt: clock.now(), subject: label(s) });
        },
        get: (key) => records.get(key),
        all: () => [...records.values()],
    };
}
