/**
 * CloudWatch alarm definitions generated from the alert catalog: pure data shaped as
 * `aws.cloudwatch.MetricAlarmArgs` / `CompositeAlarmArgs` without actions. The alerting component
 * creates the resources and adds SNS actions by `severity` (alarm, OK and — for the liveness alarms —
 * nothing else). One factory applies the shared defaults (name, description convention, period,
 * datapoints, tags); callers override any field per alarm key.
 *
 * Suppression: CloudWatch can only suppress a *composite* alarm's actions (`actionsSuppressor`).
 * So the symptoms the "service unhealthy" composite explains notify through a wrapper composite
 * (`ALARM(<symptom>)`, suppressed while ServiceUnhealthy is in ALARM); the metric alarm itself
 * carries no actions (`notifyVia: "composite"`).
 */
import type * as aws from "@pulumi/aws";
import { alertingNames } from "../common/naming";
import { metricAlarmArgs, type MetricAlarmDefinitionArgs } from "./alarm-factory";
import { formatAlarmDescription } from "../../functions/src/contract";
import {
    runbookUrl,
    type AlertId,
    type CloudWatchAlarmSpec,
    type CloudWatchTargets,
    type ResolvedAlert,
    type Severity,
    type TreatMissingData,
} from "./catalog";

type ActionKeys = "alarmActions" | "okActions" | "insufficientDataActions";
/** CompositeAlarmArgs without actions. */
export type CompositeAlarmDefinitionArgs = Omit<aws.cloudwatch.CompositeAlarmArgs, ActionKeys>;

export interface CloudWatchAlarmDefinition {
    /** Stable key (`<AlertId>` or `<AlertId>-<variant>`): the logical-name suffix and the name suffix. */
    readonly key: string;
    readonly alertId: AlertId;
    /** Routing severity. */
    readonly severity: Severity;
    /** `direct`: attach the severity's SNS actions to this alarm. `composite`: notify through the wrapper composite with the same key. */
    readonly notifyVia: "direct" | "composite";
    readonly periodSeconds: number;
    readonly evaluationPeriods: number;
    readonly datapointsToAlarm: number;
    /** Average statistics: the period a fault starts in may not breach (time-to-notify adds a period). */
    readonly firstPeriodMayNotBreach: boolean;
    readonly treatMissingData: TreatMissingData;
    readonly treatMissingDataReason: string;
    /** What is measured, readable. */
    readonly measures: string;
    readonly args: MetricAlarmDefinitionArgs;
}

export interface CompositeAlarmDefinition {
    /** Stable key: `ServiceUnhealthy`, or `<symptom key>-notify` for suppressible wrappers. */
    readonly key: string;
    readonly severity: Severity;
    /** `false` for ServiceUnhealthy: it exists to suppress; its causes notify themselves. */
    readonly notify: boolean;
    /** Metric alarm keys named in the rule. */
    readonly ruleAlarmKeys: readonly string[];
    /** For ServiceUnhealthy: the symptom alarm keys it explains (and suppresses through their wrappers). */
    readonly suppresses: readonly string[];
    /** For wrappers: seconds the wrapper waits for ServiceUnhealthy before notifying anyway. */
    readonly suppressorWaitSeconds?: number;
    readonly args: CompositeAlarmDefinitionArgs;
}

export interface CloudWatchAlarmsArgs {
    /** Name prefix, e.g. `${project}-${stack}`: alarms are named `<prefix>-<key>`. */
    readonly namePrefix: string;
    /** Dimension values of the stack's resources. */
    readonly targets: CloudWatchTargets;
    /** Resolved catalog (`resolveAlerts`); disabled alerts produce no alarm. */
    readonly alerts: readonly ResolvedAlert[];
    /** Base URL of the runbooks folder, for the composite's own runbook. @default "runbooks" */
    readonly runbookBaseUrl?: string;
    /** Tags on every alarm. @default {} */
    readonly tags?: Readonly<Record<string, string>>;
    /** Shared overrides applied to every metric alarm (after the factory defaults). @default {} */
    readonly defaults?: Partial<MetricAlarmDefinitionArgs>;
    /** Per-key overrides (win over everything). @default {} */
    readonly overrides?: Readonly<Record<string, Partial<MetricAlarmDefinitionArgs>>>;
}

/** Alerts whose cause explains other alarms. */
export const SERVICE_UNHEALTHY = {
    key: "ServiceUnhealthy",
    /** Any of these in ALARM means the service is unhealthy. */
    causes: ["KoronetDown", "NoHealthyTargets"] as readonly AlertId[],
    /** Symptoms a down service produces; their notifications are suppressed while it is unhealthy. */
    symptoms: ["HighErrorRate", "HighResponseTime", "UnusualTraffic"] as readonly AlertId[],
    /**
     * Seconds a symptom waits for ServiceUnhealthy to go into ALARM before notifying anyway. Short
     * for critical symptoms: it adds to their time to notify (130 s + 30 s ≤ 3 min).
     */
    waitSeconds: { critical: 30, warning: 60 } as Readonly<Record<Severity, number>>,
    /** Seconds symptoms stay suppressed after ServiceUnhealthy recovers (lagging 5xx/latency minutes). */
    extensionSeconds: 120,
};

/** Alarm name of a key (components/common/naming.ts). */
function alarmName(namePrefix: string, key: string): string {
    return alertingNames(namePrefix).catalogAlarm(key);
}

/**
 * One spec of one alert → a definition, through the alarm factory (alarm-factory.ts) with the
 * catalog's conventions (key, details, AlertId/Severity tags).
 */
function metricAlarmDefinition(
    alert: ResolvedAlert,
    spec: CloudWatchAlarmSpec,
    options: {
        readonly namePrefix: string;
        readonly tags?: Readonly<Record<string, string>>;
        readonly defaults?: Partial<MetricAlarmDefinitionArgs>;
        readonly override?: Partial<MetricAlarmDefinitionArgs>;
        readonly notifyVia?: "direct" | "composite";
    },
): CloudWatchAlarmDefinition {
    if (alert.cloudwatch === undefined) throw new Error(`${alert.id} has no CloudWatch timing`);
    if (alert.severity === "none") throw new Error(`${alert.id} has severity none; CloudWatch alarms route by critical/warning`);
    const { periodSeconds, evaluationPeriods, datapointsToAlarm } = alert.cloudwatch;
    const key = spec.variant !== undefined ? `${alert.id}-${spec.variant}` : alert.id;
    const details = [alert.description, `Measures: ${spec.measures}.`, `Missing data: ${spec.treatMissingDataReason}`].join("\n");
    const base = metricAlarmArgs({
        name: alarmName(options.namePrefix, key),
        severity: alert.severity,
        summary: alert.summary,
        details,
        runbookUrl: alert.runbookUrl,
        timing: { periodSeconds, evaluationPeriods, datapointsToAlarm },
        measurement: spec,
        tags: { ...options.tags, AlertId: alert.id, Severity: alert.severity },
    });
    return {
        key,
        alertId: alert.id,
        severity: alert.severity,
        notifyVia: options.notifyVia ?? "direct",
        periodSeconds,
        evaluationPeriods,
        datapointsToAlarm,
        firstPeriodMayNotBreach: spec.firstPeriodMayNotBreach ?? false,
        treatMissingData: spec.treatMissingData,
        treatMissingDataReason: spec.treatMissingDataReason,
        measures: spec.measures,
        args: { ...base, ...options.defaults, ...options.override },
    };
}

/**
 * Every CloudWatch alarm of the enabled alerts for one stack, plus the ServiceUnhealthy composite
 * and the wrapper composites of the symptoms it suppresses.
 */
export function buildCloudWatchAlarms(args: CloudWatchAlarmsArgs): { alarms: CloudWatchAlarmDefinition[]; composites: CompositeAlarmDefinition[] } {
    const enabled = args.alerts.filter((a) => a.enabled && a.cloudwatch !== undefined && a.severity !== "none");
    const enabledIds = new Set(enabled.map((a) => a.id));
    const causesPresent = SERVICE_UNHEALTHY.causes.some((id) => enabledIds.has(id));

    const alarms: CloudWatchAlarmDefinition[] = [];
    for (const alert of enabled) {
        const viaComposite = causesPresent && SERVICE_UNHEALTHY.symptoms.includes(alert.id);
        for (const spec of (alert.cloudwatch as NonNullable<ResolvedAlert["cloudwatch"]>).alarms(args.targets)) {
            const key = spec.variant !== undefined ? `${alert.id}-${spec.variant}` : alert.id;
            alarms.push(
                metricAlarmDefinition(alert, spec, {
                    namePrefix: args.namePrefix,
                    ...(args.tags !== undefined ? { tags: args.tags } : {}),
                    ...(args.defaults !== undefined ? { defaults: args.defaults } : {}),
                    ...(args.overrides?.[key] !== undefined ? { override: args.overrides[key] } : {}),
                    notifyVia: viaComposite ? "composite" : "direct",
                }),
            );
        }
    }
    const keys = new Set<string>();
    for (const a of alarms) {
        if (keys.has(a.key)) throw new Error(`duplicate CloudWatch alarm key ${a.key}`);
        keys.add(a.key);
    }

    const composites: CompositeAlarmDefinition[] = [];
    if (causesPresent) {
        const causeAlarms = alarms.filter((a) => SERVICE_UNHEALTHY.causes.includes(a.alertId));
        const symptomAlarms = alarms.filter((a) => a.notifyVia === "composite");
        const unhealthyName = alarmName(args.namePrefix, SERVICE_UNHEALTHY.key);
        composites.push({
            key: SERVICE_UNHEALTHY.key,
            severity: "critical",
            notify: false,
            ruleAlarmKeys: causeAlarms.map((a) => a.key),
            suppresses: symptomAlarms.map((a) => a.key),
            args: {
                alarmName: unhealthyName,
                alarmRule: causeAlarms.map((a) => `ALARM("${alarmName(args.namePrefix, a.key)}")`).join(" OR "),
                alarmDescription: formatAlarmDescription({
                    severity: "critical",
                    summary: "Koronet service unhealthy: no running task or no healthy target",
                    runbookUrl: runbookUrl(SERVICE_UNHEALTHY.key, args.runbookBaseUrl),
                    details:
                        `In ALARM when any of ${causeAlarms.map((a) => a.key).join(", ")} is. ` +
                        `Explains and suppresses the notifications of: ${symptomAlarms.map((a) => a.key).join(", ") || "none"}. ` +
                        `Carries no actions: its causes notify themselves.`,
                }),
                actionsEnabled: true,
                tags: { ...args.tags, AlertId: SERVICE_UNHEALTHY.key, Severity: "critical" },
            },
        });
        for (const s of symptomAlarms) {
            const wait = SERVICE_UNHEALTHY.waitSeconds[s.severity];
            const alert = args.alerts.find((a) => a.id === s.alertId) as ResolvedAlert;
            composites.push({
                key: `${s.key}-notify`,
                severity: s.severity,
                notify: true,
                ruleAlarmKeys: [s.key],
                suppresses: [],
                suppressorWaitSeconds: wait,
                args: {
                    alarmName: alarmName(args.namePrefix, `${s.key}-notify`),
                    alarmRule: `ALARM("${alarmName(args.namePrefix, s.key)}")`,
                    alarmDescription: formatAlarmDescription({
                        severity: s.severity,
                        summary: alert.summary,
                        runbookUrl: alert.runbookUrl,
                        details: `${alert.description}\nMeasures: ${s.measures}.\nSuppressed while ${unhealthyName} is in ALARM (it explains this symptom).`,
                    }),
                    actionsEnabled: true,
                    actionsSuppressor: { alarm: unhealthyName, waitPeriod: wait, extensionPeriod: SERVICE_UNHEALTHY.extensionSeconds },
                    tags: { ...args.tags, AlertId: s.alertId, Severity: s.severity },
                },
            });
        }
    }
    return { alarms, composites };
}
