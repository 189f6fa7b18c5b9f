/**
 * Every Grafana panel query, run against the live Prometheus of the pipeline. Panels on cAdvisor's
 * `container_*` metrics cannot return data here (no cAdvisor in Debian, no containers): their metric
 * names are checked against cAdvisor's documented list instead.
 */
import { dashboardPanelQueries, type DashboardPanelQuery } from "../components/monitoring/grafana/dashboards";
import type { Pipeline } from "./pipeline";
import { sleep } from "./services";

/**
 * Container metrics cAdvisor documents (google/cadvisor docs/storage/prometheus.md, "Prometheus
 * container metrics"). cAdvisor has no restart counter.
 */
export const CADVISOR_CONTAINER_METRICS: ReadonlySet<string> = new Set([
    "container_accelerator_duty_cycle",
    "container_accelerator_memory_total_bytes",
    "container_accelerator_memory_used_bytes",
    "container_cpu_cfs_periods_total",
    "container_cpu_cfs_throttled_periods_total",
    "container_cpu_cfs_throttled_seconds_total",
    "container_cpu_load_average_10s",
    "container_cpu_schedstat_run_periods_total",
    "container_cpu_schedstat_run_seconds_total",
    "container_cpu_schedstat_runqueue_seconds_total",
    "container_cpu_system_seconds_total",
    "container_cpu_usage_seconds_total",
    "container_cpu_user_seconds_total",
    "container_file_descriptors",
    "container_fs_inodes_free",
    "container_fs_inodes_total",
    "container_fs_io_current",
    "container_fs_io_time_seconds_total",
    "container_fs_io_time_weighted_seconds_total",
    "container_fs_limit_bytes",
    "container_fs_reads_bytes_total",
    "container_fs_reads_total",
    "container_fs_read_seconds_total",
    "container_fs_reads_merged_total",
    "container_fs_sector_reads_total",
    "container_fs_sector_writes_total",
    "container_fs_usage_bytes",
    "container_fs_write_seconds_total",
    "container_fs_writes_bytes_total",
    "container_fs_writes_merged_total",
    "container_fs_writes_total",
    "container_hugetlb_failcnt",
    "container_hugetlb_max_usage_bytes",
    "container_hugetlb_usage_bytes",
    "container_last_seen",
    "container_llc_occupancy_bytes",
    "container_memory_bandwidth_bytes",
    "container_memory_bandwidth_local_bytes",
    "container_memory_cache",
    "container_memory_failcnt",
    "container_memory_failures_total",
    "container_memory_mapped_file",
    "container_memory_max_usage_bytes",
    "container_memory_numa_pages",
    "container_memory_rss",
    "container_memory_swap",
    "container_memory_usage_bytes",
    "container_memory_working_set_bytes",
    "container_network_receive_bytes_total",
    "container_network_receive_errors_total",
    "container_network_receive_packets_dropped_total",
    "container_network_receive_packets_total",
    "container_network_tcp6_usage_total",
    "container_network_tcp_usage_total",
    "container_network_transmit_bytes_total",
    "container_network_transmit_errors_total",
    "container_network_transmit_packets_dropped_total",
    "container_network_transmit_packets_total",
    "container_network_udp6_usage_total",
    "container_network_udp_usage_total",
    "container_processes",
    "container_referenced_bytes",
    "container_spec_cpu_period",
    "container_spec_cpu_quota",
    "container_spec_cpu_shares",
    "container_spec_memory_limit_bytes",
    "container_spec_memory_reservation_limit_bytes",
    "container_spec_memory_swap_limit_bytes",
    "container_start_time_seconds",
    "container_tasks_state",
]);

export interface PanelQueryResult {
    readonly query: DashboardPanelQuery;
    /** `data`: returned series; `documented`: cAdvisor names checked; anything else is a failure. */
    readonly outcome: "data" | "documented" | "no data" | "undocumented" | "error";
    readonly detail: string;
}

/** Metric names a PromQL expression reads (identifiers before `{` that are not functions or recording rules). */
export function metricNames(expr: string): string[] {
    return [...new Set([...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1] as string))];
}

/**
 * Run every panel query (rate window `rateInterval`, ≥ 4 scrape intervals). Queries without data
 * are retried until `settleMs` has passed: right after a fault is healed, a restarted exporter's
 * counters need two scrapes before `rate()` has anything to say.
 */
export async function checkPanelQueries(p: Pipeline, rateInterval = "1m", settleMs = 30_000): Promise<PanelQueryResult[]> {
    const deadline = Date.now() + settleMs;
    let results = await checkOnce(p, dashboardPanelQueries({ rateInterval }));
    while (results.some((r) => r.outcome === "no data") && Date.now() < deadline) {
        await sleep(1_000);
        const retried = await checkOnce(p, results.filter((r) => r.outcome === "no data").map((r) => r.query));
        results = results.map((r) => (r.outcome === "no data" ? (retried.shift() as PanelQueryResult) : r));
    }
    return results;
}

async function checkOnce(p: Pipeline, queries: readonly DashboardPanelQuery[]): Promise<PanelQueryResult[]> {
    const results: PanelQueryResult[] = [];
    for (const query of queries) {
        if (query.jobs.includes("cadvisor")) {
            const names = metricNames(query.expr).filter((n) => n.startsWith("container_"));
            const unknown = names.filter((n) => !CADVISOR_CONTAINER_METRICS.has(n));
            results.push({
                query,
                outcome: names.length > 0 && unknown.length === 0 ? "documented" : "undocumented",
                detail: unknown.length > 0 ? `not in cAdvisor's documented metrics: ${unknown.join(", ")}` : names.join(", "),
            });
            continue;
        }
        try {
            const samples = await p.prometheus.query(query.expr);
            results.push({ query, outcome: samples.length > 0 ? "data" : "no data", detail: `${samples.length} series` });
        } catch (err) {
            results.push({ query, outcome: "error", detail: (err as Error).message });
        }
    }
    return results;
}
