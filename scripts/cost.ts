/**
 * Monthly AWS cost estimate of a stack, computed from its offline resource graph and the price table
 * in `cost/prices-<region>.json` (public on-demand list prices, with their date and sources). Used by
 * `npm run plan -- --stack <name> --cost` and by the pull-request comment's cost delta.
 *
 * Every resource lands in exactly one of three places: a priced line, the list of resources with no
 * direct charge (a closed list below), or a "not priced" line. A type nobody taught the estimator is
 * therefore visible, never silently counted as free.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "./offline/stack-file";

/** The parts of a planned (or snapshot) resource the estimator reads. */
export interface CostResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Readonly<Record<string, unknown>>;
}

interface Assumption {
    readonly value: number;
    readonly why: string;
}

/** `cost/prices-<region>.json`. */
export interface PriceTable {
    readonly region: string;
    readonly currency: string;
    readonly pricesTakenOn: string;
    readonly basis: string;
    readonly hoursPerMonth: number;
    readonly sources: Record<string, string>;
    readonly fargate: Record<string, { vcpuHour: number; gbHour: number }>;
    readonly ec2InstanceHour: Record<string, number>;
    readonly ebsGbMonth: Record<string, number>;
    readonly natGateway: { hour: number; gbProcessed: number };
    readonly publicIpv4Hour: number;
    readonly loadBalancer: Record<string, { hour: number; lcuHour: number }>;
    readonly rds: { postgres: Record<string, number>; storageGbMonth: Record<string, number> };
    readonly elasticacheNodeHour: Record<string, number>;
    readonly efsStandardGbMonth: number;
    readonly cloudwatch: {
        alarmMetricMonth: number;
        highResolutionAlarmMetricMonth: number;
        anomalyDetectionAlarmMonth: number;
        compositeAlarmMonth: number;
        customMetricMonth: number;
        dashboardMonth: number;
        logIngestGb: number;
        logStorageGbMonth: number;
    };
    readonly sns: { publishPerMillion: number; emailPer100k: number };
    readonly lambda: { requestPerMillion: number; gbSecond: Record<string, number> };
    readonly secretsManagerSecretMonth: number;
    readonly kmsKeyMonth: number;
    readonly dynamodb: { writePerMillion: number; readPerMillion: number; wcuHour: number; rcuHour: number; storageGbMonth: number };
    readonly amp: { samplesPer10Million: number; storageGbMonth: number; queryPerBillionSamples: number };
    readonly ecrGbMonth: number;
    readonly route53HostedZoneMonth: number;
    readonly s3StandardGbMonth: number;
    readonly sqsPerMillion: number;
    readonly assumptions: Record<string, Assumption>;
    /** Set when this table stands in for a region that has none. */
    readonly approximation?: string;
}

export interface CostLine {
    readonly category: string;
    readonly type: string;
    readonly name: string;
    /** How the figure was reached, e.g. `3 tasks × 0.5 vCPU × 730 h`. */
    readonly detail: string;
    readonly monthly: number;
}

export interface NotPriced {
    readonly type: string;
    readonly name: string;
    readonly reason: string;
}

export interface CostReport {
    readonly region: string;
    /** Set when the prices are another region's (no table for this one): say so with every figure. */
    readonly approximation?: string;
    readonly currency: string;
    readonly pricesTakenOn: string;
    readonly lines: readonly CostLine[];
    readonly notPriced: readonly NotPriced[];
    /** Resources with no direct charge (IAM, security groups, listeners, ...), by type. */
    readonly free: Readonly<Record<string, number>>;
    readonly byCategory: Readonly<Record<string, number>>;
    readonly total: number;
    /** The usage assumptions the figures rest on, in words. */
    readonly assumptions: readonly string[];
}

/** The region whose price table stands in for regions without one. */
export const FALLBACK_PRICE_REGION = "eu-west-1";

/**
 * The price table of `region`. A region without `cost/prices-<region>.json` gets the
 * eu-west-1 table, marked as an approximation (every figure says so), rather than no estimate.
 */
export function loadPrices(region = FALLBACK_PRICE_REGION): PriceTable {
    const file = path.join(PROJECT_ROOT, "cost", `prices-${region}.json`);
    if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as PriceTable;
    const fallback = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "cost", `prices-${FALLBACK_PRICE_REGION}.json`), "utf8")) as PriceTable;
    return {
        ...fallback,
        approximation: `approximation: there is no price table for ${region} (cost/prices-${region}.json), so ${FALLBACK_PRICE_REGION} list prices stand in; regional prices differ by a few to ~30 %`,
    };
}

/** A resource type whose size has no price: the estimate must not silently shrink, so this fails the run. */
export class MissingPriceError extends Error {
    constructor(what: string, prices: PriceTable) {
        super(
            `no price for ${what} in cost/prices-${prices.region}.json: add it there (the accepted types are in config/aws/), or the estimate would silently leave it out`,
        );
        this.name = "MissingPriceError";
    }
}

/** The region a stack deploys to: its AWS provider's `region` input. */
export function regionOf(resources: readonly CostResource[]): string {
    const provider = resources.find((r) => r.type === "pulumi:providers:aws" && typeof r.inputs.region === "string");
    return String(provider?.inputs.region ?? "eu-west-1");
}

/**
 * Types with no direct monthly charge of their own: their cost, if any, is carried by another
 * resource's line (a launch template by its Auto Scaling group, a metric filter by the custom-metric
 * line, a task definition by its service). Closed on purpose: a new type is "not priced" until
 * someone decides which it is.
 */
const NO_DIRECT_CHARGE = new Set([
    "pulumi:providers:aws",
    "pulumi:providers:awsx",
    "pulumi:providers:docker",
    "pulumi:providers:random",
    "random:index/randomPassword:RandomPassword",
    "random:index/randomId:RandomId",
    "random:index/randomString:RandomString",
    "docker:index/image:Image",
    "aws:iam/role:Role",
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/instanceProfile:InstanceProfile",
    "aws:iam/serviceLinkedRole:ServiceLinkedRole",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/route:Route",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:kms/alias:Alias",
    "aws:kms/keyPolicy:KeyPolicy",
    "aws:ecs/cluster:Cluster",
    "aws:ecs/taskDefinition:TaskDefinition",
    "aws:ecs/capacityProvider:CapacityProvider",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    "aws:servicediscovery/service:Service",
    "aws:appautoscaling/target:Target",
    "aws:appautoscaling/policy:Policy",
    "aws:autoscaling/lifecycleHook:LifecycleHook",
    "aws:lb/listener:Listener",
    "aws:lb/listenerRule:ListenerRule",
    "aws:lb/targetGroup:TargetGroup",
    "aws:lb/targetGroupAttachment:TargetGroupAttachment",
    "aws:secretsmanager/secretVersion:SecretVersion",
    "aws:secretsmanager/secretPolicy:SecretPolicy",
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:elasticache/subnetGroup:SubnetGroup",
    "aws:elasticache/parameterGroup:ParameterGroup",
    "aws:efs/mountTarget:MountTarget",
    "aws:efs/accessPoint:AccessPoint",
    "aws:efs/fileSystemPolicy:FileSystemPolicy",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/eventTarget:EventTarget",
    "aws:cloudwatch/logMetricFilter:LogMetricFilter",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter",
    "aws:lambda/permission:Permission",
    "aws:lambda/functionUrl:FunctionUrl",
    "aws:lambda/eventSourceMapping:EventSourceMapping",
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    "aws:sns/topicSubscription:TopicSubscription",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:sqs/redrivePolicy:RedrivePolicy",
    "aws:ssm/parameter:Parameter",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketObjectv2:BucketObjectv2",
    "aws:s3/bucketObject:BucketObject",
]);

/** Everything here is a component (no cloud resource of its own). */
function isComponent(type: string): boolean {
    return type.startsWith("koronet:") || type === "pulumi:pulumi:Stack";
}

type Estimator = (r: CostResource, ctx: Context) => CostLine[] | NotPriced;

interface Context {
    readonly prices: PriceTable;
    readonly all: readonly CostResource[];
    readonly a: (key: string) => number;
}

const num = (v: unknown): number | undefined => {
    const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
    return Number.isFinite(n) ? n : undefined;
};
const bool = (v: unknown): boolean => v === true || v === "true";
/** JSON-string inputs arrive parsed in snapshots and as strings in the live plan. */
const json = (v: unknown): unknown => {
    if (typeof v !== "string") return v;
    try {
        return JSON.parse(v);
    } catch {
        return undefined;
    }
};
const money = (n: number): number => Math.round(n * 100) / 100;
const line = (r: CostResource, category: string, detail: string, monthly: number): CostLine => ({ category, type: r.type, name: r.name, detail, monthly });
const notPriced = (r: CostResource, reason: string): NotPriced => ({ type: r.type, name: r.name, reason });

/** The task definition an ECS service runs: by mock id / ARN suffix, or by its family. */
function taskDefinitionOf(service: CostResource, all: readonly CostResource[]): CostResource | undefined {
    const ref = String(service.inputs.taskDefinition ?? "");
    const tail = ref.split("/").pop()?.split(":")[0] ?? "";
    const defs = all.filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition");
    return defs.find((d) => d.name === tail || `${d.name}-id` === tail) ?? defs.find((d) => d.inputs.family === tail);
}

function ecsService(r: CostResource, ctx: Context): CostLine[] | NotPriced {
    const { prices } = ctx;
    if (r.inputs.schedulingStrategy === "DAEMON") {
        return [line(r, "Fargate", "DAEMON service: runs on the EC2 instances, priced with them", 0)];
    }
    const strategies = (r.inputs.capacityProviderStrategies as { capacityProvider?: string; weight?: number }[] | undefined) ?? [];
    const td = taskDefinitionOf(r, ctx.all);
    let fargateShare: number;
    if (strategies.length) {
        const total = strategies.reduce((s, x) => s + (num(x.weight) ?? 0), 0);
        const fargate = strategies.filter((x) => String(x.capacityProvider).startsWith("FARGATE")).reduce((s, x) => s + (num(x.weight) ?? 0), 0);
        fargateShare = total > 0 ? fargate / total : strategies.some((x) => String(x.capacityProvider).startsWith("FARGATE")) ? 1 : 0;
    } else if (r.inputs.launchType !== undefined) {
        fargateShare = r.inputs.launchType === "FARGATE" ? 1 : 0;
    } else {
        const compat = (td?.inputs.requiresCompatibilities as string[] | undefined) ?? [];
        fargateShare = compat.includes("FARGATE") ? 1 : 0;
    }
    if (fargateShare === 0) return [line(r, "Fargate", "runs on EC2 capacity, priced with the instances", 0)];
    if (!td) return notPriced(r, "its task definition is not in the plan");
    const cpu = num(td.inputs.cpu);
    const memory = num(td.inputs.memory);
    if (cpu === undefined || memory === undefined) return notPriced(r, "Fargate task definition without task-level cpu/memory");
    const arch = String((td.inputs.runtimePlatform as { cpuArchitecture?: string } | undefined)?.cpuArchitecture ?? "X86_64");
    const rate = prices.fargate[arch];
    if (!rate) throw new MissingPriceError(`Fargate architecture ${arch} (${r.type} ${r.name})`, prices);
    const count = num(r.inputs.desiredCount) ?? 0;
    const vcpu = cpu / 1024;
    const gb = memory / 1024;
    const monthly = count * fargateShare * prices.hoursPerMonth * (vcpu * rate.vcpuHour + gb * rate.gbHour);
    const share = fargateShare < 1 ? ` × ${Math.round(fargateShare * 100)}% on Fargate` : "";
    return [line(r, "Fargate", `${count} task(s) × (${vcpu} vCPU + ${gb} GB) ${arch}${share} × ${prices.hoursPerMonth} h`, monthly)];
}

function autoscalingGroup(r: CostResource, ctx: Context): CostLine[] | NotPriced {
    const { prices } = ctx;
    const count = num(r.inputs.desiredCapacity) ?? num(r.inputs.minSize) ?? 0;
    const ltRef = r.inputs.launchTemplate as { id?: string; name?: string } | undefined;
    const templates = ctx.all.filter((x) => x.type === "aws:ec2/launchTemplate:LaunchTemplate");
    const lt =
        templates.find((t) => ltRef && (`${t.name}-id` === ltRef.id || t.name === ltRef.name || t.inputs.name === ltRef.name)) ??
        (templates.length === 1 ? templates[0] : undefined);
    const type = String(lt?.inputs.instanceType ?? "");
    if (!lt || !type) return notPriced(r, "instance type not found (launch template not in the plan, or a mixed instances policy)");
    const hourly = prices.ec2InstanceHour[type];
    if (hourly === undefined) throw new MissingPriceError(`EC2 instance type ${type} (${r.type} ${r.name})`, prices);
    const lines = [line(r, "EC2 instances", `${count} × ${type} (min size) × ${prices.hoursPerMonth} h`, count * hourly * prices.hoursPerMonth)];
    const volumes = (lt.inputs.blockDeviceMappings as { ebs?: { volumeSize?: unknown; volumeType?: string } }[] | undefined) ?? [];
    for (const v of volumes) {
        const size = num(v.ebs?.volumeSize);
        const vt = v.ebs?.volumeType ?? "gp3";
        const price = prices.ebsGbMonth[vt];
        if (size !== undefined && price !== undefined) lines.push(line(r, "EBS", `${count} × ${size} GB ${vt}`, count * size * price));
    }
    return lines;
}

function awsxVpc(r: CostResource, ctx: Context): CostLine[] | NotPriced {
    const { prices } = ctx;
    const strategy = String((r.inputs.natGateways as { strategy?: string } | undefined)?.strategy ?? "OnePerAz");
    const azs = num(r.inputs.numberOfAvailabilityZones) ?? (r.inputs.availabilityZoneNames as unknown[] | undefined)?.length ?? 3;
    const nats = strategy === "None" ? 0 : strategy === "Single" ? 1 : strategy === "OnePerAz" ? azs : NaN;
    if (!Number.isFinite(nats)) return notPriced(r, `unknown NAT gateway strategy ${strategy}`);
    if (nats === 0) return [line(r, "NAT gateways", "strategy None", 0)];
    const gb = ctx.a("natProcessedGbPerStack");
    return [
        line(
            r,
            "NAT gateways",
            `${nats} NAT gateway(s) (${strategy}, ${azs} AZs) × ${prices.hoursPerMonth} h`,
            nats * prices.natGateway.hour * prices.hoursPerMonth,
        ),
        line(r, "NAT gateways", `${nats} public IPv4 address(es) × ${prices.hoursPerMonth} h`, nats * prices.publicIpv4Hour * prices.hoursPerMonth),
        line(r, "NAT gateways", `${gb} GB processed`, gb * prices.natGateway.gbProcessed),
    ];
}

function loadBalancer(r: CostResource, ctx: Context): CostLine[] | NotPriced {
    const { prices } = ctx;
    const kind = String(r.inputs.loadBalancerType ?? "application");
    const rate = prices.loadBalancer[kind];
    if (!rate) return notPriced(r, `no price for a ${kind} load balancer`);
    const lcu = ctx.a("albAverageLcu");
    return [
        line(
            r,
            "Load balancers",
            `${kind}: ${prices.hoursPerMonth} h + ${lcu} LCU × ${prices.hoursPerMonth} h`,
            prices.hoursPerMonth * (rate.hour + lcu * rate.lcuHour),
        ),
    ];
}

function rdsInstance(r: CostResource, ctx: Context): CostLine[] | NotPriced {
    const { prices } = ctx;
    const engine = String(r.inputs.engine ?? "");
    const cls = String(r.inputs.instanceClass ?? "");
    const table = (prices.rds as unknown as Record<string, Record<string, number>>)[engine];
    const hourly = table?.[cls];
    if (hourly === undefined) throw new MissingPriceError(`RDS ${engine} instance class ${cls} (${r.type} ${r.name})`, prices);
    const copies = bool(r.inputs.multiAz) ? 2 : 1;
    const az = copies === 2 ? "Multi-AZ ×2" : "Single-AZ";
    const storageType = String(r.inputs.storageType ?? "gp2");
    const gb = num(r.inputs.allocatedStorage) ?? 0;
    const storage = prices.rds.storageGbMonth[storageType];
    const lines = [line(r, "RDS", `${cls} ${engine} ${az} × ${prices.hoursPerMonth} h`, copies * hourly * prices.hoursPerMonth)];
    if (storage === undefined) return [...lines, line(r, "RDS", `storage type ${storageType} not priced`, 0)];
    lines.push(line(r, "RDS", `${gb} GB ${storageType} ${az}`, copies * gb * storage));
    return lines;
}

function elasticache(r: CostResource, ctx: Context): CostLine[] | NotPriced {
    const { prices } = ctx;
    const nodeType = String(r.inputs.nodeType ?? "");
    const hourly = prices.elasticacheNodeHour[nodeType];
    if (hourly === undefined) throw new MissingPriceError(`ElastiCache node type ${nodeType} (${r.type} ${r.name})`, prices);
    const nodes = r.type.endsWith(":Cluster")
        ? (num(r.inputs.numCacheNodes) ?? 1)
        : (num(r.inputs.numCacheClusters) ?? (num(r.inputs.numNodeGroups) ?? 1) * ((num(r.inputs.replicasPerNodeGroup) ?? 0) + 1));
    return [line(r, "ElastiCache", `${nodes} × ${nodeType} × ${prices.hoursPerMonth} h`, nodes * hourly * prices.hoursPerMonth)];
}

function metricAlarm(r: CostResource, ctx: Context): CostLine[] | NotPriced {
    const cw = ctx.prices.cloudwatch;
    const queries = (json(r.inputs.metricQueries) as { expression?: string; metric?: { period?: unknown } }[] | undefined) ?? [];
    if (queries.some((q) => /ANOMALY_DETECTION_BAND/i.test(q.expression ?? ""))) {
        return [line(r, "CloudWatch alarms", "anomaly detection alarm (3 metrics)", cw.anomalyDetectionAlarmMonth)];
    }
    if (queries.length) {
        const metrics = queries.filter((q) => q.metric !== undefined);
        const highRes = metrics.some((q) => (num(q.metric?.period) ?? 60) < 60);
        const rate = highRes ? cw.highResolutionAlarmMetricMonth : cw.alarmMetricMonth;
        return [
            line(
                r,
                "CloudWatch alarms",
                `metric math over ${metrics.length} metric(s)${highRes ? ", high resolution" : ""}`,
                Math.max(metrics.length, 1) * rate,
            ),
        ];
    }
    const highRes = (num(r.inputs.period) ?? 60) < 60;
    return [
        line(r, "CloudWatch alarms", highRes ? "high-resolution alarm" : "standard alarm", highRes ? cw.highResolutionAlarmMetricMonth : cw.alarmMetricMonth),
    ];
}

function logGroup(r: CostResource, ctx: Context): CostLine[] {
    const cw = ctx.prices.cloudwatch;
    const gb = ctx.a("logIngestGbPerLogGroup");
    const retention = num(r.inputs.retentionInDays) ?? 0;
    const storedGb = (gb * Math.min(retention === 0 ? 365 : retention, 365)) / 30;
    return [
        line(
            r,
            "CloudWatch Logs",
            `${gb} GB ingested, ~${money(storedGb)} GB stored (${retention || "never expire"} days)`,
            gb * cw.logIngestGb + storedGb * cw.logStorageGbMonth,
        ),
    ];
}

function snsTopic(r: CostResource, ctx: Context): CostLine[] {
    const p = ctx.prices.sns;
    const publishes = ctx.a("snsPublishesPerTopic");
    const topicRef = (x: unknown) => typeof x === "string" && (x.endsWith(`:${r.name}`) || x.includes(`:${String(r.inputs.name ?? r.name)}`));
    const emails = ctx.all.filter(
        (s) => s.type === "aws:sns/topicSubscription:TopicSubscription" && s.inputs.protocol === "email" && topicRef(s.inputs.topic),
    ).length;
    const perEmail = ctx.a("snsEmailsPerSubscription");
    return [
        line(
            r,
            "SNS",
            `${publishes} publishes + ${emails} email subscription(s) × ${perEmail} emails`,
            (publishes / 1e6) * p.publishPerMillion + ((emails * perEmail) / 1e5) * p.emailPer100k,
        ),
    ];
}

function lambdaFunction(r: CostResource, ctx: Context): CostLine[] {
    const p = ctx.prices.lambda;
    const invocations = ctx.a("lambdaInvocationsPerFunction");
    const ms = ctx.a("lambdaAverageDurationMs");
    const memory = num(r.inputs.memorySize) ?? 128;
    const arch = ((r.inputs.architectures as string[] | undefined) ?? ["x86_64"])[0] ?? "x86_64";
    const gbSeconds = invocations * (ms / 1000) * (memory / 1024);
    return [
        line(
            r,
            "Lambda",
            `${invocations} invocations × ${ms} ms × ${memory} MB ${arch}`,
            (invocations / 1e6) * p.requestPerMillion + gbSeconds * (p.gbSecond[arch] ?? p.gbSecond.x86_64 ?? 0),
        ),
    ];
}

function dynamodbTable(r: CostResource, ctx: Context): CostLine[] {
    const p = ctx.prices.dynamodb;
    const stored = ctx.a("dynamodbStoredGb");
    if (r.inputs.billingMode === "PAY_PER_REQUEST") {
        const m = ctx.a("dynamodbMillionRequests");
        return [
            line(r, "DynamoDB", `on demand: ${m}M writes + ${m}M reads, ${stored} GB`, m * (p.writePerMillion + p.readPerMillion) + stored * p.storageGbMonth),
        ];
    }
    const rcu = num(r.inputs.readCapacity) ?? 0;
    const wcu = num(r.inputs.writeCapacity) ?? 0;
    return [
        line(
            r,
            "DynamoDB",
            `provisioned ${rcu} RCU + ${wcu} WCU, ${stored} GB`,
            ctx.prices.hoursPerMonth * (rcu * p.rcuHour + wcu * p.wcuHour) + stored * p.storageGbMonth,
        ),
    ];
}

function ampWorkspace(r: CostResource, ctx: Context): CostLine[] {
    const p = ctx.prices.amp;
    const series = ctx.a("ampActiveSeries");
    const interval = ctx.a("ampScrapeIntervalSeconds");
    const samples = (series * (ctx.prices.hoursPerMonth * 3600)) / interval;
    const queried = ctx.a("ampQueriedBillionSamples");
    return [
        line(
            r,
            "Managed Prometheus",
            `${series} series every ${interval} s = ${(samples / 1e6).toFixed(0)}M samples; ${queried}B samples queried`,
            (samples / 1e7) * p.samplesPer10Million + queried * p.queryPerBillionSamples,
        ),
    ];
}

const fixed =
    (category: string, price: (p: PriceTable) => number, detail: string): Estimator =>
    (r, ctx) => [line(r, category, detail, price(ctx.prices))];

const ESTIMATORS: Record<string, Estimator> = {
    "aws:ecs/service:Service": ecsService,
    "aws:autoscaling/group:Group": autoscalingGroup,
    "awsx:ec2:Vpc": awsxVpc,
    "aws:ec2/natGateway:NatGateway": (r, ctx) => [
        line(r, "NAT gateways", `1 NAT gateway × ${ctx.prices.hoursPerMonth} h`, ctx.prices.natGateway.hour * ctx.prices.hoursPerMonth),
    ],
    "aws:ec2/eip:Eip": (r, ctx) => [line(r, "NAT gateways", "public IPv4 address", ctx.prices.publicIpv4Hour * ctx.prices.hoursPerMonth)],
    "aws:lb/loadBalancer:LoadBalancer": loadBalancer,
    "aws:alb/loadBalancer:LoadBalancer": loadBalancer,
    "aws:rds/instance:Instance": rdsInstance,
    "aws:elasticache/replicationGroup:ReplicationGroup": elasticache,
    "aws:elasticache/cluster:Cluster": elasticache,
    "aws:efs/backupPolicy:BackupPolicy": (r) => notPriced(r, "AWS Backup of the file system: usage-based backup storage"),
    "aws:efs/fileSystem:FileSystem": (r, ctx) => [line(r, "EFS", `${ctx.a("efsStoredGb")} GB Standard`, ctx.a("efsStoredGb") * ctx.prices.efsStandardGbMonth)],
    "aws:cloudwatch/metricAlarm:MetricAlarm": metricAlarm,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": fixed("CloudWatch alarms", (p) => p.cloudwatch.compositeAlarmMonth, "composite alarm"),
    "aws:cloudwatch/dashboard:Dashboard": fixed(
        "CloudWatch dashboards",
        (p) => p.cloudwatch.dashboardMonth,
        "dashboard (the account's 3 free dashboards not deducted)",
    ),
    "aws:cloudwatch/logGroup:LogGroup": logGroup,
    "aws:sns/topic:Topic": snsTopic,
    "aws:lambda/function:Function": lambdaFunction,
    "aws:secretsmanager/secret:Secret": fixed("Secrets Manager", (p) => p.secretsManagerSecretMonth, "1 secret"),
    "aws:kms/key:Key": fixed("KMS", (p) => p.kmsKeyMonth, "1 customer managed key"),
    "aws:kms/replicaKey:ReplicaKey": fixed("KMS", (p) => p.kmsKeyMonth, "1 customer managed key"),
    "aws:dynamodb/table:Table": dynamodbTable,
    "aws:amp/workspace:Workspace": ampWorkspace,
    "aws:ecr/repository:Repository": (r, ctx) => [line(r, "ECR", `${ctx.a("ecrStoredGb")} GB of images`, ctx.a("ecrStoredGb") * ctx.prices.ecrGbMonth)],
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": fixed("Route 53", (p) => p.route53HostedZoneMonth, "private hosted zone"),
    "aws:s3/bucket:Bucket": (r, ctx) => [line(r, "S3", `${ctx.a("s3StoredGb")} GB Standard`, ctx.a("s3StoredGb") * ctx.prices.s3StandardGbMonth)],
    "aws:s3/bucketV2:BucketV2": (r, ctx) => [line(r, "S3", `${ctx.a("s3StoredGb")} GB Standard`, ctx.a("s3StoredGb") * ctx.prices.s3StandardGbMonth)],
    "aws:sqs/queue:Queue": (r, ctx) => [line(r, "SQS", `${ctx.a("sqsMillionRequests")}M requests`, ctx.a("sqsMillionRequests") * ctx.prices.sqsPerMillion)],
};

/** Custom CloudWatch metrics the graph implies: metric filters, EMF sidecars, custom-namespace alarm metrics. */
function customMetrics(all: readonly CostResource[], ctx: Context): { count: number; detail: string } {
    const names = new Set<string>();
    for (const r of all) {
        if (r.type === "aws:cloudwatch/logMetricFilter:LogMetricFilter") {
            const t = r.inputs.metricTransformation as { namespace?: string; name?: string } | undefined;
            names.add(`${t?.namespace}/${t?.name ?? r.name}`);
        }
        if (r.type === "aws:cloudwatch/metricAlarm:MetricAlarm") {
            const metrics = [{ namespace: r.inputs.namespace, metricName: r.inputs.metricName, dimensions: r.inputs.dimensions }];
            for (const q of (json(r.inputs.metricQueries) as { metric?: Record<string, unknown> }[] | undefined) ?? [])
                if (q.metric) metrics.push(q.metric as never);
            for (const m of metrics) {
                if (typeof m.namespace === "string" && !m.namespace.startsWith("AWS/") && m.metricName)
                    names.add(`${m.namespace}/${String(m.metricName)}/${JSON.stringify(m.dimensions ?? {})}`);
            }
        }
    }
    const sidecars = all
        .filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition")
        .flatMap((td) => {
            const defs = (json(td.inputs.containerDefinitions) as { name?: string }[] | undefined) ?? [];
            return defs.filter((c) => c.name === "app-metrics").map(() => td.name);
        });
    const emf = sidecars.length * ctx.a("appMetricsEmf");
    return {
        count: names.size + emf,
        detail: `${names.size} from metric filters and custom-namespace alarms + ${sidecars.length} app-metrics sidecar(s) × ${ctx.a("appMetricsEmf")} EMF metrics`,
    };
}

export function estimateCost(resources: readonly CostResource[], prices: PriceTable): CostReport {
    const used = new Set<string>();
    const a = (key: string): number => {
        const v = prices.assumptions[key];
        if (!v) throw new Error(`cost/prices-${prices.region}.json has no assumption ${key}`);
        used.add(key);
        return v.value;
    };
    const ctx: Context = { prices, all: resources, a };
    const lines: CostLine[] = [];
    const missing: NotPriced[] = [];
    const free: Record<string, number> = {};
    for (const r of resources) {
        const estimator = ESTIMATORS[r.type];
        if (estimator) {
            const out = estimator(r, ctx);
            if (Array.isArray(out)) lines.push(...out);
            else missing.push(out);
        } else if (isComponent(r.type) || NO_DIRECT_CHARGE.has(r.type)) {
            free[r.type] = (free[r.type] ?? 0) + 1;
        } else {
            missing.push(notPriced(r, "type not in the estimator (scripts/cost.ts)"));
        }
        if (r.type === "aws:ecs/cluster:Cluster") {
            const insights = ((r.inputs.settings as { name?: string; value?: string }[] | undefined) ?? []).find((s) => s.name === "containerInsights")?.value;
            if (insights && insights !== "disabled") missing.push(notPriced(r, `Container Insights (${insights}): usage-based CloudWatch charges`));
        }
    }
    const metrics = customMetrics(resources, ctx);
    if (metrics.count)
        lines.push({
            category: "CloudWatch metrics",
            type: "(custom metrics)",
            name: "custom metrics",
            detail: `${metrics.count} metrics: ${metrics.detail}`,
            monthly: metrics.count * prices.cloudwatch.customMetricMonth,
        });

    // Summed in a fixed order: floating-point sums depend on it, and a category total that sits on a
    // half cent would round differently for the live plan and the snapshot (registration order).
    const ordered = [...lines].sort((x, y) => cmp(x.category, y.category) || cmp(x.type, y.type) || cmp(x.name, y.name) || cmp(x.detail, y.detail));
    const byCategory: Record<string, number> = {};
    for (const l of ordered) byCategory[l.category] = (byCategory[l.category] ?? 0) + l.monthly;
    for (const k of Object.keys(byCategory)) byCategory[k] = money(byCategory[k] ?? 0);
    const total = money(ordered.reduce((s, l) => s + l.monthly, 0));
    const assumptions = [
        `${prices.hoursPerMonth} hours a month; ${prices.basis}`,
        "ECS services and Auto Scaling groups at their configured desired count / min size (no autoscaling above it)",
        ...[...used].sort().map((k) => `${k} = ${prices.assumptions[k]?.value}: ${prices.assumptions[k]?.why}`),
        "Not included: data transfer out to the internet, backups beyond the free allowance, API requests (KMS, Secrets Manager, CloudWatch GetMetricData), Cloud Map registrations, free tiers",
    ];
    return {
        region: regionOf(resources),
        ...(prices.approximation !== undefined ? { approximation: prices.approximation } : {}),
        currency: prices.currency,
        pricesTakenOn: prices.pricesTakenOn,
        // Sorted, so the report does not depend on registration order (live plan vs snapshot file).
        lines: ordered.map((l) => ({ ...l, monthly: money(l.monthly) })),
        notPriced: missing.sort((x, y) => cmp(x.type, y.type) || cmp(x.name, y.name) || cmp(x.reason, y.reason)),
        free,
        byCategory,
        total,
        assumptions,
    };
}

function cmp(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

export function formatUsd(n: number): string {
    return `$${n.toFixed(2)}`;
}

/** The readable section `npm run plan -- --cost` prints. */
export function renderCost(stack: string, report: CostReport): string {
    const out: string[] = [
        `Estimated monthly cost of stack ${stack}: ${formatUsd(report.total)} (${report.currency}, ${report.approximation ? `${FALLBACK_PRICE_REGION} list prices of ${report.pricesTakenOn} standing in for ${report.region}` : `${report.region} list prices of ${report.pricesTakenOn}`})`,
        ...(report.approximation ? [`NOTE: ${report.approximation}`] : []),
        "",
    ];
    const cats = Object.keys(report.byCategory).sort((x, y) => (report.byCategory[y] ?? 0) - (report.byCategory[x] ?? 0));
    const width = Math.max(...report.lines.map((l) => `${l.type} ${l.name}`.length), 10);
    for (const c of cats) {
        out.push(`${c}: ${formatUsd(report.byCategory[c] ?? 0)}`);
        for (const l of report.lines.filter((x) => x.category === c))
            out.push(`  ${formatUsd(l.monthly).padStart(10)}  ${`${l.type} ${l.name}`.padEnd(width)}  ${l.detail}`);
    }
    out.push("", `Not priced (${report.notPriced.length}):`);
    for (const n of report.notPriced) out.push(`  ${n.type} ${n.name}: ${n.reason}`);
    if (!report.notPriced.length) out.push("  (none)");
    const freeCount = Object.values(report.free).reduce((s, n) => s + n, 0);
    out.push(
        "",
        `No direct charge: ${freeCount} resources (${Object.keys(report.free).length} types: IAM, security groups, listeners, task definitions, components, ...)`,
    );
    out.push("", "Assumptions:", ...report.assumptions.map((x) => `  - ${x}`));
    return out.join("\n");
}
