/**
 * The one alert catalog. Every alert of the architecture is defined here once — severity, the
 * summary a tired person reads, threshold with its allowed range, timings, runbook — together with
 * the two generators that turn it into a Prometheus expression and into CloudWatch alarm specs.
 * Prometheus rules (`components/monitoring/prometheus/rules.ts`), CloudWatch alarm definitions
 * (`cloudwatch-alarms.ts`), the config schema (`config/alerts.ts`) and the time-to-notify math
 * (`time-to-notify.ts`) all read this file, so they cannot drift.
 *
 * Metric names: the web server's come from docs/CONTRACTS.md; exporter metrics are those that
 * node_exporter 1.5, redis_exporter 1.45, postgres_exporter 0.11 and cAdvisor expose; CloudWatch
 * namespaces, metric names and dimensions are the documented AWS ones.
 *
 * Pure: no resources, no I/O.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AlertOverrides } from "../../config/alerts";

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

/** Severities that route notifications (critical pages, warning does not). */
export const SEVERITIES = ["critical", "warning"] as const;
export type Severity = (typeof SEVERITIES)[number];
/** `none` is only for the always-firing Watchdog, which routes to the heartbeat, not to people. */
export type AlertSeverity = Severity | "none";

/** Timing profiles: `production` is what stacks deploy; `test` is for end-to-end runs. */
export const TIMING_PROFILES = ["production", "test"] as const;
export type TimingProfile = (typeof TIMING_PROFILES)[number];

export const ALERT_IDS = [
    "KoronetDown",
    "NoHealthyTargets",
    "HighErrorRate",
    "DatabaseConnectionFailures",
    "PostgresDown",
    "RedisDown",
    "HighMemoryUsage",
    "DiskSpaceLow",
    "HighResponseTime",
    "CacheMissRateHigh",
    "HighCpuUsage",
    "UnusualTraffic",
    "TargetDown",
    "ServiceTasksMissing",
    "ContainerRestarting",
    "PostgresConnectionsNearExhaustion",
    "AlertmanagerNotificationsFailing",
    "Watchdog",
] as const;
export type AlertId = (typeof ALERT_IDS)[number];

/** Prometheus `job` labels (docs/CONTRACTS.md). */
export const JOBS = {
    koronet: "koronet",
    postgres: "postgres",
    redis: "redis",
    node: "node",
    cadvisor: "cadvisor",
    alertmanager: "alertmanager",
} as const;

/** CloudWatch namespace of the app's custom metrics (docs/CONTRACTS.md). */
export const APP_NAMESPACE = "Koronet/App";

/**
 * Metrics the stack derives from ECS "ECS Task State Change" events (task-events.ts: EventBridge →
 * a CloudWatch Logs group → metric filters). ECS replaces a failed task instead of restarting its
 * containers, so a crash loop is a series of stopped tasks; these count them per service group
 * (`service:<ECS service name>`, the event's `detail.group`).
 */
export const TASK_EVENT_METRICS = {
    namespace: "Koronet/ECS",
    /** Every stopped task, dimensions `Group`, `StopCode`. */
    stopped: "StoppedTasks",
    /** Tasks stopped because they failed (essential container exited, failed to start, failed health checks), dimension `Group`. */
    crashed: "CrashedTasks",
    /** Tasks with a container killed for exceeding its memory (`OutOfMemoryError`), dimension `Group`. */
    oomKilled: "OomKilledTasks",
    /** Dimension holding the event's `detail.group`. */
    groupDimension: "Group",
} as const;

/** The `Group` dimension value of an ECS service's tasks (`detail.group` of its task events). */
export function serviceGroup(serviceName: pulumi.Input<string>): pulumi.Input<string> {
    if (typeof serviceName === "string") return `service:${serviceName}`;
    if ("apply" in serviceName) return serviceName.apply((n) => `service:${n}`);
    return Promise.resolve(serviceName).then((n) => `service:${n}`);
}

/**
 * cAdvisor labels that identify an ECS container: Docker labels set by the ECS agent, exported by
 * cAdvisor as `container_label_<sanitised name>`. The cAdvisor deployment must keep them
 * (default; if `--store_container_labels=false`, whitelist them).
 */
export const CADVISOR_ECS_LABELS = [
    "container_label_com_amazonaws_ecs_cluster",
    "container_label_com_amazonaws_ecs_task_definition_family",
    "container_label_com_amazonaws_ecs_container_name",
] as const;

/**
 * Minimum traffic below which ratio alerts stay quiet, so that 1 failure in 3 requests at night
 * does not page anybody. Same figure on both paths (CloudWatch: per period).
 */
export const MIN_TRAFFIC = {
    /** Requests per second below which the 5xx ratio is not judged. */
    errorRateRps: 0.5,
    /** Requests per second below which p99 latency is not judged (Prometheus path). */
    latencyRps: 0.1,
    /** Cache look-ups per second below which the miss ratio is not judged. */
    cacheLookupsPerSecond: 0.5,
} as const;

// ---------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
/** A Prometheus duration such as `30s`, `5m`, `1h30m`. */
export const PROM_DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

/** Seconds in a Prometheus duration. Throws on anything that is not one. */
export function parsePromDuration(d: string): number {
    if (!PROM_DURATION.test(d)) throw new Error(`"${d}" is not a Prometheus duration (e.g. 30s, 5m, 1h)`);
    let total = 0;
    for (const m of d.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    return total;
}

/** Shortest Prometheus duration for whole seconds: 90 → `1m30s`, 0 → `0s`. */
export function formatPromDuration(seconds: number): string {
    if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`${seconds} is not a whole number of seconds`);
    if (seconds === 0) return "0s";
    let rest = seconds;
    let out = "";
    for (const [unit, size] of [["h", 3600], ["m", 60], ["s", 1]] as const) {
        const n = Math.floor(rest / size);
        if (n > 0) out += `${n}${unit}`;
        rest -= n * size;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Pipeline timings
// ---------------------------------------------------------------------------------------------

/** The timings of the Prometheus → Alertmanager → notifier path. */
export interface PrometheusPathTimings {
    /** Prometheus `scrape_interval`. */
    readonly scrapeIntervalSeconds: number;
    /** Evaluation interval of the rule group (the rule file sets it per group). */
    readonly evaluationIntervalSeconds: number;
    /** Alertmanager `group_wait`: delay before the first notification of a new group. */
    readonly groupWaitSeconds: number;
    /** Alertmanager `group_interval`: delay before notifying changes (incl. resolutions) of a group. */
    readonly groupIntervalSeconds: number;
    /** Alertmanager → receiver (notifier/Slack) delivery. */
    readonly deliverySeconds: number;
    /**
     * Prometheus `--rules.alert.resend-delay`: how often a firing alert is re-sent to Alertmanager.
     * Each send is valid for 4 × max(resend delay, evaluation interval), so this also bounds how
     * long Alertmanager keeps an alert (the Watchdog included) after Prometheus dies or hangs, and
     * how soon alerts dropped while Prometheus had not yet discovered Alertmanager are re-sent.
     * Production 15 s (Prometheus's default, 1 m, keeps a dead Prometheus's Watchdog alive for 4 min).
     */
    readonly resendDelaySeconds: number;
}

/**
 * Pipeline timings per profile. The rule file sets `evaluationIntervalSeconds` itself (group
 * `interval`); scrape interval and Alertmanager grouping belong to prometheus.yml/alertmanager.yml
 * — these are the values the notify targets were computed with, and what those files should use.
 * Production: scrape 15 s (the monitoring default), rules every 5 s (cheap: ~40 rules), group_wait
 * 10 s, group_interval 30 s (resolutions are announced at group_interval ticks; 5 m, the
 * Alertmanager default, would delay "resolved" by up to 5 min). Test: 1 s everywhere.
 */
export const PIPELINE_TIMINGS: Readonly<Record<TimingProfile, PrometheusPathTimings>> = {
    production: { scrapeIntervalSeconds: 15, evaluationIntervalSeconds: 5, groupWaitSeconds: 10, groupIntervalSeconds: 30, deliverySeconds: 5, resendDelaySeconds: 15 },
    test: { scrapeIntervalSeconds: 1, evaluationIntervalSeconds: 1, groupWaitSeconds: 0, groupIntervalSeconds: 1, deliverySeconds: 1, resendDelaySeconds: 1 },
};

/** Prometheus `for` and rate window of an alert in one profile. */
export interface PrometheusTiming {
    /** How long the condition must hold before the alert fires. */
    readonly for: string;
    /** Range of `rate()`/`increase()` for windowed signals. */
    readonly window: string;
}

/** CloudWatch alarm timing. */
export interface CloudWatchTiming {
    /** Seconds per datapoint: 10, 30 (high-resolution metrics only) or a multiple of 60. */
    readonly periodSeconds: number;
    /** N: datapoints looked at. */
    readonly evaluationPeriods: number;
    /** M: breaching datapoints among the last N that raise the alarm. */
    readonly datapointsToAlarm: number;
}

/**
 * Default Prometheus timing per severity. Critical: 20 s of confirmation keeps a single failed
 * scrape from paging while the Prometheus path still notifies within 60 s. Warning: 2 minutes.
 */
export const PROMETHEUS_TIMING_BY_SEVERITY: Readonly<Record<AlertSeverity, Readonly<Record<TimingProfile, PrometheusTiming>>>> = {
    critical: { production: { for: "20s", window: "1m" }, test: { for: "2s", window: "10s" } },
    warning: { production: { for: "2m", window: "1m" }, test: { for: "5s", window: "10s" } },
    none: { production: { for: "0s", window: "1m" }, test: { for: "0s", window: "10s" } },
};

/**
 * Default CloudWatch timing per severity. AWS vended metrics (ALB, ECS, RDS, ElastiCache) have
 * 1-minute resolution, so 60 s is the shortest useful period. Critical: 1 of 1 (two periods would
 * already cost 190 s, over the 3-minute target — see time-to-notify.ts). Warning: 2 of 3, which
 * ignores a single noisy minute and still notifies within 5 min.
 */
export const CLOUDWATCH_TIMING_BY_SEVERITY: Readonly<Record<Severity, CloudWatchTiming>> = {
    critical: { periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1 },
    warning: { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 },
};

// ---------------------------------------------------------------------------------------------
// Catalog entry shape
// ---------------------------------------------------------------------------------------------

/** A configurable threshold. */
export interface ThresholdSpec {
    /** Value used when the stack does not override it. */
    readonly default: number;
    /** Smallest value a stack may set. */
    readonly min: number;
    /** Largest value a stack may set. */
    readonly max: number;
    /** Unit, as written in messages: `percent`, `seconds`, ... */
    readonly unit: string;
    /** The alert fires when the signal is `above` (or `below`) the threshold. */
    readonly direction: "above" | "below";
}

/**
 * How quickly a Prometheus signal reflects a fault, for time-to-notify:
 * `instant`: one scrape (gauges, `up`); `windowed`: `rate()` over a window (needs two samples of a
 * possibly new series to see a fault; the bad samples must leave the window before it clears);
 * `event`: counts events in a window (clears only when the window holds no more than the threshold).
 */
export type SignalKind = "instant" | "windowed" | "event";

export interface RecordingRule {
    readonly record: string;
    readonly expr: string;
}

/** What a Prometheus generator gets. */
export interface PrometheusContext {
    /** Effective threshold (undefined for alerts without one). */
    readonly threshold: number | undefined;
    /** Effective rate window, e.g. `1m`. */
    readonly window: string;
    readonly windowSeconds: number;
    readonly profile: TimingProfile;
    /** Rule evaluation interval of the profile. */
    readonly evaluationIntervalSeconds: number;
}

export interface PrometheusGenerator {
    readonly signal: SignalKind;
    /** Per-profile timing; falls back to PROMETHEUS_TIMING_BY_SEVERITY of the effective severity. */
    readonly timing?: Partial<Readonly<Record<TimingProfile, Partial<PrometheusTiming>>>>;
    /** Recording rules the expression reads (deduplicated by name across alerts). */
    readonly recordingRules?: (ctx: PrometheusContext) => RecordingRule[];
    /** The alert expression: returns series exactly while the alert condition holds. */
    readonly expr: (ctx: PrometheusContext) => string;
    /** Labels of the expression's result (besides `severity`), for docs and tests. */
    readonly resultLabels: readonly string[];
}

/** Where the ECS and load-balancer metrics of one stack live (dimension values). */
export interface CloudWatchTargets {
    /** `app/<name>/<id>`: the ALB's ARN suffix (dimension `LoadBalancer`). */
    readonly loadBalancerArnSuffix: pulumi.Input<string>;
    /** `targetgroup/<name>/<id>`: the web server's target group ARN suffix (dimension `TargetGroup`). */
    readonly targetGroupArnSuffix: pulumi.Input<string>;
    /** ECS cluster name (dimension `ClusterName`). */
    readonly clusterName: pulumi.Input<string>;
    /** ECS service name of the web server (dimension `ServiceName`). */
    readonly serviceName: pulumi.Input<string>;
    /**
     * Every ECS service of the stack (the web server included), for the alarms that watch each one:
     * its tasks' memory, its running against desired task count, its crash loops. Keys are stable
     * (they name the alarms); keep the web server's key `web`.
     */
    readonly services: readonly EcsServiceTarget[];
    /** Where PostgreSQL and Redis run. */
    readonly dataStores: EcsDataStoreTargets | ManagedDataStoreTargets;
}

/** One ECS service, as the per-service alarms name it. */
export interface EcsServiceTarget {
    /** Stable key, lower-case, e.g. `web`, `prometheus`, `node-exporter`: the alarm-name suffix. */
    readonly key: string;
    /** ECS service name (dimension `ServiceName`; task events' group `service:<name>`). */
    readonly serviceName: pulumi.Input<string>;
    /** `daemon`: one task per container instance (its desired count is the instance count). */
    readonly scheduling: "replica" | "daemon";
    /** What it is, for people: `the web server`, `node exporter`. */
    readonly description: string;
}

/** Data stores as ECS services: no AWS data-store metrics; the app's custom metrics stand in. */
export interface EcsDataStoreTargets {
    readonly mode: "ecs";
}

/** RDS PostgreSQL and an ElastiCache Redis replication group. */
export interface ManagedDataStoreTargets {
    readonly mode: "managed";
    readonly rds: {
        /** Dimension `DBInstanceIdentifier`. */
        readonly instanceId: pulumi.Input<string>;
        /** `max_connections` of the instance (RDS derives it from the class); for connections %. */
        readonly maxConnections: number;
        /** Allocated storage, GiB; FreeStorageSpace is in bytes, this turns it into % free. */
        readonly allocatedStorageGiB: number;
        /** Instance memory, bytes; FreeableMemory is in bytes, this turns it into % used. */
        readonly memoryBytes: number;
    };
    readonly elasticache: {
        /**
         * Member cache cluster ids of the replication group (dimension `CacheClusterId`; ElastiCache
         * publishes per node, e.g. `<group>-001`, `<group>-002`). Keep the order stable: alarms are
         * keyed by position.
         */
        readonly cacheClusterIds: readonly pulumi.Input<string>[];
    };
}

export type ComparisonOperator =
    | "GreaterThanThreshold"
    | "GreaterThanOrEqualToThreshold"
    | "LessThanThreshold"
    | "LessThanOrEqualToThreshold"
    | "LessThanLowerOrGreaterThanUpperThreshold";

export type TreatMissingData = "breaching" | "notBreaching" | "ignore" | "missing";

/** One metric, as CloudWatch names it. */
export interface CloudWatchMetric {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Readonly<Record<string, pulumi.Input<string>>>;
}

/** A metric-math query; the factory fills in the period. */
export interface MetricQuerySpec {
    /** Lower-case first letter, letters/digits/underscore. */
    readonly id: string;
    readonly label?: string;
    /** Exactly one query (or a metric and its anomaly band) returns data. */
    readonly returnData?: boolean;
    readonly expression?: string;
    readonly metric?: CloudWatchMetric & { readonly stat: string; readonly unit?: string };
}

/** One CloudWatch alarm an alert produces (some alerts produce several, e.g. per data store). */
export interface CloudWatchAlarmSpec {
    /** Appended to the alert id in the alarm name and key, e.g. `rds`. */
    readonly variant?: string;
    /** Readable statement of what is measured, for tables and the alarm description. */
    readonly measures: string;
    readonly comparisonOperator: ComparisonOperator;
    /** Absent for anomaly-detection alarms (they use `thresholdMetricId`). */
    readonly threshold?: number;
    readonly thresholdMetricId?: string;
    readonly treatMissingData: TreatMissingData;
    /** Why this treatMissingData: a dead service must alarm, not go quiet. */
    readonly treatMissingDataReason: string;
    /** Single-metric alarm ... */
    readonly metric?: CloudWatchMetric & { readonly statistic?: string; readonly extendedStatistic?: string; readonly unit?: string };
    /** ... or metric math. */
    readonly metricQueries?: readonly MetricQuerySpec[];
    readonly evaluateLowSampleCountPercentiles?: "evaluate" | "ignore";
    /**
     * True when the period in which a fault starts may not breach (Average statistics: a partial
     * period averages the fault away). Time-to-notify adds one period for these.
     */
    readonly firstPeriodMayNotBreach?: boolean;
}

export interface CloudWatchContext {
    readonly threshold: number | undefined;
    readonly periodSeconds: number;
    readonly targets: CloudWatchTargets;
}

export interface CloudWatchGenerator {
    /** Per-alert timing; falls back to CLOUDWATCH_TIMING_BY_SEVERITY of the effective severity. */
    readonly timing?: Partial<CloudWatchTiming>;
    readonly alarms: (ctx: CloudWatchContext) => CloudWatchAlarmSpec[];
}

export interface AlertDefinition {
    readonly id: AlertId;
    /** Default severity; a stack may change it (severity decides routing). */
    readonly severity: AlertSeverity;
    /** One line a tired person understands; `{threshold}` is replaced by the effective threshold. */
    readonly summary: string;
    /** What it means and what to look at first (shown under the summary). */
    readonly description: string;
    /** Absent: not tunable (the condition is binary, e.g. a process is down). */
    readonly threshold?: ThresholdSpec;
    /** Absent: no Prometheus rule (the signal only exists in CloudWatch). */
    readonly prometheus?: PrometheusGenerator;
    /** Absent: no CloudWatch alarm (the signal only exists in Prometheus). */
    readonly cloudwatch?: CloudWatchGenerator;
}

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

const sel = (metric: string, matchers: string): string => `${metric}{${matchers}}`;
const job = (j: string): string => `job="${j}"`;
/** `… or on() vector(0)`: an aggregate that exists even when no input series does. */
const orZero = (expr: string): string => `(${expr} or on() vector(0))`;
/** Prometheus float literal without exponent noise. */
const num = (n: number): string => String(Number(n.toFixed(6)));

const httpRate = (w: string): string => `koronet:http_requests:rate${w}`;
const http5xxRate = (w: string): string => `koronet:http_5xx_requests:rate${w}`;
const http5xxPercent = (w: string): string => `koronet:http_5xx_requests:percent_rate${w}`;
const httpP99 = (w: string): string => `koronet:http_request_duration_seconds:p99_rate${w}`;
const cacheLookupRate = (w: string): string => `koronet:cache_lookups:rate${w}`;
const cacheMissPercent = (w: string): string => `koronet:cache_misses:percent_rate${w}`;
const redisLookupRate = (w: string): string => `koronet:redis_keyspace_lookups:rate${w}`;
const redisMissPercent = (w: string): string => `koronet:redis_keyspace_misses:percent_rate${w}`;
const nodeCpuPercent = (w: string): string => `koronet:node_cpu_used:percent_rate${w}`;
const NODE_MEMORY_PERCENT = "koronet:node_memory_used:percent";
const CONTAINER_MEMORY_PERCENT = "koronet:container_memory_used:percent";
const NODE_FS_FREE_PERCENT = "koronet:node_filesystem_free:percent";

function httpRateRule(w: string): RecordingRule {
    return { record: httpRate(w), expr: `sum(rate(${sel("koronet_http_requests_total", job(JOBS.koronet))}[${w}]))` };
}

/** Real filesystems only: pseudo and container-layer mounts come and go and are not "the disk". */
const FS_MATCHERS = `${job(JOBS.node)},fstype!~"tmpfs|ramfs|devtmpfs|overlay|squashfs|nsfs|autofs|fuse.*",mountpoint!~"/(run|proc|sys|dev)($|/.*)"`;
const CADVISOR_ECS = `${job(JOBS.cadvisor)},container_label_com_amazonaws_ecs_container_name!=""`;

const albDims = (t: CloudWatchTargets) => ({ LoadBalancer: t.loadBalancerArnSuffix, TargetGroup: t.targetGroupArnSuffix });
const serviceDims = (t: CloudWatchTargets) => ({ ClusterName: t.clusterName, ServiceName: t.serviceName });
const managed = (t: CloudWatchTargets): ManagedDataStoreTargets | undefined => (t.dataStores.mode === "managed" ? t.dataStores : undefined);

const NOT_BREACHING_SYMPTOM =
    "notBreaching: no datapoints means no traffic/no samples, not a fault; a dead service is caught by KoronetDown and NoHealthyTargets, which treat missing data as breaching.";
const NOT_BREACHING_RESOURCE =
    "notBreaching: ECS/RDS/ElastiCache stop publishing when the resource is gone; that is an outage caught by the liveness alarms (KoronetDown and ServiceTasksMissing, which treat missing data as breaching; RedisDown and DatabaseConnectionFailures from the app's side) — this one would only duplicate them.";

/**
 * The store-side miss share in prod: ElastiCache CacheHits/CacheMisses ("successful/unsuccessful
 * read-only key lookups in the main dictionary", per node) summed over the replication group's
 * nodes — the same INFO stats redis_exporter reads on the Prometheus path.
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html
 */
function elastiCacheMissRate(c: CloudWatchContext, minLookups: number): CloudWatchAlarmSpec[] {
    const m = managed(c.targets);
    if (m === undefined || m.elasticache.cacheClusterIds.length === 0) return [];
    const ids = m.elasticache.cacheClusterIds.map((_, i) => i + 1);
    const sum = (prefix: string) => ids.map((i) => `FILL(${prefix}${i}, 0)`).join(" + ");
    return [
        {
            variant: "elasticache",
            measures: "100 × AWS/ElastiCache CacheMisses / (CacheHits + CacheMisses), Sum per period over every node of the replication group",
            metricQueries: [
                ...m.elasticache.cacheClusterIds.flatMap((id, i): MetricQuerySpec[] => [
                    { id: `hits${i + 1}`, metric: { namespace: "AWS/ElastiCache", metricName: "CacheHits", dimensions: { CacheClusterId: id }, stat: "Sum" } },
                    { id: `misses${i + 1}`, metric: { namespace: "AWS/ElastiCache", metricName: "CacheMisses", dimensions: { CacheClusterId: id }, stat: "Sum" } },
                ]),
                {
                    id: "missRate",
                    label: "ElastiCache miss share (%)",
                    returnData: true,
                    expression: `IF((${sum("hits")} + ${sum("misses")}) >= ${num(minLookups)}, 100 * (${sum("misses")}) / (${sum("hits")} + ${sum("misses")}), 0)`,
                },
            ],
            comparisonOperator: "GreaterThanThreshold",
            threshold: c.threshold,
            treatMissingData: "notBreaching",
            treatMissingDataReason: `${NOT_BREACHING_SYMPTOM} ElastiCache publishes per node every minute; FILL and the IF guard keep an idle cache from dividing by zero.`,
        },
    ];
}

// ---------------------------------------------------------------------------------------------
// The catalog
// ---------------------------------------------------------------------------------------------

export const ALERT_CATALOG: Readonly<Record<AlertId, AlertDefinition>> = {
    KoronetDown: {
        id: "KoronetDown",
        severity: "critical",
        summary: "Koronet web server is down: fewer than {threshold} instance(s) up",
        description:
            "No (or too few) Koronet web server instances answer. Users get errors or nothing. Check the ECS service events and the task logs first.",
        threshold: { default: 1, min: 1, max: 50, unit: "instances", direction: "below" },
        prometheus: {
            signal: "instant",
            // `or vector(0)`: when every task is gone, service discovery drops the targets and `up`
            // vanishes instead of reading 0 — absent must alarm too.
            expr: (c) => `${orZero(`sum(${sel("up", job(JOBS.koronet))})`)} < ${num(c.threshold as number)}`,
            resultLabels: [],
        },
        cloudwatch: {
            alarms: (c) => [
                {
                    measures: "ECS/ContainerInsights RunningTaskCount (Minimum) of the web server service",
                    metric: { namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", dimensions: serviceDims(c.targets), statistic: "Minimum" },
                    comparisonOperator: "LessThanThreshold",
                    threshold: c.threshold,
                    treatMissingData: "breaching",
                    treatMissingDataReason: "breaching: a service with no running task may stop publishing; silence from the liveness metric is the outage itself.",
                },
            ],
        },
    },

    NoHealthyTargets: {
        id: "NoHealthyTargets",
        severity: "critical",
        summary: "Load balancer has fewer than {threshold} healthy Koronet target(s): requests fail",
        description:
            "The ALB target group has fewer healthy targets than required, so the ALB answers 502/503 itself. Check target health reasons (health check path, port, security groups) and the service's tasks.",
        threshold: { default: 1, min: 1, max: 50, unit: "healthy targets", direction: "below" },
        cloudwatch: {
            alarms: (c) => [
                {
                    measures: "AWS/ApplicationELB HealthyHostCount (Minimum) of the web server target group",
                    metric: { namespace: "AWS/ApplicationELB", metricName: "HealthyHostCount", dimensions: albDims(c.targets), statistic: "Minimum" },
                    comparisonOperator: "LessThanThreshold",
                    threshold: c.threshold,
                    treatMissingData: "breaching",
                    treatMissingDataReason: "breaching: HealthyHostCount comes from health checks and is published every minute; its absence means the target group is gone or unreported — treat as down.",
                },
            ],
        },
    },

    HighErrorRate: {
        id: "HighErrorRate",
        severity: "critical",
        summary: "More than {threshold}% of requests fail with HTTP 5xx",
        description:
            "The share of requests answered with a 5xx status is above the threshold (only judged above a minimum traffic). Look at the error logs and recent deploys; check the database and Redis alerts, which often explain it.",
        threshold: { default: 5, min: 0.1, max: 100, unit: "percent", direction: "above" },
        prometheus: {
            signal: "windowed",
            // 10 s (two more evaluations) instead of the critical 20 s: a windowed signal needs two
            // scrapes of a possibly new 5xx series, and 60 s is the target (time-to-notify.ts).
            timing: { production: { for: "10s" } },
            recordingRules: (c) => [
                httpRateRule(c.window),
                {
                    record: http5xxRate(c.window),
                    expr: `sum(rate(${sel("koronet_http_requests_total", `${job(JOBS.koronet)},status_code=~"5.."`)}[${c.window}]))`,
                },
                { record: http5xxPercent(c.window), expr: `100 * ${http5xxRate(c.window)} / ${httpRate(c.window)}` },
            ],
            expr: (c) =>
                `${http5xxPercent(c.window)} > ${num(c.threshold as number)} and on() ${httpRate(c.window)} >= ${num(MIN_TRAFFIC.errorRateRps)}`,
            resultLabels: [],
        },
        cloudwatch: {
            alarms: (c) => {
                const t = c.targets;
                const minRequests = MIN_TRAFFIC.errorRateRps * c.periodSeconds;
                return [
                    {
                        measures:
                            "100 × (AWS/ApplicationELB HTTPCode_Target_5XX_Count + HTTPCode_ELB_5XX_Count) / (RequestCount + HTTPCode_ELB_5XX_Count), Sum per period",
                        metricQueries: [
                            { id: "requests", metric: { namespace: "AWS/ApplicationELB", metricName: "RequestCount", dimensions: albDims(t), stat: "Sum" } },
                            { id: "target5xx", metric: { namespace: "AWS/ApplicationELB", metricName: "HTTPCode_Target_5XX_Count", dimensions: albDims(t), stat: "Sum" } },
                            // ELB-generated 5xx exist only per load balancer. 503s for "no target"
                            // are not in RequestCount, hence their addition to the denominator.
                            { id: "elb5xx", metric: { namespace: "AWS/ApplicationELB", metricName: "HTTPCode_ELB_5XX_Count", dimensions: { LoadBalancer: t.loadBalancerArnSuffix }, stat: "Sum" } },
                            {
                                id: "errorRate",
                                label: "5xx share of requests (%)",
                                returnData: true,
                                expression:
                                    `IF((FILL(requests, 0) + FILL(elb5xx, 0)) >= ${num(minRequests)}, ` +
                                    `100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / (FILL(requests, 0) + FILL(elb5xx, 0)), 0)`,
                            },
                        ],
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: c.threshold,
                        treatMissingData: "notBreaching",
                        treatMissingDataReason: `${NOT_BREACHING_SYMPTOM} ALB publishes 5xx counts only when non-zero; FILL(…, 0) and the IF guard keep zero traffic from dividing by zero.`,
                    },
                ];
            },
        },
    },

    DatabaseConnectionFailures: {
        id: "DatabaseConnectionFailures",
        severity: "critical",
        summary: "Web server cannot reach its data stores: over {threshold} PostgreSQL/Redis failures per minute",
        description:
            "The app reports failed PostgreSQL connection attempts / lost connections (by reason: auth, too_many_connections, timeout, refused, network, tls, lost) and failed Redis commands above the threshold. It counts from start-up (schema migrations connect the same way), so a wrong password or a security group that drops the traffic shows with no user traffic. Check the reason label, PostgresDown/RedisDown, security groups, credentials (secret rotation) and max_connections.",
        threshold: { default: 5, min: 1, max: 10000, unit: "failures per minute", direction: "above" },
        prometheus: {
            signal: "windowed",
            timing: { production: { for: "10s" } },
            expr: (c) => {
                const perMinute = num(60 / c.windowSeconds);
                const db = orZero(`sum(increase(${sel("koronet_db_connection_errors_total", job(JOBS.koronet))}[${c.window}]))`);
                const redis = orZero(`sum(increase(${sel("koronet_redis_errors_total", job(JOBS.koronet))}[${c.window}]))`);
                const scale = perMinute === "1" ? "" : ` * ${perMinute}`;
                return `(${db} + ${redis})${scale} > ${num(c.threshold as number)}`;
            },
            resultLabels: [],
        },
        cloudwatch: {
            alarms: (c) => {
                const t = c.targets;
                const specs: CloudWatchAlarmSpec[] = [
                    {
                        variant: "app",
                        measures: "Koronet/App koronet_db_connection_errors_total (every reason) + koronet_redis_errors_total, Sum per minute",
                        metricQueries: [
                            { id: "dbErrors", metric: { namespace: APP_NAMESPACE, metricName: "koronet_db_connection_errors_total", dimensions: serviceDims(t), stat: "Sum" } },
                            { id: "redisErrors", metric: { namespace: APP_NAMESPACE, metricName: "koronet_redis_errors_total", dimensions: serviceDims(t), stat: "Sum" } },
                            {
                                id: "failuresPerMinute",
                                label: "data-store failures per minute",
                                returnData: true,
                                expression: `(FILL(dbErrors, 0) + FILL(redisErrors, 0)) * ${num(60 / c.periodSeconds)}`,
                            },
                        ],
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: c.threshold,
                        treatMissingData: "notBreaching",
                        treatMissingDataReason: `${NOT_BREACHING_SYMPTOM} The app publishes these counters while it runs.`,
                    },
                ];
                return specs;
            },
        },
    },

    PostgresDown: {
        id: "PostgresDown",
        severity: "critical",
        summary: "PostgreSQL is down or unreachable from its exporter",
        description:
            "postgres_exporter cannot connect to PostgreSQL (pg_up is 0) or no exporter reports at all. The web server cannot serve anything that needs the database. Check the database task/instance, its logs and disk.",
        prometheus: {
            signal: "instant",
            expr: () => `${orZero(`max(${sel("pg_up", job(JOBS.postgres))})`)} < 1`,
            resultLabels: [],
        },
    },

    RedisDown: {
        id: "RedisDown",
        severity: "critical",
        summary: "Redis is down or unreachable from its exporter",
        description:
            "redis_exporter cannot reach Redis (redis_up is 0) or no exporter reports at all, or (CloudWatch) a web server task has lost its Redis connection. Sessions and the cache are unavailable. Check the Redis task/node, its memory and logs.",
        prometheus: {
            signal: "instant",
            expr: () => `${orZero(`max(${sel("redis_up", job(JOBS.redis))})`)} < 1`,
            resultLabels: [],
        },
        cloudwatch: {
            alarms: (c) => [
                {
                    variant: "app",
                    // The app's client state, read at every scrape: it needs no traffic, and it is what
                    // users depend on. Replaces ElastiCache `CurrConnections < 1`, which could not
                    // breach: ElastiCache keeps its own connections to every node.
                    measures: "Koronet/App koronet_redis_connected (Minimum over the web server's tasks) < 1: a task has lost Redis",
                    metric: { namespace: APP_NAMESPACE, metricName: "koronet_redis_connected", dimensions: serviceDims(c.targets), statistic: "Minimum" },
                    comparisonOperator: "LessThanThreshold",
                    threshold: 1,
                    treatMissingData: "notBreaching",
                    treatMissingDataReason: "notBreaching: the app publishes the gauge every minute while it runs; no web task at all is KoronetDown's (missing data breaching).",
                },
            ],
        },
    },

    HighMemoryUsage: {
        id: "HighMemoryUsage",
        severity: "critical",
        summary: "Memory use above {threshold}%: processes are about to be OOM-killed",
        description:
            "A host (node_exporter), an EC2 container against its memory limit (cAdvisor), the fullest task of an ECS service against its task memory (every service: web, Grafana, Alertmanager, exporters, Prometheus, the host daemons, dev's PostgreSQL/Redis), or a managed data store uses more memory than the threshold. Find the consumer, look for leaks after a deploy, scale up if it is real load.",
        threshold: { default: 90, min: 1, max: 100, unit: "percent", direction: "above" },
        prometheus: {
            signal: "instant",
            recordingRules: () => [
                {
                    record: NODE_MEMORY_PERCENT,
                    expr: `100 * (1 - ${sel("node_memory_MemAvailable_bytes", job(JOBS.node))} / ${sel("node_memory_MemTotal_bytes", job(JOBS.node))})`,
                },
                {
                    // cAdvisor reports a limit of 0 for a container without one (specMemoryValue,
                    // google/cadvisor metrics/prometheus.go): excluded rather than divided by. Every
                    // EC2 container of the stack has a hard limit, the limits of a task filling its memory
                    // (monitoring/host-exporters.ts; Prometheus and its discovery sidecar), so this covers them all.
                    record: CONTAINER_MEMORY_PERCENT,
                    expr: `100 * ${sel("container_memory_working_set_bytes", CADVISOR_ECS)} / (${sel("container_spec_memory_limit_bytes", CADVISOR_ECS)} > 0)`,
                },
            ],
            expr: (c) => `${NODE_MEMORY_PERCENT} > ${num(c.threshold as number)} or ${CONTAINER_MEMORY_PERCENT} > ${num(c.threshold as number)}`,
            resultLabels: ["instance", "job"],
        },
        cloudwatch: {
            alarms: (c) => {
                const t = c.targets;
                // Every ECS service, Fargate and EC2 alike. The task is the unit ECS sizes, enforces
                // and reports: the service's MemoryUtilization Maximum is "the utilization of the
                // task with the highest resource usage ... compared to what was specified in the task
                // definition" (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_utilization.html),
                // published without Container Insights.
                const specs: CloudWatchAlarmSpec[] = t.services.map((svc) => ({
                    variant: `task-${svc.key}`,
                    measures: `AWS/ECS MemoryUtilization (Maximum: the fullest task against its task memory) of ${svc.description}`,
                    metric: { namespace: "AWS/ECS", metricName: "MemoryUtilization", dimensions: { ClusterName: t.clusterName, ServiceName: svc.serviceName }, statistic: "Maximum" },
                    comparisonOperator: "GreaterThanThreshold",
                    threshold: c.threshold,
                    treatMissingData: "notBreaching",
                    treatMissingDataReason: NOT_BREACHING_RESOURCE,
                }));
                const m = managed(t);
                if (m !== undefined) {
                    specs.push({
                        variant: "rds",
                        measures: "100 × (1 − AWS/RDS FreeableMemory (Minimum) / instance memory)",
                        metricQueries: [
                            { id: "freeable", metric: { namespace: "AWS/RDS", metricName: "FreeableMemory", dimensions: { DBInstanceIdentifier: m.rds.instanceId }, stat: "Minimum" } },
                            { id: "usedPercent", label: "RDS memory used (%)", returnData: true, expression: `100 * (1 - freeable / ${num(m.rds.memoryBytes)})` },
                        ],
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: c.threshold,
                        treatMissingData: "notBreaching",
                        treatMissingDataReason: NOT_BREACHING_RESOURCE,
                    });
                    m.elasticache.cacheClusterIds.forEach((id, i) =>
                        specs.push({
                            variant: `elasticache-node${i + 1}`,
                            measures: `AWS/ElastiCache DatabaseMemoryUsagePercentage (Maximum) of cache node ${i + 1}`,
                            metric: { namespace: "AWS/ElastiCache", metricName: "DatabaseMemoryUsagePercentage", dimensions: { CacheClusterId: id }, statistic: "Maximum" },
                            comparisonOperator: "GreaterThanThreshold",
                            threshold: c.threshold,
                            treatMissingData: "notBreaching",
                            treatMissingDataReason: NOT_BREACHING_RESOURCE,
                        }),
                    );
                }
                return specs;
            },
        },
    },

    DiskSpaceLow: {
        id: "DiskSpaceLow",
        severity: "critical",
        summary: "Disk almost full: less than {threshold}% free",
        description:
            "A host filesystem, the web server tasks' Fargate ephemeral storage, or the RDS volume has less free space than the threshold. Writes will fail soon. Find what grows (logs, temp files, WAL), clean up or grow the volume.",
        threshold: { default: 10, min: 1, max: 50, unit: "percent free", direction: "below" },
        prometheus: {
            signal: "instant",
            recordingRules: () => [
                {
                    record: NODE_FS_FREE_PERCENT,
                    expr:
                        `100 * ${sel("node_filesystem_avail_bytes", FS_MATCHERS)} / ${sel("node_filesystem_size_bytes", FS_MATCHERS)}` +
                        ` and on(instance, device, mountpoint) ${sel("node_filesystem_readonly", FS_MATCHERS)} == 0`,
                },
            ],
            expr: (c) => `${NODE_FS_FREE_PERCENT} < ${num(c.threshold as number)}`,
            resultLabels: ["instance", "job", "device", "fstype", "mountpoint"],
        },
        cloudwatch: {
            alarms: (c) => {
                const t = c.targets;
                const specs: CloudWatchAlarmSpec[] = [
                    {
                        variant: "ephemeral",
                        measures: "100 × (1 − ECS/ContainerInsights EphemeralStorageUtilized / EphemeralStorageReserved), Maximum (fullest task)",
                        metricQueries: [
                            { id: "used", metric: { namespace: "ECS/ContainerInsights", metricName: "EphemeralStorageUtilized", dimensions: serviceDims(t), stat: "Maximum" } },
                            { id: "reserved", metric: { namespace: "ECS/ContainerInsights", metricName: "EphemeralStorageReserved", dimensions: serviceDims(t), stat: "Maximum" } },
                            { id: "freePercent", label: "ephemeral storage free (%)", returnData: true, expression: "100 * (1 - used / reserved)" },
                        ],
                        comparisonOperator: "LessThanThreshold",
                        threshold: c.threshold,
                        treatMissingData: "notBreaching",
                        treatMissingDataReason: NOT_BREACHING_RESOURCE,
                    },
                ];
                const m = managed(t);
                if (m !== undefined) {
                    const floor = rdsFreeStorageFloor(m.rds.allocatedStorageGiB, c.threshold as number);
                    specs.push({
                        variant: "rds",
                        measures:
                            `AWS/RDS FreeStorageSpace (Minimum) below ${num(floor.gib)} GiB (${num(floor.percent)} % of the ${m.rds.allocatedStorageGiB} GiB the instance started with): ` +
                            "storage autoscaling keeps more free than that until it reaches maxAllocatedStorage, so this means it has stopped keeping up (ceiling reached, or growth faster than its 6-hour cooldown)",
                        metric: { namespace: "AWS/RDS", metricName: "FreeStorageSpace", dimensions: { DBInstanceIdentifier: m.rds.instanceId }, statistic: "Minimum" },
                        comparisonOperator: "LessThanThreshold",
                        threshold: floor.bytes,
                        treatMissingData: "notBreaching",
                        treatMissingDataReason: NOT_BREACHING_RESOURCE,
                    });
                }
                return specs;
            },
        },
    },

    HighResponseTime: {
        id: "HighResponseTime",
        severity: "warning",
        summary: "Slow responses: p99 latency above {threshold} s",
        description:
            "The 99th percentile of request duration is above the threshold. Check slow queries and the database pool (waiting clients), Redis latency, CPU, and which routes are slow on the service dashboard.",
        threshold: { default: 2, min: 0.05, max: 60, unit: "seconds", direction: "above" },
        prometheus: {
            signal: "windowed",
            recordingRules: (c) => [
                httpRateRule(c.window),
                {
                    record: httpP99(c.window),
                    expr: `histogram_quantile(0.99, sum by (le) (rate(${sel("koronet_http_request_duration_seconds_bucket", job(JOBS.koronet))}[${c.window}])))`,
                },
            ],
            expr: (c) => `${httpP99(c.window)} > ${num(c.threshold as number)} and on() ${httpRate(c.window)} >= ${num(MIN_TRAFFIC.latencyRps)}`,
            resultLabels: [],
        },
        cloudwatch: {
            alarms: (c) => [
                {
                    measures: "AWS/ApplicationELB TargetResponseTime p99 of the web server target group",
                    metric: { namespace: "AWS/ApplicationELB", metricName: "TargetResponseTime", dimensions: albDims(c.targets), extendedStatistic: "p99", unit: "Seconds" },
                    comparisonOperator: "GreaterThanThreshold",
                    threshold: c.threshold,
                    // "evaluate": with `ignore`, p99 needs ~1000 samples per period before it counts,
                    // which a small service never reaches; 2-of-3 absorbs the noise instead.
                    evaluateLowSampleCountPercentiles: "evaluate",
                    treatMissingData: "notBreaching",
                    treatMissingDataReason: `${NOT_BREACHING_SYMPTOM} TargetResponseTime has no datapoint without requests.`,
                },
            ],
        },
    },

    CacheMissRateHigh: {
        id: "CacheMissRateHigh",
        severity: "warning",
        summary: "Cache is not helping: over {threshold}% of look-ups miss",
        description:
            "The web server's read-through cache (source=app: its own hit/miss counters), or Redis itself (source=redis: keyspace hits/misses of every key look-up, sessions included; ElastiCache CacheHits/CacheMisses in prod), misses more often than the threshold (judged above a minimum look-up rate), so the database takes the load. Normal for a few minutes after a Redis restart or flush; otherwise check evictions, Redis memory and TTLs.",
        threshold: { default: 50, min: 1, max: 100, unit: "percent", direction: "above" },
        prometheus: {
            signal: "windowed",
            timing: { production: { for: "3m" } },
            recordingRules: (c) => {
                const hits = orZero(`sum(rate(${sel("koronet_cache_hits_total", job(JOBS.koronet))}[${c.window}]))`);
                const misses = `sum(rate(${sel("koronet_cache_misses_total", job(JOBS.koronet))}[${c.window}]))`;
                // The store-side signal: redis_exporter's keyspace_hits/keyspace_misses (Redis INFO
                // stats: successful and failed key look-ups, every client and key).
                const rHits = orZero(`sum(rate(${sel("redis_keyspace_hits_total", job(JOBS.redis))}[${c.window}]))`);
                const rMisses = `sum(rate(${sel("redis_keyspace_misses_total", job(JOBS.redis))}[${c.window}]))`;
                return [
                    { record: cacheLookupRate(c.window), expr: `${hits} + ${orZero(misses)}` },
                    { record: cacheMissPercent(c.window), expr: `100 * ${misses} / ${cacheLookupRate(c.window)}` },
                    { record: redisLookupRate(c.window), expr: `${rHits} + ${orZero(rMisses)}` },
                    { record: redisMissPercent(c.window), expr: `100 * ${rMisses} / ${redisLookupRate(c.window)}` },
                ];
            },
            expr: (c) => {
                const t = num(c.threshold as number);
                const min = num(MIN_TRAFFIC.cacheLookupsPerSecond);
                const app = `${cacheMissPercent(c.window)} > ${t} and on() ${cacheLookupRate(c.window)} >= ${min}`;
                const store = `${redisMissPercent(c.window)} > ${t} and on() ${redisLookupRate(c.window)} >= ${min}`;
                return `label_replace(${app}, "source", "app", "", "") or label_replace(${store}, "source", "redis", "", "")`;
            },
            resultLabels: ["source"],
        },
        cloudwatch: {
            alarms: (c) => {
                const t = c.targets;
                const minLookups = MIN_TRAFFIC.cacheLookupsPerSecond * c.periodSeconds;
                return [
                    {
                        // The app's own counters in both data-store modes: they measure exactly its
                        // read-through cache (ElastiCache CacheHits/Misses also count session look-ups)
                        // and are what the Prometheus rule reads.
                        measures: "100 × Koronet/App koronet_cache_misses_total / (hits + misses), Sum per period",
                        metricQueries: [
                            { id: "hits", metric: { namespace: APP_NAMESPACE, metricName: "koronet_cache_hits_total", dimensions: serviceDims(t), stat: "Sum" } },
                            { id: "misses", metric: { namespace: APP_NAMESPACE, metricName: "koronet_cache_misses_total", dimensions: serviceDims(t), stat: "Sum" } },
                            {
                                id: "missRate",
                                label: "cache miss share (%)",
                                returnData: true,
                                expression: `IF((FILL(hits, 0) + FILL(misses, 0)) >= ${num(minLookups)}, 100 * FILL(misses, 0) / (FILL(hits, 0) + FILL(misses, 0)), 0)`,
                            },
                        ],
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: c.threshold,
                        treatMissingData: "notBreaching",
                        treatMissingDataReason: NOT_BREACHING_SYMPTOM,
                    },
                    ...elastiCacheMissRate(c, minLookups),
                ];
            },
        },
    },

    HighCpuUsage: {
        id: "HighCpuUsage",
        severity: "warning",
        summary: "CPU above {threshold}% for minutes: requests will queue",
        description:
            "Host CPU (node_exporter), the web server service's CPU (ECS) or a managed data store's CPU is above the threshold for several minutes. Short spikes (process start-up, deploys) are ignored on purpose. Scale out, or find the hot path.",
        threshold: { default: 80, min: 1, max: 100, unit: "percent", direction: "above" },
        prometheus: {
            signal: "windowed",
            // Start-up of several processes on 2 cores keeps CPU near 100% for about a minute;
            // 4 minutes stays clear of that and notifies within the 5-minute warning target.
            timing: { production: { for: "4m" }, test: { for: "2m" } },
            recordingRules: (c) => [
                { record: nodeCpuPercent(c.window), expr: `100 * (1 - avg by (instance, job) (rate(${sel("node_cpu_seconds_total", `${job(JOBS.node)},mode="idle"`)}[${c.window}])))` },
            ],
            expr: (c) => `${nodeCpuPercent(c.window)} > ${num(c.threshold as number)}`,
            resultLabels: ["instance", "job"],
        },
        cloudwatch: {
            alarms: (c) => {
                const t = c.targets;
                const specs: CloudWatchAlarmSpec[] = [
                    {
                        variant: "service",
                        measures: "AWS/ECS CPUUtilization (Average) of the web server service",
                        metric: { namespace: "AWS/ECS", metricName: "CPUUtilization", dimensions: serviceDims(t), statistic: "Average" },
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: c.threshold,
                        treatMissingData: "notBreaching",
                        treatMissingDataReason: NOT_BREACHING_RESOURCE,
                        firstPeriodMayNotBreach: true,
                    },
                ];
                const m = managed(t);
                if (m !== undefined) {
                    specs.push({
                        variant: "rds",
                        measures: "AWS/RDS CPUUtilization (Average)",
                        metric: { namespace: "AWS/RDS", metricName: "CPUUtilization", dimensions: { DBInstanceIdentifier: m.rds.instanceId }, statistic: "Average" },
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: c.threshold,
                        treatMissingData: "notBreaching",
                        treatMissingDataReason: NOT_BREACHING_RESOURCE,
                        firstPeriodMayNotBreach: true,
                    });
                    m.elasticache.cacheClusterIds.forEach((id, i) =>
                        specs.push({
                            variant: `elasticache-node${i + 1}`,
                            // EngineCPUUtilization: Redis is single-threaded, host CPU hides a saturated engine.
                            measures: `AWS/ElastiCache EngineCPUUtilization (Average) of cache node ${i + 1}`,
                            metric: { namespace: "AWS/ElastiCache", metricName: "EngineCPUUtilization", dimensions: { CacheClusterId: id }, statistic: "Average" },
                            comparisonOperator: "GreaterThanThreshold",
                            threshold: c.threshold,
                            treatMissingData: "notBreaching",
                            treatMissingDataReason: NOT_BREACHING_RESOURCE,
                            firstPeriodMayNotBreach: true,
                        }),
                    );
                }
                return specs;
            },
        },
    },

    UnusualTraffic: {
        id: "UnusualTraffic",
        severity: "warning",
        summary: "Unusual traffic: request rate more than {threshold} standard deviations from normal",
        description:
            "The request rate left its learned band (more than the threshold in standard deviations from the last hour, and by at least 25%), or it dropped to zero while the last hour never had a quiet minute. A drop can mean clients cannot reach us (DNS, certificates, upstream); a surge can be a campaign, a retry storm or abuse. Compare with the status-code and endpoint panels.",
        threshold: { default: 3, min: 1, max: 10, unit: "standard deviations", direction: "above" },
        prometheus: {
            signal: "windowed",
            timing: { production: { for: "3m" }, test: { for: "5s" } },
            recordingRules: (c) => {
                const b = UNUSUAL_TRAFFIC_BASELINE[c.profile];
                const r = httpRate(c.window);
                return [
                    httpRateRule(c.window),
                    { record: `${r}:avg_baseline`, expr: `avg_over_time(${r}[${b.range}] offset ${b.offset})` },
                    { record: `${r}:stddev_baseline`, expr: `stddev_over_time(${r}[${b.range}] offset ${b.offset})` },
                    { record: `${r}:samples_baseline`, expr: `count_over_time(${r}[${b.range}] offset ${b.offset})` },
                    { record: `${r}:min_baseline`, expr: `min_over_time(${r}[${b.range}] offset ${b.offset})` },
                ];
            },
            expr: (c) => {
                const b = UNUSUAL_TRAFFIC_BASELINE[c.profile];
                const r = httpRate(c.window);
                const minSamples = Math.floor(parsePromDuration(b.range) / c.evaluationIntervalSeconds / 2);
                const dev = `abs(${r} - ${r}:avg_baseline)`;
                // Three conditions: far in standard deviations; far in absolute terms (≥ 25% of normal,
                // ≥ 0.5 req/s), so a flat baseline with zero spread does not alarm on noise; and a
                // baseline that covers at least half its range (new stacks, restarts).
                const band =
                    `${dev} > ${num(c.threshold as number)} * ${r}:stddev_baseline` +
                    ` and ${dev} > clamp_min(0.25 * ${r}:avg_baseline, 0.5)` +
                    ` and ${r}:samples_baseline >= ${minSamples}`;
                // Traffic gone: the rate is 0, or absent (tasks replaced since the last request have
                // no request series yet, and sum() of nothing is nothing, not 0). Only when the
                // baseline was clearly above zero the whole time — never a quiet minute, at least
                // 0.5 req/s on average — so a low-traffic stack's normal lulls stay quiet.
                const gone =
                    `${orZero(r)} == 0` +
                    ` and on() ${r}:min_baseline > 0 and on() ${r}:avg_baseline >= ${num(MIN_TRAFFIC.errorRateRps)}` +
                    ` and on() ${r}:samples_baseline >= ${minSamples}`;
                return `(${band}) or (${gone})`;
            },
            resultLabels: [],
        },
        cloudwatch: {
            alarms: (c) => [
                {
                    // FILL(requests, 0): the ALB publishes no RequestCount in a minute without
                    // requests, so without it traffic dropping to zero is missing data, never below
                    // the band. The band is learned on the filled series, whose lower edge is above
                    // zero only when traffic has been clearly above zero: a low-traffic stack whose
                    // quiet minutes are in its history is not paged for the next one. Anomaly
                    // detection on a metric-math expression: "You also can create anomaly detection
                    // alarms on single metrics and the outputs of metric math expressions"
                    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Anomaly_Detection_Alarm.html).
                    measures: "FILL(AWS/ApplicationELB RequestCount (Sum), 0) outside ANOMALY_DETECTION_BAND(requestsOrZero, threshold)",
                    metricQueries: [
                        { id: "requests", label: "requests", metric: { namespace: "AWS/ApplicationELB", metricName: "RequestCount", dimensions: albDims(c.targets), stat: "Sum" } },
                        { id: "requestsOrZero", label: "requests (0 when none)", returnData: true, expression: "FILL(requests, 0)" },
                        { id: "band", label: "expected band", returnData: true, expression: `ANOMALY_DETECTION_BAND(requestsOrZero, ${num(c.threshold as number)})` },
                    ],
                    comparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold",
                    thresholdMetricId: "band",
                    treatMissingData: "notBreaching",
                    treatMissingDataReason: `${NOT_BREACHING_SYMPTOM} With FILL a minute without requests is a 0, judged against the band; only a minute CloudWatch has no data at all for is missing.`,
                },
            ],
        },
    },

    TargetDown: {
        id: "TargetDown",
        severity: "warning",
        summary: "A Prometheus target cannot be scraped: {{ $labels.job }} at {{ $labels.instance }}",
        description:
            "Prometheus failed to scrape {{ $labels.job }} at {{ $labels.instance }} for over a minute. Its metrics, and the alerts built on them, are blind until it is back. Check the task, its port and the security group from Prometheus.",
        prometheus: {
            signal: "instant",
            timing: { production: { for: "1m" }, test: { for: "3s" } },
            expr: () => `up == 0`,
            resultLabels: ["instance", "job"],
        },
    },

    ServiceTasksMissing: {
        id: "ServiceTasksMissing",
        severity: "warning",
        summary: "An ECS service runs fewer tasks than it should",
        description:
            "ECS reports fewer running tasks than desired for minutes (CloudWatch, every service), or Prometheus scrapes node exporter on a different number of hosts than cAdvisor (a host daemon missing on some instance). A DAEMON service's desired count is the number of container instances, so a node exporter or cAdvisor that never comes up, or keeps failing on one host, shows here. Look at the service's events and stopped tasks (stop reason, exit code), and placement (memory left on the instance).",
        prometheus: {
            signal: "instant",
            timing: { production: { for: "3m" }, test: { for: "5s" } },
            // The host daemons run one task per instance: each job has as many targets as there are
            // instances. A daemon that never started on one host has no Cloud Map record there, so
            // it is not a target that is down (TargetDown) but one that is missing. Compared with
            // each other; a job with no target at all compares as nothing (CloudWatch's count says
            // that case, and a stack without cAdvisor, like the local pipeline, stays quiet).
            expr: () => `count(${sel("up", job(JOBS.node))}) != count(${sel("up", job(JOBS.cadvisor))})`,
            resultLabels: [],
        },
        cloudwatch: {
            // 3 of 3 minutes: a deployment or a new instance brings a missing task in well within that.
            timing: { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 3 },
            alarms: (c) =>
                c.targets.services.map((svc): CloudWatchAlarmSpec => {
                    const dims = { ClusterName: c.targets.clusterName, ServiceName: svc.serviceName };
                    return {
                        variant: svc.key,
                        measures: `ECS/ContainerInsights DesiredTaskCount (Maximum) − RunningTaskCount (Minimum) of ${svc.description}${svc.scheduling === "daemon" ? " (a DAEMON service: desired = container instances)" : ""}`,
                        metricQueries: [
                            { id: "desired", metric: { namespace: "ECS/ContainerInsights", metricName: "DesiredTaskCount", dimensions: dims, stat: "Maximum" } },
                            { id: "running", metric: { namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", dimensions: dims, stat: "Minimum" } },
                            { id: "missing", label: "tasks missing", returnData: true, expression: "desired - FILL(running, 0)" },
                        ],
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: 0,
                        treatMissingData: "breaching",
                        treatMissingDataReason: "breaching: Container Insights reports every service's task counts each minute; a service that reports nothing has no task to report from.",
                    };
                }),
        },
    },

    ContainerRestarting: {
        id: "ContainerRestarting",
        severity: "warning",
        summary: "A service keeps crashing: more than {threshold} task restarts in the window",
        description:
            "Tasks of one service (Prometheus: its `job`; CloudWatch: the service the alarm names) keep failing and being replaced (a crash loop): more than the threshold within the window. ECS replaces a failed task rather than restarting its containers, so this counts stopped tasks that failed (CloudWatch: ECS task state change events — essential container exited, failed to start, failed health checks, OOM kills) and scraped processes that started and disappeared within the window (Prometheus). Deployments' normal replacements are not counted. Look at the stopped tasks' stop code, exit code and reason (runbook: the events log group query) and the task logs.",
        threshold: { default: 2, min: 0, max: 100, unit: "restarts", direction: "above" },
        prometheus: {
            signal: "event",
            timing: { production: { for: "0s", window: "15m" }, test: { for: "0s", window: "30s" } },
            // Every scraped process exports process_start_time_seconds (client libraries' process
            // collector). A restart is a process that started within the window and is gone now: a
            // replaced task is a new target (new address), so its old series ended; a process
            // restarted in place (same target) changes the value. A deployment replaces tasks that
            // started long before the window, and its new tasks stay: neither counts.
            expr: (c) => {
                const p = `process_start_time_seconds{job!=""}`;
                const inPlace = `sum by (job) (changes(${p}[${c.window}]))`;
                const shortLived = `count by (job) ((max_over_time(${p}[${c.window}]) > (time() - ${c.windowSeconds})) unless ${p})`;
                return `(${inPlace} + (${shortLived} or ${inPlace} * 0)) > ${num(c.threshold as number)}`;
            },
            resultLabels: ["job"],
        },
        cloudwatch: {
            // Per minute: did a task of the service crash? 3 such minutes out of 15 (the threshold + 1
            // at the default) is a crash loop; a single failed deploy attempt is not. ECS events are
            // counted by metric filters (task-events.ts), published only when a task stops.
            timing: { periodSeconds: 60, evaluationPeriods: 15, datapointsToAlarm: 3 },
            alarms: (c) =>
                c.targets.services.map((svc): CloudWatchAlarmSpec => ({
                    variant: svc.key,
                    measures: `${TASK_EVENT_METRICS.namespace} ${TASK_EVENT_METRICS.crashed} (Sum) of ${svc.description}, from ECS task state change events; minutes with a crash`,
                    metric: { namespace: TASK_EVENT_METRICS.namespace, metricName: TASK_EVENT_METRICS.crashed, dimensions: { [TASK_EVENT_METRICS.groupDimension]: serviceGroup(svc.serviceName) }, statistic: "Sum" },
                    comparisonOperator: "GreaterThanThreshold",
                    threshold: 0,
                    treatMissingData: "notBreaching",
                    treatMissingDataReason: "notBreaching: the metric filter publishes only when a task stops; no datapoint means no crash.",
                })),
        },
    },

    PostgresConnectionsNearExhaustion: {
        id: "PostgresConnectionsNearExhaustion",
        severity: "warning",
        summary: "PostgreSQL connections above {threshold}% of max_connections",
        description:
            "Open connections are above the threshold share of max_connections; new connections will soon be refused. Check pool sizes × task count, idle-in-transaction sessions and leaks.",
        threshold: { default: 80, min: 1, max: 100, unit: "percent of max_connections", direction: "above" },
        prometheus: {
            signal: "instant",
            expr: (c) =>
                `100 * sum by (instance, job) (${sel("pg_stat_activity_count", job(JOBS.postgres))}) / max by (instance, job) (${sel("pg_settings_max_connections", job(JOBS.postgres))}) > ${num(c.threshold as number)}`,
            resultLabels: ["instance", "job"],
        },
        cloudwatch: {
            alarms: (c) => {
                const m = managed(c.targets);
                if (m === undefined) return [];
                return [
                    {
                        variant: "rds",
                        measures: "100 × AWS/RDS DatabaseConnections (Maximum) / max_connections",
                        metricQueries: [
                            { id: "connections", metric: { namespace: "AWS/RDS", metricName: "DatabaseConnections", dimensions: { DBInstanceIdentifier: m.rds.instanceId }, stat: "Maximum" } },
                            { id: "usedPercent", label: "connections used (%)", returnData: true, expression: `100 * connections / ${num(m.rds.maxConnections)}` },
                        ],
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: c.threshold,
                        treatMissingData: "notBreaching",
                        treatMissingDataReason: NOT_BREACHING_RESOURCE,
                    },
                ];
            },
        },
    },

    AlertmanagerNotificationsFailing: {
        id: "AlertmanagerNotificationsFailing",
        // Critical: a failing PagerDuty integration means pages are lost; this alert itself still
        // reaches Slack and the critical email list, whose integrations run apart from the failing one.
        severity: "critical",
        summary: "Alertmanager cannot deliver to {{ $labels.integration }}: its notifications are being lost",
        description:
            "Alertmanager gave up on notifications to {{ $labels.integration }} after its retries (alertmanager_notifications_failed_total rose; webhook = the notifier, which delivers Slack and, with a notifier, PagerDuty; pagerduty = PagerDuty sent by Alertmanager itself, without a notifier; sns = email or Chatbot). The other integrations still deliver: Alertmanager runs each on its own. Right after a deploy, PagerDuty failing usually means the routing-key secret still holds the UNSET placeholder: put the key (the notifier reads it within 5 minutes; without a notifier the secret follower redeploys Alertmanager within 5 minutes).",
        prometheus: {
            signal: "event",
            // Every failure counts (no threshold): one lost page is one too many. The window only
            // decides how long the alert stays up after the last failure.
            timing: { production: { for: "0s", window: "5m" }, test: { for: "0s", window: "30s" } },
            // Alertmanager 0.25 counts per integration after RetryStage gives up (notify/notify.go),
            // and initialises every integration's series at 0, so increase() sees the first failure.
            expr: (c) => `sum by (integration) (increase(${sel("alertmanager_notifications_failed_total", job(JOBS.alertmanager))}[${c.window}])) > 0`,
            resultLabels: ["integration"],
        },
    },

    Watchdog: {
        id: "Watchdog",
        severity: "none",
        summary: "Watchdog: the alerting pipeline is alive (always firing)",
        description:
            "Always firing on purpose. Alertmanager forwards it to the heartbeat; if the heartbeat stops, the CloudWatch heartbeat alarm reports that Prometheus or Alertmanager is broken.",
        prometheus: {
            signal: "instant",
            expr: () => "vector(1)",
            resultLabels: [],
        },
    },
};

/**
 * RDS storage autoscaling starts when "free available space is less than or equal to 10 percent of
 * the allocated storage" for five minutes, at least six hours after the last storage change, and
 * grows the volume up to maxAllocatedStorage
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html).
 */
export const RDS_AUTOSCALING_TRIGGER_PERCENT = 10;

/**
 * The free-space floor DiskSpaceLow watches on RDS. A percentage of the *current* allocation cannot
 * be computed (RDS publishes FreeStorageSpace, not the allocated size, and autoscaling changes it);
 * dividing by the allocation the stack created it with, as before, claimed a percentage it was not.
 * What is honest: free bytes below a floor autoscaling never lets the volume reach while it works.
 * Storage never shrinks, so the current allocation is at least the initial one, and autoscaling keeps
 * at least 10 % of it free; half of that (or the stack's threshold, if lower) of the initial size is
 * below its own trigger, so its five-minute wait is never paged. Below the floor, autoscaling has
 * stopped helping: maxAllocatedStorage reached, or growth faster than its cooldown allows.
 */
export function rdsFreeStorageFloor(allocatedStorageGiB: number, thresholdPercent: number): { readonly percent: number; readonly gib: number; readonly bytes: number } {
    const percent = Math.min(thresholdPercent, RDS_AUTOSCALING_TRIGGER_PERCENT / 2);
    const gib = (allocatedStorageGiB * percent) / 100;
    return { percent, gib, bytes: Math.round(gib * 1024 ** 3) };
}

/** Baseline of UnusualTraffic: the last `range`, ending `offset` ago so an anomaly does not dilute its own baseline. */
export const UNUSUAL_TRAFFIC_BASELINE: Readonly<Record<TimingProfile, { readonly range: string; readonly offset: string }>> = {
    production: { range: "1h", offset: "10m" },
    test: { range: "2m", offset: "30s" },
};

/**
 * Targets with placeholder names, for what depends only on the alarms' shape (timings, namespaces,
 * counts): the plan report, config checks, the benchmark. One service of each scheduling kind.
 */
export function placeholderTargets(i: { readonly dataStoreMode: "ecs" | "managed"; readonly cacheNodes?: number; readonly name?: string }): CloudWatchTargets {
    const p = i.name ?? "placeholder";
    const services: EcsServiceTarget[] = [
        { key: "web", serviceName: p, scheduling: "replica", description: "the web server" },
        { key: "node-exporter", serviceName: `${p}-node-exporter`, scheduling: "daemon", description: "node exporter" },
    ];
    return {
        loadBalancerArnSuffix: p,
        targetGroupArnSuffix: p,
        clusterName: p,
        serviceName: p,
        services,
        dataStores: i.dataStoreMode === "managed"
            ? { mode: "managed", rds: { instanceId: p, maxConnections: 100, allocatedStorageGiB: 20, memoryBytes: 4 * 1024 ** 3 }, elasticache: { cacheClusterIds: Array.from({ length: i.cacheNodes ?? 2 }, (_, n) => `${p}-${String(n + 1).padStart(3, "0")}`) } }
            : { mode: "ecs" },
    };
}

// ---------------------------------------------------------------------------------------------
// Runbooks
// ---------------------------------------------------------------------------------------------

/**
 * URL of an alert's runbook: `<base>/<AlertId>.md`. `base` is the runbooks folder as a URL (e.g.
 * `https://github.com/org/repo/blob/main/runbooks`); without it, the repository-relative path.
 */
export function runbookUrl(id: string, base?: string): string {
    return `${(base ?? "runbooks").replace(/\/+$/, "")}/${id}.md`;
}

// ---------------------------------------------------------------------------------------------
// Resolution: catalog + a stack's overrides
// ---------------------------------------------------------------------------------------------

/** An alert with a stack's overrides applied, ready for the generators. */
export interface ResolvedAlert {
    readonly id: AlertId;
    /** False when the stack set `enabled: false`: no rule, no alarm. */
    readonly enabled: boolean;
    /** Effective severity (routing). */
    readonly severity: AlertSeverity;
    readonly summary: string;
    readonly description: string;
    readonly runbookUrl: string;
    /** Effective threshold, in `thresholdSpec.unit`. */
    readonly threshold?: number;
    readonly thresholdSpec?: ThresholdSpec;
    readonly profile: TimingProfile;
    /** The Prometheus path's timings this alert was resolved with (scrape and evaluation from the stack). */
    readonly pipeline: PrometheusPathTimings;
    readonly prometheus?: {
        readonly signal: SignalKind;
        readonly for: string;
        readonly forSeconds: number;
        readonly window: string;
        readonly windowSeconds: number;
        readonly expr: string;
        readonly recordingRules: readonly RecordingRule[];
        readonly resultLabels: readonly string[];
    };
    readonly cloudwatch?: CloudWatchTiming & {
        /** The alarm specs for a stack's targets. */
        readonly alarms: (targets: CloudWatchTargets) => CloudWatchAlarmSpec[];
    };
}

export interface ResolveSettings {
    /** The stack's `koronet:alerting` → `alerts` section (already validated by config/alerts.ts). */
    readonly alerts?: AlertOverrides;
    /** Base URL of the runbooks folder. @default "runbooks" (repository-relative) */
    readonly runbookBaseUrl?: string;
    /**
     * Timing profile. Overrides of `for` and `window` apply to `production` only: `test` keeps its
     * short timings so end-to-end runs stay fast whatever a stack tunes. @default "production"
     */
    readonly profile?: TimingProfile;
    /**
     * The stack's Prometheus scrape and rule evaluation intervals (`koronet:monitoring.prometheus`),
     * production profile only. Default rate windows follow the scrape interval (they hold at least
     * `DEFAULT_WINDOW_SCRAPES` scrapes), and time-to-notify is computed with these values.
     * @default PIPELINE_TIMINGS.production
     */
    readonly prometheusIntervals?: { readonly scrapeIntervalSeconds: number; readonly evaluationIntervalSeconds: number };
}

/**
 * Scrapes a default rate window holds: four, so one missed or late scrape still leaves the two
 * samples `rate()` needs (https://www.robustperception.io/what-range-should-i-use-with-rate/).
 */
export const DEFAULT_WINDOW_SCRAPES = 4;
/** Scrapes an explicitly set window must hold: `rate()` needs two samples, or the alert can never fire. */
export const MIN_WINDOW_SCRAPES = 2;

/** The Prometheus path timings of a profile with a stack's intervals applied. */
export function pipelineTimings(profile: TimingProfile, intervals?: ResolveSettings["prometheusIntervals"]): PrometheusPathTimings {
    const base = PIPELINE_TIMINGS[profile];
    return profile === "production" && intervals !== undefined ? { ...base, ...intervals } : base;
}

/** A CloudWatch period: 10, 30, or a multiple of 60. */
export function isValidCloudWatchPeriod(seconds: number): boolean {
    return seconds === 10 || seconds === 30 || (Number.isInteger(seconds) && seconds >= 60 && seconds % 60 === 0);
}

/**
 * Applies a stack's overrides to the catalog. Returns every alert (disabled ones with
 * `enabled: false`) in catalog order. Throws on combinations the schema cannot see alone, naming
 * the key path.
 */
export function resolveAlerts(settings: ResolveSettings = {}): ResolvedAlert[] {
    const profile = settings.profile ?? "production";
    const pipeline = pipelineTimings(profile, settings.prometheusIntervals);
    return ALERT_IDS.map((id): ResolvedAlert => {
        const def = ALERT_CATALOG[id];
        const o = settings.alerts?.[id] ?? {};
        const path = `alerting.alerts.${id}`;
        const severity: AlertSeverity = def.severity === "none" ? "none" : (o.severity ?? def.severity);
        const threshold = def.threshold === undefined ? undefined : (o.threshold ?? def.threshold.default);
        if (def.threshold !== undefined && threshold !== undefined && (threshold < def.threshold.min || threshold > def.threshold.max)) {
            throw new Error(`${path}.threshold: ${threshold} is out of range; allowed ${def.threshold.min}..${def.threshold.max} (${def.threshold.unit})`);
        }

        let prometheus: ResolvedAlert["prometheus"];
        if (def.prometheus !== undefined) {
            const g = def.prometheus;
            const base = PROMETHEUS_TIMING_BY_SEVERITY[severity][profile];
            const own = g.timing?.[profile] ?? {};
            const forD = (profile === "production" ? o.for : undefined) ?? own.for ?? base.for;
            const explicit = profile === "production" ? o.window : undefined;
            const S = pipeline.scrapeIntervalSeconds;
            // A default window follows the scrape interval: never fewer than DEFAULT_WINDOW_SCRAPES scrapes.
            const defaultWindow = own.window ?? base.window;
            const window = explicit ?? (g.signal !== "instant" && parsePromDuration(defaultWindow) < DEFAULT_WINDOW_SCRAPES * S ? formatPromDuration(DEFAULT_WINDOW_SCRAPES * S) : defaultWindow);
            const windowSeconds = parsePromDuration(window);
            if (g.signal !== "instant" && windowSeconds < MIN_WINDOW_SCRAPES * S) {
                throw new Error(`${path}.window: ${window} holds fewer than ${MIN_WINDOW_SCRAPES} scrapes (scrape interval ${S}s); allowed ≥ ${formatPromDuration(MIN_WINDOW_SCRAPES * S)}`);
            }
            const ctx: PrometheusContext = { threshold, window, windowSeconds, profile, evaluationIntervalSeconds: pipeline.evaluationIntervalSeconds };
            prometheus = {
                signal: g.signal,
                for: forD,
                forSeconds: parsePromDuration(forD),
                window,
                windowSeconds,
                expr: g.expr(ctx),
                recordingRules: g.recordingRules?.(ctx) ?? [],
                resultLabels: g.resultLabels,
            };
        }

        let cloudwatch: ResolvedAlert["cloudwatch"];
        if (def.cloudwatch !== undefined) {
            const g = def.cloudwatch;
            const base = CLOUDWATCH_TIMING_BY_SEVERITY[severity === "none" ? "warning" : severity];
            const oc = o.cloudwatch ?? {};
            const periodSeconds = oc.periodSeconds ?? g.timing?.periodSeconds ?? base.periodSeconds;
            const evaluationPeriods = oc.evaluationPeriods ?? g.timing?.evaluationPeriods ?? base.evaluationPeriods;
            const datapointsToAlarm = oc.datapointsToAlarm ?? g.timing?.datapointsToAlarm ?? base.datapointsToAlarm;
            if (!isValidCloudWatchPeriod(periodSeconds)) {
                throw new Error(`${path}.cloudwatch.periodSeconds: ${periodSeconds} is not allowed; allowed 10, 30 or a multiple of 60`);
            }
            if (datapointsToAlarm > evaluationPeriods) {
                throw new Error(`${path}.cloudwatch.datapointsToAlarm: ${datapointsToAlarm} is more than evaluationPeriods (${evaluationPeriods}); allowed 1..${evaluationPeriods}`);
            }
            if (periodSeconds * evaluationPeriods > 86400) {
                throw new Error(`${path}.cloudwatch.evaluationPeriods: ${evaluationPeriods} × ${periodSeconds}s exceeds one day; allowed 1..${Math.floor(86400 / periodSeconds)}`);
            }
            cloudwatch = {
                periodSeconds,
                evaluationPeriods,
                datapointsToAlarm,
                alarms: (targets) => g.alarms({ threshold, periodSeconds, targets }),
            };
        }

        return {
            id,
            enabled: o.enabled ?? true,
            severity,
            summary: def.summary.replace("{threshold}", threshold === undefined ? "" : num(threshold)),
            description: def.description,
            runbookUrl: runbookUrl(id, settings.runbookBaseUrl),
            ...(threshold !== undefined ? { threshold } : {}),
            ...(def.threshold !== undefined ? { thresholdSpec: def.threshold } : {}),
            profile,
            pipeline,
            ...(prometheus !== undefined ? { prometheus } : {}),
            ...(cloudwatch !== undefined ? { cloudwatch } : {}),
        };
    });
}
