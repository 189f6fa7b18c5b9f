/**
 * `npm run docs:config`: writes docs/configuration.md, the configuration reference, from the schema
 * itself (config/*.ts: types, descriptions, allowed values), the per-environment defaults
 * (config/defaults.ts) and the alert catalog. `npm run docs:config -- --check` (and
 * test/config/reference.test.ts) fails when the committed file is stale.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { CONCERNS, ENVIRONMENTS, PROJECT, SECRET_KEYS, setCommand, stackConfigSchema, type Environment } from "../config";
import { defaultsFor } from "../config/defaults";
import { REGIONS } from "../config/aws/regions";
import { maxStackNameLength, NAME_RULES } from "../config/aws/names";
import { ALERT_CATALOG, ALERT_IDS } from "../components/alerting/catalog";
import { PROJECT_ROOT } from "./offline/stack-file";
import { parseCommand, runCommand } from "./cli";

export const REFERENCE_FILE = path.join(PROJECT_ROOT, "docs", "configuration.md");

type Json = Record<string, unknown>;

/** Concerns whose schema carries no description of its own. */
const CONCERN_TEXT: Partial<Record<(typeof CONCERNS)[number], string>> = {
    monitoring: "The monitoring layer: Prometheus, Grafana, exporters and the web server's metric sidecars.",
    alerting: "Notification targets and per-alert tuning of the alert catalog.",
};

const COMMAND = {
    usage: "npm run docs:config [-- --check]",
    help: `
Writes docs/configuration.md from the config schema, the per-environment defaults and the alert catalog.

  --check  write nothing; exit 1 when docs/configuration.md is stale
  --help   this text`,
    options: { check: { type: "boolean", default: false } },
} as const;

function getAt(obj: unknown, p: readonly string[]): unknown {
    let cur = obj;
    for (const k of p) cur = cur !== null && typeof cur === "object" ? (cur as Json)[k] : undefined;
    return cur;
}

const code = (v: unknown) => `\`${typeof v === "string" ? v : JSON.stringify(v)}\``;

function typeOf(s: Json): string {
    if (Array.isArray(s.oneOf)) return "one of the variants below";
    if (s.type === "array") return `list of ${typeOf((s.items ?? {}) as Json)}`;
    if (s.type === "integer") return "integer";
    return String(s.type ?? "any");
}

function allowedOf(s: Json): string | undefined {
    if (Array.isArray(s.enum)) return s.enum.map(code).join(", ");
    if (s.const !== undefined) return code(s.const);
    if (typeof s.allowedText === "string") return s.allowedText;
    if (typeof s.minimum === "number" && typeof s.maximum === "number" && Math.abs(s.maximum) < 1e15)
        return `${s.minimum}..${s.maximum}${s.unit ? ` (${String(s.unit)})` : ""}`;
    if (s.type === "array") {
        const items = allowedOf((s.items ?? {}) as Json);
        return `${typeof s.minItems === "number" ? `at least ${s.minItems} item(s)` : "any number of items"}${items ? `, each ${items}` : ""}`;
    }
    return undefined;
}

function defaults(p: readonly string[]): string {
    return ENVIRONMENTS.map((env) => {
        const v = getAt(defaultsFor(env), p);
        return `${env} ${v === undefined ? "—" : code(v)}`;
    }).join(" · ");
}

function example(key: string, p: readonly string[], s: Json): string {
    const d = getAt(defaultsFor("prod"), p) ?? getAt(defaultsFor("dev"), p);
    const isArray = s.type === "array";
    const value = isArray ? (Array.isArray(d) && d.length > 0 ? d[0] : undefined) : (d ?? (Array.isArray(s.enum) ? s.enum[0] : s.const));
    const target = isArray ? `${key}.0` : key;
    return setCommand("<stack>", target, value).replace(" --stack <stack>", "");
}

function leaves(s: Json, p: string[], out: string[]): void {
    const key = `${PROJECT}:${p.join(".")}`;
    if (s.type === "object" && s.properties && p[p.length - 1] !== "alerts") {
        for (const [k, child] of Object.entries(s.properties as Record<string, Json>)) leaves(child, [...p, k], out);
        return;
    }
    if (p[p.length - 1] === "alerts") {
        out.push(`### \`${key}\``, "", "Per-alert tuning of the alert catalog; see [Alerts](#alerts) below for every alert id and what it takes.", "");
        return;
    }
    if (Array.isArray(s.oneOf)) {
        out.push(`### \`${key}\``, "", String(s.description ?? ""), "");
        for (const variant of s.oneOf as Json[]) {
            const props = (variant.properties ?? {}) as Record<string, Json>;
            const tag = Object.entries(props).find(([, v]) => v.const !== undefined);
            out.push(`Variant \`${tag?.[0]}: ${String(tag?.[1].const)}\`:`, "");
            for (const [k, child] of Object.entries(props)) {
                const required = (variant.required as string[] | undefined)?.includes(k) ?? false;
                const allowed = allowedOf(child);
                const text = String(child.description ?? "").replace(/ @default (.+)$/, " Default: $1.");
                out.push(`- \`${k}\` (${typeOf(child)}${required ? "" : ", optional"}): ${text}${allowed ? ` Allowed: ${allowed}.` : ""}`);
            }
            out.push("");
        }
        const tags = (s.oneOf as Json[]).map((v) => Object.values((v.properties ?? {}) as Record<string, Json>).find((x) => x.const !== undefined)?.const);
        const tagKey =
            Object.entries(((s.oneOf as Json[])[0]?.properties ?? {}) as Record<string, Json>).find(([, v]) => v.const !== undefined)?.[0] ?? "source";
        const other = tags.find((t) => t !== getAt(defaultsFor("dev"), [...p, tagKey]));
        out.push(
            `- default: ${defaults(p)}`,
            `- set: \`${setCommand("<stack>", `${key}.${tagKey}`, other).replace(" --stack <stack>", "")}\` (switching \`${tagKey}\` replaces the default object whole; then set the variant's keys)`,
            "",
        );
        return;
    }
    const allowed = allowedOf(s);
    out.push(
        `### \`${key}\``,
        "",
        String(s.description ?? ""),
        "",
        `- type: ${typeOf(s)}`,
        ...(allowed ? [`- allowed: ${allowed}`] : []),
        `- default: ${defaults(p)}`,
        `- set: \`${example(key, p, s)}\``,
        "",
    );
}

function alertsSection(): string[] {
    const out = [
        "## Alerts",
        "",
        "`koronet:alerting.alerts.<AlertId>` tunes one alert of the catalog (components/alerting/catalog.ts). Keys an alert does not take are rejected.",
        "",
        "| alert | severity | threshold: default (allowed, unit) | keys | dev default | prod default |",
        "|---|---|---|---|---|---|",
    ];
    for (const id of ALERT_IDS) {
        const d = ALERT_CATALOG[id];
        const t = d.threshold;
        const keys = [
            "enabled",
            ...(t ? ["threshold"] : []),
            ...(d.prometheus ? ["for", "window"] : []),
            ...(d.severity !== "none" ? ["severity"] : []),
            ...(d.cloudwatch ? ["cloudwatch.periodSeconds", "cloudwatch.evaluationPeriods", "cloudwatch.datapointsToAlarm"] : []),
        ];
        const envDefault = (env: Environment) => {
            const o = getAt(defaultsFor(env), ["alerting", "alerts", id]);
            return o === undefined ? "catalog" : code(o);
        };
        out.push(
            `| ${id} | ${d.severity} | ${t ? `${t.default} (${t.min}..${t.max}, ${t.unit})` : "—"} | ${keys.map((k) => `\`${k}\``).join(", ")} | ${envDefault("dev")} | ${envDefault("prod")} |`,
        );
    }
    out.push(
        "",
        "- `for`, `window`: Prometheus durations (`30s`, `5m`). A default rate window holds at least 4 scrapes of `koronet:monitoring.prometheus.scrapeIntervalSeconds`; a window you set must hold at least 2, or the alert could never fire.",
        "- `cloudwatch.periodSeconds`: a multiple of 60 up to 86400 (every metric the alarms read has 1-minute resolution); `datapointsToAlarm` ≤ `evaluationPeriods`; period × evaluationPeriods ≤ 1 day.",
        `- set: \`${setCommand("<stack>", "koronet:alerting.alerts.HighCpuUsage.threshold", 85).replace(" --stack <stack>", "")}\`, \`${setCommand("<stack>", "koronet:alerting.alerts.UnusualTraffic.enabled", false).replace(" --stack <stack>", "")}\``,
        "",
    );
    return out;
}

/** The whole reference, as Markdown. */
export function renderConfigReference(): string {
    const schema = z.toJSONSchema(stackConfigSchema, { unrepresentable: "any" }) as Json;
    const props = schema.properties as Record<string, Json>;
    const { length: maxStack, rule } = maxStackNameLength(PROJECT);
    const out: string[] = [
        "# Configuration reference",
        "",
        "<!-- Generated by `npm run docs:config` from config/*.ts, config/defaults.ts and the alert catalog; test/config/reference.test.ts fails when it is stale. Do not edit. -->",
        "",
        `A stack is one \`Pulumi.<stack>.yaml\`. It sets only what differs from its environment's defaults; \`${PROJECT}:environment\` picks the environment (default: the stack name). Every setting lives in one structured key per concern (${CONCERNS.map((c) => `\`${PROJECT}:${c}\``).join(", ")}), set field by field with \`pulumi config set --path\`. Every value is checked before any resource is created; a bad one stops the program naming the key, the value, what is allowed and the command that fixes it.`,
        "",
        "`pulumi config set --path` stores integers and `true`/`false` as such and everything else as a string; a fraction needs `--type float` (e.g. a threshold of 2.5). Without `--path`, `pulumi config set koronet:service.desiredCount 2` stores a key literally named `service.desiredCount`, which the program rejects.",
        "",
        "## Stack",
        "",
        `- **Stack name**: lowercase letters, digits and single hyphens, at most ${maxStack} characters: AWS names are built from it, and the tightest is the ${rule.what} (\`${rule.longest(PROJECT, "<stack>")}\`, at most ${rule.max}). All limits: ${NAME_RULES.map((r) => `${r.what} ≤ ${r.max}`).join("; ")}.`,
        `- \`aws:region\` (string, required): ${Object.keys(REGIONS).map(code).join(", ")}. Set: \`pulumi config set aws:region eu-west-1\``,
        `- \`${PROJECT}:environment\` (string): ${ENVIRONMENTS.map(code).join(", ")}; default: the stack name. Set: \`pulumi config set ${PROJECT}:environment prod\``,
        ...Object.entries(SECRET_KEYS).map(
            ([k, spec]) =>
                `- \`${PROJECT}:${k}\` (secret string, optional): ${spec.allowed}; read only when the setting that uses it says \`config\`. Set: \`pulumi config set --secret ${PROJECT}:${k} <value>\``,
        ),
        "",
    ];
    for (const concern of CONCERNS) {
        const s = props[concern] ?? {};
        out.push(`## \`${PROJECT}:${concern}\``, "", String(s.description ?? CONCERN_TEXT[concern] ?? ""), "");
        leaves(s, [concern], out);
    }
    out.push(...alertsSection());
    return `${out
        .join("\n")
        .replace(/\n{3,}/g, "\n\n")
        .trimEnd()}\n`;
}

function main(): void {
    const { values } = parseCommand(COMMAND);
    const text = renderConfigReference();
    const current = existsSync(REFERENCE_FILE) ? readFileSync(REFERENCE_FILE, "utf8") : undefined;
    if (values.check) {
        if (current !== text) {
            process.stdout.write(`docs/configuration.md is stale: run \`npm run docs:config\` and commit it\n`);
            process.exitCode = 1;
        } else process.stdout.write("docs/configuration.md: up to date\n");
        return;
    }
    writeFileSync(REFERENCE_FILE, text);
    process.stdout.write(`docs/configuration.md: ${current === text ? "up to date" : "written"}\n`);
}

if (require.main === module) runCommand(COMMAND.usage, main);
