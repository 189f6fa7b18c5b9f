import * as fs from "node:fs";
import * as path from "node:path";

import { freePort, probeHttp } from "./net";
import { type ManagedProcess, makeTempDir, startProcess } from "./process";
import { ProcessService } from "./process-service";

/** The web server's package folder (`app/` at the repository root). */
export const APP_DIR = path.resolve(__dirname, "..", "..", "app");

export interface WebServerOptions {
    /** PostgreSQL URL without the password (the password goes in `DATABASE_PASSWORD`, as on ECS). */
    readonly databaseUrl: string;
    readonly databasePassword: string;
    readonly redisUrl: string;
    /** API port. @default a free port */
    readonly port?: number;
    /** Metrics port (`METRICS_PORT`: `GET /metrics` only, what Prometheus scrapes). @default a free port */
    readonly metricsPort?: number;
    /** Listen address: any 127.0.0.0/8 address (tests give each server its own, as ECS gives each task an IP). @default 127.0.0.1 */
    readonly host?: string;
    /** Extra environment (`FAULT_INJECTION`, `SLOW_QUERY_MS`, `DB_POOL_MAX`, ...). */
    readonly env?: Readonly<Record<string, string>>;
    /** Temp dir for the runtime's caches (tsx compiles into it). @default the process's */
    readonly cacheTmpdir?: string;
    /** @default 60000 (a cold tsx compile on 2 busy cores takes a while) */
    readonly timeoutMs?: number;
}

/**
 * The Koronet web server as its own process (`node --import tsx app/src/main.ts`, the source the
 * image is built from), on 127.0.0.1. Ready when `/readyz` answers 200 (migrations applied, both
 * data stores reachable). Can be killed (`kill(SIGKILL)`) and restarted on the same port.
 */
export class WebServerService extends ProcessService {
    private constructor(
        readonly port: number,
        readonly metricsPort: number,
        dir: string,
        private readonly opts: WebServerOptions,
    ) {
        super(`koronet:${opts.host ?? "127.0.0.1"}:${port}`, dir);
    }

    static async start(opts: WebServerOptions): Promise<WebServerService> {
        const tsx = path.join(APP_DIR, "node_modules", "tsx");
        if (!fs.existsSync(tsx)) {
            throw new Error(`the web server's dependencies are not installed (${tsx} is missing): run npm ci --prefix app`);
        }
        const port = opts.port ?? (await freePort());
        const metricsPort = opts.metricsPort ?? (await freePort());
        return ProcessService.started(new WebServerService(port, metricsPort, makeTempDir(`koronet-web-${opts.host ?? "127.0.0.1"}-${port}`), opts));
    }

    get host(): string {
        return this.opts.host ?? "127.0.0.1";
    }

    get url(): string {
        return `http://${this.host}:${this.port}`;
    }

    /** The API (load balancer) address. */
    get target(): string {
        return `${this.host}:${this.port}`;
    }

    /** Where Prometheus scrapes: the metrics port (`/metrics` is 404 on the API port). */
    get metricsTarget(): string {
        return `${this.host}:${this.metricsPort}`;
    }

    /** Ready once `/readyz` is 200 (restartable on the same port). */
    protected launch(): Promise<ManagedProcess> {
        return startProcess(process.execPath, ["--import", "tsx", path.join("src", "main.ts")], {
            name: this.name,
            cwd: APP_DIR,
            logFile: path.join(this.dir, "web.log"),
            env: {
                PATH: process.env["PATH"],
                ...(this.opts.cacheTmpdir !== undefined ? { TMPDIR: this.opts.cacheTmpdir } : {}),
                NODE_ENV: "production",
                PORT: String(this.port),
                METRICS_PORT: String(this.metricsPort),
                HOST: this.host,
                DATABASE_URL: this.opts.databaseUrl,
                DATABASE_PASSWORD: this.opts.databasePassword,
                REDIS_URL: this.opts.redisUrl,
                LOG_LEVEL: "warn",
                ...this.opts.env,
            },
            timeoutMs: this.opts.timeoutMs ?? 60_000,
            pollMs: 200,
            readyCheck: () => probeHttp(this.port, "/readyz", [200], 2_000, this.host),
        });
    }
}

/** Start the web server. See {@link WebServerService}. */
export function startWebServer(opts: WebServerOptions): Promise<WebServerService> {
    return WebServerService.start(opts);
}
