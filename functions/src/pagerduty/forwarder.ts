/**
 * The PagerDuty forwarder's logic, independent of AWS (the notifier's pattern: `createNotifier`):
 * `createForwarder(deps)` takes every side effect as a dependency — the routing key, fetch, clock,
 * logger, delivery records — so tests and e2e run exactly the code the Lambda runs; `handler.ts`
 * wires the real clients from the environment.
 *
 * Subscribed to the critical (and pipeline) SNS topics, it turns CloudWatch alarm notifications
 * into Events API v2 trigger/resolve events. It throws when a delivery fails, so Lambda retries the
 * async invocation and finally sends it to the on-failure destination (SQS), whose depth alarm goes
 * to email. A routing key that still holds the deploy-time placeholder throws too (its Errors alarm
 * reaches the pipeline topic: email).
 */
import { PAGERDUTY_EVENTS_URL } from "../contract/environment";
import { DEFAULT_DELIVERY_BUDGET_MS } from "../contract/timings";
import { systemClock, type Clock } from "../shared/clock";
import type { DeliveryLog } from "../shared/deliveries";
import { deliveryDeadline, type RetryPolicy } from "../shared/http-delivery";
import { createLogger, errorFields, isRedacting, REDACTED, type Logger, type RedactingLogger } from "../shared/log";
import type { SecretGetter } from "../shared/secrets";
import { alarmStateOf, pagerDutyEventFor } from "./event";
import { createPagerDutySender } from "./send";

export interface SnsEvent {
    readonly Records: readonly { readonly Sns: { readonly MessageId: string; readonly Message: string } }[];
}

/** The slice of the Lambda context the forwarder reads. */
export interface ForwarderContext {
    getRemainingTimeInMillis?(): number;
}

export type Forwarder = (event: SnsEvent, context?: ForwarderContext) => Promise<void>;

export interface ForwarderDeps {
    /** The routing key (from Secrets Manager in the Lambda); rejects while the secret is not filled. Never logged. */
    readonly getRoutingKey: SecretGetter;
    /** Events API URL. @default PAGERDUTY_EVENTS_URL */
    readonly url?: string;
    /** Where each accepted alarm event is recorded (`npm run drill` reads it). @default none */
    readonly deliveries?: DeliveryLog;
    /** @default globalThis.fetch */
    readonly fetch?: typeof fetch;
    /** @default the system clock */
    readonly clock?: Clock;
    /** @default JSON lines on console.log; pass a {@link RedactingLogger} to have the routing key scrubbed from every line */
    readonly log?: Logger | RedactingLogger;
    /** Retry knobs (shared/http-delivery.ts). @default DEFAULT_RETRY_POLICY */
    readonly delivery?: Partial<RetryPolicy>;
    /** Longest time spent on one invocation's deliveries. @default DEFAULT_DELIVERY_BUDGET_MS */
    readonly deliveryBudgetMs?: number;
    /** Time kept back from the Lambda's remaining time, to fail cleanly before the timeout. @default 3000 ms */
    readonly timeoutReserveMs?: number;
}

export function createForwarder(deps: ForwarderDeps): Forwarder {
    const clock = deps.clock ?? systemClock;
    const log = deps.log ?? createLogger();
    const url = deps.url ?? PAGERDUTY_EVENTS_URL;
    const send = createPagerDutySender({ fetch: deps.fetch ?? globalThis.fetch, clock, log, policy: deps.delivery, url: () => url });
    const budgetMs = deps.deliveryBudgetMs ?? DEFAULT_DELIVERY_BUDGET_MS;
    const reserveMs = deps.timeoutReserveMs ?? 3000;

    return async (event, context) => {
        const key = await deps.getRoutingKey();
        if (isRedacting(log)) log.addSecret(key);
        const deadline = deliveryDeadline(clock, budgetMs, reserveMs, context);
        const failures: string[] = [];
        // Every record is attempted even if an earlier one failed (SNS sends one per invocation; a
        // trigger sent twice on the Lambda's retry is appended to the same incident by its dedup key).
        for (const record of event.Records ?? []) {
            const pd = pagerDutyEventFor(record.Sns.Message, key, record.Sns.MessageId);
            if (pd === undefined) continue;
            const meta = { messageId: record.Sns.MessageId, action: pd.event_action, dedupKey: pd.dedup_key };
            try {
                await send(pd, deadline);
            } catch (e) {
                failures.push(record.Sns.MessageId);
                const fields = errorFields(e);
                log.error("pagerduty delivery failed", { ...meta, ...fields, error: String(fields["error"]).split(key).join(REDACTED) });
                continue;
            }
            log.info("sent to pagerduty", meta);
            const alarm = alarmStateOf(record.Sns.Message);
            if (alarm !== undefined) await deps.deliveries?.record("pagerduty", [{ kind: "cloudwatch", ...alarm }]);
        }
        if (failures.length > 0) throw new Error(`${failures.length} PagerDuty event(s) not delivered: ${failures.join(", ")}`);
    };
}
