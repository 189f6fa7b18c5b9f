/**
 * Prometheus rule file(s) rendered from the alert catalog: the recording rules the alerts read,
 * then one alerting rule per enabled alert, each labelled `severity` and annotated `summary`,
 * `description`, `runbook_url`. One group, evaluated at the timing profile's interval, so recording
 * rules and the alerts that read them are computed in order at the same timestamp.
 *
 * Pure: returns data and YAML text; writing files is the caller's business.
 */
import { stringify } from "yaml";
import { PIPELINE_TIMINGS, formatPromDuration, resolveAlerts, type ResolveSettings, type ResolvedAlert, type TimingProfile } from "../../alerting/catalog";

/** File name the rendered rules are written under (prometheus.yml's `rule_files` points at it). */
export const RULES_FILE_NAME = "koronet-alerts.rules.yml";
/** Name of the rule group. */
const RULE_GROUP_NAME = "koronet";

export interface RecordingRuleYaml {
    readonly record: string;
    readonly expr: string;
}

export interface AlertingRuleYaml {
    readonly alert: string;
    readonly expr: string;
    /** Omitted when 0. */
    readonly for?: string;
    readonly labels: { readonly severity: string };
    readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

export interface RuleGroup {
    readonly name: string;
    /** Evaluation interval of the group (overrides the global `evaluation_interval`). */
    readonly interval: string;
    readonly rules: readonly (RecordingRuleYaml | AlertingRuleYaml)[];
}

/** Rule groups for resolved alerts (all of one profile). Disabled alerts and CloudWatch-only alerts are left out. */
export function buildRuleGroups(alerts: readonly ResolvedAlert[]): RuleGroup[] {
    const profiles = new Set(alerts.map((a) => a.profile));
    if (profiles.size > 1) throw new Error(`alerts mix timing profiles (${[...profiles].join(", ")}); resolve them with one profile`);
    const profile: TimingProfile = alerts[0]?.profile ?? "production";

    const recording = new Map<string, RecordingRuleYaml>();
    const alerting: AlertingRuleYaml[] = [];
    for (const a of alerts) {
        if (!a.enabled || a.prometheus === undefined) continue;
        for (const r of a.prometheus.recordingRules) {
            const seen = recording.get(r.record);
            if (seen !== undefined && seen.expr !== r.expr) {
                throw new Error(`recording rule ${r.record} is defined twice with different expressions (${a.id})`);
            }
            recording.set(r.record, { record: r.record, expr: r.expr });
        }
        alerting.push({
            alert: a.id,
            expr: a.prometheus.expr,
            ...(a.prometheus.forSeconds > 0 ? { for: a.prometheus.for } : {}),
            labels: { severity: a.severity },
            annotations: { summary: a.summary, description: a.description, runbook_url: a.runbookUrl },
        });
    }
    return [
        {
            name: RULE_GROUP_NAME,
            interval: formatPromDuration((alerts[0]?.pipeline ?? PIPELINE_TIMINGS[profile]).evaluationIntervalSeconds),
            rules: [...recording.values(), ...alerting],
        },
    ];
}

/** The rule file's YAML for resolved alerts. */
export function renderRulesYaml(alerts: readonly ResolvedAlert[]): string {
    const profile = alerts[0]?.profile ?? "production";
    const header =
        `# Generated from components/alerting/catalog.ts by components/monitoring/prometheus/rules.ts\n` +
        `# (timing profile: ${profile}). Do not edit: change the catalog or the stack's koronet:alerting.alerts.\n`;
    return header + stringify({ groups: buildRuleGroups(alerts) }, { lineWidth: 0 });
}

/** Resolves the catalog with a stack's settings in the given timing profile and renders the rule file. */
export function renderPrometheusRules(settings: ResolveSettings & { readonly profile: TimingProfile }): {
    readonly fileName: string;
    readonly content: string;
} {
    return { fileName: RULES_FILE_NAME, content: renderRulesYaml(resolveAlerts(settings)) };
}
