/** Dashboards: built with the SDK, every query on metric names the app and pinned exporters expose. */
import { strict as assert } from "node:assert";
import { buildDashboards, dashboardPanelQueries, DASHBOARDS } from "../../components/monitoring/grafana/dashboards";
import { CUSTOM_METRICS } from "../../components/monitoring/postgres-exporter/queries";

/** Metric names the sources expose (docs/CONTRACTS.md; node_exporter 1.5, redis_exporter 1.45, postgres_exporter 0.11 + our queries, cAdvisor's documented list). */
const KNOWN = new Set([
    "up",
    "process_start_time_seconds",
    "koronet_http_requests_total",
    "koronet_http_request_duration_seconds_bucket",
    "koronet_http_requests_in_flight",
    "koronet_db_pool_max_connections",
    "koronet_db_pool_total_connections",
    "koronet_db_pool_idle_connections",
    "koronet_db_pool_waiting_clients",
    "koronet_db_connection_errors_total",
    "koronet_db_query_duration_seconds_bucket",
    "koronet_db_slow_queries_total",
    "koronet_cache_hits_total",
    "koronet_cache_misses_total",
    "koronet_active_sessions",
    "koronet_api_endpoint_calls_total",
    "node_cpu_seconds_total",
    "node_memory_MemAvailable_bytes",
    "node_memory_MemTotal_bytes",
    "node_filesystem_avail_bytes",
    "node_filesystem_size_bytes",
    "node_disk_read_bytes_total",
    "node_disk_written_bytes_total",
    "node_network_receive_bytes_total",
    "node_network_transmit_bytes_total",
    "redis_up",
    "redis_keyspace_hits_total",
    "redis_keyspace_misses_total",
    "redis_memory_used_bytes",
    "redis_memory_max_bytes",
    "redis_connected_clients",
    "redis_rejected_connections_total",
    "redis_evicted_keys_total",
    "redis_expired_keys_total",
    "pg_up",
    "pg_stat_activity_count",
    "pg_settings_max_connections",
    "pg_stat_activity_max_tx_duration",
    "pg_stat_database_deadlocks",
    "pg_database_size_bytes",
    ...Object.values(CUSTOM_METRICS),
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
    "container_spec_memory_limit_bytes",
    "container_start_time_seconds",
]);
const FUNCTIONS = new Set([
    "sum",
    "by",
    "rate",
    "increase",
    "changes",
    "max",
    "avg",
    "histogram_quantile",
    "or",
    "vector",
    "and",
    "on",
    "count",
    "max_over_time",
    "time",
    "unless",
]);

describe("Grafana dashboards", () => {
    it("has the six dashboards of the architecture", () => {
        assert.deepEqual(
            DASHBOARDS.map((d) => d.uid),
            ["koronet-service", "koronet-postgres", "koronet-redis", "koronet-hosts", "koronet-containers", "koronet-business"],
        );
    });

    it("builds valid dashboard JSON with the SDK, every panel on the provisioned Prometheus", () => {
        for (const [uid, d] of Object.entries(buildDashboards())) {
            assert.equal(d.uid, uid);
            const panels = (d.panels as { type: string; targets?: { expr: string; datasource: { uid: string } }[] }[]).filter((p) => p.type !== "row");
            assert.ok(panels.length >= 3, uid);
            for (const p of panels) {
                assert.ok((p.targets ?? []).length > 0, `${uid}: ${p.type} has queries`);
                for (const t of p.targets ?? []) assert.equal(t.datasource.uid, "prometheus");
            }
        }
    });

    it("queries only metric names the app and the pinned exporters expose", () => {
        for (const q of dashboardPanelQueries()) {
            const names = [
                ...q.expr
                    .replace(/\{[^}]*\}/g, "")
                    .replace(/\[[^\]]*\]/g, "")
                    .matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g),
            ].map((m) => m[0]);
            for (const n of names) {
                if (
                    FUNCTIONS.has(n) ||
                    /^(le|operation|route|status_code|state|datname|queryid|job|instance|endpoint|container_label_com_amazonaws_ecs_container_name)$/.test(n)
                )
                    continue;
                assert.ok(KNOWN.has(n), `${q.dashboard} / ${q.panel}: unknown metric ${n} in ${q.expr}`);
            }
        }
    });

    it("lists every panel query with a fixed rate window and the jobs it reads", () => {
        const all = dashboardPanelQueries({ rateInterval: "30s" });
        const panels = DASHBOARDS.flatMap((d) => d.rows.flatMap((r) => r.panels.flatMap((p) => p.queries)));
        assert.equal(all.length, panels.length);
        for (const q of all) {
            assert.doesNotMatch(q.expr, /\$__/);
            assert.ok(q.jobs.length > 0, `${q.panel} names its job`);
        }
        assert.ok(all.some((q) => q.jobs.includes("cadvisor")));
        assert.ok(all.find((q) => q.panel === "Latency p50 / p95 / p99")?.expr.includes("[30s]"));
    });
});
