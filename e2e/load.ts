/**
 * A steady, deterministic request load on the web server, whose mix the scenarios change: a share
 * of requests sent to a fault endpoint (5xx, latency), or item reads moved to cold ids (cache
 * misses). The total rate stays the same, so a fault changes what is measured and not the traffic.
 */
import { HOT_ITEMS, SEEDED_ITEMS } from "./pipeline";
import { sleep } from "./services";

export interface LoadMix {
    /** Every `faultEvery`-th request goes to this path instead (e.g. `/api/faults/status/500`). */
    readonly faultPath?: string;
    readonly faultEvery?: number;
    /** Item reads walk cold ids (never cached within their TTL) instead of the hot set. */
    readonly coldItems?: boolean;
}

export interface LoadStats {
    sent: number;
    /** Requests skipped because too many were in flight (the server is down or stalled). */
    skipped: number;
    failed: number;
    byStatus: Record<string, number>;
}

export class LoadGenerator {
    readonly stats: LoadStats = { sent: 0, skipped: 0, failed: 0, byStatus: {} };
    private mix: LoadMix = {};
    private timer: NodeJS.Timeout | undefined;
    private inFlight = 0;
    private n = 0;
    private coldCursor = HOT_ITEMS;

    constructor(
        private readonly baseUrl: string,
        private token: string,
        /** Requests per second. @default 10 */
        readonly rps = 10,
        /** Upper bound on concurrent requests. @default 40 */
        private readonly maxInFlight = 40,
    ) {}

    start(): void {
        if (this.timer !== undefined) return;
        this.timer = setInterval(() => this.tick(), Math.round(1000 / this.rps));
    }

    /** Use another session (after Redis lost the old one). */
    setToken(token: string): void {
        this.token = token;
    }

    setMix(mix: LoadMix): void {
        this.mix = mix;
    }

    /** Stop sending; wait (bounded) for in-flight requests. */
    async stop(timeoutMs = 15_000): Promise<void> {
        if (this.timer !== undefined) clearInterval(this.timer);
        this.timer = undefined;
        const deadline = Date.now() + timeoutMs;
        while (this.inFlight > 0 && Date.now() < deadline) await sleep(50);
    }

    private nextPath(): { path: string; auth: boolean } {
        const i = this.n++;
        const m = this.mix;
        if (m.faultPath !== undefined && m.faultEvery !== undefined && i % m.faultEvery === 0) return { path: m.faultPath, auth: false };
        switch (i % 4) {
            case 0:
            case 1: {
                let id: number;
                if (m.coldItems) {
                    this.coldCursor = this.coldCursor >= SEEDED_ITEMS ? HOT_ITEMS + 1 : this.coldCursor + 1;
                    id = this.coldCursor;
                } else {
                    id = 1 + (i % HOT_ITEMS);
                }
                return { path: `/api/items/${id}`, auth: false };
            }
            case 2:
                return { path: "/api/items?limit=10", auth: false };
            default:
                return { path: "/api/sessions/current", auth: true };
        }
    }

    private tick(): void {
        if (this.inFlight >= this.maxInFlight) {
            this.stats.skipped++;
            return;
        }
        const { path, auth } = this.nextPath();
        this.inFlight++;
        this.stats.sent++;
        fetch(`${this.baseUrl}${path}`, {
            headers: auth ? { authorization: `Bearer ${this.token}` } : {},
            signal: AbortSignal.timeout(15_000),
        })
            .then(async (res) => {
                await res.arrayBuffer();
                this.stats.byStatus[res.status] = (this.stats.byStatus[res.status] ?? 0) + 1;
            })
            .catch(() => void this.stats.failed++)
            .finally(() => void this.inFlight--);
    }
}
