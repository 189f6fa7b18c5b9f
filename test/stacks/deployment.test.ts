/**
 * Deployment safety in the plan: a rollout that raises the web service's 5xx or latency alarm is
 * rolled back by ECS (deployment alarms), the alarms are the same resources that notify, they exist
 * before the service, and the stack exports what `npm run verify` compares with what ECS runs.
 */
import { strict as assert } from "node:assert";
import * as aws from "@pulumi/aws";
import { DEPLOYMENT_ALARM_ALERTS, livenessProbes } from "../../components/alerting/deployment-alarms";
import { graphWith, stackGraph, type Graph } from "../harness";

const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;
const METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm";

for (const stack of ["dev", "prod"]) {
    describe(`deployment safety: ${stack}`, function () {
        this.timeout(120_000);
        let g: Graph;
        before(async () => {
            g = await stackGraph(stack);
        });

        it("[F5] the web service fails and rolls back a rollout that raises its 5xx or latency alarm (ECS deployment alarms)", () => {
            const web = g.one(aws.ecs.Service, "web-svc").inputs;
            assert.deepEqual(web.alarms, { alarmNames: [`koronet-${stack}-HighErrorRate`, `koronet-${stack}-HighResponseTime`], enable: true, rollback: true });
            assert.deepEqual(web.deploymentCircuitBreaker, { enable: true, rollback: true }, "the circuit breaker still judges tasks that never start");
            assert.equal(web.deploymentController, undefined, "rolling update (the ECS controller): the only one deployment alarms support");
        });

        it("uses the alarms that notify, not copies: one metric alarm per name, on the web target group's metrics, still routed through its wrapper composite", () => {
            const names = g.one(aws.ecs.Service, "web-svc").inputs.alarms as { alarmNames: string[] };
            for (const name of names.alarmNames) {
                const alarms = g.ofType(METRIC_ALARM).filter((a) => a.inputs.name === name);
                assert.equal(alarms.length, 1, `${name}: exactly one metric alarm`);
                const a = alarms[0]!.inputs;
                const metrics = [
                    a.namespace,
                    ...((a.metricQueries as { metric?: { namespace?: string } }[] | undefined) ?? []).map((q) => q.metric?.namespace),
                ].filter(Boolean);
                assert.ok(
                    metrics.length > 0 && metrics.every((ns) => ns === "AWS/ApplicationELB"),
                    `${name} reads the load balancer's metrics (${metrics.join(", ")})`,
                );
                assert.ok(DEPLOYMENT_ALARM_ALERTS.includes((a.tags as Record<string, string>).AlertId as never), `${name} is a deployment alert`);
                const wrapper = g
                    .ofType(COMPOSITE)
                    .find((c) => String(c.inputs.alarmRule).includes(`"${name}"`) && (c.inputs.alarmActions as unknown[]).length > 0);
                assert.ok(wrapper, `${name} still notifies through a composite with actions`);
            }
        });

        it("creates the deployment alarms before the web service (it waits for them), and keeps the service and its front under MonitoredService web (the task definition and service in its EcsService)", () => {
            const web = g.one(aws.ecs.Service, "web-svc");
            const alarms = g.ofType(METRIC_ALARM).filter((a) => (web.inputs.alarms as { alarmNames: string[] }).alarmNames.includes(String(a.inputs.name)));
            for (const a of alarms) assert.ok(web.dependsOn?.includes(key(a)), `web-svc waits for ${a.name}`);
            // Their URNs as deployed stay theirs through aliases: test/delivery/identity.test.ts.
            for (const [type, name] of [
                [aws.lb.LoadBalancer, "web-alb"],
                [aws.lb.TargetGroup, "web-targets"],
                [aws.appautoscaling.Target, "web-scaling"],
            ] as const) {
                assert.equal(g.one(type, name).parent, "koronet:service:MonitoredService::web", `${name} keeps its parent`);
            }
            assert.equal(
                g.one("koronet:common:EcsService", "web").parent,
                "koronet:service:MonitoredService::web",
                "the web server's EcsService is MonitoredService web's",
            );
            for (const [type, name] of [
                [aws.ecs.Service, "web-svc"],
                [aws.ecs.TaskDefinition, "web-task"],
            ] as const) {
                assert.equal(g.one(type, name).parent, "koronet:common:EcsService::web", `${name} is in the web server's EcsService`);
            }
            assert.equal(web.inputs.name, "web-svc", "the physical name the alarms' ServiceName dimension names");
        });

        // A new alarm starts in INSUFFICIENT_DATA and, with missing data breaching, goes to ALARM on a
        // window without data, which runs its actions (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html).
        it("creates the alarms that treat missing data as breaching only after the services that feed them run: the Watchdog heartbeat after Prometheus and Alertmanager, each task-count alarm after its service (a first deploy does not page)", () => {
            const heartbeat = g.one(METRIC_ALARM, "alerting-watchdog-heartbeat");
            assert.equal(heartbeat.inputs.treatMissingData, "breaching");
            for (const svc of ["monitoring-prometheus-svc", "alerting-alertmanager-svc"]) {
                assert.ok(heartbeat.dependsOn?.includes(key(g.one(aws.ecs.Service, svc))), `the heartbeat alarm waits for ${svc}`);
                assert.equal(g.one(aws.ecs.Service, svc).inputs.waitForSteadyState, true, `${svc} is created only once it runs its desired count`);
            }
            for (const [alarm, svc] of [
                ["alerting-prometheus-tasks", "monitoring-prometheus-svc"],
                ["alerting-alertmanager-tasks", "alerting-alertmanager-svc"],
            ] as const) {
                assert.ok(
                    g.one(METRIC_ALARM, alarm).dependsOn?.includes(key(g.one(aws.ecs.Service, svc))),
                    `${alarm} waits for ${svc} (its ServiceName dimension)`,
                );
            }
        });

        it("gives no other service deployment alarms", () => {
            const others = g.ofType(aws.ecs.Service).filter((s) => s.name !== "web-svc" && s.inputs.alarms !== undefined);
            assert.deepEqual(
                others.map((s) => s.name),
                [],
            );
        });

        it("exports each ECS service's deployed task definition, for verify to compare with the PRIMARY deployment", () => {
            const v = g.outputs.verification as { ecsServices: Record<string, { serviceName: string; taskDefinitionArn: string }> };
            const services = g.ofType(aws.ecs.Service);
            assert.equal(Object.keys(v.ecsServices).length, services.length);
            for (const s of services) {
                const entry = Object.values(v.ecsServices).find((e) => e.taskDefinitionArn === s.inputs.taskDefinition);
                assert.ok(entry, `${s.name}'s task definition is exported`);
                assert.equal(entry.serviceName, String(s.inputs.name ?? s.name));
            }
        });

        it("adds a drill alarm per route: warning to the warning topic only, critical to the critical topic; neither on a metric anyone publishes", () => {
            for (const sev of ["warning", "critical"]) {
                const a = g.one(METRIC_ALARM, `alerting-drill-${sev}`).inputs;
                assert.equal(a.name, `koronet-${stack}-alerting-DRILL-${sev}`, "the email subject SNS writes from the name says DRILL");
                assert.deepEqual(a.alarmActions, [`arn:aws:sns:eu-west-1:123456789012:koronet-${stack}-alerting-${sev}`]);
                assert.deepEqual(a.okActions, a.alarmActions, "the RESOLVED takes the same route");
                assert.equal(a.namespace, "Koronet/Drill");
                assert.equal(a.treatMissingData, "notBreaching", "its actual state is OK: CloudWatch returns it there after SetAlarmState");
                assert.match(String(a.alarmDescription), /DRILL/);
            }
        });

        it("lists as expecting data exactly the alarms on continuously published metrics (verify's alarm-data check)", () => {
            const expecting = (g.outputs.verification as { alarmsExpectingData: string[] }).alarmsExpectingData;
            const alarms = g.ofType(METRIC_ALARM);
            const metricsOf = (i: Record<string, unknown>) => [
                ...(typeof i.namespace === "string" ? [{ namespace: i.namespace, metricName: String(i.metricName), dimensions: {} }] : []),
                ...((i.metricQueries as { metric?: { namespace: string; metricName: string } }[] | undefined) ?? []).flatMap((q) =>
                    q.metric ? [{ ...q.metric, dimensions: {} }] : [],
                ),
            ];
            const want = alarms
                .filter((a) => livenessProbes(metricsOf(a.inputs)).length > 0)
                .map((a) => String(a.inputs.name))
                .sort();
            assert.deepEqual([...expecting].sort(), want);
            assert.ok(expecting.includes(`koronet-${stack}-KoronetDown`), "Container Insights");
            assert.ok(expecting.includes(`koronet-${stack}-DatabaseConnectionFailures-app`), "the app-metrics sidecar");
            assert.ok(!expecting.includes(`koronet-${stack}-HighErrorRate`), "ALB 5xx counts exist only when there are some");
            assert.ok(!expecting.some((n) => n.includes("drill")), "nobody publishes the drill metric");
        });
    });
}

describe("deployment safety: a stack that turns both deployment alerts off", function () {
    this.timeout(120_000);
    it("deploys the web service without deployment alarms (the circuit breaker alone judges rollouts)", async () => {
        const g = await graphWith("dev", {
            overrides: { "koronet:alerting": { alerts: { HighErrorRate: { enabled: false }, HighResponseTime: { enabled: false } } } },
        });
        const web = g.one(aws.ecs.Service, "web-svc").inputs;
        assert.equal(web.alarms, undefined);
        assert.deepEqual(web.deploymentCircuitBreaker, { enable: true, rollback: true });
    });
});
