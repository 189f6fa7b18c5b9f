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
import * as pulumi from "@pulumi/pulumi";
import type { AlertingConfig } from "../../config/alerting";
import type { StackAlertSettings } from "../../config/alerts";
import type { SecretKey } from "../../config";
import { alertingNames, type EcsPlacement } from "../common";
import type { CloudWatchTargets, Severity } from "./catalog";
import { Alertmanager } from "./alertmanager";
import { CatalogAlarms } from "./catalog-alarms";
import { deliveryStore, type SecretSource } from "./notification-lambda";
import type { PartContext } from "./part";
import { PagerDutyForwarder } from "./pagerduty-forwarder";
import { PipelineWatchers, type WatchedService } from "./pipeline-watchers";
import { SlackChatbot, SlackNotifier } from "./slack-notifier";
import { AlertTopics, type TopicKey } from "./topics";

export { UNSET_SECRET_PLACEHOLDER } from "../../functions/src/contract";
export { managedDataStoreTargets } from "./targets";

export interface AlertingArgs {
    /** Validated `koronet:alerting`. */
    readonly config: AlertingConfig;
    /** The stack's effective catalog settings, `stackAlertSettings(loadConfig())`: what plan, render and report read too. */
    readonly alertSettings: StackAlertSettings;
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
        problems.push(
            "`containerInsights` is disabled, but the running-task alarms (and KoronetDown) read ECS/ContainerInsights RunningTaskCount; enable it (koronet:cluster.containerInsights)",
        );
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

/** Where a secret of the stack config comes from: the config value (`config`), or an operator (`external`). */
function configSecret(from: "config" | "external", value: pulumi.Output<string> | undefined): SecretSource {
    return from === "external" ? { from } : { from, value };
}

/**
 * The composition, in the order of docs/alerting.md: topics and email, Slack, PagerDuty, Alertmanager,
 * the catalog's alarms, and the watchers of the pipeline itself. Each part owns its optional
 * resources; what one needs of another is passed as typed outputs.
 */
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
    /** Names of every CloudWatch alarm and composite the catalog and the watchers created, by key (the pipeline-failure alarms excepted). */
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
        const problems = validateAlertingArgs(args);
        if (problems.length > 0) throw new Error(`Invalid Alerting arguments:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        const cfg = args.config;
        const n = cfg.notifications;
        const parent = { parent: this };
        // Every part names its children from Alerting's name, as they were named when they sat here.
        const ctx: PartContext = { logicalPrefix: name, names: alertingNames(args.namePrefix), kmsKeyArn: args.kmsKeyArn, tags: args.tags ?? {} };

        // Topics: alarm topics, Alertmanager's audience topics, email subscriptions.
        const topics = new AlertTopics(
            `${name}-topics`,
            { ...ctx, region: args.region, notifications: n, alertmanager: args.alertmanager !== undefined },
            parent,
        );
        const severityTopics = { critical: topics.alarmTopicArns.critical, warning: topics.alarmTopicArns.warning };
        if (pipelineAudience(cfg).length === 0) {
            pulumi.log.warn(
                `alerting: nobody hears about failures of the notification path itself (no critical email, PagerDuty off); set koronet:alerting.notifications.email.critical`,
                this,
            );
        }

        // The Lambdas' shared on-failure queue and delivery records, when either Lambda exists.
        const store = n.slack.mode === "lambda" || n.pagerduty.enabled ? deliveryStore(ctx, this) : undefined;

        // PagerDuty: the forwarder on the critical and pipeline topics.
        const pagerduty =
            n.pagerduty.enabled && store !== undefined
                ? new PagerDutyForwarder(
                      `${name}-pagerduty-forwarder`,
                      {
                          ...ctx,
                          routingKey: configSecret(n.pagerduty.routingKeyFrom, args.secrets.pagerdutyRoutingKey),
                          topicArns: topics.alarmTopicArns,
                          store,
                          logRetentionDays: args.logRetentionDays,
                      },
                      parent,
                  )
                : undefined;

        // Slack: the notifier Lambda, or AWS Chatbot.
        const notifier =
            n.slack.mode === "lambda" && store !== undefined
                ? new SlackNotifier(
                      `${name}-slack-notifier`,
                      {
                          ...ctx,
                          webhookUrl: configSecret(n.slack.webhookUrlFrom, args.secrets.slackWebhookUrl),
                          topicArns: severityTopics,
                          store,
                          logRetentionDays: args.logRetentionDays,
                          pagerdutyRoutingKeySecretArn: pagerduty?.routingKeySecretArn,
                      },
                      parent,
                  )
                : undefined;
        if (n.slack.mode === "chatbot" && n.slack.chatbot !== undefined) {
            const chatbotTopics = topics.chatbotTopicArns;
            new SlackChatbot(
                `${name}-slack-chatbot`,
                {
                    ...ctx,
                    chatbot: n.slack.chatbot,
                    // CloudWatch alarms (alarm topics) and Alertmanager's Chatbot messages (its own topics).
                    topicArns: [
                        severityTopics.critical,
                        severityTopics.warning,
                        ...(chatbotTopics !== undefined ? [chatbotTopics.critical, chatbotTopics.warning] : []),
                    ],
                },
                parent,
            );
        }

        // Alertmanager on ECS: Prometheus's alerts, to the same audiences.
        if (args.alertmanager !== undefined) {
            this.alertmanagerService = new Alertmanager(
                `${name}-alertmanager`,
                {
                    placement: args.alertmanager.placement,
                    vpcId: args.alertmanager.vpcId,
                    platform: args.alertmanager.platform,
                    replicas: args.alertmanager.replicas ?? cfg.alertmanager.replicas,
                    kmsKeyArn: args.kmsKeyArn,
                    region: args.region,
                    notifier: notifier?.webhook,
                    chatbotTopicArns: topics.chatbotTopicArns,
                    emailTopicArns: Object.keys(topics.emailTopicArns).length > 0 ? topics.emailTopicArns : undefined,
                    // With a notifier, Alertmanager's PagerDuty goes through it (its per-alert delivery state);
                    // without one (Chatbot mode), Alertmanager calls PagerDuty itself and needs the key.
                    pagerdutyViaNotifier: notifier !== undefined && pagerduty !== undefined,
                    pagerdutyRoutingKeySecretArn: notifier === undefined ? pagerduty?.routingKeySecretArn : undefined,
                    heartbeatTopicArn: topics.heartbeatTopic?.arn,
                    // Its task injects these secrets: it starts only once each has a value.
                    secretValues: [
                        ...(notifier ? [notifier.tokenSecretVersion] : []),
                        ...(pagerduty && notifier === undefined ? [pagerduty.routingKeySecretVersion] : []),
                    ],
                },
                parent,
            );
        }
        const alertmanager = this.alertmanagerService;
        topics.admitPublishers(alertmanager);

        // The catalog's alarms; Alertmanager is an ECS service of the stack too, with its own per-service alarms.
        const catalog = new CatalogAlarms(
            `${name}-catalog-alarms`,
            {
                ...ctx,
                settings: args.alertSettings,
                targets:
                    alertmanager === undefined
                        ? args.targets
                        : {
                              ...args.targets,
                              services: [
                                  ...args.targets.services,
                                  { key: "alertmanager", serviceName: alertmanager.serviceName, scheduling: "replica", description: "Alertmanager" },
                              ],
                          },
                topicArns: severityTopics,
                clusterArn: args.clusterArn,
                logRetentionDays: args.logRetentionDays,
            },
            parent,
        );

        // Who watches the watchers.
        const heartbeatTopic = topics.heartbeatTopic;
        const watchers = new PipelineWatchers(
            `${name}-pipeline-watchers`,
            {
                ...ctx,
                runbookBaseUrl: cfg.runbookBaseUrl,
                topicArns: topics.alarmTopicArns,
                clusterName: args.clusterName,
                alertmanager:
                    alertmanager === undefined
                        ? undefined
                        : {
                              serviceName: alertmanager.serviceName,
                              replicas: alertmanager.replicas,
                              heartbeat: heartbeatTopic === undefined ? { via: "notifier" } : { via: "sns", topicName: heartbeatTopic.name },
                              heartbeatSenders: [alertmanager.service, ...(args.heartbeatSenders ?? [])],
                          },
                watchedServices: args.watchedServices ?? {},
                notifierFunctionName: notifier?.functionName,
                pagerdutyFunctionName: pagerduty?.functionName,
                failedQueueName: store?.failedQueue.name,
            },
            parent,
        );

        this.topicArns = { ...topics.alarmTopicArns, ...(heartbeatTopic !== undefined ? { heartbeat: heartbeatTopic.arn } : {}) };
        this.audienceTopicArns = topics.audienceTopicArns;
        this.notifierFunctionName = notifier?.functionName;
        this.notifierUrl = notifier?.webhook.url;
        this.alertmanagerAddress = alertmanager?.address;
        this.alertmanagerSecurityGroupId = alertmanager?.securityGroupId;
        this.secretsToFill = { ...notifier?.secretsToFill, ...pagerduty?.secretsToFill };
        this.logGroupNames = {
            ...(notifier ? { notifier: notifier.logGroupName } : {}),
            ...(pagerduty ? { pagerduty: pagerduty.logGroupName } : {}),
            ...(alertmanager ? { alertmanager: alertmanager.logGroupName } : {}),
            taskEvents: catalog.taskEventsLogGroupName,
        };
        this.alarmNames = { ...catalog.alarmNames, ...watchers.alarmNames };
        this.deploymentAlarmNames = catalog.deploymentAlarmNames;
        this.drillAlarmNames = watchers.drillAlarmNames;
        this.alarmsExpectingData = [...catalog.alarmsExpectingData, ...watchers.alarmsExpectingData];
        this.pagerdutyFunctionName = pagerduty?.functionName;
        this.deliveryTableName = store?.table.name;
        this.failedNotificationsQueueName = store?.failedQueue.name;
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
