/**
 * Restarts where ECS reports them. ECS does not restart a failed container in place: it stops the
 * task and the service scheduler starts a new one, so cAdvisor's container start times never
 * change and Fargate tasks are invisible to cAdvisor anyway. Every stop is an "ECS Task State
 * Change" event (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html)
 * carrying the service group (`service:<name>`), the stop code, the stopped reason and each
 * container's exit code and reason (`OutOfMemoryError: Container killed due to memory usage` for an
 * OOM kill). An EventBridge rule sends the cluster's STOPPED events to a CloudWatch Logs group;
 * metric filters count them into `Koronet/ECS` (catalog.ts `TASK_EVENT_METRICS`), which the
 * ContainerRestarting alarms read per service, and the log group keeps every event for the runbook's
 * Logs Insights query (exit codes, reasons).
 *
 * EventBridge writes to a log group through its resource policy, not a role ("For Amazon CloudWatch
 * Logs targets, do not specify a RoleArn", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html);
 * the policy names `events.amazonaws.com` and `delivery.logs.amazonaws.com` (the Terraform provider's
 * documented example for an event target log group, hashicorp/terraform-provider-aws#30388), and
 * the group's name starts with `/aws/events/`, where the console puts EventBridge's groups (aws/aws-cdk#9953).
 *
 * The pure parts (event pattern, filter patterns) are exported for tests, which evaluate the filter
 * patterns against real events (test/alerting/fixtures/ecs-task-events/).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AlertingNames } from "../common/naming";
import { TASK_EVENT_METRICS } from "./catalog";
import { kindNamed } from "../common/kind-names";

/**
 * Container slots the OOM filter looks at (`$.detail.containers[0..n-1]`): filter patterns have no
 * "any element" selector, only indexes. No task of the stack has more containers
 * (test/alerting/task-events.test.ts checks the plans).
 */
export const MAX_CONTAINERS_PER_TASK = 5;

/**
 * Stop codes of a task that failed, as opposed to one the scheduler or a person stopped (a
 * deployment, a scale-in: `ServiceSchedulerInitiated`, `UserInitiated`) or that capacity took away
 * (`SpotInterruption`, `TerminationNotice`).
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html
 */
const FAILED_STOP_CODES = ["EssentialContainerExited", "TaskFailedToStart"] as const;

/**
 * Stopped reasons of a task the scheduler replaced because it failed its health checks (stop code
 * `ServiceSchedulerInitiated`, like a deployment's replacements; the reason tells them apart).
 */
const HEALTH_CHECK_STOP_REASONS = ["Task failed ELB health checks*", "Task failed container health checks*"] as const;

/** The EventBridge pattern: the cluster's tasks that reached STOPPED. */
export function taskStoppedEventPattern(clusterArn: string): Record<string, unknown> {
    return {
        source: ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        detail: { clusterArn: [clusterArn], lastStatus: ["STOPPED"] },
    };
}

export interface TaskEventFilter {
    /** Logical-name suffix and filter name. */
    readonly key: string;
    /** CloudWatch Logs filter pattern (JSON syntax). */
    readonly pattern: string;
    readonly metricName: string;
    /** Dimension name → JSON selector of the event. */
    readonly dimensions: Readonly<Record<string, string>>;
}

const stopped = `$.detail.lastStatus = "STOPPED"`;

/**
 * The metric filters. Syntax: JSON patterns with `=`, `&&`, `||`, parentheses, array indexes and the
 * `*` wildcard at either end of a value
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html, "Matching
 * terms in JSON log events"); dimensions take values from event fields, at most three
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringPolicyExamples.html).
 */
export function taskEventFilters(): TaskEventFilter[] {
    const group = { [TASK_EVENT_METRICS.groupDimension]: "$.detail.group" };
    const failed = [
        ...FAILED_STOP_CODES.map((code) => `$.detail.stopCode = "${code}"`),
        ...HEALTH_CHECK_STOP_REASONS.map((reason) => `$.detail.stoppedReason = "${reason}"`),
    ].join(" || ");
    const oom = Array.from({ length: MAX_CONTAINERS_PER_TASK }, (_, i) => `$.detail.containers[${i}].reason = "OutOfMemoryError*"`).join(" || ");
    return [
        { key: "stopped", pattern: `{ ${stopped} }`, metricName: TASK_EVENT_METRICS.stopped, dimensions: { ...group, StopCode: "$.detail.stopCode" } },
        { key: "crashed", pattern: `{ ${stopped} && (${failed}) }`, metricName: TASK_EVENT_METRICS.crashed, dimensions: group },
        { key: "oom-killed", pattern: `{ ${stopped} && (${oom}) }`, metricName: TASK_EVENT_METRICS.oomKilled, dimensions: group },
    ];
}

export interface TaskEventsArgs {
    /** The stack's alerting names: the log group and the metric filters. */
    readonly names: AlertingNames;
    readonly clusterArn: pulumi.Input<string>;
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly logRetentionDays: number;
}

/** The EventBridge rule, the log group with its resource policy, and the metric filters. */
export class TaskEvents extends pulumi.ComponentResource {
    public readonly logGroupName: pulumi.Output<string>;

    constructor(name: string, args: TaskEventsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:alerting:TaskEvents", name, {}, opts);
        const parent = { parent: this };
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            {
                name: args.names.taskEventsLogGroup,
                retentionInDays: args.logRetentionDays,
                kmsKeyId: args.kmsKeyArn,
            },
            parent,
        );
        const ruleName = kindNamed(`${name}-stopped`, "eventRule", parent);
        const rule = new aws.cloudwatch.EventRule(
            ruleName.name,
            {
                description: "ECS tasks of this stack's cluster that stopped: counted by the ContainerRestarting metric filters",
                eventPattern: pulumi.output(args.clusterArn).apply((arn) => JSON.stringify(taskStoppedEventPattern(arn))),
            },
            ruleName.opts,
        );
        const policy = new aws.cloudwatch.LogResourcePolicy(
            `${name}-delivery`,
            {
                resourceArn: logGroup.arn,
                policyDocument: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "EventBridgeDelivers",
                            Effect: "Allow",
                            Principal: { Service: ["events.amazonaws.com", "delivery.logs.amazonaws.com"] },
                            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                            Resource: pulumi.interpolate`${logGroup.arn}:*`,
                            Condition: { ArnEquals: { "aws:SourceArn": rule.arn } },
                        },
                    ],
                }),
            },
            parent,
        );
        // After the policy: a target that cannot write drops the events it gets meanwhile.
        new aws.cloudwatch.EventTarget(`${name}-to-logs`, { rule: rule.name, arn: logGroup.arn }, { parent: this, dependsOn: [policy] });
        for (const f of taskEventFilters()) {
            new aws.cloudwatch.LogMetricFilter(
                `${name}-${f.key}`,
                {
                    name: args.names.taskEventsFilter(f.key),
                    logGroupName: logGroup.name,
                    pattern: f.pattern,
                    metricTransformation: {
                        namespace: TASK_EVENT_METRICS.namespace,
                        name: f.metricName,
                        value: "1",
                        unit: "Count",
                        dimensions: { ...f.dimensions },
                    },
                },
                parent,
            );
        }
        this.logGroupName = logGroup.name;
        this.registerOutputs({ logGroupName: this.logGroupName });
    }
}
