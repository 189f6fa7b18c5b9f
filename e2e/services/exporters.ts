import * as fs from "node:fs";
import * as path from "node:path";

import { findOnPath } from "./binaries";
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

export interface NodeExporterOptions {
    readonly port?: number;
    /** Extra flags (the deployed container's). */
    readonly args?: readonly string[];
}

/** node_exporter (Debian `prometheus-node-exporter`). */
export function startNodeExporter(opts: NodeExporterOptions = {}): Promise<ExporterService> {
    return startExporter(
        "node_exporter",
        "prometheus-node-exporter",
        "prometheus-node-exporter",
        (port) => [`--web.listen-address=127.0.0.1:${port}`, ...(opts.args ?? [])],
        {},
        opts.port,
    );
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
    const dsn = opts.dataSourceName.includes("sslmode=") ? opts.dataSourceName : `${opts.dataSourceName}${opts.dataSourceName.includes("?") ? "&" : "?"}sslmode=disable`;
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
