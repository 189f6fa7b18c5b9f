/**
 * The config vocabulary every config module shares (a leaf: imports nothing), so the modules that
 * validate one concern never import `index.ts`, which imports them.
 */
export const PROJECT = "koronet";
export const ENVIRONMENTS = ["dev", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Config keys holding secrets: accepted only as Pulumi secrets (`pulumi config set --secret`). */
export const SECRET_KEYS = {
    slackWebhookUrl: {
        pattern: /^https:\/\/hooks\.slack\.com\/services\/\S+$/,
        allowed: "a Slack incoming-webhook URL (https://hooks.slack.com/services/...)",
    },
    pagerdutyRoutingKey: { pattern: /^[A-Za-z0-9]{32}$/, allowed: "a 32-character PagerDuty Events API v2 integration key" },
} as const;
export type SecretKey = keyof typeof SECRET_KEYS;

/** One problem with the stack configuration. */
export interface ConfigProblem {
    /** Full key path, e.g. `koronet:network.availabilityZones` (`koronet:service.allowedCidrs.0` for list items). */
    readonly key: string;
    /** What was given and what is allowed. */
    readonly message: string;
    /** The command that fixes it. @default `pulumi config set --path <key> <value>` with a suggested value */
    readonly fix?: string;
}
