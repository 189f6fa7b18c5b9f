/**
 * A stack's alertmanager.yml without deploying it: the same receivers the Alerting component wires,
 * with placeholders for values only a deployment knows (the notifier's Function URL, the account
 * in topic ARNs). For `npm run render` (rendered/<stack>/alertmanager/alertmanager.yml) and the
 * amtool checks; the deployed file differs only in those values.
 */
import type { AlertingConfig } from "../../../config/alerting";
import { alertingNames, physicalName } from "../../common/naming";
import { SEVERITIES, type Severity, type TimingProfile } from "../catalog";
import { ALERTMANAGER_SECRET_FILES, notifierPagerDutyUrl, renderAlertmanagerConfig, type AlertmanagerReceivers } from "./config";

/** Key of Alertmanager's own topic for one audience and severity: topic `<prefix>-alerting-<key>`. */
export function audienceTopicKey(audience: "email" | "chatbot", severity: Severity): string {
    return `${audience}-${severity}`;
}

/** Stands in for the account id in placeholder ARNs (a deployment-only value; visibly not a real account). */
const PLACEHOLDER_ACCOUNT = "ACCOUNT_ID";

export interface StackRenderInput {
    /** `${project}-${stack}`. */
    readonly namePrefix: string;
    readonly region: string;
    readonly alerting: AlertingConfig;
    /** @default "production" */
    readonly profile?: TimingProfile;
    /** The notifier's Function URL. @default a placeholder `https://<prefix>-notifier.lambda-url.<region>.on.aws/` */
    readonly notifierUrl?: string;
    /** @default PLACEHOLDER_ACCOUNT */
    readonly accountId?: string;
}

/** The receivers the Alerting component gives Alertmanager for this config. */
function stackAlertmanagerReceivers(i: StackRenderInput): AlertmanagerReceivers {
    const n = i.alerting.notifications;
    const account = i.accountId ?? PLACEHOLDER_ACCOUNT;
    const topic = (k: string) => alertingNames(i.namePrefix).topicArn(k, i.region, account);
    const emailTopics = Object.fromEntries(SEVERITIES.filter((s) => n.email[s].length > 0).map((s) => [s, topic(audienceTopicKey("email", s))]));
    const url = i.notifierUrl ?? `https://${i.namePrefix}-notifier.lambda-url.${i.region}.on.aws/`;
    const lambda = n.slack.mode === "lambda";
    return {
        ...(lambda ? { notifier: { url, tokenFile: ALERTMANAGER_SECRET_FILES.NOTIFIER_TOKEN } } : {}),
        ...(n.slack.mode === "chatbot"
            ? {
                  chatbot: {
                      region: i.region,
                      topicArns: { critical: topic(audienceTopicKey("chatbot", "critical")), warning: topic(audienceTopicKey("chatbot", "warning")) },
                  },
              }
            : {}),
        ...(Object.keys(emailTopics).length > 0 ? { email: { region: i.region, topicArns: emailTopics } } : {}),
        // PagerDuty through the notifier when there is one (its per-occurrence dedupe), else Alertmanager's own.
        ...(n.pagerduty.enabled
            ? {
                  pagerduty: lambda
                      ? { kind: "webhook", url: notifierPagerDutyUrl(url), tokenFile: ALERTMANAGER_SECRET_FILES.NOTIFIER_TOKEN }
                      : { kind: "direct", routingKeyFile: ALERTMANAGER_SECRET_FILES.PAGERDUTY_ROUTING_KEY },
              }
            : {}),
        heartbeat: lambda
            ? { kind: "webhook", url, tokenFile: ALERTMANAGER_SECRET_FILES.NOTIFIER_TOKEN }
            : { kind: "sns", region: i.region, topicArn: topic("heartbeat") },
    };
}

/** alertmanager.yml of a stack (placeholders for deployment-only values). */
export function renderStackAlertmanagerConfig(i: StackRenderInput): string {
    return renderAlertmanagerConfig({ profile: i.profile ?? "production", receivers: stackAlertmanagerReceivers(i) });
}

/** `npm run render` renderer: writes `rendered/<stack>/alertmanager/alertmanager.yml` (placeholders for deployment-only values). */
export const ALERTMANAGER_RENDERER = {
    name: "alertmanager",
    render(ctx: {
        readonly project: string;
        readonly stack: string;
        readonly config: { readonly region: string; readonly alerting: AlertingConfig };
    }): { path: string; content: string }[] {
        return [
            {
                path: "alertmanager/alertmanager.yml",
                content: renderStackAlertmanagerConfig({ namePrefix: physicalName(ctx), region: ctx.config.region, alerting: ctx.config.alerting }),
            },
        ];
    },
};
