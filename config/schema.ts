/**
 * The one schema for everything a Koronet stack may set.
 *
 * Each concern is one structured config key in the `koronet:` namespace (`koronet:network`,
 * `koronet:service`, ...). `Pulumi.<stack>.yaml` sets only what differs from the environment's
 * defaults (`defaults.ts`); the merged object is validated here. Every object is strict: an unknown
 * key is an error, never silently ignored.
 */
import { z } from "zod";

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Fargate task sizes: CPU units → allowed memory in MiB. */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
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

const cidr = z.string().refine(isCidr, { message: "must be an IPv4 CIDR block such as 10.0.0.0/16" });

export function isCidr(value: string): boolean {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    if (!m) return false;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    return octets.every((o) => o <= 255) && prefix <= 32;
}

/** `registry/repository:tag` or `...@sha256:<64 hex>`; `latest` and untagged references are refused. */
export const IMAGE_REFERENCE =
    /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::(?!latest$)[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$/;

const imageReference = z
    .string()
    .regex(IMAGE_REFERENCE, { message: "must be a pinned image reference `repository:tag` or `repository@sha256:<digest>` (not `latest`)" });

const logRetention = z
    .number()
    .refine((v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v), {
        message: `must be a CloudWatch Logs retention value: one of ${LOG_RETENTION_DAYS.join(", ")}`,
    });

const fargateSize = z
    .strictObject({
        /** CPU units (1024 = 1 vCPU). */
        cpu: z.number().int(),
        /** Memory in MiB; must fit the CPU per Fargate's size table. */
        memory: z.number().int(),
    })
    .superRefine((size, ctx) => {
        const allowed = FARGATE_SIZES[size.cpu];
        if (!allowed) {
            ctx.addIssue({ code: "custom", path: ["cpu"], message: `must be one of ${Object.keys(FARGATE_SIZES).join(", ")} (Fargate CPU units)` });
        } else if (!allowed.includes(size.memory)) {
            ctx.addIssue({ code: "custom", path: ["memory"], message: `with cpu ${size.cpu} Fargate allows memory ${allowed.join(", ")} MiB` });
        }
    });

const acmCertificateArn = z
    .string()
    .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, { message: "must be an ACM certificate ARN" });

export const networkSchema = z.strictObject({
    /** VPC CIDR block. */
    cidrBlock: cidr,
    /** Availability zones to spread subnets over (prod requires at least 2). */
    availabilityZones: z.number().int().min(1).max(6),
    /** NAT gateways: one shared (cheap) or one per AZ (an AZ outage keeps egress). */
    natGateways: z.enum(["single", "onePerAz"]),
});

export const clusterSchema = z.strictObject({
    /** ECS Container Insights: `enhanced` adds per-container metrics such as restarts. */
    containerInsights: z.enum(["enhanced", "enabled", "disabled"]),
    /** EC2 capacity for host-level daemons (node exporter, cAdvisor) and Prometheus. */
    ec2: z
        .strictObject({
            instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: "must be an EC2 instance type such as t3.medium" }),
            minSize: z.number().int().min(1).max(100),
            maxSize: z.number().int().min(1).max(100),
            /** Root volume size in GiB (Prometheus TSDB lives on an instance volume). */
            rootVolumeGiB: z.number().int().min(30).max(1000),
        })
        .refine((e) => e.maxSize >= e.minSize, { path: ["maxSize"], message: "must be >= minSize" }),
});

export const imageSchema = z.discriminatedUnion("source", [
    z.strictObject({
        /** Build the web server from this repository with @pulumi/docker and push it to ECR. */
        source: z.literal("build"),
        /** Build context relative to the project root. */
        context: z.string().min(1),
        platform: z.enum(["linux/amd64", "linux/arm64"]),
    }),
    z.strictObject({
        /** Deploy a ready, pinned image reference. */
        source: z.literal("ref"),
        ref: imageReference,
    }),
]);

export const serviceSchema = z
    .strictObject({
        image: imageSchema,
        /** Web server port inside the task (architecture: 3000). */
        port: z.number().int().min(1024).max(65535),
        size: fargateSize,
        desiredCount: z.number().int().min(1).max(50),
        minCount: z.number().int().min(1).max(50),
        maxCount: z.number().int().min(1).max(100),
        /** Target-tracking autoscaling on average CPU, percent. */
        targetCpuPercent: z.number().int().min(10).max(90),
        /** Path the load balancer checks; ECS replaces tasks that fail it. */
        healthCheckPath: z.string().regex(/^\/[A-Za-z0-9/_-]*$/, { message: "must be an absolute URL path such as /healthz" }),
        /** HTTPS listener with this certificate; without it the ALB serves HTTP only. */
        certificateArn: acmCertificateArn.optional(),
        /** Who may reach the load balancer. Explicit: there is no open default in code. */
        allowedCidrs: z.array(cidr).min(1),
        logRetentionDays: logRetention,
        /** Load balancer deletion protection. */
        deletionProtection: z.boolean(),
    })
    .superRefine((s, ctx) => {
        if (s.minCount > s.desiredCount) ctx.addIssue({ code: "custom", path: ["desiredCount"], message: `must be >= minCount (${s.minCount})` });
        if (s.desiredCount > s.maxCount) ctx.addIssue({ code: "custom", path: ["desiredCount"], message: `must be <= maxCount (${s.maxCount})` });
    });

export const dataStoresSchema = z.strictObject({
    /** `ecs`: containers in the cluster (architecture). `managed`: RDS + ElastiCache. */
    mode: z.enum(["ecs", "managed"]),
    postgres: z.strictObject({
        databaseName: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { message: "must be a lowercase PostgreSQL identifier" }),
        username: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { message: "must be a lowercase PostgreSQL identifier" }),
        /** Major version, used by both modes. */
        version: z.enum(["15", "16"]),
        /** `ecs` mode: the PostgreSQL task. */
        ecs: fargateSize,
        /** `managed` mode: the RDS instance. */
        managed: z.strictObject({
            instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { message: "must be an RDS instance class such as db.t4g.medium" }),
            allocatedStorageGiB: z.number().int().min(20).max(65536),
            maxAllocatedStorageGiB: z.number().int().min(20).max(65536),
            multiAz: z.boolean(),
            backupRetentionDays: z.number().int().min(0).max(35),
            deletionProtection: z.boolean(),
        }),
    }),
    redis: z.strictObject({
        /** `ecs` mode: the Redis task. */
        ecs: fargateSize,
        /** `managed` mode: the ElastiCache replication group. */
        managed: z.strictObject({
            nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, { message: "must be an ElastiCache node type such as cache.t4g.small" }),
            /** Nodes in the group (1 primary + replicas); failover needs 2 or more. */
            nodes: z.number().int().min(1).max(6),
            engineVersion: z.enum(["7.0", "7.1"]),
        }),
    }),
});

export type NetworkConfig = z.infer<typeof networkSchema>;
export type ClusterConfig = z.infer<typeof clusterSchema>;
export type ImageConfig = z.infer<typeof imageSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type DataStoresConfig = z.infer<typeof dataStoresSchema>;
export type FargateSize = z.infer<typeof fargateSize>;
export { fargateSize, cidr, logRetention, imageReference, acmCertificateArn };
