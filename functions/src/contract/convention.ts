/**
 * The conventions shared by whoever creates alarms and alert rules (the alerting component, the
 * Prometheus rules) and the notifier that renders them. Free of AWS SDK imports so that Pulumi
 * code can use it without pulling the Lambda's dependencies.
 */

/** Severities an alert can carry, most urgent first. */
export const SEVERITIES = ["critical", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** CloudWatch namespace and metric of the Watchdog heartbeat (see docs/CONTRACTS.md). */
export const HEARTBEAT_NAMESPACE = "Koronet/Alerting";
export const HEARTBEAT_METRIC = "WatchdogHeartbeat";
/** Dimension name on the heartbeat metric; its value is the env var `STACK_NAME`. */
export const HEARTBEAT_DIMENSION = "Stack";
/** `alertname` label of the always-firing Prometheus alert that drives the heartbeat. */
export const WATCHDOG_ALERT_NAME = "Watchdog";

/**
 * Fire drills (`npm run drill`). CloudWatch path: a drill alarm per severity on a metric nothing
 * publishes (`<prefix>-alerting-DRILL-<severity>`). Prometheus path: an alert posted to Alertmanager
 * with these labels; Alertmanager's drill route sends it to the `drill` receiver (never PagerDuty)
 * unless it also carries `page="true"`.
 */
export const DRILL_METRIC = { namespace: "Koronet/Drill", metricName: "DrillSignal", dimension: "Stack" } as const;
export const DRILL_LABELS = {
    /** `alertname` of every drill alert. */
    alertname: "KoronetDrill",
    /** `drill="true"` routes to the drill route. */
    drill: "drill",
    /** `drill_id`: one drill's alert, and its own notification group. */
    id: "drill_id",
    /** `page="true"`: the drill asks to page (`--page`). */
    page: "page",
} as const;

/** Environment variables the notifier Lambda reads. */
/** The path suffix of the PagerDuty webhook on the notifier's URL (Alertmanager's critical receiver posts to `<url>/pagerduty`). */
export const PAGERDUTY_WEBHOOK_PATH = "pagerduty";

export const NOTIFIER_ENV = {
    /** Secrets Manager ARN of the Slack incoming-webhook URL (plain string, or JSON `{"url": "..."}`). Required. */
    slackWebhookSecretArn: "SLACK_WEBHOOK_SECRET_ARN",
    /** Secrets Manager ARN of the bearer token Alertmanager sends. Required for the Function URL path. */
    alertmanagerTokenSecretArn: "ALERTMANAGER_TOKEN_SECRET_ARN",
    /** Secrets Manager ARN of the PagerDuty routing key: Alertmanager's critical route reaches PagerDuty through the notifier (`…/pagerduty`). Optional: without it such requests get 500. */
    pagerdutyRoutingKeySecretArn: "PAGERDUTY_ROUTING_KEY_SECRET_ARN",
    /** PagerDuty Events API URL. @default https://events.pagerduty.com/v2/enqueue */
    pagerdutyEventsUrl: "PAGERDUTY_EVENTS_URL",
    /** DynamoDB table (partition key `pk` string, TTL attribute `expiresAt`) for dedupe. Optional: without it no dedupe. */
    dedupeTable: "DEDUPE_TABLE",
    /** Stack name, value of the heartbeat metric's `Stack` dimension. Required for the heartbeat. */
    stackName: "STACK_NAME",
    /** Seconds a fetched secret is reused by a warm container. @default 300 */
    secretCacheTtlSeconds: "SECRET_CACHE_TTL_SECONDS",
    /** Seconds a dedupe record lives. @default 3600 */
    dedupeTtlSeconds: "DEDUPE_TTL_SECONDS",
    /** Upper bound on the time spent delivering one event to Slack, in ms. @default 25000 */
    deliveryBudgetMs: "DELIVERY_BUDGET_MS",
    /** Upper bound for one Alertmanager request, in ms; below Alertmanager's notify timeout. @default DELIVERY_BUDGET_MS */
    httpDeliveryBudgetMs: "HTTP_DELIVERY_BUDGET_MS",
} as const;

/**
 * The value every `external` secret (Slack webhook URL, PagerDuty routing key) is created with.
 * ECS cannot start a task whose secret has no AWSCURRENT value, so the secret gets this placeholder
 * at the first deploy (`ignoreChanges: ["secretString"]`: a later `put-secret-value` is never
 * reverted). Clearly not a secret. Every consumer reads it as "not filled": the notifier and the
 * PagerDuty forwarder fail loudly (their error alarms reach the pipeline topic), Alertmanager's
 * entrypoint leaves the routing-key file out (PagerDuty fails, Slack and email still deliver).
 */
export const UNSET_SECRET_PLACEHOLDER = "UNSET: fill with aws secretsmanager put-secret-value";

/** Whether a secret value is the placeholder (or empty): not filled yet. */
export function isUnsetSecret(value: string | undefined): boolean {
    return value === undefined || value.trim() === "" || value.trim() === UNSET_SECRET_PLACEHOLDER;
}

/** DynamoDB dedupe table schema the notifier expects. */
export const DEDUPE_TABLE_SCHEMA = { hashKey: "pk", hashKeyType: "S", ttlAttribute: "expiresAt" } as const;

/** IAM actions the notifier's role needs (resources: the two secrets, the dedupe table, `*` for PutMetricData). */
export const NOTIFIER_IAM_ACTIONS = {
    secrets: ["secretsmanager:GetSecretValue"],
    dedupe: ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
    /** PutMetricData has no resource-level permissions; restrict with condition `cloudwatch:namespace`. */
    heartbeat: ["cloudwatch:PutMetricData"],
} as const;

export interface AlarmDescriptionParts {
    /** Severity tag written as the first line's `[severity]` prefix. */
    readonly severity: Severity;
    /** One line a tired person understands. */
    readonly summary: string;
    /** Runbook URL, written as a `Runbook: <url>` line. */
    readonly runbookUrl?: string;
    /** Free text between the summary and the runbook line. */
    readonly details?: string;
}

/** CloudWatch caps AlarmDescription at 1024 characters. */
const ALARM_DESCRIPTION_MAX = 1024;

/**
 * Renders an alarm description in the convention the notifier parses:
 * ```
 * [critical] 5xx rate above 5% for 3 minutes
 * <details>
 * Runbook: https://...
 * ```
 * Details are trimmed first if the whole would exceed CloudWatch's 1024-character limit, so the
 * severity and runbook always survive.
 */
export function formatAlarmDescription(parts: AlarmDescriptionParts): string {
    const head = `[${parts.severity}] ${parts.summary.replace(/\s+/g, " ").trim()}`;
    const tail = parts.runbookUrl !== undefined ? `Runbook: ${parts.runbookUrl}` : undefined;
    const fixed = [head, tail].filter((l): l is string => l !== undefined).join("\n");
    let details = parts.details?.trim();
    if (details !== undefined && details !== "") {
        const room = ALARM_DESCRIPTION_MAX - fixed.length - 1;
        if (room <= 1) details = undefined;
        else if (details.length > room) details = `${details.slice(0, room - 1)}…`;
    }
    const lines = [head, details, tail].filter((l): l is string => l !== undefined && l !== "");
    const text = lines.join("\n");
    return text.length > ALARM_DESCRIPTION_MAX ? `${text.slice(0, ALARM_DESCRIPTION_MAX - 1)}…` : text;
}

export interface ParsedDescription {
    readonly severity?: Severity;
    readonly summary?: string;
    readonly runbookUrl?: string;
    readonly details?: string;
}

const SEVERITY_LINE = /^\s*\[(critical|warning|info)\]\s*(.*)$/i;
const RUNBOOK_LINE = /^\s*runbook:\s*(\S+)\s*$/i;

/** Parses a description written by {@link formatAlarmDescription}; tolerant of anything else. */
export function parseAlarmDescription(description: string | null | undefined): ParsedDescription {
    if (description === null || description === undefined || description.trim() === "") return {};
    const lines = description.split(/\r?\n/);
    let severity: Severity | undefined;
    let summary: string | undefined;
    let runbookUrl: string | undefined;
    const rest: string[] = [];
    lines.forEach((line, i) => {
        const sev = i === 0 ? SEVERITY_LINE.exec(line) : null;
        const rb = RUNBOOK_LINE.exec(line);
        if (sev) {
            severity = sev[1]!.toLowerCase() as Severity;
            summary = sev[2]!.trim() || undefined;
        } else if (rb && runbookUrl === undefined) {
            runbookUrl = rb[1];
        } else if (i === 0) {
            summary = line.trim() || undefined;
        } else if (line.trim() !== "") {
            rest.push(line.trim());
        }
    });
    return { severity, summary, runbookUrl, details: rest.length > 0 ? rest.join("\n") : undefined };
}

/**
 * Severity from a resource name, for alarms whose description carries no tag: a `critical`,
 * `warning` or `info` token delimited by `-`, `_`, `.` or `/` (e.g. `koronet-prod-alerting-critical-5xx`).
 */
export function severityFromName(name: string): Severity | undefined {
    const tokens = name.toLowerCase().split(/[-_./\s]+/);
    return SEVERITIES.find((s) => tokens.includes(s));
}

/** Normalises a free-form severity label (`Critical`, `page`, `warn`) onto {@link Severity}. */
export function normaliseSeverity(value: string | undefined): Severity | undefined {
    if (value === undefined) return undefined;
    const v = value.trim().toLowerCase();
    if (v === "critical" || v === "page" || v === "high" || v === "error") return "critical";
    if (v === "warning" || v === "warn" || v === "medium") return "warning";
    if (v === "info" || v === "low" || v === "none") return "info";
    return undefined;
}

/** Most urgent of several severities, or undefined when none is known. */
export function worstSeverity(values: readonly (Severity | undefined)[]): Severity | undefined {
    return SEVERITIES.find((s) => values.includes(s));
}
