/**
 * Worst-case seconds from a fault to the first notification, and from the fault's end to the
 * "resolved" notification, for every alert on both paths. Printed by the offline plan and checked
 * by the benchmark against NOTIFY_TARGETS.
 *
 * Fault model: a step fault that takes the signal clearly past the threshold and stays there (what
 * the end-to-end scenarios inject). A marginal fault that only just crosses the threshold needs up
 * to one more rate window (Prometheus) or period (CloudWatch) for the average to cross it.
 *
 * ── Prometheus path (scrape S, rule evaluation E, `for` F, rate window W, Alertmanager group_wait G,
 *    group_interval GI, delivery D) ──────────────────────────────────────────────────────────────
 *   notify   = L + E + ⌈F/E⌉·E + G + D
 *     L = S for instant and event signals (the next scrape sees the fault);
 *     L = 2·S for windowed signals (rate() needs two samples, and a 5xx series may be new);
 *     E: the sample waits for the next evaluation, which makes the alert pending;
 *     ⌈F/E⌉·E: pending → firing happens at the first evaluation F after it became pending;
 *     G: a new Alertmanager group waits group_wait (assumes the alert opens its group; an alert
 *        joining an already-notified group waits up to GI instead);
 *     D: Alertmanager → notifier → Slack.
 *   resolved = S + C + E + GI + D
 *     C = 0 for instant signals; C = W for windowed and event signals (the bad samples/events must
 *     leave the window); Prometheus sends the resolution at once, Alertmanager announces it at the
 *     group's next group_interval tick (≤ GI). `for` does not delay resolution.
 *
 * ── CloudWatch path (period P, evaluationPeriods N, datapointsToAlarm M, metric delay L,
 *    delivery D, suppressor wait A) ────────────────────────────────────────────────────────────
 *   notify   = (M + a)·P + L + D + A
 *     M·P: M breaching periods (the period the fault starts in counts for Maximum/Minimum/Sum and
 *          percentile statistics of a clear fault);
 *     a = 1 for Average statistics (the partial first period may average the fault away), else 0;
 *     L: from a period's end until an alarm evaluation sees its datapoint — publication/ingestion
 *        plus CloudWatch's once-a-minute evaluation. Assumed 60 s for AWS vended 1-minute metrics
 *        (ALB and ECS publish each minute at its end) and for the app's EMF metrics (CloudWatch
 *        agent flush interval 60 s… rounded into the same figure);
 *     D: SNS → notifier Lambda → Slack (assumed 10 s incl. a cold start);
 *     A: for symptoms notified through a suppressible wrapper composite, the wait for
 *        ServiceUnhealthy (actionsSuppressor waitPeriod).
 *   resolved = (N − M + 2)·P + L + D
 *     N − M + 1 clean periods bring the breaching count below M, and the period in which the fault
 *     ends still contains faulty samples (+1).
 *
 * Targets (issue 8): critical ≤ 60 s (Prometheus) and ≤ 180 s (CloudWatch), warnings ≤ 300 s,
 * resolved ≤ 120 s on the Prometheus path. CloudWatch resolutions are reported, not targeted: with
 * 1-minute AWS metrics even a 1-of-1 alarm needs two periods plus the delay (190 s). Event-count
 * alerts (ContainerRestarting) resolve when the window no longer holds the events — by definition
 * after the window, so they are exempt from the resolved target.
 */
import { type AlertId, type AlertSeverity, type PrometheusPathTimings, type ResolvedAlert } from "./catalog";
import type { CloudWatchAlarmDefinition, CompositeAlarmDefinition } from "./cloudwatch-alarms";

export type { PrometheusPathTimings } from "./catalog";

/** Assumptions of the CloudWatch path. */
export interface CloudWatchPathTimings {
    /** Seconds from a period's end until an alarm evaluation sees its datapoint. @default 60 */
    readonly metricDelaySeconds: number;
    /** SNS → notifier Lambda → Slack. @default 10 */
    readonly deliverySeconds: number;
}

const DEFAULT_CLOUDWATCH_PATH_TIMINGS: CloudWatchPathTimings = { metricDelaySeconds: 60, deliverySeconds: 10 };

/** Worst-case targets, seconds. */
export const NOTIFY_TARGETS = {
    prometheus: { critical: 60, warning: 300 },
    cloudwatch: { critical: 180, warning: 300 },
    /** Resolved notifications, Prometheus path. */
    resolved: 120,
} as const;

export interface PathSeconds {
    /** Worst case, fault → first notification. */
    readonly notifySeconds: number;
    /** Worst case, fault cleared → resolved notification. */
    readonly resolvedSeconds: number;
}

const ceilTo = (x: number, step: number): number => (step <= 0 ? x : Math.ceil(x / step) * step);

/** Prometheus-path worst case of one alert; undefined if it has no Prometheus rule. */
export function prometheusPathSeconds(alert: ResolvedAlert, t: PrometheusPathTimings = alert.pipeline): PathSeconds | undefined {
    const p = alert.prometheus;
    if (p === undefined) return undefined;
    const S = t.scrapeIntervalSeconds;
    const E = t.evaluationIntervalSeconds;
    const lag = p.signal === "windowed" ? 2 * S : S;
    const clear = p.signal === "instant" ? 0 : p.windowSeconds;
    return {
        notifySeconds: lag + E + ceilTo(p.forSeconds, E) + t.groupWaitSeconds + t.deliverySeconds,
        resolvedSeconds: S + clear + E + t.groupIntervalSeconds + t.deliverySeconds,
    };
}

/** The timing-relevant part of a CloudWatch alarm definition. */
export type CloudWatchAlarmTiming = Pick<CloudWatchAlarmDefinition, "periodSeconds" | "evaluationPeriods" | "datapointsToAlarm" | "firstPeriodMayNotBreach">;

/** CloudWatch-path worst case of one alarm. `suppressorWaitSeconds`: the wrapper composite's wait, if it notifies through one. */
export function cloudwatchPathSeconds(
    alarm: CloudWatchAlarmTiming,
    t: CloudWatchPathTimings = DEFAULT_CLOUDWATCH_PATH_TIMINGS,
    suppressorWaitSeconds = 0,
): PathSeconds {
    const P = alarm.periodSeconds;
    const M = alarm.datapointsToAlarm;
    const N = alarm.evaluationPeriods;
    const a = alarm.firstPeriodMayNotBreach ? 1 : 0;
    return {
        notifySeconds: (M + a) * P + t.metricDelaySeconds + t.deliverySeconds + suppressorWaitSeconds,
        resolvedSeconds: (N - M + 2) * P + t.metricDelaySeconds + t.deliverySeconds,
    };
}

export interface TimeToNotifyRow {
    readonly alertId: AlertId;
    readonly severity: AlertSeverity;
    readonly prometheus?: PathSeconds & {
        readonly notifyTargetSeconds?: number;
        readonly meetsNotifyTarget: boolean;
        readonly meetsResolvedTarget: boolean;
        /** Why the resolved target does not apply, if it does not. */
        readonly resolvedTargetExempt?: string;
    };
    readonly cloudwatch?: PathSeconds & {
        readonly notifyTargetSeconds?: number;
        readonly meetsNotifyTarget: boolean;
        /** Key of the slowest alarm of the alert (the worst case reported). */
        readonly slowestAlarmKey: string;
    };
}

export interface TimeToNotifyOptions {
    /** @default the timings each alert was resolved with (the stack's scrape and evaluation intervals) */
    readonly prometheus?: PrometheusPathTimings;
    /** @default DEFAULT_CLOUDWATCH_PATH_TIMINGS */
    readonly cloudwatch?: CloudWatchPathTimings;
}

/**
 * One row per enabled alert. `cloudwatch`: the output of `buildCloudWatchAlarms` for the stack (the
 * alarms' timing does not depend on the dimension values, so placeholder targets are fine offline).
 */
export function timeToNotifyTable(
    alerts: readonly ResolvedAlert[],
    cloudwatch: { readonly alarms: readonly CloudWatchAlarmDefinition[]; readonly composites: readonly CompositeAlarmDefinition[] } = {
        alarms: [],
        composites: [],
    },
    options: TimeToNotifyOptions = {},
): TimeToNotifyRow[] {
    const cw = options.cloudwatch ?? DEFAULT_CLOUDWATCH_PATH_TIMINGS;
    const waitByKey = new Map(
        cloudwatch.composites.flatMap((c) =>
            c.suppressorWaitSeconds !== undefined ? c.ruleAlarmKeys.map((k) => [k, c.suppressorWaitSeconds as number] as const) : [],
        ),
    );
    return alerts
        .filter((a) => a.enabled)
        .map((a): TimeToNotifyRow => {
            const prom = prometheusPathSeconds(a, options.prometheus ?? a.pipeline);
            const promTarget = a.severity === "none" ? undefined : NOTIFY_TARGETS.prometheus[a.severity];
            const exempt =
                a.prometheus?.signal === "event"
                    ? "event count: clears only when the window no longer holds the events"
                    : a.severity === "none"
                      ? "always firing"
                      : undefined;

            const own = cloudwatch.alarms.filter((d) => d.alertId === a.id);
            const perAlarm = own.map((d) => ({ key: d.key, s: cloudwatchPathSeconds(d, cw, waitByKey.get(d.key) ?? 0) }));
            const slowest = perAlarm.reduce<(typeof perAlarm)[number] | undefined>(
                (w, x) => (w === undefined || x.s.notifySeconds > w.s.notifySeconds ? x : w),
                undefined,
            );
            const cwTarget = a.severity === "none" ? undefined : NOTIFY_TARGETS.cloudwatch[a.severity];

            return {
                alertId: a.id,
                severity: a.severity,
                ...(prom !== undefined
                    ? {
                          prometheus: {
                              ...prom,
                              ...(promTarget !== undefined ? { notifyTargetSeconds: promTarget } : {}),
                              meetsNotifyTarget: promTarget === undefined || prom.notifySeconds <= promTarget,
                              meetsResolvedTarget: exempt !== undefined || prom.resolvedSeconds <= NOTIFY_TARGETS.resolved,
                              ...(exempt !== undefined ? { resolvedTargetExempt: exempt } : {}),
                          },
                      }
                    : {}),
                ...(slowest !== undefined
                    ? {
                          cloudwatch: {
                              notifySeconds: slowest.s.notifySeconds,
                              resolvedSeconds: Math.max(...perAlarm.map((x) => x.s.resolvedSeconds)),
                              ...(cwTarget !== undefined ? { notifyTargetSeconds: cwTarget } : {}),
                              meetsNotifyTarget: cwTarget === undefined || slowest.s.notifySeconds <= cwTarget,
                              slowestAlarmKey: slowest.key,
                          },
                      }
                    : {}),
            };
        });
}

/** Plain-text table for the offline plan and the benchmark. */
export function formatTimeToNotifyTable(rows: readonly TimeToNotifyRow[]): string {
    const head = ["alert", "severity", "prom notify", "prom resolved", "cw notify", "cw resolved"];
    const cell = (s: number | undefined, ok: boolean | undefined) => (s === undefined ? "—" : `${s}s${ok === false ? " ✗" : ""}`);
    const lines = rows.map((r) => [
        r.alertId,
        r.severity,
        cell(r.prometheus?.notifySeconds, r.prometheus?.meetsNotifyTarget),
        r.prometheus === undefined
            ? "—"
            : `${r.prometheus.resolvedSeconds}s${r.prometheus.resolvedTargetExempt !== undefined ? " (exempt)" : r.prometheus.meetsResolvedTarget ? "" : " ✗"}`,
        cell(r.cloudwatch?.notifySeconds, r.cloudwatch?.meetsNotifyTarget),
        r.cloudwatch === undefined ? "—" : `${r.cloudwatch.resolvedSeconds}s`,
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
    const fmt = (l: readonly string[]) =>
        l
            .map((c, i) => c.padEnd(widths[i] as number))
            .join("  ")
            .trimEnd();
    return [fmt(head), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt)].join("\n");
}
