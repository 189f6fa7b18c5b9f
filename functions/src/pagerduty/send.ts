/**
 * Sending one Events API v2 event, through the shared retry loop (`shared/http-delivery.ts`), for
 * both paths that page: the notifier's `/pagerduty` webhook (Alertmanager's critical route) and the
 * forwarder (CloudWatch alarms on SNS).
 */
import { createHttpDelivery, type HttpDeliveryDeps } from "../shared/http-delivery";
import type { PagerDutyEvent } from "./event";

export interface PagerDutySenderDeps extends Omit<HttpDeliveryDeps, "channel"> {
    /** Events API URL (a function: e2e moves its fake PagerDuty after the notifier started). */
    readonly url: () => string;
}

/** Sends `event`, retrying until accepted (202), refused (400), out of attempts, or past `deadline`. */
export type PagerDutySender = (event: PagerDutyEvent, deadline: number) => Promise<void>;

export function createPagerDutySender(deps: PagerDutySenderDeps): PagerDutySender {
    const deliver = createHttpDelivery({ ...deps, channel: "pagerduty" });
    return async (event, deadline) => {
        await deliver({
            deadline,
            logFields: { action: event.event_action, dedupKey: event.dedup_key },
            request: async () => ({ url: deps.url(), headers: { "content-type": "application/json" }, body: JSON.stringify(event) }),
        });
    };
}
