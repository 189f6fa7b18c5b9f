import * as fs from "node:fs";
import * as path from "node:path";

import { findOnPath } from "./binaries";
import { freePort, probeHttp } from "./net";
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
    /** @default 20000 */
    readonly timeoutMs?: number;
}

/**
 * Alertmanager (Debian `prometheus-alertmanager`) on 127.0.0.1. Clustering is off
 * (`--cluster.listen-address=` empty), otherwise it would bind 9094 on every interface.
 */
export class AlertmanagerService extends ProcessService {
    private constructor(
        private readonly binary: string,
        readonly port: number,
        dir: string,
        private readonly opts: AlertmanagerOptions,
    ) {
        super(`alertmanager:${port}`, dir);
    }

    static async start(opts: AlertmanagerOptions): Promise<AlertmanagerService> {
        const binary = findOnPath("prometheus-alertmanager", "prometheus-alertmanager");
        const port = opts.port ?? (await freePort());
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
        return `http://127.0.0.1:${this.port}`;
    }

    get target(): string {
        return `127.0.0.1:${this.port}`;
    }

    get configFile(): string {
        return path.join(this.dir, "alertmanager.yml");
    }

    get secretsDir(): string {
        return path.join(this.dir, "secrets");
    }

    protected launch(): Promise<ManagedProcess> {
        return startProcess(
            this.binary,
            [
                `--config.file=${this.configFile}`,
                `--storage.path=${path.join(this.dir, "data")}`,
                `--web.listen-address=127.0.0.1:${this.port}`,
                `--web.external-url=${this.url}`,
                "--cluster.listen-address=",
                ...(this.opts.args ?? []),
            ],
            {
                name: this.name,
                logFile: path.join(this.dir, "alertmanager.log"),
                timeoutMs: this.opts.timeoutMs ?? 20_000,
                readyCheck: () => probeHttp(this.port, "/-/ready", [200], 3_000),
            },
        );
    }

    /** Alerts Alertmanager currently holds (API v2). */
    async alerts(): Promise<Array<{ labels: Record<string, string>; status: { state: string } }>> {
        const res = await fetch(`${this.url}/api/v2/alerts`, { signal: AbortSignal.timeout(5_000) });
        return (await res.json()) as Array<{ labels: Record<string, string>; status: { state: string } }>;
    }
}

/** Start Alertmanager. See {@link AlertmanagerService}. */
export function startAlertmanager(opts: AlertmanagerOptions): Promise<AlertmanagerService> {
    return AlertmanagerService.start(opts);
}
