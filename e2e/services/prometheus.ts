import * as fs from "node:fs";
import * as path from "node:path";

import { findOnPath } from "./binaries";
import { freePort, probeHttp } from "./net";
import { type ManagedProcess, makeTempDir, startProcess } from "./process";
import { ProcessService } from "./process-service";

export interface PrometheusOptions {
    /**
     * prometheus.yml. A function gets the chosen port and the folder the extra files are written to,
     * so the config can point at them (`rule_files`) and scrape Prometheus itself.
     */
    readonly config: string | ((ctx: { readonly port: number; readonly dir: string }) => string);
    /** Extra files written relative to prometheus.yml before start, by relative path (rule files). */
    readonly files?: Readonly<Record<string, string>>;
    readonly port?: number;
    /**
     * `--rules.alert.resend-delay`. Alerts evaluated before Alertmanager is discovered (~5 s after
     * start) are only re-sent after this delay. @default "1m" (Prometheus's own default)
     */
    readonly resendDelay?: string;
    /** Extra flags. */
    readonly args?: readonly string[];
    /** @default 30000 */
    readonly timeoutMs?: number;
}

/** One result series of an instant query. */
export interface PromSample {
    readonly metric: Record<string, string>;
    readonly value: number;
}

/** Prometheus (Debian `prometheus`) with its own TSDB under a temp folder. */
export class PrometheusService extends ProcessService {
    private constructor(
        private readonly binary: string,
        readonly port: number,
        dir: string,
        private readonly opts: PrometheusOptions,
    ) {
        super(`prometheus:${port}`, dir);
    }

    static async start(opts: PrometheusOptions): Promise<PrometheusService> {
        const binary = findOnPath("prometheus", "prometheus");
        const port = opts.port ?? (await freePort());
        const dir = makeTempDir(`koronet-prometheus-${port}`);
        const service = new PrometheusService(binary, port, dir, opts);
        return ProcessService.started(service, () => {
            for (const [name, content] of Object.entries(opts.files ?? {})) {
                const file = path.join(dir, name);
                fs.mkdirSync(path.dirname(file), { recursive: true });
                fs.writeFileSync(file, content);
            }
            const config = typeof opts.config === "function" ? opts.config({ port, dir }) : opts.config;
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
        return path.join(this.dir, "prometheus.yml");
    }

    protected launch(): Promise<ManagedProcess> {
        return startProcess(
            this.binary,
            [
                `--config.file=${this.configFile}`,
                `--storage.tsdb.path=${path.join(this.dir, "data")}`,
                `--web.listen-address=127.0.0.1:${this.port}`,
                `--web.external-url=${this.url}`,
                `--rules.alert.resend-delay=${this.opts.resendDelay ?? "1m"}`,
                "--storage.tsdb.retention.time=1d",
                ...(this.opts.args ?? []),
            ],
            {
                name: this.name,
                logFile: path.join(this.dir, "prometheus.log"),
                timeoutMs: this.opts.timeoutMs ?? 30_000,
                readyCheck: () => probeHttp(this.port, "/-/ready", [200], 3_000),
            },
        );
    }

    /** GET an API path (`/api/v1/...`) and return `data`; throws on an error status. */
    async api<T = unknown>(apiPath: string, params: Record<string, string> = {}, timeoutMs = 10_000): Promise<T> {
        const qs = new URLSearchParams(params).toString();
        const res = await fetch(`${this.url}${apiPath}${qs ? `?${qs}` : ""}`, { signal: AbortSignal.timeout(timeoutMs) });
        const body = (await res.json()) as { status: string; data: T; error?: string; errorType?: string };
        if (body.status !== "success") throw new Error(`Prometheus ${apiPath} ${JSON.stringify(params)}: ${body.errorType ?? res.status} ${body.error ?? ""}`);
        return body.data;
    }

    /** Instant query → samples (vector and scalar results). */
    async query(expr: string, time?: Date): Promise<PromSample[]> {
        const data = await this.api<{ resultType: string; result: unknown }>("/api/v1/query", {
            query: expr,
            ...(time !== undefined ? { time: String(time.getTime() / 1000) } : {}),
        });
        if (data.resultType === "scalar" || data.resultType === "string") {
            const [, v] = data.result as [number, string];
            return [{ metric: {}, value: Number(v) }];
        }
        if (data.resultType === "matrix") {
            return (data.result as Array<{ metric: Record<string, string>; values: [number, string][] }>).map((r) => ({
                metric: r.metric,
                value: Number(r.values[r.values.length - 1]?.[1]),
            }));
        }
        return (data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({
            metric: r.metric,
            value: Number(r.value[1]),
        }));
    }

    /** Scrape targets with their health. */
    async targets(): Promise<Array<{ job: string; instance: string; health: string; lastError: string }>> {
        const data = await this.api<{ activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string }> }>("/api/v1/targets", {
            state: "active",
        });
        return data.activeTargets.map((t) => ({ job: t.labels["job"] ?? "", instance: t.labels["instance"] ?? "", health: t.health, lastError: t.lastError }));
    }
}

/** Start Prometheus. See {@link PrometheusService}. */
export function startPrometheus(opts: PrometheusOptions): Promise<PrometheusService> {
    return PrometheusService.start(opts);
}
