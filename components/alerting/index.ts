/**
 * The alerting pipeline: SNS topics per severity (KMS), email / Slack (notifier Lambda or AWS
 * Chatbot) / PagerDuty routing, every catalog alert as a CloudWatch alarm, Alertmanager on ECS, and
 * the alarms that watch the pipeline itself. See docs/alerting.md for the routing diagram.
 *
 * Topics are routed by who publishes, never filtered: CloudWatch alarm notifications carry no
 * message attributes, so no attribute filter can tell them from Alertmanager's messages ("exists":
 * false "only matches if at least one attribute is present",
 * https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html). Each audience has its own
 * topic, and every subscriber takes everything its topic receives (policy/messages.ts checks it).
 *
 * Alarm topics (only this stack's CloudWatch alarms publish):
 *   critical  ← catalog critical alarms, heartbeat, Prometheus/Alertmanager task counts
 *               → Slack (notifier or Chatbot), email (critical list), PagerDuty
 *   warning   ← catalog warning alarms → Slack, email (warning list)
 *   pipeline  ← the notification path's own failures (notifier errors/5xx, PagerDuty forwarder
 *               errors, on-failure queue depth, secret follower errors) → email (critical list),
 *               PagerDuty; never Slack, because Slack delivery may be what is broken.
 * Alertmanager's topics (only its task role publishes):
 *   email-<severity>    → the email addresses of that severity (plain-text message)
 *   chatbot-<severity>  → AWS Chatbot (custom-notification JSON), Chatbot mode only
 *   heartbeat           → nobody: its publish count is the Watchdog heartbeat (no notifier)
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "node:crypto";
import type { AlertingConfig } from "../../config/alerting";
import type { AlertOverrides } from "../../config/alerts";
import type { SecretKey } from "../../config";
import { assumeRolePolicy, policyDocument, type EcsPlacement, type PolicyStatement } from "../common";
import { resolveAlerts, SEVERITIES, type CloudWatchTargets, type ResolvedAlert, type Severity } from "./catalog";
import { buildCloudWatchAlarms, type CloudWatchAlarmDefinition, type CompositeAlarmDefinition } from "./cloudwatch-alarms";
import { Alertmanager } from "./alertmanager";
import { deploymentAlarmKeys, livenessProbes, type MetricRef } from "./deployment-alarms";
import { notifierHttpBudgetMs } from "./alertmanager/config";
import { audienceTopicKey } from "./alertmanager/stack";
import { bundleNotifier, DEDUPE_TABLE_SCHEMA, DRILL_METRIC, formatAlarmDescription, HEARTBEAT_DIMENSION, HEARTBEAT_METRIC, HEARTBEAT_NAMESPACE, NOTIFIER_ENV, NOTIFIER_HANDLER, NOTIFIER_IAM_ACTIONS, NOTIFIER_RUNTIME, UNSET_SECRET_PLACEHOLDER } from "./notifier";
import { bundlePagerDutyForwarder, PAGERDUTY_ENV, PAGERDUTY_HANDLER, PAGERDUTY_RUNTIME } from "./pagerduty";
import { TaskEvents } from "./task-events";

export { renderAlertmanagerConfig, alertmanagerConfig, ALERTMANAGER_TIMINGS, ALERTMANAGER_PATHS, ALERTMANAGER_SECRET_FILES, ALERTMANAGER_PORT, type AlertmanagerConfigInput, type AlertmanagerReceivers } from "./alertmanager/config";
export { audienceTopicKey, renderStackAlertmanagerConfig, stackAlertmanagerReceivers } from "./alertmanager/stack";
export { UNSET_SECRET_PLACEHOLDER } from "./notifier/convention";
export { managedDataStoreTargets, rdsDefaultMaxConnections, rdsMemoryBytes } from "./targets";
export { TaskEvents, taskEventFilters, taskStoppedEventPattern, MAX_CONTAINERS_PER_TASK } from "./task-events";

/** Alarm topics: one per severity, plus `pipeline` for the notification path's own failures. Only CloudWatch alarms publish to them. */
export const TOPICS = [...SEVERITIES, "pipeline"] as const;
export type TopicKey = (typeof TOPICS)[number];

/** An ECS service whose running task count is alarmed on (Container Insights). */
export interface WatchedService {
    /** ECS service name (dimension `ServiceName`). */
    readonly serviceName: pulumi.Input<string>;
    /** Alarm when fewer tasks run. @default 1 */
    readonly minimum?: number;
    /**
     * Tasks the service runs. Above `minimum`, a second alarm (warning) tells when fewer run while
     * at least `minimum` still do: degraded, not lost. @default 1
     */
    readonly desired?: number;
    /** What it is, for the alarm's summary. */
    readonly description: string;
}

export interface AlertingArgs {
    /** Validated `koronet:alerting`. */
    readonly config: AlertingConfig;
    /** The catalog overrides in force. @default config.alerts (environment defaults included by loadConfig) */
    readonly alerts?: AlertOverrides;
    /** Physical-name prefix `${project}-${stack}`: alarms `<prefix>-<AlertId>`, topics `<prefix>-alerting-<topic>`. */
    readonly namePrefix: string;
    readonly region: string;
    /** Customer-managed KMS key for topics, queues, table, secrets and logs. Its policy must let cloudwatch.amazonaws.com use it (platformKey does). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Secret config values (`LoadedConfig.secrets`). */
    readonly secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
    /** Where the catalog's CloudWatch alarms look (ALB, ECS service, data stores). */
    readonly targets: CloudWatchTargets;
    /** ECS cluster name, for the running-task alarms. */
    readonly clusterName: pulumi.Input<string>;
    /** ECS cluster ARN: its tasks' state-change events feed the ContainerRestarting alarms (task-events.ts). */
    readonly clusterArn: pulumi.Input<string>;
    /** Cluster Container Insights setting: the task-count alarms read its `RunningTaskCount`. */
    readonly containerInsights: "enhanced" | "enabled" | "disabled";
    /** Log retention of the Lambdas' log groups, days. */
    readonly logRetentionDays: number;
    /** Run Alertmanager on ECS (the monitoring layer's Prometheus sends to it). Omit when there is no Prometheus. */
    readonly alertmanager?: {
        readonly placement: EcsPlacement;
        readonly vpcId: pulumi.Input<string>;
        /** Image platform. @default "linux/amd64" */
        readonly platform?: "linux/amd64" | "linux/arm64";
        /** Tasks (a gossip cluster above 1). @default config.alertmanager.replicas */
        readonly replicas?: number;
    };
    /** Self-hosted services whose running task count pages through SNS (e.g. Prometheus). @default {} */
    readonly watchedServices?: Readonly<Record<string, WatchedService>>;
    /**
     * What makes the Watchdog besides Alertmanager: Prometheus's ECS service. The heartbeat alarm is
     * created only after these (and Alertmanager's service) run, so a first deploy does not page. @default []
     */
    readonly heartbeatSenders?: readonly pulumi.Resource[];
    /** Tags on alarms. @default {} */
    readonly tags?: Readonly<Record<string, string>>;
}

/** Pure validation of the arguments; errors name the argument. */
export function validateAlertingArgs(args: Pick<AlertingArgs, "config" | "containerInsights" | "alertmanager" | "watchedServices">): string[] {
    const problems: string[] = [];
    const watches = Object.keys(args.watchedServices ?? {}).length > 0 || args.alertmanager !== undefined;
    if (watches && args.containerInsights === "disabled") {
        problems.push("`containerInsights` is disabled, but the running-task alarms (and KoronetDown) read ECS/ContainerInsights RunningTaskCount; enable it (koronet:cluster.containerInsights)");
    }
    if (args.config.notifications.slack.mode === "chatbot" && args.config.notifications.slack.chatbot === undefined) {
        problems.push("`config.notifications.slack.chatbot` is required with mode `chatbot`");
    }
    for (const key of Object.keys(args.watchedServices ?? {})) {
        if (!/^[a-z][a-z0-9-]*$/.test(key)) problems.push(`\`watchedServices.${key}\` must be a lower-case key such as \`prometheus\``);
    }
    return problems;
}

/** Who gets told when the notification path itself fails. Empty means nobody: say so loudly. */
export function pipelineAudience(config: AlertingConfig): string[] {
    return [...config.notifications.email.critical.map((e) => `email ${e}`), ...(config.notifications.pagerduty.enabled ? ["PagerDuty"] : [])];
}

const shortHash = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 8);

export class Alerting extends pulumi.ComponentResource {
    /** SNS topic ARNs: `critical`, `warning`, `pipeline` (and `heartbeat` when Alertmanager publishes the Watchdog to SNS). */
    public readonly topicArns: Record<TopicKey, pulumi.Output<string>> & { heartbeat?: pulumi.Output<string> };
    /** Alertmanager's own topics, by key (`email-critical`, `chatbot-warning`, ...). */
    public readonly audienceTopicArns: Record<string, pulumi.Output<string>>;
    /** The notifier Lambda's name (`slack.mode: lambda`). */
    public readonly notifierFunctionName?: pulumi.Output<string>;
    /** The notifier's Function URL (Alertmanager's Slack and heartbeat webhook). */
    public readonly notifierUrl?: pulumi.Output<string>;
    /** `alertmanager.<namespace>:9093`, what Prometheus targets. */
    public readonly alertmanagerAddress?: string;
    /** Alertmanager's security group: allow Prometheus in with `allowAlertmanagerClient`. */
    public readonly alertmanagerSecurityGroupId?: pulumi.Output<string>;
    /** Secrets Manager secrets operators must fill (`external` mode), by purpose. */
    public readonly secretsToFill: Record<string, pulumi.Output<string>>;
    /** Log groups of the Lambdas, Alertmanager and the ECS task events, by what logs there. */
    public readonly logGroupNames: Record<string, pulumi.Output<string>>;
    /** Names of every CloudWatch alarm and composite this component created, by key. */
    public readonly alarmNames: Record<string, pulumi.Output<string>>;
    /**
     * The metric alarms that fail and roll back a web deployment (deployment-alarms.ts), as the
     * alarm resources' outputs: a service given these waits for the alarms. Empty when the stack
     * turned both alerts off.
     */
    public readonly deploymentAlarmNames: pulumi.Output<string>[];
    /** The fire-drill alarms by the route they take (`npm run drill`): `warning` never pages, `critical` does. */
    public readonly drillAlarmNames: Record<Severity, pulumi.Output<string>>;
    /** Alarms whose metrics are published continuously: stuck without data, their publisher is broken (`npm run verify`). */
    public readonly alarmsExpectingData: pulumi.Output<string>[];
    /** The PagerDuty forwarder Lambda's name (`pagerduty.enabled`). */
    public readonly pagerdutyFunctionName?: pulumi.Output<string>;
    /** The Lambdas' dedupe and delivery-record table (when either Lambda exists). */
    public readonly deliveryTableName?: pulumi.Output<string>;
    /** The Lambdas' on-failure queue (when either Lambda exists). */
    public readonly failedNotificationsQueueName?: pulumi.Output<string>;

    private readonly alertmanagerService?: Alertmanager;

    constructor(name: string, args: AlertingArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:alerting:Alerting", name, {}, opts);
        // 1 validate
        const problems = validateAlertingArgs(args);
        if (problems.length > 0) throw new Error(`Invalid Alerting arguments:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        // 2 defaults
        const cfg = args.config;
        const n = cfg.notifications;
        const prefix = args.namePrefix;
        const parent = { parent: this };
        const watched = args.watchedServices ?? {};
        const tags = args.tags ?? {};
        const identity = aws.getCallerIdentityOutput({}, parent);
        const partition = aws.getPartitionOutput({}, parent);
        const alarmArnPattern = pulumi.interpolate`arn:${partition.partition}:cloudwatch:${args.region}:${identity.accountId}:alarm:${prefix}-*`;
        const topicName = (k: string) => `${prefix}-alerting-${k}`;
        const alarmName = (k: string) => `${prefix}-alerting-${k}`;
        this.secretsToFill = {};
        this.logGroupNames = {};

        // 3 children
        // ── Topics ────────────────────────────────────────────────────────────────────────────
        const topics = Object.fromEntries(
            TOPICS.map((k) => [k, new aws.sns.Topic(`${name}-${k}`, { name: topicName(k), kmsMasterKeyId: args.kmsKeyArn, tags: { ...tags, Severity: k } }, parent)]),
        ) as Record<TopicKey, aws.sns.Topic>;
        const needsHeartbeatTopic = args.alertmanager !== undefined && n.slack.mode !== "lambda";
        const heartbeatTopic = needsHeartbeatTopic ? new aws.sns.Topic(`${name}-heartbeat`, { name: topicName("heartbeat"), kmsMasterKeyId: args.kmsKeyArn, tags }, parent) : undefined;
        // Alertmanager's audiences, each on a topic of its own (never the alarm topics).
        const audienceTopic = (audience: "email" | "chatbot", severity: Severity) => {
            const key = audienceTopicKey(audience, severity);
            return new aws.sns.Topic(`${name}-${key}`, { name: topicName(key), kmsMasterKeyId: args.kmsKeyArn, tags: { ...tags, Severity: severity, Audience: audience } }, parent);
        };
        const emailTopics: Partial<Record<Severity, aws.sns.Topic>> = args.alertmanager === undefined ? {} : Object.fromEntries(SEVERITIES.filter((sev) => n.email[sev].length > 0).map((sev) => [sev, audienceTopic("email", sev)]));
        const chatbotTopics: Record<Severity, aws.sns.Topic> | undefined = args.alertmanager !== undefined && n.slack.mode === "chatbot"
            ? { critical: audienceTopic("chatbot", "critical"), warning: audienceTopic("chatbot", "warning") }
            : undefined;

        // ── Secrets ───────────────────────────────────────────────────────────────────────────
        // Every secret gets a value at creation. `external` ones get the placeholder: ECS fails a
        // task whose secret has no AWSCURRENT version (GetSecretValue: ResourceNotFoundException),
        // and `ignoreChanges` keeps `pulumi up` from reverting what an operator put later.
        const secretValues = new Map<aws.secretsmanager.Secret, aws.secretsmanager.SecretVersion>();
        const secret = (key: string, description: string, from: "config" | "external" | "generated", value?: pulumi.Output<string>) => {
            const s = new aws.secretsmanager.Secret(`${name}-${key}`, { name: `${prefix}/alerting/${key}`, description, kmsKeyId: args.kmsKeyArn, recoveryWindowInDays: 7 }, parent);
            const external = from === "external";
            if (!external && value === undefined) throw new Error(`secret \`${key}\` (${from}) has no value`);
            const version = new aws.secretsmanager.SecretVersion(`${name}-${key}`, { secretId: s.id, secretString: external ? UNSET_SECRET_PLACEHOLDER : (value as pulumi.Output<string>) }, external ? { parent: this, ignoreChanges: ["secretString"] } : parent);
            secretValues.set(s, version);
            if (external) this.secretsToFill[key] = s.arn;
            return s;
        };

        const lambdaMode = n.slack.mode === "lambda";
        const slackSecret = lambdaMode
            ? secret("slack-webhook", "Slack incoming-webhook URL the notifier posts to", n.slack.webhookUrlFrom, n.slack.webhookUrlFrom === "config" ? args.secrets.slackWebhookUrl : undefined)
            : undefined;
        // Generated, so it exists in the (encrypted) state; it only authorises posting to our own notifier.
        const tokenSecret = lambdaMode
            ? secret("alertmanager-token", "Bearer token Alertmanager presents to the notifier Function URL", "generated", new random.RandomPassword(`${name}-alertmanager-token`, { length: 48, special: false }, parent).result)
            : undefined;
        const pagerdutySecret = n.pagerduty.enabled
            ? secret("pagerduty-routing-key", "PagerDuty Events API v2 routing (integration) key", n.pagerduty.routingKeyFrom, n.pagerduty.routingKeyFrom === "config" ? args.secrets.pagerdutyRoutingKey : undefined)
            : undefined;

        // ── Failure queue for both Lambdas (Lambda on-failure destination) ───────────────────
        const lambdas = lambdaMode || n.pagerduty.enabled;
        const failedQueue = lambdas
            ? new aws.sqs.Queue(`${name}-failed`, { name: `${prefix}-alerting-failed-notifications`, kmsMasterKeyId: args.kmsKeyArn, kmsDataKeyReusePeriodSeconds: 300, messageRetentionSeconds: 1209600, tags }, parent)
            : undefined;

        // ── Lambdas ──────────────────────────────────────────────────────────────────────────
        const fn = (key: string, spec: { code: string; handler: string; runtime: string; env: Record<string, pulumi.Input<string>>; statements: PolicyStatement[]; timeout: number }) => {
            const functionName = `${prefix}-alerting-${key}`;
            const logGroup = new aws.cloudwatch.LogGroup(`${name}-${key}-logs`, { name: `/aws/lambda/${functionName}`, retentionInDays: args.logRetentionDays, kmsKeyId: args.kmsKeyArn, tags }, parent);
            this.logGroupNames[key] = logGroup.name;
            const statements: PolicyStatement[] = [
                { Sid: "Logs", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${logGroup.arn}:*` },
                { Sid: "OnFailureDestination", Action: "sqs:SendMessage", Resource: (failedQueue as aws.sqs.Queue).arn },
                // Secrets and the failure queue are encrypted with the platform key.
                { Sid: "UseKey", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: args.kmsKeyArn },
                ...spec.statements,
            ];
            const role = new aws.iam.Role(`${name}-${key}-role`, {
                assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"),
                inlinePolicies: [{ name: "least-privilege", policy: policyDocument(statements) }],
                tags,
            }, parent);
            const f = new aws.lambda.Function(`${name}-${key}`, {
                name: functionName,
                role: role.arn,
                runtime: spec.runtime,
                handler: spec.handler,
                code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(spec.code) }),
                timeout: spec.timeout,
                memorySize: 256,
                // No reserved concurrency. Lambda keeps at least 100 units unreserved ("You can reserve
                // up to the Unreserved account concurrency value [...] minus 100",
                // https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html), and new
                // accounts start with a reduced quota
                // (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): there any
                // reservation fails the deploy. And one reserved unit shared by SNS's async invokes and
                // Alertmanager's synchronous Function URL calls answers 429 in bursts.
                // Several containers may run at once: Slack's 429 + Retry-After and the DynamoDB
                // dedupe claim keep that correct (notifier/slack.ts, notifier/dedupe.ts).
                loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
                environment: { variables: spec.env },
                tags,
            }, { parent: this, dependsOn: [logGroup] });
            // SNS invokes asynchronously: Lambda retries twice, then hands the event to the queue.
            new aws.lambda.FunctionEventInvokeConfig(`${name}-${key}-async`, {
                functionName: f.name,
                maximumRetryAttempts: 2,
                maximumEventAgeInSeconds: 21600,
                destinationConfig: { onFailure: { destination: (failedQueue as aws.sqs.Queue).arn } },
            }, parent);
            return f;
        };

        const subscribeLambda = (key: string, f: aws.lambda.Function, topicKeys: readonly TopicKey[]) => {
            for (const t of topicKeys) {
                const permission = new aws.lambda.Permission(`${name}-${key}-from-${t}`, { action: "lambda:InvokeFunction", function: f.name, principal: "sns.amazonaws.com", sourceArn: topics[t].arn }, parent);
                new aws.sns.TopicSubscription(`${name}-${key}-${t}`, { topic: topics[t].arn, protocol: "lambda", endpoint: f.arn }, { parent: this, dependsOn: [permission] });
            }
        };

        const pipelineAlarm = (key: string, summary: string, details: string, a: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions" | "name" | "alarmDescription">) =>
            new aws.cloudwatch.MetricAlarm(`${name}-${key}`, {
                name: alarmName(key),
                alarmDescription: formatAlarmDescription({ severity: "critical", summary, details, runbookUrl: `${cfg.runbookBaseUrl.replace(/\/+$/, "")}/AlertingPipeline.md` }),
                actionsEnabled: true,
                alarmActions: [topics.pipeline.arn],
                okActions: [topics.pipeline.arn],
                tags: { ...tags, Severity: "critical", Path: "pipeline" },
                ...a,
            }, parent);

        let notifier: aws.lambda.Function | undefined;
        let notifierUrl: aws.lambda.FunctionUrl | undefined;
        // The notifier's dedupe claims, and both Lambdas' delivery records (`npm run drill` reads
        // them: notifier/deliveries.ts). Same logical name as when only the notifier used it.
        const dedupe = lambdas
            ? new aws.dynamodb.Table(`${name}-dedupe`, {
                name: `${prefix}-alerting-notifier-dedupe`,
                billingMode: "PAY_PER_REQUEST",
                hashKey: DEDUPE_TABLE_SCHEMA.hashKey,
                attributes: [{ name: DEDUPE_TABLE_SCHEMA.hashKey, type: DEDUPE_TABLE_SCHEMA.hashKeyType }],
                ttl: { attributeName: DEDUPE_TABLE_SCHEMA.ttlAttribute, enabled: true },
                serverSideEncryption: { enabled: true, kmsKeyArn: args.kmsKeyArn },
                pointInTimeRecovery: { enabled: true },
                tags,
            }, parent)
            : undefined;
        if (lambdaMode && dedupe !== undefined) {
            notifier = fn("notifier", {
                code: bundleNotifier(),
                handler: NOTIFIER_HANDLER,
                runtime: NOTIFIER_RUNTIME,
                timeout: 60,
                env: {
                    [NOTIFIER_ENV.slackWebhookSecretArn]: (slackSecret as aws.secretsmanager.Secret).arn,
                    [NOTIFIER_ENV.alertmanagerTokenSecretArn]: (tokenSecret as aws.secretsmanager.Secret).arn,
                    [NOTIFIER_ENV.dedupeTable]: dedupe.name,
                    [NOTIFIER_ENV.stackName]: prefix,
                    // Answer Alertmanager before it cancels the attempt (alertmanager/config.ts).
                    [NOTIFIER_ENV.httpDeliveryBudgetMs]: String(notifierHttpBudgetMs("production")),
                    // Alertmanager's PagerDuty goes through the notifier's per-occurrence dedupe (docs/high-availability.md).
                    ...(pagerdutySecret !== undefined ? { [NOTIFIER_ENV.pagerdutyRoutingKeySecretArn]: pagerdutySecret.arn } : {}),
                },
                statements: [
                    { Sid: "ReadSecrets", Action: [...NOTIFIER_IAM_ACTIONS.secrets], Resource: [(slackSecret as aws.secretsmanager.Secret).arn, (tokenSecret as aws.secretsmanager.Secret).arn, ...(pagerdutySecret !== undefined ? [pagerdutySecret.arn] : [])] },
                    { Sid: "Dedupe", Action: [...NOTIFIER_IAM_ACTIONS.dedupe], Resource: dedupe.arn },
                    // PutMetricData has no resource-level permissions; the namespace condition is the restriction.
                    { Sid: "Heartbeat", Action: [...NOTIFIER_IAM_ACTIONS.heartbeat], Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": HEARTBEAT_NAMESPACE } } },
                ],
            });
            subscribeLambda("notifier", notifier, SEVERITIES);
            // Alertmanager has no SigV4 for webhooks, so the URL is public and the notifier checks a bearer token.
            notifierUrl = new aws.lambda.FunctionUrl(`${name}-notifier-url`, { functionName: notifier.name, authorizationType: "NONE" }, parent);
            new aws.lambda.Permission(`${name}-notifier-url-public`, { action: "lambda:InvokeFunctionUrl", function: notifier.name, principal: "*", functionUrlAuthType: "NONE" }, parent);
            new aws.lambda.Permission(`${name}-notifier-url-invoke`, { action: "lambda:InvokeFunction", function: notifier.name, principal: "*", invokedViaFunctionUrl: true }, parent);

            const lambdaDims = { FunctionName: notifier.name };
            pipelineAlarm("notifier-errors", "Slack notifier failing: CloudWatch alarms may not reach Slack", "AWS/Lambda Errors (Sum) of the notifier ≥ 1 in 2 of 5 minutes. SNS deliveries that fail are retried and then parked in the failed-notifications queue. Email and PagerDuty still work.", {
                namespace: "AWS/Lambda", metricName: "Errors", dimensions: lambdaDims, statistic: "Sum", period: 60, evaluationPeriods: 5, datapointsToAlarm: 2,
                comparisonOperator: "GreaterThanOrEqualToThreshold", threshold: 1, treatMissingData: "notBreaching",
            });
            pipelineAlarm("notifier-url-5xx", "Slack notifier answering Alertmanager with 5xx: Prometheus alerts may not reach Slack or PagerDuty", "AWS/Lambda Url5xxCount (Sum) ≥ 1 in 2 of 5 minutes. Failed Function URL deliveries answer 503 and are not Lambda Errors; Alertmanager retries them. Includes a failing Watchdog heartbeat.", {
                namespace: "AWS/Lambda", metricName: "Url5xxCount", dimensions: lambdaDims, statistic: "Sum", period: 60, evaluationPeriods: 5, datapointsToAlarm: 2,
                comparisonOperator: "GreaterThanOrEqualToThreshold", threshold: 1, treatMissingData: "notBreaching",
            });
        }

        if (n.slack.mode === "chatbot") {
            const chat = n.slack.chatbot as NonNullable<typeof n.slack.chatbot>;
            const role = new aws.iam.Role(`${name}-chatbot-role`, {
                assumeRolePolicy: assumeRolePolicy("chatbot.amazonaws.com"),
                // Read-only CloudWatch access so Chatbot can render alarm details and graphs.
                inlinePolicies: [{ name: "notifications", policy: policyDocument([{ Sid: "ReadAlarms", Action: ["cloudwatch:DescribeAlarms", "cloudwatch:GetMetricData", "cloudwatch:GetMetricWidgetImage"], Resource: "*" }]) }],
                tags,
            }, parent);
            new aws.chatbot.SlackChannelConfiguration(`${name}-chatbot`, {
                configurationName: `${prefix}-alerts`,
                iamRoleArn: role.arn,
                slackTeamId: chat.workspaceId,
                slackChannelId: chat.channelId,
                // CloudWatch alarms (alarm topics) and Alertmanager's Chatbot messages (its own topics).
                snsTopicArns: [...SEVERITIES.map((s) => topics[s].arn), ...SEVERITIES.map((s) => (chatbotTopics as Record<Severity, aws.sns.Topic>)[s].arn)],
                guardrailPolicyArns: [pulumi.interpolate`arn:${partition.partition}:iam::aws:policy/CloudWatchReadOnlyAccess`],
                loggingLevel: "ERROR",
                tags,
            }, parent);
        }

        if (n.pagerduty.enabled) {
            const pd = fn("pagerduty", {
                code: bundlePagerDutyForwarder(),
                handler: PAGERDUTY_HANDLER,
                runtime: PAGERDUTY_RUNTIME,
                timeout: 60,
                env: {
                    [PAGERDUTY_ENV.routingKeySecretArn]: (pagerdutySecret as aws.secretsmanager.Secret).arn,
                    [PAGERDUTY_ENV.deliveryTable]: (dedupe as aws.dynamodb.Table).name,
                },
                statements: [
                    { Sid: "ReadRoutingKey", Action: "secretsmanager:GetSecretValue", Resource: (pagerdutySecret as aws.secretsmanager.Secret).arn },
                    { Sid: "DeliveryRecords", Action: "dynamodb:PutItem", Resource: (dedupe as aws.dynamodb.Table).arn },
                ],
            });
            this.pagerdutyFunctionName = pd.name;
            subscribeLambda("pagerduty", pd, ["critical", "pipeline"]);
            pipelineAlarm("pagerduty-errors", "PagerDuty forwarder failing: critical CloudWatch alarms may not page", "AWS/Lambda Errors (Sum) of the PagerDuty forwarder ≥ 1 in 2 of 5 minutes (empty or wrong routing key, PagerDuty unreachable). Email still works.", {
                namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: pd.name }, statistic: "Sum", period: 60, evaluationPeriods: 5, datapointsToAlarm: 2,
                comparisonOperator: "GreaterThanOrEqualToThreshold", threshold: 1, treatMissingData: "notBreaching",
            });
        }

        if (failedQueue !== undefined) {
            pipelineAlarm("failed-notifications", "Notifications were given up on: messages in the failed-notifications queue", "AWS/SQS ApproximateNumberOfMessagesVisible (Maximum) > 0: an alarm notification could not be delivered after Lambda's retries. Read the message, fix the cause, and redrive it.", {
                namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: failedQueue.name }, statistic: "Maximum", period: 60, evaluationPeriods: 1, datapointsToAlarm: 1,
                comparisonOperator: "GreaterThanThreshold", threshold: 0, treatMissingData: "notBreaching",
            });
        }

        // ── Email ────────────────────────────────────────────────────────────────────────────
        // An address subscribes to each topic its messages come from (and confirms each once).
        const emailSubscribe = (key: string, topic: aws.sns.Topic, addresses: readonly string[]) => {
            for (const address of addresses) {
                // Keyed by a hash of the address: adding or removing one never replaces the others.
                new aws.sns.TopicSubscription(`${name}-email-${key}-${shortHash(address)}`, { topic: topic.arn, protocol: "email", endpoint: address }, parent);
            }
        };
        emailSubscribe("critical", topics.critical, n.email.critical);
        emailSubscribe("warning", topics.warning, n.email.warning);
        emailSubscribe("pipeline", topics.pipeline, n.email.critical);
        for (const sev of SEVERITIES) {
            const t = emailTopics[sev];
            if (t !== undefined) emailSubscribe(audienceTopicKey("email", sev), t, n.email[sev]);
        }
        if (pipelineAudience(cfg).length === 0) {
            pulumi.log.warn(`alerting: nobody hears about failures of the notification path itself (no critical email, PagerDuty off); set koronet:alerting.notifications.email.critical`, this);
        }

        // ── Alertmanager on ECS ──────────────────────────────────────────────────────────────
        if (args.alertmanager !== undefined) {
            this.alertmanagerService = new Alertmanager(`${name}-alertmanager`, {
                placement: args.alertmanager.placement,
                vpcId: args.alertmanager.vpcId,
                platform: args.alertmanager.platform,
                replicas: args.alertmanager.replicas ?? cfg.alertmanager.replicas,
                kmsKeyArn: args.kmsKeyArn,
                region: args.region,
                notifier: notifierUrl !== undefined && tokenSecret !== undefined ? { url: notifierUrl.functionUrl, tokenSecretArn: tokenSecret.arn } : undefined,
                chatbotTopicArns: chatbotTopics !== undefined ? { critical: chatbotTopics.critical.arn, warning: chatbotTopics.warning.arn } : undefined,
                emailTopicArns: Object.keys(emailTopics).length > 0 ? Object.fromEntries(Object.entries(emailTopics).map(([sev, t]) => [sev, t.arn])) : undefined,
                pagerdutyViaNotifier: notifierUrl !== undefined && pagerdutySecret !== undefined,
                pagerdutyRoutingKeySecretArn: notifierUrl === undefined ? pagerdutySecret?.arn : undefined,
                heartbeatTopicArn: heartbeatTopic?.arn,
                // Its task injects these secrets: it starts only once each has a value.
                secretValues: [tokenSecret, notifierUrl === undefined ? pagerdutySecret : undefined].filter((x): x is aws.secretsmanager.Secret => x !== undefined).map((x) => secretValues.get(x) as aws.secretsmanager.SecretVersion),
            }, parent);
            this.alertmanagerAddress = this.alertmanagerService.address;
            this.alertmanagerSecurityGroupId = this.alertmanagerService.securityGroupId;
            this.logGroupNames.alertmanager = this.alertmanagerService.logGroupName;
        }

        // ── Topic policies: alarm topics only CloudWatch alarms of this stack; Alertmanager's topics only its task role ─
        const publishers = (t: string, topicArn: pulumi.Output<string>, cloudwatch: boolean) => {
            const statements: Record<string, unknown>[] = [];
            if (cloudwatch) {
                statements.push({
                    Sid: "CloudWatchAlarmsOfThisStack",
                    Effect: "Allow",
                    Principal: { Service: "cloudwatch.amazonaws.com" },
                    Action: "sns:Publish",
                    Resource: topicArn,
                    Condition: { StringEquals: { "aws:SourceAccount": identity.accountId }, ArnLike: { "aws:SourceArn": alarmArnPattern } },
                });
            }
            const am = this.alertmanagerService;
            if (!cloudwatch && am !== undefined && am.publishesTo(t)) {
                statements.push({ Sid: "AlertmanagerTaskRole", Effect: "Allow", Principal: { AWS: am.taskRoleArn }, Action: "sns:Publish", Resource: topicArn });
            }
            statements.push({ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: topicArn, Condition: { Bool: { "aws:SecureTransport": "false" } } });
            return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
        };
        for (const t of TOPICS) new aws.sns.TopicPolicy(`${name}-${t}-policy`, { arn: topics[t].arn, policy: publishers(t, topics[t].arn, true) }, parent);
        const alertmanagerTopics: Record<string, aws.sns.Topic> = {
            ...(heartbeatTopic !== undefined ? { heartbeat: heartbeatTopic } : {}),
            ...Object.fromEntries(Object.entries(emailTopics).map(([sev, t]) => [audienceTopicKey("email", sev as Severity), t])),
            ...Object.fromEntries(Object.entries(chatbotTopics ?? {}).map(([sev, t]) => [audienceTopicKey("chatbot", sev as Severity), t])),
        };
        for (const [key, t] of Object.entries(alertmanagerTopics)) new aws.sns.TopicPolicy(`${name}-${key}-policy`, { arn: t.arn, policy: publishers(key, t.arn, false) }, parent);

        // ── ECS task events: stopped tasks counted per service (ContainerRestarting) ─────────
        const taskEvents = new TaskEvents(`${name}-task-events`, { namePrefix: prefix, clusterArn: args.clusterArn, kmsKeyArn: args.kmsKeyArn, logRetentionDays: args.logRetentionDays }, parent);
        this.logGroupNames.taskEvents = taskEvents.logGroupName;

        // ── Catalog alarms ───────────────────────────────────────────────────────────────────
        const resolved: ResolvedAlert[] = resolveAlerts({ alerts: args.alerts ?? cfg.alerts ?? {}, runbookBaseUrl: cfg.runbookBaseUrl });
        // Alertmanager is an ECS service of the stack too: its own per-service alarms.
        const targets: CloudWatchTargets = this.alertmanagerService === undefined
            ? args.targets
            : { ...args.targets, services: [...args.targets.services, { key: "alertmanager", serviceName: this.alertmanagerService.serviceName, scheduling: "replica", description: "Alertmanager" }] };
        const built = buildCloudWatchAlarms({ namePrefix: prefix, targets, alerts: resolved, runbookBaseUrl: cfg.runbookBaseUrl, tags: { ...tags } });
        this.alarmNames = {};
        const expectingData: pulumi.Output<string>[] = [];
        const metricAlarms = new Map<string, aws.cloudwatch.MetricAlarm>();
        for (const d of built.alarms) {
            const actions = alarmActionsFor(d, topics);
            // CloudWatch can only suppress a composite's actions: a symptom notifies through its wrapper
            // composite, and says so in a tag for whoever wonders why it has no actions of its own.
            const viaTag: Record<string, string> = d.notifyVia === "composite" ? { NotifiesVia: `${String(d.args.name)}-notify` } : {};
            const alarm = new aws.cloudwatch.MetricAlarm(`${name}-${d.key}`, { ...d.args, tags: { ...(d.args.tags as Record<string, string> | undefined), ...viaTag }, alarmActions: actions, okActions: actions, insufficientDataActions: [] }, parent);
            metricAlarms.set(d.key, alarm);
            this.alarmNames[d.key] = alarm.name;
            if (livenessProbes(definitionMetrics(d.args)).length > 0) expectingData.push(alarm.name);
        }
        this.deploymentAlarmNames = deploymentAlarmKeys(built.alarms).map((k) => (metricAlarms.get(k) as aws.cloudwatch.MetricAlarm).name);
        const composites = new Map<string, aws.cloudwatch.CompositeAlarm>();
        // ServiceUnhealthy first: the wrappers name it as their actions suppressor.
        const ordered = [...built.composites].sort((a, b) => Number(a.suppresses.length === 0) - Number(b.suppresses.length === 0));
        for (const c of ordered) {
            const actions = compositeActionsFor(c, topics);
            // The rule names alarms by string: depend on them explicitly, or CloudWatch rejects the rule.
            const dependsOn: pulumi.Resource[] = [
                ...c.ruleAlarmKeys.map((k) => metricAlarms.get(k)).filter((a): a is aws.cloudwatch.MetricAlarm => a !== undefined),
                ...[...composites.values()],
            ];
            const roleTag: Record<string, string> = c.notify ? {} : { NotifiesVia: "none: actions suppressor; its causes notify" };
            const composite = new aws.cloudwatch.CompositeAlarm(`${name}-${c.key}`, { ...c.args, tags: { ...(c.args.tags as Record<string, string> | undefined), ...roleTag }, alarmActions: actions, okActions: actions }, { parent: this, dependsOn });
            composites.set(c.key, composite);
            this.alarmNames[c.key] = composite.alarmName;
        }

        // ── Who watches the watchers ─────────────────────────────────────────────────────────
        const routedAlarm = (key: string, topic: TopicKey, summary: string, details: string, a: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions" | "name" | "alarmDescription">, waitsFor: readonly pulumi.Resource[] = []) => {
            const severity = topic === "warning" ? "warning" : "critical";
            const alarm = new aws.cloudwatch.MetricAlarm(`${name}-${key}`, {
                name: alarmName(key),
                alarmDescription: formatAlarmDescription({ severity, summary, details, runbookUrl: `${cfg.runbookBaseUrl.replace(/\/+$/, "")}/AlertingPipeline.md` }),
                actionsEnabled: true,
                alarmActions: [topics[topic].arn],
                okActions: [topics[topic].arn],
                tags: { ...tags, Severity: severity, Path: "watchdog" },
                ...a,
            }, waitsFor.length > 0 ? { parent: this, dependsOn: [...waitsFor] } : parent);
            this.alarmNames[key] = alarm.name;
            if (livenessProbes(definitionMetrics(a)).length > 0) expectingData.push(alarm.name);
        };
        if (this.alertmanagerService !== undefined) {
            const hb: { namespace: string; metricName: string; dimensions: Record<string, pulumi.Input<string>>; source: string } = heartbeatTopic === undefined
                ? { namespace: HEARTBEAT_NAMESPACE, metricName: HEARTBEAT_METRIC, dimensions: { [HEARTBEAT_DIMENSION]: prefix }, source: "the notifier's WatchdogHeartbeat metric" }
                : { namespace: "AWS/SNS", metricName: "NumberOfMessagesPublished", dimensions: { TopicName: heartbeatTopic.name }, source: "messages Alertmanager publishes to the heartbeat topic" };
            routedAlarm("watchdog-heartbeat", "critical", "Alerting heartbeat lost: Prometheus, Alertmanager or the notifier is broken — Prometheus alerts are not being delivered",
                `No Watchdog heartbeat (${hb.source}) for 3 minutes. Missing data is breaching: silence is the failure. Check the Prometheus and Alertmanager tasks and the notifier's logs.`, {
                    namespace: hb.namespace, metricName: hb.metricName, dimensions: hb.dimensions, statistic: "Sum", period: 60, evaluationPeriods: 3, datapointsToAlarm: 3,
                    comparisonOperator: "LessThanThreshold", threshold: 1, treatMissingData: "breaching",
                },
                // Nothing in its inputs names the senders, so without this it is created at the start of a
                // first deploy, minutes before they run. A new alarm starts in INSUFFICIENT_DATA; with
                // missing data breaching, a window with no data point at all is ALARM
                // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html),
                // and INSUFFICIENT_DATA → ALARM runs the alarm actions: the critical topic, PagerDuty.
                // The services wait for steady state (running count = desired count, like `aws ecs wait
                // services-stable`: https://docs.aws.amazon.com/cli/latest/reference/ecs/wait/services-stable.html),
                // so the alarm is created once Prometheus and Alertmanager run. Once the metric has been
                // reported, a replaced alarm reads the data points from before it was created
                // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
                [this.alertmanagerService.service, ...(args.heartbeatSenders ?? [])]);
            watchTasks("alertmanager", { serviceName: this.alertmanagerService.serviceName, description: "Alertmanager", desired: this.alertmanagerService.replicas });
        }
        for (const [key, w] of Object.entries(watched)) watchTasks(key, w);

        // ── Fire drills ──────────────────────────────────────────────────────────────────────
        // `npm run drill` sets one of these to ALARM with SetAlarmState: its notification takes the
        // real path of that severity (topic, notifier, email, PagerDuty for critical) and says DRILL
        // in every place it shows (alarm name, summary). CloudWatch returns an alarm set this way to
        // its actual state within seconds (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html):
        // here OK, since nothing publishes the metric and missing data is notBreaching, so the
        // RESOLVED follows at once. The warning one never pages; `--page` uses the critical one.
        const drill = (sev: Severity) => {
            const alarm = new aws.cloudwatch.MetricAlarm(`${name}-drill-${sev}`, {
                // Upper case on purpose: SNS writes an alarm's email subject from its name
                // (`ALARM: "<name>" in <region>`), so the subject itself says DRILL.
                name: alarmName(`DRILL-${sev}`),
                alarmDescription: formatAlarmDescription({
                    severity: sev,
                    summary: `DRILL of the ${sev} route: a test alert (npm run drill), nobody needs to act`,
                    details: `Set to ALARM by a fire drill (SetAlarmState), then back to OK. It proves the ${sev} notification path end to end${sev === "critical" ? ", PagerDuty included" : "; it never pages"}.`,
                    runbookUrl: `${cfg.runbookBaseUrl.replace(/\/+$/, "")}/FireDrill.md`,
                }),
                actionsEnabled: true,
                alarmActions: [topics[sev].arn],
                okActions: [topics[sev].arn],
                namespace: DRILL_METRIC.namespace,
                metricName: DRILL_METRIC.metricName,
                dimensions: { [DRILL_METRIC.dimension]: prefix },
                statistic: "Maximum",
                period: 60,
                evaluationPeriods: 1,
                datapointsToAlarm: 1,
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                threshold: 1,
                treatMissingData: "notBreaching",
                tags: { ...tags, Severity: sev, Path: "drill" },
            }, parent);
            this.alarmNames[`drill-${sev}`] = alarm.name;
            return alarm.name;
        };
        this.drillAlarmNames = { critical: drill("critical"), warning: drill("warning") };
        this.alarmsExpectingData = expectingData;
        function watchTasks(this: void, key: string, w: WatchedService) {
            const minimum = w.minimum ?? 1;
            const desired = w.desired ?? 1;
            const dimensions = { ClusterName: args.clusterName, ServiceName: w.serviceName };
            // Lost: nothing left of it.
            routedAlarm(`${key}-tasks`, "critical", `${w.description} is not running: fewer than ${minimum} task(s)`,
                `ECS/ContainerInsights RunningTaskCount (Minimum) < ${minimum} for 2 minutes. Missing data is breaching (a service with no task may stop reporting). Prometheus alerts depend on it.`, {
                    namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", dimensions, statistic: "Minimum", period: 60, evaluationPeriods: 2, datapointsToAlarm: 2,
                    comparisonOperator: "LessThanThreshold", threshold: minimum, treatMissingData: "breaching",
                });
            if (desired <= minimum) return;
            // Degraded: fewer than desired, but still at least `minimum` (the lost alarm speaks
            // below that, so the two never notify for the same minute). 5 of 5 minutes: a deploy
            // replaces one task at a time within that (Prometheus: stop, start on the same instance).
            // Metric math IF/AND: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html#using-IF-expressions
            routedAlarm(`${key}-tasks-degraded`, "warning", `${w.description} is degraded: fewer than ${desired} tasks running`,
                `ECS/ContainerInsights RunningTaskCount (Minimum) between ${minimum} and ${desired - 1} for 5 minutes: alerting still works, but one more loss would stop it. Missing data is not breaching: no data at all is the lost alarm's case.`, {
                    metricQueries: [
                        { id: "running", metric: { namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", dimensions, stat: "Minimum", period: 60 }, returnData: false },
                        { id: "degraded", expression: `IF(running >= ${minimum} AND running < ${desired}, 1, 0)`, label: `${w.description} tasks below ${desired}`, returnData: true },
                    ],
                    evaluationPeriods: 5, datapointsToAlarm: 5, comparisonOperator: "GreaterThanOrEqualToThreshold", threshold: 1, treatMissingData: "notBreaching",
                });
        }

        // 4 fields
        this.topicArns = Object.fromEntries(TOPICS.map((k) => [k, topics[k].arn])) as Record<TopicKey, pulumi.Output<string>>;
        if (heartbeatTopic !== undefined) this.topicArns.heartbeat = heartbeatTopic.arn;
        this.audienceTopicArns = Object.fromEntries(Object.entries(alertmanagerTopics).filter(([k]) => k !== "heartbeat").map(([k, t]) => [k, t.arn]));
        this.notifierFunctionName = notifier?.name;
        this.notifierUrl = notifierUrl?.functionUrl;
        this.deliveryTableName = dedupe?.name;
        this.failedNotificationsQueueName = failedQueue?.name;
        // 5 register
        this.registerOutputs({
            topicArns: this.topicArns,
            audienceTopicArns: this.audienceTopicArns,
            ...(notifier ? { notifierFunctionName: this.notifierFunctionName, notifierUrl: this.notifierUrl } : {}),
            alertmanagerAddress: this.alertmanagerAddress,
            alertmanagerSecurityGroupId: this.alertmanagerSecurityGroupId,
            secretsToFill: this.secretsToFill,
            logGroupNames: this.logGroupNames,
            alarmNames: this.alarmNames,
            deploymentAlarmNames: this.deploymentAlarmNames,
            drillAlarmNames: this.drillAlarmNames,
            alarmsExpectingData: this.alarmsExpectingData,
            pagerdutyFunctionName: this.pagerdutyFunctionName,
            deliveryTableName: this.deliveryTableName,
            failedNotificationsQueueName: this.failedNotificationsQueueName,
        });
    }

    /** Lets a client (Prometheus) reach Alertmanager on 9093. */
    allowAlertmanagerClient(clientName: string, securityGroupId: pulumi.Input<string>): void {
        if (this.alertmanagerService === undefined) throw new Error("`allowAlertmanagerClient`: this Alerting has no Alertmanager (pass `alertmanager`)");
        this.alertmanagerService.allowClient(clientName, securityGroupId);
    }
}

/** The metrics an alarm's arguments read, where their names and dimensions are plain values (for `livenessProbes`). */
export function definitionMetrics(a: Pick<aws.cloudwatch.MetricAlarmArgs, "namespace" | "metricName" | "dimensions" | "metricQueries">): MetricRef[] {
    const plain = (d: unknown): Record<string, string> =>
        Object.fromEntries(Object.entries((d ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === "string" ? v : "<deployed value>"]));
    const top = typeof a.namespace === "string" && typeof a.metricName === "string" ? [{ namespace: a.namespace, metricName: a.metricName, dimensions: plain(a.dimensions) }] : [];
    const queries = Array.isArray(a.metricQueries) ? (a.metricQueries as aws.types.input.cloudwatch.MetricAlarmMetricQuery[]) : [];
    const fromQueries = queries.flatMap((q) => {
        const m = q.metric as aws.types.input.cloudwatch.MetricAlarmMetricQueryMetric | undefined;
        return m !== undefined && typeof m.namespace === "string" && typeof m.metricName === "string" ? [{ namespace: m.namespace, metricName: m.metricName, dimensions: plain(m.dimensions) }] : [];
    });
    return [...top, ...fromQueries];
}

/** Actions of a catalog metric alarm: its severity's topic, unless it notifies through a wrapper composite. */
export function alarmActionsFor(d: Pick<CloudWatchAlarmDefinition, "notifyVia" | "severity">, topics: Record<TopicKey, { arn: pulumi.Output<string> }>): pulumi.Output<string>[] {
    return d.notifyVia === "direct" ? [topics[d.severity].arn] : [];
}

/** Actions of a catalog composite: its severity's topic when it notifies (ServiceUnhealthy does not). */
export function compositeActionsFor(c: Pick<CompositeAlarmDefinition, "notify" | "severity">, topics: Record<TopicKey, { arn: pulumi.Output<string> }>): pulumi.Output<string>[] {
    return c.notify ? [topics[c.severity as Severity].arn] : [];
}
