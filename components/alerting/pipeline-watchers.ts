/**
 * Who watches the watchers: the alarms on the alerting pipeline itself, and the fire drills that
 * prove it end to end. A component: the plan shows, in one node, everything that tells when
 * alerting is what broke.
 *   heartbeat        the Watchdog (Prometheus → Alertmanager → notifier metric or SNS topic) stopped
 *   <service>-tasks  a self-hosted part of the pipeline lost (critical) or degraded (warning)
 *   pipeline alarms  notifier errors and 5xx, PagerDuty forwarder errors, given-up notifications:
 *                    on the pipeline topic (email, PagerDuty), never Slack, which may be what broke
 *   drills           `npm run drill` sets one to ALARM: the real route of its severity, marked DRILL
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CloudWatchTiming, Severity } from "./catalog";
import { metricAlarmArgs, type AlarmMeasurement } from "./alarm-factory";
import { definitionMetrics } from "./catalog-alarms";
import { livenessProbes } from "./deployment-alarms";
import { DRILL_METRIC, HEARTBEAT_DIMENSION, HEARTBEAT_METRIC, HEARTBEAT_NAMESPACE } from "../../functions/src/contract";
import { AlertingPart, type PartContext } from "./part";
import type { TopicKey } from "./topics";

/** An ECS service whose running task count is alarmed on (Container Insights). */
export interface WatchedService {
    /** ECS service name (dimension `ServiceName`). */
    readonly serviceName: pulumi.Input<string>;
    /** Alarm when fewer tasks run. @default 1 */
    readonly minimum?: number;
    /**
     * Tasks the service runs. Above `minimum`, a second alarm (warning) tells when fewer run while
     * at least `minimum` still do: degraded, not lost. @default 1
     */
    readonly desired?: number;
    /** What it is, for the alarm's summary. */
    readonly description: string;
}

/** Where the Watchdog heartbeat is counted. */
export type HeartbeatSource =
    /** The notifier turns each Watchdog webhook into a data point of its heartbeat metric. */
    | { readonly via: "notifier" }
    /** Alertmanager publishes the Watchdog to a topic nobody reads: its publish count is the heartbeat. */
    | { readonly via: "sns"; readonly topicName: pulumi.Output<string> };

export interface PipelineWatchersArgs extends PartContext {
    readonly runbookBaseUrl: string;
    readonly topicArns: Readonly<Record<TopicKey, pulumi.Output<string>>>;
    /** ECS cluster name, for the running-task alarms. */
    readonly clusterName: pulumi.Input<string>;
    /** Alertmanager, when it runs: the heartbeat alarm and its task alarms. */
    readonly alertmanager?: {
        readonly serviceName: pulumi.Output<string>;
        readonly replicas: number;
        readonly heartbeat: HeartbeatSource;
        /**
         * What makes the Watchdog: Alertmanager's and Prometheus's ECS services. The heartbeat
         * alarm is created only after they run, so a first deploy does not page.
         */
        readonly heartbeatSenders: readonly pulumi.Resource[];
    };
    /** Other self-hosted services of the pipeline (e.g. Prometheus). */
    readonly watchedServices: Readonly<Record<string, WatchedService>>;
    /** The notifier Lambda (`slack.mode: lambda`). */
    readonly notifierFunctionName?: pulumi.Output<string>;
    /** The PagerDuty forwarder Lambda. */
    readonly pagerdutyFunctionName?: pulumi.Output<string>;
    /** The Lambdas' on-failure queue. */
    readonly failedQueueName?: pulumi.Output<string>;
}

/** What a watcher measures and when it fires; the one alarm factory (alarm-factory.ts) builds the alarm. */
interface Watch {
    readonly timing: CloudWatchTiming;
    readonly measurement: AlarmMeasurement;
}

export class PipelineWatchers extends AlertingPart {
    /** The heartbeat, task and drill alarms' names, by key. */
    public readonly alarmNames: Record<string, pulumi.Output<string>> = {};
    /** The fire-drill alarms by the route they take: `warning` never pages, `critical` does. */
    public readonly drillAlarmNames: Record<Severity, pulumi.Output<string>>;
    /** Alarms whose metrics are published continuously. */
    public readonly alarmsExpectingData: pulumi.Output<string>[] = [];

    constructor(name: string, args: PipelineWatchersArgs, opts: pulumi.ComponentResourceOptions & { readonly parent: pulumi.Resource }) {
        super("koronet:alerting:PipelineWatchers", name, opts);
        const base = args.logicalPrefix;
        const { names, tags } = args;
        const runbook = (page: string) => `${args.runbookBaseUrl.replace(/\/+$/, "")}/${page}`;

        // ── The notification path's own failures, on the pipeline topic ──────────────────────
        const pipelineAlarm = (key: string, summary: string, details: string, a: Watch) =>
            new aws.cloudwatch.MetricAlarm(
                `${base}-${key}`,
                {
                    ...metricAlarmArgs({
                        name: names.pipelineAlarm(key),
                        severity: "critical",
                        summary,
                        details,
                        runbookUrl: runbook("AlertingPipeline.md"),
                        ...a,
                        tags: { ...tags, Severity: "critical", Path: "pipeline" },
                    }),
                    alarmActions: [args.topicArns.pipeline],
                    okActions: [args.topicArns.pipeline],
                },
                this.childOpts(),
            );
        // A Lambda of the pipeline failing: its metric (Sum) ≥ 1 in 2 of 5 minutes; no invocation is no failure.
        const lambdaFailing = (functionName: pulumi.Input<string>, metricName: "Errors" | "Url5xxCount"): Watch => ({
            timing: { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 2 },
            measurement: {
                metric: { namespace: "AWS/Lambda", metricName, dimensions: { FunctionName: functionName }, statistic: "Sum" },
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                threshold: 1,
                treatMissingData: "notBreaching",
            },
        });
        if (args.notifierFunctionName !== undefined) {
            pipelineAlarm(
                "notifier-errors",
                "Slack notifier failing: CloudWatch alarms may not reach Slack",
                "AWS/Lambda Errors (Sum) of the notifier ≥ 1 in 2 of 5 minutes. SNS deliveries that fail are retried and then parked in the failed-notifications queue. Email and PagerDuty still work.",
                lambdaFailing(args.notifierFunctionName, "Errors"),
            );
            pipelineAlarm(
                "notifier-url-5xx",
                "Slack notifier answering Alertmanager with 5xx: Prometheus alerts may not reach Slack or PagerDuty",
                "AWS/Lambda Url5xxCount (Sum) ≥ 1 in 2 of 5 minutes. Failed Function URL deliveries answer 503 and are not Lambda Errors; Alertmanager retries them. Includes a failing Watchdog heartbeat.",
                lambdaFailing(args.notifierFunctionName, "Url5xxCount"),
            );
        }
        if (args.pagerdutyFunctionName !== undefined) {
            pipelineAlarm(
                "pagerduty-errors",
                "PagerDuty forwarder failing: critical CloudWatch alarms may not page",
                "AWS/Lambda Errors (Sum) of the PagerDuty forwarder ≥ 1 in 2 of 5 minutes (empty or wrong routing key, PagerDuty unreachable). Email still works.",
                lambdaFailing(args.pagerdutyFunctionName, "Errors"),
            );
        }
        if (args.failedQueueName !== undefined) {
            pipelineAlarm(
                "failed-notifications",
                "Notifications were given up on: messages in the failed-notifications queue",
                "AWS/SQS ApproximateNumberOfMessagesVisible (Maximum) > 0: an alarm notification could not be delivered after Lambda's retries. Read the message, fix the cause, and redrive it.",
                {
                    timing: { periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1 },
                    measurement: {
                        metric: {
                            namespace: "AWS/SQS",
                            metricName: "ApproximateNumberOfMessagesVisible",
                            dimensions: { QueueName: args.failedQueueName },
                            statistic: "Maximum",
                        },
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: 0,
                        treatMissingData: "notBreaching",
                    },
                },
            );
        }

        // ── Heartbeat and the pipeline's own services ────────────────────────────────────────
        const routedAlarm = (key: string, topic: TopicKey, summary: string, details: string, a: Watch, waitsFor: readonly pulumi.Resource[] = []) => {
            const severity = topic === "warning" ? "warning" : "critical";
            const definition = metricAlarmArgs({
                name: names.pipelineAlarm(key),
                severity,
                summary,
                details,
                runbookUrl: runbook("AlertingPipeline.md"),
                ...a,
                tags: { ...tags, Severity: severity, Path: "watchdog" },
            });
            const alarm = new aws.cloudwatch.MetricAlarm(
                `${base}-${key}`,
                { ...definition, alarmActions: [args.topicArns[topic]], okActions: [args.topicArns[topic]] },
                waitsFor.length > 0 ? this.childOpts({ dependsOn: [...waitsFor] }) : this.childOpts(),
            );
            this.alarmNames[key] = alarm.name;
            if (livenessProbes(definitionMetrics(definition)).length > 0) this.alarmsExpectingData.push(alarm.name);
        };
        const watchTasks = (key: string, w: WatchedService) => {
            const minimum = w.minimum ?? 1;
            const desired = w.desired ?? 1;
            const dimensions = { ClusterName: args.clusterName, ServiceName: w.serviceName };
            // Lost: nothing left of it.
            routedAlarm(
                `${key}-tasks`,
                "critical",
                `${w.description} is not running: fewer than ${minimum} task(s)`,
                `ECS/ContainerInsights RunningTaskCount (Minimum) < ${minimum} for 2 minutes. Missing data is breaching (a service with no task may stop reporting). Prometheus alerts depend on it.`,
                {
                    timing: { periodSeconds: 60, evaluationPeriods: 2, datapointsToAlarm: 2 },
                    measurement: {
                        metric: { namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", dimensions, statistic: "Minimum" },
                        comparisonOperator: "LessThanThreshold",
                        threshold: minimum,
                        treatMissingData: "breaching",
                    },
                },
            );
            if (desired <= minimum) return;
            // Degraded: fewer than desired, but still at least `minimum` (the lost alarm speaks
            // below that, so the two never notify for the same minute). 5 of 5 minutes: a deploy
            // replaces one task at a time within that (Prometheus: stop, start on the same instance).
            // Metric math IF/AND: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html#using-IF-expressions
            routedAlarm(
                `${key}-tasks-degraded`,
                "warning",
                `${w.description} is degraded: fewer than ${desired} tasks running`,
                `ECS/ContainerInsights RunningTaskCount (Minimum) between ${minimum} and ${desired - 1} for 5 minutes: alerting still works, but one more loss would stop it. Missing data is not breaching: no data at all is the lost alarm's case.`,
                {
                    timing: { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5 },
                    measurement: {
                        metricQueries: [
                            {
                                id: "running",
                                metric: { namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", dimensions, stat: "Minimum" },
                                returnData: false,
                            },
                            {
                                id: "degraded",
                                expression: `IF(running >= ${minimum} AND running < ${desired}, 1, 0)`,
                                label: `${w.description} tasks below ${desired}`,
                                returnData: true,
                            },
                        ],
                        comparisonOperator: "GreaterThanOrEqualToThreshold",
                        threshold: 1,
                        treatMissingData: "notBreaching",
                    },
                },
            );
        };
        const am = args.alertmanager;
        if (am !== undefined) {
            const hb: { namespace: string; metricName: string; dimensions: Record<string, pulumi.Input<string>>; source: string } =
                am.heartbeat.via === "notifier"
                    ? {
                          namespace: HEARTBEAT_NAMESPACE,
                          metricName: HEARTBEAT_METRIC,
                          dimensions: { [HEARTBEAT_DIMENSION]: names.prefix },
                          source: "the notifier's WatchdogHeartbeat metric",
                      }
                    : {
                          namespace: "AWS/SNS",
                          metricName: "NumberOfMessagesPublished",
                          dimensions: { TopicName: am.heartbeat.topicName },
                          source: "messages Alertmanager publishes to the heartbeat topic",
                      };
            routedAlarm(
                "watchdog-heartbeat",
                "critical",
                "Alerting heartbeat lost: Prometheus, Alertmanager or the notifier is broken — Prometheus alerts are not being delivered",
                `No Watchdog heartbeat (${hb.source}) for 3 minutes. Missing data is breaching: silence is the failure. Check the Prometheus and Alertmanager tasks and the notifier's logs.`,
                {
                    timing: { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 3 },
                    measurement: {
                        metric: { namespace: hb.namespace, metricName: hb.metricName, dimensions: hb.dimensions, statistic: "Sum" },
                        comparisonOperator: "LessThanThreshold",
                        threshold: 1,
                        treatMissingData: "breaching",
                    },
                },
                // Nothing in its inputs names the senders, so without this it is created at the start of a
                // first deploy, minutes before they run. A new alarm starts in INSUFFICIENT_DATA; with
                // missing data breaching, a window with no data point at all is ALARM
                // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html),
                // and INSUFFICIENT_DATA → ALARM runs the alarm actions: the critical topic, PagerDuty.
                // The services wait for steady state (running count = desired count, like `aws ecs wait
                // services-stable`: https://docs.aws.amazon.com/cli/latest/reference/ecs/wait/services-stable.html),
                // so the alarm is created once Prometheus and Alertmanager run. Once the metric has been
                // reported, a replaced alarm reads the data points from before it was created
                // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
                am.heartbeatSenders,
            );
            watchTasks("alertmanager", { serviceName: am.serviceName, description: "Alertmanager", desired: am.replicas });
        }
        for (const [key, w] of Object.entries(args.watchedServices)) watchTasks(key, w);

        // ── Fire drills ──────────────────────────────────────────────────────────────────────
        // `npm run drill` sets one of these to ALARM with SetAlarmState: its notification takes the
        // real path of that severity (topic, notifier, email, PagerDuty for critical) and says DRILL
        // in every place it shows (alarm name, summary). CloudWatch returns an alarm set this way to
        // its actual state within seconds (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html):
        // here OK, since nothing publishes the metric and missing data is notBreaching, so the
        // RESOLVED follows at once. The warning one never pages; `--page` uses the critical one.
        const drill = (sev: Severity) => {
            const alarm = new aws.cloudwatch.MetricAlarm(
                `${base}-drill-${sev}`,
                {
                    ...metricAlarmArgs({
                        name: names.drillAlarm(sev),
                        severity: sev,
                        summary: `DRILL of the ${sev} route: a test alert (npm run drill), nobody needs to act`,
                        details: `Set to ALARM by a fire drill (SetAlarmState), then back to OK. It proves the ${sev} notification path end to end${sev === "critical" ? ", PagerDuty included" : "; it never pages"}.`,
                        runbookUrl: runbook("FireDrill.md"),
                        timing: { periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1 },
                        measurement: {
                            metric: {
                                namespace: DRILL_METRIC.namespace,
                                metricName: DRILL_METRIC.metricName,
                                dimensions: { [DRILL_METRIC.dimension]: names.prefix },
                                statistic: "Maximum",
                            },
                            comparisonOperator: "GreaterThanOrEqualToThreshold",
                            threshold: 1,
                            treatMissingData: "notBreaching",
                        },
                        tags: { ...tags, Severity: sev, Path: "drill" },
                    }),
                    alarmActions: [args.topicArns[sev]],
                    okActions: [args.topicArns[sev]],
                },
                this.childOpts(),
            );
            this.alarmNames[`drill-${sev}`] = alarm.name;
            return alarm.name;
        };
        this.drillAlarmNames = { critical: drill("critical"), warning: drill("warning") };
        this.registerOutputs({ alarmNames: this.alarmNames, drillAlarmNames: this.drillAlarmNames, alarmsExpectingData: this.alarmsExpectingData });
    }
}
