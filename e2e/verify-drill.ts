/**
 * `npm run verify` and `npm run drill` against the local deployment (stand-ins/deployment.ts): the
 * faults verify must name, and the drills with their timings. Shared by the e2e test (assertions)
 * and anyone who wants the figures.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { runDrill, type DrillOptions, type DrillReport } from "../ops/drill";
import type { CheckResult } from "../ops/report";
import { grafanaFor } from "../ops/session";
import { runVerify, type VerifyOptions } from "../ops/verify";
import { sleep } from "./services";
import { APP_DIR } from "./services/webserver";
import type { LocalDeployment } from "./stand-ins/deployment";

/** verify's data window here: the sidecar stand-in publishes every second, so 12 s of silence is death. */
const LOCAL_VERIFY: VerifyOptions = { dataWindowMinutes: 0.2 };

export function verify(d: LocalDeployment, o: VerifyOptions = {}): Promise<CheckResult[]> {
    return runVerify({ outputs: d.outputs, aws: d.aws.clients, grafana: grafanaFor(d.outputs, d.aws.clients) }, { ...LOCAL_VERIFY, ...o });
}

export function drill(
    d: LocalDeployment,
    o: Omit<DrillOptions, "timeoutSeconds" | "pollMs"> & Partial<Pick<DrillOptions, "timeoutSeconds">>,
): Promise<DrillReport> {
    return runDrill(
        { outputs: d.outputs, aws: d.aws.clients, grafana: grafanaFor(d.outputs, d.aws.clients) },
        { timeoutSeconds: 90, pollMs: 250, by: "e2e", ...o },
    );
}

/** Waits (bounded) until Prometheus reports every target of `job` with `health`. */
export async function waitForTargets(d: LocalDeployment, job: string, health: "up" | "down", timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const data = await d.pipeline.prometheus.api<{ activeTargets: { labels: Record<string, string>; health: string }[] }>("/api/v1/targets", {
            state: "active",
        });
        const ts = data.activeTargets.filter((t) => t.labels["job"] === job);
        if (ts.length > 0 && ts.every((t) => t.health === health)) return;
        await sleep(250);
    }
    throw new Error(`Prometheus did not see job ${job} ${health} within ${timeoutMs} ms`);
}

/**
 * Starts the web server with a configuration it refuses (`PORT=not-a-port`), as a task of a bad
 * deployment would: it exits with code 2 naming the variable (app/src/main.ts). Resolves with the
 * exit code and the message it logged.
 */
export function crashOnce(d: LocalDeployment): Promise<{ code: number | null; message: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", path.join("src", "main.ts")], {
            cwd: APP_DIR,
            env: {
                PATH: process.env["PATH"],
                TMPDIR: d.pipeline.guard.systemTmpdir,
                NODE_ENV: "production",
                PORT: "not-a-port",
                HOST: "127.0.0.1",
                DATABASE_URL: d.pipeline.pg.urlWithoutPassword,
                DATABASE_PASSWORD: d.pipeline.pg.password,
                REDIS_URL: d.pipeline.redis.url,
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.stderr.on("data", (c: Buffer) => (out += c.toString()));
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error("the misconfigured web server did not exit within 60 s"));
        }, 60_000);
        child.on("exit", (code) => {
            clearTimeout(timer);
            const last = out.trim().split("\n").pop() ?? "";
            let message = last;
            try {
                message = String((JSON.parse(last) as { msg?: string }).msg ?? last);
            } catch {
                // not a JSON log line: keep it as is
            }
            resolve({ code, message });
        });
    });
}
