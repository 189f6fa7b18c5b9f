import * as fs from "node:fs";
import * as path from "node:path";

import { NODE_EXPORTER, type HostDaemon } from "../../components/monitoring/host-exporters";
import { findOnPath } from "./binaries";
import type { EcsHost, HostContainer } from "./ecs-host";
import { freePort, probeHttp } from "./net";
import { type ManagedProcess, makeTempDir, startProcess } from "./process";
import { ProcessService } from "./process-service";

/** A Prometheus exporter on 127.0.0.1: one process, restartable on its port. */
export class ExporterService extends ProcessService {
    constructor(
        /** Short kind, e.g. `node_exporter`. */
        readonly kind: string,
        private readonly binary: string,
        readonly port: number,
        /** The exporter's own folder (log, config files). */
        dir: string,
        private readonly args: (port: number) => readonly string[],
        private readonly env: NodeJS.ProcessEnv = {},
        private readonly timeoutMs = 15_000,
    ) {
        super(`${kind}:${port}`, dir, 5_000);
    }

    /** `127.0.0.1:<port>`, as a Prometheus static target. */
    get target(): string {
        return `127.0.0.1:${this.port}`;
    }

    /** Ready once `/metrics` answers 200. */
    protected launch(): Promise<ManagedProcess> {
        return startProcess(this.binary, this.args(this.port), {
            name: this.name,
            logFile: path.join(this.dir, `${this.kind}.log`),
            env: { PATH: process.env["PATH"], ...this.env },
            timeoutMs: this.timeoutMs,
            readyCheck: () => probeHttp(this.port, "/metrics", [200], 3_000),
        });
    }
}

async function startExporter(
    kind: string,
    binaryName: string,
    debianPackage: string,
    args: (port: number, dir: string) => readonly string[],
    env: NodeJS.ProcessEnv = {},
    port?: number,
    prepare?: (dir: string) => void,
): Promise<ExporterService> {
    const binary = findOnPath(binaryName, debianPackage);
    const p = port ?? (await freePort());
    const dir = makeTempDir(`koronet-${kind}-${p}`);
    return ProcessService.started(new ExporterService(kind, binary, p, dir, (q) => args(q, dir), env), prepare && (() => prepare(dir)));
}

/**
 * The task's flags with `--web.listen-address` pointed at `address`, the one flag a local run must
 * change (the task listens on the instance's port 9100, taken here by anything). Throws unless the
 * task sets it exactly once.
 */
function withListenAddress(command: readonly unknown[] | undefined, address: string): string[] {
    const flags = (command ?? []).map(String);
    const at = flags.flatMap((f, i) => (f.startsWith("--web.listen-address=") ? [i] : []));
    if (at.length !== 1) throw new Error(`expected one --web.listen-address flag in the task's command, found ${at.length}: ${flags.join(" ")}`);
    return flags.map((f, i) => (i === at[0] ? `--web.listen-address=${address}` : f));
}

export interface NodeExporterOnHostOptions {
    /** The task as deployed. @default NODE_EXPORTER (components/monitoring/host-exporters.ts) */
    readonly daemon?: HostDaemon;
    /** @default the task's container name */
    readonly name?: string;
    readonly port?: number;
}

/**
 * node_exporter as its ECS task runs it, on a modelled instance: the task's flags, mounts, user and
 * PID namespace (ecs-host.ts). The binary is Debian's `prometheus-node-exporter` (the version the
 * task pins), installed at the upstream image's entry point.
 */
export function startNodeExporterOnHost(host: EcsHost, opts: NodeExporterOnHostOptions = {}): Promise<HostContainer> {
    const daemon = opts.daemon ?? NODE_EXPORTER;
    return host.runDaemon(daemon, {
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.port !== undefined ? { port: opts.port } : {}),
        command: (port) => withListenAddress(daemon.container.command, `127.0.0.1:${port}`),
        entryPoint: { path: "/bin/node_exporter", binary: "prometheus-node-exporter", debianPackage: "prometheus-node-exporter" },
    });
}

export interface RedisExporterOptions {
    /** `redis://[:password@]host:port` of the Redis to watch. */
    readonly redisUrl: string;
    readonly port?: number;
    readonly args?: readonly string[];
}

/** redis_exporter (Debian `prometheus-redis-exporter`). It keeps serving, with `redis_up 0`, while Redis is down. */
export function startRedisExporter(opts: RedisExporterOptions): Promise<ExporterService> {
    return startExporter(
        "redis_exporter",
        "prometheus-redis-exporter",
        "prometheus-redis-exporter",
        (port) => [`-web.listen-address=127.0.0.1:${port}`, `-redis.addr=${opts.redisUrl}`, ...(opts.args ?? [])],
        {},
        opts.port,
    );
}

export interface PostgresExporterOptions {
    /** `postgresql://user:password@host:port/db` (sslmode=disable is added). */
    readonly dataSourceName: string;
    /** Content of a custom queries file (`--extend.query-path`), e.g. pg_stat_statements queries. */
    readonly queriesYaml?: string;
    readonly port?: number;
    readonly args?: readonly string[];
}

/** postgres_exporter (Debian `prometheus-postgres-exporter`). It keeps serving, with `pg_up 0`, while PostgreSQL is down. */
export function startPostgresExporter(opts: PostgresExporterOptions): Promise<ExporterService> {
    const dsn = opts.dataSourceName.includes("sslmode=")
        ? opts.dataSourceName
        : `${opts.dataSourceName}${opts.dataSourceName.includes("?") ? "&" : "?"}sslmode=disable`;
    return startExporter(
        "postgres_exporter",
        "prometheus-postgres-exporter",
        "prometheus-postgres-exporter",
        (port, dir) => [
            `--web.listen-address=127.0.0.1:${port}`,
            ...(opts.queriesYaml !== undefined ? [`--extend.query-path=${path.join(dir, "queries.yaml")}`] : []),
            ...(opts.args ?? []),
        ],
        // The DSN carries the password: environment, never argv (visible in ps).
        { DATA_SOURCE_NAME: dsn },
        opts.port,
        (dir) => {
            if (opts.queriesYaml !== undefined) fs.writeFileSync(path.join(dir, "queries.yaml"), opts.queriesYaml, { mode: 0o600 });
        },
    );
}
