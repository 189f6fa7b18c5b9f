/**
 * The delivery-record key scheme and item shape: written by the notifier and the PagerDuty forwarder
 * (`shared/deliveries.ts`), read by `npm run drill` (ops/). SDK-free: the item is the plain
 * attribute-value map DynamoDB's GetItem returns.
 *
 *   delivery#<channel>#cloudwatch#<alarm name>#<ALARM|OK>       (SNS path: one per alarm and state)
 *   delivery#<channel>#alertmanager#<fingerprint>#<firing|resolved>   (one per alert and status)
 */
export type DeliveryChannel = "slack" | "pagerduty";

/** What was delivered: a CloudWatch alarm state change, or one Alertmanager alert in one status. */
export type DeliverySubject =
    | { readonly kind: "cloudwatch"; readonly alarmName: string; readonly state: string }
    | { readonly kind: "alertmanager"; readonly fingerprint: string; readonly status: string; readonly alertname?: string };

const DELIVERY_KEY_PREFIX = "delivery#";
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

/** A DynamoDB item as GetItem returns it (attribute name → typed value), reduced to what a record uses. */
export type DeliveryItem = Record<string, { readonly S?: string; readonly N?: string } | undefined>;

/** The record a stored item holds, or undefined when there is none or it is not a delivery record. */
export function deliveryRecordOf(key: string, item: DeliveryItem | undefined): DeliveryRecord | undefined {
    if (item === undefined) return undefined;
    const deliveredAt = Number(item["deliveredAt"]?.N);
    const channel = item["channel"]?.S;
    if (!Number.isFinite(deliveredAt) || (channel !== "slack" && channel !== "pagerduty")) return undefined;
    return { key, channel, deliveredAt, subject: item["subject"]?.S ?? "" };
}
