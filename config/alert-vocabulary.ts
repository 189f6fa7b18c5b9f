/**
 * The alert vocabulary (a leaf: imports only the messages' severity type): the alert ids, severities, timing profiles,
 * durations and timing defaults that a stack's `koronet:alerting.alerts` section is written in. The
 * config validates that section with these; the alert catalog (components/alerting/catalog/) reads
 * them to build rules and alarms. Neither imports the other's internals: config is the validated
 * input, components read it.
 */

import type { Severity as MessageSeverity } from "../functions/src/contract/convention";

/**
 * Severities that route notifications (critical pages, warning does not): the one severity
 * vocabulary of the messages (functions/src/contract/convention.ts) without `info`, which only
 * foreign alarms carry.
 */
export const SEVERITIES = ["critical", "warning"] as const satisfies readonly MessageSeverity[];
export type Severity = Exclude<MessageSeverity, "info">;
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

// ── Durations ───────────────────────────────────────────────────────────────────────────────

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
    for (const [unit, size] of [
        ["h", 3600],
        ["m", 60],
        ["s", 1],
    ] as const) {
        const n = Math.floor(rest / size);
        if (n > 0) out += `${n}${unit}`;
        rest -= n * size;
    }
    return out;
}

/** A CloudWatch period: 10, 30, or a multiple of 60. */
export function isValidCloudWatchPeriod(seconds: number): boolean {
    return seconds === 10 || seconds === 30 || (Number.isInteger(seconds) && seconds >= 60 && seconds % 60 === 0);
}

// ── Timings ─────────────────────────────────────────────────────────────────────────────────

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
    production: {
        scrapeIntervalSeconds: 15,
        evaluationIntervalSeconds: 5,
        groupWaitSeconds: 10,
        groupIntervalSeconds: 30,
        deliverySeconds: 5,
        resendDelaySeconds: 15,
    },
    test: { scrapeIntervalSeconds: 1, evaluationIntervalSeconds: 1, groupWaitSeconds: 0, groupIntervalSeconds: 1, deliverySeconds: 1, resendDelaySeconds: 1 },
};

/** A stack's Prometheus scrape and rule evaluation intervals (`koronet:monitoring.prometheus`). */
export interface PrometheusIntervals {
    readonly scrapeIntervalSeconds: number;
    readonly evaluationIntervalSeconds: number;
}

/** The Prometheus path timings of a profile with a stack's intervals applied. */
export function pipelineTimings(profile: TimingProfile, intervals?: PrometheusIntervals): PrometheusPathTimings {
    const base = PIPELINE_TIMINGS[profile];
    return profile === "production" && intervals !== undefined ? { ...base, ...intervals } : base;
}

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

/**
 * Scrapes a default rate window holds: four, so one missed or late scrape still leaves the two
 * samples `rate()` needs (https://www.robustperception.io/what-range-should-i-use-with-rate/).
 */
export const DEFAULT_WINDOW_SCRAPES = 4;
/** Scrapes an explicitly set window must hold: `rate()` needs two samples, or the alert can never fire. */
export const MIN_WINDOW_SCRAPES = 2;

// ── What a stack may tune ───────────────────────────────────────────────────────────────────

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

/** One alert's override, as validated (`koronet:alerting.alerts.<AlertId>`). */
export interface AlertOverride {
    /** `false` removes the alert's rule and alarms. @default true */
    readonly enabled?: boolean;
    /** In the alert's unit. @default the catalog's */
    readonly threshold?: number;
    /** Prometheus `for` (production profile). @default the catalog's */
    readonly for?: string;
    /** Prometheus rate window (production profile). @default the catalog's */
    readonly window?: string;
    /** Routing severity. @default the catalog's */
    readonly severity?: "critical" | "warning";
    /** CloudWatch timing. @default per severity in the catalog */
    readonly cloudwatch?: { readonly periodSeconds?: number; readonly evaluationPeriods?: number; readonly datapointsToAlarm?: number };
}

/** The whole `alerts` section. */
export type AlertOverrides = Partial<Readonly<Record<AlertId, AlertOverride>>>;
