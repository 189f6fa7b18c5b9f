/**
 * The topics of the alerting pipeline, who reads them by email, and who may publish to them.
 *
 * Topics are routed by who publishes, never filtered: CloudWatch alarm notifications carry no
 * message attributes, so no attribute filter can tell them from Alertmanager's messages ("exists":
 * false "only matches if at least one attribute is present",
 * https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html). Each audience has its own
 * topic, and every subscriber takes everything its topic receives (policy/messages.ts checks it).
 *
 * Alarm topics (only this stack's CloudWatch alarms publish): `critical`, `warning`, `pipeline`.
 * Alertmanager's topics (only its task role publishes), when it runs: `email-<severity>` for the
 * severities that have addresses, `chatbot-<severity>` in Chatbot mode, and `heartbeat` (nobody
 * subscribes: its publish count is the Watchdog heartbeat) when there is no notifier to take it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { AlertingConfig } from "../../config/alerting";
import { SEVERITIES, type Severity } from "./catalog";
import { audienceTopicKey } from "./alertmanager/stack";
import { AlertingPart, type PartContext } from "./part";

/** Alarm topics: one per severity, plus `pipeline` for the notification path's own failures. Only CloudWatch alarms publish to them. */
const TOPICS = [...SEVERITIES, "pipeline"] as const;
export type TopicKey = (typeof TOPICS)[number];

export interface TopicsArgs extends PartContext {
    readonly region: string;
    readonly notifications: AlertingConfig["notifications"];
    /** Alertmanager runs: it gets its own topics. */
    readonly alertmanager: boolean;
}

/** Who publishes to Alertmanager's topics (its task role). */
export interface TopicPublisher {
    readonly taskRoleArn: pulumi.Input<string>;
    publishesTo(topicKey: string): boolean;
}

const shortHash = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 8);

export class AlertTopics extends AlertingPart {
    /** The alarm topics' ARNs. */
    public readonly alarmTopicArns: Record<TopicKey, pulumi.Output<string>>;
    /** Alertmanager's Watchdog topic (Alertmanager without the notifier). */
    public readonly heartbeatTopic?: { readonly arn: pulumi.Output<string>; readonly name: pulumi.Output<string> };
    /** Alertmanager's email topics, for the severities that have addresses. */
    public readonly emailTopicArns: Partial<Record<Severity, pulumi.Output<string>>>;
    /** Alertmanager's Chatbot topics (Chatbot mode). */
    public readonly chatbotTopicArns?: Record<Severity, pulumi.Output<string>>;
    /** Alertmanager's audience topics by key (`email-critical`, `chatbot-warning`, ...), the heartbeat excepted. */
    public readonly audienceTopicArns: Record<string, pulumi.Output<string>>;

    private readonly args: TopicsArgs;
    private readonly alarmTopics: Record<TopicKey, aws.sns.Topic>;
    private readonly alertmanagerTopics: Record<string, aws.sns.Topic>;

    constructor(name: string, args: TopicsArgs, opts: pulumi.ComponentResourceOptions & { readonly parent: pulumi.Resource }) {
        super("koronet:alerting:Topics", name, opts);
        this.args = args;
        const { logicalPrefix: base, names, kmsKeyArn, tags } = args;
        const n = args.notifications;
        const alarmTopic = (k: TopicKey) =>
            new aws.sns.Topic(`${base}-${k}`, { name: names.topic(k), kmsMasterKeyId: kmsKeyArn, tags: { ...tags, Severity: k } }, this.childOpts());
        this.alarmTopics = { critical: alarmTopic("critical"), warning: alarmTopic("warning"), pipeline: alarmTopic("pipeline") };

        this.alertmanagerTopics = {};
        if (args.alertmanager && n.slack.mode !== "lambda") {
            const heartbeat = new aws.sns.Topic(`${base}-heartbeat`, { name: names.topic("heartbeat"), kmsMasterKeyId: kmsKeyArn, tags }, this.childOpts());
            this.heartbeatTopic = { arn: heartbeat.arn, name: heartbeat.name };
            this.alertmanagerTopics.heartbeat = heartbeat;
        }
        // Alertmanager's audiences, each on a topic of its own (never the alarm topics).
        const audienceTopic = (audience: "email" | "chatbot", severity: Severity) => {
            const key = audienceTopicKey(audience, severity);
            const topic = new aws.sns.Topic(
                `${base}-${key}`,
                { name: names.topic(key), kmsMasterKeyId: kmsKeyArn, tags: { ...tags, Severity: severity, Audience: audience } },
                this.childOpts(),
            );
            this.alertmanagerTopics[key] = topic;
            return topic;
        };
        const emailTopics: Partial<Record<Severity, aws.sns.Topic>> = {};
        if (args.alertmanager) for (const sev of SEVERITIES) if (n.email[sev].length > 0) emailTopics[sev] = audienceTopic("email", sev);
        if (args.alertmanager && n.slack.mode === "chatbot") {
            const critical = audienceTopic("chatbot", "critical");
            const warning = audienceTopic("chatbot", "warning");
            this.chatbotTopicArns = { critical: critical.arn, warning: warning.arn };
        }

        // An address subscribes to each topic its messages come from (and confirms each once).
        const emailSubscribe = (key: string, topic: aws.sns.Topic, addresses: readonly string[]) => {
            for (const address of addresses) {
                // Keyed by a hash of the address: adding or removing one never replaces the others.
                new aws.sns.TopicSubscription(
                    `${base}-email-${key}-${shortHash(address)}`,
                    { topic: topic.arn, protocol: "email", endpoint: address },
                    this.childOpts(),
                );
            }
        };
        emailSubscribe("critical", this.alarmTopics.critical, n.email.critical);
        emailSubscribe("warning", this.alarmTopics.warning, n.email.warning);
        emailSubscribe("pipeline", this.alarmTopics.pipeline, n.email.critical);
        for (const sev of SEVERITIES) {
            const t = emailTopics[sev];
            if (t !== undefined) emailSubscribe(audienceTopicKey("email", sev), t, n.email[sev]);
        }

        this.alarmTopicArns = { critical: this.alarmTopics.critical.arn, warning: this.alarmTopics.warning.arn, pipeline: this.alarmTopics.pipeline.arn };
        this.emailTopicArns = {};
        for (const sev of SEVERITIES) {
            const t = emailTopics[sev];
            if (t !== undefined) this.emailTopicArns[sev] = t.arn;
        }
        this.audienceTopicArns = Object.fromEntries(
            Object.entries(this.alertmanagerTopics)
                .filter(([k]) => k !== "heartbeat")
                .map(([k, t]) => [k, t.arn]),
        );
        this.registerOutputs({ alarmTopicArns: this.alarmTopicArns, audienceTopicArns: this.audienceTopicArns, heartbeatTopicArn: this.heartbeatTopic?.arn });
    }

    /**
     * The topic policies: alarm topics take only this stack's CloudWatch alarms, Alertmanager's
     * topics only its task role. Called once Alertmanager (which needs the topics' ARNs) exists.
     */
    admitPublishers(alertmanager: TopicPublisher | undefined): void {
        const { logicalPrefix: base, names, region } = this.args;
        const identity = aws.getCallerIdentityOutput({}, { parent: this });
        const partition = aws.getPartitionOutput({}, { parent: this });
        const alarmArnPattern = pulumi.interpolate`arn:${partition.partition}:cloudwatch:${region}:${identity.accountId}:alarm:${names.everyAlarm}`;
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
            if (!cloudwatch && alertmanager !== undefined && alertmanager.publishesTo(t)) {
                statements.push({
                    Sid: "AlertmanagerTaskRole",
                    Effect: "Allow",
                    Principal: { AWS: alertmanager.taskRoleArn },
                    Action: "sns:Publish",
                    Resource: topicArn,
                });
            }
            statements.push({
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "sns:Publish",
                Resource: topicArn,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            });
            return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
        };
        for (const t of TOPICS)
            new aws.sns.TopicPolicy(
                `${base}-${t}-policy`,
                { arn: this.alarmTopics[t].arn, policy: publishers(t, this.alarmTopics[t].arn, true) },
                this.childOpts(),
            );
        for (const [key, t] of Object.entries(this.alertmanagerTopics))
            new aws.sns.TopicPolicy(`${base}-${key}-policy`, { arn: t.arn, policy: publishers(key, t.arn, false) }, this.childOpts());
    }
}
