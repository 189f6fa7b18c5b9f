/**
 * A recording HTTP relay in front of the notifier: every Alertmanager webhook request is recorded
 * (when, from which replica's address, what it said, what the notifier answered) and passed on
 * unchanged. It counts what Alertmanager sent, before the notifier's own dedupe; the fake Slack
 * counts what reached Slack after it. It also lets Alertmanagers on a network lab reach the notifier,
 * which listens on this machine's 127.0.0.1.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

import type { LocalService } from "./stack";

/** The part of an Alertmanager webhook payload the counts read. */
export interface WebhookPayload {
    readonly receiver?: string;
    readonly status?: "firing" | "resolved";
    readonly groupKey?: string;
    readonly groupLabels?: Record<string, string>;
    readonly alerts?: ReadonlyArray<{
        readonly status?: string;
        readonly labels?: Record<string, string>;
        readonly fingerprint?: string;
        readonly startsAt?: string;
    }>;
}

/** One relayed request. */
export interface TappedRequest {
    readonly at: number;
    /** The sender's address. */
    readonly from: string;
    readonly body: WebhookPayload;
    /** What the notifier answered (0: no answer). */
    readonly status: number;
    /** The request's path: `/` (Slack) or `/pagerduty`. */
    readonly path: string;
    /** The notifier's JSON answer (its per-occurrence verdicts: `posted`, `repeat`, `stale`, `inFlight`), when it gave one. */
    readonly answer?: Readonly<Record<string, unknown>>;
}

export class WebhookTap implements LocalService {
    readonly name: string;
    private readonly requests: TappedRequest[] = [];

    private constructor(
        private readonly server: http.Server,
        private readonly host: string,
        readonly port: number,
    ) {
        this.name = `webhook-tap:${host}:${port}`;
    }

    /** Relays to `target` (the notifier's base URL), listening on `host`. */
    static async start(target: string, host = "127.0.0.1"): Promise<WebhookTap> {
        let self: WebhookTap | undefined;
        const server = http.createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => {
                const raw = Buffer.concat(chunks);
                const headers: Record<string, string> = {};
                for (const h of ["authorization", "content-type", "user-agent"]) if (typeof req.headers[h] === "string") headers[h] = req.headers[h] as string;
                let body: WebhookPayload = {};
                try {
                    body = JSON.parse(raw.toString("utf8")) as WebhookPayload;
                } catch {
                    // recorded as empty; the notifier judges it
                }
                const at = Date.now();
                const from = req.socket.remoteAddress ?? "?";
                void fetch(`${target.replace(/\/$/, "")}${req.url ?? "/"}`, { method: req.method, headers, body: raw, signal: AbortSignal.timeout(60_000) })
                    .then(async (r) => {
                        const text = await r.text();
                        let answer: Record<string, unknown> | undefined;
                        try {
                            answer = JSON.parse(text) as Record<string, unknown>;
                        } catch {
                            answer = undefined;
                        }
                        self?.requests.push({ at, from, body, status: r.status, path: req.url ?? "/", ...(answer !== undefined ? { answer } : {}) });
                        res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "text/plain" });
                        res.end(text);
                    })
                    .catch(() => {
                        self?.requests.push({ at, from, body, status: 0, path: req.url ?? "/" });
                        res.writeHead(502);
                        res.end();
                    });
            });
        });
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, host, () => resolve());
        });
        self = new WebhookTap(server, host, (server.address() as AddressInfo).port);
        return self;
    }

    /** The URL Alertmanager is given instead of the notifier's. */
    get url(): string {
        return `http://${this.host}:${this.port}/`;
    }

    /** Every relayed request, in arrival order of their answers. */
    get all(): readonly TappedRequest[] {
        return [...this.requests];
    }

    async dispose(): Promise<void> {
        await new Promise<void>((resolve) => {
            this.server.closeAllConnections();
            this.server.close(() => resolve());
        });
    }
}
