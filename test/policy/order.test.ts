import { strict as assert } from "node:assert";
import type { PolicyResource } from "../../policy/model";
import { alarmsInRule, namedAs, ORDER_RULES, secretNameOf, WaitGraph } from "../../policy/order";
import { fromPack } from "../../policy/pack/resources";
import { evaluate } from "../../policy/rules";
import { stackGraph } from "../harness";
import { without } from "./order.breaks";

const SERVICE = "aws:ecs/service:Service";
const ASSOCIATION = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders";
const MOUNT_TARGET = "aws:efs/mountTarget:MountTarget";

/** A resource; `dependsOn: null` leaves it unknown. */
const r = (type: string, name: string, inputs: Record<string, unknown> = {}, dependsOn: readonly string[] | null = []): PolicyResource => ({
    type,
    name,
    inputs,
    ...(dependsOn ? { dependsOn } : {}),
});
const k = (x: PolicyResource) => `${x.type}::${x.name}`;
/** Violations of one rule, as `resource: message`. */
function report(rule: string, resources: readonly PolicyResource[], environment: "dev" | "prod" = "dev"): string[] {
    return evaluate(
        { environment, resources },
        ORDER_RULES.filter((x) => x.id === rule),
    ).map((v) => `${v.resource}: ${v.message}`);
}

describe("creation order (policy/order.ts)", function () {
    this.timeout(60_000);

    describe("the wait graph", () => {
        const c = r("t:x:C", "c");
        const b = r("t:x:B", "b", {}, [k(c)]);
        const a = r("t:x:A", "a", {}, [k(b)]);

        it("is transitive: A waits for B and B for C means A waits for C", () => {
            const w = new WaitGraph([a, b, c]).waitsFor(a);
            assert.deepEqual([...(w?.keys ?? [])].sort(), [k(b), k(c)]);
            assert.equal(w?.complete, true);
        });

        it("is unknown for a resource without dependsOn, and incomplete through one", () => {
            const unknownB = r("t:x:B", "b", {}, null);
            assert.equal(new WaitGraph([a, unknownB, c]).waitsFor(unknownB), undefined);
            assert.equal(new WaitGraph([a, unknownB, c]).waitsFor(a)?.complete, false);
        });

        it("survives a cycle and a name outside the graph (a hand-edited plan)", () => {
            const x = r("t:x:X", "x", {}, ["t:x:Y::y", "t:x:Gone::gone"]);
            const y = r("t:x:Y", "y", {}, ["t:x:X::x"]);
            assert.deepEqual([...(new WaitGraph([x, y]).waitsFor(x)?.keys ?? [])].sort(), ["t:x:Gone::gone", "t:x:Y::y"]);
        });
    });

    describe("the real graphs", () => {
        for (const stack of ["dev", "prod"] as const) {
            // [defect 3] services were created as soon as their task definitions existed, minutes before
            // the association: CreateService failed for FARGATE and the EC2 provider.
            it(`${stack}: every service placed by capacity providers waits directly for the cluster's association [defect 3]`, async () => {
                const g = await stackGraph(stack);
                const association = g.one(ASSOCIATION);
                const placed = g.ofType(SERVICE).filter((s) => s.inputs.launchType === undefined);
                assert.ok(placed.length >= 5);
                for (const s of placed) {
                    assert.ok(Array.isArray(s.inputs.capacityProviderStrategies), `${s.name} has a strategy`);
                    assert.ok(s.dependsOn.includes(k(association)), `${s.name} waits for ${association.name}`);
                }
            });

            it(`${stack}: DAEMON services use the EC2 launch type, which needs no association, and are not held back by it`, async () => {
                const g = await stackGraph(stack);
                const daemons = g.ofType(SERVICE).filter((s) => s.inputs.schedulingStrategy === "DAEMON");
                assert.deepEqual(daemons.map((s) => s.name).sort(), ["monitoring-cadvisor-svc", "monitoring-node-exporter-svc"]);
                for (const s of daemons) {
                    assert.equal(s.inputs.launchType, "EC2");
                    assert.equal(s.inputs.capacityProviderStrategies, undefined);
                    assert.ok(!s.dependsOn.some((d) => d.startsWith(`${ASSOCIATION}::`)), s.name);
                }
            });
        }

        // [defect 14] the PostgreSQL service could start its task before the mount target of its AZ existed.
        it("dev: PostgreSQL's service waits for every mount target of its data file system [defect 14]", async () => {
            const g = await stackGraph("dev");
            const targets = g.ofType(MOUNT_TARGET);
            assert.equal(targets.length, 2, "one per private subnet");
            const pg = g.one(SERVICE, "data-postgres-svc");
            for (const mt of targets) assert.ok(pg.dependsOn.includes(k(mt)), mt.name);
        });

        it("dev: every injected secret reaches its service through its version (the service waits for the value)", async () => {
            const g = await stackGraph("dev");
            for (const name of [
                "web-svc",
                "data-postgres-svc",
                "data-redis-svc",
                "monitoring-grafana-svc",
                "monitoring-postgres-exporter-svc",
                "alerting-alertmanager-svc",
            ]) {
                const svc = g.one(SERVICE, name);
                const td = g.taskDefinitionOf(svc);
                const waitsForVersion = (r: { dependsOn: readonly string[] }) =>
                    r.dependsOn.some((d) => d.startsWith("aws:secretsmanager/secretVersion:SecretVersion::"));
                assert.ok(waitsForVersion(td) || waitsForVersion(svc), `${name} (or its task definition) waits for a secret version`);
            }
            assert.deepEqual(report("ecs-service-secrets-have-values", g.resources), []);
        });

        it("prod: the postgres exporter's RDS-managed master secret (with its JSON key) counts as having a value", async () => {
            const g = await stackGraph("prod");
            const exporter = g.taskDefinitionOf(g.one(SERVICE, "monitoring-postgres-exporter-svc"));
            const secrets = g
                .containers(exporter)
                .flatMap((c) => (c as { secrets?: { valueFrom: string }[] }).secrets ?? [])
                .map((s) => s.valueFrom);
            assert.ok(
                secrets.some((s) => /:secret:rds!db-.*:password::$/.test(s)),
                secrets.join(", "),
            );
            assert.deepEqual(
                report("ecs-service-secrets-have-values", g.resources, "prod").filter((v) => v.includes("postgres-exporter")),
                [],
            );
        });

        it("[defect 12] prod: the PagerDuty routing key, filled later, has its placeholder version, so Alertmanager can start", async () => {
            const g = await stackGraph("prod");
            assert.deepEqual(report("ecs-service-secrets-have-values", g.resources, "prod"), []);
        });

        it("says nothing at all when no resource has dependsOn (a CrossGuard run that cannot tell)", async () => {
            const g = await stackGraph("dev");
            const blind = g.resources.map(({ type, name, inputs }) => ({ type, name, inputs }));
            assert.deepEqual(evaluate({ environment: "dev", resources: blind }, ORDER_RULES), []);
        });
    });

    describe("capacity providers", () => {
        it("names a provider no association lists (the EC2 provider left out of the association)", async () => {
            const g = await stackGraph("dev");
            const edited = g.resources.map((x) =>
                x.type === ASSOCIATION ? { ...x, inputs: { ...x.inputs, capacityProviders: ["FARGATE", "FARGATE_SPOT"] } } : x,
            );
            assert.deepEqual(
                report("ecs-service-waits-for-capacity-providers", edited).filter((v) => v.includes("prometheus")),
                [
                    "aws:ecs/service:Service::monitoring-prometheus-svc: the capacity-provider association listing cluster-ec2: no aws:ecs/clusterCapacityProviders in the stack associates cluster-ec2 with the service's cluster; " +
                        "CreateService fails for a capacity provider not yet associated with the cluster",
                ],
            );
        });

        it("holds a service without strategy or launch type to the association that sets the default strategy", () => {
            const cluster = r("aws:ecs/cluster:Cluster", "c");
            const assoc = r(
                ASSOCIATION,
                "a",
                { clusterName: "c", capacityProviders: ["FARGATE"], defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE" }] },
                [k(cluster)],
            );
            const svc = r(SERVICE, "s", { cluster: "arn:aws:ecs:eu-west-1:1:cluster/c" }, [k(cluster)]);
            assert.equal(report("ecs-service-waits-for-capacity-providers", [cluster, assoc, svc]).length, 1);
            assert.deepEqual(report("ecs-service-waits-for-capacity-providers", [cluster, assoc, { ...svc, dependsOn: [k(cluster), k(assoc)] }]), []);
        });

        it("leaves a cluster made elsewhere to whoever made it, and another cluster's association out", () => {
            const svc = r(SERVICE, "s", { cluster: "arn:aws:ecs:eu-west-1:1:cluster/shared", capacityProviderStrategies: [{ capacityProvider: "FARGATE" }] });
            const other = r(ASSOCIATION, "other", { clusterName: "mine", capacityProviders: ["FARGATE"] });
            assert.deepEqual(report("ecs-service-waits-for-capacity-providers", [svc, other]), []);
        });
    });

    describe("load balancers", () => {
        const tg = r("aws:lb/targetGroup:TargetGroup", "tg");
        const svc = (deps: string[]) => r(SERVICE, "s", { launchType: "FARGATE", loadBalancers: [{ targetGroupArn: "arn:tg" }] }, [k(tg), ...deps]);

        it("accepts a listener rule with a weighted forward to the target group, waited for through the rule", () => {
            const listener = r("aws:lb/listener:Listener", "l", { defaultActions: [{ type: "fixed-response" }] });
            const rule = r(
                "aws:lb/listenerRule:ListenerRule",
                "rule",
                { listenerArn: "arn:l", actions: [{ type: "forward", forward: { targetGroups: [{ arn: "arn:tg", weight: 1 }] } }] },
                [k(listener)],
            );
            assert.deepEqual(report("ecs-service-waits-for-listener", [tg, listener, rule, svc([k(rule)])]), []);
            assert.deepEqual(report("ecs-service-waits-for-listener", [tg, listener, rule, svc([k(listener)])]), [
                "aws:ecs/service:Service::s: does not wait for a listener or listener rule forwarding to arn:tg (aws:lb/listenerRule:ListenerRule::rule); CreateService fails while the target group has no associated load balancer",
            ]);
        });

        it("reports a target group made here that nothing forwards to, and not one made elsewhere", () => {
            assert.equal(report("ecs-service-waits-for-listener", [tg, svc([])]).length, 1);
            assert.deepEqual(report("ecs-service-waits-for-listener", [{ ...svc([]), dependsOn: [] }]), []);
        });
    });

    describe("EFS", () => {
        it("requires the mount targets of the mounted file system only, and reports a file system without any", async () => {
            const g = await stackGraph("dev");
            const extra = r(MOUNT_TARGET, "other-fs-0", { fileSystemId: "fs-other" });
            assert.deepEqual(report("ecs-service-waits-for-efs-mount-targets", [...g.resources, extra]), []);
            const bare = without(without(g.resources, MOUNT_TARGET, "data-pgdata-0", ["", ""]).resources, MOUNT_TARGET, "data-pgdata-1", ["", ""]).resources;
            assert.deepEqual(report("ecs-service-waits-for-efs-mount-targets", bare), [
                "aws:ecs/service:Service::data-postgres-svc: a mount target of volume pgdata (data-pgdata-id): the file system has no aws:efs/mountTarget in the stack; " +
                    "a task placed in an Availability Zone without its mount target cannot mount the volume and stops",
            ]);
        });
    });

    describe("SNS to Lambda", () => {
        const fn = r("aws:lambda/function:Function", "f", { name: "notifier" });
        const topic = r("aws:sns/topic:Topic", "t");
        const sub = (deps: string[]) =>
            r(
                "aws:sns/topicSubscription:TopicSubscription",
                "sub",
                { protocol: "lambda", topic: "arn:aws:sns:eu-west-1:1:alerts", endpoint: "arn:aws:lambda:eu-west-1:1:function:notifier" },
                [k(fn), k(topic), ...deps],
            );
        const perm = (name: string, inputs: Record<string, unknown>) =>
            r("aws:lambda/permission:Permission", name, { action: "lambda:InvokeFunction", principal: "sns.amazonaws.com", function: "notifier", ...inputs }, [
                k(fn),
            ]);

        it("does not count a permission for another topic, counts one for any topic", () => {
            const wrongTopic = perm("p-other", { sourceArn: "arn:aws:sns:eu-west-1:1:other" });
            assert.match(
                report("sns-lambda-subscription-waits-for-permission", [fn, topic, wrongTopic, sub([k(wrongTopic)])])[0] ?? "",
                /no aws:lambda\/permission in the stack lets this topic invoke the function/,
            );
            const anyTopic = perm("p-any", {});
            assert.deepEqual(report("sns-lambda-subscription-waits-for-permission", [fn, topic, anyTopic, sub([k(anyTopic)])]), []);
        });

        it("leaves a function made elsewhere alone", () => {
            assert.deepEqual(report("sns-lambda-subscription-waits-for-permission", [topic, { ...sub([]), dependsOn: [k(topic)] }]), []);
        });
    });

    describe("composite alarms", () => {
        it("reads every alarm a rule names: quoted, bare, ARNs, AT_LEAST lists", () => {
            assert.deepEqual(
                alarmsInRule(
                    `ALARM("a b") OR (OK(c) AND NOT INSUFFICIENT_DATA('d')) OR ALARM("arn:aws:cloudwatch:eu-west-1:1:alarm:e") OR AT_LEAST(2, ALARM, ("f", g))`,
                ),
                ["a b", "c", "d", "arn:aws:cloudwatch:eu-west-1:1:alarm:e", "f", "g"],
            );
            assert.deepEqual(alarmsInRule("TRUE"), []);
        });

        it("holds the actions suppressor to the same rule, by ARN too, and ignores alarms the stack does not make", () => {
            const sup = r("aws:cloudwatch/compositeAlarm:CompositeAlarm", "sup", { alarmName: "p-Sup", alarmRule: "ALARM(external-alarm)" });
            const m = r("aws:cloudwatch/metricAlarm:MetricAlarm", "m", { name: "p-M" });
            const comp = r(
                "aws:cloudwatch/compositeAlarm:CompositeAlarm",
                "comp",
                { alarmName: "p-C", alarmRule: `ALARM("arn:aws:cloudwatch:eu-west-1:1:alarm:p-M")`, actionsSuppressor: { alarm: "p-Sup" } },
                [k(m)],
            );
            assert.deepEqual(report("composite-alarm-waits-for-its-alarms", [sup, m, comp]), [
                "aws:cloudwatch/compositeAlarm:CompositeAlarm::comp: does not wait for alarm p-Sup (aws:cloudwatch/compositeAlarm:CompositeAlarm::sup); PutCompositeAlarm rejects a rule naming an alarm that does not exist yet",
            ]);
        });
    });

    describe("secrets", () => {
        it("reads the secret a valueFrom names, JSON-key and version suffixes stripped", () => {
            assert.deepEqual(secretNameOf("arn:aws:secretsmanager:eu-west-1:1:secret:koronet-dev/postgres-password-AbCdEf"), {
                name: "koronet-dev/postgres-password",
                suffixed: true,
            });
            assert.deepEqual(secretNameOf("arn:aws:secretsmanager:eu-west-1:1:secret:rds!db-123-AbCdEf:password::"), { name: "rds!db-123", suffixed: true });
            assert.equal(secretNameOf("arn:aws:ssm:eu-west-1:1:parameter/x"), undefined);
            assert.equal(secretNameOf("[secret]"), undefined);
        });

        it("leaves a secret the stack does not create alone", () => {
            const td = r("aws:ecs/taskDefinition:TaskDefinition", "td", {
                containerDefinitions: JSON.stringify([
                    { name: "c", secrets: [{ name: "X", valueFrom: "arn:aws:secretsmanager:eu-west-1:1:secret:made-elsewhere-AbCdEf" }] },
                ]),
            });
            assert.deepEqual(report("ecs-service-secrets-have-values", [td, r(SERVICE, "s", { launchType: "FARGATE" }, [k(td)])]), []);
        });

        it("matches Pulumi auto-names: the logical name, with seven random characters in a real deployment", () => {
            const s = r("aws:secretsmanager/secret:Secret", "db-pass");
            assert.ok(namedAs(s, "name", "db-pass"));
            assert.ok(namedAs(s, "name", "db-pass-1a2b3c4"));
            assert.ok(!namedAs(s, "name", "db-pass-other"));
            assert.ok(namedAs(r("x:y:Z", "n", { namePrefix: "app/" }), "name", "app/n-123"));
            assert.ok(!namedAs(r("x:y:Z", "n", { name: "set" }), "name", "n"));
        });
    });

    describe("log groups", () => {
        it("holds a function without loggingConfig to its default /aws/lambda/<name> group when the stack makes it", () => {
            const lg = r("aws:cloudwatch/logGroup:LogGroup", "lg", { name: "/aws/lambda/fn" });
            const fn = r("aws:lambda/function:Function", "f", { name: "fn" });
            assert.equal(report("lambda-waits-for-its-log-group", [lg, fn]).length, 1);
            assert.deepEqual(report("lambda-waits-for-its-log-group", [lg, { ...fn, dependsOn: [k(lg)] }]), []);
            assert.deepEqual(
                report("lambda-waits-for-its-log-group", [{ ...fn, inputs: { name: "fn", loggingConfig: { logGroup: "/shared/elsewhere" } } }]),
                [],
            );
        });

        it("does not hold a container that lets awslogs create its group", () => {
            const lg = r("aws:cloudwatch/logGroup:LogGroup", "web-logs");
            const td = (create: string) =>
                r("aws:ecs/taskDefinition:TaskDefinition", "td", {
                    containerDefinitions: JSON.stringify([
                        { name: "c", logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "web-logs", "awslogs-create-group": create } } },
                    ]),
                });
            const svc = r(SERVICE, "s", { launchType: "FARGATE" }, ["aws:ecs/taskDefinition:TaskDefinition::td"]);
            assert.equal(report("ecs-service-waits-for-log-groups", [lg, td("false"), svc]).length, 1);
            assert.deepEqual(report("ecs-service-waits-for-log-groups", [lg, td("true"), svc]), []);
        });
    });

    it("CrossGuard: the pack hands rules each resource's engine dependencies as sorted, unique type::name", () => {
        const dep = (type: string, name: string) => ({ type, name }) as never;
        const [withDeps, without_] = fromPack([
            { type: "aws:ecs/service:Service", name: "s", props: {}, dependencies: [dep("b:x:B", "b"), dep("a:x:A", "a"), dep("b:x:B", "b")] },
            { type: "aws:ecs/service:Service", name: "t", props: {}, dependencies: undefined as never },
        ]);
        assert.deepEqual(withDeps?.dependsOn, ["a:x:A::a", "b:x:B::b"]);
        assert.equal(without_?.dependsOn, undefined);
    });
});
