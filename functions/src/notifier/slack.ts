/**
 * Posting to a Slack incoming webhook through the shared retry loop (`shared/http-delivery.ts`:
 * backoff with jitter on network errors, 408 and 5xx, `Retry-After` on 429, inside a deadline the
 * caller sets), plus what only Slack needs: one post at a time, at most about one per second
 * (Slack's per-channel limit), a plain-text retry when Slack refuses the rich message (400), and one
 * retry with a freshly read webhook URL when Slack says the webhook is gone (403, 404, 410).
 */
import type { Clock } from "../shared/clock";
import { createHttpDelivery, DEFAULT_RETRY_POLICY, type RetryPolicy } from "../shared/http-delivery";
import type { Logger } from "../shared/log";
import type { SecretGetter } from "../shared/secrets";
import { plainFallback, type SlackMessage } from "./format";

export interface DeliveryOptions extends RetryPolicy {
    /** Minimum spacing between two requests to the webhook. @default 1000 ms */
    readonly minIntervalMs: number;
}

const DEFAULT_DELIVERY: DeliveryOptions = { ...DEFAULT_RETRY_POLICY, minIntervalMs: 1000 };

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

export function createSlackPoster(deps: SlackPosterDeps): SlackPoster {
    const { minIntervalMs } = { ...DEFAULT_DELIVERY, ...deps.options };
    const { clock } = deps;
    const deliver = createHttpDelivery({ channel: "slack", fetch: deps.fetch, clock, log: deps.log, policy: deps.options });
    let lastRequestAt = Number.NEGATIVE_INFINITY;
    let queue: Promise<unknown> = Promise.resolve();

    const send = (message: SlackMessage, deadline: number) => {
        let body = message;
        let simplified = false;
        let refreshed = false;
        let freshNext = false;
        return deliver({
            deadline,
            request: async () => {
                const gap = lastRequestAt + minIntervalMs - clock.now();
                if (gap > 0) await clock.sleep(gap);
                const url = await deps.getWebhookUrl({ fresh: freshNext });
                freshNext = false;
                lastRequestAt = clock.now();
                return { url, headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify(body) };
            },
            recover: ({ status }) => {
                if (status === 400 && !simplified) {
                    // invalid_blocks and the like: the plain text of the same alert still reaches people.
                    body = plainFallback(message);
                    simplified = true;
                    return true;
                }
                if ((status === 403 || status === 404 || status === 410) && !refreshed) {
                    // Revoked or rotated webhook: try once more with a freshly read secret.
                    refreshed = freshNext = true;
                    return true;
                }
                return false;
            },
        });
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
