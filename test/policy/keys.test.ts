/**
 * Service principals and keys (policy/keys.ts): the key-policy evaluator, and every service
 * statement of the platform key shown necessary by removing it in turn.
 */
import { strict as assert } from "node:assert";
import { KEY_RULES, keyPolicyAllows } from "../../policy/keys";
import { evaluate } from "../../policy/rules";
import { stackGraph } from "../harness";
import { withoutStatement } from "./keys.breaks";
import { mutate, withResource } from "./mutate";

const GROUP = "aws:autoscaling/group:Group";

/** Topics named in some alarm's actions. */
function alarmTopics(g: Awaited<ReturnType<typeof stackGraph>>): string[] {
    const actions = new Set(
        [...g.ofType("aws:cloudwatch/metricAlarm:MetricAlarm"), ...g.ofType("aws:cloudwatch/compositeAlarm:CompositeAlarm")].flatMap((a) => [
            ...((a.inputs.alarmActions as string[] | undefined) ?? []),
            ...((a.inputs.okActions as string[] | undefined) ?? []),
        ]),
    );
    return g
        .ofType("aws:sns/topic:Topic")
        .filter((t) => actions.has(`arn:aws:sns:eu-west-1:123456789012:${String(t.inputs.name)}`))
        .map((t) => t.name);
}

describe("service principals and keys", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: removing each service statement of the platform key breaks exactly its users`, async () => {
            const g = await stackGraph(stack);
            const expected: Record<string, [string, number]> = {
                AccountAdministers: ["kms-account-delegation", 1],
                CloudWatchLogsEncrypt: ["kms-logs-principal", g.ofType("aws:cloudwatch/logGroup:LogGroup").length],
                // One per topic an alarm publishes to (Alertmanager's own topics have no alarm publishers).
                CloudWatchAlarmsPublishToEncryptedTopics: ["kms-alarm-topics-principal", alarmTopics(g).length],
                AutoScalingUsesKeyForEncryptedVolumes: ["kms-autoscaling-service-role", 1],
                AutoScalingAttachesPersistentResources: ["kms-autoscaling-service-role", 1],
            };
            const sids = (JSON.parse(String(g.one("aws:kms/key:Key").inputs.policy)) as { Statement: { Sid: string }[] }).Statement.map((s) => s.Sid);
            assert.deepEqual(sids.sort(), Object.keys(expected).sort(), "every statement of the key is accounted for");
            for (const [sid, [rule, count]] of Object.entries(expected)) {
                const v = evaluate({ environment: stack, resources: withoutStatement(g.resources, sid) }, KEY_RULES);
                assert.deepEqual([...new Set(v.map((x) => x.rule))], [rule], sid);
                assert.equal(v.length, count, `${sid}: one violation per user`);
            }
        });
    }

    it("[issue 11 #2] the default Auto Scaling role is the principal when a group names none, and the key does not name it", async () => {
        const g = await stackGraph("dev");
        const { resources } = mutate(g.resources, GROUP, (i) => {
            delete i.serviceLinkedRoleArn;
        });
        const v = evaluate({ environment: "dev", resources }, KEY_RULES);
        assert.equal(v.length, 1);
        assert.match(
            v[0]!.message,
            /role\/aws-service-role\/autoscaling\.amazonaws\.com\/AWSServiceRoleForAutoScaling may not kms:Encrypt, .*kms:CreateGrant$/,
        );
    });

    it("accepts a KMS grant to the service-linked role instead of key-policy statements", async () => {
        const g = await stackGraph("dev");
        const role = String(g.one(GROUP).inputs.serviceLinkedRoleArn);
        let resources = withoutStatement(withoutStatement(g.resources, "AutoScalingUsesKeyForEncryptedVolumes"), "AutoScalingAttachesPersistentResources");
        resources = withResource(resources, {
            type: "aws:kms/grant:Grant",
            name: "asg",
            inputs: {
                keyId: "arn:aws:kms:eu-west-1:123456789012:key/platform-key",
                granteePrincipal: role,
                operations: ["Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKeyWithoutPlaintext", "DescribeKey", "CreateGrant"],
            },
        }).resources;
        assert.deepEqual(evaluate({ environment: "dev", resources }, KEY_RULES), []);
    });

    it("a log-group statement scoped to another group's ARN does not cover an auto-named group", async () => {
        const g = await stackGraph("dev");
        const { resources } = mutate(g.resources, "aws:kms/key:Key", (i) => {
            i.policy = String(i.policy).replace("log-group:*", "log-group:/aws/lambda/koronet-dev-alerting-notifier");
        });
        const v = evaluate({ environment: "dev", resources }, KEY_RULES).filter((x) => x.rule === "kms-logs-principal");
        assert.ok(v.length >= 10, `${v.length}`);
        assert.ok(!v.some((x) => x.resource.endsWith("::alerting-notifier-logs")), "the named group stays covered");
    });

    describe("keyPolicyAllows", () => {
        const policy = (statement: object) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
        const svc = { principal: { service: "cloudwatch.amazonaws.com" }, action: "kms:GenerateDataKey", context: { "aws:SourceAccount": "111122223333" } };
        it("matches service principals, action wildcards and StringEquals conditions", () => {
            assert.equal(
                keyPolicyAllows(
                    policy({
                        Effect: "Allow",
                        Principal: { Service: "cloudwatch.amazonaws.com" },
                        Action: "kms:GenerateDataKey*",
                        Resource: "*",
                        Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } },
                    }),
                    svc,
                ),
                true,
            );
            assert.equal(
                keyPolicyAllows(
                    policy({
                        Effect: "Allow",
                        Principal: { Service: "cloudwatch.amazonaws.com" },
                        Action: "kms:GenerateDataKey*",
                        Resource: "*",
                        Condition: { StringEquals: { "aws:SourceAccount": "999999999999" } },
                    }),
                    svc,
                ),
                false,
            );
            assert.equal(
                keyPolicyAllows(policy({ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "kms:*", Resource: "*" }), svc),
                false,
            );
        });
        it("does not let an account-root statement stand for a service-linked role or a service", () => {
            const root = policy({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" });
            assert.equal(keyPolicyAllows(root, svc), false);
            assert.equal(
                keyPolicyAllows(root, {
                    principal: { arn: "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling" },
                    action: "kms:Encrypt",
                    context: {},
                }),
                false,
            );
            assert.equal(
                keyPolicyAllows(policy({ Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "kms:*", Resource: "*" }), {
                    principal: { arn: "arn:aws:iam::111122223333:root" },
                    action: "kms:Decrypt",
                    context: {},
                }),
                true,
            );
        });
        it("lets an explicit deny win, and counts no allow it cannot evaluate", () => {
            const doc = JSON.stringify({
                Statement: [
                    { Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" },
                    {
                        Effect: "Deny",
                        Principal: "*",
                        Action: "kms:GenerateDataKey",
                        Resource: "*",
                        Condition: { StringNotEquals: { "aws:SourceAccount": "111122223333" } },
                    },
                ],
            });
            assert.equal(keyPolicyAllows(doc, svc), true);
            assert.equal(keyPolicyAllows(doc, { ...svc, context: { "aws:SourceAccount": "444455556666" } }), false);
            assert.equal(
                keyPolicyAllows(
                    policy({ Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*", Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } }),
                    svc,
                ),
                false,
            );
        });
    });
});
