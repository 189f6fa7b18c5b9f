/**
 * Resolution: the catalog with a stack's overrides applied. The effective severity, threshold and
 * timings come from config/alert-tuning.ts (`effectiveAlertSettings`, the function the config
 * validates with), the rules and alarms from the entries.
 */
import { effectiveAlertSettings, type AlertSettingProblem } from "../../../config/alert-tuning";
import { ALERT_IDS, parsePromDuration, pipelineTimings } from "../../../config/alert-vocabulary";
import { ALERT_CATALOG } from "./catalog";
import { num } from "./promql";
import type { CloudWatchTargets, EcsServiceTarget, PrometheusContext, ResolvedAlert, ResolveSettings } from "./types";

export type { AlertSettingProblem } from "../../../config/alert-tuning";

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
        dataStores:
            i.dataStoreMode === "managed"
                ? {
                      mode: "managed",
                      rds: { instanceId: p, maxConnections: 100, allocatedStorageGiB: 20, memoryBytes: 4 * 1024 ** 3 },
                      elasticache: { cacheClusterIds: Array.from({ length: i.cacheNodes ?? 2 }, (_, n) => `${p}-${String(n + 1).padStart(3, "0")}`) },
                  }
                : { mode: "ecs" },
    };
}

/**
 * URL of an alert's runbook: `<base>/<AlertId>.md`. `base` is the runbooks folder as a URL (e.g.
 * `https://github.com/org/repo/blob/main/runbooks`); without it, the repository-relative path.
 */
export function runbookUrl(id: string, base?: string): string {
    return `${(base ?? "runbooks").replace(/\/+$/, "")}/${id}.md`;
}

/** A stack setting the catalog cannot resolve; `problems` holds every one, as data. */
export class AlertSettingsError extends Error {
    constructor(readonly problems: readonly AlertSettingProblem[]) {
        const first = problems[0];
        super(first === undefined ? "invalid alert settings" : `${first.key}: ${first.message}`);
        this.name = "AlertSettingsError";
    }
}

/**
 * Applies a stack's overrides to the catalog. Returns every alert (disabled ones with
 * `enabled: false`) in catalog order. Throws `AlertSettingsError` (message: the first problem,
 * `<key path>: <message>`; `problems`: all of them) on combinations the schema cannot see alone.
 */
export function resolveAlerts(settings: ResolveSettings = {}): ResolvedAlert[] {
    const profile = settings.profile ?? "production";
    const pipeline = pipelineTimings(profile, settings.prometheusIntervals);
    const resolved = ALERT_IDS.map((id) => {
        const def = ALERT_CATALOG[id];
        const o = settings.alerts?.[id] ?? {};
        const e = effectiveAlertSettings(id, o, profile, pipeline);
        const { severity, threshold } = e;

        let prometheus: ResolvedAlert["prometheus"];
        if (def.prometheus !== undefined && e.prometheus !== undefined) {
            const g = def.prometheus;
            const { window, windowSeconds } = e.prometheus;
            const ctx: PrometheusContext = { threshold, window, windowSeconds, profile, evaluationIntervalSeconds: pipeline.evaluationIntervalSeconds };
            prometheus = {
                signal: e.prometheus.signal,
                for: e.prometheus.for,
                forSeconds: parsePromDuration(e.prometheus.for),
                window,
                windowSeconds,
                expr: e.problems.length > 0 ? "" : g.expr(ctx),
                recordingRules: e.problems.length > 0 ? [] : (g.recordingRules?.(ctx) ?? []),
                resultLabels: g.resultLabels,
            };
        }

        let cloudwatch: ResolvedAlert["cloudwatch"];
        if (def.cloudwatch !== undefined && e.cloudwatch !== undefined) {
            const g = def.cloudwatch;
            const timing = e.cloudwatch;
            cloudwatch = { ...timing, alarms: (targets) => g.alarms({ threshold, periodSeconds: timing.periodSeconds, targets }) };
        }

        const alert: ResolvedAlert = {
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
        return { alert, problems: e.problems };
    });
    const problems = resolved.flatMap((r) => r.problems);
    if (problems.length > 0) throw new AlertSettingsError(problems);
    return resolved.map((r) => r.alert);
}
