/**
 * Reads `Pulumi.<stack>.yaml` into the flat key → string map the Pulumi engine hands a program.
 * `secure:` values cannot be decrypted offline: each becomes a placeholder of the right shape
 * (so validation still runs) and its key is marked secret, exactly as the engine would mark it.
 */
import { readFileSync, existsSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT, SECRET_KEYS, type RawStackConfig } from "../../config";
import { isPlainObject } from "../../config/defaults";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** Placeholder for an undecryptable `secure:` value, shaped to pass the key's validation. */
export function secretPlaceholder(fullKey: string): string {
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

export function readStackConfig(stack: string, opts: StackFileOptions = {}): RawStackConfig {
    const file = path.join(opts.root ?? PROJECT_ROOT, `Pulumi.${stack}.yaml`);
    if (!existsSync(file)) throw new Error(`No stack file ${path.basename(file)}: known stacks are the Pulumi.<stack>.yaml files in ${opts.root ?? PROJECT_ROOT}`);
    const doc = (parse(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const values: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    for (const [rawKey, value] of Object.entries(doc.config ?? {})) {
        const key = rawKey.includes(":") ? rawKey : `${PROJECT}:${rawKey}`;
        const { value: clean, secret } = stripSecure(key, value);
        values[key] = clean;
        if (secret) secretKeys.add(key);
    }
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

function stripSecure(key: string, value: unknown): { value: unknown; secret: boolean } {
    if (isPlainObject(value) && Object.keys(value).length === 1 && typeof value.secure === "string") {
        return { value: secretPlaceholder(key), secret: true };
    }
    if (Array.isArray(value)) {
        const items = value.map((v) => stripSecure(key, v));
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (isPlainObject(value)) {
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            const r = stripSecure(key, v);
            out[k] = r.value;
            secret ||= r.secret;
        }
        return { value: out, secret };
    }
    return { value, secret: false };
}

/** The stacks this repository defines (one `Pulumi.<stack>.yaml` each). */
export const KNOWN_SECRET_KEYS = Object.keys(SECRET_KEYS);
