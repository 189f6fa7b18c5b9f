/**
 * Secret readers (policy/secrets.ts): every reader of every secret in both stacks is judged — taking
 * away a reader's GetSecretValue, or its kms:Decrypt on the platform key that encrypts every secret
 * (the RDS-managed one included), is reported once per secret it reads, on that reader only.
 */
import { strict as assert } from "node:assert";
import { resolveRef } from "../../policy/graph";
import { containersOf, type PolicyResource } from "../../policy/model";
import { evaluate } from "../../policy/rules";
import { SECRET_RULES } from "../../policy/secrets";
import { stackGraph } from "../harness";
import { editStatements } from "./secrets.breaks";

const isSecret = (v: unknown): v is string => typeof v === "string" && v.startsWith("arn:aws:secretsmanager:");

/** Each reader of secrets: the resource, its role, and how many distinct secrets it reads. */
function readers(resources: readonly PolicyResource[]): { reader: PolicyResource; role: PolicyResource; secrets: number }[] {
    const ctx = { environment: "prod" as const, resources };
    const role = (arn: unknown) => resolveRef(ctx, arn, "aws:iam/role:Role");
    return resources.flatMap((r) => {
        if (r.type === "aws:lambda/function:Function") {
            const n = Object.values((r.inputs.environment as { variables?: Record<string, unknown> } | undefined)?.variables ?? {}).filter(isSecret).length;
            const ro = role(r.inputs.role);
            return n > 0 && ro ? [{ reader: r, role: ro, secrets: n }] : [];
        }
        if (r.type === "aws:ecs/taskDefinition:TaskDefinition") {
            const containers = (containersOf(r) ?? []) as { secrets?: { valueFrom?: unknown }[]; environment?: { value?: unknown }[] }[];
            const distinct = (vs: unknown[]) => new Set(vs.filter(isSecret).map((v) => v.split(":").slice(0, 7).join(":"))).size;
            const injected = distinct(containers.flatMap((c) => (c.secrets ?? []).map((s) => s.valueFrom)));
            const read = distinct(containers.flatMap((c) => (c.environment ?? []).map((e) => e.value)));
            const execution = role(r.inputs.executionRoleArn);
            const task = role(r.inputs.taskRoleArn);
            return [
                ...(injected > 0 && execution ? [{ reader: r, role: execution, secrets: injected }] : []),
                ...(read > 0 && task ? [{ reader: r, role: task, secrets: read }] : []),
            ];
        }
        return [];
    });
}

describe("secret readers may read and decrypt what they read (GetSecretValue: secretsmanager:GetSecretValue + kms:Decrypt on a customer key)", () => {
    for (const stack of ["dev", "prod"] as const) {
        for (const [action, what] of [
            ["kms:Decrypt", "kms:Decrypt on arn:aws:kms"],
            ["secretsmanager:GetSecretValue", "secretsmanager:GetSecretValue on arn:aws:secretsmanager"],
        ] as const) {
            it(`${stack}: without ${action} on its role, each reader is reported once per secret it reads, and no other`, async () => {
                const g = await stackGraph(stack);
                const all = readers(g.resources);
                assert.ok(all.length >= (stack === "prod" ? 7 : 8), `readers found: ${all.map((r) => r.reader.name).join(", ")}`);
                assert.deepEqual(evaluate({ environment: stack, resources: g.resources }, SECRET_RULES), []);
                for (const { reader, role } of all) {
                    const copy = structuredClone(g.resources) as unknown as PolicyResource[];
                    const broken = copy.find((r) => r.type === role.type && r.name === role.name)!;
                    editStatements(broken.inputs as Record<string, unknown>, (s) => {
                        s.Action = [s.Action ?? []].flat().filter((a) => a !== action);
                    });
                    const found = evaluate({ environment: stack, resources: copy }, SECRET_RULES);
                    const sharing = all.filter((o) => o.role.name === role.name && o.role.type === role.type);
                    assert.equal(
                        found.length,
                        sharing.reduce((n, o) => n + o.secrets, 0),
                        `${reader.name} (role ${role.name}): ${JSON.stringify(found)}`,
                    );
                    assert.ok(
                        found.every((v) => v.message.includes(what) && sharing.some((o) => v.resource === `${o.reader.type}::${o.reader.name}`)),
                        JSON.stringify(found),
                    );
                }
            });
        }
    }

    it("a secret encrypted with another customer key needs kms:Decrypt on that key, not the platform key's", async () => {
        const g = await stackGraph("prod");
        const copy = structuredClone(g.resources) as unknown as PolicyResource[];
        copy.push({ type: "aws:kms/key:Key", name: "other-key", inputs: { description: "another key" } } as PolicyResource);
        const secret = copy.find((r) => r.type === "aws:secretsmanager/secret:Secret" && r.name === "alerting-pagerduty-routing-key")!;
        (secret.inputs as Record<string, unknown>).kmsKeyId = "arn:aws:kms:eu-west-1:123456789012:key/other-key";
        const found = evaluate({ environment: "prod", resources: copy }, SECRET_RULES);
        assert.deepEqual(found.map((v) => v.resource).sort(), [
            "aws:lambda/function:Function::alerting-notifier",
            "aws:lambda/function:Function::alerting-pagerduty",
        ]);
        assert.ok(found.every((v) => v.message.includes("kms:Decrypt on arn:aws:kms:eu-west-1:123456789012:key/other-key")));
    });

    it("a task definition that injects secrets without an execution role is reported", async () => {
        const g = await stackGraph("dev");
        const copy = structuredClone(g.resources) as unknown as PolicyResource[];
        const td = copy.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name === "web-task")!;
        delete (td.inputs as Record<string, unknown>).executionRoleArn;
        const found = evaluate({ environment: "dev", resources: copy }, SECRET_RULES);
        assert.deepEqual(
            found.map((v) => v.resource),
            ["aws:ecs/taskDefinition:TaskDefinition::web-task"],
        );
        assert.match(found[0]!.message, /no executionRoleArn/);
    });
});
