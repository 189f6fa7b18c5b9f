/**
 * The container metrics cAdvisor documents for the pinned version, each with the metric kind that
 * switches it on (`--enable_metrics` / `--disable_metrics` option; "always" when none): the table
 * "Prometheus container metrics" of google/cadvisor docs/storage/prometheus.md at the pinned tag.
 * cAdvisor has no Debian package and cannot run here, so rules and dashboards are checked against
 * this list (test/monitoring/cadvisor.test.ts, e2e/dashboards.ts). Bump it with the image.
 */
export const CADVISOR_DOCUMENTED_VERSION = "0.60.5";
export const CADVISOR_CONTAINER_METRIC_KINDS: Readonly<Record<string, string>> = {
    container_blkio_device_usage_total: "diskIO",
    container_cpu_cfs_periods_total: "cpu",
    container_cpu_cfs_throttled_periods_total: "cpu",
    container_cpu_cfs_throttled_seconds_total: "cpu",
    container_cpu_load_average_10s: "cpuLoad",
    container_cpu_schedstat_run_periods_total: "sched",
    container_cpu_schedstat_runqueue_seconds_total: "sched",
    container_cpu_schedstat_run_seconds_total: "sched",
    container_cpu_system_seconds_total: "cpu",
    container_cpu_usage_seconds_total: "cpu",
    container_cpu_user_seconds_total: "cpu",
    container_file_descriptors: "process",
    container_fs_inodes_free: "disk",
    container_fs_inodes_total: "disk",
    container_fs_io_current: "diskIO",
    container_fs_io_time_seconds_total: "diskIO",
    container_fs_io_time_weighted_seconds_total: "diskIO",
    container_fs_limit_bytes: "disk",
    container_fs_reads_bytes_total: "diskIO",
    container_fs_read_seconds_total: "diskIO",
    container_fs_reads_merged_total: "diskIO",
    container_fs_reads_total: "diskIO",
    container_fs_sector_reads_total: "diskIO",
    container_fs_sector_writes_total: "diskIO",
    container_fs_usage_bytes: "disk",
    container_fs_writes_bytes_total: "diskIO",
    container_fs_write_seconds_total: "diskIO",
    container_fs_writes_merged_total: "diskIO",
    container_fs_writes_total: "diskIO",
    container_health_state: "always",
    container_hugetlb_failcnt: "hugetlb",
    container_hugetlb_max_usage_bytes: "hugetlb",
    container_hugetlb_usage_bytes: "hugetlb",
    container_last_seen: "always",
    container_llc_occupancy_bytes: "resctrl",
    container_memory_bandwidth_bytes: "resctrl",
    container_memory_bandwidth_local_bytes: "resctrl",
    container_memory_cache: "memory",
    container_memory_failcnt: "memory",
    container_memory_failures_total: "memory",
    container_memory_file_dirty_bytes: "memory",
    container_memory_file_writeback_bytes: "memory",
    container_memory_mapped_file: "memory",
    container_memory_max_usage_bytes: "memory",
    container_memory_migrate: "cpuset",
    container_memory_numa_pages: "memory_numa",
    container_memory_pgscan_total: "memory",
    container_memory_pgsteal_total: "memory",
    container_memory_rss: "memory",
    container_memory_swap: "memory",
    container_memory_usage_bytes: "memory",
    container_memory_working_set_bytes: "memory",
    container_memory_workingset_refault_anon_total: "memory",
    container_memory_workingset_refault_file_total: "memory",
    container_network_advance_tcp_stats_total: "advtcp",
    container_network_receive_bytes_total: "network",
    container_network_receive_errors_total: "network",
    container_network_receive_packets_dropped_total: "network",
    container_network_receive_packets_total: "network",
    container_network_tcp6_usage_total: "tcp",
    container_network_tcp_usage_total: "tcp",
    container_network_transmit_bytes_total: "network",
    container_network_transmit_errors_total: "network",
    container_network_transmit_packets_dropped_total: "network",
    container_network_transmit_packets_total: "network",
    container_network_udp6_usage_total: "udp",
    container_network_udp_usage_total: "udp",
    container_oom_events_total: "oom_event",
    container_perf_events_scaling_ratio: "perf_event",
    container_perf_events_total: "perf_event",
    container_perf_uncore_events_scaling_ratio: "perf_event",
    container_perf_uncore_events_total: "perf_event",
    container_processes: "process",
    container_referenced_bytes: "referenced_memory",
    container_sockets: "process",
    container_spec_cpu_period: "always",
    container_spec_cpu_quota: "always",
    container_spec_cpu_shares: "always",
    container_spec_memory_limit_bytes: "always",
    container_spec_memory_reservation_limit_bytes: "always",
    container_spec_memory_swap_limit_bytes: "always",
    container_start_time_seconds: "always",
    container_tasks_state: "cpuLoad",
    container_threads: "process",
    container_threads_max: "process",
    container_ulimits_soft: "process",
};

/**
 * Why cAdvisor would not export `name` with the metric kinds `enabled` (`--enable_metrics`), or
 * undefined when it does.
 */
export function cadvisorMetricProblem(name: string, enabled: readonly string[]): string | undefined {
    const kind = CADVISOR_CONTAINER_METRIC_KINDS[name];
    if (kind === undefined) return `${name} is not a documented cAdvisor ${CADVISOR_DOCUMENTED_VERSION} container metric`;
    if (kind !== "always" && !enabled.includes(kind)) return `${name} needs metric kind "${kind}", not in --enable_metrics=${enabled.join(",")}`;
    return undefined;
}
