/**
 * `npm run bench:app`: what collecting Prometheus metrics costs the Koronet web server.
 *
 * Two server processes with identical settings except METRICS_ENABLED (true / false) run side by side
 * against one real PostgreSQL and Redis on 127.0.0.1. A loopback load generator (autocannon) drives
 * them in alternating order (on-off, off-on, ...) so drift in machine load hits both equally. Prints
 * throughput and p99 latency per run, the medians, and the throughput overhead against a 5 % target.
 *
 * Knobs (env): BENCH_PAIRS (default 5), BENCH_DURATION_S (per run, default 6), BENCH_CONNECTIONS
 * (default 32). The whole run is bounded (default 170 s) and leaves no processes behind.
 */
import * as fs from "node:fs";
import { parseCommand, runCommand } from "../scripts/cli";
import * as path from "node:path";

import autocannon from "autocannon";

import { freePort, probeHttp } from "../e2e/services/net";
import { startPostgres } from "../e2e/services/postgres";
import { startProcess, type ManagedProcess } from "../e2e/services/process";
import { startRedis } from "../e2e/services/redis";
import { LocalStack } from "../e2e/services/stack";

const APP_DIR = path.join(__dirname, "..", "app");
const PAIRS = Number(process.env.BENCH_PAIRS ?? 5);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WARMUP_S = 5;
const HARD_LIMIT_MS = Number(process.env.BENCH_TIME_LIMIT_MS ?? 170_000);
const TARGET_OVERHEAD = 0.05;

type Mode = "on" | "off";

interface Run {
    readonly mode: Mode;
    readonly rps: number;
    readonly p99Ms: number;
    /** Server CPU time (user + system) per request served, in microseconds. */
    readonly cpuUsPerReq: number;
}

/** utime + stime of a process in seconds, from /proc (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
}

const median = (xs: readonly number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function startServer(mode: Mode, env: Record<string, string>): Promise<{ proc: ManagedProcess; base: string; metricsBase: string }> {
    const port = await freePort();
    const metricsPort = await freePort();
    const proc = await startProcess(process.execPath, ["--import", "tsx", "src/main.ts"], {
        name: `koronet-web-metrics-${mode}`,
        cwd: APP_DIR,
        env: {
            PATH: process.env.PATH,
            ...env,
            PORT: String(port),
            METRICS_PORT: String(metricsPort),
            HOST: "127.0.0.1",
            // Same for both: per-request info logs would dominate what we measure.
            LOG_LEVEL: "warn",
            METRICS_ENABLED: mode === "on" ? "true" : "false",
        },
        readyCheck: () => probeHttp(port, "/readyz"),
        timeoutMs: 30_000,
    });
    return { proc, base: `http://127.0.0.1:${port}`, metricsBase: `http://127.0.0.1:${metricsPort}` };
}

async function json(base: string, method: string, urlPath: string, body: unknown, token?: string): Promise<any> {
    const res = await fetch(base + urlPath, {
        method,
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${await res.text()}`);
    return res.json();
}

async function load(url: string, seconds: number): Promise<autocannon.Result> {
    const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds });
    if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
        throw new Error(`invalid run against ${url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
    }
    return result;
}

const COMMAND = {
    usage: "npm run bench:app",
    help: `
Measures what collecting Prometheus metrics costs the web server: two servers (metrics on / off)
against one real PostgreSQL and Redis on 127.0.0.1, alternating loopback load runs, medians and the
throughput overhead against a 5 % target. Bounded (about 3 minutes); leaves no processes behind.

Knobs (environment): BENCH_PAIRS (default 5), BENCH_DURATION_S (per run, default 6),
BENCH_CONNECTIONS (default 32), BENCH_TIME_LIMIT_MS (default 170000).
  --help  this text`,
    options: {},
} as const;

async function main(): Promise<void> {
    parseCommand(COMMAND);
    const stack = new LocalStack();
    const hardLimit = setTimeout(() => {
        console.error(`bench:app exceeded ${HARD_LIMIT_MS} ms; stopping`);
        process.exit(1); // the exit hooks of e2e/services kill every process started
    }, HARD_LIMIT_MS);
    hardLimit.unref();
    try {
        const pg = stack.add(await startPostgres());
        const redis = stack.add(await startRedis());
        const env = { DATABASE_URL: pg.urlWithoutPassword, DATABASE_PASSWORD: pg.password, REDIS_URL: redis.url };
        const servers = {} as Record<Mode, { proc: ManagedProcess; base: string; metricsBase: string }>;
        for (const mode of ["on", "off"] as const) {
            servers[mode] = await startServer(mode, env);
            stack.add({ name: servers[mode].proc.name, dispose: async () => void (await servers[mode].proc.stop()) });
        }

        // One item, read through the Redis cache: the service's hot path (routing, validation, a Redis
        // GET, JSON) with every per-request metric touched (HTTP counter, histogram, in-flight gauge,
        // cache hit, endpoint counter).
        const base = servers.on.base;
        await json(base, "POST", "/api/users", { username: "bench", password: "benchmark password" });
        const { token } = await json(base, "POST", "/api/sessions", { username: "bench", password: "benchmark password" });
        const item = await json(base, "POST", "/api/items", { name: "benchmark item", description: "x".repeat(200) }, token);
        const target = `/api/items/${item.id}`;

        console.log(`node ${process.version}, ${CONNECTIONS} connections, ${PAIRS} pairs x ${DURATION_S} s, GET ${target} (cache hit)`);
        for (const mode of ["on", "off"] as const) await load(servers[mode].base + target, WARMUP_S);

        const runs: Run[] = [];
        for (let pair = 0; pair < PAIRS; pair++) {
            const order: Mode[] = pair % 2 === 0 ? ["on", "off"] : ["off", "on"];
            for (const mode of order) {
                const cpuBefore = cpuSeconds(servers[mode].proc.pid);
                const r = await load(servers[mode].base + target, DURATION_S);
                const cpuUsPerReq = ((cpuSeconds(servers[mode].proc.pid) - cpuBefore) * 1e6) / r.requests.total;
                runs.push({ mode, rps: r.requests.average, p99Ms: r.latency.p99, cpuUsPerReq });
                console.log(
                    `  pair ${pair + 1} metrics ${mode.padEnd(3)}  ${r.requests.average.toFixed(0).padStart(7)} req/s   p99 ${r.latency.p99.toFixed(1).padStart(5)} ms   server CPU ${cpuUsPerReq.toFixed(1)} us/req`,
                );
            }
        }

        // The "on" server really collected: its counter saw every request the load generator sent.
        const metricsText = await (await fetch(`${servers.on.metricsBase}/metrics`)).text();
        const counted = /koronet_http_requests_total\{method="GET",route="\/api\/items\/:id",status_code="200"\} (\d+)/.exec(metricsText)?.[1];
        if (!counted || Number(counted) === 0) throw new Error("the metrics-on server did not count the benchmark requests");
        if (
            (await fetch(`${servers.off.metricsBase}/metrics`).then(
                (r) => r.status,
                () => "refused",
            )) !== "refused"
        )
            throw new Error("the metrics-off server runs a metrics listener");

        const of = (mode: Mode, f: (r: Run) => number): number => median(runs.filter((r) => r.mode === mode).map(f));
        // Per-pair ratios cancel drift in machine load between pairs (other work shares these cores).
        const pairs = Array.from({ length: PAIRS }, (_, i) => runs.slice(2 * i, 2 * i + 2));
        const pairRatio = (f: (r: Run) => number): number => median(pairs.map((p) => f(p.find((r) => r.mode === "on")!) / f(p.find((r) => r.mode === "off")!)));
        const rpsRatio = pairRatio((r) => r.rps);
        const cpuRatio = pairRatio((r) => r.cpuUsPerReq);
        const overhead = 1 - rpsRatio;
        const line = (mode: Mode): string =>
            `metrics ${mode.padEnd(3)}: ${of(mode, (r) => r.rps).toFixed(0)} req/s, p99 ${of(mode, (r) => r.p99Ms).toFixed(1)} ms, server CPU ${of(mode, (r) => r.cpuUsPerReq).toFixed(1)} us/req (medians)`;
        console.log("");
        console.log(line("on"));
        console.log(line("off"));
        console.log(`p99 ratio on/off (median of pairs): ${pairRatio((r) => r.p99Ms).toFixed(3)}`);
        console.log(`server CPU per request on/off (median of pairs): ${cpuRatio.toFixed(3)} -> ${((cpuRatio - 1) * 100).toFixed(1)} % more CPU per request`);
        console.log(
            `throughput ratio on/off (median of pairs): ${rpsRatio.toFixed(3)} -> overhead ${(overhead * 100).toFixed(1)} % ` +
                `(target < ${TARGET_OVERHEAD * 100} %: ${overhead < TARGET_OVERHEAD ? "met" : "NOT met"})`,
        );
        console.log(
            `requests counted by the metrics-on server: ${counted}; load average now: ${fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
        );
    } finally {
        await stack.stopAll();
        clearTimeout(hardLimit);
    }
}

runCommand(COMMAND.usage, main);
