/**
 * The HTTP side: Prometheus asks `GET /v1/cloudmap/<namespace>/<service>?port=<port>` every
 * `refresh_interval` and gets the service's instances as HTTP SD target groups, read from Cloud Map
 * at that moment (one DiscoverInstances call per request: the answer is never older than the refresh).
 *
 * On a Cloud Map error it answers 503: Prometheus then keeps the targets of its last successful
 * refresh and counts `prometheus_sd_http_failures_total` ("If an error occurs while fetching an
 * updated targets list, Prometheus keeps using the current targets list",
 * https://prometheus.io/docs/prometheus/latest/http_sd/). Answering an old list with 200 would hide
 * the failure; answering an empty one would drop every target.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { HEALTH_STATUS, MAX_RESULTS, parseRequest, targetGroups, type CloudMapInstance } from "./discover";

/** The one Cloud Map call the sidecar makes (the SDK client, injected so tests can stand in for it). */
export type DiscoverInstances = (input: {
    NamespaceName: string;
    ServiceName: string;
    HealthStatus: typeof HEALTH_STATUS;
    MaxResults: number;
}) => Promise<{ Instances?: CloudMapInstance[] }>;

export interface Log {
    info(msg: string, fields?: Record<string, unknown>): void;
    warn(msg: string, fields?: Record<string, unknown>): void;
    error(msg: string, fields?: Record<string, unknown>): void;
}

export interface SdServerOptions {
    readonly discover: DiscoverInstances;
    /** The Cloud Map namespace it serves; requests naming another answer 404. */
    readonly namespace: string;
    readonly log: Log;
}

/** A request handler (exported for tests that drive it without a socket). */
function sdHandler(opts: SdServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
    // Last answered set per service, to log what changed (not to answer from).
    const last = new Map<string, string>();
    const send = (res: ServerResponse, status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify(body));
    };
    return (req, res) => {
        if (req.method !== "GET") return send(res, 405, { error: `method ${req.method} not allowed; GET only` });
        const parsed = parseRequest(req.url ?? "/");
        if (parsed.kind === "healthz") return send(res, 200, { status: "ok" });
        if (parsed.kind === "error") return send(res, parsed.status, { error: parsed.message });
        if (parsed.namespace !== opts.namespace) return send(res, 404, { error: `this sidecar serves namespace ${opts.namespace}, not ${parsed.namespace}` });
        const started = Date.now();
        opts.discover({ NamespaceName: parsed.namespace, ServiceName: parsed.service, HealthStatus: HEALTH_STATUS, MaxResults: MAX_RESULTS }).then(
            (out) => {
                const instances = out.Instances ?? [];
                const { groups, skipped } = targetGroups(instances, parsed.port === undefined ? {} : { port: parsed.port });
                const where = { namespace: parsed.namespace, service: parsed.service };
                if (instances.length >= MAX_RESULTS)
                    opts.log.warn("DiscoverInstances returned its maximum: the service may have more instances than are scraped", {
                        ...where,
                        maxResults: MAX_RESULTS,
                    });
                for (const s of skipped) opts.log.warn("instance skipped", { ...where, ...s });
                const key = `${parsed.namespace}/${parsed.service}:${parsed.port ?? ""}`;
                const now = groups.map((g) => g.targets[0]).join(",");
                if (last.get(key) !== now) {
                    const before = new Set((last.get(key) ?? "").split(",").filter(Boolean));
                    const after = new Set(now.split(",").filter(Boolean));
                    opts.log.info("targets changed", {
                        ...where,
                        count: after.size,
                        added: [...after].filter((t) => !before.has(t)),
                        removed: [...before].filter((t) => !after.has(t)),
                    });
                    last.set(key, now);
                }
                send(res, 200, groups);
            },
            (err: unknown) => {
                const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
                opts.log.error("DiscoverInstances failed: Prometheus keeps its last targets", {
                    namespace: parsed.namespace,
                    service: parsed.service,
                    error: e.name,
                    message: e.message,
                    httpStatus: e.$metadata?.httpStatusCode,
                    ms: Date.now() - started,
                });
                send(res, 503, { error: `DiscoverInstances failed: ${e.name ?? "Error"}: ${e.message ?? String(err)}` });
            },
        );
    };
}

/** Listen on `host:port` (loopback: only the containers of the same task reach it). */
export async function startSdServer(opts: SdServerOptions & { readonly host: string; readonly port: number }): Promise<Server> {
    const server = createServer(sdHandler(opts));
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(opts.port, opts.host, () => {
            server.off("error", reject);
            resolve();
        });
    });
    return server;
}
