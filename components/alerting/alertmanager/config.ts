/**
 * alertmanager.yml, rendered from the stack's alerting settings. Pure: plain data in, YAML out.
 *
 * Route tree (first match wins):
 *   alertname="Watchdog"   → `heartbeat` (the notifier's heartbeat, or an SNS heartbeat topic);
 *                            short repeat_interval, never to people
 *   drill="true"           → fire drills (`npm run drill`), grouped per drill: `critical` (it pages)
 *                            only with page="true", otherwise `drill` — Slack and warning email,
 *                            never PagerDuty, whatever severity label the drill alert carries
 *   severity="critical"    → `critical`: Slack (notifier or Chatbot), email (SNS), PagerDuty (through
 *                            the notifier's `/pagerduty` webhook when there is a notifier)
 *   anything else          → `warning` (root receiver): Slack, email — an alert with a missing or
 *                            unknown severity still reaches people rather than vanishing
 * Inhibition (`INHIBIT_RULES`): an alert that explains others holds their notifications while it
 * fires — KoronetDown over the web job's TargetDown and its 5xx, latency and traffic symptoms;
 * PostgresDown/RedisDown over DatabaseConnectionFailures, the cache miss share and their exporter's
 * TargetDown — and a critical alert over its warning twin (same alertname and instance). Alertmanager
 * applies inhibition when it notifies: an inhibited alert that still fires once its source resolves
 * is notified at its group's next flush (measured in e2e: scenarios-issue13.ts).
 *
 * Secrets are never in this file: the bearer token and the PagerDuty routing key are read from
 * files (`credentials_file`, `routing_key_file`) that the container's entrypoint writes from
 * ECS-injected secrets at start (see image/entrypoint.sh). Email goes through SNS topics with the
 * task role (SigV4), so there are no SMTP credentials at all.
 *
 * SNS topics: Alertmanager publishes only to topics of its own, one per audience (email per
 * severity, Chatbot per severity, the heartbeat), never to the CloudWatch alarm topics. Their
 * subscribers then receive exactly one kind of message and need no filter policy: CloudWatch alarm
 * notifications carry no message attributes, and an attribute filter that tells the two apart
 * (`"exists": false`) "only matches if at least one attribute is present"
 * (https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html), so it drops every alarm.
 */
import { PORTS } from "../../contracts";
import { stringify } from "yaml";
import { PIPELINE_TIMINGS, formatPromDuration, type Severity, type TimingProfile } from "../catalog";
import { DEFAULT_DELIVERY_BUDGET_MS, DRILL_LABELS, PAGERDUTY_WEBHOOK_PATH, WATCHDOG_ALERT_NAME as WATCHDOG } from "../../../functions/src/contract";

/** Where the container keeps its runtime files (an ephemeral task volume, not the read-only root). */
export const ALERTMANAGER_PATHS = {
    /** Rendered config, written by the entrypoint from `ALERTMANAGER_CONFIG`. */
    config: "/run/alertmanager/alertmanager.yml",
    /** Secret files, mode 0600, written by the entrypoint from ECS `secrets`. */
    secretsDir: "/run/alertmanager/secrets",
    /** nflog and silences. */
    storage: "/alertmanager",
} as const;

/** Secret files the entrypoint writes, by the environment variable ECS injects them as. */
export const ALERTMANAGER_SECRET_FILES = {
    /** Bearer token for the notifier's Function URL. */
    NOTIFIER_TOKEN: `${ALERTMANAGER_PATHS.secretsDir}/notifier-token`,
    /** PagerDuty Events API v2 routing key. */
    PAGERDUTY_ROUTING_KEY: `${ALERTMANAGER_PATHS.secretsDir}/pagerduty-routing-key`,
} as const;

/** Environment variable carrying the rendered config into the container (the entrypoint writes it to a file). */
export const ALERTMANAGER_CONFIG_ENV = "ALERTMANAGER_CONFIG";

/** Alertmanager's listen port (architecture: 9093). */
export const ALERTMANAGER_PORT = PORTS.alertmanager;

/** Grouping and repeat timings of one profile. */
export interface AlertmanagerTimings {
    readonly groupWait: string;
    readonly groupInterval: string;
    /**
     * Re-notification of a still-firing, unchanged group. Must exceed the notifier's 1 h dedupe TTL
     * (otherwise the notifier's dedupe would swallow some repeats and not others).
     */
    readonly repeatInterval: string;
    /** Watchdog route: how often the heartbeat is re-sent (it never changes, so repeat drives it). */
    readonly heartbeatGroupInterval: string;
    readonly heartbeatRepeatInterval: string;
}

/**
 * group_wait / group_interval come from the catalog's pipeline timings, which the time-to-notify
 * math (and the 60 s critical / 2 min resolved targets) were computed with: production 10 s / 30 s,
 * test 0 s / 1 s. Production heartbeat: re-sent every 60–75 s (repeat 1 m checked at 15 s group
 * ticks), so each 1-minute CloudWatch period sees at least one heartbeat in two.
 */
export const ALERTMANAGER_TIMINGS: Readonly<Record<TimingProfile, AlertmanagerTimings>> = {
    production: {
        groupWait: formatPromDuration(PIPELINE_TIMINGS.production.groupWaitSeconds),
        groupInterval: formatPromDuration(PIPELINE_TIMINGS.production.groupIntervalSeconds),
        repeatInterval: "4h",
        heartbeatGroupInterval: "15s",
        heartbeatRepeatInterval: "1m",
    },
    test: {
        groupWait: formatPromDuration(PIPELINE_TIMINGS.test.groupWaitSeconds),
        groupInterval: formatPromDuration(PIPELINE_TIMINGS.test.groupIntervalSeconds),
        repeatInterval: "4h",
        heartbeatGroupInterval: "1s",
        heartbeatRepeatInterval: "5s",
    },
};

/**
 * Alertmanager gives each notification attempt of a group max(group_interval, 10 s) (its
 * `notify.MinTimeout`), plus, in a cluster, position × `--cluster.peer-timeout` (the wait before a
 * peer checks whether another already sent: cmd/alertmanager/main.go `timeoutFunc`, `clusterWait`),
 * then cancels the request and retries at the next flush. The notifier's budget below is held
 * against the shortest of these (position 0, or a single instance).
 */
const ALERTMANAGER_MIN_NOTIFY_TIMEOUT_SECONDS = 10;

/** Seconds Alertmanager waits for one attempt on the Slack routes (critical, warning) of a profile. */
export function alertmanagerNotifyTimeoutSeconds(profile: TimingProfile): number {
    return Math.max(PIPELINE_TIMINGS[profile].groupIntervalSeconds, ALERTMANAGER_MIN_NOTIFY_TIMEOUT_SECONDS);
}

/** Kept between the notifier's answer and Alertmanager's deadline (cold start, secret fetch, network). */
export const NOTIFIER_ANSWER_MARGIN_SECONDS = 5;

/**
 * The notifier's budget for one Alertmanager request. It must answer before Alertmanager cancels:
 * a message posted after that is at Slack, but Alertmanager never records it as sent, and if the
 * alert resolves before the next retry, no RESOLVED message ever follows (seen in the e2e Slack
 * outage scenario with a 25 s budget against the test profile's 10 s timeout). Answering 503 in
 * time lets Alertmanager's own retry deliver and record it. Production: 25 s (timeout 30 s);
 * test: 5 s (timeout 10 s).
 */
export function notifierHttpBudgetMs(profile: TimingProfile): number {
    return Math.min(DEFAULT_DELIVERY_BUDGET_MS, (alertmanagerNotifyTimeoutSeconds(profile) - NOTIFIER_ANSWER_MARGIN_SECONDS) * 1000);
}

/** Receiver of fire drills that do not ask to page: the warning audience (Slack, email), never PagerDuty. */
export const DRILL_RECEIVER = "drill";

/** Labels alerts are grouped by: one notification per alert name and severity. */
const GROUP_BY = ["alertname", "severity"] as const;
/** Labels that must match for a critical alert to inhibit its warning twin. */
const INHIBIT_EQUAL = ["alertname", "instance"] as const;

/** One inhibit rule: while an alert matching `source` fires, alerts matching `target` are not notified. */
export interface InhibitRule {
    readonly source: readonly string[];
    readonly target: readonly string[];
    /** Labels source and target must share. @default none */
    readonly equal?: readonly string[];
    /** Why the source explains the target. */
    readonly why: string;
}

/**
 * The inhibit rules, in matcher syntax (`source_matchers`, `target_matchers`). One Alertmanager per
 * stack, one Prometheus per Alertmanager: no label needs to match for the cause to explain the
 * symptom, except the twin rule. Alertmanager never lets an alert inhibit itself (an alert matching
 * both sides).
 */
export const INHIBIT_RULES: readonly InhibitRule[] = [
    {
        source: ['severity="critical"'],
        target: ['severity="warning"'],
        equal: [...INHIBIT_EQUAL],
        why: "a critical alert and its warning twin (a stack tuning one alert into two severities) say the same thing",
    },
    { source: ['alertname="KoronetDown"'], target: ['alertname="TargetDown"', 'job="koronet"'], why: "no web task answers: every web target is down" },
    {
        source: ['alertname="KoronetDown"'],
        target: ['alertname=~"HighErrorRate|HighResponseTime|UnusualTraffic"'],
        why: "the web server is down: its error, latency and traffic figures are the outage's echo (the CloudWatch path does the same with the ServiceUnhealthy composite)",
    },
    {
        source: ['alertname="PostgresDown"'],
        target: ['alertname="DatabaseConnectionFailures"'],
        why: "PostgreSQL is down: the app's connection failures are its echo",
    },
    {
        source: ['alertname="PostgresDown"'],
        target: ['alertname="TargetDown"', 'job="postgres"'],
        why: "no exporter answers: PostgresDown already says so (it also fires when the exporter is gone)",
    },
    {
        source: ['alertname="RedisDown"'],
        target: ['alertname=~"DatabaseConnectionFailures|CacheMissRateHigh"'],
        why: "Redis is down: the app's Redis failures and the cache miss share are its echo",
    },
    { source: ['alertname="RedisDown"'], target: ['alertname="TargetDown"', 'job="redis"'], why: "no exporter answers: RedisDown already says so" },
];

/** The notifier's URL for the PagerDuty webhook: its base URL (a Function URL ends in `/`) + `pagerduty`. */
export function notifierPagerDutyUrl(notifierUrl: string): string {
    return `${notifierUrl.replace(/\/+$/, "")}/${PAGERDUTY_WEBHOOK_PATH}`;
}

/** A webhook with a bearer token read from a file. */
export interface TokenWebhook {
    /** URL Alertmanager POSTs to (the notifier's Function URL, or a local receiver in e2e). */
    readonly url: string;
    /** File holding the bearer token. */
    readonly tokenFile: string;
}

/** SNS topics per severity, published to with the task role (SigV4). */
export interface SnsTopics {
    readonly region: string;
    readonly topicArns: Readonly<Record<Severity, string>>;
}

/** SNS topics for some severities (a severity without a topic has no audience there). */
export interface PartialSnsTopics {
    readonly region: string;
    readonly topicArns: Readonly<Partial<Record<Severity, string>>>;
}

export interface AlertmanagerReceivers {
    /** Slack through the notifier Lambda's Function URL. */
    readonly notifier?: TokenWebhook;
    /** Slack through AWS Chatbot: a custom-notification JSON message on Chatbot-only topics per severity. */
    readonly chatbot?: SnsTopics;
    /** Email: a plain-text message on email-only topics, for the severities that have addresses. */
    readonly email?: PartialSnsTopics;
    /**
     * PagerDuty, critical only. `webhook`: a second webhook to the notifier (`…/pagerduty`), which
     * sends Events API v2 events through the same per-occurrence dedupe as Slack — exactly once
     * behind an Alertmanager cluster (docs/high-availability.md). `direct`: Alertmanager's own
     * `pagerduty_configs`, for stacks without the notifier (Chatbot mode): at least once.
     */
    readonly pagerduty?:
        | ({ readonly kind: "webhook" } & TokenWebhook)
        | {
              readonly kind: "direct";
              /** File holding the routing (integration) key. */
              readonly routingKeyFile: string;
              /** Events API endpoint. @default "https://events.pagerduty.com/v2/enqueue" */
              readonly url?: string;
          };
    /** Where the Watchdog goes: the notifier's heartbeat (webhook) or an SNS topic whose publish count is the heartbeat. */
    readonly heartbeat: ({ readonly kind: "webhook" } & TokenWebhook) | { readonly kind: "sns"; readonly region: string; readonly topicArn: string };
}

export interface AlertmanagerConfigInput {
    /** Timing profile. @default "production" */
    readonly profile?: TimingProfile;
    readonly receivers: AlertmanagerReceivers;
    /** Per-profile timing overrides (tests). @default ALERTMANAGER_TIMINGS[profile] */
    readonly timings?: Partial<AlertmanagerTimings>;
}

/** Validates the input; returns problems naming the field (pure, exported for tests). */
export function validateAlertmanagerInput(input: AlertmanagerConfigInput): string[] {
    const problems: string[] = [];
    const url = (v: string, field: string) => {
        if (!/^https?:\/\/[^\s]+$/.test(v)) problems.push(`\`${field}\` must be an http(s) URL, got ${JSON.stringify(v)}`);
    };
    const file = (v: string, field: string) => {
        if (!v.startsWith("/")) problems.push(`\`${field}\` must be an absolute file path, got ${JSON.stringify(v)}`);
    };
    const r = input.receivers;
    if (r.notifier !== undefined && r.chatbot !== undefined)
        problems.push("`receivers.notifier` and `receivers.chatbot` are exclusive: Slack goes through one of them");
    if (r.notifier) {
        url(r.notifier.url, "receivers.notifier.url");
        file(r.notifier.tokenFile, "receivers.notifier.tokenFile");
    }
    if (r.pagerduty?.kind === "direct") {
        file(r.pagerduty.routingKeyFile, "receivers.pagerduty.routingKeyFile");
        if (r.pagerduty.url !== undefined) url(r.pagerduty.url, "receivers.pagerduty.url");
    }
    if (r.pagerduty?.kind === "webhook") {
        url(r.pagerduty.url, "receivers.pagerduty.url");
        file(r.pagerduty.tokenFile, "receivers.pagerduty.tokenFile");
    }
    if (r.heartbeat.kind === "webhook") {
        url(r.heartbeat.url, "receivers.heartbeat.url");
        file(r.heartbeat.tokenFile, "receivers.heartbeat.tokenFile");
    }
    return problems;
}

function bearer(tokenFile: string) {
    return { authorization: { type: "Bearer", credentials_file: tokenFile } };
}

// Alertmanager templates have no JSON escaping; strip what would break the JSON string.
// A Go raw string (backticks): the regexp class is backslash, double quote, newline, CR, tab.
const JSON_UNSAFE = '`[\\\\"\\n\\r\\t]`';
const jsonSafe = (expr: string) => `{{ ${expr} | reReplaceAll ${JSON_UNSAFE} " " }}`;

/** AWS Chatbot custom notification (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html). */
const CHATBOT_MESSAGE =
    `{"version":"1.0","source":"custom","content":{"textType":"client-markdown",` +
    `"title":"${jsonSafe(`printf "%s [%s] %s" (.Status | toUpper) (.CommonLabels.severity | toUpper) .CommonLabels.alertname`)}",` +
    `"description":"{{ range .Alerts }}${jsonSafe(`printf "%s: %s" (.Status | toUpper) .Annotations.summary`)} ${jsonSafe(".Annotations.runbook_url")} · {{ end }}"}}`;

// A fire drill says so first: `[DRILL] [FIRING:1] WARNING KoronetDrill`.
const EMAIL_SUBJECT = `{{ if eq .CommonLabels.${DRILL_LABELS.drill} "true" }}[DRILL] {{ end }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.severity | toUpper }} {{ .CommonLabels.alertname }}`;
const EMAIL_MESSAGE = [
    `{{ range .Alerts }}{{ .Status | toUpper }} {{ .Labels.alertname }} ({{ .Labels.severity }})`,
    `Summary: {{ .Annotations.summary }}`,
    `{{ .Annotations.description }}`,
    `Runbook: {{ .Annotations.runbook_url }}`,
    `Labels: {{ range .Labels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}`,
    `Started: {{ .StartsAt }}{{ if eq .Status "resolved" }} · Resolved: {{ .EndsAt }}{{ end }}`,
    `Source: {{ .GeneratorURL }}`,
    ``,
    `{{ end }}`,
].join("\n");

/** No message attributes: each topic has one audience, so nothing needs telling apart. */
function snsConfig(region: string, topicArn: string, kind: "email" | "chatbot") {
    return {
        send_resolved: true,
        sigv4: { region },
        topic_arn: topicArn,
        subject: EMAIL_SUBJECT,
        message: kind === "email" ? EMAIL_MESSAGE : CHATBOT_MESSAGE,
    };
}

/** The config as an object (what `renderAlertmanagerConfig` serialises). Throws on invalid input. */
export function alertmanagerConfig(input: AlertmanagerConfigInput): Record<string, unknown> {
    const problems = validateAlertmanagerInput(input);
    if (problems.length > 0) throw new Error(`Invalid Alertmanager config input:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    const t = { ...ALERTMANAGER_TIMINGS[input.profile ?? "production"], ...input.timings };
    const r = input.receivers;

    const receiver = (severity: Severity) => {
        const out: Record<string, unknown> = { name: severity };
        // Each webhook is its own integration: Alertmanager retries and logs Slack and PagerDuty apart.
        const pd = severity === "critical" && r.pagerduty?.kind === "webhook" ? r.pagerduty : undefined;
        const hooks = [
            ...(r.notifier ? [{ url: r.notifier.url, send_resolved: true, max_alerts: 0, http_config: bearer(r.notifier.tokenFile) }] : []),
            ...(pd ? [{ url: pd.url, send_resolved: true, max_alerts: 0, http_config: bearer(pd.tokenFile) }] : []),
        ];
        if (hooks.length > 0) out.webhook_configs = hooks;
        const emailTopic = r.email?.topicArns[severity];
        const sns = [
            ...(r.chatbot ? [snsConfig(r.chatbot.region, r.chatbot.topicArns[severity], "chatbot")] : []),
            ...(r.email && emailTopic !== undefined ? [snsConfig(r.email.region, emailTopic, "email")] : []),
        ];
        if (sns.length > 0) out.sns_configs = sns;
        if (severity === "critical" && r.pagerduty?.kind === "direct") {
            out.pagerduty_configs = [
                {
                    send_resolved: true,
                    routing_key_file: r.pagerduty.routingKeyFile,
                    ...(r.pagerduty.url !== undefined ? { url: r.pagerduty.url } : {}),
                    severity: "critical",
                    description: `{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}`,
                    details: {
                        firing: `{{ .Alerts.Firing | len }}`,
                        resolved: `{{ .Alerts.Resolved | len }}`,
                        runbook: `{{ .CommonAnnotations.runbook_url }}`,
                    },
                },
            ];
        }
        return out;
    };

    const hb = r.heartbeat;
    const heartbeat =
        hb.kind === "webhook"
            ? { name: "heartbeat", webhook_configs: [{ url: hb.url, send_resolved: false, http_config: bearer(hb.tokenFile) }] }
            : {
                  name: "heartbeat",
                  sns_configs: [
                      {
                          send_resolved: false,
                          sigv4: { region: hb.region },
                          topic_arn: hb.topicArn,
                          subject: "Watchdog heartbeat",
                          message: "Watchdog heartbeat",
                      },
                  ],
              };

    return {
        route: {
            receiver: "warning",
            group_by: [...GROUP_BY],
            group_wait: t.groupWait,
            group_interval: t.groupInterval,
            repeat_interval: t.repeatInterval,
            routes: [
                {
                    receiver: "heartbeat",
                    matchers: [`alertname="${WATCHDOG}"`],
                    group_wait: "0s",
                    group_interval: t.heartbeatGroupInterval,
                    repeat_interval: t.heartbeatRepeatInterval,
                },
                {
                    receiver: DRILL_RECEIVER,
                    matchers: [`${DRILL_LABELS.drill}="true"`],
                    group_by: ["alertname", DRILL_LABELS.id],
                    routes: [{ receiver: "critical", matchers: [`${DRILL_LABELS.page}="true"`] }],
                },
                { receiver: "critical", matchers: ['severity="critical"'] },
                { receiver: "warning", matchers: ['severity="warning"'] },
            ],
        },
        inhibit_rules: INHIBIT_RULES.map((r) => ({
            source_matchers: [...r.source],
            target_matchers: [...r.target],
            ...(r.equal !== undefined ? { equal: [...r.equal] } : {}),
        })),
        receivers: [receiver("critical"), receiver("warning"), { ...receiver("warning"), name: DRILL_RECEIVER }, heartbeat],
    };
}

/** alertmanager.yml text. */
export function renderAlertmanagerConfig(input: AlertmanagerConfigInput): string {
    const header = `# Rendered by components/alerting/alertmanager/config.ts (profile: ${input.profile ?? "production"}). Do not edit.\n# Secrets are read from files at send time; none are in this file.\n`;
    return header + stringify(alertmanagerConfig(input), { lineWidth: 0 });
}

// ---------------------------------------------------------------------------------------------
// Cluster (high availability)
// ---------------------------------------------------------------------------------------------

export { ALERTMANAGER_CLUSTER_PORT, ALERTMANAGER_PEER_TIMEOUT, alertmanagerClusterArgs } from "./cluster";
