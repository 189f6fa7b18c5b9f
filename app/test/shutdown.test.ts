import * as assert from "node:assert/strict";
import * as path from "node:path";

import { freePort, probeHttp } from "../../e2e/services/net";
import { startProcess, type ManagedProcess } from "../../e2e/services/process";
import { call, metric, registerMetricsUrl, waitFor } from "./helpers";
import { services } from "./setup";

/** The real entry point (src/main.ts) in its own process, so SIGTERM and the exit code are real. */
async function startAppProcess(env: Record<string, string>): Promise<{ proc: ManagedProcess; base: string }> {
    const { pg, redis } = services();
    const port = await freePort();
    const metricsPort = await freePort();
    const proc = await startProcess(process.execPath, ["--import", "tsx", "src/main.ts"], {
        name: "koronet-web",
        cwd: path.join(__dirname, ".."),
        env: {
            PATH: process.env.PATH,
            DATABASE_URL: pg.urlWithoutPassword,
            DATABASE_PASSWORD: pg.password,
            REDIS_URL: redis.url,
            PORT: String(port),
            METRICS_PORT: String(metricsPort),
            HOST: "127.0.0.1",
            LOG_LEVEL: "info",
            ...env,
        },
        readyCheck: () => probeHttp(port, "/readyz"),
        timeoutMs: 30_000,
    });
    const base = `http://127.0.0.1:${port}`;
    registerMetricsUrl(base, `http://127.0.0.1:${metricsPort}`);
    return { proc, base };
}

describe("graceful shutdown (separate process)", () => {
    let proc: ManagedProcess | undefined;
    afterEach(async () => {
        await proc?.stop();
        proc = undefined;
    });

    it("on SIGTERM stops accepting, finishes the in-flight request, closes pools and exits 0", async () => {
        const started = await startAppProcess({});
        proc = started.proc;
        const { base } = started;
        const inFlight = call(base, "GET", "/api/slow?ms=1500");
        await waitFor("the slow request to be in flight", async () => (await metric(base, "koronet_http_requests_in_flight")) === 1);

        proc.kill("SIGTERM");
        await waitFor("the shutdown to begin", async () => proc!.logTail(100_000).includes('"msg":"shutting down: draining in-flight requests"'));
        const late = await fetch(`${base}/healthz`).then(
            (r) => r.status,
            (err: Error) => err.message,
        );
        assert.notEqual(late, 200, "a new request was accepted after SIGTERM");

        const res = await inFlight;
        assert.equal(res.status, 200, "the in-flight request was dropped");
        assert.deepEqual(res.body, { sleptMs: 1500 });
        const exit = await proc.exited;
        assert.deepEqual(exit, { code: 0, signal: null }, proc.logTail(100_000));
        const log = proc.logTail(100_000);
        assert.match(log, /"msg":"shutdown complete"/);
        assert.ok(!log.includes(services().pg.password), "the database password appears in the logs");
        for (const line of log.trim().split("\n")) assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
    });

    it("[F5] exits with code 2 and names the variable when the configuration is invalid", async () => {
        await assert.rejects(startAppProcess({ SLOW_QUERY_MS: "soon" }), /exited \(code 2[\s\S]*`SLOW_QUERY_MS` must be a whole number/);
    });
});
