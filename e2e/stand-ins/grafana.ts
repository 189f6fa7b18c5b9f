/**
 * Grafana's data-source proxy, standing in for the Grafana the stack runs: on 127.0.0.1, it answers
 * `/api/datasources/proxy/uid/<uid>/<path>` for the provisioned data sources (`prometheus`,
 * `alertmanager`) by forwarding the request to the local Prometheus or Alertmanager, behind basic
 * auth as Grafana's admin — the way an operator, and `npm run verify` / `npm run drill`, reach them.
 *
 * Modelled from Grafana 11 (pkg/api/pluginproxy/ds_proxy.go, public/app/plugins/datasource/
 * alertmanager/plugin.json): unknown data source 404, wrong credentials 401, path and query
 * forwarded as is; the Alertmanager data source's writes need the Editor role, which the admin has.
 * Nothing else of Grafana is here.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { LocalService } from "../services/stack";

export interface GrafanaStandInOptions {
    readonly user: string;
    readonly password: string;
    /** Base URL per data-source uid, e.g. `{ prometheus: "http://127.0.0.1:9090" }`. */
    readonly datasources: Readonly<Record<string, string>>;
}

export class GrafanaStandIn implements LocalService {
    readonly name: string;
    /** Requests it proxied: `METHOD uid path`. */
    readonly requests: string[] = [];

    private constructor(
        private readonly server: http.Server,
        readonly port: number,
    ) {
        this.name = `grafana-stand-in:${port}`;
    }

    get url(): string {
        return `http://127.0.0.1:${this.port}/`;
    }

    static async start(opts: GrafanaStandInOptions): Promise<GrafanaStandIn> {
        const expected = `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString("base64")}`;
        let self: GrafanaStandIn | undefined;
        const server = http.createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => {
                void (async () => {
                    const send = (status: number, body: unknown) => {
                        res.writeHead(status, { "content-type": "application/json" });
                        res.end(typeof body === "string" ? body : JSON.stringify(body));
                    };
                    if (req.headers.authorization !== expected) return send(401, { message: "Unauthorized" });
                    const m = /^\/api\/datasources\/proxy\/uid\/([^/]+)(\/.*)?$/.exec(req.url ?? "");
                    if (m === null) return send(404, { message: "Not found" });
                    const target = opts.datasources[m[1] as string];
                    if (target === undefined) return send(404, { message: "Unable to find datasource" });
                    const path = m[2] ?? "/";
                    self?.requests.push(`${req.method} ${m[1]} ${path.split("?")[0]}`);
                    try {
                        const upstream = await fetch(`${target.replace(/\/+$/, "")}${path}`, {
                            method: req.method,
                            headers: req.headers["content-type"] ? { "content-type": req.headers["content-type"] } : {},
                            ...(req.method !== "GET" && req.method !== "HEAD" ? { body: Buffer.concat(chunks) } : {}),
                            signal: AbortSignal.timeout(15_000),
                        });
                        res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
                        res.end(Buffer.from(await upstream.arrayBuffer()));
                    } catch (e) {
                        // Grafana answers 502 when the data source does not answer.
                        send(502, { message: `Bad Gateway: ${(e as Error).message}` });
                    }
                })();
            });
        });
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, "127.0.0.1", () => resolve());
        });
        self = new GrafanaStandIn(server, (server.address() as AddressInfo).port);
        return self;
    }

    async dispose(): Promise<void> {
        await new Promise<void>((resolve) => {
            this.server.closeAllConnections();
            this.server.close(() => resolve());
        });
    }
}
