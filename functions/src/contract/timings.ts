/**
 * Timings the Pulumi program must agree with. Alertmanager's webhook to the notifier times out
 * below its notify timeout (`components/alerting/alertmanager/config.ts` caps the notifier's HTTP
 * budget by it), so the default budget lives here, where that config can read it without loading the
 * notifier and its SDK clients.
 */

/** Upper bound on the time spent delivering one event to Slack, in ms (env `DELIVERY_BUDGET_MS` overrides). */
export const DEFAULT_DELIVERY_BUDGET_MS = 25_000;
