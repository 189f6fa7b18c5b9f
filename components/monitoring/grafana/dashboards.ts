/**
 * Grafana dashboards as code, built with @grafana/grafana-foundation-sdk from one table of panels.
 * Every query uses only metric names that the app (docs/CONTRACTS.md), node_exporter 1.5,
 * redis_exporter 1.45, postgres_exporter 0.11 (plus our custom queries) and cAdvisor expose.
 * `dashboardPanelQueries()` lists every query so the end-to-end tests can run each one against a
 * live Prometheus.
 *
 * Pure: returns dashboard JSON objects.
 */
import { DashboardBuilder, DashboardCursorSync, RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { CADVISOR_ECS_LABELS } from "../../alerting/catalog";
import { CUSTOM_METRICS, SLOW_MEAN_MS } from "../postgres-exporter/queries";
import { JOBS, SCRAPE_JOBS } from "../../contracts";

/** UID of the provisioned Prometheus datasource (grafana/provisioning.ts). */
export const PROMETHEUS_DATASOURCE_UID = "prometheus";
/** Grafana's rate window variable; `dashboardPanelQueries` substitutes a fixed window for it. */
const RATE_INTERVAL = "$__rate_interval";

export interface PanelQuery {
    readonly expr: string;
    readonly legend: string;
}

export interface PanelSpec {
    readonly title: string;
    readonly kind: "timeseries" | "stat";
    readonly unit: string;
    readonly queries: readonly PanelQuery[];
    /** Width in grid units (24 per row). @default 12 */
    readonly width?: number;
}

export interface DashboardSpec {
    readonly uid: string;
    readonly title: string;
    readonly description: string;
    readonly rows: readonly { readonly title: string; readonly panels: readonly PanelSpec[] }[];
}

const R = RATE_INTERVAL;
const K = `job="${JOBS.koronet}"`;
const PG = `job="${JOBS.postgres}"`;
const RD = `job="${JOBS.redis}"`;
const N = `job="${JOBS.node}"`;
const NODE_FS = `${N},fstype!~"tmpfs|ramfs|devtmpfs|overlay|squashfs|nsfs|autofs|fuse.*",mountpoint!~"/(run|proc|sys|dev)($|/.*)"`;
const CONTAINER = CADVISOR_ECS_LABELS[2];
/** Every scraped process (each job's client library exports its start time). */
const PROCESSES = `process_start_time_seconds{job=~"${SCRAPE_JOBS.join("|")}"}`;
const CA = `job="${JOBS.cadvisor}",${CONTAINER}!=""`;
/** Aggregates of labelled counters that exist only once incremented: show 0, not "no data". */
const orZero = (e: string) => `(${e}) or vector(0)`;
const ts = (title: string, unit: string, queries: PanelQuery[], width?: number): PanelSpec => ({
    title,
    kind: "timeseries",
    unit,
    queries,
    ...(width ? { width } : {}),
});
const stat = (title: string, unit: string, queries: PanelQuery[], width = 6): PanelSpec => ({ title, kind: "stat", unit, queries, width });
const q = (expr: string, legend: string): PanelQuery => ({ expr, legend });
const quantile = (p: number, metric: string, by = "le") => `histogram_quantile(${p}, sum by (${by}) (rate(${metric}{${K}}[${R}])))`;

/** The dashboards, as data. */
export const DASHBOARDS: readonly DashboardSpec[] = [
    {
        uid: "koronet-service",
        title: "Koronet / Service overview",
        description: "The web server: traffic, latency percentiles, errors and status codes, in-flight requests.",
        rows: [
            {
                title: "Golden signals",
                panels: [
                    stat("Instances up", "none", [q(`sum(up{${K}})`, "up")]),
                    stat("Requests / s", "reqps", [q(`sum(rate(koronet_http_requests_total{${K}}[${R}]))`, "req/s")]),
                    stat("5xx error rate", "percent", [
                        q(
                            `100 * (${orZero(`sum(rate(koronet_http_requests_total{${K},status_code=~"5.."}[${R}]))`)}) / sum(rate(koronet_http_requests_total{${K}}[${R}]))`,
                            "5xx %",
                        ),
                    ]),
                    stat("In-flight requests", "none", [q(`sum(koronet_http_requests_in_flight{${K}})`, "in flight")]),
                    ts("Request rate by route", "reqps", [q(`sum by (route) (rate(koronet_http_requests_total{${K}}[${R}]))`, "{{route}}")]),
                    ts("Latency p50 / p95 / p99", "s", [
                        q(quantile(0.5, "koronet_http_request_duration_seconds_bucket"), "p50"),
                        q(quantile(0.95, "koronet_http_request_duration_seconds_bucket"), "p95"),
                        q(quantile(0.99, "koronet_http_request_duration_seconds_bucket"), "p99"),
                    ]),
                    ts("Responses by status code", "reqps", [q(`sum by (status_code) (rate(koronet_http_requests_total{${K}}[${R}]))`, "{{status_code}}")]),
                    ts("In-flight requests per instance", "none", [q(`koronet_http_requests_in_flight{${K}}`, "{{instance}}")]),
                ],
            },
        ],
    },
    {
        uid: "koronet-postgres",
        title: "Koronet / PostgreSQL",
        description: "Connections against max_connections, the app's pool, query time, slow queries and deadlocks.",
        rows: [
            {
                title: "Connections",
                panels: [
                    stat("PostgreSQL up", "none", [q(`max(pg_up{${PG}})`, "pg_up")]),
                    stat("Connections used", "percent", [q(`100 * sum(pg_stat_activity_count{${PG}}) / max(pg_settings_max_connections{${PG}})`, "used %")]),
                    ts("Connections vs max_connections", "none", [
                        q(`sum(pg_stat_activity_count{${PG}})`, "connections"),
                        q(`max(pg_settings_max_connections{${PG}})`, "max_connections"),
                    ]),
                    ts("Connections by state", "none", [q(`sum by (state) (pg_stat_activity_count{${PG}})`, "{{state}}")]),
                    ts("App connection pool", "none", [
                        q(`sum(koronet_db_pool_total_connections{${K}})`, "open"),
                        q(`sum(koronet_db_pool_idle_connections{${K}})`, "idle"),
                        q(`sum(koronet_db_pool_waiting_clients{${K}})`, "waiting"),
                        q(`sum(koronet_db_pool_max_connections{${K}})`, "max"),
                    ]),
                    ts("Connection errors / s", "ops", [q(`sum(rate(koronet_db_connection_errors_total{${K}}[${R}]))`, "errors/s")]),
                ],
            },
            {
                title: "Queries",
                panels: [
                    ts("Query time p95 by operation (app)", "s", [
                        q(quantile(0.95, "koronet_db_query_duration_seconds_bucket", "le, operation"), "{{operation}}"),
                    ]),
                    ts("Mean statement execution time (pg_stat_statements)", "s", [
                        q(`sum(rate(${CUSTOM_METRICS.execTime}{${PG}}[${R}])) / sum(rate(${CUSTOM_METRICS.calls}{${PG}}[${R}]))`, "mean"),
                    ]),
                    ts("Slow queries", "none", [
                        q(orZero(`sum(rate(koronet_db_slow_queries_total{${K}}[${R}]))`), "slow queries/s (app)"),
                        // Statements whose mean over the rate window exceeds SLOW_MEAN_MS, and how often they ran.
                        q(
                            orZero(
                                `count((rate(${CUSTOM_METRICS.statementExecTime}{${PG}}[${R}]) / rate(${CUSTOM_METRICS.statementCalls}{${PG}}[${R}])) > ${SLOW_MEAN_MS / 1000})`,
                            ),
                            "slow statements (mean > 500 ms, pg_stat_statements)",
                        ),
                        q(
                            orZero(
                                `sum(rate(${CUSTOM_METRICS.statementCalls}{${PG}}[${R}]) and on(datname, queryid) (rate(${CUSTOM_METRICS.statementExecTime}{${PG}}[${R}]) / rate(${CUSTOM_METRICS.statementCalls}{${PG}}[${R}])) > ${SLOW_MEAN_MS / 1000})`,
                            ),
                            "slow statement calls/s",
                        ),
                    ]),
                    ts("Deadlocks", "none", [q(`sum(increase(pg_stat_database_deadlocks{${PG},datname!=""}[${R}]))`, "deadlocks")]),
                    ts("Longest transaction", "s", [q(`max(pg_stat_activity_max_tx_duration{${PG}})`, "max tx duration")]),
                    ts("Database size", "bytes", [q(`sum by (datname) (pg_database_size_bytes{${PG}})`, "{{datname}}")]),
                ],
            },
        ],
    },
    {
        uid: "koronet-redis",
        title: "Koronet / Redis",
        description: "Cache hit ratio, memory, clients and evictions.",
        rows: [
            {
                title: "Cache",
                panels: [
                    stat("Redis up", "none", [q(`max(redis_up{${RD}})`, "redis_up")]),
                    stat("Keyspace hit ratio", "percent", [
                        q(
                            `100 * sum(rate(redis_keyspace_hits_total{${RD}}[${R}])) / (sum(rate(redis_keyspace_hits_total{${RD}}[${R}])) + sum(rate(redis_keyspace_misses_total{${RD}}[${R}])))`,
                            "hit %",
                        ),
                    ]),
                    ts("App cache hits vs misses", "ops", [
                        q(orZero(`sum(rate(koronet_cache_hits_total{${K}}[${R}]))`), "hits/s"),
                        q(orZero(`sum(rate(koronet_cache_misses_total{${K}}[${R}]))`), "misses/s"),
                    ]),
                    ts("Memory", "bytes", [
                        q(`sum(redis_memory_used_bytes{${RD}})`, "used"),
                        q(`max(redis_memory_max_bytes{${RD}})`, "maxmemory (0 = unlimited)"),
                    ]),
                    ts("Clients", "none", [
                        q(`sum(redis_connected_clients{${RD}})`, "connected"),
                        q(`sum(rate(redis_rejected_connections_total{${RD}}[${R}]))`, "rejected/s"),
                    ]),
                    ts("Evictions and expirations", "ops", [
                        q(`sum(rate(redis_evicted_keys_total{${RD}}[${R}]))`, "evicted/s"),
                        q(`sum(rate(redis_expired_keys_total{${RD}}[${R}]))`, "expired/s"),
                    ]),
                ],
            },
        ],
    },
    {
        uid: "koronet-hosts",
        title: "Koronet / Hosts",
        description: "Container instances (node_exporter): CPU, memory, disk space and I/O, network.",
        rows: [
            {
                title: "Hosts",
                panels: [
                    ts("CPU used", "percent", [q(`100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{${N},mode="idle"}[${R}])))`, "{{instance}}")]),
                    ts("Memory used", "percent", [q(`100 * (1 - node_memory_MemAvailable_bytes{${N}} / node_memory_MemTotal_bytes{${N}})`, "{{instance}}")]),
                    ts("Disk space free", "percent", [
                        q(`100 * node_filesystem_avail_bytes{${NODE_FS}} / node_filesystem_size_bytes{${NODE_FS}}`, "{{instance}} {{mountpoint}}"),
                    ]),
                    ts("Disk I/O", "Bps", [
                        q(`sum by (instance) (rate(node_disk_read_bytes_total{${N}}[${R}]))`, "{{instance}} read"),
                        q(`sum by (instance) (rate(node_disk_written_bytes_total{${N}}[${R}]))`, "{{instance}} written"),
                    ]),
                    ts("Network", "Bps", [
                        q(`sum by (instance) (rate(node_network_receive_bytes_total{${N},device!="lo"}[${R}]))`, "{{instance}} in"),
                        q(`sum by (instance) (rate(node_network_transmit_bytes_total{${N},device!="lo"}[${R}]))`, "{{instance}} out"),
                    ]),
                ],
            },
        ],
    },
    {
        uid: "koronet-containers",
        title: "Koronet / Containers",
        description:
            "ECS containers (cAdvisor): CPU, memory, restarts. cAdvisor has no restart counter: restarts are changes of a container's start time, and the web server's own process_start_time_seconds.",
        rows: [
            {
                title: "Containers",
                panels: [
                    ts("CPU (cores)", "none", [q(`sum by (${CONTAINER}) (rate(container_cpu_usage_seconds_total{${CA}}[${R}]))`, `{{${CONTAINER}}}`)]),
                    ts("Memory working set", "bytes", [q(`sum by (${CONTAINER}) (container_memory_working_set_bytes{${CA}})`, `{{${CONTAINER}}}`)]),
                    ts("Memory vs limit", "percent", [
                        q(
                            `100 * sum by (${CONTAINER}) (container_memory_working_set_bytes{${CA}}) / sum by (${CONTAINER}) (container_spec_memory_limit_bytes{${CA}} > 0)`,
                            `{{${CONTAINER}}}`,
                        ),
                    ]),
                    // ECS replaces tasks rather than restarting containers: a restart is a scraped process
                    // that started and is gone (a replaced task), or a changed start time (in place).
                    ts("Restarts by job (1h)", "none", [
                        q(
                            `sum by (job) (changes(${PROCESSES}[1h])) + (count by (job) ((max_over_time(${PROCESSES}[1h]) > (time() - 3600)) unless ${PROCESSES}) or sum by (job) (changes(${PROCESSES}[1h])) * 0)`,
                            "{{job}}",
                        ),
                    ]),
                ],
            },
        ],
    },
    {
        uid: "koronet-business",
        title: "Koronet / Business",
        description: "Active sessions and API endpoint usage.",
        rows: [
            {
                title: "Usage",
                panels: [
                    stat("Active sessions", "none", [q(`max(koronet_active_sessions{${K}})`, "sessions")]),
                    ts("Active sessions", "none", [q(`max(koronet_active_sessions{${K}})`, "sessions")], 18),
                    ts("API endpoint calls / s", "ops", [q(`sum by (endpoint) (rate(koronet_api_endpoint_calls_total{${K}}[${R}]))`, "{{endpoint}}")], 24),
                ],
            },
        ],
    },
];

/** Builds one dashboard's JSON with the SDK. */
function buildDashboard(spec: DashboardSpec): Record<string, unknown> {
    const ds = { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID };
    const b = new DashboardBuilder(spec.title)
        .uid(spec.uid)
        .description(spec.description)
        .tags(["koronet", "generated"])
        .editable()
        .tooltip(DashboardCursorSync.Crosshair)
        .refresh("30s")
        .time({ from: "now-3h", to: "now" })
        .timezone("browser");
    for (const row of spec.rows) {
        b.withRow(new RowBuilder(row.title));
        for (const p of row.panels) {
            const panel = p.kind === "stat" ? new StatPanel() : new TimeseriesPanel();
            panel
                .title(p.title)
                .unit(p.unit)
                .datasource(ds)
                .span(p.width ?? 12)
                .height(p.kind === "stat" ? 4 : 8);
            p.queries.forEach((query, i) => {
                panel.withTarget(
                    new DataqueryBuilder()
                        .datasource(ds)
                        .expr(query.expr)
                        .legendFormat(query.legend)
                        .refId(String.fromCharCode(65 + i)),
                );
            });
            b.withPanel(panel);
        }
    }
    return b.build() as unknown as Record<string, unknown>;
}

/** Every dashboard's JSON, by uid. */
export function buildDashboards(): Record<string, Record<string, unknown>> {
    return Object.fromEntries(DASHBOARDS.map((d) => [d.uid, buildDashboard(d)]));
}

/** One query of one panel, ready to run against Prometheus. */
export interface DashboardPanelQuery {
    readonly dashboard: string;
    readonly dashboardUid: string;
    readonly panel: string;
    readonly legend: string;
    /** PromQL with `$__rate_interval` replaced by `rateInterval`. */
    readonly expr: string;
    /** `job` labels the query reads (`cadvisor` queries cannot return data without cAdvisor). */
    readonly jobs: readonly string[];
}

/**
 * Every panel query of every dashboard. `rateInterval` replaces Grafana's `$__rate_interval`
 * (use at least 4 scrape intervals). @default "1m"
 */
export function dashboardPanelQueries(options: { readonly rateInterval?: string } = {}): DashboardPanelQuery[] {
    const w = options.rateInterval ?? "1m";
    return DASHBOARDS.flatMap((d) =>
        d.rows.flatMap((r) =>
            r.panels.flatMap((p) =>
                p.queries.map((query) => ({
                    dashboard: d.title,
                    dashboardUid: d.uid,
                    panel: p.title,
                    legend: query.legend,
                    expr: query.expr.split(RATE_INTERVAL).join(w),
                    jobs: [...new Set([...query.expr.matchAll(/job=~?"([^"]+)"/g)].flatMap((m) => (m[1] as string).split("|")))],
                })),
            ),
        ),
    );
}
