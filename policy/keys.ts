/**
 * Service principals and keys: every AWS service that uses a customer-managed KMS key under its own
 * principal is allowed by the key policy or a grant, with the actions it needs.
 *
 * Users that call KMS as themselves, found in the graph:
 * - CloudWatch Logs for encrypted log groups (`logs.<region>.amazonaws.com`, with the
 *   `kms:EncryptionContext:aws:logs:arn` of the group):
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 * - CloudWatch alarms publishing to encrypted SNS topics (`cloudwatch.amazonaws.com`), and the other
 *   services that publish to encrypted topics or queues: EventBridge targets
 *   (`events.amazonaws.com`), S3 notifications (`s3.amazonaws.com`), SNS to an encrypted SQS
 *   subscription (`sns.amazonaws.com`); each needs kms:Decrypt and kms:GenerateDataKey*:
 *   https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
 * - EC2 Auto Scaling's service-linked role for encrypted EBS volumes in the launch template of a
 *   group: the group's `serviceLinkedRoleArn`, or the account's default
 *   `AWSServiceRoleForAutoScaling` when unset. The role's own policy cannot reach a customer key, so
 *   the key policy (or a grant) must name it: use of the key, and CreateGrant for AWS resources.
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
 *
 * Users that are fine through the root-account statement (the key policy lets the account's IAM
 * policies grant use; https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam):
 * services that use the key on behalf of the IAM principal calling them, through `kms:ViaService`
 * or grants that principal creates — RDS (storage, Performance Insights, the managed master secret):
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.Keys.html;
 * ElastiCache: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html;
 * EFS: https://docs.aws.amazon.com/efs/latest/ug/encryption-at-rest.html; Secrets Manager (ECS reads
 * secrets as the execution role): https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html;
 * SQS written by Lambda's destinations as the function's role, and DynamoDB, ECR and Amazon Managed
 * Prometheus, which create grants as the caller:
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html,
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html,
 * https://docs.aws.amazon.com/prometheus/latest/userguide/encryption-at-rest-Amazon-Service-Prometheus.html.
 * For those, the key must keep that root statement (`kms-account-delegation`); whether each IAM
 * role's own policy allows the key is an IAM question, not the key's.
 *
 * Values a preview does not know (a policy waiting on a new role's ARN) make the rules say nothing.
 */
import { accountOfArn, regionOf, resolveRef } from "./graph";
import { list, ofType, safeJson, type PolicyContext, type PolicyResource, type Rule } from "./model";

const KEY = "aws:kms/key:Key";
const ALIAS = "aws:kms/alias:Alias";
const GRANT = "aws:kms/grant:Grant";
const TOPIC = "aws:sns/topic:Topic";
const QUEUE = "aws:sqs/queue:Queue";

// ── A key-policy evaluator, for the statements key policies use ────────────────────────────────

interface PolicyStatement {
    Sid?: string;
    Effect?: string;
    Principal?: "*" | { AWS?: string | string[]; Service?: string | string[] };
    NotPrincipal?: unknown;
    Action?: string | string[];
    NotAction?: unknown;
    Condition?: Record<string, Record<string, unknown>>;
}

/** A request to KMS: who calls, which action, and the request's context keys. */
export interface KmsRequest {
    readonly principal: { readonly service: string } | { readonly arn: string };
    readonly action: string;
    readonly context: Readonly<Record<string, string | boolean>>;
}

const glob = (pattern: string, value: string, caseInsensitive = false) =>
    new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
        caseInsensitive ? "i" : "",
    ).test(value);

function principalMatches(p: PolicyStatement["Principal"], who: KmsRequest["principal"]): boolean {
    if (p === "*") return true;
    if (!p || typeof p !== "object") return false;
    if ("service" in who) return list(p.Service).includes(who.service);
    // An account root principal delegates to IAM policies; a service-linked role's policy is AWS's
    // and grants no customer key, so only naming the role (or "*") lets it in.
    return list(p.AWS).some((a) => a === "*" || a === who.arn || (/^\d{12}$/.test(a) && who.arn === `arn:aws:iam::${a}:root`));
}

/**
 * Whether a condition block holds for the request. Operators outside the modelled set make it
 * fail: an allow this model cannot prove is not counted.
 */
function conditionHolds(cond: PolicyStatement["Condition"], ctx: KmsRequest["context"]): boolean {
    for (const [rawOp, entries] of Object.entries(cond ?? {})) {
        const op = rawOp.replace(/^For(Any|All)Value:/, "");
        const ifExists = op.endsWith("IfExists");
        const base = ifExists ? op.slice(0, -"IfExists".length) : op;
        for (const [k, expected] of Object.entries(entries)) {
            const actual = ctx[k];
            const values = list(expected as unknown[]).map(String);
            const negated = /Not/.test(base);
            if (actual === undefined) {
                if (ifExists || negated) continue;
                return false;
            }
            const a = String(actual);
            let match: boolean;
            switch (base.replace("Not", "")) {
                case "StringEquals":
                case "ArnEquals":
                    match = values.includes(a);
                    break;
                case "StringEqualsIgnoreCase":
                    match = values.some((v) => v.toLowerCase() === a.toLowerCase());
                    break;
                case "StringLike":
                case "ArnLike":
                    match = values.some((v) => glob(v, a));
                    break;
                case "Bool":
                    match = values.some((v) => v.toLowerCase() === a.toLowerCase());
                    break;
                default:
                    return false;
            }
            if (match === negated) return false;
        }
    }
    return true;
}

function statementMatches(s: PolicyStatement, req: KmsRequest): boolean {
    if (s.NotPrincipal !== undefined || s.NotAction !== undefined) return false;
    return principalMatches(s.Principal, req.principal) && list(s.Action).some((a) => glob(a, req.action, true)) && conditionHolds(s.Condition, req.context);
}

/** Whether a key policy document allows the request (an allow matches and no deny does). */
export function keyPolicyAllows(policy: unknown, req: KmsRequest): boolean {
    const doc = typeof policy === "string" ? safeJson(policy) : policy;
    const statements = list((doc as { Statement?: PolicyStatement | PolicyStatement[] } | undefined)?.Statement);
    if (statements.some((s) => s.Effect === "Deny" && statementMatches(s, req))) return false;
    return statements.some((s) => (s.Effect ?? "Allow") === "Allow" && statementMatches(s, req));
}

// ── Keys in the graph ──────────────────────────────────────────────────────────────────────────

/** The customer-managed key a `kmsKeyId`-like value names (ARN, ID or alias), or `undefined`. */
function keyOf(ctx: PolicyContext, value: unknown): PolicyResource | undefined {
    if (typeof value !== "string") return undefined;
    const direct = resolveRef(ctx, value, KEY);
    if (direct) return direct;
    const aliasName = /(?:^|:)(alias\/.+)$/.exec(value)?.[1];
    const alias = aliasName && ofType(ctx, ALIAS).find((a) => a.inputs.name === aliasName);
    return alias ? (resolveRef(ctx, alias.inputs.targetKeyId, KEY) ?? ofType(ctx, KEY).find((k) => alias.inputs.targetKeyId === `key-${k.name}`)) : undefined;
}

/** The requests `req` that neither the key's policy nor a grant allows (`undefined`: policy unknown). */
function denied(ctx: PolicyContext, key: PolicyResource, requests: readonly KmsRequest[]): KmsRequest[] | undefined {
    if (typeof key.inputs.policy !== "string") return undefined;
    const grants = ofType(ctx, GRANT).filter((g) => resolveRef(ctx, g.inputs.keyId, KEY) === key);
    const granted = (r: KmsRequest) =>
        "arn" in r.principal &&
        grants.some(
            (g) =>
                g.inputs.granteePrincipal === (r.principal as { arn: string }).arn &&
                list(g.inputs.operations as string[]).includes(r.action.replace(/^kms:/, "")),
        );
    return requests.filter((r) => !keyPolicyAllows(key.inputs.policy, r) && !granted(r));
}

/** Every key ARN in the graph's inputs that names `key` (its users). */
function keyReferences(ctx: PolicyContext, key: PolicyResource): string[] {
    const out: string[] = [];
    const walk = (v: unknown) => {
        if (typeof v === "string") {
            if (v.startsWith("arn:") && v.split(":")[2] === "kms" && resolveRef(ctx, v, KEY) === key) out.push(v);
        } else if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === "object") Object.values(v).forEach(walk);
    };
    for (const r of ctx.resources) if (r !== key) walk(r.inputs);
    return out;
}

const who = (r: KmsRequest) => ("service" in r.principal ? r.principal.service : r.principal.arn);
const describe = (missing: readonly KmsRequest[]) => `${who(missing[0]!)} may not ${[...new Set(missing.map((m) => m.action))].join(", ")}`;

/** Requests `service` makes when publishing to a topic or queue encrypted with a customer key. */
function publishRequests(service: string, account: string | undefined, sourceArn: string | undefined): KmsRequest[] {
    const context = { ...(account ? { "aws:SourceAccount": account } : {}), ...(sourceArn ? { "aws:SourceArn": sourceArn } : {}) };
    return ["kms:GenerateDataKey", "kms:Decrypt"].map((action) => ({ principal: { service }, action, context }));
}

/** The encrypted topic or queue an ARN names, with its key. */
function encryptedDestination(ctx: PolicyContext, arn: unknown): { dest: PolicyResource; key: PolicyResource } | undefined {
    const dest = resolveRef(ctx, arn, TOPIC, QUEUE);
    const key = dest && keyOf(ctx, dest.inputs.kmsMasterKeyId);
    return dest && key ? { dest, key } : undefined;
}

/** Actions EC2 Auto Scaling's service-linked role performs on a customer key for encrypted EBS (the guide's statements, as API actions). */
const AUTOSCALING_EBS_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
] as const;
/** Actions CloudWatch Logs performs on a log group's key. */
const LOGS_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey"] as const;

const DEFAULT_AUTOSCALING_ROLE = (account: string) => `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;

export const KEY_RULES: readonly Rule[] = [
    {
        id: "kms-logs-principal",
        reason: "CloudWatch Logs may use the customer key of every encrypted log group, for that group's ARN, or the group cannot be created.",
        check: (ctx) => {
            const region = regionOf(ctx);
            return ofType(ctx, "aws:cloudwatch/logGroup:LogGroup").flatMap((lg) => {
                const key = keyOf(ctx, lg.inputs.kmsKeyId);
                const account = accountOfArn(lg.inputs.kmsKeyId);
                if (!key || !region || !account) return [];
                // An auto-named group is `<logical>-<random>`: the policy must cover that name.
                const name = typeof lg.inputs.name === "string" ? lg.inputs.name : `${lg.name}-a1b2c3d`;
                const context = { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region}:${account}:log-group:${name}` };
                const missing = denied(
                    ctx,
                    key,
                    LOGS_ACTIONS.map((action) => ({ principal: { service: `logs.${region}.amazonaws.com` }, action, context })),
                );
                return missing && missing.length > 0
                    ? [{ resource: lg, message: `key ${key.name}: ${describe(missing)} for this log group's encryption context` }]
                    : [];
            });
        },
    },
    {
        id: "kms-alarm-topics-principal",
        reason: "CloudWatch may use the customer key of every encrypted SNS topic an alarm notifies, or the alarm fails to publish without a trace.",
        check: (ctx) => {
            const region = regionOf(ctx);
            const byTopic = new Map<PolicyResource, { key: PolicyResource; account: string | undefined; alarms: PolicyResource[] }>();
            for (const alarm of ofType(ctx, "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm")) {
                for (const arn of ["alarmActions", "okActions", "insufficientDataActions"].flatMap((k) => list(alarm.inputs[k] as string[]))) {
                    const d = encryptedDestination(ctx, arn);
                    if (!d || d.dest.type !== TOPIC) continue;
                    const entry = byTopic.get(d.dest) ?? { key: d.key, account: accountOfArn(arn), alarms: [] };
                    if (!entry.alarms.includes(alarm)) entry.alarms.push(alarm);
                    byTopic.set(d.dest, entry);
                }
            }
            return [...byTopic].flatMap(([topic, { key, account, alarms }]) => {
                const failing = alarms.filter((a) => {
                    const name = typeof a.inputs.name === "string" ? a.inputs.name : a.inputs.alarmName;
                    const arn = account && region && typeof name === "string" ? `arn:aws:cloudwatch:${region}:${account}:alarm:${name}` : undefined;
                    const missing = denied(ctx, key, publishRequests("cloudwatch.amazonaws.com", account, arn));
                    return missing !== undefined && missing.length > 0;
                });
                return failing.length > 0
                    ? [
                          {
                              resource: topic,
                              message: `key ${key.name}: cloudwatch.amazonaws.com may not kms:GenerateDataKey/kms:Decrypt for ${failing.length} alarm(s) notifying this topic (${failing
                                  .slice(0, 3)
                                  .map((a) => a.name)
                                  .join(", ")}${failing.length > 3 ? ", ..." : ""})`,
                          },
                      ]
                    : [];
            });
        },
    },
    {
        id: "kms-autoscaling-service-role",
        reason: "EC2 Auto Scaling's service-linked role may use the customer key of its launch template's encrypted volumes, or instances never launch.",
        check: (ctx) =>
            ofType(ctx, "aws:autoscaling/group:Group").flatMap((asg) => {
                const ltRef =
                    (asg.inputs.launchTemplate as { id?: string } | undefined)?.id ??
                    (asg.inputs.mixedInstancesPolicy as { launchTemplate?: { launchTemplateSpecification?: { launchTemplateId?: string } } } | undefined)
                        ?.launchTemplate?.launchTemplateSpecification?.launchTemplateId;
                const lt = resolveRef(ctx, ltRef, "aws:ec2/launchTemplate:LaunchTemplate");
                if (!lt) return [];
                const keyRefs = ((lt.inputs.blockDeviceMappings as { ebs?: { encrypted?: unknown; kmsKeyId?: string } }[] | undefined) ?? [])
                    .filter((b) => b.ebs && String(b.ebs.encrypted) === "true" && b.ebs.kmsKeyId !== undefined)
                    .map((b) => b.ebs?.kmsKeyId);
                return [...new Set(keyRefs)].flatMap((ref) => {
                    const key = keyOf(ctx, ref);
                    const account = accountOfArn(ref);
                    if (!key || !account) return [];
                    const role = typeof asg.inputs.serviceLinkedRoleArn === "string" ? asg.inputs.serviceLinkedRoleArn : DEFAULT_AUTOSCALING_ROLE(account);
                    const requests: KmsRequest[] = [
                        ...AUTOSCALING_EBS_ACTIONS.map((action) => ({ principal: { arn: role }, action, context: {} })),
                        { principal: { arn: role }, action: "kms:CreateGrant", context: { "kms:GrantIsForAWSResource": true } },
                    ];
                    const missing = denied(ctx, key, requests);
                    return missing && missing.length > 0
                        ? [{ resource: asg, message: `key ${key.name} (launch template ${lt.name}): ${describe(missing)}` }]
                        : [];
                });
            }),
    },
    {
        id: "kms-service-publishers",
        reason: "EventBridge, S3 and SNS may use the customer key of every encrypted topic or queue they deliver to.",
        check: (ctx) => {
            const out: { resource: PolicyResource; message: string }[] = [];
            const need = (resource: PolicyResource, service: string, arn: unknown, sourceArn: string | undefined) => {
                const d = encryptedDestination(ctx, arn);
                if (!d) return;
                const account = accountOfArn(d.dest.inputs.kmsMasterKeyId) ?? accountOfArn(arn);
                const missing = denied(ctx, d.key, publishRequests(service, account, sourceArn));
                if (missing && missing.length > 0) out.push({ resource, message: `${d.dest.name} (key ${d.key.name}): ${describe(missing)}` });
            };
            for (const t of ofType(ctx, "aws:cloudwatch/eventTarget:EventTarget")) need(t, "events.amazonaws.com", t.inputs.arn, undefined);
            for (const n of ofType(ctx, "aws:s3/bucketNotification:BucketNotification")) {
                for (const t of (n.inputs.topics as { topicArn?: string }[] | undefined) ?? []) need(n, "s3.amazonaws.com", t.topicArn, undefined);
                for (const q of (n.inputs.queues as { queueArn?: string }[] | undefined) ?? []) need(n, "s3.amazonaws.com", q.queueArn, undefined);
            }
            for (const s of ofType(ctx, "aws:sns/topicSubscription:TopicSubscription").filter((x) => x.inputs.protocol === "sqs")) {
                need(s, "sns.amazonaws.com", s.inputs.endpoint, typeof s.inputs.topic === "string" ? s.inputs.topic : undefined);
            }
            return out;
        },
    },
    {
        id: "kms-account-delegation",
        reason: "A customer key used by services on behalf of IAM roles (RDS, EFS, Secrets Manager, ...) lets the account's IAM policies grant its use.",
        check: (ctx) =>
            ofType(ctx, KEY).flatMap((key) => {
                if (typeof key.inputs.policy !== "string") return [];
                const account = keyReferences(ctx, key)
                    .map(accountOfArn)
                    .find((a) => a !== undefined);
                if (!account) return [];
                const root = `arn:aws:iam::${account}:root`;
                const missing = ["kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant", "kms:DescribeKey"].filter(
                    (action) => !keyPolicyAllows(key.inputs.policy, { principal: { arn: root }, action, context: { "kms:GrantIsForAWSResource": true } }),
                );
                return missing.length > 0
                    ? [
                          {
                              resource: key,
                              message: `the policy does not let ${root} (the account's IAM policies) ${missing.join(", ")}: every IAM role using the key through a service is refused`,
                          },
                      ]
                    : [];
            }),
    },
];
