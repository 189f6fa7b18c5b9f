/**
 * Reads `Pulumi.<stack>.yaml` into the flat key → string map the Pulumi engine hands a program.
 * `secure:` values cannot be decrypted offline: each is checked for the shape Pulumi writes, then
 * becomes a placeholder of the right shape (so validation still runs) and its key is marked secret,
 * exactly as the engine would mark it.
 *
 * What the Pulumi CLI would refuse or resolve differently is a `ConfigError` here, never a silent
 * default: YAML errors (duplicate keys, tabs), `.inf`/`.nan` (which cannot travel as JSON), malformed
 * `secure:` values, and ESC environments (`environment:` imports), which only Pulumi Cloud resolves.
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { ConfigError, PROJECT, type ConfigProblem, type RawStackConfig } from "../../config";
import { isPlainObject } from "../../config/defaults";
import { UsageError } from "../cli";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** Placeholder for an undecryptable `secure:` value, shaped to pass the key's validation. */
function secretPlaceholder(fullKey: string): string {
    const key = fullKey.startsWith(`${PROJECT}:`) ? fullKey.slice(PROJECT.length + 1) : fullKey;
    if (key === "slackWebhookUrl") return "https://hooks.slack.com/services/T00000000/B00000000/offlineplaceholder";
    if (key === "pagerdutyRoutingKey") return "0".repeat(32);
    return "offline-secret-placeholder";
}

export interface StackFileOptions {
    /** Extra config layered over the file: `namespace:key` → value (objects deep-merged by the program's rules). */
    readonly overrides?: Readonly<Record<string, unknown>>;
    /** Keys (full `namespace:key`) to deliver as secrets: `{ "koronet:slackWebhookUrl": "https://..." }`. */
    readonly secrets?: Readonly<Record<string, string>>;
    /** Project root holding the stack files. @default the repository root */
    readonly root?: string;
}

/** The stacks a root defines: one `Pulumi.<stack>.yaml` each. */
export function stackNames(root: string = PROJECT_ROOT): string[] {
    return readdirSync(root)
        .map((f) => /^Pulumi\.([A-Za-z0-9_.-]+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** Top-level keys of a stack settings file (https://www.pulumi.com/docs/iac/concepts/projects/stack-settings-file/). */
const STACK_FILE_KEYS = ["config", "environment", "secretsprovider", "encryptedkey", "encryptionsalt"];

/**
 * Pulumi's ciphertext: the passphrase provider writes `v1:<base64 nonce>:<base64 ciphertext>`;
 * the service and cloud KMS providers write standard base64.
 */
const CIPHERTEXT = /^(v1:[A-Za-z0-9+/]+={0,2}:[A-Za-z0-9+/]+={0,2}|(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$/;

export function readStackConfig(stack: string, opts: StackFileOptions = {}): RawStackConfig {
    const root = opts.root ?? PROJECT_ROOT;
    const fileName = `Pulumi.${stack}.yaml`;
    const file = path.join(root, fileName);
    if (!existsSync(file)) {
        const known = stackNames(root);
        throw new UsageError(`no stack file ${fileName}; known stacks: ${known.join(", ") || "(none)"} (one Pulumi.<stack>.yaml each in ${root})`);
    }
    const problems: ConfigProblem[] = [];
    const text = readFileSync(file, "utf8");
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    for (const e of doc.errors) {
        const [line, col] = e.linePos?.[0] ? [e.linePos[0].line, e.linePos[0].col] : [undefined, undefined];
        const what =
            e.code === "DUPLICATE_KEY"
                ? "a key appears twice in one mapping; YAML allows each key once"
                : /tab/i.test(e.message)
                  ? "tabs cannot indent YAML; indent with spaces"
                  : e.message.split("\n")[0];
        const source = line !== undefined ? text.split("\n")[line - 1]?.trim() : undefined;
        problems.push({
            key: `${fileName}${line ? `:${line}:${col}` : ""}`,
            message: `${what}${source ? `: ${JSON.stringify(source)}` : ""} (YAML: ${e.code})`,
            fix: `edit ${fileName} at that line`,
        });
    }
    if (problems.length > 0) throw new ConfigError(stack, problems);
    const parsed = (doc.toJS() ?? {}) as unknown;
    if (!isPlainObject(parsed)) throw new ConfigError(stack, [{ key: fileName, message: "is not a YAML mapping with a `config:` key" }]);
    for (const k of Object.keys(parsed)) {
        if (k === "environment") {
            problems.push({
                key: `${fileName}: environment`,
                message: `imports Pulumi ESC environments (${JSON.stringify(parsed.environment)}); the offline tools cannot resolve them (only the Pulumi CLI with Pulumi Cloud can), so an offline plan would silently use defaults instead`,
                fix: `copy the values it provides into config: (pulumi env get <env>) for offline plans, or run pulumi preview --stack ${stack} with the Pulumi CLI`,
            });
        } else if (!STACK_FILE_KEYS.includes(k)) {
            problems.push({
                key: `${fileName}: ${k}`,
                message: `unknown top-level key; a stack file holds ${STACK_FILE_KEYS.join(", ")} (settings go under config:)`,
            });
        }
    }
    const config = parsed.config ?? {};
    if (!isPlainObject(config)) problems.push({ key: `${fileName}: config`, message: "must be a mapping of key: value" });
    const values: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    for (const [rawKey, value] of Object.entries(isPlainObject(config) ? config : {})) {
        const key = rawKey.includes(":") ? rawKey : `${PROJECT}:${rawKey}`;
        const { value: clean, secret } = stripSecure(key, key, value, problems);
        values[key] = clean;
        if (secret) secretKeys.add(key);
    }
    if (problems.length > 0) throw new ConfigError(stack, problems);
    for (const [key, value] of Object.entries(opts.overrides ?? {})) {
        values[key] = isPlainObject(values[key]) && isPlainObject(value) ? mergeObjects(values[key], value) : value;
    }
    for (const [key, value] of Object.entries(opts.secrets ?? {})) {
        values[key] = value;
        secretKeys.add(key);
    }
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) flat[k] = typeof v === "string" ? v : JSON.stringify(v);
    return { stack, values: flat, secretKeys };
}

function mergeObjects(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = isPlainObject(out[k]) && isPlainObject(v) ? mergeObjects(out[k] as Record<string, unknown>, v) : v;
    return out;
}

function stripSecure(topKey: string, at: string, value: unknown, problems: ConfigProblem[]): { value: unknown; secret: boolean } {
    if (isPlainObject(value) && Object.keys(value).length === 1 && "secure" in value) {
        const c = value.secure;
        if (typeof c !== "string" || !CIPHERTEXT.test(c)) {
            problems.push({
                key: at,
                message: `secure: got ${typeof c === "string" ? JSON.stringify(c.length > 40 ? `${c.slice(0, 12)}…` : c) : `the ${typeof c} ${JSON.stringify(c)}`}, not Pulumi ciphertext (the passphrase provider writes v1:<nonce>:<ciphertext>, others base64); a secure: value is written by the CLI, never by hand`,
                fix: `pulumi config set --secret ${topKey.split(".")[0]} <value>${at !== topKey ? " (or --path --secret for the nested key)" : ""}`,
            });
        }
        return { value: secretPlaceholder(topKey), secret: true };
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
        problems.push({
            key: at,
            message: `got ${Number.isNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf"}, which is not a number any setting accepts (and cannot travel to the program as JSON)`,
            fix: `pulumi config set --path ${at} <number>`,
        });
        return { value: null, secret: false };
    }
    if (Array.isArray(value)) {
        const items = value.map((v, i) => stripSecure(topKey, `${at}[${i}]`, v, problems));
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (isPlainObject(value)) {
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            const r = stripSecure(topKey, `${at}.${k}`, v, problems);
            out[k] = r.value;
            secret ||= r.secret;
        }
        return { value: out, secret };
    }
    return { value, secret: false };
}
