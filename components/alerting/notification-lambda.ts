/**
 * What the two notification Lambdas (the Slack notifier, the PagerDuty forwarder) share: the
 * on-failure queue and the delivery table, and how each function is built (log group, role,
 * function, async-invoke config) and subscribed to its topics. Plain functions, not components: the
 * store belongs to neither Lambda (it exists when either does) and stays directly under Alerting,
 * and a function's resources are the children of the part that owns it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type PolicyStatement } from "../common";
import { platformFunction } from "../common/lambda";
import { DEDUPE_TABLE_SCHEMA, UNSET_SECRET_PLACEHOLDER } from "../../functions/src/contract";
import type { AlertingPart, PartContext } from "./part";
import { kindNamed } from "../common/kind-names";

/** The Lambdas' shared on-failure queue and delivery-record table. */
export interface DeliveryStore {
    readonly failedQueue: aws.sqs.Queue;
    /** The notifier's dedupe claims, and both Lambdas' delivery records (`npm run drill` reads them: notifier/deliveries.ts). */
    readonly table: aws.dynamodb.Table;
}

/** Created directly under Alerting (`parent`), where it has always been. */
export function deliveryStore(ctx: PartContext, parent: pulumi.Resource): DeliveryStore {
    const name = ctx.logicalPrefix;
    return {
        failedQueue: new aws.sqs.Queue(
            `${name}-failed`,
            {
                name: ctx.names.failedNotificationsQueue,
                kmsMasterKeyId: ctx.kmsKeyArn,
                kmsDataKeyReusePeriodSeconds: 300,
                messageRetentionSeconds: 1209600,
                tags: ctx.tags,
            },
            { parent },
        ),
        // Same logical name as when only the notifier used it.
        table: new aws.dynamodb.Table(
            `${name}-dedupe`,
            {
                name: ctx.names.deliveryTable,
                billingMode: "PAY_PER_REQUEST",
                hashKey: DEDUPE_TABLE_SCHEMA.hashKey,
                attributes: [{ name: DEDUPE_TABLE_SCHEMA.hashKey, type: DEDUPE_TABLE_SCHEMA.hashKeyType }],
                ttl: { attributeName: DEDUPE_TABLE_SCHEMA.ttlAttribute, enabled: true },
                serverSideEncryption: { enabled: true, kmsKeyArn: ctx.kmsKeyArn },
                pointInTimeRecovery: { enabled: true },
                tags: ctx.tags,
            },
            { parent },
        ),
    };
}

export interface NotificationFunctionSpec {
    /** `notifier` or `pagerduty`: the function's name and its resources' logical names. */
    readonly key: string;
    readonly code: string;
    readonly env: Record<string, pulumi.Input<string>>;
    /** What it may do besides logging, its on-failure destination and the key. */
    readonly statements: PolicyStatement[];
    readonly timeout: number;
    readonly logRetentionDays: number;
    readonly failedQueueArn: pulumi.Input<string>;
}

export interface NotificationFunction {
    readonly fn: aws.lambda.Function;
    readonly logGroupName: pulumi.Output<string>;
}

/** A notification Lambda as a child of `part` (common/lambda.ts `platformFunction`): SNS invokes it asynchronously, Lambda retries twice, then hands the event to the queue. */
export function notificationFunction(part: AlertingPart, ctx: PartContext, spec: NotificationFunctionSpec): NotificationFunction {
    const name = ctx.logicalPrefix;
    const key = spec.key;
    const { fn, logGroup } = platformFunction({
        logicalNames: { logs: `${name}-${key}-logs`, role: `${name}-${key}-role`, fn: `${name}-${key}`, async: `${name}-${key}-async` },
        functionName: ctx.names.function(key),
        logGroupName: ctx.names.functionLogGroup(key),
        code: spec.code,
        env: spec.env,
        statements: [
            { Sid: "OnFailureDestination", Action: "sqs:SendMessage", Resource: spec.failedQueueArn },
            // Secrets and the failure queue are encrypted with the platform key.
            { Sid: "UseKey", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: ctx.kmsKeyArn },
            ...spec.statements,
        ],
        timeout: spec.timeout,
        logRetentionDays: spec.logRetentionDays,
        kmsKeyArn: ctx.kmsKeyArn,
        tags: ctx.tags,
        // Several containers may run at once (no reserved concurrency, common/lambda.ts): Slack's 429 +
        // Retry-After and the DynamoDB dedupe claim keep that correct (notifier/slack.ts, notifier/dedupe.ts).
        async: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21600, onFailure: spec.failedQueueArn },
        opts: (extra) => part.childOpts(extra),
    });
    return { fn, logGroupName: logGroup.name };
}

/** Subscribes `fn` to each topic (by key), with the permission SNS needs to invoke it created first. */
export function subscribeFunction(
    part: AlertingPart,
    ctx: PartContext,
    key: string,
    fn: aws.lambda.Function,
    topicArns: Readonly<Record<string, pulumi.Output<string>>>,
): void {
    for (const [t, topicArn] of Object.entries(topicArns)) {
        const permission = new aws.lambda.Permission(
            `${ctx.logicalPrefix}-${key}-from-${t}`,
            { action: "lambda:InvokeFunction", function: fn.name, principal: "sns.amazonaws.com", sourceArn: topicArn },
            part.childOpts(),
        );
        new aws.sns.TopicSubscription(
            `${ctx.logicalPrefix}-${key}-${t}`,
            { topic: topicArn, protocol: "lambda", endpoint: fn.arn },
            part.childOpts({ dependsOn: [permission] }),
        );
    }
}

/** Where a secret's value comes from: stack config, generated here, or put by an operator (`external`). */
export type SecretSource = { readonly from: "external" } | { readonly from: "config" | "generated"; readonly value: pulumi.Output<string> | undefined };

export interface PartSecret {
    readonly secret: aws.secretsmanager.Secret;
    /** Its first version: a task that injects the secret waits for it. */
    readonly version: aws.secretsmanager.SecretVersion;
    /** Set for an `external` secret: operators must fill it. */
    readonly toFill?: pulumi.Output<string>;
}

/**
 * A secret with a value from creation on, as a child of `part`. `external` ones get the placeholder:
 * ECS fails a task whose secret has no AWSCURRENT version (GetSecretValue: ResourceNotFoundException),
 * and `ignoreChanges` keeps `pulumi up` from reverting what an operator put later.
 */
export function partSecret(part: AlertingPart, ctx: PartContext, key: string, description: string, source: SecretSource): PartSecret {
    const name = `${ctx.logicalPrefix}-${key}`;
    const secret = new aws.secretsmanager.Secret(
        name,
        { name: ctx.names.secret(key), description, kmsKeyId: ctx.kmsKeyArn, recoveryWindowInDays: 7 },
        part.childOpts(),
    );
    if (source.from === "external") {
        const v = kindNamed(name, "secretVersion", part.childOpts({ ignoreChanges: ["secretString"] }));
        const version = new aws.secretsmanager.SecretVersion(v.name, { secretId: secret.id, secretString: UNSET_SECRET_PLACEHOLDER }, v.opts);
        return { secret, version, toFill: secret.arn };
    }
    if (source.value === undefined) throw new Error(`secret \`${key}\` (${source.from}) has no value`);
    const v = kindNamed(name, "secretVersion", part.childOpts());
    return { secret, version: new aws.secretsmanager.SecretVersion(v.name, { secretId: secret.id, secretString: source.value }, v.opts) };
}
