import type { Logger } from "pino";
import { Pool, type PoolClient, type QueryResultRow } from "pg";

import { DependencyUnavailableError } from "./errors";
import type { AppMetrics, DbOperation } from "./metrics";

export interface DatabaseOptions {
    readonly url: string;
    readonly poolMax: number;
    readonly acquireTimeoutMs: number;
    readonly statementTimeoutMs: number;
    readonly slowQueryMs: number;
}

/** pg-pool's message when a checkout waited in the queue too long: contention, not a broken connection. */
const QUEUE_TIMEOUT = "timeout exceeded when trying to connect";

/** SQLSTATE classes and socket errors that mean the connection, not the query, failed. */
function isConnectionFailure(err: unknown): boolean {
    const code = (err as { code?: string }).code ?? "";
    return (
        code.startsWith("08") || // connection exception
        code === "57P01" || // admin_shutdown
        code === "57P02" || // crash_shutdown
        code === "57P03" || // cannot_connect_now
        ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"].includes(code) ||
        /Connection terminated|connection timeout/i.test((err as Error).message ?? "")
    );
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
        this.pool = new Pool({
            connectionString: opts.url,
            max: opts.poolMax,
            connectionTimeoutMillis: opts.acquireTimeoutMs,
            idleTimeoutMillis: 30_000,
            statement_timeout: opts.statementTimeoutMs,
            application_name: "koronet-web",
        });
        // An idle client losing its connection emits here; without a listener the process would crash.
        this.pool.on("error", (err) => {
            this.metrics.dbConnectionError();
            this.log.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, "idle PostgreSQL connection lost");
        });
        metrics.bindPool(this.pool);
    }

    private async acquire(): Promise<PoolClient> {
        try {
            return await this.pool.connect();
        } catch (err) {
            if ((err as Error).message !== QUEUE_TIMEOUT) this.metrics.dbConnectionError();
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
            if (isConnectionFailure(err)) {
                broken = err as Error;
                this.metrics.dbConnectionError();
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
