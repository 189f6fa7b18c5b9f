import * as fs from "node:fs";
import * as path from "node:path";

import { freePort, probeHttp } from "./net";
import { type ManagedProcess, makeTempDir, startProcess } from "./process";
import { ProcessService } from "./process-service";

/** The discovery sidecar's package folder (`cloudmap-sd/` at the repository root). */
const CLOUDMAP_SD_DIR = path.resolve(__dirname, "..", "..", "cloudmap-sd");

export interface CloudMapSdOptions {
    /** The Cloud Map namespace it serves (`CLOUDMAP_NAMESPACE`). */
    readonly namespace: string;
    /** Environment pointing its SDK client at a Cloud Map (the stand-in's `sdkEnv()`). */
    readonly sdkEnv: Readonly<Record<string, string>>;
    readonly port?: number;
    /** Temp dir for tsx's compile cache. @default the process's */
    readonly cacheTmpdir?: string;
}

/**
 * The real discovery sidecar (`node --import tsx cloudmap-sd/src/main.ts`, the source its image is
 * built from) on 127.0.0.1, as in the Prometheus task. Ready when `/healthz` answers 200.
 */
export class CloudMapSdService extends ProcessService {
    private constructor(
        readonly port: number,
        dir: string,
        private readonly opts: CloudMapSdOptions,
    ) {
        super(`cloudmap-sd:${port}`, dir);
    }

    static async start(opts: CloudMapSdOptions): Promise<CloudMapSdService> {
        const tsx = path.join(CLOUDMAP_SD_DIR, "node_modules", "tsx");
        if (!fs.existsSync(tsx)) throw new Error(`the discovery sidecar's dependencies are not installed (${tsx} is missing): run npm ci --prefix cloudmap-sd`);
        const port = opts.port ?? (await freePort());
        return ProcessService.started(new CloudMapSdService(port, makeTempDir(`koronet-cloudmap-sd-${port}`), opts));
    }

    /** Base URL Prometheus' `http_sd_configs` use. */
    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    protected launch(): Promise<ManagedProcess> {
        return startProcess(process.execPath, ["--import", "tsx", path.join("src", "main.ts")], {
            name: this.name,
            cwd: CLOUDMAP_SD_DIR,
            logFile: path.join(this.dir, "cloudmap-sd.log"),
            env: {
                PATH: process.env["PATH"],
                ...(this.opts.cacheTmpdir !== undefined ? { TMPDIR: this.opts.cacheTmpdir } : {}),
                CLOUDMAP_NAMESPACE: this.opts.namespace,
                LISTEN_HOST: "127.0.0.1",
                LISTEN_PORT: String(this.port),
                ...this.opts.sdkEnv,
            },
            timeoutMs: 60_000,
            pollMs: 200,
            readyCheck: () => probeHttp(this.port, "/healthz", [200], 2_000),
        });
    }
}
