import * as assert from "node:assert/strict";
import * as net from "node:net";

import { Client } from "pg";

import { startPostgres, type PostgresService } from "../../e2e/services/postgres";
import { connectionFailureReason } from "../src/db";
import { DB_FAILURE_REASONS } from "../src/metrics";
import { call, scrape, signedInUser, startTestServer, stopAllServers, valueOf, waitFor } from "./helpers";
import { services } from "./setup";

const COUNTER = "koronet_db_connection_errors_total";

/** The failure counter of a server, by reason. */
async function failures(url: string, reason: string): Promise<number> {
    return valueOf(await scrape(url), COUNTER, { reason });
}

/** A free port with nothing listening on it. */
async function closedPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

/**
 * What a security group that drops packets looks like from the client: the TCP connection never
 * gets an answer. (A listener that accepts and then says nothing stands in for the dropped SYN:
 * either way pg waits until its connection timeout.)
 */
async function silentListener(): Promise<{ port: number; close: () => Promise<void> }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    return {
        port,
        close: async () => {
            for (const s of sockets) s.destroy();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}

/**
 * Every way the app can fail to reach PostgreSQL is counted in `koronet_db_connection_errors_total`
 * with its reason, against a real PostgreSQL, and — for what breaks at start-up — before any request:
 * migrations connect through the same counted path, so a deploy with a wrong password or a security
 * group that drops the traffic raises DatabaseConnectionFailures with zero traffic.
 */
describe("PostgreSQL connection failures: every class counted, by reason", function () {
    this.timeout(60_000);
    after(stopAllServers);

    it("exports every reason at 0 from the first scrape (increase() sees the first failure)", async () => {
        const server = await startTestServer();
        const text = await scrape(server.url);
        for (const reason of DB_FAILURE_REASONS) assert.equal(valueOf(text, COUNTER, { reason }), 0, reason);
    });

    it("bad credentials (28P01) are counted as `auth` while migrations retry, with no request at all", async () => {
        const { pg } = services();
        const server = await startTestServer({ DATABASE_URL: pg.urlWithoutPassword, DATABASE_PASSWORD: "not-the-password" }, { waitForMigrations: false });
        await waitFor("two auth failures from the migration retries", async () => (await failures(server.url, "auth")) >= 2, 20_000);
        // Requests answer 503 ("starting") without touching the database; the counter still says why.
        assert.equal((await call(server.url, "GET", "/api/items")).status, 503);
        assert.equal(await failures(server.url, "timeout"), 0);
    });

    it("a security group dropping the traffic (no answer) is counted as `timeout`", async () => {
        const { pg } = services();
        const silent = await silentListener();
        try {
            const server = await startTestServer(
                { DATABASE_URL: `postgres://${pg.user}@127.0.0.1:${silent.port}/${pg.database}`, DATABASE_PASSWORD: pg.password, DB_ACQUIRE_TIMEOUT_MS: "300" },
                { waitForMigrations: false },
            );
            await waitFor("a timeout failure", async () => (await failures(server.url, "timeout")) >= 1, 20_000);
            assert.equal(await failures(server.url, "auth"), 0);
        } finally {
            await silent.close();
        }
    });

    it("nothing listening is counted as `refused`; an unknown host as `network`", async () => {
        const { pg } = services();
        const refused = await startTestServer(
            { DATABASE_URL: `postgres://${pg.user}@127.0.0.1:${await closedPort()}/${pg.database}`, DATABASE_PASSWORD: pg.password },
            { waitForMigrations: false },
        );
        const unknown = await startTestServer(
            // RFC 2606: .invalid never resolves.
            { DATABASE_URL: `postgres://${pg.user}@koronet-db.invalid:5432/${pg.database}`, DATABASE_PASSWORD: pg.password },
            { waitForMigrations: false },
        );
        await waitFor("a refused failure", async () => (await failures(refused.url, "refused")) >= 1, 20_000);
        await waitFor("a network failure", async () => (await failures(unknown.url, "network")) >= 1, 20_000);
    });

    it("TLS required against a server without TLS is counted as `tls`", async () => {
        const { pg } = services();
        const server = await startTestServer(
            { DATABASE_URL: `postgres://${pg.user}@127.0.0.1:${pg.port}/${pg.database}?sslmode=verify-full`, DATABASE_PASSWORD: pg.password },
            { waitForMigrations: false },
        );
        await waitFor("a tls failure", async () => (await failures(server.url, "tls")) >= 1, 20_000);
    });

    describe("max_connections exhausted, seen from the app's side", () => {
        // Its own cluster: filling it must not starve the other tests.
        let pg: PostgresService;
        const held: Client[] = [];
        const role = { name: "koronet_app", password: "app-password-1" };

        before(async function () {
            this.timeout(60_000);
            pg = services().stack.add(await startPostgres({ settings: { max_connections: "8", superuser_reserved_connections: "3" } }));
            const admin = new Client({ connectionString: pg.url });
            await admin.connect();
            await admin.query(`CREATE ROLE ${role.name} LOGIN PASSWORD '${role.password}'`);
            await admin.query(`GRANT ALL ON DATABASE ${pg.database} TO ${role.name}`);
            await admin.end();
        });
        after(async () => {
            await Promise.all(held.splice(0).map((c) => c.end().catch(() => undefined)));
        });

        it("counts refused connections (53300 too_many_connections) as `too_many_connections`", async () => {
            // 8 − 3 reserved = 5 slots for ordinary roles: the superuser takes them all.
            for (let i = 0; i < 5; i++) {
                const c = new Client({ connectionString: pg.url });
                c.on("error", () => undefined);
                await c.connect();
                held.push(c);
            }
            const server = await startTestServer(
                { DATABASE_URL: `postgres://${role.name}@127.0.0.1:${pg.port}/${pg.database}`, DATABASE_PASSWORD: role.password },
                { pg, waitForMigrations: false },
            );
            await waitFor("a too_many_connections failure", async () => (await failures(server.url, "too_many_connections")) >= 1, 20_000);
            assert.equal(await failures(server.url, "auth"), 0);
        });
    });

    it("an open connection killed under the app (pg_terminate_backend, failover) is counted as `lost`", async () => {
        const server = await startTestServer();
        const { token } = await signedInUser(server.url, "lost");
        assert.equal((await call(server.url, "POST", "/api/items", { token, body: { name: "keeps the pool warm" } })).status, 201);
        const before = await failures(server.url, "lost");
        const admin = new Client({ connectionString: services().pg.url });
        await admin.connect();
        try {
            const { rowCount } = await admin.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'koronet-web' AND pid <> pg_backend_pid()",
            );
            assert.ok((rowCount ?? 0) > 0, "the app held no connection to terminate");
        } finally {
            await admin.end();
        }
        await waitFor("a lost failure", async () => (await failures(server.url, "lost")) > before, 20_000);
    });

    it("classifies errors by SQLSTATE, socket code and pg's messages; query errors are not connection failures", () => {
        const e = (code: string | undefined, message = "x") => Object.assign(new Error(message), code === undefined ? {} : { code });
        assert.equal(connectionFailureReason(e("28P01")), "auth");
        assert.equal(connectionFailureReason(e("53300")), "too_many_connections");
        assert.equal(connectionFailureReason(e("57P03")), "too_many_connections");
        assert.equal(connectionFailureReason(e(undefined, "Connection terminated due to connection timeout")), "timeout");
        assert.equal(connectionFailureReason(e("ECONNREFUSED")), "refused");
        assert.equal(connectionFailureReason(e("EAI_AGAIN")), "network");
        assert.equal(connectionFailureReason(e(undefined, "The server does not support SSL connections")), "tls");
        assert.equal(connectionFailureReason(e("57P01")), "lost");
        assert.equal(connectionFailureReason(e(undefined, "Connection terminated unexpectedly")), "lost");
        assert.equal(connectionFailureReason(e("23505", "duplicate key")), undefined);
        assert.equal(connectionFailureReason(e("57014", "canceling statement due to statement timeout")), undefined);
    });
});
