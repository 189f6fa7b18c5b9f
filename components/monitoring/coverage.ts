/**
 * What the architecture promises to measure, and where each promise is kept: the source metrics on
 * each path, the resources they cover, and what is not covered with the reason. `npm run
 * docs:coverage` (scripts/coverage-docs.ts) turns this, the alert catalog and the stacks' plans
 * into docs/coverage.md, and refuses to write a row whose metric no dashboard, rule or alarm of a
 * stack reads — so a promise cannot outlive the code that keeps it.
 *
 * Pure data.
 */
import { APP_METRIC_NAMESPACE } from "../contracts";

export interface CoverageItem {
    /** The architecture's words (README, "What you get"; issue 13). */
    readonly what: string;
    /**
     * Prometheus metric names carrying it. Each must appear in a Grafana panel query or a rule of
     * the stack (recording rules resolved), or the generator fails.
     */
    readonly prometheus?: readonly string[];
    /**
     * CloudWatch metrics carrying it, as `Namespace MetricName`. Each must appear in the stack's
     * CloudWatch dashboard or one of its alarms, or the generator fails.
     */
    readonly cloudwatch?: readonly string[];
    /** Which resources are covered (hosts, which tasks, managed stores). */
    readonly resources: string;
    /** What is not covered, and why. */
    readonly gaps?: string;
}

export const ARCHITECTURE_METRICS: readonly CoverageItem[] = [
    {
        what: "Request rate",
        prometheus: ["koronet_http_requests_total"],
        cloudwatch: ["AWS/ApplicationELB RequestCount"],
        resources:
            "every web task (Prometheus, per route; probes are counted apart in koronet_http_probe_requests_total and scrapes go to the metrics port); the web load balancer (CloudWatch)",
    },
    {
        what: "Response time",
        prometheus: ["koronet_http_request_duration_seconds_bucket"],
        cloudwatch: ["AWS/ApplicationELB TargetResponseTime"],
        resources: "every web task (p50/p95/p99 per route); the web target group",
    },
    {
        what: "Errors and status codes",
        prometheus: ["koronet_http_requests_total"],
        cloudwatch: [
            "AWS/ApplicationELB HTTPCode_Target_5XX_Count",
            "AWS/ApplicationELB HTTPCode_ELB_5XX_Count",
            "AWS/ApplicationELB HTTPCode_Target_4XX_Count",
        ],
        resources: "every web task (status_code label); the web load balancer (Grafana has its own, so its 5xx are not counted)",
    },
    {
        what: "Database connection pool",
        prometheus: [
            "koronet_db_pool_total_connections",
            "koronet_db_pool_idle_connections",
            "koronet_db_pool_waiting_clients",
            "koronet_db_pool_max_connections",
        ],
        cloudwatch: [`${APP_METRIC_NAMESPACE} koronet_db_pool_total_connections`, `${APP_METRIC_NAMESPACE} koronet_db_pool_waiting_clients`],
        resources: "every web task",
    },
    {
        what: "Database connections and connection failures",
        prometheus: ["pg_stat_activity_count", "pg_settings_max_connections", "koronet_db_connection_errors_total"],
        cloudwatch: ["AWS/RDS DatabaseConnections", `${APP_METRIC_NAMESPACE} koronet_db_connection_errors_total`],
        resources:
            "PostgreSQL (ECS task in dev, RDS in prod); the app's failures by reason (auth, too_many_connections, timeout, refused, network, tls, lost), from start-up on",
        gaps: "CloudWatch has no PostgreSQL liveness of its own in dev (no RDS): the app's failure counter stands in, and it needs the app to try (requests, or start-up migrations).",
    },
    {
        what: "Query performance",
        prometheus: ["koronet_db_query_duration_seconds_bucket", "pg_stat_statements_calls_total", "pg_stat_statements_exec_time_seconds_total"],
        cloudwatch: ["AWS/RDS ReadLatency", "AWS/RDS WriteLatency"],
        resources: "every web task (per operation); the database's statements (pg_stat_statements); RDS I/O latency (prod)",
        gaps: "No CloudWatch query timing in dev (no RDS); the app's query histogram is not published to CloudWatch (a histogram per operation would be 13 billed metrics per operation).",
    },
    {
        what: "Slow queries",
        prometheus: ["koronet_db_slow_queries_total", "pg_stat_statements_by_query_calls_total", "pg_stat_statements_by_query_exec_time_seconds_total"],
        cloudwatch: [`${APP_METRIC_NAMESPACE} koronet_db_slow_queries_total`],
        resources: "every web task (queries over SLOW_QUERY_MS, per operation); per statement, the mean over the rate window (top 100 statements by time)",
        gaps: "No alert: slow queries show as HighResponseTime when users feel them.",
    },
    {
        what: "Redis cache hit/miss",
        prometheus: ["koronet_cache_hits_total", "koronet_cache_misses_total", "redis_keyspace_hits_total", "redis_keyspace_misses_total"],
        cloudwatch: [
            `${APP_METRIC_NAMESPACE} koronet_cache_hits_total`,
            `${APP_METRIC_NAMESPACE} koronet_cache_misses_total`,
            "AWS/ElastiCache CacheHits",
            "AWS/ElastiCache CacheMisses",
        ],
        resources: "the app's read-through cache; Redis itself (every key look-up, sessions included); ElastiCache per node (prod)",
    },
    {
        what: "Redis memory",
        prometheus: ["redis_memory_used_bytes", "redis_memory_max_bytes"],
        cloudwatch: ["AWS/ElastiCache DatabaseMemoryUsagePercentage", "AWS/ECS MemoryUtilization"],
        resources: "Redis (exporter); ElastiCache nodes (prod); the Redis task against its task memory (dev)",
        gaps: "No Prometheus alert on used/maxmemory: Redis evicts at maxmemory (allkeys-lru), so a warm cache sits near 100 % by design.",
    },
    {
        what: "Redis connections",
        prometheus: ["redis_connected_clients", "redis_rejected_connections_total"],
        cloudwatch: ["AWS/ElastiCache CurrConnections", `${APP_METRIC_NAMESPACE} koronet_redis_connected`],
        resources: "Redis (exporter); ElastiCache nodes (prod); each web task's own client",
    },
    {
        what: "CPU",
        prometheus: ["node_cpu_seconds_total", "container_cpu_usage_seconds_total"],
        cloudwatch: ["AWS/ECS CPUUtilization", "AWS/RDS CPUUtilization", "AWS/ElastiCache EngineCPUUtilization"],
        resources: "EC2 hosts (node exporter); EC2 containers (cAdvisor); the web service and dev's data-store tasks (AWS/ECS); RDS; ElastiCache engine",
        gaps: "The CPU alert covers hosts, the web service and the managed stores; other Fargate services' CPU is on dashboards only (a busy exporter or Grafana does not hurt users).",
    },
    {
        what: "Memory",
        prometheus: ["node_memory_MemAvailable_bytes", "container_memory_working_set_bytes", "container_spec_memory_limit_bytes"],
        cloudwatch: ["AWS/ECS MemoryUtilization", "AWS/RDS FreeableMemory", "AWS/ElastiCache DatabaseMemoryUsagePercentage"],
        resources:
            "EC2 hosts; EC2 containers against their hard limit (the limits fill the task memory); the fullest task of every ECS service (Fargate and EC2); RDS; ElastiCache nodes",
        gaps: "Fargate tasks are invisible to cAdvisor: their memory is on the CloudWatch path only.",
    },
    {
        what: "Disk I/O",
        prometheus: ["node_disk_read_bytes_total", "node_disk_written_bytes_total"],
        cloudwatch: ["AWS/RDS ReadLatency", "AWS/RDS WriteLatency"],
        resources: "EC2 hosts (node exporter); RDS latency (prod)",
        gaps: "No alert: I/O saturation shows as latency (HighResponseTime). Fargate task I/O is not collected (Container Insights StorageRead/WriteBytes exist but are not on the dashboard).",
    },
    {
        what: "Disk space",
        prometheus: ["node_filesystem_avail_bytes", "node_filesystem_size_bytes"],
        cloudwatch: ["ECS/ContainerInsights EphemeralStorageUtilized", "AWS/RDS FreeStorageSpace"],
        resources:
            "the EC2 hosts' root volume (node exporter in the host PID namespace); the web tasks' Fargate ephemeral storage; RDS free bytes below a floor autoscaling keeps",
        gaps: "Other Fargate services' ephemeral storage (Grafana, exporters, Alertmanager) is not alarmed: they write nothing that grows. dev's PostgreSQL lives on EFS, which does not fill.",
    },
    {
        what: "Network",
        prometheus: ["node_network_receive_bytes_total", "node_network_transmit_bytes_total"],
        resources: "EC2 hosts (node exporter)",
        gaps: "No CloudWatch network metric on the dashboard and no alert: network faults show as TargetDown, 5xx or latency. Fargate task network is not collected.",
    },
    {
        what: "Container health",
        prometheus: ["up"],
        cloudwatch: ["ECS/ContainerInsights RunningTaskCount", "ECS/ContainerInsights DesiredTaskCount", "AWS/ApplicationELB HealthyHostCount"],
        resources: "every scraped target; every ECS service's running vs desired tasks (DAEMON services: per instance); the web target group's healthy targets",
    },
    {
        what: "Container restarts",
        prometheus: ["process_start_time_seconds"],
        cloudwatch: ["Koronet/ECS CrashedTasks", "Koronet/ECS OomKilledTasks", "Koronet/ECS StoppedTasks"],
        resources: "every ECS service, from ECS task state change events (stop code, OOM); every scraped process (Prometheus)",
        gaps: "A task that crashes before its first scrape is seen by CloudWatch only. cAdvisor's container start times are not used: ECS replaces tasks rather than restarting containers.",
    },
    {
        what: "Active sessions",
        prometheus: ["koronet_active_sessions"],
        cloudwatch: [`${APP_METRIC_NAMESPACE} koronet_active_sessions`],
        resources: "sessions alive in Redis (one figure for all web tasks)",
        gaps: "No alert (a business figure, not a fault).",
    },
    {
        what: "API endpoint usage",
        prometheus: ["koronet_api_endpoint_calls_total"],
        cloudwatch: [`${APP_METRIC_NAMESPACE} koronet_api_endpoint_calls_total`],
        resources: "every web task, per endpoint (Prometheus); all endpoints summed (CloudWatch: the endpoint label is not a dimension)",
        gaps: "No alert (a business figure); UnusualTraffic watches the total request rate.",
    },
];
