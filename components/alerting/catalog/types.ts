/**
 * The shapes of the alert catalog: what an entry defines (typed by its tuning, so an alert with a
 * threshold gets a `number`, one without gets `undefined`), the CloudWatch targets and alarm specs
 * the generators produce, and a resolved alert. Pure types.
 */
import type * as pulumi from "@pulumi/pulumi";
import type {
    AlertId,
    AlertOverrides,
    AlertSeverity,
    CloudWatchTiming,
    PrometheusIntervals,
    PrometheusPathTimings,
    PrometheusTiming,
    SignalKind,
    ThresholdSpec,
    TimingProfile,
} from "../../../config/alert-vocabulary";
import type { NamespacesRead, TuningOf } from "../../../config/alert-tuning";

export type { AlertId, AlertSeverity, CloudWatchTiming, PrometheusPathTimings, Severity, TimingProfile } from "../../../config/alert-vocabulary";

export interface RecordingRule {
    readonly record: string;
    readonly expr: string;
}

/** The effective threshold an entry's generators get: a number where the alert has one. */
export type ThresholdOf<Id extends AlertId> = TuningOf<Id> extends { readonly threshold: ThresholdSpec } ? number : undefined;

/** What a Prometheus generator gets. */
export interface PrometheusContext<T extends number | undefined = number | undefined> {
    /** Effective threshold (undefined for alerts without one). */
    readonly threshold: T;
    /** Effective rate window, e.g. `1m`. */
    readonly window: string;
    readonly windowSeconds: number;
    readonly profile: TimingProfile;
    /** Rule evaluation interval of the profile. */
    readonly evaluationIntervalSeconds: number;
}

/** An entry's Prometheus rule (its signal kind and timing are tuning: config/alert-tuning.ts). */
export interface PrometheusRule<T extends number | undefined = number | undefined> {
    /** Recording rules the expression reads (deduplicated by name across alerts). */
    recordingRules?(ctx: PrometheusContext<T>): RecordingRule[];
    /** The alert expression: returns series exactly while the alert condition holds. */
    expr(ctx: PrometheusContext<T>): string;
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

export interface CloudWatchContext<T extends number | undefined = number | undefined> {
    readonly threshold: T;
    readonly periodSeconds: number;
    readonly targets: CloudWatchTargets;
}

/** An entry's CloudWatch alarms (their timing is tuning: config/alert-tuning.ts). */
export interface CloudWatchAlarms<T extends number | undefined = number | undefined> {
    alarms(ctx: CloudWatchContext<T>): CloudWatchAlarmSpec[];
}

/**
 * One catalog entry: what the alert says and measures. It has a Prometheus rule exactly when its
 * tuning has Prometheus timing, and CloudWatch alarms exactly when its tuning has CloudWatch timing.
 */
export type AlertEntry<Id extends AlertId> = {
    readonly id: Id;
    /** One line a tired person understands; `{threshold}` is replaced by the effective threshold. */
    readonly summary: string;
    /** What it means and what to look at first (shown under the summary). */
    readonly description: string;
} & (TuningOf<Id> extends { readonly prometheus: object } ? { readonly prometheus: PrometheusRule<ThresholdOf<Id>> } : { readonly prometheus?: never }) &
    (TuningOf<Id> extends { readonly cloudwatch: object } ? { readonly cloudwatch: CloudWatchAlarms<ThresholdOf<Id>> } : { readonly cloudwatch?: never });

/** Entries of some alerts, each typed by its own tuning. */
export type AlertEntries<Ids extends AlertId> = { readonly [Id in Ids]: AlertEntry<Id> };

export interface PrometheusGenerator extends PrometheusRule {
    readonly signal: SignalKind;
    /** Per-profile timing; falls back to PROMETHEUS_TIMING_BY_SEVERITY of the effective severity. */
    readonly timing?: Partial<Readonly<Record<TimingProfile, Partial<PrometheusTiming>>>>;
}

export interface CloudWatchGenerator extends CloudWatchAlarms {
    /** Per-alert timing; falls back to CLOUDWATCH_TIMING_BY_SEVERITY of the effective severity. */
    readonly timing?: Partial<CloudWatchTiming>;
    /** CloudWatch namespaces the alarms read, per data-store mode. */
    readonly reads: NamespacesRead;
}

/** An alert as a whole: its tuning (config/alert-tuning.ts) and its entry, merged. */
export interface AlertDefinition {
    readonly id: AlertId;
    /** Default severity; a stack may change it (severity decides routing). */
    readonly severity: AlertSeverity;
    readonly summary: string;
    readonly description: string;
    /** Absent: not tunable (the condition is binary, e.g. a process is down). */
    readonly threshold?: ThresholdSpec;
    /** Absent: no Prometheus rule (the signal only exists in CloudWatch). */
    readonly prometheus?: PrometheusGenerator;
    /** Absent: no CloudWatch alarm (the signal only exists in Prometheus). */
    readonly cloudwatch?: CloudWatchGenerator;
}

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
    readonly prometheusIntervals?: PrometheusIntervals;
}
