import * as path from "node:path";

import { findOnPath } from "./binaries";
import { freePort, probeTcp } from "./net";
import { type ManagedProcess, makeTempDir, removeTempDir, startProcess } from "./process";
import type { LocalService } from "./stack";

export interface RedisOptions {
    /** TCP port on 127.0.0.1. @default a free port */
    readonly port?: number;
    /** `requirepass`; none when omitted. */
    readonly password?: string;
    /** Extra `redis-server` directives, e.g. `{ maxmemory: "64mb" }`. */
    readonly settings?: Readonly<Record<string, string>>;
    /** Startup timeout. @default 15000 */
    readonly timeoutMs?: number;
}

/** A throw-away `redis-server` on 127.0.0.1 without persistence; can be stopped and restarted on its port. */
export class RedisService implements LocalService {
    readonly name: string;
    private proc: ManagedProcess | undefined;
    private disposed = false;

    private constructor(
        private readonly binary: string,
        readonly port: number,
        private readonly dir: string,
        private readonly opts: RedisOptions,
    ) {
        this.name = `redis:${port}`;
    }

    /** Start a new Redis; throws naming the Debian package `redis-server` when it is not installed. */
    static async start(opts: RedisOptions = {}): Promise<RedisService> {
        const binary = findOnPath("redis-server", "redis-server");
        const port = opts.port ?? (await freePort());
        const service = new RedisService(binary, port, makeTempDir(`koronet-redis-${port}`), opts);
        try {
            await service.start();
        } catch (err) {
            await service.dispose();
            throw err;
        }
        return service;
    }

    /** `redis://[:password@]127.0.0.1:port`. */
    get url(): string {
        const auth = this.opts.password === undefined ? "" : `:${encodeURIComponent(this.opts.password)}@`;
        return `redis://${auth}127.0.0.1:${this.port}`;
    }

    get pid(): number | undefined {
        return this.proc?.isAlive() ? this.proc.pid : undefined;
    }

    get running(): boolean {
        return this.proc?.isAlive() ?? false;
    }

    /** (Re)start on the same port. No-op when running. */
    async start(): Promise<void> {
        if (this.disposed) throw new Error(`${this.name} is disposed`);
        if (this.running) return;
        const settings: Record<string, string> = {
            port: String(this.port),
            bind: "127.0.0.1",
            dir: this.dir,
            save: "",
            appendonly: "no",
            daemonize: "no",
            "protected-mode": "yes",
            loglevel: "warning",
            ...(this.opts.password === undefined ? {} : { requirepass: this.opts.password }),
            ...this.opts.settings,
        };
        const args = Object.entries(settings).flatMap(([k, v]) => [`--${k}`, v]);
        const auth = this.opts.password === undefined ? "" : `AUTH ${this.opts.password}\r\n`;
        this.proc = await startProcess(this.binary, args, {
            name: this.name,
            logFile: path.join(this.dir, "redis.log"),
            timeoutMs: this.opts.timeoutMs ?? 15_000,
            readyCheck: () => probeTcp(this.port, { send: `${auth}PING\r\n`, expect: "+PONG" }),
        });
    }

    /** Stop the server (a clean SHUTDOWN via SIGTERM, SIGKILL if it hangs). Data is lost. */
    async stop(): Promise<void> {
        const proc = this.proc;
        this.proc = undefined;
        if (proc) await proc.stop({ signal: "SIGTERM", timeoutMs: 10_000 });
    }

    async dispose(): Promise<void> {
        if (this.disposed) return;
        this.disposed = true;
        try {
            await this.stop();
        } finally {
            removeTempDir(this.dir);
        }
    }
}

/** Start a throw-away Redis. See {@link RedisService}. */
export function startRedis(opts: RedisOptions = {}): Promise<RedisService> {
    return RedisService.start(opts);
}
