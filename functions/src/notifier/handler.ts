/**
 * Lambda entry point (`index.handler` once bundled). Wires the real AWS SDK clients from the
 * environment on first use — not at import, so the bundle can be loaded without any env set.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { systemClock } from "../shared/clock";
import { NOTIFIER_ENV } from "../contract/convention";
import { DEFAULT_DEDUPE_TIMINGS, dynamoDbDedupeStore } from "./dedupe";
import { dynamoDbDeliveryLog } from "../shared/deliveries";
import type { FunctionUrlResult } from "./events";
import { cloudWatchHeartbeat } from "./heartbeat";
import { createLogger } from "../shared/log";
import { createNotifier, DEFAULT_DELIVERY_BUDGET_MS, type LambdaContextLike, type Notifier } from "./notifier";
import { cachedSecret, secretsManagerSource } from "../shared/secrets";

function numberEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`env \`${name}\` must be a non-negative number, got "${raw}"`);
    return n;
}

/** Builds the production notifier from environment variables (see {@link NOTIFIER_ENV}). */
export function notifierFromEnv(env: NodeJS.ProcessEnv = process.env): Notifier {
    const webhookArn = env[NOTIFIER_ENV.slackWebhookSecretArn];
    if (webhookArn === undefined || webhookArn === "") throw new Error(`env \`${NOTIFIER_ENV.slackWebhookSecretArn}\` is required`);
    const log = createLogger();
    const clock = systemClock;
    // Short timeouts and few retries on the AWS side: the Slack budget matters more than these.
    const aws = { maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 } };
    const secrets = new SecretsManagerClient(aws);
    const ttlMs = numberEnv(env, NOTIFIER_ENV.secretCacheTtlSeconds, 300) * 1000;
    const secretOpts = { ttlMs, clock, onValue: (v: string) => log.addSecret(v) };
    const tokenArn = env[NOTIFIER_ENV.alertmanagerTokenSecretArn];
    const routingKeyArn = env[NOTIFIER_ENV.pagerdutyRoutingKeySecretArn];
    const table = env[NOTIFIER_ENV.dedupeTable];
    const stack = env[NOTIFIER_ENV.stackName];
    if (table === undefined || table === "") log.warn(`env ${NOTIFIER_ENV.dedupeTable} not set: deliveries are not deduplicated`);
    const budgetMs = numberEnv(env, NOTIFIER_ENV.deliveryBudgetMs, DEFAULT_DELIVERY_BUDGET_MS);
    const dynamo = table ? new DynamoDBClient(aws) : undefined;
    return createNotifier({
        getSlackWebhookUrl: cachedSecret(secretsManagerSource(secrets, webhookArn), secretOpts),
        getAlertmanagerToken: tokenArn ? cachedSecret(secretsManagerSource(secrets, tokenArn), secretOpts) : undefined,
        pagerduty: routingKeyArn
            ? {
                  getRoutingKey: cachedSecret(secretsManagerSource(secrets, routingKeyArn), secretOpts),
                  ...(env[NOTIFIER_ENV.pagerdutyEventsUrl] ? { url: env[NOTIFIER_ENV.pagerdutyEventsUrl] } : {}),
              }
            : undefined,
        dedupe:
            table && dynamo
                ? dynamoDbDedupeStore(dynamo, table, clock, {
                      ...DEFAULT_DEDUPE_TIMINGS,
                      ttlSeconds: numberEnv(env, NOTIFIER_ENV.dedupeTtlSeconds, DEFAULT_DEDUPE_TIMINGS.ttlSeconds),
                  })
                : undefined,
        deliveries: table && dynamo ? dynamoDbDeliveryLog(dynamo, table, clock, (m, f) => log.warn(m, f)) : undefined,
        heartbeat: stack ? cloudWatchHeartbeat(new CloudWatchClient(aws), stack) : undefined,
        clock,
        log,
        deliveryBudgetMs: budgetMs,
        httpDeliveryBudgetMs: numberEnv(env, NOTIFIER_ENV.httpDeliveryBudgetMs, budgetMs),
    });
}

let instance: Notifier | undefined;

/** Lambda handler: SNS events (throws on failed delivery → on-failure destination) and Function URL requests. */
export async function handler(event: unknown, context?: LambdaContextLike): Promise<FunctionUrlResult | undefined> {
    instance ??= notifierFromEnv();
    return instance.handle(event, context);
}
