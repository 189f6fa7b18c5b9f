/** PagerDuty forwarder: bundled handler and the pure event mapping. */
import * as path from "node:path";
import { BUNDLE_HANDLER, bundleLambda, NODE_LAMBDA_RUNTIME } from "../../common/lambda";

export { PAGERDUTY_ENV, PAGERDUTY_EVENTS_URL, pagerDutyEventFor, type PagerDutyEvent } from "../../../functions/src/pagerduty/event";

export const PAGERDUTY_ENTRY = path.join(__dirname, "..", "..", "..", "functions", "src", "pagerduty", "handler.ts");
export const PAGERDUTY_HANDLER = BUNDLE_HANDLER;
export const PAGERDUTY_RUNTIME = NODE_LAMBDA_RUNTIME;

/** One CommonJS file for the platform's Lambda runtime (SDK bundled, as for the notifier: pinned by our lockfile). */
export function bundlePagerDutyForwarder(): string {
    return bundleLambda(PAGERDUTY_ENTRY, "PagerDuty forwarder");
}
