/**
 * The stack's CloudWatch dashboard: the Grafana headline figures from CloudWatch's own metrics
 * (AWS/ApplicationELB, AWS/ECS, ECS/ContainerInsights, AWS/RDS, AWS/ElastiCache) and the app's
 * custom metrics (`Koronet/App`, docs/CONTRACTS.md). It works when the self-hosted Prometheus and
 * Grafana do not, which is the point of having it.
 *
 * Pure: plain values in, the dashboard body (JSON object) out. `npm run render` renders it with
 * symbolic placeholders (`{{clusterName}}`) since resource names exist only after deployment.
 */
import { TASK_EVENT_METRICS } from "../../alerting/catalog";
import { APP_METRIC_NAMESPACE as APP } from "../../contracts";

export type CloudWatchDataStores =
    | { readonly mode: "ecs"; readonly postgresServiceName: string; readonly redisServiceName: string }
    | {
          readonly mode: "managed";
          readonly rdsInstanceId: string;
          readonly replicationGroupId: string;
          /**
           * The replication group's member clusters (`<group>-001`, …): ElastiCache publishes per node
           * (dimension `CacheClusterId`), and a SEARCH on `CacheClusterId="<group>"` exact-matches the
           * group id, which no node has.
           */
          readonly cacheClusterIds: readonly string[];
      };

export interface CloudWatchDashboardInput {
    readonly region: string;
    readonly clusterName: string;
    /** ECS service of the web server. */
    readonly serviceName: string;
    /** `app/<name>/<id>` */
    readonly loadBalancerArnSuffix: string;
    /** `targetgroup/<name>/<id>` */
    readonly targetGroupArnSuffix: string;
    readonly dataStores: CloudWatchDataStores;
    /** ECS services of the monitoring layer (Prometheus, Grafana), for their running-task counts. */
    readonly monitoringServiceNames: readonly string[];
}

type Metric = (string | Record<string, unknown>)[];

interface Widget {
    type: "metric" | "text";
    x: number;
    y: number;
    width: number;
    height: number;
    properties: Record<string, unknown>;
}

const PERIOD = 60;

/**
 * The `AWS/RDS` instance-level metrics an RDS (not Aurora) DB instance publishes
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html#rds-cw-metrics-instance).
 * Aurora's list (`Deadlocks`, `Queries`, `BufferCacheHitRatio`, …) is a different page: a widget on
 * one of those stays empty on RDS for PostgreSQL.
 */
export const RDS_INSTANCE_METRICS: ReadonlySet<string> = new Set([
    "BinLogDiskUsage",
    "BurstBalance",
    "CheckpointLag",
    "ConnectionAttempts",
    "CPUUtilization",
    "CPUCreditUsage",
    "CPUCreditBalance",
    "CPUSurplusCreditBalance",
    "CPUSurplusCreditsCharged",
    "DatabaseConnections",
    "DiskQueueDepth",
    "EBSByteBalance%",
    "EBSIOBalance%",
    "FreeableMemory",
    "FreeLocalStorage",
    "FreeStorageSpace",
    "MaximumUsedTransactionIDs",
    "NetworkReceiveThroughput",
    "NetworkTransmitThroughput",
    "OldestReplicationSlotLag",
    "ReadIOPS",
    "ReadLatency",
    "ReadThroughput",
    "ReplicaLag",
    "ReplicationSlotDiskUsage",
    "SwapUsage",
    "TransactionLogsDiskUsage",
    "TransactionLogsGeneration",
    "WriteIOPS",
    "WriteLatency",
    "WriteThroughput",
]);

/** The dashboard body object (`JSON.stringify` it for `aws.cloudwatch.Dashboard.dashboardBody`). */
export function cloudwatchDashboardBody(input: CloudWatchDashboardInput): { widgets: Widget[] } {
    const widgets: Widget[] = [];
    let x = 0;
    let y = 0;
    const place = (width: number, height: number) => {
        if (x + width > 24) {
            x = 0;
            y += 6;
        }
        const pos = { x, y, width, height };
        x += width;
        return pos;
    };
    const text = (markdown: string) => {
        if (x !== 0) {
            x = 0;
            y += 6;
        }
        widgets.push({ type: "text", x: 0, y, width: 24, height: 1, properties: { markdown } });
        y += 1;
    };
    const metric = (title: string, metrics: Metric[], opts: { stat?: string; unit?: string; width?: number; yMin?: number } = {}) => {
        widgets.push({
            type: "metric",
            ...place(opts.width ?? 8, 6),
            properties: {
                title,
                region: input.region,
                view: "timeSeries",
                stacked: false,
                period: PERIOD,
                stat: opts.stat ?? "Average",
                metrics,
                ...(opts.yMin !== undefined ? { yAxis: { left: { min: opts.yMin } } } : {}),
            },
        });
    };

    const alb = ["LoadBalancer", input.loadBalancerArnSuffix];
    const tg = [...alb, "TargetGroup", input.targetGroupArnSuffix];
    const svc = ["ClusterName", input.clusterName, "ServiceName", input.serviceName];

    text(`## Koronet web server (${input.serviceName})`);
    metric("Requests / min", [["AWS/ApplicationELB", "RequestCount", ...alb, { stat: "Sum", label: "requests" }]], { stat: "Sum" });
    metric(
        "5xx error rate (%)",
        [
            ["AWS/ApplicationELB", "RequestCount", ...alb, { id: "req", stat: "Sum", visible: false }],
            ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", ...alb, { id: "t5", stat: "Sum", visible: false }],
            ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", ...alb, { id: "e5", stat: "Sum", visible: false }],
            [{ expression: "100 * (FILL(t5, 0) + FILL(e5, 0)) / req", label: "5xx %", id: "pct" }],
        ],
        { yMin: 0 },
    );
    metric("Latency p50 / p95 / p99 (s)", [
        ["AWS/ApplicationELB", "TargetResponseTime", ...tg, { stat: "p50", label: "p50" }],
        ["AWS/ApplicationELB", "TargetResponseTime", ...tg, { stat: "p95", label: "p95" }],
        ["AWS/ApplicationELB", "TargetResponseTime", ...tg, { stat: "p99", label: "p99" }],
    ]);
    metric(
        "Status codes / min",
        [
            ["AWS/ApplicationELB", "HTTPCode_Target_2XX_Count", ...alb, { stat: "Sum", label: "2xx" }],
            ["AWS/ApplicationELB", "HTTPCode_Target_3XX_Count", ...alb, { stat: "Sum", label: "3xx" }],
            ["AWS/ApplicationELB", "HTTPCode_Target_4XX_Count", ...alb, { stat: "Sum", label: "4xx" }],
            ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", ...alb, { stat: "Sum", label: "5xx" }],
        ],
        { stat: "Sum" },
    );
    metric("Healthy / unhealthy targets", [
        ["AWS/ApplicationELB", "HealthyHostCount", ...tg, { stat: "Minimum", label: "healthy" }],
        ["AWS/ApplicationELB", "UnHealthyHostCount", ...tg, { stat: "Maximum", label: "unhealthy" }],
    ]);
    metric("In-flight requests (app)", [[APP, "koronet_http_requests_in_flight", ...svc, { stat: "Maximum" }]], { stat: "Maximum" });
    metric(
        "CPU / memory (%)",
        [
            ["AWS/ECS", "CPUUtilization", ...svc, { label: "CPU" }],
            ["AWS/ECS", "MemoryUtilization", ...svc, { label: "memory" }],
        ],
        { yMin: 0 },
    );
    metric("Running tasks and restarts", [
        ["ECS/ContainerInsights", "RunningTaskCount", ...svc, { stat: "Minimum", label: "running tasks" }],
        ["ECS/ContainerInsights", "DesiredTaskCount", ...svc, { stat: "Maximum", label: "desired tasks" }],
    ]);
    metric("Ephemeral storage used (GB)", [["ECS/ContainerInsights", "EphemeralStorageUtilized", ...svc, { stat: "Maximum" }]], { stat: "Maximum" });

    text("## Data stores and cache");
    metric("App: Redis connected (minimum over tasks)", [[APP, "koronet_redis_connected", ...svc, { stat: "Minimum" }]], { stat: "Minimum", yMin: 0 });
    metric(
        "App: DB connection errors, slow queries, Redis errors",
        [
            [APP, "koronet_db_connection_errors_total", ...svc, { stat: "Sum", label: "DB connection errors" }],
            [APP, "koronet_db_slow_queries_total", ...svc, { stat: "Sum", label: "slow queries" }],
            [APP, "koronet_redis_errors_total", ...svc, { stat: "Sum", label: "Redis errors" }],
        ],
        { stat: "Sum" },
    );
    metric(
        "App: pool connections and waiting clients",
        [
            [APP, "koronet_db_pool_total_connections", ...svc, { stat: "Maximum", label: "open" }],
            [APP, "koronet_db_pool_waiting_clients", ...svc, { stat: "Maximum", label: "waiting" }],
        ],
        { stat: "Maximum" },
    );
    metric(
        "App: cache hit ratio (%)",
        [
            [APP, "koronet_cache_hits_total", ...svc, { id: "h", stat: "Sum", visible: false }],
            [APP, "koronet_cache_misses_total", ...svc, { id: "m", stat: "Sum", visible: false }],
            [{ expression: "100 * FILL(h, 0) / (FILL(h, 0) + FILL(m, 0))", label: "hit %", id: "ratio" }],
        ],
        { yMin: 0 },
    );
    if (input.dataStores.mode === "managed") {
        // RDS for PostgreSQL publishes only the instance metrics of RDS_INSTANCE_METRICS; `Deadlocks` is
        // Aurora's (deadlocks are on Grafana's PostgreSQL dashboard, from pg_stat_database).
        const db = ["DBInstanceIdentifier", input.dataStores.rdsInstanceId];
        const nodes = input.dataStores.cacheClusterIds;
        const cache = (name: string, stat: string): Metric[] =>
            nodes.map((id) => ["AWS/ElastiCache", name, "CacheClusterId", id, { stat, label: `${name} ${id}` }]);
        metric("RDS connections", [["AWS/RDS", "DatabaseConnections", ...db, { stat: "Maximum" }]], { stat: "Maximum" });
        metric("RDS CPU (%) and free memory", [
            ["AWS/RDS", "CPUUtilization", ...db],
            ["AWS/RDS", "FreeableMemory", ...db, { yAxis: "right" }],
        ]);
        metric("RDS read / write latency (s)", [
            ["AWS/RDS", "ReadLatency", ...db],
            ["AWS/RDS", "WriteLatency", ...db],
        ]);
        metric("RDS free storage (bytes)", [["AWS/RDS", "FreeStorageSpace", ...db, { stat: "Minimum" }]], { stat: "Minimum" });
        metric("ElastiCache hit rate (%)", cache("CacheHitRate", "Average"));
        metric("ElastiCache hits / misses", [...cache("CacheHits", "Sum"), ...cache("CacheMisses", "Sum")], { stat: "Sum" });
        metric("ElastiCache memory used (%)", cache("DatabaseMemoryUsagePercentage", "Maximum"), { stat: "Maximum" });
        metric("ElastiCache clients", cache("CurrConnections", "Maximum"), { stat: "Maximum" });
        metric("ElastiCache evictions", cache("Evictions", "Sum"), { stat: "Sum" });
    } else {
        for (const [label, name] of [
            ["PostgreSQL", input.dataStores.postgresServiceName],
            ["Redis", input.dataStores.redisServiceName],
        ] as const) {
            const dims = ["ClusterName", input.clusterName, "ServiceName", name];
            metric(
                `${label} task CPU / memory (%)`,
                [
                    ["AWS/ECS", "CPUUtilization", ...dims, { label: "CPU" }],
                    ["AWS/ECS", "MemoryUtilization", ...dims, { label: "memory" }],
                ],
                { yMin: 0 },
            );
        }
    }

    text("## Every ECS service of the cluster");
    const perService = (namespace: string, metricName: string, stat: string) =>
        `SEARCH('{${namespace},ClusterName,ServiceName} MetricName="${metricName}" ClusterName="${input.clusterName}"', '${stat}', ${PERIOD})`;
    metric("Fullest task's memory (% of task memory)", [[{ expression: perService("AWS/ECS", "MemoryUtilization", "Maximum"), label: "" }]], {
        stat: "Maximum",
        yMin: 0,
    });
    metric(
        "Tasks running vs desired",
        [
            [{ expression: perService("ECS/ContainerInsights", "RunningTaskCount", "Minimum"), label: "running" }],
            [{ expression: perService("ECS/ContainerInsights", "DesiredTaskCount", "Maximum"), label: "desired" }],
        ],
        { stat: "Minimum" },
    );
    metric(
        "Crashed and OOM-killed tasks (ECS task events)",
        [
            [
                {
                    expression: `SEARCH('{${TASK_EVENT_METRICS.namespace},${TASK_EVENT_METRICS.groupDimension}} MetricName="${TASK_EVENT_METRICS.crashed}"', 'Sum', ${PERIOD})`,
                    label: "crashed",
                },
            ],
            [
                {
                    expression: `SEARCH('{${TASK_EVENT_METRICS.namespace},${TASK_EVENT_METRICS.groupDimension}} MetricName="${TASK_EVENT_METRICS.oomKilled}"', 'Sum', ${PERIOD})`,
                    label: "OOM-killed",
                },
            ],
            [
                {
                    expression: `SEARCH('{${TASK_EVENT_METRICS.namespace},${TASK_EVENT_METRICS.groupDimension},StopCode} MetricName="${TASK_EVENT_METRICS.stopped}"', 'Sum', ${PERIOD})`,
                    label: "stopped (any reason)",
                },
            ],
        ],
        { stat: "Sum" },
    );

    text("## Business and monitoring");
    metric("Active sessions", [[APP, "koronet_active_sessions", ...svc, { stat: "Maximum" }]], { stat: "Maximum" });
    metric("API endpoint calls / min", [[APP, "koronet_api_endpoint_calls_total", ...svc, { stat: "Sum" }]], { stat: "Sum" });
    metric(
        "Monitoring tasks running",
        input.monitoringServiceNames.map((s) => [
            "ECS/ContainerInsights",
            "RunningTaskCount",
            "ClusterName",
            input.clusterName,
            "ServiceName",
            s,
            { stat: "Minimum", label: s },
        ]),
        { stat: "Minimum" },
    );
    return { widgets };
}
