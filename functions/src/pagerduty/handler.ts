/**
 * PagerDuty forwarder Lambda: subscribed to the critical (and pipeline) SNS topics, it turns
 * CloudWatch alarm notifications into Events API v2 trigger/resolve events. The routing key is read
 * from Secrets Manager at run time, so it is never in a resource input or the Pulumi state in
 * `external` mode. Throws when delivery fails, so Lambda retries the async invocation and finally
 * sends it to the on-failure destination (SQS), whose depth alarm goes to email. A routing key that
 * still holds the deploy-time placeholder throws too (its Errors alarm reaches the pipeline topic:
 * email), and is never cached: a key put later is used from the next invocation on.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { systemClock } from "../shared/clock";
import { dynamoDbDeliveryLog, type DeliveryLog } from "../shared/deliveries";
import { cachedSecret, secretsManagerSource, type SecretGetter } from "../shared/secrets";
import { PAGERDUTY_ENV, PAGERDUTY_EVENTS_URL } from "../contract/environment";
import { alarmStateOf, pagerDutyEventFor, type PagerDutyEvent } from "./event";

interface SnsEvent {
    readonly Records: readonly { readonly Sns: { readonly MessageId: string; readonly Message: string } }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** POST with retries on network errors, 429 and 5xx (PagerDuty's documented retry cases). */
export async function sendEvent(event: PagerDutyEvent, url: string, attempts = 4): Promise<void> {
    let last = "";
    for (let i = 0; i < attempts; i++) {
        if (i > 0) await sleep(Math.min(500 * 2 ** i, 8000));
        try {
            const res = await fetch(url, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(event),
                signal: AbortSignal.timeout(10_000),
            });
            if (res.status === 202 || res.ok) return;
            last = `HTTP ${res.status}`;
            if (res.status !== 429 && res.status < 500) throw new Error(`PagerDuty rejected the event (${last}): ${(await res.text()).slice(0, 300)}`);
        } catch (e) {
            if (e instanceof Error && e.message.startsWith("PagerDuty rejected")) throw e;
            last = e instanceof Error ? e.message : String(e);
        }
    }
    throw new Error(`PagerDuty delivery failed after ${attempts} attempts: ${last}`);
}

export interface ForwarderDeps {
    /** The routing key; rejects while the secret is not filled. */
    readonly getRoutingKey: SecretGetter;
    /** Events API URL. @default PAGERDUTY_EVENTS_URL */
    readonly url?: string;
    /** @default sendEvent */
    readonly send?: (event: PagerDutyEvent, url: string) => Promise<void>;
    /** @default JSON lines on console.log / console.error */
    readonly log?: (level: "info" | "error", line: Record<string, unknown>) => void;
    /** Where each accepted alarm event is recorded (`npm run drill` reads it). @default none */
    readonly deliveries?: DeliveryLog;
}

/** The forwarder's logic with its side effects injected. */
export function createForwarder(deps: ForwarderDeps): (event: SnsEvent) => Promise<void> {
    const log = deps.log ?? ((level, line) => (level === "error" ? console.error : console.log)(JSON.stringify({ level, ...line })));
    const send = deps.send ?? sendEvent;
    const url = deps.url ?? PAGERDUTY_EVENTS_URL;
    return async (event) => {
        const key = await deps.getRoutingKey();
        const failures: string[] = [];
        for (const record of event.Records ?? []) {
            const pd = pagerDutyEventFor(record.Sns.Message, key, record.Sns.MessageId);
            if (pd === undefined) continue;
            try {
                await send(pd, url);
                log("info", { msg: "sent", action: pd.event_action, dedupKey: pd.dedup_key, messageId: record.Sns.MessageId });
                const alarm = alarmStateOf(record.Sns.Message);
                if (alarm !== undefined) await deps.deliveries?.record("pagerduty", [{ kind: "cloudwatch", ...alarm }]);
            } catch (e) {
                const msg = e instanceof Error ? e.message : String(e);
                failures.push(msg);
                log("error", { msg: "delivery failed", messageId: record.Sns.MessageId, error: msg.split(key).join("[redacted]") });
            }
        }
        if (failures.length > 0) throw new Error(`${failures.length} PagerDuty event(s) not delivered`);
    };
}

/** The production forwarder from the environment (see {@link PAGERDUTY_ENV}). */
export function forwarderFromEnv(env: NodeJS.ProcessEnv = process.env): (event: SnsEvent) => Promise<void> {
    const arn = env[PAGERDUTY_ENV.routingKeySecretArn];
    if (!arn) throw new Error(`${PAGERDUTY_ENV.routingKeySecretArn} is not set`);
    const source = secretsManagerSource(new SecretsManagerClient({}), arn);
    const table = env[PAGERDUTY_ENV.deliveryTable];
    const warn = (msg: string, fields?: Record<string, unknown>) => console.error(JSON.stringify({ level: "warn", msg, ...fields }));
    return createForwarder({
        getRoutingKey: cachedSecret(source, { ttlMs: 300_000, clock: systemClock }),
        url: env[PAGERDUTY_ENV.eventsUrl] || PAGERDUTY_EVENTS_URL,
        ...(table ? { deliveries: dynamoDbDeliveryLog(new DynamoDBClient({ maxAttempts: 2 }), table, systemClock, warn) } : {}),
    });
}

let forward: ((event: SnsEvent) => Promise<void>) | undefined;

export async function handler(event: SnsEvent): Promise<void> {
    forward ??= forwarderFromEnv();
    return forward(event);
}
