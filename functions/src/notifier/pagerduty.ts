/**
 * Sending Events API v2 events for the notifier's PagerDuty destination (Alertmanager's critical
 * route: the second webhook, `/pagerduty`). Retries network errors, 429 and 5xx — the cases
 * PagerDuty documents as retryable (https://developer.pagerduty.com/docs/events-api-v2/overview/,
 * "Response Codes & Retry Logic") — with backoff, inside the caller's deadline, so the notifier
 * still answers Alertmanager before its notify timeout.
 */
import type { PagerDutyEvent } from "../pagerduty/event";
import type { Clock } from "../shared/clock";
import { backoffMs } from "./slack";

export interface PagerDutySenderDeps {
    readonly fetch: typeof fetch;
    readonly clock: Clock;
    /** Events API URL (a function: e2e moves its fake PagerDuty after the notifier started). */
    readonly url: () => string;
}

/** Thrown when an event could not be delivered; never carries the routing key. */
class PagerDutyDeliveryError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PagerDutyDeliveryError";
    }
}

export function createPagerDutySender(deps: PagerDutySenderDeps, opts = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 4000, requestTimeoutMs: 5000 }) {
    return async (event: PagerDutyEvent, deadline: number): Promise<void> => {
        let last = "";
        for (let attempt = 1; ; attempt++) {
            const timeoutMs = Math.max(1, Math.min(opts.requestTimeoutMs, deadline - deps.clock.now()));
            let retry = false;
            try {
                const res = await deps.fetch(deps.url(), {
                    method: "POST",
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify(event),
                    signal: AbortSignal.timeout(timeoutMs),
                });
                if (res.ok) return;
                last = `HTTP ${res.status} ${(await res.text().catch(() => "")).slice(0, 200)}`.trim();
                retry = res.status === 429 || res.status >= 500;
            } catch (e) {
                last = `network error (${(e as Error).message})`;
                retry = true;
            }
            if (!retry) throw new PagerDutyDeliveryError(`PagerDuty rejected the event: ${last}`);
            const wait = backoffMs(attempt, opts, deps.clock.random);
            if (attempt >= opts.maxAttempts || deps.clock.now() + wait >= deadline)
                throw new PagerDutyDeliveryError(`PagerDuty delivery failed after ${attempt} attempt(s): ${last}`);
            await deps.clock.sleep(wait);
        }
    };
}
