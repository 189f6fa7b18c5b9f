/**
 * Fault behaviour over the real stack graphs: what the deployment does when a part of it fails.
 * Each `[Fn]` tag is a row of the README's fault table; test/docs/readme.test.ts checks that every
 * row is backed by at least one tagged test (here, in the unit suites, app/ or e2e/).
 */
import * as aws from "@pulumi/aws";
import { strict as assert } from "node:assert";
import { ALERT_CATALOG, resolveAlerts, type AlertId } from "../../components/alerting/catalog";
import { stackGraph, type Graph } from "../harness";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
/** The architecture's critical alerts (app down / 5xx, database connection failures, memory, disk) and no healthy targets. */
const ARCHITECTURE_CRITICALS: readonly AlertId[] = [
    "KoronetDown",
    "NoHealthyTargets",
    "HighErrorRate",
    "DatabaseConnectionFailures",
    "HighMemoryUsage",
    "DiskSpaceLow",
];

const critical = (stack: string) => `arn:aws:sns:eu-west-1:123456789012:koronet-${stack}-alerting-critical`;

for (const stack of ["dev", "prod"] as const) {
    describe(`fault behaviour: ${stack}`, () => {
        let g: Graph;
        before(async () => {
            g = await stackGraph(stack);
        });

        it("[F3] detects the architecture's critical faults without Prometheus: each has a CloudWatch alarm, and Prometheus's own absence is alarmed", () => {
            const alarmNames = g.ofType(ALARM).map((a) => String(a.inputs.name));
            for (const id of ARCHITECTURE_CRITICALS) {
                assert.ok(ALERT_CATALOG[id].cloudwatch, `${id} has a CloudWatch generator`);
                assert.equal(resolveAlerts().find((a) => a.id === id)?.severity, "critical", id);
                assert.ok(
                    alarmNames.some((n) => n === `koronet-${stack}-${id}` || n.startsWith(`koronet-${stack}-${id}-`)),
                    `${id} alarm in ${alarmNames.join(", ")}`,
                );
            }
            const tasks = g.ofType(ALARM).find((a) => a.inputs.name === `koronet-${stack}-alerting-prometheus-tasks`);
            assert.ok(tasks, "Prometheus task-count alarm");
            assert.equal(tasks.inputs.metricName, "RunningTaskCount");
            assert.equal((tasks.inputs.dimensions as Record<string, string>).ServiceName, g.one(aws.ecs.Service, "monitoring-prometheus-svc").name);
            assert.equal(tasks.inputs.treatMissingData, "breaching");
            assert.deepEqual(tasks.inputs.alarmActions, [critical(stack)]);
        });

        it("[F5] rolls a bad deploy back without losing capacity: circuit breaker with rollback, full health during rollout, liveness-checked targets with a grace period", () => {
            const web = g.one(aws.ecs.Service, "web-svc").inputs;
            assert.deepEqual(web.deploymentCircuitBreaker, { enable: true, rollback: true });
            // New tasks start beside the old ones; the old ones stop only when the new are healthy.
            assert.equal(web.deploymentMinimumHealthyPercent, 100);
            assert.equal(web.deploymentMaximumPercent, 200);
            assert.equal(web.healthCheckGracePeriodSeconds, 30);
            const hc = g.one(aws.lb.TargetGroup, "web-targets").inputs.healthCheck as { path: string; healthyThreshold: number; unhealthyThreshold: number };
            assert.equal(hc.path, "/healthz");
            // The web container's own health check makes ECS replace a hung task even without the load balancer.
            const container = g.containers(g.taskDefinitionOf(g.one(aws.ecs.Service, "web-svc"))).find((c) => c.name === "web");
            assert.ok(container?.healthCheck?.command.join(" ").includes("/healthz"), JSON.stringify(container?.healthCheck));
        });
    });
}

describe("fault behaviour: prod loses an availability zone", () => {
    let g: Graph;
    before(async () => {
        g = await stackGraph("prod");
    });

    it("[F6] keeps serving: 3 AZs with a NAT gateway each, ≥2 web tasks over every private subnet with AZ rebalancing, the ALB in every AZ, Multi-AZ data stores with failover", () => {
        const vpc = g.one("awsx:ec2:Vpc").inputs;
        assert.equal(vpc.numberOfAvailabilityZones, 3);
        assert.deepEqual(vpc.natGateways, { strategy: "OnePerAz" });
        const web = g.one(aws.ecs.Service, "web-svc").inputs;
        assert.ok(Number(web.desiredCount) >= 2);
        assert.equal((web.networkConfiguration as { subnets: string[] }).subnets.length, 3);
        assert.equal(web.availabilityZoneRebalancing, "ENABLED");
        assert.ok(Number(g.one(aws.appautoscaling.Target).inputs.minCapacity) >= 2);
        assert.equal((g.one(aws.lb.LoadBalancer, "web-alb").inputs.subnets as string[]).length, 3);
        assert.equal(g.one(aws.rds.Instance).inputs.multiAz, true);
        const rg = g.one(aws.elasticache.ReplicationGroup).inputs;
        assert.equal(rg.automaticFailoverEnabled, true);
        assert.equal(rg.multiAzEnabled, true);
        // Single-task parts (Prometheus, Alertmanager) are rescheduled by ECS in a surviving AZ: they may use any private subnet.
        for (const name of ["monitoring-prometheus-svc", "alerting-alertmanager-svc"]) {
            const svc = g.one(aws.ecs.Service, name).inputs;
            assert.equal((svc.networkConfiguration as { subnets: string[] }).subnets.length, 3, name);
        }
    });
});
