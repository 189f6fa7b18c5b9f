/**
 * Entry point: environment → Cloud Map client → HTTP listener. See README.md.
 *
 * Environment: `CLOUDMAP_NAMESPACE` (required), `AWS_REGION` (required), `LISTEN_PORT` (default
 * 9099), `LISTEN_HOST` (default 127.0.0.1). Credentials: the SDK's default chain (on ECS, the task
 * role). `AWS_ENDPOINT_URL_SERVICEDISCOVERY` points the client elsewhere (tests).
 */
import type { AddressInfo } from "node:net";
import { DiscoverInstancesCommand, ServiceDiscoveryClient } from "@aws-sdk/client-servicediscovery";
import { isDnsName } from "./discover";
import { startSdServer, type DiscoverInstances, type Log } from "./server";

export interface SidecarConfig {
    readonly namespace: string;
    readonly region: string;
    readonly host: string;
    readonly port: number;
    /** An endpoint override is set (`AWS_ENDPOINT_URL_SERVICEDISCOVERY` or `AWS_ENDPOINT_URL`). */
    readonly endpointOverride: boolean;
}

/** Reads and checks the environment; the error names the variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): SidecarConfig {
    const namespace = env["CLOUDMAP_NAMESPACE"]?.trim() ?? "";
    if (!isDnsName(namespace)) throw new Error(`\`CLOUDMAP_NAMESPACE\` must be a Cloud Map namespace name such as prod.koronet.internal, got "${namespace}"`);
    const region = env["AWS_REGION"]?.trim() ?? "";
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`\`AWS_REGION\` must be an AWS region such as eu-west-1, got "${region}"`);
    const rawPort = env["LISTEN_PORT"]?.trim() || "9099";
    const port = Number(rawPort);
    if (!/^\d+$/.test(rawPort) || port > 65535) throw new Error(`\`LISTEN_PORT\` must be a TCP port 0..65535, got "${rawPort}"`);
    return {
        namespace,
        region,
        host: env["LISTEN_HOST"]?.trim() || "127.0.0.1",
        port,
        endpointOverride: Boolean(env["AWS_ENDPOINT_URL_SERVICEDISCOVERY"] || env["AWS_ENDPOINT_URL"]),
    };
}

/**
 * The SDK client's DiscoverInstances. DiscoverInstances is served from `data-servicediscovery.<region>`:
 * the SDK prepends the operation's `data-` host prefix to the endpoint. An endpoint override names the
 * exact host to call, so the prefix is left off then (it would turn 127.0.0.1 into data-127.0.0.1).
 */
export function cloudMapClient(cfg: Pick<SidecarConfig, "region" | "endpointOverride">, client?: ServiceDiscoveryClient): DiscoverInstances {
    const c = client ?? new ServiceDiscoveryClient({ region: cfg.region, disableHostPrefix: cfg.endpointOverride, maxAttempts: 3 });
    return (input) => c.send(new DiscoverInstancesCommand(input), { abortSignal: AbortSignal.timeout(10_000) });
}

/** JSON lines on stdout (the awslogs driver ships them). */
export const jsonLog: Log = {
    info: (msg, f) => console.log(JSON.stringify({ time: new Date().toISOString(), level: "info", msg, ...f })),
    warn: (msg, f) => console.log(JSON.stringify({ time: new Date().toISOString(), level: "warn", msg, ...f })),
    error: (msg, f) => console.log(JSON.stringify({ time: new Date().toISOString(), level: "error", msg, ...f })),
};

async function main(): Promise<void> {
    let cfg: SidecarConfig;
    try {
        cfg = loadConfig(process.env);
    } catch (err) {
        jsonLog.error((err as Error).message);
        process.exit(2);
    }
    const server = await startSdServer({ discover: cloudMapClient(cfg), namespace: cfg.namespace, log: jsonLog, host: cfg.host, port: cfg.port });
    jsonLog.info("listening", { address: `${cfg.host}:${(server.address() as AddressInfo).port}`, namespace: cfg.namespace, region: cfg.region });
    const stop = () => server.close(() => process.exit(0));
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
}

if (require.main === module) {
    main().catch((err: unknown) => {
        jsonLog.error("failed to start", { message: (err as Error).message });
        process.exit(1);
    });
}
