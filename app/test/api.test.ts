import * as assert from "node:assert/strict";

import { Client } from "pg";

import { createLogger } from "../src/logger";
import { enableQueryStatistics, migrate, MIGRATIONS } from "../src/migrations";
import { call, metric, scrape, signedInUser, startTestServer, stopAllServers, uniqueName, valueOf, type TestServer } from "./helpers";
import { services } from "./setup";

describe("API", () => {
    let server: TestServer;
    let base: string;

    before(async () => {
        server = await startTestServer();
        base = server.url;
    });
    after(stopAllServers);

    describe("probes and request ids", () => {
        it("answers liveness and readiness with both dependencies up", async () => {
            assert.deepEqual((await call(base, "GET", "/healthz")).body, { status: "ok" });
            const ready = await call(base, "GET", "/readyz");
            assert.equal(ready.status, 200);
            assert.deepEqual(ready.body.checks, { postgres: "up", redis: "up", migrations: "done" });
        });

        it("propagates a caller's x-request-id to the response and the log line", async () => {
            const res = await call(base, "GET", "/api/items", { headers: { "x-request-id": "trace-abc.123" } });
            assert.equal(res.headers.get("x-request-id"), "trace-abc.123");
            const line = server.logs.find((l) => l.requestId === "trace-abc.123" && l.msg === "request completed");
            assert.ok(line, "no log line carries the request id");
            assert.equal(line.route, "/api/items");
            assert.equal(line.statusCode, 200);
        });

        it("mints a request id when none (or a malformed one) is sent", async () => {
            const res = await call(base, "GET", "/healthz", { headers: { "x-request-id": "bad id with spaces" } });
            assert.match(res.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
        });

        it("logs JSON with the database password redacted", () => {
            const raw = server.rawLogs();
            assert.ok(!raw.includes(services().pg.password), "the database password appears in the logs");
            const start = server.logs.find((l) => l.msg === "starting koronet web server") as { config: { databaseUrl: string } };
            assert.match(start.config.databaseUrl, /^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/koronet$/);
        });
    });

    describe("sessions", () => {
        it("signs in into a Redis session with a TTL and signs out", async () => {
            const { username, token } = await signedInUser(base);
            const me = await call(base, "GET", "/api/sessions/current", { token });
            assert.equal(me.status, 200);
            assert.equal(me.body.username, username);
            const { redis } = services();
            const { Redis } = await import("ioredis");
            const client = new Redis(redis.url);
            try {
                const keys = await client.keys("session:*");
                const ttls = await Promise.all(keys.map((k) => client.ttl(k)));
                assert.ok(ttls.length > 0 && ttls.every((t) => t > 0 && t <= 3600), `session TTLs: ${ttls}`);
            } finally {
                client.disconnect();
            }
            assert.equal((await call(base, "DELETE", "/api/sessions/current", { token })).status, 204);
            const after = await call(base, "GET", "/api/sessions/current", { token });
            assert.equal(after.status, 401);
            assert.equal(after.body.error, "unauthenticated");
        });

        it("rejects a wrong password with 401 and a taken username with 409", async () => {
            const { username } = await signedInUser(base);
            const wrong = await call(base, "POST", "/api/sessions", { body: { username, password: "wrong password" } });
            assert.equal(wrong.status, 401);
            assert.equal(wrong.body.error, "invalid_credentials");
            const taken = await call(base, "POST", "/api/users", { body: { username, password: "another password" } });
            assert.equal(taken.status, 409);
            assert.equal(taken.body.error, "username_taken");
        });

        it("counts active sessions from Redis, so a restarted (or second) replica reports the same figure", async () => {
            const before = await metric(base, "koronet_active_sessions");
            const { token } = await signedInUser(base);
            assert.equal(await metric(base, "koronet_active_sessions"), before + 1);
            const second = await startTestServer();
            assert.equal(await metric(second.url, "koronet_active_sessions"), before + 1);
            await call(base, "DELETE", "/api/sessions/current", { token });
            assert.equal(await metric(second.url, "koronet_active_sessions"), before);
            await second.close();
        });
    });

    describe("items with a read-through cache", () => {
        let token: string;
        before(async () => {
            ({ token } = await signedInUser(base, "owner"));
        });

        it("requires a session to write", async () => {
            const res = await call(base, "POST", "/api/items", { body: { name: "x" } });
            assert.equal(res.status, 401);
        });

        it("serves a miss from PostgreSQL, then a hit from Redis, and counts both", async () => {
            const created = await call(base, "POST", "/api/items", { token, body: { name: "widget", description: "blue" } });
            assert.equal(created.status, 201);
            const id = created.body.id as number;
            const m0 = await scrape(base);

            const first = await call(base, "GET", `/api/items/${id}`);
            assert.equal(first.status, 200);
            assert.deepEqual(first.body, created.body);
            const m1 = await scrape(base);
            assert.equal(valueOf(m1, "koronet_cache_misses_total", { cache: "items" }), valueOf(m0, "koronet_cache_misses_total", { cache: "items" }) + 1);
            assert.equal(valueOf(m1, "koronet_cache_hits_total", { cache: "items" }), valueOf(m0, "koronet_cache_hits_total", { cache: "items" }));

            const second = await call(base, "GET", `/api/items/${id}`);
            assert.deepEqual(second.body, created.body);
            const m2 = await scrape(base);
            assert.equal(valueOf(m2, "koronet_cache_hits_total", { cache: "items" }), valueOf(m1, "koronet_cache_hits_total", { cache: "items" }) + 1);
            assert.equal(valueOf(m2, "koronet_cache_misses_total", { cache: "items" }), valueOf(m1, "koronet_cache_misses_total", { cache: "items" }));
            // The select ran once: the hit did not touch PostgreSQL.
            assert.equal(
                valueOf(m2, "koronet_db_query_duration_seconds_count", { operation: "item_select" }),
                valueOf(m0, "koronet_db_query_duration_seconds_count", { operation: "item_select" }) + 1,
            );
        });

        it("invalidates the cached copy on update, so the next read is fresh", async () => {
            const id = (await call(base, "POST", "/api/items", { token, body: { name: "old" } })).body.id as number;
            await call(base, "GET", `/api/items/${id}`); // cached now
            const updated = await call(base, "PUT", `/api/items/${id}`, { token, body: { name: "new" } });
            assert.equal(updated.status, 200);
            const misses = await metric(base, "koronet_cache_misses_total", { cache: "items" });
            const read = await call(base, "GET", `/api/items/${id}`);
            assert.equal(read.body.name, "new");
            assert.equal(await metric(base, "koronet_cache_misses_total", { cache: "items" }), misses + 1);
        });

        it("deletes, after which the item is 404 (not served from cache)", async () => {
            const id = (await call(base, "POST", "/api/items", { token, body: { name: "doomed" } })).body.id as number;
            await call(base, "GET", `/api/items/${id}`);
            assert.equal((await call(base, "DELETE", `/api/items/${id}`, { token })).status, 204);
            const gone = await call(base, "GET", `/api/items/${id}`);
            assert.equal(gone.status, 404);
            assert.equal(gone.body.error, "not_found");
        });

        it("forbids changing another user's item", async () => {
            const id = (await call(base, "POST", "/api/items", { token, body: { name: "mine" } })).body.id as number;
            const other = await signedInUser(base, "intruder");
            const res = await call(base, "PUT", `/api/items/${id}`, { token: other.token, body: { name: "theirs" } });
            assert.equal(res.status, 403);
            assert.equal(res.body.error, "forbidden");
        });

        it("lists items from PostgreSQL with paging", async () => {
            const res = await call(base, "GET", "/api/items?limit=2&offset=0");
            assert.equal(res.status, 200);
            assert.equal(res.body.items.length, 2);
        });
    });

    describe("bad requests", () => {
        const cases: Array<[string, string, string, unknown, number, string]> = [
            ["a non-numeric id", "GET", "/api/items/abc", undefined, 400, "validation_failed"],
            ["a missing password", "POST", "/api/users", { username: "someone" }, 400, "validation_failed"],
            ["a too-short username", "POST", "/api/sessions", { username: "ab", password: "long enough" }, 400, "validation_failed"],
            ["malformed JSON", "POST", "/api/users", "{not json", 400, "bad_request"],
            ["a limit above 100", "GET", "/api/items?limit=1000", undefined, 400, "validation_failed"],
            ["a slow query over 10 s", "GET", "/api/slow?ms=60000", undefined, 400, "validation_failed"],
            ["an unknown route", "GET", "/api/nope/123", undefined, 404, "not_found"],
        ];
        for (const [what, method, path, body, status, error] of cases) {
            it(`answers ${status} with a JSON body for ${what}`, async () => {
                const res = await call(base, method, path, { body });
                assert.equal(res.status, status);
                assert.equal(res.body.error, error);
                assert.equal(typeof res.body.message, "string");
                assert.equal(res.body.requestId, res.headers.get("x-request-id"));
            });
        }

        it("names the offending field", async () => {
            const res = await call(base, "POST", "/api/users", { body: { username: "someone" } });
            assert.deepEqual(
                res.body.details.map((d: { in: string; field: string }) => [d.in, d.field]),
                [["body", "password"]],
            );
        });

        it("labels unknown routes `unmatched`, never with the raw path", async () => {
            const path = `/random/${uniqueName("scanner")}`;
            await call(base, "GET", path);
            const text = await scrape(base);
            assert.ok(!text.includes(path), "raw path leaked into a label");
            assert.ok(valueOf(text, "koronet_http_requests_total", { route: "unmatched", status_code: "404" }) >= 1);
        });

        it("labels matched routes with their template", async () => {
            await call(base, "GET", "/api/items/999999");
            const text = await scrape(base);
            assert.ok(valueOf(text, "koronet_http_requests_total", { method: "GET", route: "/api/items/:id", status_code: "404" }) >= 1);
            assert.ok(!text.includes('route="/api/items/999999"'));
        });

        it("does not expose fault injection unless FAULT_INJECTION is on", async () => {
            assert.equal((await call(base, "GET", "/api/faults/status/500")).status, 404);
            assert.equal((await call(base, "GET", "/api/faults/latency/10")).status, 404);
        });
    });

    describe("per-endpoint usage", () => {
        it("counts each business endpoint call", async () => {
            const before = await metric(base, "koronet_api_endpoint_calls_total", { endpoint: "items.list" });
            await call(base, "GET", "/api/items");
            await call(base, "GET", "/api/items");
            assert.equal(await metric(base, "koronet_api_endpoint_calls_total", { endpoint: "items.list" }), before + 2);
        });
    });

    describe("schema migrations", () => {
        it("keep going without query statistics when the role may not create extensions", async () => {
            const statements: string[] = [];
            const client = {
                query: async (sql: string) => {
                    statements.push(sql);
                    if (sql.startsWith("CREATE EXTENSION")) throw new Error("permission denied to create extension");
                    return { rows: [] };
                },
            } as unknown as import("pg").PoolClient;
            const warnings: unknown[] = [];
            assert.equal(await enableQueryStatistics(client, { warn: (...args: unknown[]) => warnings.push(args) } as never), false);
            assert.equal(warnings.length, 1);
            assert.equal(statements.at(-1), "ROLLBACK TO SAVEPOINT query_statistics", "the migration transaction stays usable");
        });

        it("apply each migration exactly once when several replicas start together", async () => {
            const { pg } = services();
            const dbName = uniqueName("migrations");
            const admin = new Client({ connectionString: pg.url });
            await admin.connect();
            try {
                await admin.query(`CREATE DATABASE ${dbName}`);
                const url = pg.url.replace(/\/koronet$/, `/${dbName}`);
                const { Pool } = await import("pg");
                const pools = [0, 1, 2].map(() => new Pool({ connectionString: url, max: 1 }));
                const log = createLogger("silent");
                try {
                    const applied = await Promise.all(pools.map((p) => migrate(p, log)));
                    assert.deepEqual(applied.flat().sort(), MIGRATIONS.map((m) => m.version).sort());
                    assert.deepEqual(await migrate(pools[0]!, log), [], "a second run applies nothing");
                    const { rows } = await pools[0]!.query("SELECT count(*)::int AS n FROM schema_migrations");
                    assert.equal(rows[0].n, MIGRATIONS.length);
                    const ext = await pools[0]!.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'");
                    assert.equal(ext.rowCount, 1, "pg_stat_statements is enabled for the slow-query statistics");
                } finally {
                    await Promise.all(pools.map((p) => p.end()));
                }
            } finally {
                await admin.end();
            }
        });
    });
});
