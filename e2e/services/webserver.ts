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
    readonly port?: number;
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
        dir: string,
        private readonly opts: WebServerOptions,
    ) {
        super(`koronet:${port}`, dir);
    }

    static async start(opts: WebServerOptions): Promise<WebServerService> {
        const tsx = path.join(APP_DIR, "node_modules", "tsx");
        if (!fs.existsSync(tsx)) {
            throw new Error(`the web server's dependencies are not installed (${tsx} is missing): run npm ci --prefix app`);
        }
        const port = opts.port ?? (await freePort());
        return ProcessService.started(new WebServerService(port, makeTempDir(`koronet-web-${port}`), opts));
    }

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    get target(): string {
        return `127.0.0.1:${this.port}`;
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
                HOST: "127.0.0.1",
                DATABASE_URL: this.opts.databaseUrl,
                DATABASE_PASSWORD: this.opts.databasePassword,
                REDIS_URL: this.opts.redisUrl,
                LOG_LEVEL: "warn",
                ...this.opts.env,
            },
            timeoutMs: this.opts.timeoutMs ?? 60_000,
            pollMs: 200,
            readyCheck: () => probeHttp(this.port, "/readyz", [200], 2_000),
        });
    }
}

/** Start the web server. See {@link WebServerService}. */
export function startWebServer(opts: WebServerOptions): Promise<WebServerService> {
    return WebServerService.start(opts);
}
