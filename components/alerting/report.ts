/**
 * Readable reports of a stack's alerting for the offline plan: each alert's worst-case time to
 * notify on both paths (from the catalog's time-to-notify math) and where each severity goes.
 * Pure: computed from the validated config alone; alarm timing does not depend on dimension values,
 * so placeholder targets stand in for the deployed resources.
 */
import type { AlertingConfig } from "../../config/alerting";
import { withAlertDefaults } from "../../config/alerts";
import { resolveAlerts, type CloudWatchTargets } from "./catalog";
import { buildCloudWatchAlarms } from "./cloudwatch-alarms";
import { formatTimeToNotifyTable, NOTIFY_TARGETS, timeToNotifyTable, type TimeToNotifyRow } from "./time-to-notify";

export interface ReportInput {
    readonly environment: "dev" | "prod";
    readonly namePrefix: string;
    readonly alerting: AlertingConfig;
    /** Data-store mode: decides which CloudWatch alarm variants exist. */
    readonly dataStoreMode: "ecs" | "managed";
    /** Replication group nodes (`managed`). @default 2 */
    readonly cacheNodes?: number;
}

const PLACEHOLDER = "placeholder";

/** Time-to-notify rows for a stack's effective alert settings (production profile). */
export function stackTimeToNotify(i: ReportInput): TimeToNotifyRow[] {
    const alerts = resolveAlerts({ alerts: withAlertDefaults(i.environment, i.alerting.alerts), runbookBaseUrl: i.alerting.runbookBaseUrl });
    const targets: CloudWatchTargets = {
        loadBalancerArnSuffix: PLACEHOLDER,
        targetGroupArnSuffix: PLACEHOLDER,
        clusterName: PLACEHOLDER,
        serviceName: PLACEHOLDER,
        dataStores: i.dataStoreMode === "managed"
            ? { mode: "managed", rds: { instanceId: PLACEHOLDER, maxConnections: 100, allocatedStorageGiB: 20, memoryBytes: 4 * 1024 ** 3 }, elasticache: { cacheClusterIds: Array.from({ length: i.cacheNodes ?? 2 }, (_, n) => `${PLACEHOLDER}-${n}`) } }
            : { mode: "ecs" },
    };
    return timeToNotifyTable(alerts, buildCloudWatchAlarms({ namePrefix: i.namePrefix, targets, alerts, runbookBaseUrl: i.alerting.runbookBaseUrl }));
}

/** The plan section: a table plus the targets it is judged against. */
export function timeToNotifySection(i: ReportInput): string {
    const rows = stackTimeToNotify(i);
    const misses = rows.filter((r) => r.prometheus?.meetsNotifyTarget === false || r.prometheus?.meetsResolvedTarget === false || r.cloudwatch?.meetsNotifyTarget === false);
    return [
        "Alerts: worst-case time to notify (production profile; fault → first notification, fault cleared → resolved)",
        formatTimeToNotifyTable(rows),
        `Targets: critical ≤ ${NOTIFY_TARGETS.prometheus.critical}s (Prometheus) / ≤ ${NOTIFY_TARGETS.cloudwatch.critical}s (CloudWatch), warning ≤ ${NOTIFY_TARGETS.prometheus.warning}s, resolved ≤ ${NOTIFY_TARGETS.resolved}s (Prometheus). ${misses.length === 0 ? "All met." : `Missed (✗): ${misses.map((r) => r.alertId).join(", ")}.`}`,
    ].join("\n");
}

/** Where each severity goes, in words. */
export function routingSection(alerting: AlertingConfig): string {
    const n = alerting.notifications;
    const slack = n.slack.mode === "lambda" ? `Slack ${n.slack.channel} (notifier Lambda)` : n.slack.mode === "chatbot" ? `Slack ${n.slack.channel} (AWS Chatbot)` : undefined;
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
