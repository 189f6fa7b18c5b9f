/** Broken graphs for the rules of policy/secrets.ts: one case per rule id (run by rules.test.ts). */
import { mutate, type Breaks } from "./mutate";

/** `inputs` of a role with `edit` applied to each statement of its inline policies. */
export function editStatements(inputs: Record<string, unknown>, edit: (s: { Sid?: string; Action?: string | string[]; Resource?: unknown }) => void): void {
    const policies = inputs.inlinePolicies as { policy: string }[];
    for (const p of policies) {
        const doc = JSON.parse(p.policy) as { Statement: { Sid?: string; Action?: string | string[]; Resource?: unknown }[] };
        doc.Statement.forEach(edit);
        p.policy = JSON.stringify(doc);
    }
}

export const SECRET_BREAKS: Breaks = {
    // The notifier reads the PagerDuty routing key (issue 15): its role lost the secret.
    "lambda-reads-its-secrets": {
        stack: "prod",
        breakIt: (r) => ({
            resources: mutate(
                r,
                "aws:iam/role:Role",
                (i) =>
                    editStatements(i, (s) => {
                        if (s.Sid === "ReadSecrets") s.Resource = (s.Resource as string[]).filter((a) => !a.includes("pagerduty-routing-key"));
                    }),
                "alerting-notifier-role",
            ).resources,
            target: "aws:lambda/function:Function::alerting-notifier",
        }),
    },
    // prod's postgres exporter injects the RDS-managed master secret, encrypted with the platform key
    // (masterUserSecretKmsKeyId): its execution role without kms:Decrypt cannot start a task.
    "task-execution-role-reads-its-secrets": {
        stack: "prod",
        breakIt: (r) => ({
            resources: mutate(
                r,
                "aws:iam/role:Role",
                (i) =>
                    editStatements(i, (s) => {
                        if (s.Sid === "DecryptSecrets") s.Action = [];
                    }),
                "monitoring-postgres-exporter-execution",
            ).resources,
            target: "aws:ecs/taskDefinition:TaskDefinition::monitoring-postgres-exporter-task",
        }),
    },
    // The web server reads the RDS-managed password itself (DATABASE_PASSWORD_FROM) with its task role.
    "task-role-reads-its-secrets": {
        stack: "prod",
        breakIt: (r) => ({
            resources: mutate(
                r,
                "aws:iam/role:Role",
                (i) =>
                    editStatements(i, (s) => {
                        s.Action = [s.Action ?? []].flat().filter((a) => a !== "secretsmanager:GetSecretValue");
                    }),
                "web-task-role",
            ).resources,
            target: "aws:ecs/taskDefinition:TaskDefinition::web-task",
        }),
    },
};
