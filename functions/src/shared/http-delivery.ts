/**
 * The one retry loop of the alerting pipeline's HTTP deliveries: Slack incoming webhooks (the
 * notifier) and the PagerDuty Events API v2 (the notifier's `/pagerduty` path and the forwarder).
 * Both channels get the same classification, the same backoff and the same log fields:
 *
 * - 2xx: delivered (PagerDuty answers 202 Accepted).
 * - 429: retried after `Retry-After` when the response carries one. Slack: "Slack will start
 *   returning a HTTP 429 Too Many Requests error [...] and a Retry-After header containing the
 *   number of seconds until you can retry" (https://api.slack.com/docs/rate-limits, incoming
 *   webhooks included). PagerDuty: 429 "Too many API calls at a time. Retry? Yes - retry after some
 *   time" (https://developer.pagerduty.com/docs/events-api-v2/overview/, Response Codes & Retry Logic).
 * - 5xx and network errors: retried with backoff. PagerDuty, same table: "500 or other 5XX [...] Yes",
 *   "Network Error [...] Yes".
 * - 408: retried with backoff. Neither service documents it; HTTP says "If the client has an
 *   outstanding request in transit, the client MAY repeat that request on a new connection"
 *   (https://www.rfc-editor.org/rfc/rfc9110#name-408-request-timeout): the request never arrived whole.
 * - any other 4xx: not retried (PagerDuty, same table: "400 Bad Request [...] Retry? No"). The caller
 *   may `recover` once by changing the request (Slack's plain-text fallback, a re-read webhook URL).
 *
 * Everything happens inside a deadline the caller sets (its share of the Lambda's time or of
 * Alertmanager's notify timeout): a wait that would end past it fails the delivery at once, so the
 * caller can still answer 5xx (Alertmanager retries) or throw (Lambda retries, then the on-failure
 * queue) — the longer "backoff of a few minutes" PagerDuty asks for on 429 is those outer retries.
 *
 * Hand-written rather than p-retry / cockatiel / exponential-backoff: those sleep with the real
 * `setTimeout`, while every test of the pipeline runs the delivery on an injected {@link Clock}
 * (fake time, fixed jitter), and none of them takes a per-response wait (`Retry-After`) and a
 * deadline together.
 */
import type { DeliveryChannel } from "../contract/deliveries";
import type { Clock } from "./clock";
import { errorFields, type Logger } from "./log";

export interface RetryPolicy {
    /** Attempts per delivery, including the first. @default 5 */
    readonly maxAttempts: number;
    /** First backoff step. @default 500 ms */
    readonly baseDelayMs: number;
    /** Largest backoff step. @default 8000 ms */
    readonly maxDelayMs: number;
    /** Per-request timeout, capped further by the time left to the deadline. @default 5000 ms */
    readonly requestTimeoutMs: number;
    /** Least wait after a 429 without a usable `Retry-After`. @default 1000 ms */
    readonly defaultRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
    maxAttempts: 5,
    baseDelayMs: 500,
    maxDelayMs: 8000,
    requestTimeoutMs: 5000,
    defaultRetryAfterMs: 1000,
};

/** Parses Retry-After (delta-seconds or HTTP date, RFC 9110 §10.2.3) into milliseconds. */
function parseRetryAfter(value: string | null, now: number): number | undefined {
    if (value === null || value.trim() === "") return undefined;
    const v = value.trim();
    if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
    const at = Date.parse(v);
    return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Backoff after failed attempt `attempt` (1-based): exponential from `baseDelayMs`, capped at
 * `maxDelayMs`, "equal jitter" — half the step fixed, half random — so it is never below half the
 * step (no hammering) nor above the step, and replicas that failed together spread out.
 */
export function backoffMs(attempt: number, policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">, random: () => number): number {
    const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(step / 2 + random() * (step / 2));
}

/** Whether a response status is worth another attempt of the same request (see the module comment). */
function isRetryableStatus(status: number): boolean {
    return status === 408 || status === 429 || status >= 500;
}

/** What one attempt came to. */
export type AttemptOutcome =
    | { readonly kind: "delivered" }
    /** Worth another attempt after `waitMs`. `status` is undefined for a network error or timeout. */
    | { readonly kind: "retry"; readonly status?: number; readonly waitMs: number; readonly reason: string }
    | { readonly kind: "rejected"; readonly status: number; readonly reason: string };

/**
 * Classifies one response (after attempt `attempt`). `Retry-After` is honoured on any retryable
 * status that carries it (Slack sends it on 429; RFC 9110 allows it on 503 too).
 */
function classifyResponse(
    res: { readonly status: number; readonly headers: { get(name: string): string | null } },
    body: string,
    attempt: number,
    policy: RetryPolicy,
    clock: Pick<Clock, "now" | "random">,
): AttemptOutcome {
    if (res.status >= 200 && res.status < 300) return { kind: "delivered" };
    const reason = `HTTP ${res.status}${body ? ` ${body}` : ""}`;
    if (!isRetryableStatus(res.status)) return { kind: "rejected", status: res.status, reason };
    const backoff = backoffMs(attempt, policy, clock.random);
    const retryAfter = parseRetryAfter(res.headers.get("retry-after"), clock.now());
    const waitMs = retryAfter ?? (res.status === 429 ? Math.max(policy.defaultRetryAfterMs, backoff) : backoff);
    return { kind: "retry", status: res.status, waitMs, reason };
}

const LABEL: Record<DeliveryChannel, string> = { slack: "Slack", pagerduty: "PagerDuty" };

/** Why a delivery failed. */
export type DeliveryFailure = "rejected" | "attempts-exhausted" | "deadline";

/** Thrown when a delivery failed; carries no URL and no request body (they hold secrets). */
export class DeliveryError extends Error {
    constructor(
        message: string,
        readonly channel: DeliveryChannel,
        readonly failure: DeliveryFailure,
        readonly attempts: number,
        readonly lastStatus: number | undefined,
    ) {
        super(message);
        this.name = "DeliveryError";
    }
}

/** One request, as the caller builds it for each attempt. */
export interface HttpRequest {
    readonly url: string;
    readonly headers: Record<string, string>;
    readonly body: string;
}

export interface Delivery {
    /**
     * Builds the request of attempt `attempt` (1-based). It may wait (Slack's pacing) and read
     * secrets; if it throws, the delivery ends with that error, unretried (the secret store client
     * has its own retries, and a secret that is not filled stays so).
     */
    readonly request: (attempt: number) => Promise<HttpRequest>;
    /**
     * Called with a rejected response (a 4xx other than 408 and 429); returns true when the caller
     * changed the next request so that another attempt, at once, may succeed. @default never
     */
    readonly recover?: (rejection: { readonly status: number; readonly reason: string }) => boolean;
    /** Epoch ms after which no attempt starts and no wait ends. */
    readonly deadline: number;
    /** Extra fields for every log line of this delivery (message id, dedup key, ...). */
    readonly logFields?: Record<string, unknown>;
}

export interface HttpDeliveryDeps {
    readonly channel: DeliveryChannel;
    readonly fetch: typeof fetch;
    readonly clock: Clock;
    readonly log: Logger;
    readonly policy?: Partial<RetryPolicy>;
}

/** Delivers one request; resolves with the attempts it took, rejects with a {@link DeliveryError} (or the `request` builder's error). */
export type HttpDeliver = (delivery: Delivery) => Promise<{ readonly attempts: number }>;

/**
 * The retry loop for one channel. Log lines, the same for both channels: `delivery attempt failed`
 * (warn: channel, attempt, status, outcome retry|rejected|recover, waitMs, reason) and `delivered
 * after retries` (info: channel, attempts).
 */
export function createHttpDelivery(deps: HttpDeliveryDeps): HttpDeliver {
    const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...deps.policy };
    const { channel, clock, log } = deps;
    const label = LABEL[channel];

    const attemptOnce = async (req: HttpRequest, attempt: number, deadline: number): Promise<AttemptOutcome> => {
        const timeoutMs = Math.max(1, Math.min(policy.requestTimeoutMs, deadline - clock.now()));
        try {
            const res = await deps.fetch(req.url, { method: "POST", headers: req.headers, body: req.body, signal: AbortSignal.timeout(timeoutMs) });
            // Both services answer with short codes or JSON (`ok`, `invalid_payload`, `{"status":"invalid event"}`): safe to log, cut short.
            const body = (await res.text().catch(() => "")).slice(0, 200).trim();
            return classifyResponse(res, body, attempt, policy, clock);
        } catch (e) {
            const f = errorFields(e);
            const reason = `network error (${String(f["error"])}${f["cause"] !== undefined ? `, ${String(f["cause"])}` : ""})`;
            return { kind: "retry", waitMs: backoffMs(attempt, policy, clock.random), reason };
        }
    };

    return async (delivery) => {
        const fields = { channel, ...delivery.logFields };
        for (let attempt = 1; ; attempt++) {
            const outcome = await attemptOnce(await delivery.request(attempt), attempt, delivery.deadline);
            if (outcome.kind === "delivered") {
                if (attempt > 1) log.info("delivered after retries", { ...fields, attempts: attempt });
                return { attempts: attempt };
            }
            const status = outcome.status;
            const recovering = outcome.kind === "rejected" && attempt < policy.maxAttempts && delivery.recover?.(outcome) === true;
            const waitMs = outcome.kind === "retry" ? Math.max(0, outcome.waitMs) : undefined;
            log.warn("delivery attempt failed", {
                ...fields,
                attempt,
                ...(status !== undefined ? { status } : {}),
                outcome: recovering ? "recover" : outcome.kind,
                ...(waitMs !== undefined ? { waitMs } : {}),
                reason: outcome.reason,
            });
            const fail = (failure: DeliveryFailure, message: string) => new DeliveryError(message, channel, failure, attempt, status);
            if (outcome.kind === "rejected" && !recovering) throw fail("rejected", `${label} rejected the request: ${outcome.reason}`);
            if (attempt >= policy.maxAttempts) throw fail("attempts-exhausted", `${label} delivery failed after ${attempt} attempts: ${outcome.reason}`);
            if (waitMs === undefined) continue;
            if (clock.now() + waitMs >= delivery.deadline)
                throw fail(
                    "deadline",
                    `${label} delivery gave up after ${attempt} attempt(s): the next one in ${waitMs} ms would pass the deadline (${outcome.reason})`,
                );
            await clock.sleep(waitMs);
        }
    };
}

/**
 * The deadline of one invocation's deliveries: `limitMs` from now, but never later than the
 * Lambda's remaining time less `reserveMs`, so the function fails cleanly (and is retried) instead
 * of timing out mid-post.
 */
export function deliveryDeadline(clock: Pick<Clock, "now">, limitMs: number, reserveMs: number, context?: { getRemainingTimeInMillis?(): number }): number {
    const remaining = context?.getRemainingTimeInMillis?.();
    const budget = remaining !== undefined ? Math.min(limitMs, remaining - reserveMs) : limitMs;
    return clock.now() + Math.max(budget, 0);
}
