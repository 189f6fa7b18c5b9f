/**
 * The catalog's CloudWatch alarms: every enabled alert of the catalog (catalog.ts, resolved with the
 * stack's overrides) as a metric alarm on its severity's topic, the ServiceUnhealthy composite and
 * the wrapper composites it suppresses (cloudwatch-alarms.ts), and the ECS task events that feed
 * the ContainerRestarting alarms (task-events.ts). A component: the plan shows the catalog as one node.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackAlertSettings } from "../../config/alerts";
import { resolveAlerts, type CloudWatchTargets, type Severity } from "./catalog";
import { buildCloudWatchAlarms, type CloudWatchAlarmDefinition, type CompositeAlarmDefinition } from "./cloudwatch-alarms";
import { deploymentAlarmKeys, livenessProbes, type MetricRef } from "./deployment-alarms";
import { AlertingPart, type PartContext } from "./part";
import { TaskEvents } from "./task-events";

export interface CatalogAlarmsArgs extends PartContext {
    /** The stack's effective catalog settings (`stackAlertSettings`). */
    readonly settings: StackAlertSettings;
    /** Where the alarms look (ALB, ECS services, data stores). */
    readonly targets: CloudWatchTargets;
    /** The severity topics the alarms notify. */
    readonly topicArns: Readonly<Record<Severity, pulumi.Output<string>>>;
    /** ECS cluster ARN: its tasks' state-change events feed the ContainerRestarting alarms. */
    readonly clusterArn: pulumi.Input<string>;
    readonly logRetentionDays: number;
}

export class CatalogAlarms extends AlertingPart {
    /** Every metric alarm's and composite's name, by key. */
    public readonly alarmNames: Record<string, pulumi.Output<string>> = {};
    /** The alarms that fail and roll back a web deployment (deployment-alarms.ts). */
    public readonly deploymentAlarmNames: pulumi.Output<string>[];
    /** Alarms whose metrics are published continuously (`livenessProbes`). */
    public readonly alarmsExpectingData: pulumi.Output<string>[] = [];
    public readonly taskEventsLogGroupName: pulumi.Output<string>;

    constructor(name: string, args: CatalogAlarmsArgs, opts: pulumi.ComponentResourceOptions & { readonly parent: pulumi.Resource }) {
        super("koronet:alerting:CatalogAlarms", name, opts);
        const base = args.logicalPrefix;
        const taskEvents = new TaskEvents(
            `${base}-task-events`,
            { names: args.names, clusterArn: args.clusterArn, kmsKeyArn: args.kmsKeyArn, logRetentionDays: args.logRetentionDays },
            this.childOpts(),
        );
        this.taskEventsLogGroupName = taskEvents.logGroupName;

        const resolved = resolveAlerts(args.settings);
        const built = buildCloudWatchAlarms({
            namePrefix: args.names.prefix,
            targets: args.targets,
            alerts: resolved,
            runbookBaseUrl: args.settings.runbookBaseUrl,
            tags: { ...args.tags },
        });
        const metricAlarms = new Map<string, aws.cloudwatch.MetricAlarm>();
        for (const d of built.alarms) {
            const actions = alarmActionsFor(d, args.topicArns);
            // CloudWatch can only suppress a composite's actions: a symptom notifies through its wrapper
            // composite, and says so in a tag for whoever wonders why it has no actions of its own.
            const viaTag: Record<string, string> = d.notifyVia === "composite" ? { NotifiesVia: args.names.catalogAlarm(`${d.key}-notify`) } : {};
            const alarm = new aws.cloudwatch.MetricAlarm(
                `${base}-${d.key}`,
                { ...d.args, tags: { ...d.args.tags, ...viaTag }, alarmActions: actions, okActions: actions, insufficientDataActions: [] },
                this.childOpts(),
            );
            metricAlarms.set(d.key, alarm);
            this.alarmNames[d.key] = alarm.name;
            if (livenessProbes(definitionMetrics(d.args)).length > 0) this.alarmsExpectingData.push(alarm.name);
        }
        this.deploymentAlarmNames = deploymentAlarmKeys(built.alarms).map((k) => {
            const alarm = metricAlarms.get(k);
            if (alarm === undefined) throw new Error(`deployment alarm ${k} was not built`);
            return alarm.name;
        });
        const composites = new Map<string, aws.cloudwatch.CompositeAlarm>();
        // ServiceUnhealthy first: the wrappers name it as their actions suppressor.
        const ordered = [...built.composites].sort((a, b) => Number(a.suppresses.length === 0) - Number(b.suppresses.length === 0));
        for (const c of ordered) {
            const actions = compositeActionsFor(c, args.topicArns);
            // The rule names alarms by string: depend on them explicitly, or CloudWatch rejects the rule.
            const dependsOn: pulumi.Resource[] = [...c.ruleAlarmKeys.flatMap((k) => metricAlarms.get(k) ?? []), ...composites.values()];
            const roleTag: Record<string, string> = c.notify ? {} : { NotifiesVia: "none: actions suppressor; its causes notify" };
            const composite = new aws.cloudwatch.CompositeAlarm(
                `${base}-${c.key}`,
                { ...c.args, tags: { ...c.args.tags, ...roleTag }, alarmActions: actions, okActions: actions },
                this.childOpts({ dependsOn }),
            );
            composites.set(c.key, composite);
            this.alarmNames[c.key] = composite.alarmName;
        }
        this.registerOutputs({
            alarmNames: this.alarmNames,
            deploymentAlarmNames: this.deploymentAlarmNames,
            alarmsExpectingData: this.alarmsExpectingData,
            taskEventsLogGroupName: this.taskEventsLogGroupName,
        });
    }
}

/** Actions of a catalog metric alarm: its severity's topic, unless it notifies through a wrapper composite. */
function alarmActionsFor(
    d: Pick<CloudWatchAlarmDefinition, "notifyVia" | "severity">,
    topicArns: Readonly<Record<Severity, pulumi.Output<string>>>,
): pulumi.Output<string>[] {
    return d.notifyVia === "direct" ? [topicArns[d.severity]] : [];
}

/** Actions of a catalog composite: its severity's topic when it notifies (ServiceUnhealthy does not). */
function compositeActionsFor(
    c: Pick<CompositeAlarmDefinition, "notify" | "severity">,
    topicArns: Readonly<Record<Severity, pulumi.Output<string>>>,
): pulumi.Output<string>[] {
    return c.notify ? [topicArns[c.severity]] : [];
}

const isPlainRecord = (x: unknown): x is Record<string, unknown> =>
    typeof x === "object" && x !== null && !Array.isArray(x) && !pulumi.Output.isInstance(x) && !(x instanceof Promise);

/** The metrics an alarm's arguments read, where their names and dimensions are plain values (for `livenessProbes`). */
export function definitionMetrics(a: Pick<aws.cloudwatch.MetricAlarmArgs, "namespace" | "metricName" | "dimensions" | "metricQueries">): MetricRef[] {
    const plain = (d: unknown): Record<string, string> =>
        isPlainRecord(d) ? Object.fromEntries(Object.entries(d).map(([k, v]) => [k, typeof v === "string" ? v : "<deployed value>"])) : {};
    const top =
        typeof a.namespace === "string" && typeof a.metricName === "string"
            ? [{ namespace: a.namespace, metricName: a.metricName, dimensions: plain(a.dimensions) }]
            : [];
    const queries: unknown[] = Array.isArray(a.metricQueries) ? a.metricQueries : [];
    const fromQueries = queries.flatMap((q) => {
        const m = isPlainRecord(q) ? q.metric : undefined;
        return isPlainRecord(m) && typeof m.namespace === "string" && typeof m.metricName === "string"
            ? [{ namespace: m.namespace, metricName: m.metricName, dimensions: plain(m.dimensions) }]
            : [];
    });
    return [...top, ...fromQueries];
}
