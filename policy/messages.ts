/**
 * Message shapes: routing (SNS filter policies, Alertmanager routes, the notifier) judged against the exact message each sender produces.
 *
 * Who publishes to a topic is read from the plan:
 * - CloudWatch metric and composite alarms, through their alarm / OK / insufficient-data actions: a
 *   JSON body (AlarmName, NewStateValue, Trigger or AlarmRule, ...) and NO message attributes
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html,
 *   the exact messages are in functions/test/fixtures/);
 * - Alertmanager, through the `sns_configs` of the config rendered into its task definition: the
 *   `attributes` the config sets and a text body (email, heartbeat) or a custom-notification JSON
 *   (Chatbot).
 * Every subscription's filter policy is then evaluated (policy/sns-filter.ts) against the messages
 * its topic receives. A value unknown in a preview (a topic ARN not yet known) is not judged.
 */
import { parse } from "yaml";
import { ALERTMANAGER_CONFIG_ENV } from "../components/alerting/alertmanager/config";
import { containersOf, ofType, type PolicyContext, type PolicyResource, type Rule } from "./model";
import { filterAccepts, FilterPolicyError, type FilterScope, type SnsAttribute, type SnsMessage } from "./sns-filter";

/** The kinds of message; a topic's subscribers can handle one kind (nothing tells them apart). */
export type MessageKind = "cloudwatch-alarm" | "alertmanager-email" | "alertmanager-chatbot" | "alertmanager-heartbeat";

/** One message a publisher sends to a topic. */
export interface PublishedMessage extends SnsMessage {
    readonly kind: MessageKind;
    /** `type::name` of the publishing resource, and what in it publishes. */
    readonly publisher: string;
    readonly topicArn: string;
}

const ALARM_TYPES = ["aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm"];
const isSnsArn = (v: unknown): v is string => typeof v === "string" && v.startsWith("arn:") && v.split(":")[2] === "sns";

/**
 * The notification CloudWatch publishes for an alarm state change: JSON, no message attributes.
 * Same keys as the fixtures (cloudwatch-*.json); values stand in for the alarm's own.
 */
export function cloudWatchAlarmMessage(alarm: PolicyResource): SnsMessage {
    const composite = alarm.type === "aws:cloudwatch/compositeAlarm:CompositeAlarm";
    const name = String(alarm.inputs.alarmName ?? alarm.inputs.name ?? alarm.name);
    const body: Record<string, unknown> = {
        AlarmName: name,
        AlarmDescription: alarm.inputs.alarmDescription ?? null,
        AWSAccountId: "000000000000",
        ...(composite ? {} : { AlarmConfigurationUpdatedTimestamp: "2026-12-01T10:00:00.000+0000" }),
        NewStateValue: "ALARM",
        NewStateReason: "Threshold Crossed",
        StateChangeTime: "2026-12-01T10:01:00.000+0000",
        Region: "EU (Ireland)",
        AlarmArn: `arn:aws:cloudwatch:eu-west-1:000000000000:alarm:${name}`,
        OldStateValue: "OK",
        OKActions: alarm.inputs.okActions ?? [],
        AlarmActions: alarm.inputs.alarmActions ?? [],
        InsufficientDataActions: alarm.inputs.insufficientDataActions ?? [],
        ...(composite
            ? { AlarmRule: alarm.inputs.alarmRule ?? "", TriggeringChildren: [] }
            : {
                  Trigger: {
                      MetricName: alarm.inputs.metricName,
                      Namespace: alarm.inputs.namespace,
                      Statistic: alarm.inputs.statistic,
                      Period: alarm.inputs.period,
                      EvaluationPeriods: alarm.inputs.evaluationPeriods,
                      ComparisonOperator: alarm.inputs.comparisonOperator,
                      Threshold: alarm.inputs.threshold,
                      TreatMissingData: alarm.inputs.treatMissingData,
                      Dimensions: [],
                  },
              }),
    };
    return { attributes: {}, body: JSON.stringify(body) };
}

interface SnsConfig {
    topic_arn?: string;
    message?: string;
    attributes?: Record<string, string>;
}

/** What Alertmanager publishes, from its rendered config (each `sns_configs` entry of each receiver). */
export function alertmanagerMessages(config: string, publisher: string): PublishedMessage[] {
    let doc: { receivers?: { name?: string; sns_configs?: SnsConfig[] }[] };
    try {
        doc = parse(config) as typeof doc;
    } catch {
        return [];
    }
    return (doc.receivers ?? []).flatMap((r) =>
        (r.sns_configs ?? [])
            .filter((c) => isSnsArn(c.topic_arn))
            .flatMap((c): PublishedMessage[] => {
                const message = c.message ?? "";
                const kind: MessageKind =
                    r.name === "heartbeat" ? "alertmanager-heartbeat" : /^\s*\{\s*"/.test(message) ? "alertmanager-chatbot" : "alertmanager-email";
                const attributes = Object.fromEntries(
                    Object.entries(c.attributes ?? {}).map(([k, v]): [string, SnsAttribute] => [k, { Type: "String", Value: String(v) }]),
                );
                // A JSON template is JSON only once rendered: its body cannot be judged here.
                const base = {
                    kind,
                    publisher: `${publisher} receiver ${r.name ?? "?"}`,
                    topicArn: c.topic_arn as string,
                    body: kind === "alertmanager-chatbot" ? undefined : message,
                };
                // Alertmanager 0.25 adds `truncated: "true"` to a message it had to shorten (notify/sns/sns.go).
                return [
                    { ...base, attributes },
                    { ...base, attributes: { ...attributes, truncated: { Type: "String", Value: "true" } } },
                ];
            }),
    );
}

/** Every message every publisher of the plan sends, by topic ARN. */
export function messagesByTopic(ctx: PolicyContext): Map<string, PublishedMessage[]> {
    const out = new Map<string, PublishedMessage[]>();
    const add = (m: PublishedMessage) => out.set(m.topicArn, [...(out.get(m.topicArn) ?? []), m]);
    for (const alarm of ofType(ctx, ...ALARM_TYPES)) {
        const targets = new Set(
            [alarm.inputs.alarmActions, alarm.inputs.okActions, alarm.inputs.insufficientDataActions]
                .flatMap((a) => (Array.isArray(a) ? a : []))
                .filter(isSnsArn),
        );
        const message = cloudWatchAlarmMessage(alarm);
        for (const topicArn of targets) add({ ...message, kind: "cloudwatch-alarm", publisher: `${alarm.type}::${alarm.name}`, topicArn });
    }
    for (const td of ofType(ctx, "aws:ecs/taskDefinition:TaskDefinition")) {
        for (const c of containersOf(td) ?? []) {
            const config = (c.environment ?? []).find((e) => e.name === ALERTMANAGER_CONFIG_ENV)?.value;
            if (typeof config === "string") for (const m of alertmanagerMessages(config, `${td.type}::${td.name} container ${c.name ?? "?"}`)) add(m);
        }
    }
    return out;
}

/** The topic resource an ARN names (`arn:…:sns:<region>:<account>:<name>`), when the plan knows its name. */
function topicOf(ctx: PolicyContext, arn: string): PolicyResource | undefined {
    const name = arn.split(":")[5];
    return ofType(ctx, "aws:sns/topic:Topic").find((t) => t.inputs.name === name);
}

const DESCRIBE: Record<MessageKind, string> = {
    "cloudwatch-alarm": "CloudWatch alarm notifications (JSON body, no message attributes)",
    "alertmanager-email": "Alertmanager email messages (text)",
    "alertmanager-chatbot": "Alertmanager Chatbot custom notifications (JSON)",
    "alertmanager-heartbeat": "Alertmanager Watchdog heartbeats (text)",
};

/** Whether a resource policy document lets EventBridge write log events to `logGroupArn`. */
function admitsEventBridge(policyDocument: unknown, logGroupArn: string): boolean | undefined {
    if (typeof policyDocument !== "string") return undefined;
    let doc: { Statement?: Array<{ Effect?: string; Principal?: { Service?: string | string[] }; Action?: string | string[]; Resource?: string | string[] }> };
    try {
        doc = JSON.parse(policyDocument) as typeof doc;
    } catch {
        return false;
    }
    const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const matches = (pattern: string) =>
        pattern === "*" || pattern === logGroupArn || pattern === `${logGroupArn}:*` || (pattern.endsWith("*") && logGroupArn.startsWith(pattern.slice(0, -1)));
    const allowed = new Set<string>();
    for (const st of doc.Statement ?? []) {
        if (st.Effect !== "Allow" || !list(st.Principal?.Service).includes("events.amazonaws.com") || !list(st.Resource).some(matches)) continue;
        for (const a of list(st.Action)) allowed.add(a);
    }
    return ["logs:CreateLogStream", "logs:PutLogEvents"].every((a) => allowed.has(a) || allowed.has("logs:*"));
}

export const MESSAGE_RULES: readonly Rule[] = [
    {
        id: "sns-subscription-accepts-its-messages",
        reason: "A subscription's filter policy accepts every message its topic's publishers send: each audience has its own topic.",
        check: (ctx) => {
            const byTopic = messagesByTopic(ctx);
            return ofType(ctx, "aws:sns/topicSubscription:TopicSubscription").flatMap((resource) => {
                const policy = resource.inputs.filterPolicy;
                const topic = resource.inputs.topic;
                if (typeof policy !== "string" || typeof topic !== "string") return [];
                const scope: FilterScope = resource.inputs.filterPolicyScope === "MessageBody" ? "MessageBody" : "MessageAttributes";
                const problems: string[] = [];
                for (const m of byTopic.get(topic) ?? []) {
                    let accepted: boolean | undefined;
                    try {
                        accepted = filterAccepts(policy, scope, m);
                    } catch (e) {
                        if (!(e instanceof FilterPolicyError || e instanceof SyntaxError)) throw e;
                        problems.push(`filter policy ${policy} cannot be evaluated: ${e.message}`);
                        break;
                    }
                    if (accepted === false) {
                        const why =
                            m.kind === "cloudwatch-alarm" && scope === "MessageAttributes"
                                ? ' (they carry no attributes, and "exists": false only matches when at least one attribute is present)'
                                : "";
                        problems.push(`filter policy ${policy} (${scope}) drops ${DESCRIBE[m.kind]} from ${m.publisher}${why}`);
                    }
                }
                return [...new Set(problems)].map((message) => ({ resource, message }));
            });
        },
    },
    {
        // EventBridge writes to CloudWatch Logs only through the log group's resource policy; a role on
        // the target is not used, and without the policy every event is dropped (FailedInvocations).
        // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
        id: "eventbridge-logs-target-has-resource-policy",
        reason: "An EventBridge rule targeting a log group needs that group's resource policy to admit events.amazonaws.com; a target role is not used.",
        check: (ctx) =>
            ofType(ctx, "aws:cloudwatch/eventTarget:EventTarget").flatMap((resource) => {
                const arn = resource.inputs.arn;
                if (typeof arn !== "string" || arn.split(":")[2] !== "logs") return [];
                if (resource.inputs.roleArn !== undefined)
                    return [{ resource, message: "sets a roleArn on a CloudWatch Logs target; EventBridge uses the log group's resource policy instead" }];
                const verdicts = ofType(ctx, "aws:cloudwatch/logResourcePolicy:LogResourcePolicy")
                    .filter((p) => p.inputs.resourceArn === undefined || p.inputs.resourceArn === arn)
                    .map((p) => admitsEventBridge(p.inputs.policyDocument, arn));
                if (verdicts.includes(true) || verdicts.includes(undefined)) return [];
                return [
                    {
                        resource,
                        message: `targets log group ${arn}, but no CloudWatch Logs resource policy lets events.amazonaws.com create streams and put events there: every event would be dropped`,
                    },
                ];
            }),
    },
    {
        id: "sns-topic-one-message-kind",
        reason: "Each topic carries one kind of message (CloudWatch alarms or one Alertmanager audience), so no subscriber gets what it cannot read.",
        check: (ctx) =>
            [...messagesByTopic(ctx).entries()].flatMap(([arn, messages]) => {
                const kinds = [...new Set(messages.map((m) => m.kind))].sort();
                const topic = topicOf(ctx, arn);
                if (kinds.length <= 1 || topic === undefined) return [];
                const from = kinds.map(
                    (k) => `${DESCRIBE[k]} from ${[...new Set(messages.filter((m) => m.kind === k).map((m) => m.publisher))].slice(0, 2).join(", ")}`,
                );
                return [{ resource: topic, message: `receives ${from.join(" and ")}; give each audience its own topic` }];
            }),
    },
];
