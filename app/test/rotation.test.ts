/**
 * The database password rotating under a running server (issue 11, defect 11): a real PostgreSQL
 * whose role changes password (ALTER ROLE), a Secrets Manager stand-in updated with it, and the
 * server's connections recycled, as RDS managed rotation and a pool's ordinary churn do. Requests
 * keep succeeding; an injected password (how ECS hands secrets over) does not survive it. What the
 * password source does when Secrets Manager is unreachable is in secret-password.test.ts.
 */
import * as assert from "node:assert/strict";

import { Client } from "pg";

import { call, startTestServer, uniqueName, waitFor, metric, type TestServer } from "./helpers";
import { FakeSecretsManager, useFakeSecretsManager } from "./fake-secrets-manager";
import { services } from "./setup";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-koronet-rotation-AbCdEf";

describe("database password rotation", () => {
    let fake: FakeSecretsManager;
    let undoEnv: () => void;
    let role: string;
    const admin = () => new Client({ connectionString: services().pg.url });

    async function sql(statement: string): Promise<void> {
        const c = admin();
        await c.connect();
        try {
            await c.query(statement);
        } finally {
            await c.end();
        }
    }

    /** Changes the role's password in PostgreSQL, as the rotation does. */
    const alterPassword = (password: string) => sql(`ALTER ROLE ${role} PASSWORD '${password}'`);

    /** Ends every session of the role (a pool's connections come and go); waits until the server's pool is empty. */
    async function recycleConnections(server: TestServer): Promise<void> {
        await sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${role}'`);
        await waitFor("the pool to drop its terminated connections", async () => (await metric(server.url, "koronet_db_pool_total_connections")) === 0);
    }

    /** Requests that each need a connection of their own, at once. */
    async function burst(server: TestServer, n = 6): Promise<number[]> {
        const responses = await Promise.all(Array.from({ length: n }, () => call(server.url, "GET", "/api/slow?ms=100")));
        return responses.map((r) => r.status);
    }

    before(async function () {
        this.timeout(30_000);
        fake = await FakeSecretsManager.start();
        undoEnv = useFakeSecretsManager(fake);
        role = uniqueName("rotating");
        await sql(`CREATE ROLE ${role} LOGIN PASSWORD 'first-password'`);
        await sql(`CREATE DATABASE ${role} OWNER ${role}`);
    });

    after(async () => {
        undoEnv?.();
        await fake?.stop();
    });

    const start = (env: Record<string, string>) =>
        startTestServer({
            DATABASE_URL: `postgres://${role}@127.0.0.1:${services().pg.port}/${role}`,
            DATABASE_PASSWORD: "",
            DB_POOL_MAX: "6",
            ...env,
        });

    it("[F11] reads the password from Secrets Manager, re-reads it when PostgreSQL refuses it, and no request fails", async () => {
        fake.put(SECRET_ARN, "AWSCURRENT", "first-password");
        const server = await start({ DATABASE_PASSWORD_FROM: `${SECRET_ARN}:password::` });
        try {
            assert.deepEqual(await burst(server), [200, 200, 200, 200, 200, 200]);
            const readsBefore = fake.calls.length;

            await alterPassword("second-password");
            fake.put(SECRET_ARN, "AWSCURRENT", "second-password");
            await recycleConnections(server);

            assert.deepEqual(await burst(server), [200, 200, 200, 200, 200, 200], "every request after the rotation succeeds");
            assert.ok(server.logs.some((l) => l.msg === "database password re-read after PostgreSQL refused it (rotated)"));
            assert.equal(fake.calls.slice(readsBefore).filter((c) => c.stage === "AWSCURRENT").length, 1, "the connections refused together share one read");
            assert.ok(!server.rawLogs().includes("second-password") && !server.rawLogs().includes("first-password"), "no password in the logs");

            // Mid-rotation: PostgreSQL already has the new password, the secret's current version not yet.
            await alterPassword("third-password");
            fake.put(SECRET_ARN, "AWSPENDING", "third-password");
            await recycleConnections(server);
            assert.deepEqual(await burst(server), [200, 200, 200, 200, 200, 200], "the pending version is tried when the current one is refused");
            fake.put(SECRET_ARN, "AWSCURRENT", "third-password");
            fake.put(SECRET_ARN, "AWSPENDING", undefined);
        } finally {
            await server.close();
        }
    });

    it("an injected password (an ECS secret, read once at task start) loses the database at the first rotation", async () => {
        await alterPassword("injected-password");
        const server = await start({ DATABASE_PASSWORD: "injected-password" });
        try {
            assert.equal((await call(server.url, "GET", "/api/slow?ms=1")).status, 200);
            await alterPassword("rotated-password");
            await recycleConnections(server);
            assert.equal((await call(server.url, "GET", "/api/slow?ms=1")).status, 503);
        } finally {
            await server.close();
        }
    });
});
