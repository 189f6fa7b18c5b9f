/**
 * CloudWatch alarm notification (SNS) → PagerDuty Events API v2 event. Pure, no SDK imports.
 * https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
 */
import { parseAlarmDescription } from "../contract/convention";

/** Alarm name and new state of a CloudWatch alarm notification, or undefined for anything else. */
export function alarmStateOf(snsMessage: string): { readonly alarmName: string; readonly state: string } | undefined {
    try {
        const m = JSON.parse(snsMessage) as Record<string, unknown>;
        return typeof m.AlarmName === "string" && typeof m.NewStateValue === "string" ? { alarmName: m.AlarmName, state: m.NewStateValue } : undefined;
    } catch {
        return undefined;
    }
}

export interface PagerDutyEvent {
    readonly routing_key: string;
    readonly event_action: "trigger" | "resolve";
    readonly dedup_key: string;
    readonly payload?: {
        readonly summary: string;
        readonly source: string;
        readonly severity: "critical" | "error" | "warning" | "info";
        readonly timestamp?: string;
        readonly component?: string;
        readonly custom_details?: Record<string, unknown>;
    };
    readonly links?: readonly { readonly href: string; readonly text: string }[];
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * The event for one SNS message body. ALARM triggers, OK resolves (same dedup key: the alarm ARN,
 * so a trigger and its resolution meet in one incident); INSUFFICIENT_DATA returns undefined (the
 * alarm's own treatMissingData decides whether missing data is an outage, which then arrives as
 * ALARM). A body that is not a CloudWatch alarm still pages: losing a critical alert is worse than
 * an ugly incident.
 */
export function pagerDutyEventFor(snsMessage: string, routingKey: string, snsMessageId: string): PagerDutyEvent | undefined {
    let alarm: Record<string, unknown> | undefined;
    try {
        const parsed: unknown = JSON.parse(snsMessage);
        if (typeof parsed === "object" && parsed !== null && typeof (parsed as Record<string, unknown>).AlarmName === "string")
            alarm = parsed as Record<string, unknown>;
    } catch {
        alarm = undefined;
    }
    if (alarm === undefined) {
        return {
            routing_key: routingKey,
            event_action: "trigger",
            dedup_key: `sns-${snsMessageId}`,
            payload: {
                summary: cut(`Unreadable critical notification: ${snsMessage.replace(/\s+/g, " ")}`, 1024),
                source: "koronet-alerting",
                severity: "critical",
                custom_details: { raw: cut(snsMessage, 4000) },
            },
        };
    }
    const state = String(alarm.NewStateValue ?? "");
    if (state !== "ALARM" && state !== "OK") return undefined;
    const name = String(alarm.AlarmName);
    const arn = typeof alarm.AlarmArn === "string" ? alarm.AlarmArn : name;
    const dedup = cut(arn, 255);
    if (state === "OK") return { routing_key: routingKey, event_action: "resolve", dedup_key: dedup };
    const desc = parseAlarmDescription(typeof alarm.AlarmDescription === "string" ? alarm.AlarmDescription : undefined);
    const links = desc.runbookUrl !== undefined && /^https?:\/\//.test(desc.runbookUrl) ? [{ href: desc.runbookUrl, text: "Runbook" }] : [];
    return {
        routing_key: routingKey,
        event_action: "trigger",
        dedup_key: dedup,
        payload: {
            summary: cut(`${name}: ${desc.summary ?? String(alarm.NewStateReason ?? "in ALARM")}`, 1024),
            source: arn,
            severity: "critical",
            ...(typeof alarm.StateChangeTime === "string" ? { timestamp: new Date(alarm.StateChangeTime).toISOString() } : {}),
            component: name,
            custom_details: { reason: alarm.NewStateReason, details: desc.details, region: alarm.Region, previous_state: alarm.OldStateValue },
        },
        ...(links.length > 0 ? { links } : {}),
    };
}

/** The slice of an Alertmanager webhook alert the mapping reads. */
export interface AlertmanagerAlertLike {
    readonly status: "firing" | "resolved";
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>> | null;
    readonly startsAt?: string | null;
    readonly generatorURL?: string | null;
}

const PD_SEVERITIES = ["critical", "error", "warning", "info"] as const;

/**
 * The event for one Alertmanager alert (the critical route's second webhook, through the
 * notifier's per-occurrence dedupe). FIRING triggers, RESOLVED resolves, both under `dedupKey`: one
 * per alert, so the resolve meets its trigger, a trigger PagerDuty receives again for an open alert
 * is appended to it rather than opening another, and a re-fire after a resolve opens a new incident ("Subsequent alerts with a matching
 * dedup_key will be deduplicated into the same incident":
 * https://support.pagerduty.com/main/docs/event-management, Deduplicate Alerts;
 * https://developer.pagerduty.com/docs/events-api-v2/trigger-events/). The resolve carries the
 * summary too (PagerDuty ignores a resolve's payload), so its log says which alert ended.
 */
export function pagerDutyEventForAlert(alert: AlertmanagerAlertLike, routingKey: string, dedupKey: string): PagerDutyEvent {
    const name = alert.labels["alertname"] ?? "alert";
    const summary = cut(`${name}: ${alert.annotations?.["summary"] ?? "(no summary)"}`, 1024);
    const sev = alert.labels["severity"];
    const severity = (PD_SEVERITIES as readonly string[]).includes(sev ?? "") ? (sev as NonNullable<PagerDutyEvent["payload"]>["severity"]) : "critical";
    const runbook = alert.annotations?.["runbook_url"];
    const links = [
        ...(runbook !== undefined && /^https?:\/\//.test(runbook) ? [{ href: runbook, text: "Runbook" }] : []),
        ...(alert.generatorURL ? [{ href: alert.generatorURL, text: "Prometheus" }] : []),
    ];
    return {
        routing_key: routingKey,
        event_action: alert.status === "firing" ? "trigger" : "resolve",
        dedup_key: cut(dedupKey, 255),
        payload: {
            summary,
            source: alert.labels["instance"] ?? alert.labels["job"] ?? "koronet-alertmanager",
            severity,
            ...(alert.startsAt ? { timestamp: new Date(alert.startsAt).toISOString() } : {}),
            component: name,
            custom_details: { labels: alert.labels, description: alert.annotations?.["description"], starts_at: alert.startsAt },
        },
        ...(links.length > 0 ? { links } : {}),
    };
}
