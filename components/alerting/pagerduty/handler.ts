/**
 * PagerDuty forwarder Lambda: subscribed to the critical (and pipeline) SNS topics, it turns
 * CloudWatch alarm notifications into Events API v2 trigger/resolve events. The routing key is read
 * from Secrets Manager at run time, so it is never in a resource input or the Pulumi state in
 * `external` mode. Throws when delivery fails, so Lambda retries the async invocation and finally
 * sends it to the on-failure destination (SQS), whose depth alarm goes to email.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PAGERDUTY_ENV, PAGERDUTY_EVENTS_URL, pagerDutyEventFor, type PagerDutyEvent } from "./event";

interface SnsEvent {
    readonly Records: readonly { readonly Sns: { readonly MessageId: string; readonly Message: string } }[];
}

const secrets = new SecretsManagerClient({});
let cached: { value: string; at: number } | undefined;

async function routingKey(): Promise<string> {
    if (cached !== undefined && Date.now() - cached.at < 300_000) return cached.value;
    const arn = process.env[PAGERDUTY_ENV.routingKeySecretArn];
    if (!arn) throw new Error(`${PAGERDUTY_ENV.routingKeySecretArn} is not set`);
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    const value = (out.SecretString ?? "").trim();
    if (value === "") throw new Error("the PagerDuty routing key secret is empty; put the integration key into it");
    cached = { value, at: Date.now() };
    return value;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** POST with retries on network errors, 429 and 5xx (PagerDuty's documented retry cases). */
export async function sendEvent(event: PagerDutyEvent, url: string, attempts = 4): Promise<void> {
    let last = "";
    for (let i = 0; i < attempts; i++) {
        if (i > 0) await sleep(Math.min(500 * 2 ** i, 8000));
        try {
            const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event), signal: AbortSignal.timeout(10_000) });
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

export async function handler(event: SnsEvent): Promise<void> {
    const key = await routingKey();
    const url = process.env[PAGERDUTY_ENV.eventsUrl] || PAGERDUTY_EVENTS_URL;
    const failures: string[] = [];
    for (const record of event.Records ?? []) {
        const pd = pagerDutyEventFor(record.Sns.Message, key, record.Sns.MessageId);
        if (pd === undefined) continue;
        try {
            await sendEvent(pd, url);
            console.log(JSON.stringify({ level: "info", msg: "sent", action: pd.event_action, dedupKey: pd.dedup_key, messageId: record.Sns.MessageId }));
        } catch (e) {
            const msg = e instanceof Error ? e.message : String(e);
            failures.push(msg);
            console.error(JSON.stringify({ level: "error", msg: "delivery failed", messageId: record.Sns.MessageId, error: msg.split(key).join("[redacted]") }));
        }
    }
    if (failures.length > 0) throw new Error(`${failures.length} PagerDuty event(s) not delivered`);
}
