import * as fs from "node:fs";
import * as path from "node:path";

import { findOnPath } from "./binaries";
import { freePort, probeHttp } from "./net";
import type { NetHost } from "./netns";
import { type ManagedProcess, makeTempDir, startProcess } from "./process";
import { ProcessService } from "./process-service";

export interface AlertmanagerOptions {
    /**
     * alertmanager.yml. A function gets the folder secret files are written to, so the config can
     * reference them (`credentials_file`, `routing_key_file`).
     */
    readonly config: string | ((ctx: { readonly port: number; readonly secretsDir: string }) => string);
    /** Secret files (mode 0600) under `secretsDir`, by file name. */
    readonly secrets?: Readonly<Record<string, string>>;
    readonly port?: number;
    readonly args?: readonly string[];
    /**
     * Run on a host of a network lab (netns.ts), at its own address like an awsvpc task, on `port`
     * (@default 9093 there). @default this machine's 127.0.0.1
     */
    readonly host?: NetHost;
    /**
     * `--cluster.*` flags (components/alerting/alertmanager/config.ts `alertmanagerClusterArgs`).
     * @default none: a single instance (`--cluster.listen-address=`, no gossip listener)
     */
    readonly cluster?: readonly string[];
    /** @default 20000 */
    readonly timeoutMs?: number;
}

/**
 * Alertmanager (Debian `prometheus-alertmanager`) on 127.0.0.1, or as one replica of a cluster on a
 * host of a network lab. Without `cluster`, clustering is off (`--cluster.listen-address=` empty),
 * otherwise it would bind 9094 on every interface.
 */
export class AlertmanagerService extends ProcessService {
    private constructor(
        private readonly binary: string,
        readonly port: number,
        dir: string,
        private readonly opts: AlertmanagerOptions,
    ) {
        super(`alertmanager:${opts.host ? `${opts.host.name}:` : ""}${port}`, dir);
    }

    static async start(opts: AlertmanagerOptions): Promise<AlertmanagerService> {
        const binary = findOnPath("prometheus-alertmanager", "prometheus-alertmanager");
        const port = opts.port ?? (opts.host !== undefined ? 9093 : await freePort());
        const dir = makeTempDir(`koronet-alertmanager-${port}`);
        const service = new AlertmanagerService(binary, port, dir, opts);
        return ProcessService.started(service, () => {
            fs.mkdirSync(service.secretsDir, { mode: 0o700 });
            for (const [name, content] of Object.entries(opts.secrets ?? {})) fs.writeFileSync(path.join(service.secretsDir, name), content, { mode: 0o600 });
            const config = typeof opts.config === "function" ? opts.config({ port, secretsDir: service.secretsDir }) : opts.config;
            fs.writeFileSync(service.configFile, config);
        });
    }

    get url(): string {
        return `http://${this.target}`;
    }

    get target(): string {
        return `${this.opts.host?.address ?? "127.0.0.1"}:${this.port}`;
    }

    /** The lab host it runs on, if any. */
    get host(): NetHost | undefined {
        return this.opts.host;
    }

    /** Its nflog and silences. */
    get dataDir(): string {
        return path.join(this.dir, "data");
    }

    /**
     * Replaced as ECS replaces a task: stopped gracefully (SIGTERM: it leaves the cluster), its
     * storage gone (a new task's ephemeral volume is empty), started again; resolves once ready.
     */
    async replace(): Promise<void> {
        await this.stop();
        fs.rmSync(this.dataDir, { recursive: true, force: true });
        await this.start();
    }

    get configFile(): string {
        return path.join(this.dir, "alertmanager.yml");
    }

    get secretsDir(): string {
        return path.join(this.dir, "secrets");
    }

    protected launch(): Promise<ManagedProcess> {
        const args = [
            `--config.file=${this.configFile}`,
            `--storage.path=${this.dataDir}`,
            `--web.listen-address=${this.target}`,
            `--web.external-url=${this.url}`,
            ...(this.opts.cluster ?? ["--cluster.listen-address="]),
            ...(this.opts.args ?? []),
        ];
        const host = this.opts.host;
        return startProcess(host ? (host.enter[0] as string) : this.binary, host ? [...host.enter.slice(1), this.binary, ...args] : args, {
            name: this.name,
            logFile: path.join(this.dir, "alertmanager.log"),
            timeoutMs: this.opts.timeoutMs ?? 20_000,
            readyCheck: host ? () => ready(this.url) : () => probeHttp(this.port, "/-/ready", [200], 3_000),
        });
    }

    /** Cluster status (API v2): `ready` once gossip settled, and the peers it sees. */
    async clusterStatus(): Promise<{ name: string; status: string; peers: Array<{ name: string; address: string }> }> {
        const res = await fetch(`${this.url}/api/v2/status`, { signal: AbortSignal.timeout(5_000) });
        return ((await res.json()) as { cluster: { name: string; status: string; peers?: Array<{ name: string; address: string }> } }).cluster as {
            name: string;
            status: string;
            peers: Array<{ name: string; address: string }>;
        };
    }

    /** Alerts Alertmanager currently holds (API v2). */
    async alerts(): Promise<Array<{ labels: Record<string, string>; status: { state: string } }>> {
        const res = await fetch(`${this.url}/api/v2/alerts`, { signal: AbortSignal.timeout(5_000) });
        return (await res.json()) as Array<{ labels: Record<string, string>; status: { state: string } }>;
    }
}

async function ready(url: string): Promise<boolean> {
    try {
        const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(3_000) });
        await res.arrayBuffer();
        return res.status === 200;
    } catch {
        return false;
    }
}

/** Start Alertmanager. See {@link AlertmanagerService}. */
export function startAlertmanager(opts: AlertmanagerOptions): Promise<AlertmanagerService> {
    return AlertmanagerService.start(opts);
}
