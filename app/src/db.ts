import type { ConnectionOptions } from "node:tls";

import type { Logger } from "pino";
import { Pool, type PoolClient, type PoolConfig, type QueryResultRow } from "pg";
import { parse as parseConnectionString } from "pg-connection-string";

import type { DatabaseTls } from "./config";
import { DependencyUnavailableError } from "./errors";
import type { AppMetrics, DbFailureReason, DbOperation } from "./metrics";
import type { RotatingPassword } from "./secret-password";
import { caCertificates } from "./tls";

export interface DatabaseOptions {
    /** `postgres://user[:password]@host:port/db[?sslmode=...]`; TLS comes from {@link tls}, not from the URL. */
    readonly url: string;
    /** @default no TLS */
    readonly tls?: DatabaseTls;
    /** Reads the password for every new connection (rotation); overrides a password in the URL. */
    readonly password?: RotatingPassword;
    readonly poolMax: number;
    readonly acquireTimeoutMs: number;
    readonly statementTimeoutMs: number;
    readonly slowQueryMs: number;
}

/** pg-pool's message when a checkout waited in the queue too long: contention, not a broken connection. */
const QUEUE_TIMEOUT = "timeout exceeded when trying to connect";

/** invalid_password: PostgreSQL refused the password (after a rotation, the one we hold is old). */
const INVALID_PASSWORD = "28P01";

/**
 * The pool's connection settings. The URL is parsed here and TLS set explicitly: handed to pg as a
 * connection string, its `sslmode` would replace the `ssl` options (pg merges the parsed string over
 * the config), and the CA list with them.
 */
export function poolConnection(url: string, tls: DatabaseTls = { mode: "disable" }): PoolConfig {
    const c = parseConnectionString(url);
    const ssl: ConnectionOptions | false =
        tls.mode === "disable"
            ? false
            : // Node verifies the chain against `ca` (default: its own trust store) and the certificate's
              // names against the host pg connects to (pg passes `host`, and `servername` unless it is an IP).
              { rejectUnauthorized: true, ...(tls.ca ? { ca: caCertificates(tls.ca) } : {}) };
    return {
        host: c.host ?? undefined,
        port: c.port ? Number(c.port) : undefined,
        database: c.database ?? undefined,
        user: c.user,
        password: c.password,
        ssl,
    };
}

/** Socket errors that mean a host could not be reached at all. */
const NETWORK_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN"]);
/** Socket errors and SQLSTATEs of a connection that broke once open. */
const LOST_CODES = new Set(["ECONNRESET", "EPIPE", "57P01", "57P02"]);

/**
 * Why a connection could not be made or was lost, or undefined when the error is about the query
 * (a constraint, a syntax error, a statement timeout), not the connection. SQLSTATEs:
 * https://www.postgresql.org/docs/current/errcodes-appendix.html; pg's own messages: pg/lib/client.js
 * ("Connection terminated unexpectedly", "timeout expired") and pg-pool/index.js ("Connection
 * terminated due to connection timeout").
 */
export function connectionFailureReason(err: unknown): DbFailureReason | undefined {
    const code = String((err as { code?: unknown }).code ?? "");
    const message = String((err as { message?: unknown }).message ?? "");
    if (code === "28P01" || code === "28000") return "auth";
    if (code === "53300" || code === "57P03") return "too_many_connections";
    if (code === "ETIMEDOUT" || /connection timeout|timeout expired/i.test(message)) return "timeout";
    if (code === "ECONNREFUSED") return "refused";
    if (NETWORK_CODES.has(code)) return "network";
    if (code.startsWith("ERR_TLS") || code.startsWith("ERR_SSL") || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code) || /does not support SSL/i.test(message))
        return "tls";
    if (LOST_CODES.has(code) || code.startsWith("08") || /Connection terminated/i.test(message)) return "lost";
    return undefined;
}

/**
 * The PostgreSQL pool with metrics: every query is timed per `operation`, slow ones counted, and
 * connection failures counted and turned into {@link DependencyUnavailableError} (HTTP 503).
 */
export class Database {
    readonly pool: Pool;

    constructor(
        private readonly opts: DatabaseOptions,
        private readonly metrics: AppMetrics,
        private readonly log: Logger,
    ) {
        const password = opts.password;
        this.pool = new Pool({
            ...poolConnection(opts.url, opts.tls),
            // pg calls a password function for every new connection (pg/lib/client.js `_getPassword`).
            ...(password ? { password: () => password.get() } : {}),
            max: opts.poolMax,
            connectionTimeoutMillis: opts.acquireTimeoutMs,
            idleTimeoutMillis: 30_000,
            statement_timeout: opts.statementTimeoutMs,
            application_name: "koronet-web",
        });
        // An idle client losing its connection emits here; without a listener the process would crash.
        this.pool.on("error", (err) => {
            this.metrics.dbConnectionError(connectionFailureReason(err) ?? "lost");
            this.log.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, "idle PostgreSQL connection lost");
        });
        metrics.bindPool(this.pool);
    }

    /**
     * A pooled connection. When PostgreSQL refuses the password (rotated since we read it), the
     * password is re-read and the connection tried once more, so a rotation costs no request.
     * Every failure to connect is counted by reason (migrations connect here too, so a database the
     * app cannot reach is counted from start-up, before any request), except the pool's own queue
     * timeout: waiting for a busy pool is contention, not a broken connection.
     */
    async connect(): Promise<PoolClient> {
        try {
            return await this.connectOnce();
        } catch (err) {
            if ((err as Error).message !== QUEUE_TIMEOUT) this.metrics.dbConnectionError(connectionFailureReason(err) ?? "other");
            throw err;
        }
    }

    private async connectOnce(): Promise<PoolClient> {
        const password = this.opts.password;
        const generation = password?.generation;
        try {
            return await this.pool.connect();
        } catch (err) {
            if (!password || (err as { code?: string }).code !== INVALID_PASSWORD) throw err;
            // Another connection may have re-read it already; otherwise read it now.
            if (password.generation === generation && !(await password.refresh())) throw err;
            return await this.pool.connect();
        }
    }

    private async acquire(): Promise<PoolClient> {
        try {
            return await this.connect();
        } catch (err) {
            throw new DependencyUnavailableError("postgres", err);
        }
    }

    /** Run one statement on a pooled connection, timed as `operation` (a fixed name, never user input). */
    async query<R extends QueryResultRow>(operation: DbOperation, sql: string, params: readonly unknown[] = []): Promise<R[]> {
        const client = await this.acquire();
        const started = process.hrtime.bigint();
        let broken: Error | undefined;
        try {
            const result = await client.query<R>(sql, params as unknown[]);
            return result.rows;
        } catch (err) {
            const reason = connectionFailureReason(err);
            if (reason !== undefined) {
                broken = err as Error;
                this.metrics.dbConnectionError(reason);
                throw new DependencyUnavailableError("postgres", err);
            }
            throw err;
        } finally {
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            this.metrics.dbQuery(operation, seconds, seconds * 1000 > this.opts.slowQueryMs);
            // Passing the error makes the pool discard the client instead of reusing a dead socket.
            client.release(broken);
        }
    }

    /** Readiness probe: a round trip within `timeoutMs`. */
    async ping(timeoutMs: number): Promise<boolean> {
        let timer: NodeJS.Timeout | undefined;
        try {
            await Promise.race([
                this.query("ping", "SELECT 1"),
                new Promise((_, reject) => {
                    timer = setTimeout(() => reject(new Error("ping timeout")), timeoutMs);
                }),
            ]);
            return true;
        } catch {
            return false;
        } finally {
            clearTimeout(timer);
        }
    }

    async close(): Promise<void> {
        await this.pool.end();
    }
}
