import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { SeriesHistogram, type HistogramSeries } from "./series-histogram";

/**
 * Everything the server measures. Names, types and labels are the contract in docs/CONTRACTS.md,
 * shared with the Prometheus rules, dashboards, CloudWatch alarms and e2e tests: add, never rename.
 * `createMetrics(false)` returns a no-op implementation so METRICS_ENABLED=false costs nothing.
 */
export interface AppMetrics {
    readonly enabled: boolean;
    /** Prometheus text exposition of every metric. */
    render(): Promise<string>;
    readonly contentType: string;
    httpStarted(): void;
    /** In-flight request done, finished or aborted. */
    httpEnded(): void;
    /** Count a request the client abandoned (status 499), without timing it. */
    httpAborted(method: string, route: string): void;
    /** Count and time a completed request. */
    httpFinished(method: string, route: string, statusCode: number, seconds: number): void;
    /** Count a probe (`PROBE_ROUTES`): kept out of the request metrics, which measure users. */
    probeFinished(route: string, statusCode: number): void;
    dbQuery(operation: DbOperation, seconds: number, slow: boolean): void;
    /** A PostgreSQL connection that could not be made or was lost, by why (see {@link DB_FAILURE_REASONS}). */
    dbConnectionError(reason: DbFailureReason): void;
    cacheHit(cache: CacheName): void;
    cacheMiss(cache: CacheName): void;
    redisError(command: RedisCommand): void;
    endpointCall(endpoint: string): void;
    /** Sources read at scrape time. */
    bindPool(pool: PoolStats): void;
    bindRedis(isConnected: () => boolean, activeSessions: () => Promise<number | undefined>): void;
}

/**
 * Routes that probes call, not users: the load balancer's and the container's health checks
 * (`/healthz`), readiness (`/readyz`). Their requests are counted only in
 * `koronet_http_probe_requests_total`, so they neither dilute the 5xx ratio and the latency
 * percentiles nor make up traffic when no user is there. `/metrics` is served apart, on its own port.
 */
export const PROBE_ROUTES = ["/healthz", "/readyz"] as const;

/** `operation` label values of the PostgreSQL metrics: one per statement the server runs. */
const DB_OPERATIONS = [
    "ping",
    "user_insert",
    "user_select",
    "item_select",
    "item_list",
    "item_insert",
    "item_update",
    "item_delete",
    "item_exists",
    "slow_sleep",
] as const;
export type DbOperation = (typeof DB_OPERATIONS)[number];

/**
 * `reason` label values of `koronet_db_connection_errors_total`: every way the app can fail to get or
 * keep a PostgreSQL connection, so the counter (and DatabaseConnectionFailures on both paths) sees
 * bad credentials, a security-group mistake and an exhausted `max_connections` as well as a store
 * that is down.
 * - `auth`: the server refused the credentials (SQLSTATE 28P01 invalid_password, 28000).
 * - `too_many_connections`: the server refused a new connection (53300 too_many_connections,
 *   57P03 cannot_connect_now while it starts or shuts down).
 * - `timeout`: no answer within the acquire timeout (a security group or NACL dropping packets).
 * - `refused`: nothing listens (ECONNREFUSED: stopped, restarting, wrong port).
 * - `network`: the name does not resolve or the host is unreachable.
 * - `tls`: the TLS handshake or certificate check failed.
 * - `lost`: an open connection broke (terminated, reset, admin shutdown, failover).
 * - `other`: anything else that made a connection fail.
 */
export const DB_FAILURE_REASONS = ["auth", "too_many_connections", "timeout", "refused", "network", "tls", "lost", "other"] as const;
export type DbFailureReason = (typeof DB_FAILURE_REASONS)[number];

/** `command` label values of `koronet_redis_errors_total`. */
const REDIS_COMMANDS = ["ping", "cache_get", "cache_set", "cache_del", "session_create", "session_get", "session_delete", "session_count"] as const;
export type RedisCommand = (typeof REDIS_COMMANDS)[number];

/** `cache` label values of the cache hit and miss counters. */
const CACHES = ["items"] as const;
export type CacheName = (typeof CACHES)[number];

/** What the pool gauges read (pg's Pool has these fields). */
export interface PoolStats {
    readonly totalCount: number;
    readonly idleCount: number;
    readonly waitingCount: number;
    readonly options: { readonly max?: number };
}

/** Histogram buckets in seconds; 2 s is a boundary because the latency alert fires above it. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10];
const DB_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

class PromMetrics implements AppMetrics {
    readonly enabled = true;
    readonly registry = new Registry();
    private pool: PoolStats | undefined;
    private redisConnected: () => boolean = () => false;
    private activeSessions: () => Promise<number | undefined> = async () => undefined;

    /**
     * Hot-path counters are summed in plain maps and handed to prom-client at scrape time (each
     * counter's collect()): a labelled inc() costs a label hash per call, which showed up as several
     * percent of throughput in bench/app-overhead.ts. Label sets are bounded (route templates, fixed names).
     */
    private readonly httpSeries = new Map<
        string,
        { readonly labels: Record<"method" | "route" | "status_code", string>; pending: number; readonly duration: HistogramSeries }
    >();
    /** Requests being served; read by the gauge at scrape time (a plain number costs nothing per request). */
    private inFlight = 0;
    private readonly pendingEndpointCalls = new Map<string, number>();
    private readonly pendingCacheHits = new Map<CacheName, number>();
    private readonly pendingCacheMisses = new Map<CacheName, number>();

    private readonly httpRequests = new Counter({
        name: "koronet_http_requests_total",
        help: "HTTP requests by method, route template and status code",
        labelNames: ["method", "route", "status_code"] as const,
        registers: [this.registry],
        collect: () => {
            for (const series of this.httpSeries.values()) {
                if (series.pending === 0) continue;
                this.httpRequests.inc(series.labels, series.pending);
                series.pending = 0;
            }
        },
    });
    private readonly probeRequests = new Counter({
        name: "koronet_http_probe_requests_total",
        help: "Health and readiness probe requests by route and status code (not in koronet_http_requests_total)",
        labelNames: ["route", "status_code"] as const,
        registers: [this.registry],
    });
    private readonly httpDuration = new SeriesHistogram(
        "koronet_http_request_duration_seconds",
        "HTTP request duration in seconds",
        HTTP_DURATION_BUCKETS,
        this.registry,
    );
    private readonly httpInFlight: Gauge = new Gauge({
        name: "koronet_http_requests_in_flight",
        help: "HTTP requests being served",
        registers: [this.registry],
        collect: (): void => this.httpInFlight.set(this.inFlight),
    });
    private readonly dbQueryDuration = new Histogram({
        name: "koronet_db_query_duration_seconds",
        help: "PostgreSQL query duration in seconds (excluding the wait for a pooled connection)",
        labelNames: ["operation"] as const,
        buckets: DB_DURATION_BUCKETS,
        registers: [this.registry],
    });
    private readonly dbSlowQueries = new Counter({
        name: "koronet_db_slow_queries_total",
        help: "PostgreSQL queries slower than SLOW_QUERY_MS",
        labelNames: ["operation"] as const,
        registers: [this.registry],
    });
    private readonly dbConnectionErrors = new Counter({
        name: "koronet_db_connection_errors_total",
        help: "Failed PostgreSQL connection attempts and lost connections, by reason",
        labelNames: ["reason"] as const,
        registers: [this.registry],
    });
    private readonly cacheHits = new Counter({
        name: "koronet_cache_hits_total",
        help: "Redis read-through cache hits",
        labelNames: ["cache"] as const,
        registers: [this.registry],
        collect: () => flush(this.pendingCacheHits, (key, n) => this.cacheHits.inc({ cache: key }, n)),
    });
    private readonly cacheMisses = new Counter({
        name: "koronet_cache_misses_total",
        help: "Redis read-through cache misses",
        labelNames: ["cache"] as const,
        registers: [this.registry],
        collect: () => flush(this.pendingCacheMisses, (key, n) => this.cacheMisses.inc({ cache: key }, n)),
    });
    private readonly redisErrors = new Counter({
        name: "koronet_redis_errors_total",
        help: "Failed Redis commands",
        labelNames: ["command"] as const,
        registers: [this.registry],
    });
    private readonly endpointCalls = new Counter({
        name: "koronet_api_endpoint_calls_total",
        help: "Business API calls per endpoint",
        labelNames: ["endpoint"] as const,
        registers: [this.registry],
        collect: () => flush(this.pendingEndpointCalls, (key, n) => this.endpointCalls.inc({ endpoint: key }, n)),
    });

    constructor() {
        collectDefaultMetrics({ register: this.registry });
        // Series exist at 0 from the first scrape, so rate() and absent() behave before the first event.
        for (const operation of DB_OPERATIONS) this.dbSlowQueries.labels({ operation }).inc(0);
        for (const reason of DB_FAILURE_REASONS) this.dbConnectionErrors.labels({ reason }).inc(0);
        for (const cache of CACHES) {
            this.cacheHits.labels({ cache }).inc(0);
            this.cacheMisses.labels({ cache }).inc(0);
        }
        for (const command of REDIS_COMMANDS) this.redisErrors.labels({ command }).inc(0);
        // Each gauge reads its source at scrape time, so it is never stale.
        const self = this;
        const poolGauge = (name: string, help: string, read: (p: PoolStats) => number): void => {
            new Gauge({
                name,
                help,
                registers: [this.registry],
                collect() {
                    if (self.pool) this.set(read(self.pool));
                },
            });
        };
        poolGauge("koronet_db_pool_max_connections", "Configured PostgreSQL pool size", (p) => p.options.max ?? 10);
        poolGauge("koronet_db_pool_total_connections", "Open PostgreSQL connections", (p) => p.totalCount);
        poolGauge("koronet_db_pool_idle_connections", "Idle PostgreSQL connections", (p) => p.idleCount);
        poolGauge("koronet_db_pool_waiting_clients", "Queries waiting for a PostgreSQL connection", (p) => p.waitingCount);
        new Gauge({
            name: "koronet_redis_connected",
            help: "1 when the Redis client is ready, else 0",
            registers: [this.registry],
            collect() {
                this.set(self.redisConnected() ? 1 : 0);
            },
        });
        new Gauge({
            name: "koronet_active_sessions",
            help: "Signed-in sessions alive in Redis (global across replicas: aggregate with max, not sum)",
            registers: [this.registry],
            async collect() {
                // Keeps the last known value while Redis is unreachable.
                const n = await self.activeSessions();
                if (n !== undefined) this.set(n);
            },
        });
    }

    get contentType(): string {
        return this.registry.contentType;
    }

    render(): Promise<string> {
        return this.registry.metrics();
    }

    httpStarted(): void {
        this.inFlight++;
    }

    httpEnded(): void {
        this.inFlight--;
    }

    httpAborted(method: string, route: string): void {
        this.httpRequests.inc({ method, route, status_code: "499" });
    }

    httpFinished(method: string, route: string, statusCode: number, seconds: number): void {
        const key = `${method} ${route} ${statusCode}`;
        let series = this.httpSeries.get(key);
        if (series === undefined) {
            const labels = { method, route, status_code: String(statusCode) };
            series = { labels, pending: 0, duration: this.httpDuration.series(labels) };
            this.httpSeries.set(key, series);
        }
        series.pending++;
        this.httpDuration.observe(series.duration, seconds);
    }

    probeFinished(route: string, statusCode: number): void {
        this.probeRequests.inc({ route, status_code: String(statusCode) });
    }

    dbQuery(operation: DbOperation, seconds: number, slow: boolean): void {
        this.dbQueryDuration.observe({ operation }, seconds);
        if (slow) this.dbSlowQueries.inc({ operation });
    }

    dbConnectionError(reason: DbFailureReason): void {
        this.dbConnectionErrors.inc({ reason });
    }

    cacheHit(cache: CacheName): void {
        this.pendingCacheHits.set(cache, (this.pendingCacheHits.get(cache) ?? 0) + 1);
    }

    cacheMiss(cache: CacheName): void {
        this.pendingCacheMisses.set(cache, (this.pendingCacheMisses.get(cache) ?? 0) + 1);
    }

    redisError(command: RedisCommand): void {
        this.redisErrors.inc({ command });
    }

    endpointCall(endpoint: string): void {
        this.pendingEndpointCalls.set(endpoint, (this.pendingEndpointCalls.get(endpoint) ?? 0) + 1);
    }

    bindPool(pool: PoolStats): void {
        this.pool = pool;
    }

    bindRedis(isConnected: () => boolean, activeSessions: () => Promise<number | undefined>): void {
        this.redisConnected = isConnected;
        this.activeSessions = activeSessions;
    }
}

/** Hand locally summed increments to prom-client and clear them. */
function flush<K>(pending: Map<K, number>, inc: (key: K, n: number) => void): void {
    for (const [key, n] of pending) if (n > 0) inc(key, n);
    pending.clear();
}

const noop = (): void => undefined;

class NoopMetrics implements AppMetrics {
    readonly enabled = false;
    readonly contentType = "text/plain";
    render(): Promise<string> {
        return Promise.resolve("");
    }
    httpStarted = noop;
    httpEnded = noop;
    httpAborted = noop;
    httpFinished = noop;
    probeFinished = noop;
    dbQuery = noop;
    dbConnectionError = noop;
    cacheHit = noop;
    cacheMiss = noop;
    redisError = noop;
    endpointCall = noop;
    bindPool = noop;
    bindRedis = noop;
}

/** A fresh registry per call (tests run several servers in one process). */
export function createMetrics(enabled: boolean): AppMetrics {
    return enabled ? new PromMetrics() : new NoopMetrics();
}
