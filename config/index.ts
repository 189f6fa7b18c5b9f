/**
 * `loadConfig()`: the stack's configuration, merged over its environment's defaults and validated
 * before any resource exists. A bad value stops the program with every problem listed, each naming
 * the key, the value (secrets redacted) and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import * as pulumiRuntimeConfig from "@pulumi/pulumi/runtime/config";
import { z } from "zod";
import { defaultsFor, deepMerge, isPlainObject, type RawConcerns } from "./defaults";
import { clusterSchema, dataStoresSchema, networkSchema, serviceSchema } from "./schema";
import { monitoringSchema } from "./monitoring";
import { alertingSchema, validateAlertingSecrets } from "./alerting";
import { validateAlertCatalog } from "./alerts";

export const PROJECT = "koronet";
export const ENVIRONMENTS = ["dev", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Config keys holding secrets: accepted only as Pulumi secrets (`pulumi config set --secret`). */
export const SECRET_KEYS = {
    slackWebhookUrl: { pattern: /^https:\/\/hooks\.slack\.com\/services\/\S+$/, allowed: "a Slack incoming-webhook URL (https://hooks.slack.com/services/...)" },
    pagerdutyRoutingKey: { pattern: /^[A-Za-z0-9]{32}$/, allowed: "a 32-character PagerDuty Events API v2 integration key" },
} as const;
export type SecretKey = keyof typeof SECRET_KEYS;

const CONCERNS = ["network", "cluster", "service", "dataStores", "monitoring", "alerting"] as const;
const PLAIN_KEYS = ["environment", ...CONCERNS] as const;

/** AWS regions look like `eu-west-1`, `us-gov-west-1`, `ap-southeast-4`. */
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

export const stackConfigSchema = z
    .strictObject({
        environment: z.enum(ENVIRONMENTS),
        region: z.string().regex(REGION, { message: "must be an AWS region such as eu-west-1" }),
        network: networkSchema,
        cluster: clusterSchema,
        service: serviceSchema,
        dataStores: dataStoresSchema,
        monitoring: monitoringSchema,
        alerting: alertingSchema,
    })
    .superRefine((c, ctx) => {
        if (c.environment !== "prod") return;
        // Production rules: what "prod" means is fixed here, not left to each stack file.
        const need = (ok: boolean, path: (string | number)[], message: string) => {
            if (!ok) ctx.addIssue({ code: "custom", path, message });
        };
        need(c.network.availabilityZones >= 2, ["network", "availabilityZones"], "prod needs at least 2 availability zones (allowed: 2..6)");
        need(c.service.minCount >= 2, ["service", "minCount"], "prod needs at least 2 tasks so one AZ can fail (allowed: 2..50)");
        need(c.cluster.ec2.minSize >= 2, ["cluster", "ec2", "minSize"], "prod needs at least 2 container instances (allowed: 2..100)");
        if (c.dataStores.mode === "managed") {
            need(c.dataStores.postgres.managed.multiAz, ["dataStores", "postgres", "managed", "multiAz"], "prod needs a Multi-AZ database (allowed: true)");
            need(c.dataStores.postgres.managed.deletionProtection, ["dataStores", "postgres", "managed", "deletionProtection"], "prod databases keep deletion protection (allowed: true)");
            need(c.dataStores.postgres.managed.backupRetentionDays >= 7, ["dataStores", "postgres", "managed", "backupRetentionDays"], "prod keeps backups at least 7 days (allowed: 7..35)");
            need(c.dataStores.redis.managed.nodes >= 2, ["dataStores", "redis", "managed", "nodes"], "prod needs a replica for failover (allowed: 2..6)");
        }
    });

export type StackConfig = z.infer<typeof stackConfigSchema>;

/** Validated config plus the secret inputs, which never enter the plain object. */
export interface LoadedConfig extends StackConfig {
    readonly project: string;
    readonly stack: string;
    /** Secret config values that were set, as secret Outputs. */
    readonly secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
}

/** One problem with the stack configuration. */
export interface ConfigProblem {
    /** Full key path, e.g. `koronet:network.availabilityZones`. */
    readonly key: string;
    readonly message: string;
}

export class ConfigError extends Error {
    constructor(
        readonly stack: string,
        readonly problems: readonly ConfigProblem[],
    ) {
        super(`Invalid configuration for stack "${stack}":\n${problems.map((p) => `  - ${p.key}: ${p.message}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/** What a stack's raw configuration looks like to the program: Pulumi's flat key → string map. */
export interface RawStackConfig {
    readonly stack: string;
    /** `namespace:key` → value as Pulumi delivers it (objects JSON-encoded). */
    readonly values: Readonly<Record<string, string>>;
    /** Keys whose values are Pulumi secrets. */
    readonly secretKeys: ReadonlySet<string>;
}

/**
 * Pure: validates a raw stack configuration. Throws `ConfigError` listing every problem.
 * Returns the plain validated config and the (still plain) secret values by key.
 */
export function parseStackConfig(raw: RawStackConfig): { config: StackConfig; secretValues: Partial<Record<SecretKey, string>> } {
    const problems: ConfigProblem[] = [];
    const ns = `${PROJECT}:`;
    const concerns: Partial<Record<(typeof CONCERNS)[number], unknown>> = {};
    const secretValues: Partial<Record<SecretKey, string>> = {};
    let environmentRaw: string | undefined;

    for (const [fullKey, value] of Object.entries(raw.values)) {
        if (!fullKey.startsWith(ns)) continue;
        const key = fullKey.slice(ns.length);
        if (key in SECRET_KEYS) {
            const spec = SECRET_KEYS[key as SecretKey];
            if (!raw.secretKeys.has(fullKey)) {
                problems.push({ key: fullKey, message: `is set in plain text; it must be a secret (\`pulumi config set --secret ${fullKey} <value>\`)` });
            } else if (!spec.pattern.test(value)) {
                problems.push({ key: fullKey, message: `[secret] is not ${spec.allowed}` });
            } else {
                secretValues[key as SecretKey] = value;
            }
            continue;
        }
        if (!(PLAIN_KEYS as readonly string[]).includes(key)) {
            problems.push({ key: fullKey, message: `unknown key; allowed keys: ${[...PLAIN_KEYS, ...Object.keys(SECRET_KEYS)].map((k) => ns + k).join(", ")}` });
            continue;
        }
        if (raw.secretKeys.has(fullKey)) {
            problems.push({ key: fullKey, message: "is a secret, but holds plain settings; keep secrets in their own keys" });
            continue;
        }
        if (key === "environment") {
            environmentRaw = value;
            continue;
        }
        let parsed: unknown;
        try {
            parsed = JSON.parse(value);
        } catch {
            problems.push({ key: fullKey, message: `got ${JSON.stringify(value)}; must be an object (a YAML mapping in Pulumi.${raw.stack}.yaml)` });
            continue;
        }
        if (!isPlainObject(parsed)) {
            problems.push({ key: fullKey, message: `got ${JSON.stringify(parsed)}; must be an object (a YAML mapping)` });
            continue;
        }
        concerns[key as (typeof CONCERNS)[number]] = parsed;
    }

    const environment = environmentRaw ?? raw.stack;
    if (!(ENVIRONMENTS as readonly string[]).includes(environment)) {
        problems.push({
            key: `${ns}environment`,
            message: environmentRaw === undefined
                ? `stack "${raw.stack}" is not an environment name; set ${ns}environment to one of ${ENVIRONMENTS.join(", ")}`
                : `got ${JSON.stringify(environmentRaw)}; allowed: ${ENVIRONMENTS.join(", ")}`,
        });
    }
    if (problems.length > 0) throw new ConfigError(raw.stack, problems);

    const merged = deepMerge(defaultsFor(environment as Environment), concerns) as RawConcerns;
    const candidate = { environment, region: raw.values["aws:region"], ...merged };
    const result = stackConfigSchema.safeParse(candidate);
    if (!result.success) {
        for (const issue of result.error.issues) problems.push(describeIssue(issue, candidate));
        throw new ConfigError(raw.stack, problems);
    }
    for (const p of validateAlertingSecrets(result.data.alerting, new Set(Object.keys(secretValues)))) problems.push(p);
    for (const p of validateAlertCatalog(result.data.environment, result.data.alerting.alerts)) problems.push(p);
    if (problems.length > 0) throw new ConfigError(raw.stack, problems);
    return { config: result.data, secretValues };
}

function describeIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>): ConfigProblem {
    const path = issue.path.map(String);
    const [head, ...rest] = path;
    const key = head === "region" ? "aws:region" : head === undefined ? `${PROJECT}:` : `${PROJECT}:${[head, ...rest].join(".")}`;
    if (issue.code === "unrecognized_keys") {
        const known = Object.keys(getAt(input, path) ?? {}).filter((k) => !issue.keys.includes(k));
        const keys = issue.keys.map((k) => `${key}.${k}`).join(", ");
        // A schema with its own message for unknown keys (e.g. alert ids) names what is allowed itself.
        if (!issue.message.startsWith("Unrecognized key")) return { key: keys, message: issue.message };
        return { key: keys, message: `unknown key${issue.keys.length > 1 ? "s" : ""}; allowed here: ${known.join(", ") || "(none)"}` };
    }
    const value = getAt(input, path);
    const got = value === undefined ? "missing" : `got ${JSON.stringify(value)}`;
    return { key, message: `${got}; ${issue.message}` };
}

function getAt(obj: unknown, path: readonly string[]): unknown {
    let cur: unknown = obj;
    for (const p of path) {
        if (!isPlainObject(cur) && !Array.isArray(cur)) return undefined;
        cur = (cur as Record<string, unknown>)[p];
    }
    return cur;
}

/**
 * Reads and validates the current stack's configuration from the Pulumi runtime.
 * Call it before creating any resource.
 */
export function loadConfig(): LoadedConfig {
    const values = pulumi.runtime.allConfig();
    const secretKeys = new Set(Object.keys(values).filter((k) => isConfigSecret(k)));
    const stack = pulumi.getStack();
    const { config, secretValues } = parseStackConfig({ stack, values, secretKeys });
    const secrets: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
    for (const [k, v] of Object.entries(secretValues)) secrets[k as SecretKey] = pulumi.secret(v);
    return { ...config, project: pulumi.getProject(), stack, secrets };
}

/**
 * Whether the engine delivered `key` as a secret. The SDK has no public API for this (only
 * `Config.requireSecret`, which accepts plain values too), so read the runtime's own answer and fail
 * loudly if a future SDK removes it rather than silently accepting plain-text secrets.
 */
function isConfigSecret(key: string): boolean {
    const fn = (pulumiRuntimeConfig as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
    if (typeof fn !== "function") throw new Error("@pulumi/pulumi no longer exposes runtime isConfigSecret; update config/index.ts");
    return fn(key);
}
