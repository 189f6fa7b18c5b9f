/**
 * Posting to a Slack incoming webhook: one post at a time, at most about one per second (Slack's
 * per-channel limit), retries with exponential backoff and jitter on network errors and 5xx,
 * `Retry-After` honoured on 429, everything inside a deadline the caller sets.
 */
import type { Clock } from "../shared/clock";
import { plainFallback, type SlackMessage } from "./format";
import { errorFields, type Logger } from "../shared/log";
import type { SecretGetter } from "../shared/secrets";

export interface DeliveryOptions {
    /** Attempts per message, including the first. @default 5 */
    readonly maxAttempts: number;
    /** First backoff step. @default 500 ms */
    readonly baseDelayMs: number;
    /** Largest backoff step. @default 8000 ms */
    readonly maxDelayMs: number;
    /** Minimum spacing between two requests to the webhook. @default 1000 ms */
    readonly minIntervalMs: number;
    /** Per-request timeout. @default 5000 ms */
    readonly requestTimeoutMs: number;
    /** Wait assumed on 429 without a usable Retry-After. @default 1000 ms */
    readonly defaultRetryAfterMs: number;
}

const DEFAULT_DELIVERY: DeliveryOptions = {
    maxAttempts: 5,
    baseDelayMs: 500,
    maxDelayMs: 8000,
    minIntervalMs: 1000,
    requestTimeoutMs: 5000,
    defaultRetryAfterMs: 1000,
};

/** Thrown when a message could not be delivered; never carries the webhook URL. */
class SlackDeliveryError extends Error {
    constructor(
        message: string,
        readonly attempts: number,
        readonly lastStatus: number | undefined,
    ) {
        super(message);
        this.name = "SlackDeliveryError";
    }
}

export interface SlackPoster {
    /** Posts `message`, retrying until delivered, out of attempts, or past `deadline` (epoch ms). */
    post(message: SlackMessage, deadline: number): Promise<{ readonly attempts: number }>;
}

export interface SlackPosterDeps {
    readonly getWebhookUrl: SecretGetter;
    readonly fetch: typeof fetch;
    readonly clock: Clock;
    readonly log: Logger;
    readonly options?: Partial<DeliveryOptions>;
}

/** Parses Retry-After (delta-seconds or HTTP date) into milliseconds. */
function parseRetryAfter(value: string | null, now: number): number | undefined {
    if (value === null || value.trim() === "") return undefined;
    const v = value.trim();
    if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
    const at = Date.parse(v);
    return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Backoff before attempt `attempt + 1`: exponential, capped, "equal jitter" (half fixed, half random). */
export function backoffMs(attempt: number, opts: Pick<DeliveryOptions, "baseDelayMs" | "maxDelayMs">, random: () => number): number {
    const step = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(step / 2 + random() * (step / 2));
}

type Outcome =
    | { kind: "ok" }
    | { kind: "retry"; waitMs: number; status?: number; why: string }
    | { kind: "fallback"; status: number; why: string }
    | { kind: "refresh"; status: number; why: string }
    | { kind: "fail"; status: number; why: string };

export function createSlackPoster(deps: SlackPosterDeps): SlackPoster {
    const opts: DeliveryOptions = { ...DEFAULT_DELIVERY, ...deps.options };
    const { clock, log } = deps;
    let lastRequestAt = Number.NEGATIVE_INFINITY;
    let queue: Promise<unknown> = Promise.resolve();

    const classify = async (res: Response, attempt: number, usedFresh: boolean, simplified: boolean): Promise<Outcome> => {
        // Slack answers "ok" or a short error code such as invalid_payload / no_service; safe to log.
        const body = (await res.text().catch(() => "")).slice(0, 200);
        if (res.ok) return { kind: "ok" };
        const why = `HTTP ${res.status}${body ? ` ${body}` : ""}`;
        if (res.status === 429) {
            const wait = parseRetryAfter(res.headers.get("retry-after"), clock.now()) ?? opts.defaultRetryAfterMs;
            return { kind: "retry", waitMs: wait, status: 429, why };
        }
        if (res.status >= 500) return { kind: "retry", waitMs: backoffMs(attempt, opts, clock.random), status: res.status, why };
        if (res.status === 400 && !simplified) return { kind: "fallback", status: 400, why };
        // Revoked or rotated webhook: try once more with a freshly read secret.
        if ((res.status === 403 || res.status === 404 || res.status === 410) && !usedFresh) return { kind: "refresh", status: res.status, why };
        return { kind: "fail", status: res.status, why };
    };

    const send = async (message: SlackMessage, deadline: number): Promise<{ attempts: number }> => {
        let body: SlackMessage = message;
        let refreshed = false;
        let freshNext = false;
        let simplified = false;
        let lastStatus: number | undefined;
        for (let attempt = 1; ; attempt++) {
            const gap = lastRequestAt + opts.minIntervalMs - clock.now();
            if (gap > 0) await clock.sleep(gap);
            const url = await deps.getWebhookUrl({ fresh: freshNext });
            freshNext = false;
            const timeoutMs = Math.max(1, Math.min(opts.requestTimeoutMs, deadline - clock.now()));
            let outcome: Outcome;
            lastRequestAt = clock.now();
            try {
                const res = await deps.fetch(url, {
                    method: "POST",
                    headers: { "content-type": "application/json; charset=utf-8" },
                    body: JSON.stringify(body),
                    signal: AbortSignal.timeout(timeoutMs),
                });
                outcome = await classify(res, attempt, refreshed, simplified);
            } catch (e) {
                const f = errorFields(e);
                outcome = {
                    kind: "retry",
                    waitMs: backoffMs(attempt, opts, clock.random),
                    why: `network error (${String(f["error"])}${f["cause"] !== undefined ? `, ${String(f["cause"])}` : ""})`,
                };
            }
            if (outcome.kind === "ok") {
                if (attempt > 1) log.info("slack post succeeded after retries", { attempts: attempt });
                return { attempts: attempt };
            }
            lastStatus = "status" in outcome ? outcome.status : undefined;
            log.warn("slack post failed", { attempt, outcome: outcome.kind, reason: outcome.why });
            if (outcome.kind === "fail") throw new SlackDeliveryError(`Slack rejected the message: ${outcome.why}`, attempt, lastStatus);
            if (attempt >= opts.maxAttempts)
                throw new SlackDeliveryError(`Slack delivery failed after ${attempt} attempts: ${outcome.why}`, attempt, lastStatus);
            if (outcome.kind === "fallback") {
                body = plainFallback(message);
                simplified = true;
                continue;
            }
            if (outcome.kind === "refresh") {
                refreshed = true;
                freshNext = true;
                continue;
            }
            const wait = Math.max(outcome.waitMs, 0);
            if (clock.now() + wait >= deadline) {
                throw new SlackDeliveryError(
                    `Slack delivery gave up: next attempt in ${wait} ms would pass the deadline (${outcome.why})`,
                    attempt,
                    lastStatus,
                );
            }
            await clock.sleep(wait);
        }
    };

    return {
        // Serialised: concurrent callers in one container queue behind each other.
        post: (message, deadline) => {
            const run = queue.then(() => send(message, deadline));
            queue = run.catch(() => undefined);
            return run;
        },
    };
}
