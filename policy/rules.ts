/**
 * Guardrails: security and reliability rules enforced over every resource of every stack.
 *
 * One source of truth, two runners: `policy/check.ts` evaluates the rules over the offline graph
 * (tests, `npm run policy`), `policy/pack/` wraps the same rules as a Pulumi CrossGuard pack for
 * `pulumi preview --policy-pack policy/pack`. Rules read resources as `{ type, name, inputs }`
 * (SDK input names), which is what both the offline plan and CrossGuard give them. A value that is
 * unknown during a real preview is `undefined`: rules then say nothing rather than guess.
 */

import { HOST_ACCESS_CONTAINERS as HOST_ACCESS, HOST_PID_CONTAINERS as HOST_PID } from "../components/monitoring/images";
import {
    containersOf,
    key,
    list,
    ofType,
    policiesOf,
    requireTrue,
    resourceRule,
    safeJson,
    statementsOf,
    type Environment,
    type PolicyContext,
    type PolicyResource,
    type Rule,
    type Violation,
} from "./model";
import { FILESYSTEM_RULES } from "./filesystems";
import { KEY_RULES } from "./keys";
import { MESSAGE_RULES } from "./messages";
import { SECRET_RULES } from "./secrets";
import { ORDER_RULES } from "./order";
import { REACHABILITY_RULES } from "./reachability";
import { RUNTIME_RULES } from "./runtimes";

export type { Environment, PolicyContext, PolicyResource, Rule, Violation } from "./model";

/**
 * Containers allowed to read the host (read-only): the two host-level exporters, defined and
 * documented by the monitoring layer. Everything else is held to the container rules.
 */
const HOST_ACCESS_CONTAINERS: readonly string[] = HOST_ACCESS;

/**
 * Actions AWS cannot scope to a resource, so their statements must say `Resource: "*"`.
 * Each is documented by AWS as supporting no resource-level permissions.
 */
const STAR_RESOURCE_ACTIONS: readonly string[] = [
    "ecr:GetAuthorizationToken",
    "cloudwatch:PutMetricData",
    "cloudwatch:GetMetricData",
    "cloudwatch:ListMetrics",
    "ec2:DescribeInstances",
    "ec2:DescribeTags",
    "ecs:DescribeTasks",
    "ecs:ListTasks",
    // No resource type; `ecs:cluster` is its condition key (the secret follower pins it to its cluster).
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
    "ecs:ListServices",
    // No resource type: task definitions cannot be named in Resource (same page).
    "ecs:DescribeTaskDefinition",
    "logs:DescribeLogGroups",
    "aps:GetLabels",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
];

/** TLS policies considered modern for HTTPS listeners (TLS 1.2+ only, no CBC-only legacy suites). */
const MODERN_TLS_POLICIES: readonly string[] = [
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
];

/** Environment variable names that carry credentials: these must arrive as ECS `secrets`. */
const SECRET_ENV = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|WEBHOOK|ROUTING_?KEY|CREDENTIAL)/i;
/** `scheme://user:password@host` */
const URL_WITH_PASSWORD = /:\/\/[^/\s:@]+:[^/\s@]+@/;
/** A reference to a secret the container reads with its task role (e.g. `DATABASE_PASSWORD_FROM`), not a credential. */
const SECRET_REFERENCE = /^arn:aws[a-z-]*:(secretsmanager|ssm):[a-z0-9-]+:\d{12}:(secret|parameter)[:/]/;

interface IngressLike {
    cidr: string[];
    from: number;
    to: number;
}

function openIngress(r: PolicyResource): IngressLike[] {
    const i = r.inputs;
    if (r.type === "aws:ec2/securityGroup:SecurityGroup") {
        return ((i.ingress as { cidrBlocks?: string[]; ipv6CidrBlocks?: string[]; fromPort: number; toPort: number }[] | undefined) ?? []).map((x) => ({
            cidr: [...(x.cidrBlocks ?? []), ...(x.ipv6CidrBlocks ?? [])],
            from: x.fromPort,
            to: x.toPort,
        }));
    }
    if (r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
        return [
            { cidr: [i.cidrIpv4, i.cidrIpv6].filter((c): c is string => typeof c === "string"), from: Number(i.fromPort ?? 0), to: Number(i.toPort ?? 65535) },
        ];
    }
    if (r.type === "aws:ec2/securityGroupRule:SecurityGroupRule" && i.type === "ingress") {
        return [{ cidr: [...((i.cidrBlocks as string[]) ?? []), ...((i.ipv6CidrBlocks as string[]) ?? [])], from: Number(i.fromPort), to: Number(i.toPort) }];
    }
    return [];
}

const WORLD = ["0.0.0.0/0", "::/0"];

/** The platform's own guardrails (security and reliability); the AWS-behaviour families are added below. */
const CORE_RULES: readonly Rule[] = [
    // ── Encryption at rest ───────────────────────────────────────────────────────────────────
    resourceRule({
        id: "rds-encrypted",
        reason: "Database storage, backups and snapshots must be encrypted at rest.",
        securityHub: "RDS.3",
        types: ["aws:rds/instance:Instance"],
        test: requireTrue("storageEncrypted", "storageEncrypted must be true"),
    }),
    resourceRule({
        id: "elasticache-encrypted-at-rest",
        reason: "Cached sessions and rows must be encrypted at rest.",
        types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
        test: requireTrue("atRestEncryptionEnabled", "atRestEncryptionEnabled must be true"),
    }),
    resourceRule({
        id: "efs-encrypted",
        reason: "File systems holding database files must be encrypted at rest.",
        securityHub: "EFS.1",
        types: ["aws:efs/fileSystem:FileSystem"],
        test: (r) =>
            r.inputs.encrypted === true && typeof r.inputs.kmsKeyId === "string" ? undefined : "encrypted must be true with a customer-managed kmsKeyId",
    }),
    resourceRule({
        id: "sns-encrypted",
        reason: "Alert payloads reveal the system's state and must be encrypted at rest with a customer-managed key.",
        securityHub: "SNS.1",
        types: ["aws:sns/topic:Topic"],
        test: (r) =>
            typeof r.inputs.kmsMasterKeyId === "string" && r.inputs.kmsMasterKeyId !== "alias/aws/sns"
                ? undefined
                : "kmsMasterKeyId must be a customer-managed key (CloudWatch cannot publish to topics under the AWS-managed key)",
    }),
    resourceRule({
        id: "sqs-encrypted",
        reason: "Dead-lettered alerts must be encrypted at rest.",
        securityHub: "SQS.1",
        types: ["aws:sqs/queue:Queue"],
        test: (r) =>
            typeof r.inputs.kmsMasterKeyId === "string" || r.inputs.sqsManagedSseEnabled === true
                ? undefined
                : "kmsMasterKeyId or sqsManagedSseEnabled must be set",
    }),
    resourceRule({
        id: "log-group-kms",
        reason: "Logs carry request data and must be encrypted with the stack's KMS key.",
        types: ["aws:cloudwatch/logGroup:LogGroup"],
        test: (r) => (typeof r.inputs.kmsKeyId === "string" ? undefined : "kmsKeyId must be set"),
    }),
    resourceRule({
        id: "secret-kms",
        reason: "Secrets must be encrypted with the stack's customer-managed key, whose policy we control.",
        types: ["aws:secretsmanager/secret:Secret"],
        test: (r) => (typeof r.inputs.kmsKeyId === "string" ? undefined : "kmsKeyId must be set"),
    }),
    resourceRule({
        id: "ecr-scan-immutable",
        reason: "Images are scanned for vulnerabilities on push, and a tag always means the same bits.",
        securityHub: "ECR.1, ECR.2",
        types: ["aws:ecr/repository:Repository"],
        test: (r) => {
            if ((r.inputs.imageScanningConfiguration as { scanOnPush?: boolean } | undefined)?.scanOnPush !== true)
                return "imageScanningConfiguration.scanOnPush must be true";
            if (r.inputs.imageTagMutability !== "IMMUTABLE") return "imageTagMutability must be IMMUTABLE";
            return undefined;
        },
    }),
    resourceRule({
        id: "ebs-encrypted-imdsv2",
        reason: "Container instances encrypt their volumes and require IMDSv2 (no SSRF to instance credentials).",
        securityHub: "EC2.8",
        types: ["aws:ec2/launchTemplate:LaunchTemplate"],
        test: (r) => {
            if ((r.inputs.metadataOptions as { httpTokens?: string } | undefined)?.httpTokens !== "required")
                return "metadataOptions.httpTokens must be required";
            const unencrypted = ((r.inputs.blockDeviceMappings as { ebs?: { encrypted?: string } }[] | undefined) ?? []).filter(
                (b) => b.ebs && b.ebs.encrypted !== "true",
            );
            return unencrypted.length ? "every EBS block device must be encrypted" : undefined;
        },
    }),

    // ── Encryption in transit ────────────────────────────────────────────────────────────────
    resourceRule({
        id: "elasticache-in-transit",
        reason: "Redis traffic carries session tokens: TLS in transit.",
        securityHub: "ElastiCache.5",
        types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
        test: requireTrue("transitEncryptionEnabled", "transitEncryptionEnabled must be true"),
    }),
    resourceRule({
        id: "https-modern-tls",
        reason: "HTTPS listeners use a TLS 1.2+/1.3 policy without legacy ciphers.",
        securityHub: "ELB.17",
        types: ["aws:lb/listener:Listener"],
        test: (r) =>
            r.inputs.protocol === "HTTPS" && !MODERN_TLS_POLICIES.includes(String(r.inputs.sslPolicy))
                ? `sslPolicy ${String(r.inputs.sslPolicy)} is not one of ${MODERN_TLS_POLICIES.join(", ")}`
                : undefined,
    }),
    {
        id: "http-redirects-to-https",
        reason: "When a load balancer serves HTTPS, plain HTTP only redirects to it.",
        securityHub: "ELB.1",
        check: (ctx) => {
            const listeners = ofType(ctx, "aws:lb/listener:Listener");
            const httpsLbs = new Set(listeners.filter((l) => l.inputs.protocol === "HTTPS").map((l) => l.inputs.loadBalancerArn));
            return listeners
                .filter((l) => l.inputs.protocol === "HTTP" && httpsLbs.has(l.inputs.loadBalancerArn))
                .filter((l) =>
                    ((l.inputs.defaultActions as { type: string; redirect?: { protocol?: string } }[] | undefined) ?? []).some(
                        (a) => a.type !== "redirect" || a.redirect?.protocol !== "HTTPS",
                    ),
                )
                .map((resource) => ({ resource, message: "the HTTP listener of an HTTPS load balancer must redirect to HTTPS" }));
        },
    },
    resourceRule({
        id: "alb-drops-invalid-headers",
        reason: "Invalid HTTP headers are dropped at the load balancer (request smuggling).",
        securityHub: "ELB.4",
        types: ["aws:lb/loadBalancer:LoadBalancer"],
        test: requireTrue("dropInvalidHeaderFields", "dropInvalidHeaderFields must be true"),
    }),

    // ── Network exposure ─────────────────────────────────────────────────────────────────────
    {
        id: "world-ingress-only-http",
        reason: "Nothing but the load balancer's 80/443 is reachable from 0.0.0.0/0 (no data store, exporter or task).",
        securityHub: "EC2.18, EC2.19",
        check: (ctx) =>
            ctx.resources.flatMap((resource) =>
                openIngress(resource)
                    .filter((rule) => rule.cidr.some((c) => WORLD.includes(c)))
                    .filter((rule) => !(rule.from === rule.to && (rule.from === 80 || rule.from === 443)))
                    .map((rule) => ({ resource, message: `ingress ${rule.from}-${rule.to} is open to the world; only 80 and 443 may be` })),
            ),
    },
    resourceRule({
        id: "no-public-ip-on-tasks",
        reason: "Tasks live in private subnets; only the load balancer is public.",
        securityHub: "ECS.2",
        types: ["aws:ecs/service:Service"],
        test: (r) =>
            (r.inputs.networkConfiguration as { assignPublicIp?: boolean } | undefined)?.assignPublicIp === true
                ? "networkConfiguration.assignPublicIp must be false"
                : undefined,
    }),
    resourceRule({
        id: "rds-not-public",
        reason: "The database is reachable only from inside the VPC.",
        securityHub: "RDS.2",
        types: ["aws:rds/instance:Instance"],
        test: (r) => (r.inputs.publiclyAccessible === true ? "publiclyAccessible must be false" : undefined),
    }),

    // ── Containers ───────────────────────────────────────────────────────────────────────────
    resourceRule({
        id: "containers-not-privileged",
        reason: "No container gets root on the host; the host exporters are the only, named exception.",
        securityHub: "ECS.4",
        types: ["aws:ecs/taskDefinition:TaskDefinition"],
        test: (r) => {
            const bad = (containersOf(r) ?? []).filter((c) => c.privileged === true && !HOST_ACCESS_CONTAINERS.includes(c.name ?? ""));
            return bad.length ? `privileged containers: ${bad.map((c) => c.name).join(", ")}` : undefined;
        },
    }),
    resourceRule({
        id: "containers-read-only-root",
        reason: "Read-only root filesystems: a compromised process cannot change its own binaries.",
        securityHub: "ECS.5",
        types: ["aws:ecs/taskDefinition:TaskDefinition"],
        test: (r) => {
            const bad = (containersOf(r) ?? []).filter((c) => c.readonlyRootFilesystem !== true);
            return bad.length ? `containers with a writable root filesystem: ${bad.map((c) => c.name).join(", ")}` : undefined;
        },
    }),
    resourceRule({
        id: "containers-non-root",
        reason: "Processes run as a non-root user wherever the image allows it.",
        types: ["aws:ecs/taskDefinition:TaskDefinition"],
        test: (r) => {
            const bad = (containersOf(r) ?? []).filter(
                (c) => !HOST_ACCESS_CONTAINERS.includes(c.name ?? "") && (c.user === undefined || /^(root|0)(:|$)/.test(c.user)),
            );
            return bad.length ? `containers without a non-root user: ${bad.map((c) => c.name).join(", ")}` : undefined;
        },
    }),
    resourceRule({
        id: "host-mounts-read-only",
        reason: "Only the host exporters mount host paths, and only read-only.",
        types: ["aws:ecs/taskDefinition:TaskDefinition"],
        test: (r) => {
            const hostVolumes = new Set(
                ((r.inputs.volumes as { name: string; hostPath?: string }[] | undefined) ?? []).filter((v) => v.hostPath !== undefined).map((v) => v.name),
            );
            const bad = (containersOf(r) ?? []).flatMap((c) =>
                (c.mountPoints ?? [])
                    .filter((m) => hostVolumes.has(m.sourceVolume))
                    .filter((m) => !HOST_ACCESS_CONTAINERS.includes(c.name ?? "") || m.readOnly !== true)
                    .map((m) => `${c.name}:${m.containerPath}`),
            );
            return bad.length ? `host paths mounted outside the exception or writable: ${bad.join(", ")}` : undefined;
        },
    }),
    // ECS task definition parameters, pidMode: "host" shares the EC2 instance's process namespace
    // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#task_definition_pidmode);
    // AWS Config ecs-task-definition-pid-mode-check flags it.
    resourceRule({
        id: "host-pid-only-node-exporter",
        reason: "Only the exporter that reads the instance's mount table shares its process namespace.",
        securityHub: "ECS.3",
        types: ["aws:ecs/taskDefinition:TaskDefinition"],
        test: (r) => {
            if (r.inputs.pidMode !== "host") return undefined;
            const bad = (containersOf(r) ?? []).filter((c) => !(HOST_PID as readonly string[]).includes(c.name ?? ""));
            return bad.length ? `pidMode host for containers outside the exception: ${bad.map((c) => c.name).join(", ")}` : undefined;
        },
    }),
    // node_exporter reads mounts from /proc/1/mounts: with --path.rootfs in its own PID namespace it
    // sees only the container's table, the host root as a read-only bind mount (README, "Docker":
    // --pid="host", https://github.com/prometheus/node_exporter#docker).
    resourceRule({
        id: "host-rootfs-reader-in-host-pid",
        reason: "An exporter reading the host root (--path.rootfs) runs in the host PID namespace, or it sees no writable volume.",
        types: ["aws:ecs/taskDefinition:TaskDefinition"],
        test: (r) => {
            if (r.inputs.pidMode === "host") return undefined;
            const readers = (containersOf(r) ?? []).filter((c) =>
                (((c as { command?: unknown }).command as unknown[] | undefined) ?? []).some(
                    (a) => typeof a === "string" && /^--path\.rootfs=(?!\/?$)/.test(a),
                ),
            );
            return readers.length ? `${readers.map((c) => c.name).join(", ")} read the host root with --path.rootfs but pidMode is not host` : undefined;
        },
    }),
    resourceRule({
        id: "secrets-only-via-ecs-secrets",
        reason: "Credentials reach containers only as ECS `secrets` (Secrets Manager/SSM), never as plain environment.",
        securityHub: "ECS.8",
        types: ["aws:ecs/taskDefinition:TaskDefinition"],
        test: (r) => {
            const bad = (containersOf(r) ?? []).flatMap((c) =>
                (c.environment ?? [])
                    .filter((e) => (SECRET_ENV.test(e.name) && !SECRET_REFERENCE.test(String(e.value ?? ""))) || URL_WITH_PASSWORD.test(String(e.value ?? "")))
                    .map((e) => `${c.name}:${e.name}`),
            );
            return bad.length ? `credentials in plain environment: ${bad.join(", ")}` : undefined;
        },
    }),

    // ── IAM ──────────────────────────────────────────────────────────────────────────────────
    resourceRule({
        id: "iam-no-wildcards",
        reason: 'No `*` actions on `*` resources; `Resource: "*"` only for actions AWS cannot scope (documented list).',
        securityHub: "IAM.1, IAM.21",
        types: ["aws:iam/role:Role", "aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy"],
        test: (r) => {
            const problems: string[] = [];
            for (const doc of policiesOf(r)) {
                for (const s of statementsOf(doc)) {
                    if ((s.Effect ?? "Allow") !== "Allow") continue;
                    const actions = list(s.Action);
                    const resources = list(s.Resource);
                    if (s.NotAction !== undefined) problems.push("Allow with NotAction");
                    if (!resources.includes("*")) continue;
                    for (const a of actions) {
                        if (a.includes("*")) problems.push(`${a} on *`);
                        else if (!STAR_RESOURCE_ACTIONS.includes(a)) problems.push(`${a} on * (scope it to resources)`);
                    }
                }
            }
            return problems.length ? problems.join("; ") : undefined;
        },
    }),

    // ── Logs ─────────────────────────────────────────────────────────────────────────────────
    resourceRule({
        id: "log-group-retention",
        reason: "Logs expire on a schedule: no unbounded cost, no forgotten data.",
        securityHub: "CloudWatch.16",
        types: ["aws:cloudwatch/logGroup:LogGroup"],
        test: (r) => (typeof r.inputs.retentionInDays === "number" && r.inputs.retentionInDays > 0 ? undefined : "retentionInDays must be set"),
    }),

    // ── Reliability ──────────────────────────────────────────────────────────────────────────
    resourceRule({
        id: "circuit-breaker-rollback",
        reason: "A bad deploy stops and rolls back by itself.",
        types: ["aws:ecs/service:Service"],
        test: (r) => {
            const cb = r.inputs.deploymentCircuitBreaker as { enable?: boolean; rollback?: boolean } | undefined;
            return cb?.enable === true && cb.rollback === true ? undefined : "deploymentCircuitBreaker must enable rollback";
        },
    }),
    {
        id: "alarms-have-actions",
        reason: "An alarm nobody hears is not an alarm: every alarm notifies on ALARM and on recovery, itself or through a composite.",
        securityHub: "CloudWatch.15",
        check: (ctx) => {
            const alarms = ofType(ctx, "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm");
            // MetricAlarm calls its name `name`, CompositeAlarm `alarmName`.
            const nameOf = (a: PolicyResource) => String(a.inputs.alarmName ?? a.inputs.name ?? a.name);
            const byName = new Map(alarms.map((a) => [nameOf(a), a]));
            const childrenOf = (a: PolicyResource) =>
                [...String(a.inputs.alarmRule ?? "").matchAll(/ALARM\("([^"]+)"\)/g)]
                    .map((m) => byName.get(m[1] as string))
                    .filter((c): c is PolicyResource => c !== undefined);
            const hasOwnActions = (a: PolicyResource) =>
                a.inputs.actionsEnabled !== false &&
                list(a.inputs.alarmActions as string[] | undefined).length > 0 &&
                list(a.inputs.okActions as string[] | undefined).length > 0;
            // Heard: own actions (ALARM and OK), or watched by a heard composite (CloudWatch can only
            // suppress composites, so symptom alarms notify through suppressible wrappers), or a
            // composite without actions whose every cause is heard (a suppressor that explains them).
            const memo = new Map<PolicyResource, boolean>();
            const heard = (a: PolicyResource, seen: Set<PolicyResource>): boolean => {
                const known = memo.get(a);
                if (known !== undefined) return known;
                if (seen.has(a)) return false;
                seen.add(a);
                const name = nameOf(a);
                const result =
                    hasOwnActions(a) ||
                    alarms.some((c) => c !== a && childrenOf(c).includes(a) && hasOwnActions(c)) ||
                    (a.type === "aws:cloudwatch/compositeAlarm:CompositeAlarm" &&
                        childrenOf(a).length > 0 &&
                        childrenOf(a).every((c) => heard(c, seen)) &&
                        alarms.some((c) => (c.inputs.actionsSuppressor as { alarm?: string } | undefined)?.alarm === name));
                memo.set(a, result);
                return result;
            };
            return alarms
                .filter((a) => !heard(a, new Set()))
                .map((resource) => ({
                    resource,
                    message:
                        list(resource.inputs.alarmActions as string[] | undefined).length === 0
                            ? "alarmActions is empty and no composite with actions watches this alarm"
                            : "okActions must not be empty (recoveries are announced)",
                }));
        },
    },
    resourceRule({
        id: "prod-rds-resilient",
        reason: "prod's database survives an AZ loss, accidental deletion and bad data (Multi-AZ, protection, 7+ days of backups).",
        securityHub: "RDS.5, RDS.8, RDS.11",
        environments: ["prod"],
        types: ["aws:rds/instance:Instance"],
        test: (r) => {
            if (r.inputs.multiAz !== true) return "multiAz must be true";
            if (r.inputs.deletionProtection !== true) return "deletionProtection must be true";
            if (!(Number(r.inputs.backupRetentionPeriod) >= 7)) return "backupRetentionPeriod must be at least 7";
            return undefined;
        },
    }),
    resourceRule({
        id: "prod-cache-resilient",
        reason: "prod's Redis fails over to a replica in another AZ and keeps backups.",
        securityHub: "ElastiCache.1, ElastiCache.3",
        environments: ["prod"],
        types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
        test: (r) => {
            if (r.inputs.automaticFailoverEnabled !== true || r.inputs.multiAzEnabled !== true)
                return "automaticFailoverEnabled and multiAzEnabled must be true";
            if (!(Number(r.inputs.snapshotRetentionLimit) > 0)) return "snapshotRetentionLimit must be positive";
            return undefined;
        },
    }),
    {
        id: "prod-no-ecs-data-stores",
        reason: "prod keeps its data in managed stores, not on ephemeral tasks.",
        environments: ["prod"],
        check: (ctx) =>
            ofType(ctx, "aws:efs/fileSystem:FileSystem").map((resource) => ({
                resource,
                message: "prod must use `managed` data stores (RDS/ElastiCache), not a database on EFS",
            })),
    },
    resourceRule({
        id: "prod-alb-deletion-protection",
        reason: "prod's public entry point cannot be deleted by accident.",
        securityHub: "ELB.6",
        environments: ["prod"],
        types: ["aws:lb/loadBalancer:LoadBalancer"],
        test: requireTrue("enableDeletionProtection", "enableDeletionProtection must be true"),
    }),
    resourceRule({
        id: "prod-two-tasks",
        reason: "prod serves from at least 2 tasks, spread by Fargate across the private subnets' AZs.",
        environments: ["prod"],
        types: ["aws:ecs/service:Service"],
        test: (r, ctx) => {
            if (!Array.isArray(r.inputs.loadBalancers) || r.inputs.loadBalancers.length === 0) return undefined;
            if (!(Number(r.inputs.desiredCount) >= 2)) return "desiredCount must be at least 2";
            const subnets = (r.inputs.networkConfiguration as { subnets?: unknown[] } | undefined)?.subnets;
            if (Array.isArray(subnets) && subnets.length < 2) return "networkConfiguration.subnets must span at least 2 AZs";
            const scaling = ofType(ctx, "aws:appautoscaling/target:Target").find((t) =>
                String(t.inputs.resourceId).endsWith(`/${String(r.inputs.name ?? r.name)}`),
            );
            if (scaling && !(Number(scaling.inputs.minCapacity) >= 2)) return "autoscaling minCapacity must be at least 2";
            return undefined;
        },
    }),
];

/** Every rule: the core guardrails and the families that model AWS's own rules. */
export const RULES: readonly Rule[] = [
    ...CORE_RULES,
    ...REACHABILITY_RULES,
    ...KEY_RULES,
    ...ORDER_RULES,
    ...FILESYSTEM_RULES,
    ...RUNTIME_RULES,
    ...MESSAGE_RULES,
    ...SECRET_RULES,
];

/** Evaluates every rule that applies to the context's environment. */
export function evaluate(ctx: PolicyContext, rules: readonly Rule[] = RULES): Violation[] {
    return rules
        .filter((rule) => rule.environments === undefined || rule.environments.includes(ctx.environment))
        .flatMap((rule) => rule.check(ctx).map((v) => ({ rule: rule.id, resource: key(v.resource), message: v.message })));
}

/** The environment a graph was built for, from the AWS provider's default tags. */
export function environmentOf(resources: readonly PolicyResource[]): Environment | undefined {
    for (const r of resources) {
        if (r.type !== "pulumi:providers:aws") continue;
        const tags = r.inputs.defaultTags as { tags?: Record<string, string> } | string | undefined;
        const parsed = typeof tags === "string" ? (safeJson(tags) as { tags?: Record<string, string> } | undefined) : tags;
        const env = parsed?.tags?.Environment;
        if (env === "dev" || env === "prod") return env;
    }
    return undefined;
}
