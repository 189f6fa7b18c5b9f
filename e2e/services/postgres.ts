import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import { findOnPath, findPostgresBinDir } from "./binaries";
import { freePort } from "./net";
import { isPidAlive, makeTempDir, removeTempDir, runCommand, stopPid, trackPid, untrackPid } from "./process";
import type { LocalService } from "./stack";

export interface PostgresOptions {
    /** TCP port on 127.0.0.1. @default a free port */
    readonly port?: number;
    /** Database created for the caller. @default "koronet" */
    readonly database?: string;
    /** Password of the superuser `postgres` (TCP logins use scram-sha-256). @default random */
    readonly password?: string;
    /** Major version under /usr/lib/postgresql. @default the newest installed */
    readonly majorVersion?: number;
    /**
     * Extra `postgresql.conf` settings, e.g. `{ shared_preload_libraries: "'pg_stat_statements'" }`
     * (values are written verbatim, so quote strings).
     */
    readonly settings?: Readonly<Record<string, string>>;
    /** Bound on initdb and on each start/stop. @default 30000 */
    readonly timeoutMs?: number;
}

interface Account {
    readonly uid: number;
    readonly gid: number;
}

/** uid/gid of a local account, read from /etc/passwd (no dependency on `id` or getent). */
function lookupAccount(user: string): Account | undefined {
    const line = fs
        .readFileSync("/etc/passwd", "utf8")
        .split("\n")
        .find((l) => l.startsWith(`${user}:`));
    if (!line) return undefined;
    const [, , uid, gid] = line.split(":");
    return { uid: Number(uid), gid: Number(gid) };
}

const isRoot = (): boolean => typeof process.getuid === "function" && process.getuid() === 0;

/**
 * A throw-away PostgreSQL cluster on 127.0.0.1 (initdb into a temp dir, `pg_ctl start`). As root it
 * runs everything as the `postgres` account via `runuser` (PostgreSQL refuses to run as root), with the
 * data dir owned by postgres, mode 700. It can be stopped and restarted on the same port and data.
 */
export class PostgresService implements LocalService {
    readonly name: string;
    readonly user = "postgres";
    private postmasterPid: number | undefined;
    private disposed = false;

    private constructor(
        private readonly binDir: string,
        readonly port: number,
        readonly database: string,
        readonly password: string,
        private readonly baseDir: string,
        private readonly account: Account | undefined,
        private readonly timeoutMs: number,
    ) {
        this.name = `postgres:${port}`;
    }

    /** Create and start a cluster; throws naming the Debian package `postgresql` when it is not installed. */
    static async start(opts: PostgresOptions = {}): Promise<PostgresService> {
        const binDir = findPostgresBinDir(opts.majorVersion);
        let account: Account | undefined;
        if (isRoot()) {
            findOnPath("runuser", "util-linux");
            account = lookupAccount("postgres");
            if (!account) throw new Error('PostgreSQL cannot run as root and there is no "postgres" account: install the Debian package "postgresql"');
        }
        const port = opts.port ?? (await freePort());
        const baseDir = makeTempDir(`koronet-pg-${port}`);
        const service = new PostgresService(
            binDir,
            port,
            opts.database ?? "koronet",
            opts.password ?? randomBytes(12).toString("hex"),
            baseDir,
            account,
            opts.timeoutMs ?? 30_000,
        );
        try {
            await service.init(opts.settings ?? {});
            await service.start();
            await service.pg("createdb", ["-h", baseDir, "-p", String(port), "-U", "postgres", service.database]);
        } catch (err) {
            await service.dispose().catch(() => undefined);
            throw err;
        }
        return service;
    }

    /** `postgres://postgres:<password>@127.0.0.1:<port>/<database>`. */
    get url(): string {
        return `postgres://${this.user}:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${this.database}`;
    }

    /** The URL without the password (pair it with {@link password}, as on ECS). */
    get urlWithoutPassword(): string {
        return `postgres://${this.user}@127.0.0.1:${this.port}/${this.database}`;
    }

    get dataDir(): string {
        return path.join(this.baseDir, "data");
    }

    get logFile(): string {
        return path.join(this.baseDir, "postgres.log");
    }

    get pid(): number | undefined {
        return this.running ? this.postmasterPid : undefined;
    }

    get running(): boolean {
        return this.postmasterPid !== undefined && isPidAlive(this.postmasterPid);
    }

    /** Run a PostgreSQL binary, as `postgres` when we are root. */
    private pg(binary: string, args: readonly string[]): Promise<string> {
        const file = path.join(this.binDir, binary);
        return this.account
            ? runCommand("runuser", ["-u", "postgres", "--", file, ...args], { timeoutMs: this.timeoutMs, cwd: this.baseDir })
            : runCommand(file, args, { timeoutMs: this.timeoutMs, cwd: this.baseDir });
    }

    private async init(settings: Readonly<Record<string, string>>): Promise<void> {
        const pwFile = path.join(this.baseDir, "pwfile");
        fs.writeFileSync(pwFile, `${this.password}\n`, { mode: 0o600 });
        if (this.account) {
            fs.chownSync(this.baseDir, this.account.uid, this.account.gid);
            fs.chownSync(pwFile, this.account.uid, this.account.gid);
        }
        await this.pg("initdb", [
            "-D",
            this.dataDir,
            "-U",
            "postgres",
            `--pwfile=${pwFile}`,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ]);
        fs.rmSync(pwFile);
        const conf: Record<string, string> = {
            listen_addresses: "'127.0.0.1'",
            port: String(this.port),
            unix_socket_directories: `'${this.baseDir}'`,
            max_connections: "50",
            // Throw-away data: durability buys nothing and costs test time.
            fsync: "off",
            synchronous_commit: "off",
            full_page_writes: "off",
            ...settings,
        };
        // Appending keeps the file's owner (postgres) even though we write it as root.
        fs.appendFileSync(
            path.join(this.dataDir, "postgresql.conf"),
            `\n# koronet e2e/services\n${Object.entries(conf)
                .map(([k, v]) => `${k} = ${v}`)
                .join("\n")}\n`,
        );
    }

    /** (Re)start the cluster on the same port and data. No-op when running. */
    async start(): Promise<void> {
        if (this.disposed) throw new Error(`${this.name} is disposed`);
        if (this.running) return;
        try {
            await this.pg("pg_ctl", ["-D", this.dataDir, "-l", this.logFile, "-w", "-t", String(Math.ceil(this.timeoutMs / 1000)), "start"]);
        } catch (err) {
            throw new Error(
                `${this.name} did not start: ${(err as Error).message}\nlog:\n${fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, "utf8").slice(-4000) : ""}`,
            );
        }
        const pidLine = fs.readFileSync(path.join(this.dataDir, "postmaster.pid"), "utf8").split("\n")[0];
        this.postmasterPid = Number(pidLine);
        // SIGQUIT = immediate shutdown: the postmaster kills its backends and frees shared memory.
        trackPid(this.postmasterPid, this.name, "SIGQUIT");
    }

    /** Fast shutdown (SIGINT: disconnect clients, checkpoint), escalating to immediate and SIGKILL. */
    async stop(): Promise<void> {
        const pid = this.postmasterPid;
        this.postmasterPid = undefined;
        if (pid === undefined) return;
        await stopPid(pid, this.name, { signal: "SIGINT", timeoutMs: this.timeoutMs, escalation: ["SIGQUIT", "SIGKILL"] });
        untrackPid(pid);
    }

    async dispose(): Promise<void> {
        if (this.disposed) return;
        this.disposed = true;
        try {
            await this.stop();
        } finally {
            removeTempDir(this.baseDir);
        }
    }
}

/** Start a throw-away PostgreSQL. See {@link PostgresService}. */
export function startPostgres(opts: PostgresOptions = {}): Promise<PostgresService> {
    return PostgresService.start(opts);
}
