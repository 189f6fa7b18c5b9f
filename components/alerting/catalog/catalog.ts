/**
 * The one alert catalog: every alert of the architecture once, its tuning (config/alert-tuning.ts:
 * severity, threshold, timings) merged with its entry (entries/: summary, description, the Prometheus
 * rule and the CloudWatch alarms). Prometheus rules, CloudWatch alarm definitions, the config docs
 * and the time-to-notify math all read this, so they cannot drift.
 */
import { ALERT_TUNING, type AlertTuning } from "../../../config/alert-tuning";
import { ALERT_IDS, type AlertId } from "../../../config/alert-vocabulary";
import { AVAILABILITY_ALERTS } from "./entries/availability";
import { SATURATION_ALERTS } from "./entries/saturation";
import { TRAFFIC_ALERTS } from "./entries/traffic";
import type { AlertDefinition, AlertEntries, CloudWatchAlarms, PrometheusRule } from "./types";

/** Every entry, by id (the type fails to compile when an alert has no entry, or the wrong parts). */
const ALERT_ENTRIES: AlertEntries<AlertId> = { ...AVAILABILITY_ALERTS, ...TRAFFIC_ALERTS, ...SATURATION_ALERTS };

/** An entry's parts, seen without its id's literal types. */
interface AnyEntry {
    readonly summary: string;
    readonly description: string;
    readonly prometheus?: PrometheusRule;
    readonly cloudwatch?: CloudWatchAlarms;
}

function definition(id: AlertId): AlertDefinition {
    const t: AlertTuning = ALERT_TUNING[id];
    const e: AnyEntry = ALERT_ENTRIES[id];
    return {
        id,
        severity: t.severity,
        summary: e.summary,
        description: e.description,
        ...(t.threshold !== undefined ? { threshold: t.threshold } : {}),
        ...(t.prometheus !== undefined && e.prometheus !== undefined ? { prometheus: { ...t.prometheus, ...bind(e.prometheus) } } : {}),
        ...(t.cloudwatch !== undefined && e.cloudwatch !== undefined
            ? { cloudwatch: { ...t.cloudwatch, alarms: (c) => (e.cloudwatch as CloudWatchAlarms).alarms(c) } }
            : {}),
    };
}

/** The rule's methods as own properties (a spread copies no prototype; entries are literals, this is for safety). */
function bind(r: PrometheusRule): PrometheusRule {
    return {
        ...(r.recordingRules !== undefined ? { recordingRules: (c) => (r.recordingRules as NonNullable<PrometheusRule["recordingRules"]>).call(r, c) } : {}),
        expr: (c) => r.expr(c),
        resultLabels: r.resultLabels,
    };
}

export const ALERT_CATALOG: Readonly<Record<AlertId, AlertDefinition>> = Object.fromEntries(ALERT_IDS.map((id) => [id, definition(id)])) as Record<
    AlertId,
    AlertDefinition
>;
