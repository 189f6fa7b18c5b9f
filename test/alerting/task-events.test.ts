/**
 * Restarts where ECS reports them (issue 13, item 4): the EventBridge rule, the log group that can
 * receive its events, and the metric filters the ContainerRestarting alarms read — the filter
 * patterns run against real ECS task state change events (fixtures/ecs-task-events/).
 */
import { strict as assert } from "node:assert";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as aws from "@pulumi/aws";
import { TASK_EVENT_METRICS } from "../../components/alerting/catalog";
import { MAX_CONTAINERS_PER_TASK, taskEventFilters, taskStoppedEventPattern } from "../../components/alerting/task-events";
import { stackGraph, type Graph } from "../harness";
import { compileFilterPattern, dimensionValues, matchesFilterPattern } from "./logs-filter-pattern";

const FIXTURES = join(__dirname, "fixtures", "ecs-task-events");
const event = (file: string) => readFileSync(join(FIXTURES, file), "utf8");
const filter = (key: string) => {
    const f = taskEventFilters().find((x) => x.key === key);
    assert.ok(f, `no filter ${key}`);
    return f;
};

/** EventBridge pattern matching for what the rule uses: exact values listed per field, nested objects. */
function eventBridgeMatches(pattern: Record<string, unknown>, ev: Record<string, unknown>): boolean {
    return Object.entries(pattern).every(([k, want]) => {
        const have = ev[k];
        if (Array.isArray(want)) return want.includes(have);
        return typeof have === "object" && have !== null && eventBridgeMatches(want as Record<string, unknown>, have as Record<string, unknown>);
    });
}

describe("CloudWatch Logs JSON filter patterns: the evaluator the tests use", () => {
    // The documented examples (FilterAndPatternSyntax, "JSON Metric Filter Examples" and "Compound Conditions").
    const doc = JSON.stringify({
        eventType: "UpdateTrail",
        sourceIPAddress: "111.111.111.111",
        arrayKey: ["value", "another value"],
        objectList: [
            { name: "a", id: 1 },
            { name: "b", id: 2 },
        ],
        SomeObject: null,
        ThisFlag: true,
        user: { id: 1, email: "John.Stiles@example.com" },
        users: [
            { id: 2, email: "John.Doe@example.com" },
            { id: 3, email: "Jane.Doe@example.com" },
        ],
        actions: ["GET", "PUT", "DELETE"],
    });

    it("matches the documentation's examples as documented", () => {
        for (const p of [
            '{ $.eventType = "UpdateTrail" }',
            "{ $.sourceIPAddress != 123.123.* }",
            '{ $.arrayKey[0] = "value" }',
            "{ $.objectList[1].id = 2 }",
            "{ $.SomeObject IS NULL }",
            "{ $.SomeOtherObject NOT EXISTS }",
            "{ $.ThisFlag IS TRUE }",
            '{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }',
            '{ $.user.email = "John.Stiles@example.com" || $.actions[2] = nomatch && $.actions[0] = nomatch }',
            "{ $.eventType = *Trail }",
            "{ $.eventType = Update* }",
        ]) {
            assert.equal(matchesFilterPattern(p, doc), true, p);
        }
        for (const p of [
            '{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }',
            '{ ($.user.email = "John.Stiles@example.com" || $.actions[0] = nonmatch) && $.actions[2] = nomatch }',
            // A selector that reaches an array matches neither = nor != (JSON Special Considerations).
            "{ $.users = 1 }",
            "{ $.users != 1 }",
            "{ $.eventType = Update }",
        ]) {
            assert.equal(matchesFilterPattern(p, doc), false, p);
        }
    });

    it("refuses syntax it does not implement rather than guessing", () => {
        assert.throws(() => compileFilterPattern("{ $.a = 1"), /expected rbrace/);
        assert.throws(() => compileFilterPattern("{ $.a IS MISSING }"), /unsupported "IS MISSING"/);
        assert.throws(() => compileFilterPattern("{ $.a > abc }"), /needs a number/);
    });
});

describe("ECS task state change events → Koronet/ECS metrics", () => {
    it("sends only the cluster's STOPPED task events to the log group", () => {
        const arn = "arn:aws:ecs:ap-northeast-2:111122223333:cluster/sin-web_cluster-dev";
        const pattern = taskStoppedEventPattern(arn);
        assert.equal(eventBridgeMatches(pattern, JSON.parse(event("stopped-elb-health-checks.json"))), true);
        assert.equal(eventBridgeMatches(pattern, JSON.parse(event("running-docs-example.json"))), false);
        assert.equal(
            eventBridgeMatches(
                taskStoppedEventPattern("arn:aws:ecs:eu-west-1:111122223333:cluster/other"),
                JSON.parse(event("stopped-elb-health-checks.json")),
            ),
            false,
        );
    });

    it("counts every stopped task by service group and stop code", () => {
        const f = filter("stopped");
        assert.equal(f.metricName, TASK_EVENT_METRICS.stopped);
        for (const file of ["stopped-elb-health-checks.json", "stopped-oom-killed.json", "stopped-deployment.json", "stopped-failed-to-start.json"]) {
            assert.equal(matchesFilterPattern(f.pattern, event(file)), true, file);
        }
        assert.equal(matchesFilterPattern(f.pattern, event("running-docs-example.json")), false);
        assert.deepEqual(dimensionValues(f.dimensions, event("stopped-elb-health-checks.json")), {
            Group: "service:sin-web_service-dev",
            StopCode: "ServiceSchedulerInitiated",
        });
    });

    it("counts a crash (essential container exited, failed to start, failed health checks) but not a deployment's replacement", () => {
        const f = filter("crashed");
        const verdict = Object.fromEntries(
            [
                "stopped-elb-health-checks.json",
                "stopped-oom-killed.json",
                "stopped-failed-to-start.json",
                "stopped-deployment.json",
                "running-docs-example.json",
            ].map((file) => [file, matchesFilterPattern(f.pattern, event(file))]),
        );
        assert.deepEqual(verdict, {
            "stopped-elb-health-checks.json": true,
            "stopped-oom-killed.json": true,
            "stopped-failed-to-start.json": true,
            "stopped-deployment.json": false,
            "running-docs-example.json": false,
        });
        assert.deepEqual(dimensionValues(f.dimensions, event("stopped-oom-killed.json")), { Group: "service:web-svc" });
    });

    it("counts an OOM kill in any container slot, and nothing else", () => {
        const f = filter("oom-killed");
        assert.equal(matchesFilterPattern(f.pattern, event("stopped-oom-killed.json")), true, "OOM reason in slot 1");
        for (const file of ["stopped-elb-health-checks.json", "stopped-deployment.json", "stopped-failed-to-start.json"])
            assert.equal(matchesFilterPattern(f.pattern, event(file)), false, file);
    });

    it("every fixture file is exercised", () => {
        assert.deepEqual(
            readdirSync(FIXTURES)
                .filter((f) => f.endsWith(".json"))
                .sort(),
            [
                "running-docs-example.json",
                "stopped-deployment.json",
                "stopped-elb-health-checks.json",
                "stopped-failed-to-start.json",
                "stopped-oom-killed.json",
            ],
        );
    });

    for (const stack of ["dev", "prod"]) {
        describe(`${stack}: the delivery path in the plan`, () => {
            let g: Graph;
            before(async function () {
                this.timeout(120_000);
                g = await stackGraph(stack);
            });

            it("routes the cluster's stopped tasks to an /aws/events/ log group EventBridge may write to (resource policy for its principals, from this rule only)", () => {
                const rule = g.one(aws.cloudwatch.EventRule, "alerting-task-events-stopped-rule");
                const pattern = JSON.parse(String(rule.inputs.eventPattern)) as { detail: { clusterArn: string[] } };
                const [clusterArn] = pattern.detail.clusterArn;
                assert.match(clusterArn ?? "", /^arn:aws:ecs:[a-z0-9-]+:\d{12}:cluster\/cluster-ecs/, "the stack's own cluster");
                assert.deepEqual(pattern, taskStoppedEventPattern(clusterArn as string));
                const group = g.ofType(aws.cloudwatch.LogGroup).find((l) => String(l.inputs.name).startsWith("/aws/events/"));
                assert.ok(group, "no /aws/events/ log group");
                assert.equal(String(group.inputs.name), `/aws/events/koronet-${stack}/ecs-tasks`);
                assert.ok(group.inputs.kmsKeyId, "encrypted with the stack's key");
                const target = g.one(aws.cloudwatch.EventTarget, "alerting-task-events-to-logs");
                assert.equal(target.inputs.roleArn, undefined, "CloudWatch Logs targets take no role");
                assert.ok(
                    target.dependsOn.includes(`aws:cloudwatch/logResourcePolicy:LogResourcePolicy::${g.one(aws.cloudwatch.LogResourcePolicy).name}`),
                    "the target waits for the policy",
                );
                const policy = g.one(aws.cloudwatch.LogResourcePolicy);
                assert.equal(policy.inputs.policyName, undefined, "scoped to the log group, not one of the account's 10 policies");
                const doc = JSON.parse(String(policy.inputs.policyDocument)) as {
                    Statement: Array<{ Principal: { Service: string[] }; Action: string[]; Condition: Record<string, Record<string, string>> }>;
                };
                const [st] = doc.Statement;
                assert.ok(st);
                assert.deepEqual([...st.Principal.Service].sort(), ["delivery.logs.amazonaws.com", "events.amazonaws.com"]);
                assert.deepEqual([...st.Action].sort(), ["logs:CreateLogStream", "logs:PutLogEvents"]);
                assert.ok(st.Condition.ArnEquals?.["aws:SourceArn"], "only this rule may deliver");
            });

            it("creates the metric filters the ContainerRestarting alarms read, on that log group", () => {
                const filters = g.ofType(aws.cloudwatch.LogMetricFilter);
                assert.deepEqual(
                    filters.map((f) => String((f.inputs.metricTransformation as { name: string }).name)).sort(),
                    [TASK_EVENT_METRICS.crashed, TASK_EVENT_METRICS.oomKilled, TASK_EVENT_METRICS.stopped].sort(),
                );
                for (const f of filters) {
                    const t = f.inputs.metricTransformation as { namespace: string; value: string; dimensions: Record<string, string> };
                    assert.equal(t.namespace, TASK_EVENT_METRICS.namespace);
                    assert.equal(t.value, "1");
                    assert.equal(t.dimensions[TASK_EVENT_METRICS.groupDimension], "$.detail.group");
                    assert.equal(String(f.inputs.logGroupName), `/aws/events/koronet-${stack}/ecs-tasks`);
                    assert.ok(
                        taskEventFilters().some((x) => x.pattern === f.inputs.pattern),
                        "the pattern tested above",
                    );
                }
            });

            it(`has no task with more containers than the OOM filter's ${MAX_CONTAINERS_PER_TASK} slots`, () => {
                for (const td of g.ofType(aws.ecs.TaskDefinition)) assert.ok(g.containers(td).length <= MAX_CONTAINERS_PER_TASK, td.name);
            });

            it("watches every ECS service of the stack for crash loops, by its task events' group", () => {
                const services = g.ofType(aws.ecs.Service).map((s) => String(s.inputs.name ?? s.name));
                const alarms = g.ofType(aws.cloudwatch.MetricAlarm).filter((a) => a.inputs.metricName === TASK_EVENT_METRICS.crashed);
                assert.equal(alarms.length, services.length, `alarms ${alarms.map((a) => a.inputs.name).join(", ")} for services ${services.join(", ")}`);
                for (const a of alarms) assert.match(String((a.inputs.dimensions as Record<string, string>)[TASK_EVENT_METRICS.groupDimension]), /^service:/);
            });
        });
    }
});
