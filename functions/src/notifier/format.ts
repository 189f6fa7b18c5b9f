/**
 * Turns parsed events into Slack messages: one attachment whose colour carries the state, Block
 * Kit blocks inside it for the content, and a top-level `text` that phones show in notifications.
 */
import type { ContextBlock, HeaderBlock, KnownBlock, MessageAttachment, SectionBlock } from "@slack/types";
import { normaliseSeverity, parseAlarmDescription, severityFromName, worstSeverity, type Severity } from "../contract/convention";
import type { AlarmState, AlarmTrigger, AlertmanagerAlert, AlertmanagerPayload, CloudWatchAlarm, MetricDataQuery } from "./events";

/** What is POSTed to the Slack incoming webhook. */
export interface SlackMessage {
    /** Plain notification text; also what clients without Block Kit show. */
    readonly text: string;
    readonly attachments?: MessageAttachment[];
    readonly blocks?: KnownBlock[];
}

const COLORS = {
    alarm: "#D0021B",
    ok: "#2EB67D",
    insufficientData: "#9B9B9B",
    critical: "#D0021B",
    warning: "#F2A900",
    info: "#439FE0",
    raw: "#F2A900",
} as const;

const SECTION_MAX = 3000;
const HEADER_MAX = 150;
/** Alerts rendered individually per Alertmanager message; the rest are counted. */
const MAX_ALERTS_SHOWN = 10;
const RAW_CHUNK = 2800;
const RAW_MAX_CHUNKS = 12;

/** Escapes the three characters Slack mrkdwn treats as control characters. */
function escapeMrkdwn(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function truncate(text: string, max: number): string {
    return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A mrkdwn link, or undefined for anything that is not an http(s) URL (never link `javascript:`). */
function link(url: string | null | undefined, label: string): string | undefined {
    if (url === null || url === undefined) return undefined;
    const trimmed = url.trim();
    if (!/^https?:\/\/\S+$/i.test(trimmed)) return undefined;
    const safeUrl = trimmed.replace(/\|/g, "%7C").replace(/>/g, "%3E").replace(/</g, "%3C");
    return `<${safeUrl}|${escapeMrkdwn(label).replace(/\|/g, "¦")}>`;
}

function section(text: string): SectionBlock {
    return { type: "section", text: { type: "mrkdwn", text: truncate(text, SECTION_MAX) } };
}

function fieldsSection(fields: readonly (readonly [string, string | undefined])[]): SectionBlock | undefined {
    const present = fields.filter((f): f is readonly [string, string] => f[1] !== undefined && f[1] !== "");
    if (present.length === 0) return undefined;
    // Slack allows at most 10 fields of 2000 characters each.
    return {
        type: "section",
        fields: present.slice(0, 10).map(([k, v]) => ({ type: "mrkdwn" as const, text: truncate(`*${k}*\n${v}`, 2000) })),
    };
}

function header(text: string): HeaderBlock {
    return { type: "header", text: { type: "plain_text", text: truncate(text, HEADER_MAX), emoji: true } };
}

function context(parts: readonly (string | undefined)[]): ContextBlock | undefined {
    const present = parts.filter((p): p is string => p !== undefined && p !== "");
    if (present.length === 0) return undefined;
    return { type: "context", elements: [{ type: "mrkdwn", text: truncate(present.join("  ·  "), SECTION_MAX) }] };
}

/** Slack date token: rendered in the reader's time zone, with a UTC fallback. */
function slackDate(iso: string | null | undefined): string | undefined {
    if (iso === null || iso === undefined || iso === "") return undefined;
    const ms = Date.parse(iso);
    if (Number.isNaN(ms) || ms <= 0) return undefined;
    const fallback = new Date(ms)
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, " UTC");
    return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time_secs}|${fallback}>`;
}

function compact<T>(items: readonly (T | undefined)[]): T[] {
    return items.filter((i): i is T => i !== undefined);
}

function message(text: string, color: string, blocks: readonly (KnownBlock | undefined)[]): SlackMessage {
    return { text: truncate(text, 3000), attachments: [{ color, fallback: truncate(text, 3000), blocks: compact(blocks).slice(0, 50) }] };
}

// ---------------------------------------------------------------------------------------------
// CloudWatch alarms

/** Region code, partition and alarm name from an alarm ARN (names may themselves contain colons). */
function parseAlarmArn(arn: string | null | undefined): { partition: string; region: string; account: string; name: string } | undefined {
    if (arn === null || arn === undefined) return undefined;
    const parts = arn.split(":");
    if (parts.length < 7 || parts[0] !== "arn" || parts[2] !== "cloudwatch" || parts[5] !== "alarm") return undefined;
    return { partition: parts[1]!, region: parts[3]!, account: parts[4]!, name: parts.slice(6).join(":") };
}

const CONSOLE_HOSTS: Record<string, (region: string) => string> = {
    aws: (r) => `${r}.console.aws.amazon.com`,
    "aws-cn": () => "console.amazonaws.cn",
    "aws-us-gov": () => "console.amazonaws-us-gov.com",
};

/** Deep link to the alarm in the CloudWatch console of the alarm's own region and partition. */
export function alarmConsoleUrl(alarmArn: string | null | undefined, alarmName?: string): string | undefined {
    const arn = parseAlarmArn(alarmArn);
    if (!arn) return undefined;
    const host = CONSOLE_HOSTS[arn.partition];
    if (!host) return undefined;
    const name = alarmName ?? arn.name;
    return `https://${host(arn.region)}/cloudwatch/home?region=${arn.region}#alarmsV2:alarm/${encodeURIComponent(name)}`;
}

const OPERATORS: Record<string, string> = {
    GreaterThanOrEqualToThreshold: "≥",
    GreaterThanThreshold: ">",
    LessThanThreshold: "<",
    LessThanOrEqualToThreshold: "≤",
    LessThanLowerOrGreaterThanUpperThreshold: "outside the band",
    GreaterThanUpperThreshold: "above the band",
    LessThanLowerThreshold: "below the band",
};

function dimensionsText(dims: readonly { name: string; value: string }[] | null | undefined): string {
    if (!dims || dims.length === 0) return "";
    return ` (${dims.map((d) => `${d.name}=${d.value}`).join(", ")})`;
}

function metricQueryText(q: MetricDataQuery): string {
    if (q.Expression) return `\`${q.Id} = ${q.Expression}\`${q.Label ? ` — ${q.Label}` : ""}`;
    const ms = q.MetricStat;
    if (!ms) return `\`${q.Id}\``;
    const m = ms.Metric;
    return `\`${q.Id}\` ${[m.Namespace, m.MetricName, ms.Stat].filter(Boolean).join(" ")}${dimensionsText(m.Dimensions)}${ms.Period ? `, ${ms.Period}s` : ""}`;
}

/** Human description of what the alarm measures: a single metric, a math expression, or an anomaly band. */
function describeMetric(trigger: AlarmTrigger): string | undefined {
    if (trigger.Metrics && trigger.Metrics.length > 0) {
        // Threshold/returned expressions first, then the metrics they read.
        const main = trigger.Metrics.filter((q) => q.Id === trigger.ThresholdMetricId || q.ReturnData === true);
        const rest = trigger.Metrics.filter((q) => !main.includes(q));
        return [...main, ...rest].map(metricQueryText).join("\n");
    }
    if (!trigger.MetricName) return undefined;
    const stat = trigger.ExtendedStatistic ?? trigger.Statistic;
    return `${[trigger.Namespace, trigger.MetricName, stat].filter(Boolean).join(" ")}${dimensionsText(trigger.Dimensions)}`;
}

function treatMissingData(value: string | null | undefined): string | undefined {
    // Older notifications carry "- TreatMissingData:                    missing".
    const v = value?.replace(/^\s*-\s*TreatMissingData:\s*/i, "").trim();
    return v ? v : undefined;
}

/** "> 5 for 3 of 5 periods of 60 s · missing data: breaching". */
function describeCondition(trigger: AlarmTrigger): string | undefined {
    const op = trigger.ComparisonOperator ? (OPERATORS[trigger.ComparisonOperator] ?? trigger.ComparisonOperator) : undefined;
    let condition: string | undefined;
    if (trigger.ThresholdMetricId) {
        const band = trigger.Metrics?.find((q) => q.Id === trigger.ThresholdMetricId)?.Expression;
        condition = `${op ?? "crosses"} ${band ? `\`${band}\`` : `\`${trigger.ThresholdMetricId}\``}`;
    } else if (op !== undefined && trigger.Threshold !== null && trigger.Threshold !== undefined) {
        condition = `${op} ${trigger.Threshold}${trigger.Unit ? ` ${trigger.Unit}` : ""}`;
    }
    const evalPeriods = trigger.EvaluationPeriods ?? undefined;
    const datapoints = trigger.DatapointsToAlarm ?? evalPeriods;
    const period = trigger.Period ?? trigger.Metrics?.find((q) => q.MetricStat?.Period)?.MetricStat?.Period ?? undefined;
    const window = evalPeriods !== undefined ? `for ${datapoints} of ${evalPeriods} periods${period !== undefined ? ` of ${period} s` : ""}` : undefined;
    const missing = treatMissingData(trigger.TreatMissingData);
    const main = [condition, window].filter(Boolean).join(" ");
    const parts = [main || undefined, missing ? `missing data: ${missing}` : undefined].filter(Boolean);
    return parts.length > 0 ? parts.join(" · ") : undefined;
}

function stateEmoji(state: AlarmState): string {
    return state === "ALARM" ? ":red_circle:" : state === "OK" ? ":large_green_circle:" : ":white_circle:";
}

function stateColor(state: AlarmState): string {
    return state === "ALARM" ? COLORS.alarm : state === "OK" ? COLORS.ok : COLORS.insufficientData;
}

/** The severity an alarm carries: description tag first, then a token in its name. */
function alarmSeverity(alarm: CloudWatchAlarm): Severity | undefined {
    return parseAlarmDescription(alarm.AlarmDescription).severity ?? severityFromName(alarm.AlarmName);
}

function stateLabel(alarm: CloudWatchAlarm): string {
    if (alarm.NewStateValue === "OK") return alarm.OldStateValue === "ALARM" ? "RESOLVED" : "OK";
    return alarm.NewStateValue === "INSUFFICIENT_DATA" ? "INSUFFICIENT DATA" : "ALARM";
}

function childName(child: string | { Arn: string; State?: { Value?: string | null } | null }): string {
    const arn = typeof child === "string" ? child : child.Arn;
    const name = parseAlarmArn(arn)?.name ?? arn;
    const state = typeof child === "string" ? undefined : child.State?.Value;
    return `\`${escapeMrkdwn(name)}\`${state ? ` → ${state}` : ""}`;
}

/** Slack message for a CloudWatch alarm state change (metric, metric math, anomaly band or composite). */
export function formatCloudWatchAlarm(alarm: CloudWatchAlarm): SlackMessage {
    const desc = parseAlarmDescription(alarm.AlarmDescription);
    const severity = alarmSeverity(alarm);
    const label = stateLabel(alarm);
    const sevTag = severity ? `[${severity.toUpperCase()}] ` : "";
    const summary = desc.summary;
    const text = `${label}: ${sevTag}${alarm.AlarmName}${summary ? ` — ${summary}` : ""}`;
    const trigger = alarm.Trigger ?? undefined;
    const composite = alarm.AlarmRule !== null && alarm.AlarmRule !== undefined;
    const consoleUrl = alarmConsoleUrl(alarm.AlarmArn);
    const arn = parseAlarmArn(alarm.AlarmArn);
    const links = compact([link(desc.runbookUrl, ":book: Runbook"), link(consoleUrl, ":cloud: Open in CloudWatch")]);

    const metric = trigger ? describeMetric(trigger) : undefined;
    const condition = trigger ? describeCondition(trigger) : undefined;
    const children = alarm.TriggeringChildren?.map(childName).join("\n");

    return message(text, stateColor(alarm.NewStateValue), [
        header(`${stateEmoji(alarm.NewStateValue)} ${label} ${sevTag}${alarm.AlarmName}`),
        summary ? section(`*${escapeMrkdwn(summary)}*${desc.details ? `\n${escapeMrkdwn(desc.details)}` : ""}`) : undefined,
        fieldsSection(
            [
                ["Severity", severity ?? "unknown"],
                ["State", `${alarm.OldStateValue ?? "?"} → *${alarm.NewStateValue}*`],
                ["When", slackDate(alarm.StateChangeTime) ?? alarm.StateChangeTime ?? undefined],
                ["Region", arn?.region ?? alarm.Region ?? undefined],
                composite ? ["Type", "composite alarm"] : undefined,
            ].filter((f): f is [string, string | undefined] => f !== undefined),
        ),
        metric ? section(`*Metric*\n${escapeMrkdwn(metric)}`) : undefined,
        condition ? section(`*Threshold*\n${escapeMrkdwn(condition)}`) : undefined,
        composite ? section(`*Rule*\n\`${escapeMrkdwn(truncate(alarm.AlarmRule ?? "", 2800))}\``) : undefined,
        children ? section(`*Triggered by*\n${children}`) : undefined,
        alarm.NewStateReason ? section(`*Reason*\n${escapeMrkdwn(alarm.NewStateReason)}`) : undefined,
        links.length > 0 ? section(links.join("   ")) : undefined,
        context([arn ? `account ${arn.account}` : alarm.AWSAccountId ? `account ${alarm.AWSAccountId}` : undefined, alarm.Region ?? undefined, "CloudWatch"]),
    ]);
}

// ---------------------------------------------------------------------------------------------
// Alertmanager

/** Severity of one alert from its `severity` label. */
function alertSeverity(alert: AlertmanagerAlert): Severity | undefined {
    return normaliseSeverity(alert.labels["severity"]);
}

function severityColor(severity: Severity | undefined): string {
    return severity === "critical" ? COLORS.critical : severity === "info" ? COLORS.info : COLORS.warning;
}

function silenceUrl(externalURL: string | null | undefined, labels: Record<string, string>): string | undefined {
    if (!externalURL) return undefined;
    const matchers = Object.entries(labels)
        .filter(([k]) => k === "alertname" || k === "job" || k === "instance" || k === "service")
        .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)
        .join(",");
    return `${externalURL.replace(/\/$/, "")}/#/silences/new?filter=${encodeURIComponent(`{${matchers}}`)}`;
}

function alertBlock(alert: AlertmanagerAlert, payload: AlertmanagerPayload): SectionBlock {
    const ann = alert.annotations ?? {};
    const name = alert.labels["alertname"] ?? "alert";
    const title = ann["summary"] ?? name;
    const common = payload.commonLabels ?? {};
    const labels = Object.entries(alert.labels)
        .filter(([k, v]) => k !== "alertname" && k !== "severity" && common[k] !== v)
        .map(([k, v]) => `${k}=${v}`);
    const times =
        alert.status === "resolved"
            ? `started ${slackDate(alert.startsAt) ?? "?"}, resolved ${slackDate(alert.endsAt) ?? "?"}`
            : `since ${slackDate(alert.startsAt) ?? "?"}`;
    const links = compact([
        link(ann["runbook_url"], ":book: Runbook"),
        link(alert.generatorURL, ":mag: Source"),
        alert.status === "firing" ? link(silenceUrl(payload.externalURL, alert.labels), ":no_bell: Silence") : undefined,
    ]);
    const lines = compact([
        `${alert.status === "firing" ? ":fire:" : ":white_check_mark:"} *${escapeMrkdwn(title)}*${alertSeverity(alert) ? ` (${alertSeverity(alert)})` : ""}`,
        ann["description"] ? escapeMrkdwn(ann["description"]) : undefined,
        labels.length > 0 ? `\`${escapeMrkdwn(labels.join(", "))}\`` : undefined,
        `_${times}_`,
        links.length > 0 ? links.join("   ") : undefined,
    ]);
    return section(lines.join("\n"));
}

/** Slack message for one Alertmanager notification (a group of alerts). */
export function formatAlertmanager(payload: AlertmanagerPayload): SlackMessage {
    const firing = payload.alerts.filter((a) => a.status === "firing");
    const resolved = payload.alerts.filter((a) => a.status === "resolved");
    const groupName =
        payload.groupLabels?.["alertname"] ??
        payload.commonLabels?.["alertname"] ??
        (Object.values(payload.groupLabels ?? {}).join(" ") || payload.receiver || "alerts");
    const allResolved = payload.status === "resolved" || firing.length === 0;
    const severity = worstSeverity((allResolved ? payload.alerts : firing).map(alertSeverity));
    const sevTag = severity ? `[${severity.toUpperCase()}] ` : "";
    const label = allResolved ? "RESOLVED" : "FIRING";
    const counts = allResolved ? `${resolved.length} resolved` : `${firing.length} firing${resolved.length > 0 ? `, ${resolved.length} resolved` : ""}`;
    const summary = payload.commonAnnotations?.["summary"];
    const text = `${label}: ${sevTag}${groupName} (${counts})${summary ? ` — ${summary}` : ""}`;

    const ordered = [...firing, ...resolved];
    const shown = ordered.slice(0, MAX_ALERTS_SHOWN);
    const hidden = ordered.length - shown.length + (payload.truncatedAlerts ?? 0);
    const commonLabels = Object.entries(payload.commonLabels ?? {})
        .filter(([k]) => k !== "alertname")
        .map(([k, v]) => `${k}=${v}`);

    return message(text, allResolved ? COLORS.ok : severityColor(severity), [
        header(`${allResolved ? ":white_check_mark:" : ":fire:"} ${label} ${sevTag}${groupName} (${counts})`),
        summary && payload.alerts.length > 1 ? section(`*${escapeMrkdwn(summary)}*`) : undefined,
        ...shown.map((a) => alertBlock(a, payload)),
        hidden > 0 ? section(`_…and ${hidden} more alert${hidden === 1 ? "" : "s"} not shown_`) : undefined,
        context([
            commonLabels.length > 0 ? `\`${escapeMrkdwn(commonLabels.join(", "))}\`` : undefined,
            payload.receiver ? `receiver ${escapeMrkdwn(payload.receiver)}` : undefined,
            link(payload.externalURL, "Alertmanager") ?? "Alertmanager",
        ]),
    ]);
}

// ---------------------------------------------------------------------------------------------
// Raw fallback

/**
 * A warning message carrying the event verbatim as fenced code, for anything we could not parse.
 * The point is that the alert is never lost; a human can still read it.
 */
export function formatRaw(reason: string, raw: string, source: string): SlackMessage {
    const safe = escapeMrkdwn(raw).replace(/```/g, "`\u200b``");
    const chunks: string[] = [];
    for (let i = 0; i < safe.length && chunks.length < RAW_MAX_CHUNKS; i += RAW_CHUNK) chunks.push(safe.slice(i, i + RAW_CHUNK));
    const cut = safe.length > RAW_CHUNK * RAW_MAX_CHUNKS;
    const text = `:warning: Unreadable alert from ${source} — raw content follows`;
    return message(text, COLORS.raw, [
        header(`:warning: Unreadable alert from ${source}`),
        section(`The notifier could not parse this event (${escapeMrkdwn(reason)}). It is posted verbatim so it is not lost.`),
        ...(chunks.length > 0 ? chunks : [""]).map((c) => section(`\`\`\`${c}\`\`\``)),
        cut ? section(`_truncated: ${raw.length} characters in total_`) : undefined,
    ]);
}

/**
 * Text-only rendering of a message, used when Slack rejects the rich one (HTTP 400): every
 * readable line of the blocks, so the content survives even if the layout does not.
 */
export function plainFallback(msg: SlackMessage): SlackMessage {
    const lines: string[] = [msg.text];
    const blocks = [...(msg.blocks ?? []), ...(msg.attachments ?? []).flatMap((a) => (a.blocks ?? []) as KnownBlock[])];
    for (const b of blocks) {
        if (b.type === "section") {
            if (b.text) lines.push(b.text.text);
            for (const f of b.fields ?? []) lines.push(f.text);
        } else if (b.type === "context") {
            for (const e of b.elements) if ("text" in e) lines.push(e.text);
        }
    }
    return { text: truncate(lines.join("\n"), 3900) };
}
