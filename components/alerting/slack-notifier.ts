/**
 * Slack, one of two ways (`koronet:alerting.notifications.slack.mode`):
 *   lambda   SlackNotifier: the notifier Lambda takes the severity topics (SNS) and Alertmanager's
 *            webhooks (its Function URL, bearer token), posts to the Slack webhook, and turns the
 *            Watchdog into the heartbeat metric;
 *   chatbot  SlackChatbot: AWS Chatbot takes the severity topics and Alertmanager's Chatbot topics.
 * Each is a component, so the plan shows the route the stack takes as one node with what it owns.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AlertingConfig } from "../../config/alerting";
import { assumeRolePolicy, policyDocument } from "../common";
import type { Severity } from "./catalog";
import { notifierHttpBudgetMs } from "./alertmanager/config";
import { HEARTBEAT_NAMESPACE, NOTIFIER_ENV, NOTIFIER_IAM_ACTIONS } from "../../functions/src/contract";
import { bundleFunction } from "../common/lambda";
import { notificationFunction, partSecret, subscribeFunction, type DeliveryStore, type SecretSource } from "./notification-lambda";
import { AlertingPart, type PartContext } from "./part";
import { kindNamed } from "../common/kind-names";

export interface SlackNotifierArgs extends PartContext {
    /** Where the Slack webhook URL comes from. */
    readonly webhookUrl: SecretSource;
    /** The severity topics it takes. */
    readonly topicArns: Readonly<Record<Severity, pulumi.Output<string>>>;
    readonly store: DeliveryStore;
    readonly logRetentionDays: number;
    /**
     * PagerDuty's routing-key secret, when PagerDuty is on: Alertmanager's PagerDuty goes through the
     * notifier's per-alert delivery state (docs/high-availability.md), so the notifier reads the key.
     */
    readonly pagerdutyRoutingKeySecretArn?: pulumi.Output<string>;
}

/** What Alertmanager needs to reach the notifier. */
export interface NotifierWebhook {
    readonly url: pulumi.Output<string>;
    readonly tokenSecretArn: pulumi.Output<string>;
}

export class SlackNotifier extends AlertingPart {
    public readonly functionName: pulumi.Output<string>;
    /** The Function URL: Alertmanager's Slack and heartbeat webhook, with the token it presents. */
    public readonly webhook: NotifierWebhook;
    /** The token's version: Alertmanager's task injects it and starts only once it has a value. */
    public readonly tokenSecretVersion: aws.secretsmanager.SecretVersion;
    public readonly logGroupName: pulumi.Output<string>;
    /** Secrets operators must fill (`external` webhook URL). */
    public readonly secretsToFill: Record<string, pulumi.Output<string>> = {};

    constructor(name: string, args: SlackNotifierArgs, opts: pulumi.ComponentResourceOptions & { readonly parent: pulumi.Resource }) {
        super("koronet:alerting:SlackNotifier", name, opts);
        const base = args.logicalPrefix;
        const webhook = partSecret(this, args, "slack-webhook", "Slack incoming-webhook URL the notifier posts to", args.webhookUrl);
        // Generated, so it exists in the (encrypted) state; it only authorises posting to our own notifier.
        const tokenValue = kindNamed(`${base}-alertmanager-token`, "randomPassword", this.childOpts());
        const token = partSecret(this, args, "alertmanager-token", "Bearer token Alertmanager presents to the notifier Function URL", {
            from: "generated",
            value: new random.RandomPassword(tokenValue.name, { length: 48, special: false }, tokenValue.opts).result,
        });
        if (webhook.toFill !== undefined) this.secretsToFill["slack-webhook"] = webhook.toFill;

        const { fn, logGroupName } = notificationFunction(this, args, {
            key: "notifier",
            code: bundleFunction("notifier"),
            timeout: 60,
            logRetentionDays: args.logRetentionDays,
            failedQueueArn: args.store.failedQueue.arn,
            env: {
                [NOTIFIER_ENV.slackWebhookSecretArn]: webhook.secret.arn,
                [NOTIFIER_ENV.alertmanagerTokenSecretArn]: token.secret.arn,
                [NOTIFIER_ENV.dedupeTable]: args.store.table.name,
                [NOTIFIER_ENV.stackName]: args.names.prefix,
                // Answer Alertmanager before it cancels the attempt (alertmanager/config.ts).
                [NOTIFIER_ENV.httpDeliveryBudgetMs]: String(notifierHttpBudgetMs("production")),
                ...(args.pagerdutyRoutingKeySecretArn !== undefined ? { [NOTIFIER_ENV.pagerdutyRoutingKeySecretArn]: args.pagerdutyRoutingKeySecretArn } : {}),
            },
            statements: [
                {
                    Sid: "ReadSecrets",
                    Action: [...NOTIFIER_IAM_ACTIONS.secrets],
                    Resource: [
                        webhook.secret.arn,
                        token.secret.arn,
                        ...(args.pagerdutyRoutingKeySecretArn !== undefined ? [args.pagerdutyRoutingKeySecretArn] : []),
                    ],
                },
                { Sid: "Dedupe", Action: [...NOTIFIER_IAM_ACTIONS.dedupe], Resource: args.store.table.arn },
                // PutMetricData has no resource-level permissions; the namespace condition is the restriction.
                {
                    Sid: "Heartbeat",
                    Action: [...NOTIFIER_IAM_ACTIONS.heartbeat],
                    Resource: "*",
                    Condition: { StringEquals: { "cloudwatch:namespace": HEARTBEAT_NAMESPACE } },
                },
            ],
        });
        subscribeFunction(this, args, "notifier", fn, args.topicArns);
        // Alertmanager has no SigV4 for webhooks, so the URL is public and the notifier checks a bearer token.
        const url = new aws.lambda.FunctionUrl(`${base}-notifier-url`, { functionName: fn.name, authorizationType: "NONE" }, this.childOpts());
        new aws.lambda.Permission(
            `${base}-notifier-url-public`,
            { action: "lambda:InvokeFunctionUrl", function: fn.name, principal: "*", functionUrlAuthType: "NONE" },
            this.childOpts(),
        );
        new aws.lambda.Permission(
            `${base}-notifier-url-invoke`,
            { action: "lambda:InvokeFunction", function: fn.name, principal: "*", invokedViaFunctionUrl: true },
            this.childOpts(),
        );

        this.functionName = fn.name;
        this.webhook = { url: url.functionUrl, tokenSecretArn: token.secret.arn };
        this.tokenSecretVersion = token.version;
        this.logGroupName = logGroupName;
        this.registerOutputs({ functionName: this.functionName, url: this.webhook.url, logGroupName: this.logGroupName, secretsToFill: this.secretsToFill });
    }
}

export interface SlackChatbotArgs extends PartContext {
    readonly chatbot: NonNullable<AlertingConfig["notifications"]["slack"]["chatbot"]>;
    /** The severity topics (CloudWatch alarms) and Alertmanager's Chatbot topics, all of which Chatbot posts. */
    readonly topicArns: readonly pulumi.Output<string>[];
}

export class SlackChatbot extends AlertingPart {
    constructor(name: string, args: SlackChatbotArgs, opts: pulumi.ComponentResourceOptions & { readonly parent: pulumi.Resource }) {
        super("koronet:alerting:SlackChatbot", name, opts);
        const base = args.logicalPrefix;
        const partition = aws.getPartitionOutput({}, { parent: this });
        const role = new aws.iam.Role(
            `${base}-chatbot-role`,
            {
                assumeRolePolicy: assumeRolePolicy("chatbot.amazonaws.com"),
                // Read-only CloudWatch access so Chatbot can render alarm details and graphs.
                inlinePolicies: [
                    {
                        name: "notifications",
                        policy: policyDocument([
                            {
                                Sid: "ReadAlarms",
                                Action: ["cloudwatch:DescribeAlarms", "cloudwatch:GetMetricData", "cloudwatch:GetMetricWidgetImage"],
                                Resource: "*",
                            },
                        ]),
                    },
                ],
                tags: args.tags,
            },
            this.childOpts(),
        );
        new aws.chatbot.SlackChannelConfiguration(
            `${base}-chatbot`,
            {
                configurationName: args.names.chatbotConfiguration,
                iamRoleArn: role.arn,
                slackTeamId: args.chatbot.workspaceId,
                slackChannelId: args.chatbot.channelId,
                snsTopicArns: [...args.topicArns],
                guardrailPolicyArns: [pulumi.interpolate`arn:${partition.partition}:iam::aws:policy/CloudWatchReadOnlyAccess`],
                loggingLevel: "ERROR",
                tags: args.tags,
            },
            this.childOpts(),
        );
        this.registerOutputs({});
    }
}
