/** Schema of `koronet:alerting`: notification targets and per-alert tuning. */
import { z } from "zod";
import type { ConfigProblem, SecretKey } from "./types";
import { alertOverridesSchema } from "./alerts";
import { int } from "./schema";

const email = z.email({ message: "must be an email address" });

/** Where a notification secret's value comes from. */
const secretSource = z.enum(["config", "external"]);

export const alertingSchema = z.strictObject({
    /** Base URL of the runbooks folder (alert descriptions link `<base>/<AlertId>.md`). */
    runbookBaseUrl: z.url({ message: "must be an absolute URL" }),
    notifications: z.strictObject({
        slack: z.strictObject({
            /** `lambda`: the notifier Lambda; `chatbot`: AWS Chatbot; `off`: no Slack. */
            mode: z.enum(["lambda", "chatbot", "off"]),
            channel: z.string().regex(/^#[a-z0-9_-]{1,80}$/, { message: "must be a Slack channel name such as #koronet-alerts" }),
            /**
             * `config`: the webhook URL is the Pulumi secret `koronet:slackWebhookUrl`.
             * `external`: the program creates an empty Secrets Manager secret; operators put the value.
             */
            webhookUrlFrom: secretSource,
            /** AWS Chatbot workspace (team) and channel IDs, for `mode: chatbot`. */
            chatbot: z.strictObject({ workspaceId: z.string().regex(/^T[A-Z0-9]{8,}$/), channelId: z.string().regex(/^[CG][A-Z0-9]{8,}$/) }).optional(),
        }),
        email: z.strictObject({
            critical: z.array(email),
            warning: z.array(email),
        }),
        pagerduty: z.strictObject({
            /** Page for critical alerts. */
            enabled: z.boolean(),
            /** As for Slack: Pulumi secret `koronet:pagerdutyRoutingKey`, or an externally set secret. */
            routingKeyFrom: secretSource,
        }),
    }),
    /** Alertmanager on ECS (Fargate). */
    alertmanager: z
        .strictObject({
            /**
             * Tasks clustered over gossip (9094 TCP+UDP, between the tasks only), found through Cloud
             * Map, spread across AZs by Fargate; notifications deduplicated across the cluster.
             */
            replicas: int(1, 5, "tasks").describe(
                "Alertmanager tasks, clustered over gossip (TCP and UDP 9094 between the tasks only) and spread across availability zones; every Prometheus sends to every one, and the cluster notifies once (prod: 3: one per zone, and one still standing while another is replaced and a zone is lost).",
            ),
        })
        .describe("Alertmanager on ECS."),
    /** Per-alert tuning of the alert catalog (config/alerts.ts): threshold, timing, severity, enabled. @default {} */
    alerts: alertOverridesSchema.optional(),
});

export type AlertingConfig = z.infer<typeof alertingSchema>;

/** Cross-key rules: a secret required by a notification setting must be present. */
export function validateAlertingSecrets(alerting: AlertingConfig, present: ReadonlySet<string>): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const require = (key: SecretKey, because: string) => {
        if (!present.has(key))
            problems.push({ key: `koronet:${key}`, message: `missing; required because ${because}`, fix: `pulumi config set --secret koronet:${key} <value>` });
    };
    const { slack, pagerduty } = alerting.notifications;
    if (slack.mode === "lambda" && slack.webhookUrlFrom === "config")
        require("slackWebhookUrl", "koronet:alerting.notifications.slack.webhookUrlFrom is `config`");
    if (slack.mode === "chatbot" && slack.chatbot === undefined) {
        problems.push({
            key: "koronet:alerting.notifications.slack.chatbot",
            message: "missing; `mode: chatbot` needs workspaceId and channelId",
            fix: "pulumi config set --path koronet:alerting.notifications.slack.chatbot.workspaceId <T...> && pulumi config set --path koronet:alerting.notifications.slack.chatbot.channelId <C...>",
        });
    }
    if (pagerduty.enabled && pagerduty.routingKeyFrom === "config")
        require("pagerdutyRoutingKey", "koronet:alerting.notifications.pagerduty.routingKeyFrom is `config`");
    return problems;
}
