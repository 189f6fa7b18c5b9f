/**
 * What a stack may tune of each alert, and the defaults it gets when it does not: severity,
 * threshold and its allowed range, Prometheus and CloudWatch timings. This is the input side of the
 * alert catalog; the catalog's entries (components/alerting/catalog/entries/) hold what an alert
 * measures and how, and read the effective values `effectiveAlertSettings` computes here — the one
 * place an alert's defaults meet a stack's overrides.
 *
 * `cloudwatch.reads`: the CloudWatch namespaces the alert's alarms read, per data-store mode, for the
 * cross-key checks (config/checks.ts: Container Insights off, monitoring off). The catalog test
 * proves these match the namespaces the alarm generators actually use.
 */
import {
    CLOUDWATCH_TIMING_BY_SEVERITY,
    DEFAULT_WINDOW_SCRAPES,
    formatPromDuration,
    isValidCloudWatchPeriod,
    MIN_WINDOW_SCRAPES,
    parsePromDuration,
    pipelineTimings,
    PROMETHEUS_TIMING_BY_SEVERITY,
    type AlertId,
    type AlertOverride,
    type AlertSeverity,
    type CloudWatchTiming,
    type PrometheusIntervals,
    type PrometheusPathTimings,
    type PrometheusTiming,
    type SignalKind,
    type ThresholdSpec,
    type TimingProfile,
} from "./alert-vocabulary";

/** CloudWatch namespaces an alert's alarms read, per data-store mode. */
export interface NamespacesRead {
    readonly ecs: readonly string[];
    readonly managed: readonly string[];
}

/** The tunable surface of one alert. */
export interface AlertTuning {
    /** Default severity; a stack may change it (severity decides routing). */
    readonly severity: AlertSeverity;
    /** Absent: not tunable (the condition is binary, e.g. a process is down). */
    readonly threshold?: ThresholdSpec;
    /** Absent: no Prometheus rule (the signal only exists in CloudWatch). */
    readonly prometheus?: {
        readonly signal: SignalKind;
        /** Per-profile timing; falls back to PROMETHEUS_TIMING_BY_SEVERITY of the effective severity. */
        readonly timing?: Partial<Readonly<Record<TimingProfile, Partial<PrometheusTiming>>>>;
    };
    /** Absent: no CloudWatch alarm (the signal only exists in Prometheus). */
    readonly cloudwatch?: {
        /** Per-alert timing; falls back to CLOUDWATCH_TIMING_BY_SEVERITY of the effective severity. */
        readonly timing?: Partial<CloudWatchTiming>;
        readonly reads: NamespacesRead;
    };
}

const ALB = ["AWS/ApplicationELB"];
const APP = ["Koronet/App"];
const both = (ns: readonly string[]): NamespacesRead => ({ ecs: ns, managed: ns });

export const ALERT_TUNING = {
    KoronetDown: {
        severity: "critical",
        threshold: { default: 1, min: 1, max: 50, unit: "instances", direction: "below" },
        prometheus: { signal: "instant" },
        cloudwatch: { reads: both(["ECS/ContainerInsights"]) },
    },
    NoHealthyTargets: {
        severity: "critical",
        threshold: { default: 1, min: 1, max: 50, unit: "healthy targets", direction: "below" },
        cloudwatch: { reads: both(ALB) },
    },
    HighErrorRate: {
        severity: "critical",
        threshold: { default: 5, min: 0.1, max: 100, unit: "percent", direction: "above" },
        prometheus: {
            signal: "windowed",
            // 10 s (two more evaluations) instead of the critical 20 s: a windowed signal needs two
            // scrapes of a possibly new 5xx series, and 60 s is the target (time-to-notify.ts).
            timing: { production: { for: "10s" } },
        },
        cloudwatch: { reads: both(ALB) },
    },
    DatabaseConnectionFailures: {
        severity: "critical",
        threshold: { default: 5, min: 1, max: 10000, unit: "failures per minute", direction: "above" },
        prometheus: { signal: "windowed", timing: { production: { for: "10s" } } },
        cloudwatch: { reads: both(APP) },
    },
    PostgresDown: {
        severity: "critical",
        prometheus: { signal: "instant" },
    },
    RedisDown: {
        severity: "critical",
        prometheus: { signal: "instant" },
        cloudwatch: { reads: both(APP) },
    },
    HighMemoryUsage: {
        severity: "critical",
        threshold: { default: 90, min: 1, max: 100, unit: "percent", direction: "above" },
        prometheus: { signal: "instant" },
        cloudwatch: { reads: { ecs: ["AWS/ECS"], managed: ["AWS/ECS", "AWS/RDS", "AWS/ElastiCache"] } },
    },
    DiskSpaceLow: {
        severity: "critical",
        threshold: { default: 10, min: 1, max: 50, unit: "percent free", direction: "below" },
        prometheus: { signal: "instant" },
        cloudwatch: { reads: { ecs: ["ECS/ContainerInsights"], managed: ["ECS/ContainerInsights", "AWS/RDS"] } },
    },
    HighResponseTime: {
        severity: "warning",
        threshold: { default: 2, min: 0.05, max: 60, unit: "seconds", direction: "above" },
        prometheus: { signal: "windowed" },
        cloudwatch: { reads: both(ALB) },
    },
    CacheMissRateHigh: {
        severity: "warning",
        threshold: { default: 50, min: 1, max: 100, unit: "percent", direction: "above" },
        prometheus: { signal: "windowed", timing: { production: { for: "3m" } } },
        cloudwatch: { reads: { ecs: APP, managed: ["Koronet/App", "AWS/ElastiCache"] } },
    },
    HighCpuUsage: {
        severity: "warning",
        threshold: { default: 80, min: 1, max: 100, unit: "percent", direction: "above" },
        prometheus: {
            signal: "windowed",
            // Start-up of several processes on 2 cores keeps CPU near 100% for about a minute;
            // 4 minutes stays clear of that and notifies within the 5-minute warning target.
            timing: { production: { for: "4m" }, test: { for: "2m" } },
        },
        cloudwatch: { reads: { ecs: ["AWS/ECS"], managed: ["AWS/ECS", "AWS/RDS", "AWS/ElastiCache"] } },
    },
    UnusualTraffic: {
        severity: "warning",
        threshold: { default: 3, min: 1, max: 10, unit: "standard deviations", direction: "above" },
        prometheus: { signal: "windowed", timing: { production: { for: "3m" }, test: { for: "5s" } } },
        cloudwatch: { reads: both(ALB) },
    },
    TargetDown: {
        severity: "warning",
        prometheus: { signal: "instant", timing: { production: { for: "1m" }, test: { for: "3s" } } },
    },
    ServiceTasksMissing: {
        severity: "warning",
        prometheus: { signal: "instant", timing: { production: { for: "3m" }, test: { for: "5s" } } },
        cloudwatch: {
            // 3 of 3 minutes: a deployment or a new instance brings a missing task in well within that.
            timing: { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 3 },
            reads: both(["ECS/ContainerInsights"]),
        },
    },
    ContainerRestarting: {
        severity: "warning",
        threshold: { default: 2, min: 0, max: 100, unit: "restarts", direction: "above" },
        prometheus: { signal: "event", timing: { production: { for: "0s", window: "15m" }, test: { for: "0s", window: "30s" } } },
        cloudwatch: {
            // Per minute: did a task of the service crash? 3 such minutes out of 15 (the threshold + 1
            // at the default) is a crash loop; a single failed deploy attempt is not. ECS events are
            // counted by metric filters (task-events.ts), published only when a task stops.
            timing: { periodSeconds: 60, evaluationPeriods: 15, datapointsToAlarm: 3 },
            reads: both(["Koronet/ECS"]),
        },
    },
    PostgresConnectionsNearExhaustion: {
        severity: "warning",
        threshold: { default: 80, min: 1, max: 100, unit: "percent of max_connections", direction: "above" },
        prometheus: { signal: "instant" },
        cloudwatch: { reads: { ecs: [], managed: ["AWS/RDS"] } },
    },
    AlertmanagerNotificationsFailing: {
        // Critical: a failing PagerDuty integration means pages are lost; this alert itself still
        // reaches Slack and the critical email list, whose integrations run apart from the failing one.
        severity: "critical",
        prometheus: {
            signal: "event",
            // Every failure counts (no threshold): one lost page is one too many. The window only
            // decides how long the alert stays up after the last failure.
            timing: { production: { for: "0s", window: "5m" }, test: { for: "0s", window: "30s" } },
        },
    },
    Watchdog: {
        severity: "none",
        prometheus: { signal: "instant" },
    },
} as const satisfies Readonly<Record<AlertId, AlertTuning>>;

/** The tuning of one alert, as data (literal types kept: the catalog types entries by them). */
export type TuningOf<Id extends AlertId> = (typeof ALERT_TUNING)[Id];

/**
 * One setting a stack may not make, as data: the key path, the value, what is wrong and what is
 * allowed. `message` is what people read: `<value> <problem>; allowed <allowed>`.
 */
export interface AlertSettingProblem {
    /** Key path under the stack config, e.g. `alerting.alerts.HighCpuUsage.window`. */
    readonly key: string;
    readonly value: string | number;
    readonly problem: string;
    readonly allowed: string;
    readonly message: string;
}

function problem(key: string, value: string | number, what: string, allowed: string): AlertSettingProblem {
    return { key, value, problem: what, allowed, message: `${value} ${what}; allowed ${allowed}` };
}

/** One alert's defaults merged with a stack's override, in one profile. */
export interface EffectiveAlertSettings {
    readonly severity: AlertSeverity;
    /** Effective threshold (undefined for alerts without one). */
    readonly threshold: number | undefined;
    readonly prometheus?: { readonly signal: SignalKind; readonly for: string; readonly window: string; readonly windowSeconds: number };
    readonly cloudwatch?: CloudWatchTiming;
    /** What the override asks for that cannot work; empty when it is fine. */
    readonly problems: readonly AlertSettingProblem[];
}

/**
 * The effective settings of one alert: its tuning's defaults, a stack's override, the stack's
 * Prometheus intervals. Overrides of `for` and `window` apply to `production` only: `test` keeps its
 * short timings so end-to-end runs stay fast whatever a stack tunes. A default rate window follows
 * the scrape interval (never fewer than DEFAULT_WINDOW_SCRAPES scrapes).
 */
export function effectiveAlertSettings(id: AlertId, o: AlertOverride, profile: TimingProfile, pipeline: PrometheusPathTimings): EffectiveAlertSettings {
    const def: AlertTuning = ALERT_TUNING[id];
    const path = `alerting.alerts.${id}`;
    const problems: AlertSettingProblem[] = [];
    const severity: AlertSeverity = def.severity === "none" ? "none" : (o.severity ?? def.severity);
    const threshold = def.threshold === undefined ? undefined : (o.threshold ?? def.threshold.default);
    if (def.threshold !== undefined && threshold !== undefined && (threshold < def.threshold.min || threshold > def.threshold.max)) {
        problems.push(problem(`${path}.threshold`, threshold, "is out of range", `${def.threshold.min}..${def.threshold.max} (${def.threshold.unit})`));
    }

    let prometheus: EffectiveAlertSettings["prometheus"];
    if (def.prometheus !== undefined) {
        const g = def.prometheus;
        const base = PROMETHEUS_TIMING_BY_SEVERITY[severity][profile];
        const own = g.timing?.[profile] ?? {};
        const forD = (profile === "production" ? o.for : undefined) ?? own.for ?? base.for;
        const explicit = profile === "production" ? o.window : undefined;
        const S = pipeline.scrapeIntervalSeconds;
        const defaultWindow = own.window ?? base.window;
        const window =
            explicit ??
            (g.signal !== "instant" && parsePromDuration(defaultWindow) < DEFAULT_WINDOW_SCRAPES * S
                ? formatPromDuration(DEFAULT_WINDOW_SCRAPES * S)
                : defaultWindow);
        const windowSeconds = parsePromDuration(window);
        if (g.signal !== "instant" && windowSeconds < MIN_WINDOW_SCRAPES * S) {
            problems.push(
                problem(
                    `${path}.window`,
                    window,
                    `holds fewer than ${MIN_WINDOW_SCRAPES} scrapes (scrape interval ${S}s)`,
                    `≥ ${formatPromDuration(MIN_WINDOW_SCRAPES * S)}`,
                ),
            );
        }
        prometheus = { signal: g.signal, for: forD, window, windowSeconds };
    }

    let cloudwatch: CloudWatchTiming | undefined;
    if (def.cloudwatch !== undefined) {
        const own = def.cloudwatch.timing;
        const base = CLOUDWATCH_TIMING_BY_SEVERITY[severity === "none" ? "warning" : severity];
        const oc = o.cloudwatch ?? {};
        const periodSeconds = oc.periodSeconds ?? own?.periodSeconds ?? base.periodSeconds;
        const evaluationPeriods = oc.evaluationPeriods ?? own?.evaluationPeriods ?? base.evaluationPeriods;
        const datapointsToAlarm = oc.datapointsToAlarm ?? own?.datapointsToAlarm ?? base.datapointsToAlarm;
        if (!isValidCloudWatchPeriod(periodSeconds)) {
            problems.push(problem(`${path}.cloudwatch.periodSeconds`, periodSeconds, "is not allowed", "10, 30 or a multiple of 60"));
        }
        if (datapointsToAlarm > evaluationPeriods) {
            problems.push(
                problem(
                    `${path}.cloudwatch.datapointsToAlarm`,
                    datapointsToAlarm,
                    `is more than evaluationPeriods (${evaluationPeriods})`,
                    `1..${evaluationPeriods}`,
                ),
            );
        }
        if (periodSeconds * evaluationPeriods > 86400) {
            problems.push(
                problem(
                    `${path}.cloudwatch.evaluationPeriods`,
                    evaluationPeriods,
                    `× ${periodSeconds}s exceeds one day`,
                    `1..${Math.floor(86400 / periodSeconds)}`,
                ),
            );
        }
        cloudwatch = { periodSeconds, evaluationPeriods, datapointsToAlarm };
    }
    return { severity, threshold, ...(prometheus !== undefined ? { prometheus } : {}), ...(cloudwatch !== undefined ? { cloudwatch } : {}), problems };
}

/** Every alert's problems under a stack's overrides and intervals (production profile). */
export function alertSettingProblems(
    alerts: Partial<Readonly<Record<AlertId, AlertOverride>>>,
    intervals: PrometheusIntervals | undefined,
    ids: readonly AlertId[],
): AlertSettingProblem[] {
    const pipeline = pipelineTimings("production", intervals);
    return ids.flatMap((id) => effectiveAlertSettings(id, alerts[id] ?? {}, "production", pipeline).problems);
}
