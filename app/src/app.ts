import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Logger } from "pino";

import type { AppConfig } from "./config";
import type { Database } from "./db";
import { HttpError } from "./errors";
import type { Items } from "./items";
import { PROBE_ROUTES, type AppMetrics } from "./metrics";
import type { RedisStore } from "./redis";
import type { Sessions } from "./sessions";

export interface AppDeps {
    readonly config: AppConfig;
    readonly log: Logger;
    readonly metrics: AppMetrics;
    readonly db: Database;
    readonly redis: RedisStore;
    readonly items: Items;
    readonly sessions: Sessions;
    /** Whether schema migrations have completed; API routes answer 503 until then. */
    readonly isMigrated: () => boolean;
}

declare module "fastify" {
    interface FastifyRequest {
        /** Set once the request has been counted in the HTTP metrics. */
        metricsDone: boolean;
    }
    interface FastifyContextConfig {
        /** A probe route (`PROBE_ROUTES`): counted apart from user requests. */
        probe?: boolean;
    }
}

/** Route label for requests that matched no route, so scanners cannot blow up label cardinality. */
const UNMATCHED_ROUTE = "unmatched";
const PROBES = new Set<string>(PROBE_ROUTES);
const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** Accept a caller's `x-request-id` when it is sane, else mint one; it is echoed back and on every log line. */
function requestId(req: IncomingMessage): string {
    const header = req.headers["x-request-id"];
    return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
}

/** One log line per request (not fastify's two), probes at debug so they do not drown the rest. */
class RequestLogs extends LogController {
    constructor() {
        super({ requestIdLogLabel: "requestId" });
    }
    override incomingRequest(): void {}
    override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
        const line = {
            method: request.method,
            url: request.url,
            route: request.routeOptions.url ?? UNMATCHED_ROUTE,
            statusCode: reply.statusCode,
            durationMs: Math.round(reply.elapsedTime * 10) / 10,
        };
        if (error) reply.log.error({ ...line, err: error }, "request errored");
        else if (PROBES.has(line.route)) reply.log.debug(line, "request completed");
        else reply.log.info(line, "request completed");
    }
}

const idParam = {
    type: "object",
    required: ["id"],
    properties: { id: { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
} as const;
const credentials = {
    type: "object",
    required: ["username", "password"],
    additionalProperties: false,
    properties: {
        username: { type: "string", minLength: 3, maxLength: 64, pattern: "^[A-Za-z0-9_.-]+$" },
        password: { type: "string", minLength: 8, maxLength: 200 },
    },
} as const;
const itemFields = {
    name: { type: "string", minLength: 1, maxLength: 200 },
    description: { type: "string", maxLength: 2000 },
} as const;

/** Build the HTTP app (routes, hooks, error mapping). Listening and shutdown belong to the caller. */
export function buildApp(deps: AppDeps): FastifyInstance {
    const { config, metrics, sessions, items } = deps;
    const app = Fastify({
        loggerInstance: deps.log as FastifyBaseLogger,
        logController: new RequestLogs(),
        genReqId: requestId,
        bodyLimit: 64 * 1024,
        // Requests arriving after close() get 503 + Connection: close while in-flight ones finish.
        return503OnClosing: true,
        ajv: { customOptions: { allErrors: true, coerceTypes: true, removeAdditional: false } },
    });

    if (metrics.enabled) {
        // One hook each way keeps the per-request cost of metrics small (see bench/app-overhead.ts).
        // A declared decoration keeps request objects one shape; it guards against counting twice.
        app.decorateRequest("metricsDone", false);
        // Probes (health checks, readiness) are counted on their own: they are not users.
        app.addHook("onRequest", (request, reply, done) => {
            reply.header("x-request-id", request.id);
            if (request.routeOptions.config.probe === true) request.metricsDone = true;
            else metrics.httpStarted();
            done();
        });
        app.addHook("onResponse", (request, reply, done) => {
            if (!request.metricsDone) {
                request.metricsDone = true;
                metrics.httpEnded();
                metrics.httpFinished(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000);
            } else if (request.routeOptions.config.probe === true) {
                metrics.probeFinished(request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode);
            }
            done();
        });
        // A client that hangs up gets no onResponse: count it as 499 (nginx's "client closed request").
        app.addHook("onRequestAbort", (request, done) => {
            if (!request.metricsDone) {
                request.metricsDone = true;
                metrics.httpEnded();
                metrics.httpAborted(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE);
            }
            done();
        });
    } else {
        app.addHook("onRequest", (request, reply, done) => {
            reply.header("x-request-id", request.id);
            done();
        });
    }

    app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
        const body = (status: number, code: string, message: string, details?: unknown): FastifyReply =>
            reply.code(status).send({ error: code, message, ...(details === undefined ? {} : { details }), requestId: request.id });
        if ("validation" in error && error.validation) {
            const details = error.validation.map((v) => ({
                in: error.validationContext,
                field: v.instancePath ? v.instancePath.slice(1).replace(/\//g, ".") : String((v.params as { missingProperty?: string }).missingProperty ?? ""),
                message: v.message,
            }));
            return body(400, "validation_failed", error.message, details);
        }
        if (error instanceof HttpError) {
            if (error.statusCode === 503) {
                reply.header("retry-after", "1");
                const cause = (error as { cause?: unknown }).cause as { message?: string; code?: string } | undefined;
                request.log.warn({ details: error.details, cause: { message: cause?.message, code: cause?.code } }, error.message);
            }
            return body(error.statusCode, error.code, error.message, error.details);
        }
        const status = error.statusCode ?? 500;
        if (status >= 400 && status < 500) return body(status, "bad_request", error.message);
        request.log.error({ err: error }, "unhandled error");
        return body(500, "internal_error", "internal server error");
    });
    app.setNotFoundHandler((request, reply) => {
        reply.code(404).send({ error: "not_found", message: `no route for ${request.method} ${request.url.split("?")[0]}`, requestId: request.id });
    });

    // ---- probes (the metrics listener is apart: server.ts, metricsListener)
    const probe = { config: { probe: true } };
    app.get("/healthz", probe, async () => ({ status: "ok" }));
    app.get("/readyz", probe, async (_request, reply) => {
        const [postgres, redis] = await Promise.all([deps.db.ping(1_000), deps.redis.ping()]);
        const migrated = deps.isMigrated();
        const ready = postgres && redis && migrated;
        return reply.code(ready ? 200 : 503).send({
            status: ready ? "ready" : "not_ready",
            checks: { postgres: postgres ? "up" : "down", redis: redis ? "up" : "down", migrations: migrated ? "done" : "pending" },
        });
    });
    // ---- business API
    app.register(
        async (api) => {
            api.addHook("preHandler", async () => {
                if (!deps.isMigrated()) throw new HttpError(503, "starting", "schema migrations are still running, retry later");
            });
            const count = (endpoint: string) => async (): Promise<void> => metrics.endpointCall(endpoint);

            api.post<{ Body: { username: string; password: string } }>(
                "/users",
                { schema: { body: credentials }, onRequest: count("users.create") },
                async (request, reply) => reply.code(201).send(await sessions.createUser(request.body.username, request.body.password)),
            );

            api.post<{ Body: { username: string; password: string } }>(
                "/sessions",
                { schema: { body: credentials }, onRequest: count("sessions.create") },
                async (request, reply) => {
                    const { token, session } = await sessions.signIn(request.body.username, request.body.password);
                    return reply.code(201).send({ token, expiresAt: session.expiresAt, username: session.username });
                },
            );
            api.get("/sessions/current", { onRequest: count("sessions.get") }, async (request) => {
                const { session } = await sessions.authenticate(request.headers.authorization);
                return session;
            });
            api.delete("/sessions/current", { onRequest: count("sessions.delete") }, async (request, reply) => {
                const { token } = await sessions.authenticate(request.headers.authorization);
                await sessions.signOut(token);
                return reply.code(204).send();
            });

            api.get<{ Querystring: { limit: number; offset: number } }>(
                "/items",
                {
                    schema: {
                        querystring: {
                            type: "object",
                            properties: {
                                limit: { type: "integer", minimum: 1, maximum: 100, default: 20 },
                                offset: { type: "integer", minimum: 0, maximum: 1_000_000, default: 0 },
                            },
                        },
                    },
                    onRequest: count("items.list"),
                },
                async (request) => ({ items: await items.list(request.query.limit, request.query.offset) }),
            );
            api.get<{ Params: { id: number } }>("/items/:id", { schema: { params: idParam }, onRequest: count("items.get") }, async (request) =>
                items.get(request.params.id),
            );
            api.post<{ Body: { name: string; description?: string } }>(
                "/items",
                {
                    schema: { body: { type: "object", required: ["name"], additionalProperties: false, properties: itemFields } },
                    onRequest: count("items.create"),
                },
                async (request, reply) => {
                    const { session } = await sessions.authenticate(request.headers.authorization);
                    return reply.code(201).send(await items.create(session.userId, request.body.name, request.body.description ?? ""));
                },
            );
            api.put<{ Params: { id: number }; Body: { name?: string; description?: string } }>(
                "/items/:id",
                {
                    schema: { params: idParam, body: { type: "object", minProperties: 1, additionalProperties: false, properties: itemFields } },
                    onRequest: count("items.update"),
                },
                async (request) => {
                    const { session } = await sessions.authenticate(request.headers.authorization);
                    return items.update(session.userId, request.params.id, request.body);
                },
            );
            api.delete<{ Params: { id: number } }>("/items/:id", { schema: { params: idParam }, onRequest: count("items.delete") }, async (request, reply) => {
                const { session } = await sessions.authenticate(request.headers.authorization);
                await items.delete(session.userId, request.params.id);
                return reply.code(204).send();
            });

            // A deliberately slow query, for slow-query metrics, pool contention and shutdown tests.
            api.get<{ Querystring: { ms: number } }>(
                "/slow",
                {
                    schema: {
                        querystring: { type: "object", properties: { ms: { type: "integer", minimum: 0, maximum: 10_000, default: 1_000 } } },
                    },
                    onRequest: count("slow.query"),
                },
                async (request) => {
                    await deps.db.query("slow_sleep", "SELECT pg_sleep($1::float8 / 1000)", [request.query.ms]);
                    return { sleptMs: request.query.ms };
                },
            );

            if (config.faultInjection) registerFaults(api);
        },
        { prefix: "/api" },
    );
    return app;
}

/**
 * FAULT_INJECTION=true only: endpoints that fail or stall on demand, for end-to-end alert tests.
 * Never enable in production: anyone who can reach the service could trip its alerts.
 */
function registerFaults(api: FastifyInstance): void {
    api.all<{ Params: { code: number } }>(
        "/faults/status/:code",
        { schema: { params: { type: "object", properties: { code: { type: "integer", minimum: 500, maximum: 599 } } } } },
        async (request, reply) =>
            reply.code(request.params.code).send({ error: "injected_fault", message: `fault injection: status ${request.params.code}`, requestId: request.id }),
    );
    api.all<{ Params: { ms: number } }>(
        "/faults/latency/:ms",
        { schema: { params: { type: "object", properties: { ms: { type: "integer", minimum: 0, maximum: 60_000 } } } } },
        async (request) => {
            await sleep(request.params.ms);
            return { delayedMs: request.params.ms };
        },
    );
}
