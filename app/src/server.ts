import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";

import { buildApp } from "./app";
import { type AppConfig, describeConfig } from "./config";
import { Database } from "./db";
import { Items } from "./items";
import { createMetrics, type AppMetrics } from "./metrics";
import { migrate } from "./migrations";
import { RedisStore } from "./redis";
import { RotatingPassword, secretsManagerReader } from "./secret-password";
import { Sessions } from "./sessions";

export interface RunningServer {
    readonly app: FastifyInstance;
    readonly metrics: AppMetrics;
    /** Base URL it listens on, e.g. http://127.0.0.1:3000. */
    readonly url: string;
    /** Base URL of the metrics listener (`GET /metrics`), e.g. http://127.0.0.1:9464; undefined with metrics off. */
    readonly metricsUrl: string | undefined;
    /** Resolves once schema migrations are applied (they retry until PostgreSQL answers). */
    readonly migrated: Promise<void>;
    /** Stop accepting, let in-flight requests finish, then close the pools. */
    close(): Promise<void>;
}

/**
 * Start the server. It listens at once (so liveness passes while PostgreSQL or Redis are still
 * unreachable) and applies migrations in the background; readiness and the API wait for them.
 */
export async function startServer(config: AppConfig, log: Logger): Promise<RunningServer> {
    log.info({ config: describeConfig(config) }, "starting koronet web server");
    const metrics = createMetrics(config.metricsEnabled);
    const password = config.databasePasswordFrom
        ? new RotatingPassword(secretsManagerReader(config.databasePasswordFrom), { cacheMs: config.databasePasswordCacheSeconds * 1000, log })
        : undefined;
    const db = new Database(
        {
            url: config.databaseUrl,
            tls: config.databaseTls,
            password,
            poolMax: config.dbPoolMax,
            acquireTimeoutMs: config.dbAcquireTimeoutMs,
            statementTimeoutMs: config.dbStatementTimeoutMs,
            slowQueryMs: config.slowQueryMs,
        },
        metrics,
        log,
    );
    const redis = new RedisStore(config.redisUrl, metrics, log);
    const sessions = new Sessions(db, redis, config.sessionTtlSeconds);
    const items = new Items(db, redis, metrics, config.cacheTtlSeconds, log);
    metrics.bindRedis(
        () => redis.connected,
        () => sessions.countActive().catch(() => undefined),
    );

    let migratedFlag = false;
    let closing = false;
    const migrated = (async () => {
        for (let attempt = 1; ; attempt++) {
            try {
                await migrate(db, log);
                migratedFlag = true;
                return;
            } catch (err) {
                if (closing) throw new Error("server closed before migrations completed");
                log.warn({ attempt, err: { message: (err as Error).message } }, "schema migrations failed; retrying");
                await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 5_000)));
            }
        }
    })();
    migrated.catch(() => undefined);

    const app = buildApp({ config, log, metrics, db, redis, items, sessions, isMigrated: () => migratedFlag });
    // Keep-alive sockets would hold close() open until they time out: once draining, every response
    // says "Connection: close", and sockets that are idle already are swept until close() returns.
    let draining = false;
    app.addHook("onSend", (_request, reply, payload, done) => {
        if (draining) reply.header("connection", "close");
        done(null, payload);
    });
    app.addHook("onClose", async () => {
        closing = true;
        await Promise.allSettled([db.close(), redis.close()]);
    });
    await app.listen({ port: config.port, host: config.host });
    const { port } = app.server.address() as { port: number };
    let metricsServer: Server | undefined;
    try {
        metricsServer = metrics.enabled ? await metricsListener(metrics, config.metricsPort, config.host, log) : undefined;
    } catch (err) {
        await app.close();
        throw err;
    }
    return {
        app,
        metrics,
        url: `http://127.0.0.1:${port}`,
        metricsUrl: metricsServer ? `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}` : undefined,
        migrated,
        close: async () => {
            draining = true;
            const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
            try {
                await app.close();
            } finally {
                clearInterval(sweep);
                // Scrapes go on while requests drain; the metrics listener closes last.
                if (metricsServer) await closeNow(metricsServer);
            }
        },
    };
}

/**
 * The metrics listener: `GET /metrics` (and HEAD) on its own port, nothing else. The load balancer's
 * target group registers only the API port, so it can never forward a request here, and the task's
 * security group admits only Prometheus on this port. A plain node:http server: it has one route and
 * must not show up in the request metrics it serves.
 */
async function metricsListener(metrics: AppMetrics, port: number, host: string, log: Logger): Promise<Server> {
    const server = createServer((req, res) => {
        const path = (req.url ?? "/").split("?")[0];
        if (path !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
            res.writeHead(404, { "content-type": "text/plain" }).end("not found: this port serves GET /metrics only\n");
            return;
        }
        metrics.render().then(
            (body) => res.writeHead(200, { "content-type": metrics.contentType }).end(req.method === "HEAD" ? undefined : body),
            (err: unknown) => {
                log.error({ err }, "rendering metrics failed");
                res.writeHead(500, { "content-type": "text/plain" }).end("metrics unavailable\n");
            },
        );
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
            server.off("error", reject);
            resolve();
        });
    });
    log.info({ port: (server.address() as AddressInfo).port }, "metrics listener started");
    return server;
}

function closeNow(server: Server): Promise<void> {
    return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
    });
}
