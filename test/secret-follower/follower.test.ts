/**
 * The secret follower in both stacks (its decisions and handler: functions/test/secret-follower.test.ts).
 */
import { strict as assert } from "node:assert";
import { validateSecretFollowerArgs } from "../../components/secret-follower";
import { stackGraph, parseJson } from "../harness";

const ACCOUNT = "123456789012";
describe("secret follower: arguments", () => {
    it("rejects bad arguments naming them", () => {
        assert.deepEqual(validateSecretFollowerArgs({ secretNamePrefix: "koronet-prod/*", schedule: "every 5 minutes" }), [
            '`secretNamePrefix` must be a secret name prefix without `/` or wildcards, got "koronet-prod/*"',
            '`schedule` must be an EventBridge rate() or cron() expression, got "every 5 minutes"',
        ]);
        assert.deepEqual(validateSecretFollowerArgs({ secretNamePrefix: "koronet-prod", schedule: "rate(5 minutes)" }), []);
    });
});

describe("secret follower: in the stacks", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: every 5 minutes, least privilege, KMS logs with retention, errors to the pipeline topic, nodejs24.x`, async () => {
            const g = await stackGraph(stack);
            const fn = g.one("aws:lambda/function:Function", "secret-follower-fn");
            assert.equal(fn.inputs.runtime, "nodejs24.x");
            assert.equal(fn.inputs.reservedConcurrentExecutions, undefined);
            assert.equal(
                (fn.inputs.environment as { variables: Record<string, string> }).variables.CLUSTER_ARN,
                `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/cluster-ecs`,
            );
            assert.equal(g.one("aws:cloudwatch/eventRule:EventRule", "secret-follower-schedule").inputs.scheduleExpression, "rate(5 minutes)");
            const permission = g.one("aws:lambda/permission:Permission", "secret-follower-from-schedule");
            assert.equal(permission.inputs.principal, "events.amazonaws.com");
            assert.match(String(permission.inputs.sourceArn), /^arn:aws:events:eu-west-1:\d+:rule\//);
            const logs = g.one("aws:cloudwatch/logGroup:LogGroup", "secret-follower-logs");
            assert.equal(typeof logs.inputs.kmsKeyId, "string");
            assert.ok(Number(logs.inputs.retentionInDays) > 0);
            const alarm = g.one("aws:cloudwatch/metricAlarm:MetricAlarm", "secret-follower-errors");
            assert.deepEqual(alarm.inputs.alarmActions, [`arn:aws:sns:eu-west-1:${ACCOUNT}:koronet-${stack}-alerting-pipeline`]);

            const policy = parseJson<{ Statement: { Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown }[] }>(
                (g.one("aws:iam/role:Role", "secret-follower-role").inputs.inlinePolicies as { policy: string }[])[0]!.policy,
            );
            const sid = (s: string) => policy.Statement.find((x) => x.Sid === s)!;
            assert.deepEqual(sid("ListServicesOfTheCluster").Condition, {
                ArnEquals: { "ecs:cluster": `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/cluster-ecs` },
            });
            assert.equal(sid("ServicesOfTheCluster").Resource, `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/cluster-ecs/*`);
            const secrets = [sid("SecretMetadata").Resource].flat();
            assert.equal(secrets[0], `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:koronet-${stack}/*`);
            if (stack === "prod")
                assert.ok(
                    secrets.some((s) => s.includes(":secret:rds!")),
                    "the RDS-managed master password secret",
                );
            assert.deepEqual(policy.Statement.flatMap((s) => [s.Action].flat()).sort(), [
                "ecs:DescribeServices",
                "ecs:DescribeTaskDefinition",
                "ecs:ListServices",
                "ecs:UpdateService",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "secretsmanager:DescribeSecret",
            ]);
        });
    }
});
