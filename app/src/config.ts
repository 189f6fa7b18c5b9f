import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";

import { parseSecretReference, type SecretReference } from "./secret-password";
import { amazonRdsCertificates, type DatabaseCa } from "./tls";

/** TLS to PostgreSQL: none, or the server's certificate verified against the CAs and its name against the host. */
export type DatabaseTls = { readonly mode: "disable" } | { readonly mode: "verify-full"; readonly ca?: DatabaseCa };

/** Runtime configuration, read once from the environment. See README "Configuration". */
export interface AppConfig {
    /** HTTP port of the API and the probes. @default 3000 */
    readonly port: number;
    /**
     * Port of the metrics listener (`GET /metrics` only), apart from the API so the load balancer,
     * which registers only `port`, can never reach it. `0`: any free port. @default 9464
     */
    readonly metricsPort: number;
    /** Listen address. @default "0.0.0.0" */
    readonly host: string;
    /** PostgreSQL connection URL, including the password when `DATABASE_PASSWORD` is set. Never log it: use {@link redactUrl}. */
    readonly databaseUrl: string;
    /** From `sslmode` in `DATABASE_URL` (`disable` or `verify-full`) and `DATABASE_CA` (the CAs to trust; @default Node's). */
    readonly databaseTls: DatabaseTls;
    /** `DATABASE_PASSWORD_FROM`: read the password from this Secrets Manager secret while running, following rotation. */
    readonly databasePasswordFrom?: SecretReference;
    /** How long a password read from Secrets Manager is used before reading it again. @default 60 */
    readonly databasePasswordCacheSeconds: number;
    /** Redis connection URL, including the password when `REDIS_PASSWORD` is set. Never log it: use {@link redactUrl}. */
    readonly redisUrl: string;
    /** Queries slower than this count in `koronet_db_slow_queries_total`. @default 500 */
    readonly slowQueryMs: number;
    /** pino level. @default "info" */
    readonly logLevel: LogLevel;
    /** Collect metrics and serve `/metrics` on `metricsPort`. @default true */
    readonly metricsEnabled: boolean;
    /** Serve `/api/faults/...` (chosen 5xx, added latency) for alert tests. @default false */
    readonly faultInjection: boolean;
    /** PostgreSQL pool size. @default 10 */
    readonly dbPoolMax: number;
    /** Longest wait for a pooled connection before answering 503. @default 5000 */
    readonly dbAcquireTimeoutMs: number;
    /** Server-side statement timeout. @default 15000 */
    readonly dbStatementTimeoutMs: number;
    /** Lifetime of a signed-in session. @default 3600 */
    readonly sessionTtlSeconds: number;
    /** Lifetime of a cached item. @default 60 */
    readonly cacheTtlSeconds: number;
    /** Longest wait for in-flight requests on SIGTERM before exiting anyway (with code 1). @default 25000 */
    readonly shutdownTimeoutMs: number;
}

/** The metrics listener's port unless `METRICS_PORT` says otherwise (Prometheus' default port allocations list 9464 for OpenTelemetry's Prometheus exporter). */
const DEFAULT_METRICS_PORT = 9464;

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** A bad environment variable; the message names it in backticks. */
export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

type Env = Readonly<Record<string, string | undefined>>;

function str(env: Env, name: string): string | undefined {
    const v = env[name]?.trim();
    return v === undefined || v === "" ? undefined : v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
    const raw = str(env, name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw)) throw new ConfigError(`\`${name}\` must be a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new ConfigError(`\`${name}\` must be between ${min} and ${max}, got ${n}`);
    return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
    const raw = str(env, name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (["1", "true", "yes", "on"].includes(raw)) return true;
    if (["0", "false", "no", "off"].includes(raw)) return false;
    throw new ConfigError(`\`${name}\` must be true or false, got "${raw}"`);
}

/**
 * Put a separately supplied password into a connection URL. On ECS the password arrives as a secret
 * env var and the URL carries none; a password given both ways must agree to avoid a silent choice.
 */
export function withPassword(url: string, password: string | undefined, urlVar: string, passwordVar: string): string {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        throw new ConfigError(`\`${urlVar}\` is not a valid URL`);
    }
    if (password === undefined) return url;
    if (parsed.password !== "" && decodeURIComponent(parsed.password) !== password) {
        throw new ConfigError(`\`${urlVar}\` contains a password that differs from \`${passwordVar}\`; set only one`);
    }
    // The URL setter leaves "%" alone, so encode first: the driver percent-decodes the password.
    parsed.password = encodeURIComponent(password);
    return parsed.toString();
}

/** The URL with any password replaced by `***`, safe to log. */
export function redactUrl(url: string): string {
    try {
        const parsed = new URL(url);
        if (parsed.password !== "") parsed.password = "***";
        return parsed.toString();
    } catch {
        return "(unparseable URL)";
    }
}

/**
 * `sslmode` of the database URL. node-postgres reads `require` (and `prefer`, `verify-ca`) as full
 * verification against Node's trust store
 * (https://github.com/brianc/node-postgres/tree/master/packages/pg-connection-string#tcp-connections),
 * which is not what libpq means by them: only the two modes that mean the same everywhere are taken.
 */
function databaseTls(url: string, env: Env): DatabaseTls {
    const params = new URL(url).searchParams;
    const mode = params.get("sslmode") ?? "disable";
    if (params.has("ssl") || params.has("sslrootcert") || params.has("uselibpqcompat")) {
        throw new ConfigError("`DATABASE_URL` takes TLS settings only as sslmode=disable|verify-full (with `DATABASE_CA` for the CAs)");
    }
    const caSetting = str(env, "DATABASE_CA");
    if (mode === "disable") {
        if (caSetting !== undefined) throw new ConfigError("`DATABASE_CA` needs sslmode=verify-full in `DATABASE_URL`");
        return { mode };
    }
    if (mode !== "verify-full") {
        throw new ConfigError(
            `\`DATABASE_URL\` sslmode must be disable or verify-full, got "${mode}" (node-postgres reads require, prefer and verify-ca differently from libpq)`,
        );
    }
    if (caSetting === undefined) return { mode };
    const rds = /^amazon-rds(?::(.+))?$/.exec(caSetting);
    if (rds) {
        const region = rds[1];
        if (region !== undefined) {
            try {
                amazonRdsCertificates(region);
            } catch (err) {
                throw new ConfigError(`\`DATABASE_CA\`: ${(err as Error).message}`);
            }
        }
        return { mode, ca: { kind: "amazon-rds", ...(region !== undefined ? { region } : {}) } };
    }
    if (!isAbsolute(caSetting) || !existsSync(caSetting)) {
        throw new ConfigError(`\`DATABASE_CA\` must be amazon-rds, amazon-rds:<region> or the absolute path of a PEM file, got "${caSetting}"`);
    }
    return { mode, ca: { kind: "file", path: caSetting } };
}

/** Read and validate the configuration; throws {@link ConfigError} naming the first bad variable. */
export function loadConfig(env: Env = process.env): AppConfig {
    const databaseUrl = str(env, "DATABASE_URL");
    if (databaseUrl === undefined) throw new ConfigError("`DATABASE_URL` is required, e.g. postgres://user@host:5432/koronet");
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigError("`DATABASE_URL` must start with postgres:// or postgresql://");
    const redisUrl = str(env, "REDIS_URL");
    if (redisUrl === undefined) throw new ConfigError("`REDIS_URL` is required, e.g. redis://host:6379");
    if (!/^rediss?:\/\//.test(redisUrl)) throw new ConfigError("`REDIS_URL` must start with redis:// or rediss://");
    const passwordFrom = str(env, "DATABASE_PASSWORD_FROM");
    let databasePasswordFrom: SecretReference | undefined;
    if (passwordFrom !== undefined) {
        const ref = parseSecretReference(passwordFrom);
        if ("error" in ref) throw new ConfigError(`\`DATABASE_PASSWORD_FROM\` ${ref.error}`);
        if (env.DATABASE_PASSWORD) throw new ConfigError("`DATABASE_PASSWORD_FROM` and `DATABASE_PASSWORD` are both set; set only one");
        if (URL.canParse(databaseUrl) && new URL(databaseUrl).password !== "")
            throw new ConfigError("`DATABASE_URL` contains a password while `DATABASE_PASSWORD_FROM` is set; set only one");
        databasePasswordFrom = ref;
    }
    const logLevel = (str(env, "LOG_LEVEL") ?? "info").toLowerCase();
    if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
        throw new ConfigError(`\`LOG_LEVEL\` must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
    }
    const port = int(env, "PORT", 3000, 0, 65535);
    const metricsPort = int(env, "METRICS_PORT", DEFAULT_METRICS_PORT, 0, 65535);
    if (metricsPort !== 0 && metricsPort === port) {
        throw new ConfigError(
            `\`METRICS_PORT\` must differ from \`PORT\` (${port}): the metrics listener is kept apart from the API the load balancer reaches`,
        );
    }
    return {
        port,
        metricsPort,
        host: str(env, "HOST") ?? "0.0.0.0",
        // Not trimmed: a password may legitimately start or end with whitespace.
        databaseUrl: withPassword(databaseUrl, env.DATABASE_PASSWORD || undefined, "DATABASE_URL", "DATABASE_PASSWORD"),
        databaseTls: databaseTls(databaseUrl, env),
        ...(databasePasswordFrom ? { databasePasswordFrom } : {}),
        databasePasswordCacheSeconds: int(env, "DATABASE_PASSWORD_CACHE_SECONDS", 60, 1, 3_600),
        redisUrl: withPassword(redisUrl, env.REDIS_PASSWORD || undefined, "REDIS_URL", "REDIS_PASSWORD"),
        slowQueryMs: int(env, "SLOW_QUERY_MS", 500, 1, 3_600_000),
        logLevel: logLevel as LogLevel,
        metricsEnabled: bool(env, "METRICS_ENABLED", true),
        faultInjection: bool(env, "FAULT_INJECTION", false),
        dbPoolMax: int(env, "DB_POOL_MAX", 10, 1, 1000),
        dbAcquireTimeoutMs: int(env, "DB_ACQUIRE_TIMEOUT_MS", 5_000, 1, 600_000),
        dbStatementTimeoutMs: int(env, "DB_STATEMENT_TIMEOUT_MS", 15_000, 1, 3_600_000),
        sessionTtlSeconds: int(env, "SESSION_TTL_SECONDS", 3_600, 1, 30 * 86_400),
        cacheTtlSeconds: int(env, "CACHE_TTL_SECONDS", 60, 1, 86_400),
        shutdownTimeoutMs: int(env, "SHUTDOWN_TIMEOUT_MS", 25_000, 0, 600_000),
    };
}

/** The configuration with secrets redacted, for the startup log line. */
export function describeConfig(config: AppConfig): Record<string, unknown> {
    return { ...config, databaseUrl: redactUrl(config.databaseUrl), redisUrl: redactUrl(config.redisUrl) };
}
