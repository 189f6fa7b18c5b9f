/**
 * The one schema for everything a Koronet stack may set.
 *
 * Each concern is one structured config key in the `koronet:` namespace (`koronet:network`,
 * `koronet:service`, ...). `Pulumi.<stack>.yaml` sets only what differs from the environment's
 * defaults (`defaults.ts`); the merged object is validated here. Every object is strict: an unknown
 * key is an error, never silently ignored. Every field carries a description (`.describe`), which
 * `npm run docs:config` turns into docs/configuration.md.
 *
 * AWS vocabularies (instance types, regions, engine versions) are data in `config/aws/`, with
 * their sources; messages name what was given and what is allowed.
 */
import { z } from "zod";
import { EC2_INSTANCE_TYPES, isGravitonType } from "./aws/ec2";
import { ELASTICACHE_NODE_TYPES, POSTGRES_VERSIONS, RDS_INSTANCE_CLASSES, REDIS_ENGINE_VERSIONS } from "./aws/datastores";
import { parseCidr } from "./aws/network";

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Fargate task sizes: CPU units → allowed memory in MiB (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size). */
const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
    256: [512, 1024, 2048],
    512: [1024, 2048, 3072, 4096],
    1024: range(2048, 8192, 1024),
    2048: range(4096, 16384, 1024),
    4096: range(8192, 30720, 1024),
};

function range(from: number, to: number, step: number): number[] {
    const out: number[] = [];
    for (let v = from; v <= to; v += step) out.push(v);
    return out;
}

const show = (v: unknown): string => (typeof v === "number" && !Number.isFinite(v) ? String(v) : JSON.stringify(v));

/** A whole number in `min..max`: one message for every way to miss (type, fraction, range, 1e20). */
export function int(min: number, max: number, unit = ""): z.ZodNumber {
    const allowed = `allowed: whole numbers ${min}..${max}${unit ? ` (${unit})` : ""}`;
    // One check, not int()+min()+max(): those report 1e20 twice, with 2^53 in one of the messages.
    return z
        .number({ error: (iss) => `got ${show(iss.input)}, not a number; ${allowed}` })
        .check((ctx) => {
            const v = ctx.value;
            if (!Number.isInteger(v) || v < min || v > max) ctx.issues.push({ code: "custom", input: v, message: `got ${show(v)}; ${allowed}` });
        })
        .meta({ type: "integer", minimum: min, maximum: max, ...(unit ? { unit } : {}) }) as unknown as z.ZodNumber;
}

/** One of `values`: the message lists them all. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T, what?: string): z.ZodEnum<{ [K in T[number]]: K }> {
    return z.enum(values, { error: (iss) => `got ${show(iss.input)}; allowed${what ? ` ${what}` : ""}: ${values.join(", ")}` });
}

export const cidr = z
    .string({ error: (iss) => `got ${show(iss.input)}; must be an IPv4 CIDR block such as 10.0.0.0/16` })
    .refine((v) => parseCidr(v) !== undefined, { error: (iss) => `got ${show(iss.input)}; must be an IPv4 CIDR block such as 10.0.0.0/16` });

export function isCidr(value: string): boolean {
    return parseCidr(value) !== undefined;
}

/** `registry/repository:tag` or `...@sha256:<64 hex>`; `latest` and untagged references are refused. */
const IMAGE_REFERENCE =
    /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::(?!latest$)[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$/;

const imageReference = z.string().regex(IMAGE_REFERENCE, {
    error: (iss) => `got ${show(iss.input)}; must be a pinned image reference \`repository:tag\` or \`repository@sha256:<digest>\` (not \`latest\`)`,
});

const logRetention = z
    .number({ error: (iss) => `got ${show(iss.input)}, not a number; allowed: ${LOG_RETENTION_DAYS.join(", ")}` })
    .refine((v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v), {
        error: (iss) => `got ${show(iss.input)}; must be a CloudWatch Logs retention value: one of ${LOG_RETENTION_DAYS.join(", ")}`,
    })
    .meta({ enum: [...LOG_RETENTION_DAYS], unit: "days" });

const fargateSize = z
    .strictObject({
        cpu: z
            .number()
            .int()
            .meta({ enum: Object.keys(FARGATE_SIZES).map(Number), unit: "CPU units" })
            .describe("CPU units (1024 = 1 vCPU)."),
        memory: z
            .number()
            .int()
            .meta({
                unit: "MiB",
                allowedText: Object.entries(FARGATE_SIZES)
                    .map(([c, m]) => `cpu ${c}: ${m.length > 4 ? `${m[0]}..${m[m.length - 1]} step 1024` : m.join(", ")}`)
                    .join("; "),
            })
            .describe("Memory in MiB; must fit the CPU per Fargate's size table."),
    })
    .superRefine((size, ctx) => {
        const allowed = FARGATE_SIZES[size.cpu];
        if (!allowed) {
            ctx.addIssue({
                code: "custom",
                path: ["cpu"],
                message: `got ${show(size.cpu)}; allowed Fargate CPU units: ${Object.keys(FARGATE_SIZES).join(", ")}`,
            });
        } else if (!allowed.includes(size.memory)) {
            ctx.addIssue({
                code: "custom",
                path: ["memory"],
                message: `got ${show(size.memory)}; with cpu ${size.cpu} Fargate allows memory ${allowed.join(", ")} MiB`,
            });
        }
    });

const acmCertificateArn = z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, {
    error: (iss) => `got ${show(iss.input)}; must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)`,
});

const EC2_TYPES = Object.keys(EC2_INSTANCE_TYPES) as [string, ...string[]];
const ec2InstanceType = z.enum(EC2_TYPES, {
    error: (iss) => {
        const v = String(iss.input);
        if (typeof iss.input === "string" && isGravitonType(v)) {
            return `got ${show(iss.input)}, an arm64 (AWS Graviton) type; the EC2 capacity boots the x86_64 ECS-optimised Amazon Linux 2023 AMI and runs linux/amd64 images, so it needs an x86_64 type; allowed: ${EC2_TYPES.join(", ")}`;
        }
        return `got ${show(iss.input)}; allowed EC2 instance types (x86_64, priced in cost/): ${EC2_TYPES.join(", ")}`;
    },
});

export const networkSchema = z
    .strictObject({
        cidrBlock: cidr.describe("VPC IPv4 CIDR block: /16 to /28 with no host bits, large enough for a public /22 and a private /20 per availability zone."),
        availabilityZones: int(1, 6, "availability zones").describe(
            "Availability zones to spread subnets over (prod: at least 2; at most what the region offers every account).",
        ),
        natGateways: oneOf(["single", "onePerAz"]).describe("NAT gateways: `single` (cheap) or `onePerAz` (an AZ outage keeps egress for the others; prod)."),
    })
    .describe("The VPC: public subnets for the load balancer, private subnets for everything else.");

export const clusterSchema = z
    .strictObject({
        containerInsights: oneOf(["enhanced", "enabled", "disabled"]).describe(
            "ECS Container Insights. The KoronetDown, DiskSpaceLow, ServiceTasksMissing and task-count alarms read its metrics, so `disabled` is refused while they are on. `enabled` publishes per cluster and service (ClusterName, ServiceName: what the alarms read); `enhanced` adds per-task and per-container metrics (TaskId, ContainerName).",
        ),
        ec2: z
            .strictObject({
                instanceType: ec2InstanceType.describe(
                    "EC2 instance type of the capacity that runs Prometheus, node exporter and cAdvisor (x86_64 only: the ECS-optimised AMI used is x86_64).",
                ),
                minSize: int(1, 100, "instances").describe("Minimum container instances (prod: at least 2)."),
                maxSize: int(1, 100, "instances").describe("Maximum container instances (≥ minSize)."),
                rootVolumeGiB: int(30, 1000, "GiB").describe("Root volume size in GiB (the Prometheus TSDB lives on it; its size cap is a quarter of this)."),
            })
            .refine((e) => e.maxSize >= e.minSize, {
                path: ["maxSize"],
                error: (iss) => `got ${show((iss.input as { maxSize?: unknown }).maxSize)}; must be >= minSize`,
            }),
    })
    .describe("The ECS cluster and its EC2 capacity (Prometheus, node exporter, cAdvisor).");

const platform = oneOf(["linux/amd64", "linux/arm64"]);

const imageSchema = z.discriminatedUnion(
    "source",
    [
        z.strictObject({
            source: z.literal("build").describe("`build`: build the web server from this repository with @pulumi/docker and push it to ECR."),
            context: z.string().min(1).describe("Build context relative to the project root."),
            platform: platform.describe("Image platform; the web server's Fargate tasks run on the matching CPU architecture (X86_64 or ARM64)."),
        }),
        z.strictObject({
            source: z.literal("ref").describe("`ref`: deploy a ready, pinned image reference."),
            ref: imageReference.describe("Pinned image reference `repository:tag` or `repository@sha256:<digest>` (not `latest`)."),
            platform: platform.optional().describe("Platform the image was built for; the tasks run on the matching CPU architecture. @default linux/amd64"),
        }),
    ],
    { error: (iss) => `got ${show((iss.input as { source?: unknown } | undefined)?.source)}; allowed: build, ref` },
);

/**
 * The web server's probe routes (app/src/metrics.ts `PROBE_ROUTES`, checked by a test): it counts
 * their requests apart from user traffic, so the load balancer's health check must call one of them.
 */
export const APP_PROBE_ROUTES = ["/healthz", "/readyz"] as const;

export const serviceSchema = z
    .strictObject({
        image: imageSchema.describe("Where the web server image comes from (`source: build` or `source: ref`)."),
        port: int(1024, 65535, "TCP port").describe(
            "Web server port inside the task (architecture: 3000): the API and probes, what the load balancer forwards to and health-checks.",
        ),
        metricsPort: int(1024, 65535, "TCP port").describe(
            "The web server's metrics port (`GET /metrics` only, `METRICS_PORT`): Prometheus and the app-metrics sidecar scrape it; no target group registers it, so the internet cannot reach it. Must differ from port.",
        ),
        size: fargateSize.describe("Fargate task size of the web server."),
        desiredCount: int(1, 50, "tasks").describe("Tasks at deploy time (minCount..maxCount)."),
        minCount: int(1, 50, "tasks").describe("Autoscaling minimum (prod: at least 2)."),
        maxCount: int(1, 100, "tasks").describe("Autoscaling maximum."),
        targetCpuPercent: int(10, 90, "percent").describe("Target-tracking autoscaling on average CPU, percent."),
        healthCheckPath: oneOf(APP_PROBE_ROUTES, "probe routes of the web server (it keeps them out of its request metrics)").describe(
            "Path the load balancer checks; ECS replaces tasks that fail it (keep it the liveness check /healthz). One of the web server's probe routes, which it counts apart from user traffic.",
        ),
        certificateArn: acmCertificateArn
            .optional()
            .describe("ACM certificate (in the stack's region) for HTTPS; HTTP then redirects. Without it the ALB serves HTTP only."),
        allowedCidrs: z
            .array(cidr)
            .min(1, { error: "must name at least one CIDR" })
            .describe("IPv4 CIDRs allowed to reach the load balancer (no host bits, no duplicates)."),
        logRetentionDays: logRetention.describe("CloudWatch Logs retention of every log group, days."),
        deletionProtection: z.boolean().describe("Load balancer deletion protection."),
    })
    .superRefine((s, ctx) => {
        if (s.minCount > s.desiredCount)
            ctx.addIssue({ code: "custom", path: ["desiredCount"], message: `got ${s.desiredCount}; must be >= minCount (${s.minCount})` });
        if (s.desiredCount > s.maxCount)
            ctx.addIssue({ code: "custom", path: ["desiredCount"], message: `got ${s.desiredCount}; must be <= maxCount (${s.maxCount})` });
        if (s.metricsPort === s.port)
            ctx.addIssue({
                code: "custom",
                path: ["metricsPort"],
                message: `got ${s.metricsPort}; must differ from port (${s.port}): the metrics port is kept off the load balancer`,
            });
    })
    .describe("The Koronet web server on Fargate behind its Application Load Balancer.");

const identifier = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, {
    error: (iss) => `got ${show(iss.input)}; must be a lowercase PostgreSQL identifier: a letter, then letters, digits or _ (at most 63)`,
});

const RDS_CLASSES = Object.keys(RDS_INSTANCE_CLASSES) as [string, ...string[]];
const CACHE_NODE_TYPES = Object.keys(ELASTICACHE_NODE_TYPES) as [string, ...string[]];

export const dataStoresSchema = z
    .strictObject({
        mode: oneOf(["ecs", "managed"]).describe(
            "`ecs`: PostgreSQL and Redis as ECS services (dev). `managed`: RDS Multi-AZ and ElastiCache (prod requires it).",
        ),
        postgres: z.strictObject({
            databaseName: identifier.describe("Database name (not a PostgreSQL reserved word, not rdsadmin/template0/template1)."),
            username: identifier.describe("Master username (not a PostgreSQL reserved word, rdsadmin, rds_* or pg_*)."),
            version: oneOf(POSTGRES_VERSIONS, "PostgreSQL major versions").describe(
                'PostgreSQL major version, both modes. A YAML number (16) is read as "16".',
            ),
            ecs: fargateSize.describe("`ecs` mode: the PostgreSQL task size."),
            managed: z
                .strictObject({
                    instanceClass: z
                        .enum(RDS_CLASSES, {
                            error: (iss) => `got ${show(iss.input)}; allowed RDS instance classes (priced in cost/): ${RDS_CLASSES.join(", ")}`,
                        })
                        .describe("`managed` mode: the RDS instance class."),
                    allocatedStorageGiB: int(20, 65536, "GiB").describe("Initial storage, GiB."),
                    maxAllocatedStorageGiB: int(20, 65536, "GiB").describe("Storage autoscaling ceiling, GiB (≥ allocatedStorageGiB)."),
                    multiAz: z.boolean().describe("Multi-AZ standby (prod requires it)."),
                    backupRetentionDays: int(0, 35, "days").describe("Automated backup retention, days (prod: at least 7)."),
                    deletionProtection: z.boolean().describe("RDS deletion protection (prod requires it)."),
                })
                .describe("`managed` mode: the RDS instance."),
        }),
        redis: z.strictObject({
            ecs: fargateSize.describe("`ecs` mode: the Redis task size."),
            managed: z
                .strictObject({
                    nodeType: z
                        .enum(CACHE_NODE_TYPES, {
                            error: (iss) => `got ${show(iss.input)}; allowed ElastiCache node types (priced in cost/): ${CACHE_NODE_TYPES.join(", ")}`,
                        })
                        .describe("`managed` mode: the ElastiCache node type."),
                    nodes: int(1, 6, "nodes").describe("Nodes in the replication group (primary + replicas); failover needs 2 or more (prod)."),
                    engineVersion: oneOf(REDIS_ENGINE_VERSIONS, "Redis OSS versions").describe(
                        "Redis OSS engine version. A YAML number (7.0, 7.1) is read as the string.",
                    ),
                })
                .describe("`managed` mode: the ElastiCache replication group."),
        }),
    })
    .describe("PostgreSQL and Redis: ECS tasks (`ecs`) or RDS and ElastiCache (`managed`).");

/** Enum fields whose values look like numbers: a YAML number is read as the matching string. */
export const NUMERIC_ENUM_PATHS: readonly { readonly path: readonly string[]; readonly values: readonly string[] }[] = [
    { path: ["dataStores", "postgres", "version"], values: POSTGRES_VERSIONS },
    { path: ["dataStores", "redis", "managed", "engineVersion"], values: REDIS_ENGINE_VERSIONS },
];

export type DataStoresConfig = z.infer<typeof dataStoresSchema>;
export { acmCertificateArn };
