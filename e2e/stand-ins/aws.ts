/**
 * A small AWS account for `verify` and `drill` to talk to, offline: real SDK v3 client instances
 * whose `send` is answered by aws-sdk-client-mock from in-memory state. Loaded from the stack's
 * offline plan (its alarms and SNS subscriptions as the program creates them) and its outputs (its
 * ECS services), so the commands read the same names, dimensions and routes they would in AWS.
 *
 * What is modelled, and only that: ECS DescribeServices/ListTasks/DescribeTasks; CloudWatch
 * DescribeAlarms, GetMetricData (MetricStat queries: Sum, SampleCount, Average, Minimum, Maximum
 * per period), PutMetricData, SetAlarmState (state change → the alarm's actions → SNS, and the
 * return to the alarm's actual state a moment later, as CloudWatch does); SNS: publishing to each
 * subscription's handler and counting NumberOfNotificationsDelivered/Failed per topic, and
 * ListSubscriptionsByTopic; SQS queue depth; Lambda function state; Secrets Manager values;
 * DynamoDB PutItem/GetItem. Anything else is refused with the command's name, so a command that
 * starts calling something new fails loudly here.
 */
import {
    DescribeAlarmsCommand,
    GetMetricDataCommand,
    PutMetricDataCommand,
    SetAlarmStateCommand,
    type MetricAlarm,
    type MetricDataQuery,
    type MetricDataResult,
} from "@aws-sdk/client-cloudwatch";
import { GetItemCommand, PutItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, type Deployment, type Service, type Task } from "@aws-sdk/client-ecs";
import { GetFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { ListSubscriptionsByTopicCommand, type Subscription } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
// The Lambda code under test (functions/) has its own copy of the AWS SDK: its commands are other
// classes than the root's, and aws-sdk-client-mock matches commands by class. The fakes answer both.
import { PutMetricDataCommand as FunctionsPutMetricDataCommand } from "../../functions/node_modules/@aws-sdk/client-cloudwatch";
import { GetItemCommand as FunctionsGetItemCommand, PutItemCommand as FunctionsPutItemCommand } from "../../functions/node_modules/@aws-sdk/client-dynamodb";
import { awsClients, type AwsClients } from "../../ops/clients";
import type { StackOutputs } from "../../ops/outputs";

const ACCOUNT = "123456789012";

/** A resource of the offline plan (scripts/offline/run.ts). */
export interface PlanResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
}

interface Point {
    namespace: string;
    metricName: string;
    dimensions: Record<string, string>;
    at: number;
    value: number;
}

/** A subscriber: resolves when it took the message, rejects when the delivery failed. */
export type SnsHandler = (message: string) => Promise<void>;

export interface FakeSubscription {
    readonly topicArn: string;
    readonly protocol: string;
    readonly endpoint: string;
    /** @default true */
    confirmed: boolean;
    handler?: SnsHandler;
}

export interface FakeService {
    readonly serviceName: string;
    desiredCount: number;
    runningCount: number;
    deployments: Deployment[];
    alarms?: { alarmNames: string[]; enable: boolean; rollback: boolean };
    readonly stopped: Task[];
}

export interface FakeAwsOptions {
    readonly region: string;
    readonly clusterName: string;
    /** @default Date.now */
    readonly now?: () => number;
    /** Milliseconds after SetAlarmState before the alarm returns to its actual state ("often within seconds"). @default 1000 */
    readonly alarmReturnMs?: number;
}

const dimsOf = (d: { Name?: string; Value?: string }[] | undefined) => Object.fromEntries((d ?? []).map((x) => [x.Name ?? "", x.Value ?? ""]));
const sameDims = (a: Record<string, string>, b: Record<string, string>) =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

export class FakeAws {
    readonly clients: AwsClients;
    readonly services = new Map<string, FakeService>();
    readonly alarms = new Map<string, MetricAlarm>();
    /** An alarm's state when nothing forces it (what CloudWatch returns it to after SetAlarmState). @default OK */
    readonly actualStates = new Map<string, string>();
    readonly subscriptions: FakeSubscription[] = [];
    readonly queues = new Map<string, { visible: number; inFlight: number }>();
    readonly functions = new Map<string, { State: "Active" | "Failed" | "Pending"; LastUpdateStatus: "Successful" | "Failed" }>();
    readonly secrets = new Map<string, string>();
    readonly items = new Map<string, Record<string, AttributeValue>>();
    readonly points: Point[] = [];
    /** Every alarm notification published, in order: `{ topic, message }`. */
    readonly published: { topicArn: string; alarmName: string; state: string; at: number }[] = [];
    private readonly timers = new Set<NodeJS.Timeout>();
    private readonly now: () => number;

    constructor(private readonly opts: FakeAwsOptions) {
        this.now = opts.now ?? Date.now;
        this.clients = awsClients(opts.region, { accessKeyId: "AKIAFAKE", secretAccessKey: "fake" });
        this.mockEcs();
        this.mockCloudWatch();
        this.mockRest();
    }

    /** Stops pending alarm returns. */
    close(): void {
        for (const t of this.timers) clearTimeout(t);
        this.timers.clear();
    }

    // ── state helpers ──────────────────────────────────────────────────────────────────────

    /** Records one datapoint, as a publisher would (PutMetricData, EMF, AWS's own metrics). */
    putMetric(namespace: string, metricName: string, dimensions: Record<string, string>, value: number, at = this.now()): void {
        this.points.push({ namespace, metricName, dimensions, at, value });
    }

    addService(s: Omit<FakeService, "stopped" | "runningCount"> & { runningCount?: number }): FakeService {
        const svc: FakeService = { ...s, runningCount: s.runningCount ?? s.desiredCount, stopped: [] };
        this.services.set(s.serviceName, svc);
        return svc;
    }

    /** ECS rolled `serviceName` back: the PRIMARY deployment runs `taskDefinition` again, as its rollback deployment. */
    rollBack(serviceName: string, taskDefinition: string, reason: string): void {
        const svc = this.service(serviceName);
        svc.deployments = [
            {
                id: `ecs-svc/${Date.now()}`,
                status: "PRIMARY",
                taskDefinition,
                rolloutState: "COMPLETED",
                rolloutStateReason: reason,
                desiredCount: svc.desiredCount,
                runningCount: svc.desiredCount,
                createdAt: new Date(this.now()),
            },
        ];
    }

    /** A task of `serviceName` stopped: its container's exit code and reason, as ECS records them. */
    stopTask(
        serviceName: string,
        t: { container: string; exitCode?: number; reason?: string; stopCode?: Task["stopCode"]; stoppedReason?: string; at?: number },
    ): void {
        const svc = this.service(serviceName);
        const n = svc.stopped.length + 1;
        svc.stopped.push({
            taskArn: `arn:aws:ecs:${this.opts.region}:${ACCOUNT}:task/${this.opts.clusterName}/${serviceName}-${n}`,
            lastStatus: "STOPPED",
            desiredStatus: "STOPPED",
            stopCode: t.stopCode ?? "EssentialContainerExited",
            stoppedReason: t.stoppedReason ?? "Essential container in task exited",
            stoppedAt: new Date(t.at ?? this.now()),
            containers: [{ name: t.container, exitCode: t.exitCode, reason: t.reason, lastStatus: "STOPPED" }],
        });
    }

    service(name: string): FakeService {
        const s = this.services.get(name);
        if (s === undefined) throw new Error(`fake ECS has no service ${name}`);
        return s;
    }

    subscribe(s: Omit<FakeSubscription, "confirmed"> & { confirmed?: boolean }): FakeSubscription {
        const sub: FakeSubscription = { confirmed: true, ...s };
        this.subscriptions.push(sub);
        return sub;
    }

    /** Sets the handler of every subscription of `protocol` whose endpoint satisfies `match`. */
    handle(protocol: string, match: (endpoint: string) => boolean, handler: SnsHandler): void {
        for (const s of this.subscriptions) if (s.protocol === protocol && match(s.endpoint)) s.handler = handler;
    }

    // ── CloudWatch → SNS ───────────────────────────────────────────────────────────────────

    private setState(name: string, state: string, reason: string): void {
        const a = this.alarms.get(name);
        if (a === undefined) throw Object.assign(new Error(`alarm ${name} does not exist`), { name: "ResourceNotFound" });
        const old = a.StateValue;
        if (old === state) return;
        a.StateValue = state as MetricAlarm["StateValue"];
        a.StateReason = reason;
        a.StateUpdatedTimestamp = new Date(this.now());
        const actions = state === "ALARM" ? a.AlarmActions : state === "OK" ? a.OKActions : a.InsufficientDataActions;
        const message = JSON.stringify({
            AlarmName: name,
            AlarmDescription: a.AlarmDescription,
            AWSAccountId: ACCOUNT,
            NewStateValue: state,
            NewStateReason: reason,
            StateChangeTime: new Date(this.now()).toISOString().replace("Z", "+0000"),
            Region: "EU (Ireland)",
            AlarmArn: a.AlarmArn,
            OldStateValue: old,
            Trigger: {
                MetricName: a.MetricName,
                Namespace: a.Namespace,
                Statistic: a.Statistic,
                Dimensions: (a.Dimensions ?? []).map((d) => ({ name: d.Name, value: d.Value })),
                Period: a.Period,
                EvaluationPeriods: a.EvaluationPeriods,
                ComparisonOperator: a.ComparisonOperator,
                Threshold: a.Threshold,
                TreatMissingData: a.TreatMissingData,
            },
        });
        for (const topicArn of actions ?? []) {
            this.published.push({ topicArn, alarmName: name, state, at: this.now() });
            this.publish(topicArn, message);
        }
    }

    /** SNS: hands the message to every confirmed subscriber and counts deliveries per topic. */
    publish(topicArn: string, message: string): void {
        const topicName = topicArn.split(":").pop() ?? topicArn;
        for (const s of this.subscriptions.filter((x) => x.topicArn === topicArn && x.confirmed)) {
            const handler = s.handler ?? (async () => undefined);
            // Lambda: SNS counts a delivery when Lambda accepts the asynchronous invocation.
            void handler(message).then(
                () => this.putMetric("AWS/SNS", "NumberOfNotificationsDelivered", { TopicName: topicName }, 1),
                () =>
                    this.putMetric(
                        "AWS/SNS",
                        s.protocol === "lambda" ? "NumberOfNotificationsDelivered" : "NumberOfNotificationsFailed",
                        { TopicName: topicName },
                        1,
                    ),
            );
        }
    }

    private mockCloudWatch(): void {
        const cw = mockClient(this.clients.cloudwatch);
        cw.onAnyCommand().callsFake((input: unknown) => {
            throw new Error(`fake CloudWatch does not model this command (${JSON.stringify(input).slice(0, 80)})`);
        });
        cw.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames?: string[] }) => ({
            MetricAlarms: (input.AlarmNames ?? [...this.alarms.keys()]).flatMap((n) =>
                this.alarms.has(n) ? [structuredClone(this.alarms.get(n) as MetricAlarm)] : [],
            ),
        }));
        cw.on(SetAlarmStateCommand).callsFake((input: { AlarmName: string; StateValue: string; StateReason: string }) => {
            this.setState(input.AlarmName, input.StateValue, input.StateReason);
            const actual = this.actualStates.get(input.AlarmName) ?? "OK";
            if (actual !== input.StateValue) {
                const t = setTimeout(() => {
                    this.timers.delete(t);
                    if (this.alarms.get(input.AlarmName)?.StateValue === input.StateValue)
                        this.setState(
                            input.AlarmName,
                            actual,
                            "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].",
                        );
                }, this.opts.alarmReturnMs ?? 1000);
                this.timers.add(t);
            }
            return {};
        });
        const putMetricData = (input: {
            Namespace: string;
            MetricData: { MetricName: string; Dimensions?: { Name: string; Value: string }[]; Value?: number; Timestamp?: Date }[];
        }) => {
            for (const d of input.MetricData)
                this.putMetric(input.Namespace, d.MetricName, dimsOf(d.Dimensions), d.Value ?? 0, d.Timestamp?.getTime() ?? this.now());
            return {};
        };
        cw.on(PutMetricDataCommand).callsFake(putMetricData);
        cw.on(FunctionsPutMetricDataCommand as unknown as typeof PutMetricDataCommand).callsFake(putMetricData);
        cw.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: MetricDataQuery[]; StartTime: Date; EndTime: Date }) => ({
            MetricDataResults: input.MetricDataQueries.map((q) => this.query(q, input.StartTime.getTime(), input.EndTime.getTime())),
        }));
    }

    private query(q: MetricDataQuery, start: number, end: number): MetricDataResult {
        const ms = q.MetricStat;
        if (ms?.Metric === undefined) return { Id: q.Id, Values: [], Timestamps: [], StatusCode: "Complete" };
        const dims = dimsOf(ms.Metric.Dimensions);
        const period = (ms.Period ?? 60) * 1000;
        const buckets = new Map<number, number[]>();
        for (const p of this.points) {
            if (p.namespace !== ms.Metric.Namespace || p.metricName !== ms.Metric.MetricName || !sameDims(dims, p.dimensions) || p.at < start || p.at >= end)
                continue;
            const b = Math.floor(p.at / period) * period;
            buckets.set(b, [...(buckets.get(b) ?? []), p.value]);
        }
        const stat = (v: number[]) => {
            switch (ms.Stat) {
                case "Sum":
                    return v.reduce((a, b) => a + b, 0);
                case "SampleCount":
                    return v.length;
                case "Average":
                    return v.reduce((a, b) => a + b, 0) / v.length;
                case "Minimum":
                    return Math.min(...v);
                case "Maximum":
                    return Math.max(...v);
                default:
                    throw new Error(`fake CloudWatch does not compute ${ms.Stat}`);
            }
        };
        const ts = [...buckets.keys()].sort((a, b) => b - a);
        return { Id: q.Id, Timestamps: ts.map((t) => new Date(t)), Values: ts.map((t) => stat(buckets.get(t) as number[])), StatusCode: "Complete" };
    }

    // ── ECS ─────────────────────────────────────────────────────────────────────────────────

    private mockEcs(): void {
        const ecs = mockClient(this.clients.ecs);
        ecs.onAnyCommand().callsFake(() => {
            throw new Error("fake ECS does not model this command");
        });
        const view = (s: FakeService): Service => ({
            serviceName: s.serviceName,
            serviceArn: `arn:aws:ecs:${this.opts.region}:${ACCOUNT}:service/${this.opts.clusterName}/${s.serviceName}`,
            status: "ACTIVE",
            desiredCount: s.desiredCount,
            runningCount: s.runningCount,
            taskDefinition: s.deployments.find((d) => d.status === "PRIMARY")?.taskDefinition,
            deployments: structuredClone(s.deployments),
            deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, ...(s.alarms ? { alarms: { ...s.alarms } } : {}) },
        });
        ecs.on(DescribeServicesCommand).callsFake((input: { cluster: string; services: string[] }) => {
            if (input.cluster !== this.opts.clusterName) return { services: [], failures: input.services.map((arn) => ({ arn, reason: "MISSING" })) };
            return {
                services: input.services.flatMap((n) => (this.services.has(n) ? [view(this.services.get(n) as FakeService)] : [])),
                failures: input.services.filter((n) => !this.services.has(n)).map((arn) => ({ arn, reason: "MISSING" })),
            };
        });
        ecs.on(ListTasksCommand).callsFake((input: { serviceName: string; desiredStatus?: string }) => ({
            taskArns: input.desiredStatus === "STOPPED" ? (this.services.get(input.serviceName)?.stopped ?? []).map((t) => t.taskArn) : [],
        }));
        ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
            tasks: [...this.services.values()]
                .flatMap((s) => s.stopped)
                .filter((t) => input.tasks.includes(t.taskArn as string))
                .map((t) => structuredClone(t)),
        }));
    }

    // ── SNS, SQS, Lambda, Secrets Manager, DynamoDB ────────────────────────────────────────

    private mockRest(): void {
        const sns = mockClient(this.clients.sns);
        sns.onAnyCommand().callsFake(() => {
            throw new Error("fake SNS does not model this command");
        });
        sns.on(ListSubscriptionsByTopicCommand).callsFake((input: { TopicArn: string }) => ({
            Subscriptions: this.subscriptions
                .filter((s) => s.topicArn === input.TopicArn)
                .map(
                    (s, i): Subscription => ({
                        TopicArn: s.topicArn,
                        Protocol: s.protocol,
                        Endpoint: s.endpoint,
                        SubscriptionArn: s.confirmed ? `${s.topicArn}:0000000${i}-fake` : "PendingConfirmation",
                        Owner: ACCOUNT,
                    }),
                ),
        }));

        const sqs = mockClient(this.clients.sqs);
        sqs.onAnyCommand().callsFake(() => {
            throw new Error("fake SQS does not model this command");
        });
        const url = (name: string) => `https://sqs.${this.opts.region}.amazonaws.com/${ACCOUNT}/${name}`;
        sqs.on(GetQueueUrlCommand).callsFake((input: { QueueName: string }) => {
            if (!this.queues.has(input.QueueName)) throw Object.assign(new Error("The specified queue does not exist."), { name: "QueueDoesNotExist" });
            return { QueueUrl: url(input.QueueName) };
        });
        sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => {
            const q = this.queues.get(input.QueueUrl.split("/").pop() ?? "");
            if (q === undefined) throw Object.assign(new Error("The specified queue does not exist."), { name: "QueueDoesNotExist" });
            return { Attributes: { ApproximateNumberOfMessages: String(q.visible), ApproximateNumberOfMessagesNotVisible: String(q.inFlight) } };
        });

        const lambda = mockClient(this.clients.lambda);
        lambda.onAnyCommand().callsFake(() => {
            throw new Error("fake Lambda does not model this command");
        });
        lambda.on(GetFunctionConfigurationCommand).callsFake((input: { FunctionName: string }) => {
            const f = this.functions.get(input.FunctionName);
            if (f === undefined) throw Object.assign(new Error(`Function not found: ${input.FunctionName}`), { name: "ResourceNotFoundException" });
            return { FunctionName: input.FunctionName, ...f };
        });

        const sm = mockClient(this.clients.secrets);
        sm.onAnyCommand().callsFake(() => {
            throw new Error("fake Secrets Manager does not model this command");
        });
        sm.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
            const v = this.secrets.get(input.SecretId);
            if (v === undefined) throw Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: "ResourceNotFoundException" });
            return { SecretString: v };
        });

        const ddb = mockClient(this.clients.dynamodb);
        ddb.onAnyCommand().callsFake(() => {
            throw new Error("fake DynamoDB does not model this command");
        });
        const putItem = (input: { Item: Record<string, AttributeValue> }) => {
            this.items.set(String(input.Item["pk"]?.S), structuredClone(input.Item));
            return {};
        };
        const getItem = (input: { Key: Record<string, AttributeValue> }) => {
            const item = this.items.get(String(input.Key["pk"]?.S));
            return item === undefined ? {} : { Item: structuredClone(item) };
        };
        ddb.on(PutItemCommand).callsFake(putItem);
        ddb.on(GetItemCommand).callsFake(getItem);
        ddb.on(FunctionsPutItemCommand as unknown as typeof PutItemCommand).callsFake(putItem);
        ddb.on(FunctionsGetItemCommand as unknown as typeof GetItemCommand).callsFake(getItem);
    }

    // ── from a stack ───────────────────────────────────────────────────────────────────────

    /**
     * Loads what the stack's plan creates: every metric alarm (state OK, as after a quiet deploy),
     * every SNS subscription, each ECS service of the outputs (on its deployed task definition,
     * desired = running), the Lambdas (Active), the failure queue (empty) and Grafana's password.
     */
    static fromStack(plan: readonly PlanResource[], outputs: StackOutputs, opts: FakeAwsOptions & { readonly grafanaPassword?: string }): FakeAws {
        const fake = new FakeAws(opts);
        fake.load(plan, outputs, opts.grafanaPassword);
        return fake;
    }

    /** Loads a stack into this account (see {@link fromStack}). */
    load(plan: readonly PlanResource[], outputs: StackOutputs, grafanaPassword?: string): void {
        const fake = this;
        const opts = this.opts;
        const v = outputs.verification;
        for (const r of plan.filter((x) => x.type === "aws:cloudwatch/metricAlarm:MetricAlarm")) {
            const i = r.inputs as Record<string, unknown>;
            const name = String(i.name);
            const dims = (d: unknown) => Object.entries((d ?? {}) as Record<string, string>).map(([Name, Value]) => ({ Name, Value: String(Value) }));
            fake.alarms.set(name, {
                AlarmName: name,
                AlarmArn: `arn:aws:cloudwatch:${opts.region}:${ACCOUNT}:alarm:${name}`,
                AlarmDescription: i.alarmDescription as string | undefined,
                ActionsEnabled: true,
                AlarmActions: (i.alarmActions as string[] | undefined) ?? [],
                OKActions: (i.okActions as string[] | undefined) ?? [],
                InsufficientDataActions: (i.insufficientDataActions as string[] | undefined) ?? [],
                StateValue: "OK",
                StateReason: "Threshold Crossed: no breaching datapoints",
                StateUpdatedTimestamp: new Date(this.now() - 3600_000),
                Namespace: i.namespace as string | undefined,
                MetricName: i.metricName as string | undefined,
                Statistic: i.statistic as MetricAlarm["Statistic"],
                Dimensions: i.namespace !== undefined ? dims(i.dimensions) : undefined,
                Period: i.period as number | undefined,
                EvaluationPeriods: i.evaluationPeriods as number | undefined,
                Threshold: i.threshold as number | undefined,
                ComparisonOperator: i.comparisonOperator as MetricAlarm["ComparisonOperator"],
                TreatMissingData: i.treatMissingData as string | undefined,
                Metrics: (
                    i.metricQueries as
                        | {
                              id: string;
                              expression?: string;
                              returnData?: boolean;
                              metric?: { namespace: string; metricName: string; dimensions?: Record<string, string>; period: number; stat: string };
                          }[]
                        | undefined
                )?.map((q) => ({
                    Id: q.id,
                    Expression: q.expression,
                    ReturnData: q.returnData,
                    MetricStat: q.metric
                        ? {
                              Metric: { Namespace: q.metric.namespace, MetricName: q.metric.metricName, Dimensions: dims(q.metric.dimensions) },
                              Period: q.metric.period,
                              Stat: q.metric.stat,
                          }
                        : undefined,
                })),
            });
        }
        for (const r of plan.filter((x) => x.type === "aws:sns/topicSubscription:TopicSubscription")) {
            fake.subscribe({ topicArn: String(r.inputs.topic), protocol: String(r.inputs.protocol), endpoint: String(r.inputs.endpoint) });
        }
        const planned = plan.filter((x) => x.type === "aws:ecs/service:Service");
        for (const s of Object.values(v.ecsServices)) {
            const inputs = planned.find((p) => String(p.inputs.name ?? p.name) === s.serviceName)?.inputs ?? {};
            const desired = typeof inputs.desiredCount === "number" ? inputs.desiredCount : 1;
            fake.addService({
                serviceName: s.serviceName,
                desiredCount: desired,
                deployments: [
                    {
                        id: `ecs-svc/${s.serviceName}`,
                        status: "PRIMARY",
                        taskDefinition: s.taskDefinitionArn,
                        rolloutState: "COMPLETED",
                        rolloutStateReason: "ECS deployment completed.",
                        desiredCount: desired,
                        runningCount: desired,
                    },
                ],
                alarms: inputs.alarms as FakeService["alarms"],
            });
        }
        for (const f of [v.notifierFunctionName, v.pagerdutyFunctionName])
            if (f !== undefined) fake.functions.set(f, { State: "Active", LastUpdateStatus: "Successful" });
        if (v.failedNotificationsQueue !== undefined) fake.queues.set(v.failedNotificationsQueue, { visible: 0, inFlight: 0 });
        if (v.grafana !== undefined && grafanaPassword !== undefined) fake.secrets.set(v.grafana.adminPasswordSecretArn, grafanaPassword);
    }
}
