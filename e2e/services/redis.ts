import * as path from "node:path";

import { findOnPath } from "./binaries";
import { freePort, probeTcp } from "./net";
import { type ManagedProcess, makeTempDir, startProcess } from "./process";
import { ProcessService } from "./process-service";

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
export class RedisService extends ProcessService {
    private constructor(
        private readonly binary: string,
        readonly port: number,
        dir: string,
        private readonly opts: RedisOptions,
    ) {
        super(`redis:${port}`, dir);
    }

    /** Start a new Redis; throws naming the Debian package `redis-server` when it is not installed. */
    static async start(opts: RedisOptions = {}): Promise<RedisService> {
        const binary = findOnPath("redis-server", "redis-server");
        const port = opts.port ?? (await freePort());
        return ProcessService.started(new RedisService(binary, port, makeTempDir(`koronet-redis-${port}`), opts));
    }

    /** `redis://[:password@]127.0.0.1:port`. */
    get url(): string {
        const auth = this.opts.password === undefined ? "" : `:${encodeURIComponent(this.opts.password)}@`;
        return `redis://${auth}127.0.0.1:${this.port}`;
    }

    /** Ready once it answers PING; restartable on the same port, without persistence (data is lost on stop). */
    protected launch(): Promise<ManagedProcess> {
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
        return startProcess(this.binary, args, {
            name: this.name,
            logFile: path.join(this.dir, "redis.log"),
            timeoutMs: this.opts.timeoutMs ?? 15_000,
            readyCheck: () => probeTcp(this.port, { send: `${auth}PING\r\n`, expect: "+PONG" }),
        });
    }
}

/** Start a throw-away Redis. See {@link RedisService}. */
export function startRedis(opts: RedisOptions = {}): Promise<RedisService> {
    return RedisService.start(opts);
}
