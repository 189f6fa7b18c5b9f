/**
 * Readable reports of a stack's alerting for the offline plan: each alert's worst-case time to
 * notify on both paths (from the catalog's time-to-notify math) and where each severity goes.
 * Pure: computed from the validated config alone; alarm timing does not depend on dimension values,
 * so placeholder targets stand in for the deployed resources.
 */
import type { AlertingConfig } from "../../config/alerting";
import { resolveAlerts, placeholderTargets, type ResolveSettings } from "./catalog";
import { buildCloudWatchAlarms } from "./cloudwatch-alarms";
import { formatTimeToNotifyTable, NOTIFY_TARGETS, timeToNotifyTable, type TimeToNotifyRow } from "./time-to-notify";

export interface ReportInput {
    readonly namePrefix: string;
    readonly alerting: AlertingConfig;
    /** The stack's catalog settings (`stackAlertSettings(config)`: overrides with defaults, Prometheus intervals). */
    readonly settings: ResolveSettings;
    /** Whether the monitoring layer (Prometheus, Alertmanager) runs: without it there is no Prometheus path. */
    readonly monitoringEnabled: boolean;
    /** Data-store mode: decides which CloudWatch alarm variants exist. */
    readonly dataStoreMode: "ecs" | "managed";
    /** Replication group nodes (`managed`). @default 2 */
    readonly cacheNodes?: number;
}

const PLACEHOLDER = "placeholder";

/** Time-to-notify rows for a stack's effective alert settings (production profile). */
function stackTimeToNotify(i: ReportInput): TimeToNotifyRow[] {
    const resolved = resolveAlerts(i.settings);
    // Without the monitoring layer there is no Prometheus rule: report the CloudWatch path alone.
    const alerts = i.monitoringEnabled ? resolved : resolved.map((a) => ({ ...a, prometheus: undefined }));
    const targets = placeholderTargets({ dataStoreMode: i.dataStoreMode, cacheNodes: i.cacheNodes ?? 2, name: PLACEHOLDER });
    return timeToNotifyTable(alerts, buildCloudWatchAlarms({ namePrefix: i.namePrefix, targets, alerts, runbookBaseUrl: i.alerting.runbookBaseUrl }));
}

/** The plan section: a table plus the targets it is judged against. */
export function timeToNotifySection(i: ReportInput): string {
    const rows = stackTimeToNotify(i);
    const note = i.monitoringEnabled
        ? ""
        : "\nMonitoring is off (koronet:monitoring.enabled: false): no Prometheus rules, so alerts without a CloudWatch alarm (—) are not evaluated at all.";
    const misses = rows.filter(
        (r) => r.prometheus?.meetsNotifyTarget === false || r.prometheus?.meetsResolvedTarget === false || r.cloudwatch?.meetsNotifyTarget === false,
    );
    return [
        `Alerts: worst-case time to notify (production profile, scrape ${i.settings.prometheusIntervals?.scrapeIntervalSeconds ?? 15}s, rules every ${i.settings.prometheusIntervals?.evaluationIntervalSeconds ?? 5}s; fault → first notification, fault cleared → resolved)`,
        formatTimeToNotifyTable(rows),
        `${note ? `${note.trim()}\n` : ""}Targets: critical ≤ ${NOTIFY_TARGETS.prometheus.critical}s (Prometheus) / ≤ ${NOTIFY_TARGETS.cloudwatch.critical}s (CloudWatch), warning ≤ ${NOTIFY_TARGETS.prometheus.warning}s, resolved ≤ ${NOTIFY_TARGETS.resolved}s (Prometheus). ${misses.length === 0 ? "All met." : `Missed (✗): ${misses.map((r) => r.alertId).join(", ")}.`}`,
    ].join("\n");
}

/** Where each severity goes, in words. */
export function routingSection(alerting: AlertingConfig): string {
    const n = alerting.notifications;
    const slack =
        n.slack.mode === "lambda"
            ? `Slack ${n.slack.channel} (notifier Lambda)`
            : n.slack.mode === "chatbot"
              ? `Slack ${n.slack.channel} (AWS Chatbot)`
              : undefined;
    const mail = (l: readonly string[]) => (l.length > 0 ? `email ${l.join(", ")}` : undefined);
    const line = (label: string, parts: (string | undefined)[]) => `  ${label.padEnd(9)} → ${parts.filter(Boolean).join(" + ") || "nobody"}`;
    return [
        "Alert routing (CloudWatch via SNS; Prometheus via Alertmanager, same receivers):",
        line("critical", [slack, mail(n.email.critical), n.pagerduty.enabled ? "PagerDuty" : undefined]),
        line("warning", [slack, mail(n.email.warning)]),
        line("pipeline", [mail(n.email.critical), n.pagerduty.enabled ? "PagerDuty" : undefined]) + "   (notifier/forwarder failures; never Slack)",
        line("Watchdog", [n.slack.mode === "lambda" ? "notifier heartbeat → Koronet/Alerting WatchdogHeartbeat" : "SNS heartbeat topic"]) + "   (never people)",
    ].join("\n");
}
