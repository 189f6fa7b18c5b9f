import * as assert from "node:assert/strict";

import { startPostgres, type PostgresService } from "../../e2e/services/postgres";
import { startRedis, type RedisService } from "../../e2e/services/redis";
import { call, metric, scrape, signedInUser, startTestServer, stopAllServers, valueOf, waitFor, type TestServer } from "./helpers";
import { services } from "./setup";

/** Each outage test gets its own PostgreSQL and Redis, so stopping them cannot disturb other tests. */
describe("dependency outages", () => {
    let pg: PostgresService;
    let redis: RedisService;
    let server: TestServer;
    let token: string;
    let username: string;
    let itemId: number;

    before(async function () {
        this.timeout(60_000);
        const { stack } = services();
        pg = stack.add(await startPostgres());
        redis = stack.add(await startRedis());
        server = await startTestServer({}, { pg, redis });
        ({ token, username } = await signedInUser(server.url));
        itemId = (await call(server.url, "POST", "/api/items", { token, body: { name: "survivor" } })).body.id;
    });
    after(stopAllServers);

    describe("Redis down", () => {
        before(async () => {
            await redis.stop();
            await waitFor("the client to notice Redis is gone", async () => (await metric(server.url, "koronet_redis_connected")) === 0);
        });

        it("fails readiness naming Redis, while liveness passes", async () => {
            const ready = await call(server.url, "GET", "/readyz");
            assert.equal(ready.status, 503);
            assert.deepEqual(ready.body.checks, { postgres: "up", redis: "down", migrations: "done" });
            assert.equal((await call(server.url, "GET", "/healthz")).status, 200);
        });

        it("keeps serving item reads from PostgreSQL and counts the Redis errors", async () => {
            const before = await scrape(server.url);
            const res = await call(server.url, "GET", `/api/items/${itemId}`);
            assert.equal(res.status, 200);
            assert.equal(res.body.name, "survivor");
            const after = await scrape(server.url);
            assert.ok(
                valueOf(after, "koronet_redis_errors_total", { command: "cache_get" }) >
                    valueOf(before, "koronet_redis_errors_total", { command: "cache_get" }),
                "cache_get errors not counted",
            );
            // An unreachable cache is neither a hit nor a miss.
            assert.equal(valueOf(after, "koronet_cache_misses_total"), valueOf(before, "koronet_cache_misses_total"));
            assert.equal(valueOf(after, "koronet_cache_hits_total"), valueOf(before, "koronet_cache_hits_total"));
        });

        it("answers 503 naming Redis for what needs it (sign-in, authenticated writes)", async () => {
            const signIn = await call(server.url, "POST", "/api/sessions", { body: { username, password: "correct horse battery" } });
            assert.equal(signIn.status, 503);
            assert.deepEqual(signIn.body.details, { dependency: "redis" });
            const write = await call(server.url, "POST", "/api/items", { token, body: { name: "while down" } });
            assert.equal(write.status, 503);
            assert.equal(write.body.error, "dependency_unavailable");
            assert.deepEqual(write.body.details, { dependency: "redis" });
            assert.equal(write.headers.get("retry-after"), "1");
        });

        it("[F8] recovers by itself once Redis is back: ready, connected, caching again", async () => {
            await redis.start();
            await waitFor("readiness after Redis restart", async () => (await call(server.url, "GET", "/readyz")).status === 200);
            assert.equal(await metric(server.url, "koronet_redis_connected"), 1);
            const before = await scrape(server.url);
            await call(server.url, "GET", `/api/items/${itemId}`); // miss: the restarted Redis is empty
            await call(server.url, "GET", `/api/items/${itemId}`); // hit
            const after = await scrape(server.url);
            assert.equal(valueOf(after, "koronet_cache_misses_total"), valueOf(before, "koronet_cache_misses_total") + 1);
            assert.equal(valueOf(after, "koronet_cache_hits_total"), valueOf(before, "koronet_cache_hits_total") + 1);
            // Sessions lived only in the old Redis: signing in again works.
            ({ token } = await signedInUser(server.url, "back"));
            assert.equal((await call(server.url, "POST", "/api/items", { token, body: { name: "after" } })).status, 201);
        });
    });

    describe("PostgreSQL down", () => {
        before(async function () {
            this.timeout(30_000);
            await call(server.url, "GET", `/api/items/${itemId}`); // make sure it is cached
            await pg.stop();
        });

        it("answers 503 naming PostgreSQL and counts connection errors", async () => {
            const before = await metric(server.url, "koronet_db_connection_errors_total");
            const res = await call(server.url, "GET", "/api/items");
            assert.equal(res.status, 503);
            assert.equal(res.body.error, "dependency_unavailable");
            assert.deepEqual(res.body.details, { dependency: "postgres" });
            assert.ok((await metric(server.url, "koronet_db_connection_errors_total")) > before, "connection errors not counted");
        });

        it("fails readiness naming PostgreSQL, while liveness passes", async () => {
            const ready = await call(server.url, "GET", "/readyz");
            assert.equal(ready.status, 503);
            assert.equal(ready.body.checks.postgres, "down");
            assert.equal(ready.body.checks.redis, "up");
            assert.equal((await call(server.url, "GET", "/healthz")).status, 200);
        });

        it("still serves cached items from Redis", async () => {
            const res = await call(server.url, "GET", `/api/items/${itemId}`);
            assert.equal(res.status, 200);
            assert.equal(res.body.name, "survivor");
        });

        it("[F8] recovers by itself once PostgreSQL is back", async () => {
            await pg.start();
            await waitFor("readiness after PostgreSQL restart", async () => (await call(server.url, "GET", "/readyz")).status === 200);
            const res = await call(server.url, "GET", "/api/items");
            assert.equal(res.status, 200);
            assert.ok(res.body.items.some((i: { id: number }) => i.id === itemId));
        });
    });

    describe("dependencies down at startup", () => {
        it("starts anyway: live, not ready, API 503, then migrates and serves once PostgreSQL appears", async function () {
            this.timeout(60_000);
            const { stack } = services();
            const late = stack.add(await startPostgres());
            await late.stop();
            const starting = await startTestServer({}, { pg: late, redis, waitForMigrations: false });
            assert.equal((await call(starting.url, "GET", "/healthz")).status, 200);
            const ready = await waitFor("Redis to connect", async () => {
                const r = await call(starting.url, "GET", "/readyz");
                return r.body.checks.redis === "up" ? r : undefined;
            });
            assert.equal(ready.status, 503);
            assert.deepEqual(ready.body.checks, { postgres: "down", redis: "up", migrations: "pending" });
            const api = await call(starting.url, "GET", "/api/items");
            assert.equal(api.status, 503);
            await late.start();
            await starting.migrated;
            await waitFor("readiness once PostgreSQL is up", async () => (await call(starting.url, "GET", "/readyz")).status === 200);
            assert.deepEqual((await call(starting.url, "GET", "/api/items")).body, { items: [] });
        });
    });
});
