/**
 * The one alarm factory (cdk-monitoring-constructs' AlarmFactory is the model): a metric or metric-math
 * spec, its timing and the words people read → `aws.cloudwatch.MetricAlarmArgs` without actions, with
 * the shared conventions (description format the notifier parses, `actionsEnabled`, the period on
 * every metric, optional fields only when set). The catalog's alarms (cloudwatch-alarms.ts) and the
 * pipeline's own alarms (heartbeat, notifier errors, task counts) are built with it; the caller adds
 * the actions of the topic it routes to.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { formatAlarmDescription } from "../../functions/src/contract";
import type { CloudWatchAlarmSpec, CloudWatchTiming, MetricQuerySpec, Severity } from "./catalog";

type ActionKeys = "alarmActions" | "okActions" | "insufficientDataActions";
/** MetricAlarmArgs without actions: the caller adds SNS topics by severity or path. */
export type MetricAlarmDefinitionArgs = Omit<aws.cloudwatch.MetricAlarmArgs, ActionKeys>;

/** What is measured and when it breaches: a catalog alarm spec without its catalog-only fields. */
export type AlarmMeasurement = Pick<
    CloudWatchAlarmSpec,
    "comparisonOperator" | "threshold" | "thresholdMetricId" | "treatMissingData" | "metric" | "metricQueries" | "evaluateLowSampleCountPercentiles"
>;

export interface AlarmInput {
    /** Physical alarm name (`${prefix}-<key>`). */
    readonly name: pulumi.Input<string>;
    /** Routing severity, as the description states it. */
    readonly severity: Severity;
    /** One line a tired person understands. */
    readonly summary: string;
    /** What it means, what is measured, why missing data is treated as it is. */
    readonly details: string;
    readonly runbookUrl: string;
    readonly timing: CloudWatchTiming;
    readonly measurement: AlarmMeasurement;
    /** Every tag of the alarm (the factory adds none). */
    readonly tags: Readonly<Record<string, pulumi.Input<string>>>;
}

function metricQueries(specs: readonly MetricQuerySpec[], periodSeconds: number): aws.types.input.cloudwatch.MetricAlarmMetricQuery[] {
    return specs.map((q) => ({
        id: q.id,
        ...(q.label !== undefined ? { label: q.label } : {}),
        returnData: q.returnData ?? false,
        ...(q.expression !== undefined ? { expression: q.expression } : {}),
        ...(q.metric !== undefined
            ? {
                  metric: {
                      namespace: q.metric.namespace,
                      metricName: q.metric.metricName,
                      dimensions: { ...q.metric.dimensions },
                      period: periodSeconds,
                      stat: q.metric.stat,
                      ...(q.metric.unit !== undefined ? { unit: q.metric.unit } : {}),
                  },
              }
            : {}),
    }));
}

/** A metric alarm's arguments, without actions. */
export function metricAlarmArgs(i: AlarmInput): MetricAlarmDefinitionArgs {
    const m = i.measurement;
    const { periodSeconds, evaluationPeriods, datapointsToAlarm } = i.timing;
    return {
        name: i.name,
        alarmDescription: formatAlarmDescription({ severity: i.severity, summary: i.summary, runbookUrl: i.runbookUrl, details: i.details }),
        actionsEnabled: true,
        comparisonOperator: m.comparisonOperator,
        evaluationPeriods,
        datapointsToAlarm,
        treatMissingData: m.treatMissingData,
        ...(m.threshold !== undefined ? { threshold: m.threshold } : {}),
        ...(m.thresholdMetricId !== undefined ? { thresholdMetricId: m.thresholdMetricId } : {}),
        ...(m.evaluateLowSampleCountPercentiles !== undefined ? { evaluateLowSampleCountPercentiles: m.evaluateLowSampleCountPercentiles } : {}),
        ...(m.metric !== undefined
            ? {
                  namespace: m.metric.namespace,
                  metricName: m.metric.metricName,
                  dimensions: { ...m.metric.dimensions },
                  period: periodSeconds,
                  ...(m.metric.statistic !== undefined ? { statistic: m.metric.statistic } : {}),
                  ...(m.metric.extendedStatistic !== undefined ? { extendedStatistic: m.metric.extendedStatistic } : {}),
                  ...(m.metric.unit !== undefined ? { unit: m.metric.unit } : {}),
              }
            : {}),
        ...(m.metricQueries !== undefined ? { metricQueries: metricQueries(m.metricQueries, periodSeconds) } : {}),
        tags: { ...i.tags },
    };
}
