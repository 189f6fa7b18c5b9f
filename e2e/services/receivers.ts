/**
 * Local HTTP receivers standing in for Slack's incoming webhook and PagerDuty's Events API v2, in
 * the test process (so tests read what arrived without another hop). They record every request,
 * and Slack can be told to fail for a while.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

import { sleep } from "./process";
import type { LocalService } from "./stack";

/** One request a receiver got. */
export interface Received<T> {
    /** `Date.now()` when it arrived. */
    readonly at: number;
    /** Status the receiver answered with. */
    readonly status: number;
    readonly path: string;
    readonly body: T;
    /** The sender's address (which Alertmanager replica, on a network lab). */
    readonly from?: string;
}

/** Base: an HTTP server on 127.0.0.1 that records JSON POST bodies. */
abstract class RecordingReceiver<T> implements LocalService {
    readonly name: string;
    private readonly received: Received<T>[] = [];
    private waiters = new Set<() => void>();

    protected constructor(
        kind: string,
        private readonly server: http.Server,
        readonly port: number,
    ) {
        this.name = `${kind}:${port}`;
    }

    protected static async listen(
        handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
        host = "127.0.0.1",
    ): Promise<{ server: http.Server; port: number }> {
        const server = http.createServer(handler);
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, host, () => resolve());
        });
        return { server, port: (server.address() as AddressInfo).port };
    }

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    /** Every request, in arrival order (including refused ones). */
    get all(): readonly Received<T>[] {
        return [...this.received];
    }

    protected record(entry: Received<T>): void {
        this.received.push(entry);
        for (const w of this.waiters) w();
    }

    /**
     * Resolve with the first recorded request (accepted with 2xx, at or after `since`) matching
     * `predicate`; undefined after `timeoutMs`. Event-driven, bounded by the timeout.
     */
    async waitFor(predicate: (r: Received<T>) => boolean, opts: { since?: number; timeoutMs: number }): Promise<Received<T> | undefined> {
        const since = opts.since ?? 0;
        const find = () => this.received.find((r) => r.at >= since && r.status < 300 && predicate(r));
        const deadline = Date.now() + opts.timeoutMs;
        for (;;) {
            const hit = find();
            if (hit !== undefined || Date.now() >= deadline) return hit;
            let wake: () => void = () => undefined;
            const woken = new Promise<void>((resolve) => (wake = resolve));
            this.waiters.add(wake);
            await Promise.race([woken, sleep(Math.min(1_000, Math.max(0, deadline - Date.now())))]);
            this.waiters.delete(wake);
        }
    }

    async dispose(): Promise<void> {
        this.waiters.clear();
        await new Promise<void>((resolve) => {
            this.server.closeAllConnections();
            this.server.close(() => resolve());
        });
    }
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
    return new Promise((resolve) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            try {
                resolve(JSON.parse(text));
            } catch {
                resolve({ unparsable: text });
            }
        });
        req.on("error", () => resolve({}));
    });
}

/** The part of a Slack message the tests read. */
export interface SlackBody {
    readonly text?: string;
    readonly attachments?: ReadonlyArray<{ readonly color?: string; readonly blocks?: ReadonlyArray<Record<string, unknown>> }>;
}

/** What a notifier message says, parsed from its text (format.ts: `FIRING: [CRITICAL] Name (1 firing) — summary`). */
export interface SlackNotice {
    readonly state: "FIRING" | "RESOLVED";
    /** Lower case, as the `severity` label. */
    readonly severity: string | undefined;
    readonly alertname: string;
    /** Alertmanager receiver (= route) named in the message's context line, e.g. `critical`. */
    readonly receiver: string | undefined;
}

/** Parse the notifier's Alertmanager message; undefined for anything else. */
export function parseSlackNotice(body: SlackBody): SlackNotice | undefined {
    const m = /^(FIRING|RESOLVED): (?:\[([A-Z]+)\] )?(\S+) \(/.exec(body.text ?? "");
    if (m === null) return undefined;
    const json = JSON.stringify(body.attachments ?? []);
    const receiver = /receiver ([\w-]+)/.exec(json)?.[1];
    return { state: m[1] as SlackNotice["state"], severity: m[2]?.toLowerCase(), alertname: m[3] as string, receiver };
}

/** A fake Slack incoming webhook. */
export class FakeSlack extends RecordingReceiver<SlackBody> {
    private failure: { status: number; until: number } | undefined;

    private constructor(server: http.Server, port: number) {
        super("fake-slack", server, port);
    }

    static async start(): Promise<FakeSlack> {
        let self: FakeSlack | undefined;
        const { server, port } = await RecordingReceiver.listen((req, res) => {
            void readJson(req).then((body) => {
                const status = self?.currentFailure() ?? 200;
                self?.record({ at: Date.now(), status, path: req.url ?? "/", body: body as SlackBody });
                res.writeHead(status, { "content-type": "text/plain" });
                res.end(status === 200 ? "ok" : "internal_error");
            });
        });
        self = new FakeSlack(server, port);
        return self;
    }

    /** Webhook URL to configure. */
    get webhookUrl(): string {
        return `${this.url}/services/T000/B000/e2e`;
    }

    private currentFailure(): number | undefined {
        if (this.failure === undefined) return undefined;
        if (Date.now() >= this.failure.until) {
            this.failure = undefined;
            return undefined;
        }
        return this.failure.status;
    }

    /** Answer every request with `status` for `ms` (bounded: it heals by itself). */
    failFor(status: number, ms: number): void {
        this.failure = { status, until: Date.now() + ms };
    }

    heal(): void {
        this.failure = undefined;
    }

    /** Accepted notifier messages, parsed. */
    notices(since = 0): Array<SlackNotice & { readonly at: number }> {
        return this.all.flatMap((r) => {
            if (r.at < since || r.status >= 300) return [];
            const n = parseSlackNotice(r.body);
            return n === undefined ? [] : [{ ...n, at: r.at }];
        });
    }

    /** First accepted message for `alertname` in `state` since `since`, or undefined after `timeoutMs`. */
    async waitForNotice(
        alertname: string,
        state: SlackNotice["state"],
        opts: { since: number; timeoutMs: number },
    ): Promise<(SlackNotice & { readonly at: number; readonly raw: string }) | undefined> {
        const hit = await this.waitFor((r) => {
            const n = parseSlackNotice(r.body);
            return n !== undefined && n.alertname === alertname && n.state === state;
        }, opts);
        return hit === undefined ? undefined : { ...(parseSlackNotice(hit.body) as SlackNotice), at: hit.at, raw: JSON.stringify(hit.body) };
    }
}

/** The part of a PagerDuty Events API v2 event the tests read. */
export interface PagerDutyEvent {
    readonly routing_key?: string;
    readonly event_action?: "trigger" | "acknowledge" | "resolve";
    readonly dedup_key?: string;
    readonly payload?: { readonly summary?: string; readonly severity?: string; readonly source?: string };
}

/** A fake PagerDuty Events API v2 (`POST /v2/enqueue`). */
export class FakePagerDuty extends RecordingReceiver<PagerDutyEvent> {
    /**
     * Incidents as PagerDuty's Events API v2 makes them from the events (alert deduplication): a
     * trigger whose dedup_key has an open incident is appended to it, otherwise it opens a new one;
     * a resolve closes the open incident of its key, and one without an open incident does nothing
     * (https://support.pagerduty.com/main/docs/event-management, Deduplicate Alerts;
     * https://developer.pagerduty.com/docs/events-api-v2/trigger-events/).
     */
    readonly incidents: {
        readonly dedupKey: string;
        readonly alertname: string | undefined;
        readonly openedAt: number;
        resolvedAt?: number;
        triggers: number;
    }[] = [];

    private constructor(
        server: http.Server,
        port: number,
        private readonly host: string,
    ) {
        super("fake-pagerduty", server, port);
    }

    private apply(event: PagerDutyEvent, at: number): void {
        const key = event.dedup_key ?? `generated-${this.incidents.length}`;
        const open = this.incidents.find((i) => i.dedupKey === key && i.resolvedAt === undefined);
        if (event.event_action === "trigger") {
            if (open !== undefined) open.triggers++;
            else this.incidents.push({ dedupKey: key, alertname: FakePagerDuty.alertname(event), openedAt: at, triggers: 1 });
        } else if (event.event_action === "resolve" && open !== undefined) open.resolvedAt = at;
    }

    /** @param host the address to listen on (a network lab's root address, for Alertmanagers in the lab). @default 127.0.0.1 */
    static async start(opts: { readonly host?: string } = {}): Promise<FakePagerDuty> {
        let self: FakePagerDuty | undefined;
        const host = opts.host ?? "127.0.0.1";
        const { server, port } = await RecordingReceiver.listen((req, res) => {
            void readJson(req).then((body) => {
                const event = body as PagerDutyEvent;
                const at = Date.now();
                self?.record({ at, status: 202, path: req.url ?? "/", body: event, from: req.socket.remoteAddress });
                self?.apply(event, at);
                res.writeHead(202, { "content-type": "application/json" });
                res.end(JSON.stringify({ status: "success", message: "Event processed", dedup_key: event.dedup_key ?? "" }));
            });
        }, host);
        self = new FakePagerDuty(server, port, host);
        return self;
    }

    /** Events API URL to configure. */
    get eventsUrl(): string {
        return `http://${this.host}:${this.port}/v2/enqueue`;
    }

    /** Alert name of an event (Alertmanager's description is `<alertname>: <summary>`). */
    static alertname(e: PagerDutyEvent): string | undefined {
        return e.payload?.summary?.split(":")[0];
    }

    /** First event for `alertname` with `action` since `since`, or undefined after `timeoutMs`. */
    async waitForEvent(
        alertname: string,
        action: "trigger" | "resolve",
        opts: { since: number; timeoutMs: number },
    ): Promise<Received<PagerDutyEvent> | undefined> {
        return this.waitFor((r) => FakePagerDuty.alertname(r.body) === alertname && r.body.event_action === action, opts);
    }
}
