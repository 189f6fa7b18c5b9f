/**
 * Lambda entry point of the PagerDuty forwarder (`index.handler` once bundled): builds the
 * forwarder's dependencies from the environment on first use — not at import, so the bundle loads
 * without any env set. The logic is `forwarder.ts`. The routing key is read from Secrets Manager at
 * run time, so it is never in a resource input or the Pulumi state in `external` mode; a key that
 * still holds the placeholder is never cached: a key put later is used from the next invocation on.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PAGERDUTY_ENV, PAGERDUTY_EVENTS_URL } from "../contract/environment";
import { systemClock } from "../shared/clock";
import { dynamoDbDeliveryLog } from "../shared/deliveries";
import { createLogger } from "../shared/log";
import { cachedSecret, secretsManagerSource } from "../shared/secrets";
import { createForwarder, type Forwarder, type ForwarderContext, type SnsEvent } from "./forwarder";

/** The production forwarder from the environment (see {@link PAGERDUTY_ENV}). */
export function forwarderFromEnv(env: NodeJS.ProcessEnv = process.env): Forwarder {
    const arn = env[PAGERDUTY_ENV.routingKeySecretArn];
    if (arn === undefined || arn === "") throw new Error(`env \`${PAGERDUTY_ENV.routingKeySecretArn}\` is required`);
    const log = createLogger();
    const clock = systemClock;
    // Few retries on the AWS side: the delivery budget matters more than these.
    const aws = { maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 } };
    const table = env[PAGERDUTY_ENV.deliveryTable];
    return createForwarder({
        getRoutingKey: cachedSecret(secretsManagerSource(new SecretsManagerClient(aws), arn), { ttlMs: 300_000, clock, onValue: (v) => log.addSecret(v) }),
        url: env[PAGERDUTY_ENV.eventsUrl] || PAGERDUTY_EVENTS_URL,
        ...(table ? { deliveries: dynamoDbDeliveryLog(new DynamoDBClient(aws), table, clock, (m, f) => log.warn(m, f)) } : {}),
        clock,
        log,
    });
}

let forward: Forwarder | undefined;

export async function handler(event: SnsEvent, context?: ForwarderContext): Promise<void> {
    forward ??= forwarderFromEnv();
    return forward(event, context);
}
