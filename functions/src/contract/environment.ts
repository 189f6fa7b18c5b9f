/**
 * Environment variables the Pulumi program sets and the functions read, and the defaults they fall
 * back to. The notifier's are in `convention.ts` (`NOTIFIER_ENV`).
 */

/** The Events API v2 endpoint. https://developer.pagerduty.com/docs/events-api-v2/overview/ */
export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

/** Environment of the PagerDuty forwarder Lambda. */
export const PAGERDUTY_ENV = {
    /** Secrets Manager ARN of the routing (integration) key. Required. */
    routingKeySecretArn: "PAGERDUTY_ROUTING_KEY_SECRET_ARN",
    /** Events API URL. @default PAGERDUTY_EVENTS_URL */
    eventsUrl: "PAGERDUTY_EVENTS_URL",
    /** DynamoDB table for delivery records (shared/deliveries.ts). @default none: nothing recorded */
    deliveryTable: "DELIVERY_TABLE",
} as const;

/** Environment of the secret follower Lambda. */
export const SECRET_FOLLOWER_ENV = {
    /** ARN of the ECS cluster whose services are followed. Required. */
    clusterArn: "CLUSTER_ARN",
} as const;
