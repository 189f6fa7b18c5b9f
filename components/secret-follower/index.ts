/**
 * The secret follower: a small scheduled Lambda that redeploys an ECS service when a secret it
 * injects changed after the service's current deployment began (functions/src/secret-follower/). It makes
 * "fill the secret later" and RDS's rotation of the managed master password take effect without
 * hand work: ECS reads `secrets` only when a task starts.
 *
 * Every 5 minutes by an EventBridge schedule rather than on Secrets Manager events: those reach
 * EventBridge only as CloudTrail-delivered API calls, which need a CloudTrail trail with logging
 * enabled, and "AWS services deliver events to CloudTrail on a best effort basis"
 * (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-secretsmanager.html,
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/event-types.html). A missed event would
 * leave a service on the old value for good; a schedule catches up on the next tick.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type PolicyStatement } from "../common/iam";
import { bundleFunction, platformFunction } from "../common/lambda";
import { formatAlarmDescription, SECRET_FOLLOWER_ENV } from "../../functions/src/contract";

/** How often the follower runs: the longest a filled or rotated secret waits before its services redeploy. */
const SECRET_FOLLOWER_SCHEDULE = "rate(5 minutes)";

/**
 * IAM of the follower's role, least privilege:
 * - `ecs:ListServices` has no resource type; its `ecs:cluster` condition key pins it to the cluster.
 * - `ecs:DescribeServices` / `ecs:UpdateService` on the cluster's services (`service/<cluster>/*`).
 * - `ecs:DescribeTaskDefinition` supports no resource-level permissions: `*`.
 * - `secretsmanager:DescribeSecret` (metadata only, never the value) on the stack's secrets.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
 */
function secretFollowerStatements(a: {
    clusterArn: pulumi.Input<string>;
    serviceArnPattern: pulumi.Input<string>;
    secretArns: readonly pulumi.Input<string>[];
}): PolicyStatement[] {
    return [
        { Sid: "ListServicesOfTheCluster", Action: "ecs:ListServices", Resource: "*", Condition: { ArnEquals: { "ecs:cluster": a.clusterArn } } },
        { Sid: "ServicesOfTheCluster", Action: ["ecs:DescribeServices", "ecs:UpdateService"], Resource: a.serviceArnPattern },
        { Sid: "TaskDefinitions", Action: "ecs:DescribeTaskDefinition", Resource: "*" },
        { Sid: "SecretMetadata", Action: "secretsmanager:DescribeSecret", Resource: [...a.secretArns] },
    ];
}

export interface SecretFollowerArgs {
    /** `${project}-${stack}`: function `<prefix>-secret-follower`, alarm `<prefix>-secret-follower-errors`. */
    readonly namePrefix: string;
    readonly region: string;
    readonly clusterArn: pulumi.Input<string>;
    readonly clusterName: pulumi.Input<string>;
    /** The stack's secrets are named `<secretNamePrefix>/...`: their metadata may be read. */
    readonly secretNamePrefix: string;
    /** Further secrets its services inject that are not named so (the RDS-managed `rds!` master password secret). @default [] */
    readonly secretArns?: readonly pulumi.Input<string>[];
    /** Customer-managed KMS key of the log group. */
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly logRetentionDays: number;
    /** Topic its Errors alarm notifies (the alerting pipeline topic: email and PagerDuty, not Slack). */
    readonly alarmTopicArn: pulumi.Input<string>;
    /** Base URL of the runbooks folder. */
    readonly runbookBaseUrl: string;
    /** @default SECRET_FOLLOWER_SCHEDULE */
    readonly schedule?: string;
    readonly tags?: Readonly<Record<string, string>>;
}

/** Pure validation; errors name the argument. */
export function validateSecretFollowerArgs(args: Pick<SecretFollowerArgs, "secretNamePrefix" | "schedule">): string[] {
    const problems: string[] = [];
    if (!/^[A-Za-z0-9_+=.@-]+$/.test(args.secretNamePrefix))
        problems.push(`\`secretNamePrefix\` must be a secret name prefix without \`/\` or wildcards, got ${JSON.stringify(args.secretNamePrefix)}`);
    if (args.schedule !== undefined && !/^(rate\(\d+ (minute|minutes|hour|hours)\)|cron\(.+\))$/.test(args.schedule))
        problems.push(`\`schedule\` must be an EventBridge rate() or cron() expression, got ${JSON.stringify(args.schedule)}`);
    return problems;
}

export class SecretFollower extends pulumi.ComponentResource {
    public readonly functionName: pulumi.Output<string>;
    public readonly logGroupName: pulumi.Output<string>;
    public readonly alarmName: pulumi.Output<string>;

    constructor(name: string, args: SecretFollowerArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:secret-follower:SecretFollower", name, {}, opts);
        const problems = validateSecretFollowerArgs(args);
        if (problems.length > 0) throw new Error(`Invalid SecretFollower arguments:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        const parent = { parent: this };
        const tags = args.tags ?? {};
        const functionName = `${args.namePrefix}-secret-follower`;
        const identity = aws.getCallerIdentityOutput({}, parent);
        const partition = aws.getPartitionOutput({}, parent);
        const serviceArnPattern = pulumi.interpolate`arn:${partition.partition}:ecs:${args.region}:${identity.accountId}:service/${args.clusterName}/*`;
        const secretArns = [
            pulumi.interpolate`arn:${partition.partition}:secretsmanager:${args.region}:${identity.accountId}:secret:${args.secretNamePrefix}/*`,
            ...(args.secretArns ?? []),
        ];

        // A failed run is not retried: the next tick, 5 minutes later, does the same work.
        const { fn, logGroup } = platformFunction({
            logicalNames: { logs: `${name}-logs`, role: `${name}-role`, fn: `${name}-fn`, async: `${name}-async` },
            functionName,
            logGroupName: `/aws/lambda/${functionName}`,
            code: bundleFunction("secret-follower"),
            env: { [SECRET_FOLLOWER_ENV.clusterArn]: args.clusterArn },
            statements: secretFollowerStatements({ clusterArn: args.clusterArn, serviceArnPattern, secretArns }),
            timeout: 120,
            logRetentionDays: args.logRetentionDays,
            kmsKeyArn: args.kmsKeyArn,
            tags,
            async: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 300 },
            opts: (extra) => ({ ...extra, parent: this }),
        });

        const rule = new aws.cloudwatch.EventRule(
            `${name}-schedule`,
            { description: "Redeploy ECS services whose injected secrets changed", scheduleExpression: args.schedule ?? SECRET_FOLLOWER_SCHEDULE, tags },
            parent,
        );
        const permission = new aws.lambda.Permission(
            `${name}-from-schedule`,
            { action: "lambda:InvokeFunction", function: fn.name, principal: "events.amazonaws.com", sourceArn: rule.arn },
            parent,
        );
        new aws.cloudwatch.EventTarget(`${name}-target`, { rule: rule.name, arn: fn.arn }, { parent: this, dependsOn: [permission] });

        const runbook = `${args.runbookBaseUrl.replace(/\/+$/, "")}/SecretFollower.md`;
        const alarm = new aws.cloudwatch.MetricAlarm(
            `${name}-errors`,
            {
                name: `${args.namePrefix}-secret-follower-errors`,
                alarmDescription: formatAlarmDescription({
                    severity: "critical",
                    summary: "Secret follower failing: a filled or rotated secret may not reach its ECS services",
                    details:
                        "AWS/Lambda Errors (Sum) of the secret follower ≥ 1 in 2 consecutive 5-minute runs. Services keep the secret values they started with until the follower works again (RDS rotation: new connections fail).",
                    runbookUrl: runbook,
                }),
                namespace: "AWS/Lambda",
                metricName: "Errors",
                dimensions: { FunctionName: fn.name },
                statistic: "Sum",
                period: 300,
                evaluationPeriods: 2,
                datapointsToAlarm: 2,
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                threshold: 1,
                treatMissingData: "notBreaching",
                actionsEnabled: true,
                alarmActions: [args.alarmTopicArn],
                okActions: [args.alarmTopicArn],
                tags: { ...tags, Severity: "critical", Path: "pipeline" },
            },
            parent,
        );

        this.functionName = fn.name;
        this.logGroupName = logGroup.name;
        this.alarmName = alarm.name;
        this.registerOutputs({ functionName: this.functionName, logGroupName: this.logGroupName, alarmName: this.alarmName });
    }
}
