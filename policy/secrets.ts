/**
 * Secret readers: whoever reads a Secrets Manager secret at run time may read it, and may decrypt it.
 *
 * GetSecretValue needs `secretsmanager:GetSecretValue` on the secret and, when the secret is
 * encrypted with a customer managed key, `kms:Decrypt` on that key ("Required permissions",
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html;
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html "Permissions
 * for the KMS key": Secrets Manager decrypts as the caller). Without either, the call is denied
 * (AccessDeniedException) only when the value is needed:
 * - a Lambda reads the secrets its environment names, with its execution role — a notification
 *   then fails at the moment it should go out;
 * - ECS reads a task definition's `secrets[].valueFrom` with the task execution role when a task
 *   starts (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html,
 *   "kms:Decrypt — required only if your secret uses a custom KMS key",
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html) — the
 *   task stops with ResourceInitializationError and the deployment never becomes healthy;
 * - a container handed a secret's ARN in its plain environment (the web server's
 *   `DATABASE_PASSWORD_FROM`, so it re-reads the rotated RDS password itself) reads it with the
 *   task role — the server then cannot reach its database.
 * A secret outside the stack, a key nobody in the stack declares (the AWS managed `aws/secretsmanager`
 * key needs no grant), an RDS-managed secret without `masterUserSecretKmsKeyId`, or any value a
 * preview does not know: the rules say nothing.
 */
import { key, resolveRef } from "./graph";
import { containersOf, list, ofType, policiesOf, statementsOf, type PolicyContext, type PolicyResource, type Rule } from "./model";
import { namedAs, secretNameOf } from "./order";

const ROLE = "aws:iam/role:Role";
const SECRET = "aws:secretsmanager/secret:Secret";
const KMS_KEY = "aws:kms/key:Key";
const RDS = ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"];

/** The resources a role's Allow statements grant `action` on; `undefined` when one is unknown. */
function grantedResources(roles: readonly PolicyResource[], action: string): string[] | undefined {
    const service = action.split(":")[0];
    const granted = roles
        .flatMap((r) => policiesOf(r).flatMap(statementsOf))
        .filter((s) => s.Effect !== "Deny" && list(s.Action).some((a) => a === action || a === `${service}:*` || a === "*"))
        .flatMap((s) => list(s.Resource));
    return granted.every((g): g is string => typeof g === "string") ? granted : undefined;
}

/** Whether an IAM resource pattern (`*` wildcards) matches `arn`. */
function matches(pattern: string, arn: string): boolean {
    if (!pattern.includes("*")) return pattern === arn;
    const re = new RegExp(
        `^${pattern
            .split("*")
            .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join(".*")}$`,
    );
    return re.test(arn);
}

/** The secret's ARN without an ECS `valueFrom` suffix (`:<json-key>:<stage>:<version>`). */
const secretArnOf = (valueFrom: string) => valueFrom.split(":").slice(0, 7).join(":");

/** The customer managed key (in the graph) a secret read through `arn` is encrypted with, and how the secret names it. */
function keyOfSecret(ctx: PolicyContext, arn: string): { key: PolicyResource; ref: string } | undefined {
    const parsed = secretNameOf(arn);
    if (parsed === undefined) return undefined;
    const ref = parsed.name.startsWith("rds!")
        ? // RDS-managed master user secrets: the database's masterUserSecretKmsKeyId (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html).
          RDS.flatMap((t) => ofType(ctx, t)).map((d) => d.inputs.masterUserSecretKmsKeyId)[0]
        : ofType(ctx, SECRET).find((s) => namedAs(s, "name", parsed.name))?.inputs.kmsKeyId;
    const k = typeof ref === "string" ? resolveRef(ctx, ref, KMS_KEY) : undefined;
    return k && typeof ref === "string" ? { key: k, ref } : undefined;
}

/** What `roles` lack to read the secrets at `arns` (GetSecretValue on each, kms:Decrypt on each one's key). */
function missingReads(ctx: PolicyContext, roles: readonly PolicyResource[], arns: readonly string[]): string[] {
    const reads = grantedResources(roles, "secretsmanager:GetSecretValue");
    const decrypts = grantedResources(roles, "kms:Decrypt");
    return arns.flatMap((arn) => {
        const out: string[] = [];
        if (reads !== undefined && !reads.some((g) => matches(g, arn))) out.push(`secretsmanager:GetSecretValue on ${arn}`);
        const k = keyOfSecret(ctx, arn);
        if (k && decrypts !== undefined && !decrypts.some((g) => matches(g, k.ref) || resolveRef(ctx, g, KMS_KEY) === k.key))
            out.push(`kms:Decrypt on ${k.ref} (the key ${arn} is encrypted with)`);
        return out;
    });
}

type Finding = { resource: PolicyResource; message: string };

const isSecretArn = (v: unknown): v is string => typeof v === "string" && v.startsWith("arn:aws:secretsmanager:");

/** Distinct secret ARNs a task definition's containers name, from `secrets[].valueFrom` (`injected`) or plain `environment` values (`read`). */
function taskSecrets(td: PolicyResource, how: "injected" | "read"): string[] {
    const containers = (containersOf(td) ?? []) as { secrets?: { valueFrom?: unknown }[]; environment?: { value?: unknown }[] }[];
    const values = containers.flatMap((c) => (how === "injected" ? (c.secrets ?? []).map((s) => s.valueFrom) : (c.environment ?? []).map((e) => e.value)));
    return [...new Set(values.filter(isSecretArn).map(secretArnOf))];
}

/** A rule over task definitions: the role in `roleField` reads the secrets the containers name (`how`). */
function taskRule(r: {
    id: string;
    reason: string;
    how: "injected" | "read";
    roleField: "executionRoleArn" | "taskRoleArn";
    noRole: string;
    consequence: (missing: string) => string;
}): Rule {
    return {
        id: r.id,
        reason: r.reason,
        check: (ctx) =>
            ofType(ctx, "aws:ecs/taskDefinition:TaskDefinition").flatMap((td): Finding[] => {
                const arns = taskSecrets(td, r.how);
                if (arns.length === 0) return [];
                const role = resolveRef(ctx, td.inputs[r.roleField], ROLE);
                if (role === undefined) return td.inputs[r.roleField] === undefined ? [{ resource: td, message: r.noRole }] : [];
                return missingReads(ctx, [role], arns).map((m) => ({ resource: td, message: r.consequence(m) }));
            }),
    };
}

export const SECRET_RULES: readonly Rule[] = [
    {
        id: "lambda-reads-its-secrets",
        reason: "A Lambda given a Secrets Manager ARN in its environment may GetSecretValue on it, and kms:Decrypt with the secret's key, through its role.",
        check: (ctx) => {
            const byKey = new Map(ctx.resources.map((r) => [key(r), r]));
            return ofType(ctx, "aws:lambda/function:Function").flatMap((fn): Finding[] => {
                const vars = (fn.inputs.environment as { variables?: Record<string, unknown> } | undefined)?.variables ?? {};
                const arns = Object.values(vars).filter(isSecretArn);
                if (arns.length === 0) return [];
                // The role its `role` ARN names; else the roles it depends on (an ARN a preview does not know yet).
                const named = resolveRef(ctx, fn.inputs.role, ROLE);
                const roles = named ? [named] : (fn.dependsOn ?? []).map((k) => byKey.get(k)).filter((r): r is PolicyResource => r?.type === ROLE);
                if (roles.length === 0) return [];
                return missingReads(ctx, roles, arns).map((m) => ({
                    resource: fn,
                    message: `its role may not ${m}: the function fails when it reads the secret`,
                }));
            });
        },
    },
    taskRule({
        id: "task-execution-role-reads-its-secrets",
        reason: "A task definition's execution role may GetSecretValue on every secret its containers inject, and kms:Decrypt with each secret's key.",
        how: "injected",
        roleField: "executionRoleArn",
        noRole: "its containers inject secrets but it has no executionRoleArn: ECS cannot read them",
        consequence: (m) => `its execution role may not ${m}: tasks stop with ResourceInitializationError`,
    }),
    taskRule({
        id: "task-role-reads-its-secrets",
        reason: "A container handed a Secrets Manager ARN in its environment may GetSecretValue on it, and kms:Decrypt with the secret's key, through the task role.",
        how: "read",
        roleField: "taskRoleArn",
        noRole: "its containers are handed secret ARNs to read but it has no taskRoleArn: they cannot read them",
        consequence: (m) => `its task role may not ${m}: the container cannot read the secret it is handed`,
    }),
];
