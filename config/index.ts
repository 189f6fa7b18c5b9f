/**
 * `loadConfig()`: the stack's configuration, merged over its environment's defaults and validated
 * before any resource exists. A bad value stops the program with every problem listed, each naming
 * the key, the value (secrets redacted), what is allowed and the command that fixes it.
 *
 * Order: the stack name (AWS names are built from it), then each raw key, then the schema over the
 * merged config, then the cross-key checks (`checks.ts`), the secrets a setting needs and what only
 * the alert catalog can judge. The environment's defaults — alert defaults included — are applied
 * here, once: the program, the offline plan, `npm run render` and the reports all read this result.
 */
import * as pulumi from "@pulumi/pulumi";
import * as pulumiRuntimeConfig from "@pulumi/pulumi/runtime/config";
import { z } from "zod";
import { defaultsFor, deepMerge, isPlainObject, type RawConcerns } from "./defaults";
import { NUMERIC_ENUM_PATHS } from "./schema";
import { validateAlertingSecrets } from "./alerting";
import { ENVIRONMENTS, PROJECT, SECRET_KEYS, type ConfigProblem, type Environment, type SecretKey } from "./types";
import { stackConfigSchema, type StackConfig } from "./stack-schema";
import { stackAlertSettings, validateAlertCatalog } from "./alerts";
import { crossKeyProblems } from "./checks";
import { maxStackNameLength, stackNameProblems } from "./aws/names";

export { ENVIRONMENTS, PROJECT, SECRET_KEYS, type ConfigProblem, type Environment, type SecretKey } from "./types";
export { stackConfigSchema, type StackConfig } from "./stack-schema";

export const CONCERNS = ["network", "cluster", "service", "dataStores", "monitoring", "alerting"] as const;
const PLAIN_KEYS = ["environment", ...CONCERNS] as const;

/** Validated config plus the secret inputs, which never enter the plain object. */
export interface LoadedConfig extends StackConfig {
    readonly project: string;
    readonly stack: string;
    /** Secret config values that were set, as secret Outputs. */
    readonly secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
}

/**
 * Bad stack configuration. A Pulumi `RunError`, so the Pulumi CLI prints its message and no stack
 * trace (the Node runtime logs a RunError's `message` alone: @pulumi/pulumi cmd/run/run.js); the
 * offline tools print the message too.
 */
export class ConfigError extends pulumi.RunError {
    constructor(
        readonly stackName: string,
        readonly problems: readonly ConfigProblem[],
    ) {
        super(formatConfigProblems(stackName, problems));
        this.name = "ConfigError";
    }
}

export function formatConfigProblems(stackName: string, problems: readonly ConfigProblem[]): string {
    const lines = problems.map((p) => `  - ${p.key}: ${p.message}${p.fix ? `\n      fix: ${p.fix}` : ""}`);
    return `Invalid configuration for stack "${stackName}":\n${lines.join("\n")}`;
}

/** What a stack's raw configuration looks like to the program: Pulumi's flat key → string map. */
export interface RawStackConfig {
    readonly stack: string;
    /** `namespace:key` → value as Pulumi delivers it (objects JSON-encoded). */
    readonly values: Readonly<Record<string, string>>;
    /** Keys whose values are Pulumi secrets. */
    readonly secretKeys: ReadonlySet<string>;
}

// ── Fix commands ────────────────────────────────────────────────────────────────────────────

/** `koronet:service.allowedCidrs.0` → `koronet:service.allowedCidrs[0]` (the `--path` syntax). */
function pathArgument(key: string): string {
    const [head, ...rest] = key.split(".");
    const path = `${head}${rest.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join("")}`;
    return /[[\]\s*?]/.test(path) ? `'${path}'` : path;
}

function shellValue(v: unknown): string {
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : `${v} --type float`;
    if (typeof v === "boolean") return String(v);
    const s = String(v);
    const quoted = /^[A-Za-z0-9_./:@,+=-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
    // `--path` stores integers and true/false as such; a string that looks like one needs --type string.
    return /^(true|false|-?\d+)$/.test(s) ? `${quoted} --type string` : quoted;
}

/** `pulumi config set --path <key> <value>`; `<value>` when nothing better can be suggested. */
export function setCommand(stack: string, key: string, value?: unknown): string {
    const v = value === undefined || (typeof value === "object" && value !== null) ? "<value>" : shellValue(value);
    return `pulumi config set --path ${pathArgument(key)} ${v} --stack ${stack}`;
}

function getAt(obj: unknown, path: readonly string[]): unknown {
    let cur: unknown = obj;
    for (const p of path) {
        if (!isPlainObject(cur) && !Array.isArray(cur)) return undefined;
        cur = (cur as Record<string, unknown>)[p];
    }
    return cur;
}

/** The environment default at a config path, when it is a scalar that differs from `bad`. */
function suggestion(environment: Environment | undefined, path: readonly string[], bad: unknown): unknown {
    if (environment === undefined) return undefined;
    const d = getAt(defaultsFor(environment), path);
    return typeof d === "object" || d === undefined || JSON.stringify(d) === JSON.stringify(bad) ? undefined : d;
}

// ── Parsing ─────────────────────────────────────────────────────────────────────────────────

/**
 * Pure: validates a raw stack configuration. Throws `ConfigError` listing every problem.
 * Returns the plain validated config and the (still plain) secret values by key.
 */
export function parseStackConfig(raw: RawStackConfig): { config: StackConfig; secretValues: Partial<Record<SecretKey, string>> } {
    const problems: ConfigProblem[] = [];
    const ns = `${PROJECT}:`;
    const stack = raw.stack;
    const concerns: Partial<Record<(typeof CONCERNS)[number], unknown>> = {};
    const secretValues: Partial<Record<SecretKey, string>> = {};
    let environmentRaw: string | undefined;

    for (const message of stackNameProblems(PROJECT, stack)) {
        problems.push({
            key: `stack ${JSON.stringify(stack)}`,
            message,
            fix: `pulumi stack rename <name: at most ${maxStackNameLength(PROJECT).length} lowercase letters, digits, hyphens> --stack ${stack}`,
        });
    }

    for (const [fullKey, value] of Object.entries(raw.values)) {
        if (!fullKey.startsWith(ns)) continue;
        const key = fullKey.slice(ns.length);
        if (key in SECRET_KEYS) {
            const spec = SECRET_KEYS[key as SecretKey];
            if (!raw.secretKeys.has(fullKey)) {
                problems.push({
                    key: fullKey,
                    message: "is set in plain text; it must be a secret",
                    fix: `pulumi config set --secret ${fullKey} <value> --stack ${stack}`,
                });
            } else if (!spec.pattern.test(value)) {
                problems.push({
                    key: fullKey,
                    message: `[secret] is not ${spec.allowed}`,
                    fix: `pulumi config set --secret ${fullKey} <value> --stack ${stack}`,
                });
            } else {
                secretValues[key as SecretKey] = value;
            }
            continue;
        }
        const head = key.split(".")[0] ?? key;
        if (key.includes(".") && (CONCERNS as readonly string[]).includes(head)) {
            // `pulumi config set koronet:service.desiredCount 2` without --path stores a key literally
            // named "service.desiredCount": explain that, not "unknown key".
            problems.push({
                key: fullKey,
                message: `is a flat key: \`pulumi config set\` without \`--path\` stored "${key}" as one key name (value ${JSON.stringify(value)}), which the program does not read; settings live inside the ${ns}${head} object`,
                fix: `pulumi config rm ${fullKey} --stack ${stack} && pulumi config set --path ${pathArgument(fullKey)} ${shellValue(parseScalar(value))} --stack ${stack}`,
            });
            continue;
        }
        if (!(PLAIN_KEYS as readonly string[]).includes(key)) {
            problems.push({
                key: fullKey,
                message: `unknown key; allowed keys: ${[...PLAIN_KEYS, ...Object.keys(SECRET_KEYS)].map((k) => ns + k).join(", ")}`,
                fix: `pulumi config rm ${fullKey} --stack ${stack}`,
            });
            continue;
        }
        if (raw.secretKeys.has(fullKey)) {
            problems.push({
                key: fullKey,
                message: "is a secret, but holds plain settings; keep secrets in their own keys (koronet:slackWebhookUrl, koronet:pagerdutyRoutingKey)",
            });
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
            problems.push({
                key: fullKey,
                message: `got ${JSON.stringify(value)}; must be an object (a YAML mapping in Pulumi.${stack}.yaml)`,
                fix: `pulumi config rm ${fullKey} --stack ${stack}, then set its fields with pulumi config set --path ${fullKey}.<field> <value>`,
            });
            continue;
        }
        if (!isPlainObject(parsed)) {
            problems.push({
                key: fullKey,
                message: `got ${JSON.stringify(parsed)}; must be an object (a YAML mapping)`,
                fix: `pulumi config rm ${fullKey} --stack ${stack}, then set its fields with pulumi config set --path ${fullKey}.<field> <value>`,
            });
            continue;
        }
        concerns[key as (typeof CONCERNS)[number]] = parsed;
    }

    const environment = environmentRaw ?? stack;
    const knownEnvironment = (ENVIRONMENTS as readonly string[]).includes(environment) ? (environment as Environment) : undefined;
    if (knownEnvironment === undefined) {
        problems.push({
            key: `${ns}environment`,
            message:
                environmentRaw === undefined
                    ? `stack "${stack}" is not an environment name; set ${ns}environment to one of ${ENVIRONMENTS.join(", ")}`
                    : `got ${JSON.stringify(environmentRaw)}; allowed: ${ENVIRONMENTS.join(", ")}`,
            fix: `pulumi config set ${ns}environment <${ENVIRONMENTS.join("|")}> --stack ${stack}`,
        });
    }
    if (knownEnvironment === undefined) throw new ConfigError(stack, problems);

    const merged = deepMerge(defaultsFor(knownEnvironment), concerns) as RawConcerns;
    readNumericEnums(merged);
    const candidate = { environment, region: raw.values["aws:region"], ...merged };
    const result = stackConfigSchema.safeParse(candidate);
    if (result.success) {
        problems.push(...laterProblems(result.data, stack, knownEnvironment, candidate, secretValues));
        if (problems.length > 0) throw new ConfigError(stack, problems);
        return { config: result.data, secretValues };
    }
    for (const issue of result.error.issues) problems.push(describeIssue(issue, candidate, stack, knownEnvironment));
    // Every problem at once: with each bad field put back to its default, the checks that need a
    // whole valid config (prod rules, cross-key checks, secrets, the catalog) still run, and report
    // what they find about the other keys.
    const related = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
    const addNew = (found: readonly ConfigProblem[]) => {
        const reported = problems.map((p) => p.key);
        for (const p of found) if (!reported.some((k) => related(k, p.key))) problems.push(p);
    };
    // Object-level rules (prod's) run only once the fields parse: repair, then look again.
    let repaired = repair(candidate, result.error.issues, defaultsFor(knownEnvironment));
    for (let round = 0; round < 3; round++) {
        const again = stackConfigSchema.safeParse(repaired);
        if (again.success) {
            addNew(laterProblems(again.data, stack, knownEnvironment, candidate, secretValues));
            break;
        }
        addNew(again.error.issues.map((issue) => describeIssue(issue, candidate, stack, knownEnvironment)));
        repaired = repair(repaired, again.error.issues, defaultsFor(knownEnvironment));
    }
    throw new ConfigError(stack, problems);
}

/** The checks that need a config the schema accepted. */
function laterProblems(
    config: StackConfig,
    stack: string,
    environment: Environment,
    candidate: Record<string, unknown>,
    secretValues: Partial<Record<SecretKey, string>>,
): ConfigProblem[] {
    return [
        ...crossKeyProblems(config, stack).map((p) => withFix(p, stack, environment, candidate)),
        ...validateAlertingSecrets(config.alerting, new Set(Object.keys(secretValues))),
        ...unusedSecrets(config, new Set(Object.keys(secretValues)), stack),
        ...validateAlertCatalog(stackAlertSettings(config)).map((p) => withFix(p, stack, environment, candidate)),
    ];
}

/** A copy of `candidate` with every field an issue names set back to the environment default (unknown keys dropped). */
function repair(candidate: Record<string, unknown>, issues: readonly z.core.$ZodIssue[], defaults: RawConcerns): Record<string, unknown> {
    const out = structuredClone(candidate);
    for (const issue of issues) {
        const path = issue.path.map(String);
        const parent = path.length === 0 ? out : getAt(out, path.slice(0, -1));
        if (issue.code === "unrecognized_keys") {
            const here = getAt(out, path);
            if (isPlainObject(here)) for (const k of issue.keys) delete here[k];
            continue;
        }
        const last = path[path.length - 1];
        if (last === undefined || (!isPlainObject(parent) && !Array.isArray(parent))) continue;
        const fallback = path[0] === "region" ? "eu-west-1" : getAt(defaults, path);
        if (Array.isArray(parent)) parent.splice(Number(last), 1, fallback);
        else parent[last] = structuredClone(fallback);
    }
    return out;
}

/** `"2"` → 2, `"true"` → true, like `pulumi config set --path` stores them. */
function parseScalar(s: string): unknown {
    if (s === "true" || s === "false") return s === "true";
    if (/^-?(0|[1-9]\d*)$/.test(s)) return Number(s);
    return s;
}

/**
 * A YAML number where a numeric-looking enum is expected (`version: 16`, `engineVersion: 7.0`) is
 * read as the matching string, by design: `pulumi config set --path ... 16` stores a number too.
 */
function readNumericEnums(merged: RawConcerns): void {
    for (const { path, values } of NUMERIC_ENUM_PATHS) {
        const parent = getAt(merged, path.slice(0, -1));
        const last = path[path.length - 1] as string;
        if (!isPlainObject(parent)) continue;
        const v = parent[last];
        if (typeof v !== "number") continue;
        const match = values.find((o) => Number(o) === v);
        if (match !== undefined) parent[last] = match;
    }
}

/**
 * A notification secret set while the setting that reads it looks elsewhere would be silently
 * ignored: say which to change.
 */
function unusedSecrets(c: StackConfig, present: ReadonlySet<string>, stack: string): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const n = c.alerting.notifications;
    const check = (key: SecretKey, used: boolean, why: string, useIt: string) => {
        if (present.has(key) && !used) {
            problems.push({
                key: `${PROJECT}:${key}`,
                message: `is set, but ${why}, so it would be ignored; either use it or remove it`,
                fix: `${useIt}   or   pulumi config rm ${PROJECT}:${key} --stack ${stack}`,
            });
        }
    };
    if (n.slack.mode !== "lambda") {
        check(
            "slackWebhookUrl",
            false,
            `koronet:alerting.notifications.slack.mode is "${n.slack.mode}" (only the notifier Lambda posts to a webhook)`,
            setCommand(stack, "koronet:alerting.notifications.slack.mode", "lambda"),
        );
    } else {
        check(
            "slackWebhookUrl",
            n.slack.webhookUrlFrom === "config",
            `koronet:alerting.notifications.slack.webhookUrlFrom is "external" (the notifier reads the Secrets Manager secret operators fill)`,
            setCommand(stack, "koronet:alerting.notifications.slack.webhookUrlFrom", "config"),
        );
    }
    if (!n.pagerduty.enabled) {
        check(
            "pagerdutyRoutingKey",
            false,
            "koronet:alerting.notifications.pagerduty.enabled is false",
            setCommand(stack, "koronet:alerting.notifications.pagerduty.enabled", true),
        );
    } else {
        check(
            "pagerdutyRoutingKey",
            n.pagerduty.routingKeyFrom === "config",
            `koronet:alerting.notifications.pagerduty.routingKeyFrom is "external" (the forwarder reads the Secrets Manager secret operators fill)`,
            setCommand(stack, "koronet:alerting.notifications.pagerduty.routingKeyFrom", "config"),
        );
    }
    return problems;
}

function withFix(p: ConfigProblem, stack: string, environment: Environment, input: Record<string, unknown>): ConfigProblem {
    if (p.fix !== undefined || !p.key.startsWith(`${PROJECT}:`))
        return p.fix !== undefined || p.key !== "aws:region" ? p : { ...p, fix: `pulumi config set aws:region <region> --stack ${stack}` };
    const path = p.key.slice(PROJECT.length + 1).split(".");
    return { ...p, fix: setCommand(stack, p.key, suggestion(environment, path, getAt(input, path))) };
}

/** Keys of the other variants of tagged unions, to explain a key that belongs to another variant. */
const UNION_VARIANTS: readonly { readonly path: string; readonly tag: string; readonly variants: Readonly<Record<string, readonly string[]>> }[] = [
    { path: "service.image", tag: "source", variants: { build: ["context", "platform"], ref: ["ref", "platform"] } },
];

function describeIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>, stack: string, environment: Environment): ConfigProblem {
    const path = issue.path.map(String);
    const [head, ...rest] = path;
    const key = head === "region" ? "aws:region" : head === undefined ? `${PROJECT}:` : `${PROJECT}:${[head, ...rest].join(".")}`;
    if (issue.code === "unrecognized_keys") {
        const here = getAt(input, path);
        const known = Object.keys(isPlainObject(here) ? here : {}).filter((k) => !issue.keys.includes(k));
        const keys = issue.keys.map((k) => `${key}.${k}`).join(", ");
        const rm = issue.keys.map((k) => `pulumi config rm --path ${pathArgument(`${key}.${k}`)} --stack ${stack}`).join(" && ");
        const union = UNION_VARIANTS.find((u) => u.path === path.join("."));
        if (union !== undefined && isPlainObject(here)) {
            const current = String(here[union.tag]);
            const owner = Object.entries(union.variants).find(([tag, ks]) => tag !== current && issue.keys.every((k) => ks.includes(k)))?.[0];
            if (owner !== undefined) {
                return {
                    key: keys,
                    message: `${issue.keys.join(", ")} belongs to \`${union.tag}: ${owner}\`, but ${key}.${union.tag} is "${current}"${getAt(input, [...path, union.tag]) === current && current === "build" ? " (the default)" : ""}; with ${union.tag}: ${current} the keys are ${(union.variants[current] ?? []).join(", ")}`,
                    fix: setCommand(stack, `${key}.${union.tag}`, owner),
                };
            }
        }
        // A schema with its own message for unknown keys (e.g. alert ids) names what is allowed itself.
        if (!issue.message.startsWith("Unrecognized key")) return { key: keys, message: issue.message, fix: rm };
        return { key: keys, message: `unknown key${issue.keys.length > 1 ? "s" : ""}; allowed here: ${known.join(", ") || "(none)"}`, fix: rm };
    }
    const value = getAt(input, path);
    const fix = key === "aws:region" ? `pulumi config set aws:region <region> --stack ${stack}` : setCommand(stack, key, suggestion(environment, path, value));
    if (issue.message.startsWith("got ") || issue.message.startsWith("missing")) return { key, message: issue.message, fix };
    const got = value === undefined ? "missing" : `got ${JSON.stringify(value)}`;
    return { key, message: `${got}; ${issue.message}`, fix };
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
