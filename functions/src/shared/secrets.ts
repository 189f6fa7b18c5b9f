/**
 * Secrets Manager values cached per container. A short TTL bounds how long a rotated webhook URL
 * or token keeps being used; `fresh` bypasses the cache (used when Slack says the URL is gone).
 */
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Clock } from "./clock";
import { isUnsetSecret, UNSET_SECRET_PLACEHOLDER } from "../contract/convention";

/** Returns the current secret value. */
export type SecretGetter = (opts?: { readonly fresh?: boolean }) => Promise<string>;

/**
 * Secret strings may be the bare value, or JSON with one of `url`, `webhookUrl`, `token`, `value`
 * (what a console-created "key/value" secret looks like).
 */
function extractSecretValue(secretString: string): string {
    const trimmed = secretString.trim();
    if (trimmed.startsWith("{")) {
        try {
            const obj = JSON.parse(trimmed) as Record<string, unknown>;
            for (const key of ["url", "webhookUrl", "webhook_url", "token", "value"]) {
                const v = obj[key];
                if (typeof v === "string" && v.trim() !== "") return v.trim();
            }
        } catch {
            // Not JSON after all: use verbatim.
        }
    }
    return trimmed;
}

/** A secret still holding the deploy-time placeholder (or nothing): an operator has not filled it yet. */
export class SecretNotFilledError extends Error {
    constructor(readonly secretId: string) {
        super(
            `secret ${secretId} is not filled (it holds "${UNSET_SECRET_PLACEHOLDER}"): put the value with aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string ...`,
        );
        this.name = "SecretNotFilledError";
    }
}

/**
 * Reads one secret from Secrets Manager. The placeholder throws {@link SecretNotFilledError}, and
 * since {@link cachedSecret} caches only values, the next read asks Secrets Manager again: a value
 * put later is used from the next invocation on, without a redeploy.
 */
export function secretsManagerSource(client: SecretsManagerClient, secretId: string): () => Promise<string> {
    return async () => {
        const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
        const value = out.SecretString === undefined ? undefined : extractSecretValue(out.SecretString);
        if (isUnsetSecret(value)) throw new SecretNotFilledError(secretId);
        return value as string;
    };
}

export interface CachedSecretOptions {
    /** How long a value is reused. */
    readonly ttlMs: number;
    readonly clock: Pick<Clock, "now">;
    /** Called with every fetched value (the logger registers it for redaction). */
    readonly onValue?: (value: string) => void;
}

/** Wraps a source with a TTL cache and single-flight fetching. */
export function cachedSecret(source: () => Promise<string>, opts: CachedSecretOptions): SecretGetter {
    let cached: { value: string; until: number } | undefined;
    let inflight: Promise<string> | undefined;
    return async (o) => {
        if (o?.fresh !== true && cached !== undefined && opts.clock.now() < cached.until) return cached.value;
        inflight ??= source()
            .then((value) => {
                opts.onValue?.(value);
                cached = { value, until: opts.clock.now() + opts.ttlMs };
                return value;
            })
            .finally(() => {
                inflight = undefined;
            });
        return inflight;
    };
}
