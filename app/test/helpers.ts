import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";

import type { PostgresService } from "../../e2e/services/postgres";
import type { RedisService } from "../../e2e/services/redis";
import { loadConfig } from "../src/config";
import { createLogger } from "../src/logger";
import { startServer, type RunningServer } from "../src/server";
import { services } from "./setup";

export interface TestServer extends RunningServer {
    /** Every JSON log line the server wrote, parsed. */
    readonly logs: Array<Record<string, unknown>>;
    /** The raw log text, for "never contains" checks. */
    rawLogs(): string;
}

const running = new Set<TestServer>();
/** Metrics listener of each server, by its API base URL (`scrape(base)` reads it there). */
const metricsUrls = new Map<string, string>();

/** Tell `scrape` where the metrics listener of a server started elsewhere (its own process) is. */
export function registerMetricsUrl(base: string, metricsUrl: string): void {
    metricsUrls.set(base, metricsUrl);
}

/**
 * Start the server in-process against real PostgreSQL and Redis (the shared ones unless given), with
 * the password passed separately as on ECS, and wait for migrations. Stopped by {@link stopAllServers}.
 */
export async function startTestServer(
    env: Record<string, string> = {},
    deps: { pg?: PostgresService; redis?: RedisService; waitForMigrations?: boolean } = {},
): Promise<TestServer> {
    const pg = deps.pg ?? services().pg;
    const redis = deps.redis ?? services().redis;
    const config = loadConfig({
        DATABASE_URL: pg.urlWithoutPassword,
        DATABASE_PASSWORD: pg.password,
        REDIS_URL: redis.url,
        PORT: "0",
        METRICS_PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "info",
        ...env,
    });
    const chunks: string[] = [];
    const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
            chunks.push(chunk.toString("utf8"));
            cb();
        },
    });
    const server = await startServer(config, createLogger(config.logLevel, sink));
    const testServer: TestServer = {
        ...server,
        get logs() {
            return chunks
                .join("")
                .split("\n")
                .filter(Boolean)
                .map((l) => JSON.parse(l) as Record<string, unknown>);
        },
        rawLogs: () => chunks.join(""),
        close: async () => {
            running.delete(testServer);
            await server.close();
        },
    };
    running.add(testServer);
    if (server.metricsUrl !== undefined) metricsUrls.set(server.url, server.metricsUrl);
    if (deps.waitForMigrations ?? true) await server.migrated;
    return testServer;
}

export async function stopAllServers(): Promise<void> {
    await Promise.all([...running].map((s) => s.close()));
}

export interface Response<T = any> {
    readonly status: number;
    readonly headers: Headers;
    readonly body: T;
}

/** JSON HTTP call; never throws on an HTTP status. */
export async function call<T = any>(
    base: string,
    method: string,
    path: string,
    opts: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<Response<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    const res = await fetch(base + path, {
        method,
        headers,
        body: opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get("content-type") ?? "").includes("application/json")) body = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: body as T };
}

/** A username no other test uses. */
export const uniqueName = (prefix: string): string => `${prefix}_${randomBytes(4).toString("hex")}`;

/** Sign up and sign in; returns the bearer token. */
export async function signedInUser(base: string, prefix = "user"): Promise<{ username: string; token: string }> {
    const username = uniqueName(prefix);
    const password = "correct horse battery";
    const created = await call(base, "POST", "/api/users", { body: { username, password } });
    if (created.status !== 201) throw new Error(`sign-up failed: ${created.status} ${JSON.stringify(created.body)}`);
    const session = await call(base, "POST", "/api/sessions", { body: { username, password } });
    if (session.status !== 201) throw new Error(`sign-in failed: ${session.status} ${JSON.stringify(session.body)}`);
    return { username, token: session.body.token as string };
}

// ---- Prometheus text format

export interface Sample {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly value: number;
}

export function parseSamples(text: string): Sample[] {
    const samples: Sample[] = [];
    for (const line of text.split("\n")) {
        const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
        if (!m || line.startsWith("#")) continue;
        const labels: Record<string, string> = {};
        for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
        samples.push({ name: m[1]!, labels, value: Number(m[3]) });
    }
    return samples;
}

/** `# TYPE` of each metric family. */
export function parseTypes(text: string): Map<string, string> {
    return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** Scrape the metrics listener of the server whose API is at `base`. */
export async function scrape(base: string): Promise<string> {
    const metricsUrl = metricsUrls.get(base);
    if (metricsUrl === undefined) throw new Error(`no metrics listener known for ${base} (metrics off, or not started by startTestServer)`);
    const res = await fetch(`${metricsUrl}/metrics`);
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
    return res.text();
}

/** Sum of the samples of `name` whose labels include `labels` (0 when there is none). */
export function valueOf(text: string, name: string, labels: Record<string, string> = {}): number {
    return parseSamples(text)
        .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        .reduce((sum, s) => sum + s.value, 0);
}

/** Scrape and read one metric. */
export async function metric(base: string, name: string, labels: Record<string, string> = {}): Promise<number> {
    return valueOf(await scrape(base), name, labels);
}

/**
 * Poll until `check` returns a truthy value, bounded by `timeoutMs`. Waiting for a state is not a
 * timing assertion: the bound only turns a hang into a failure that says what never happened.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
        try {
            const value = await check();
            if (value) return value;
        } catch (err) {
            lastError = err;
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ""}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}
