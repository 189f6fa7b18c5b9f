/**
 * The notifier's HTTP path served on 127.0.0.1, for end-to-end tests that run a real Alertmanager
 * against a fake Slack. Each request is translated into the Function URL event the Lambda would
 * receive and handled by the same `createNotifier` code.
 *
 * As a program: `SLACK_WEBHOOK_URL=http://127.0.0.1:9999/hook NOTIFIER_TOKEN=... npx tsx
 * functions/src/notifier/local-server.ts` (optional `PORT`, default 0 = any free port; the
 * chosen URL is printed as `listening <url>`).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { systemClock, type Clock } from "../shared/clock";
import { inMemoryDedupeStore, type DedupeStore } from "./dedupe";
import type { DeliveryLog } from "../shared/deliveries";
import type { FunctionUrlEvent } from "./events";
import type { HeartbeatPublisher } from "./heartbeat";
import { createLogger, isRedacting, type Logger } from "../shared/log";
import { createNotifier, type NotifierDeps } from "./notifier";

export interface LocalServerOptions {
    /** Where messages go (a fake Slack). @default env `SLACK_WEBHOOK_URL` */
    readonly slackWebhookUrl?: string;
    /** Bearer token Alertmanager must send. @default env `NOTIFIER_TOKEN` */
    readonly token?: string;
    /** @default 0 (any free port) */
    readonly port?: number;
    /** @default "127.0.0.1" */
    readonly host?: string;
    /** @default a recorder: heartbeats are counted in {@link LocalServer.heartbeats} */
    readonly heartbeat?: HeartbeatPublisher;
    /** @default in-memory */
    readonly dedupe?: DedupeStore;
    /** Delivery records. @default none */
    readonly deliveries?: DeliveryLog;
    readonly clock?: Clock;
    readonly log?: Logger;
    /** Any other notifier dependency or knob (e.g. faster delivery pacing for tests). */
    readonly notifier?: Partial<Omit<NotifierDeps, "getSlackWebhookUrl" | "getAlertmanagerToken">>;
}

export interface LocalServer {
    /** Base URL, e.g. `http://127.0.0.1:41234`; any path is accepted. */
    readonly url: string;
    /** Heartbeats recorded by the default heartbeat publisher. */
    readonly heartbeats: () => number;
    close(): Promise<void>;
}

const MAX_BODY = 4 * 1024 * 1024;

function readBody(req: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on("data", (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY) {
                reject(new Error("body too large"));
                req.destroy();
            } else chunks.push(c);
        });
        req.on("end", () => resolve(Buffer.concat(chunks)));
        req.on("error", reject);
    });
}

/** Starts the server; resolves once it is listening. */
export async function startLocalServer(opts: LocalServerOptions = {}): Promise<LocalServer> {
    const slackUrl = opts.slackWebhookUrl ?? process.env["SLACK_WEBHOOK_URL"];
    const token = opts.token ?? process.env["NOTIFIER_TOKEN"];
    if (!slackUrl) throw new Error("`slackWebhookUrl` (or env SLACK_WEBHOOK_URL) is required");
    if (!token) throw new Error("`token` (or env NOTIFIER_TOKEN) is required");
    const clock = opts.clock ?? systemClock;
    const log = opts.log ?? createLogger();
    if (isRedacting(log)) {
        log.addSecret(slackUrl);
        log.addSecret(token);
    }
    let beats = 0;
    const notifier = createNotifier({
        ...opts.notifier,
        getSlackWebhookUrl: async () => slackUrl,
        getAlertmanagerToken: async () => token,
        heartbeat: opts.heartbeat ?? { publish: async () => void beats++ },
        dedupe: opts.dedupe ?? inMemoryDedupeStore(clock),
        ...(opts.deliveries !== undefined ? { deliveries: opts.deliveries } : {}),
        clock,
        log,
    });

    const server = http.createServer((req, res) => {
        void (async () => {
            try {
                const body = await readBody(req);
                const headers: Record<string, string> = {};
                for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : v;
                const url = new URL(req.url ?? "/", "http://localhost");
                const event: FunctionUrlEvent = {
                    version: "2.0",
                    rawPath: url.pathname,
                    headers,
                    requestContext: { http: { method: req.method ?? "GET", path: url.pathname }, requestId: `local-${Date.now()}` },
                    body: body.toString("base64"),
                    isBase64Encoded: true,
                };
                const result = await notifier.handleHttp(event);
                res.writeHead(result.statusCode, result.headers ?? {});
                res.end(result.body ?? "");
            } catch (e) {
                log.error("local server request failed", { error: (e as Error).message });
                res.writeHead(500, { "content-type": "application/json" });
                res.end(JSON.stringify({ error: "internal error" }));
            }
        })();
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
    });
    const addr = server.address() as AddressInfo;
    return {
        url: `http://${addr.address}:${addr.port}`,
        heartbeats: () => beats,
        close: () =>
            new Promise<void>((resolve, reject) => {
                server.closeAllConnections();
                server.close((err) => (err ? reject(err) : resolve()));
            }),
    };
}

if (require.main === module) {
    startLocalServer({ port: Number(process.env["PORT"] ?? 0) }).then(
        (s) => console.log(`listening ${s.url}`),
        (e: unknown) => {
            console.error((e as Error).message);
            process.exit(1);
        },
    );
}
