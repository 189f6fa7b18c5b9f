/**
 * prod's alerting survives the loss of any one part (issue 15): an Alertmanager cluster and a
 * Prometheus pair, over the real graphs. dev keeps single instances; the topology is config
 * (`koronet:alerting.alertmanager.replicas`, `koronet:monitoring.prometheus.replicas`), so a dev
 * stack that asks for a cluster gets the same one.
 */
import * as aws from "@pulumi/aws";
import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { REACHABILITY_RULES } from "../../policy/reachability";
import { evaluate } from "../../policy/rules";
import { alertmanagerDeployment } from "../../components/alerting/alertmanager";
import { prometheusDeployment } from "../../components/monitoring";
import { graphWith, stackGraph, type Graph } from "../harness";
import type { PlannedResource } from "../../scripts/offline/run";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const topic = (stack: string, k: string) => `arn:aws:sns:eu-west-1:123456789012:koronet-${stack}-alerting-${k}`;

interface Rule {
    protocol?: string;
    fromPort?: number;
    toPort?: number;
    cidrBlocks?: string[];
    securityGroups?: string[];
    self?: boolean;
}

function service(g: Graph, name: string): Record<string, unknown> {
    return g.one(aws.ecs.Service, name).inputs;
}
function container(g: Graph, serviceName: string, containerName: string) {
    const c = g.containers(g.taskDefinitionOf(g.one(aws.ecs.Service, serviceName))).find((x) => x.name === containerName);
    assert.ok(c, `${containerName} in ${serviceName}`);
    return c;
}
/** Standalone ingress rules of Alertmanager's group, as `protocol port from`. */
function alertmanagerIngress(g: Graph): string[] {
    return g
        .ofType(INGRESS)
        .filter((r) => r.inputs.securityGroupId === "alerting-alertmanager-sg-id")
        .map(
            (r) =>
                `${String(r.inputs.ipProtocol)} ${String(r.inputs.fromPort)}-${String(r.inputs.toPort)} from ${String(r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4)}`,
        )
        .sort();
}
function alarm(g: Graph, stack: string, key: string): PlannedResource | undefined {
    return g.ofType(ALARM).find((a) => a.inputs.name === `koronet-${stack}-alerting-${key}`);
}

describe("high availability: prod's Alertmanager cluster", () => {
    let g: Graph;
    before(async () => {
        g = await stackGraph("prod");
    });

    it("runs 3 tasks spread over every private subnet (Fargate spreads across zones), rebalanced after a zone returns", () => {
        const am = service(g, "alerting-alertmanager-svc");
        assert.equal(am.desiredCount, 3);
        assert.deepEqual(am.capacityProviderStrategies, [{ capacityProvider: "FARGATE", weight: 1, base: 0 }]);
        assert.equal((am.networkConfiguration as { subnets: string[] }).subnets.length, 3);
        assert.equal(am.availabilityZoneRebalancing, "ENABLED");
        // Fargate takes no placement constraints or strategies.
        assert.equal(am.placementConstraints, undefined);
        assert.equal(am.orderedPlacementStrategies, undefined);
    });

    it("deploys one task at a time, never below 3 (old and new clustered, so nothing is sent twice)", () => {
        const am = service(g, "alerting-alertmanager-svc");
        assert.equal(am.deploymentMinimumHealthyPercent, 100);
        assert.equal(am.deploymentMaximumPercent, 134);
        // ECS rounds the maximum down: 3 × 1.34 = 4.02 → 4 tasks, one extra.
        assert.equal(Math.floor((3 * Number(am.deploymentMaximumPercent)) / 100), 4);
        assert.deepEqual(am.deploymentCircuitBreaker, { enable: true, rollback: true });
    });

    it("clusters the tasks: gossip on 9094, peers found through Cloud Map's alertmanager.<namespace>, 10 s peer timeout (2 × 10 s + a 5 s delivery < the 30 s group interval)", () => {
        const c = container(g, "alerting-alertmanager-svc", "alertmanager");
        assert.deepEqual(c.command, [
            "--cluster.listen-address=0.0.0.0:9094",
            "--cluster.peer=alertmanager.prod.koronet.internal:9094",
            "--cluster.peer-timeout=10s",
        ]);
        assert.deepEqual(
            c.portMappings?.map((m) => `${m.containerPort}/${m.protocol}`),
            ["9093/tcp", "9094/tcp", "9094/udp"],
        );
        assert.equal(g.one("aws:servicediscovery/service:Service", "alerting-alertmanager-discovery").inputs.name, "alertmanager");
        const records = g.one("aws:servicediscovery/service:Service", "alerting-alertmanager-discovery").inputs.dnsConfig as {
            dnsRecords: { type: string }[];
            routingPolicy: string;
        };
        assert.deepEqual(
            records.dnsRecords.map((r) => r.type),
            ["A"],
            "one A record per task: Prometheus sends to each, peers join each",
        );
        assert.equal(records.routingPolicy, "MULTIVALUE");
    });

    it("admits gossip (TCP and UDP 9094) between its own tasks only, and nothing wider", () => {
        assert.deepEqual(alertmanagerIngress(g), [
            "tcp 9093-9093 from monitoring-grafana-id",
            "tcp 9093-9093 from monitoring-prometheus-id",
            "tcp 9094-9094 from alerting-alertmanager-sg-id",
            "udp 9094-9094 from alerting-alertmanager-sg-id",
        ]);
        const egress = (g.one(SG, "alerting-alertmanager-sg").inputs.egress as Rule[]).map(
            (r) => `${r.protocol} ${r.fromPort}-${r.toPort} ${r.self ? "self" : (r.cidrBlocks ?? []).join(",")}`,
        );
        assert.deepEqual(egress, ["tcp 443-443 0.0.0.0/0", "tcp 9094-9094 self", "udp 9094-9094 self"]);
        const violations = evaluate({ environment: "prod", resources: g.resources }, REACHABILITY_RULES);
        assert.deepEqual(violations, []);
    });

    it("watches the cluster: critical when no task runs, warning while fewer than 3 but at least 1 run (never both)", () => {
        const lost = alarm(g, "prod", "alertmanager-tasks");
        assert.ok(lost);
        assert.equal(lost.inputs.threshold, 1);
        assert.equal(lost.inputs.comparisonOperator, "LessThanThreshold");
        assert.deepEqual(lost.inputs.alarmActions, [topic("prod", "critical")]);
        const degraded = alarm(g, "prod", "alertmanager-tasks-degraded");
        assert.ok(degraded);
        const queries = degraded.inputs.metricQueries as {
            id: string;
            expression?: string;
            metric?: { metricName: string; stat: string; dimensions: Record<string, string> };
        }[];
        assert.equal(queries.find((q) => q.id === "running")?.metric?.metricName, "RunningTaskCount");
        assert.equal(queries.find((q) => q.id === "running")?.metric?.stat, "Minimum");
        assert.equal(queries.find((q) => q.id === "degraded")?.expression, "IF(running >= 1 AND running < 3, 1, 0)");
        assert.equal(degraded.inputs.treatMissingData, "notBreaching");
        assert.deepEqual(degraded.inputs.alarmActions, [topic("prod", "warning")]);
        assert.deepEqual(degraded.inputs.okActions, [topic("prod", "warning")]);
    });
});

describe("high availability: prod's Prometheus pair", () => {
    let g: Graph;
    before(async () => {
        g = await stackGraph("prod");
    });

    it("runs 2 servers on EC2, each on a container instance of its own, spread across zones then instances", () => {
        const p = service(g, "monitoring-prometheus-svc");
        assert.equal(p.desiredCount, 2);
        assert.deepEqual(p.placementConstraints, [{ type: "distinctInstance" }]);
        assert.deepEqual(p.orderedPlacementStrategies, [
            { type: "spread", field: "attribute:ecs.availability-zone" },
            { type: "spread", field: "instanceId" },
        ]);
        assert.equal(p.availabilityZoneRebalancing, "ENABLED");
        const cp = (p.capacityProviderStrategies as { capacityProvider: string }[])[0]?.capacityProvider;
        assert.notEqual(cp, "FARGATE");
        // The instance group keeps at least one instance per replica, in every zone's subnet.
        const asg = g.one(aws.autoscaling.Group).inputs;
        assert.ok(Number(asg.minSize) >= 2);
        assert.equal((asg.vpcZoneIdentifiers as string[]).length, 3);
    });

    it("replaces one server at a time and never runs two on one TSDB volume (50 %/100 %)", () => {
        const p = service(g, "monitoring-prometheus-svc");
        assert.equal(p.deploymentMinimumHealthyPercent, 50);
        assert.equal(p.deploymentMaximumPercent, 100);
        const td = g.taskDefinitionOf(g.one(aws.ecs.Service, "monitoring-prometheus-svc"));
        const tsdb = (td.inputs.volumes as { name: string; dockerVolumeConfiguration?: { scope: string; autoprovision: boolean } }[]).find(
            (v) => v.name === "tsdb",
        );
        assert.deepEqual(
            tsdb?.dockerVolumeConfiguration,
            { scope: "shared", autoprovision: true, driver: "local" },
            "the replacement on the same instance finds the TSDB",
        );
    });

    it("tells the replicas apart by an external `replica` label, dropped from alerts, sent to AMP as __replica__ with a cluster label", () => {
        const doc = parse(readFileSync(path.join(__dirname, "..", "..", "rendered", "prod", "prometheus", "prometheus.yml"), "utf8")) as Record<string, any>;
        assert.equal(doc.global.external_labels.replica, "PROMETHEUS_REPLICA", "filled in per task by the image's entrypoint");
        assert.deepEqual(doc.alerting.alert_relabel_configs, [{ action: "labeldrop", regex: "replica" }]);
        assert.deepEqual(doc.remote_write[0].write_relabel_configs, [
            { source_labels: ["replica"], target_label: "__replica__" },
            { action: "labeldrop", regex: "replica" },
            { target_label: "cluster", replacement: "koronet-prod" },
        ]);
        // Every server sends to every Alertmanager: one dns_sd A lookup, every task a target.
        assert.deepEqual(doc.alerting.alertmanagers[0].dns_sd_configs, [
            { names: ["alertmanager.prod.koronet.internal"], type: "A", port: 9093, refresh_interval: "30s" },
        ]);
    });

    it("watches the pair: critical when none runs, warning while one of two runs", () => {
        assert.equal(alarm(g, "prod", "prometheus-tasks")?.inputs.threshold, 1);
        const degraded = alarm(g, "prod", "prometheus-tasks-degraded");
        assert.ok(degraded);
        const queries = degraded.inputs.metricQueries as { id: string; expression?: string }[];
        assert.equal(queries.find((q) => q.id === "degraded")?.expression, "IF(running >= 1 AND running < 2, 1, 0)");
        assert.equal(degraded.inputs.evaluationPeriods, 5);
        assert.equal(degraded.inputs.datapointsToAlarm, 5);
    });

    it("deployment bounds: one replica at a time for any size", () => {
        for (const n of [2, 3]) {
            const d = prometheusDeployment(n);
            assert.equal(Math.ceil((n * d.minimumHealthyPercent) / 100), n - 1, `prometheus ${n}`);
            assert.equal(d.maximumPercent, 100);
        }
        for (const n of [2, 3, 4, 5]) {
            const d = alertmanagerDeployment(n);
            assert.equal(d.minimumHealthyPercent, 100);
            assert.equal(Math.floor((n * d.maximumPercent) / 100), n + 1, `alertmanager ${n}`);
        }
        assert.deepEqual(prometheusDeployment(1), { minimumHealthyPercent: 0, maximumPercent: 100 });
        assert.deepEqual(alertmanagerDeployment(1), { minimumHealthyPercent: 100, maximumPercent: 200 });
    });
});

describe("high availability: dev keeps single instances", () => {
    let g: Graph;
    before(async () => {
        g = await stackGraph("dev");
    });

    it("one Alertmanager without gossip: no peers, no 9094 in its group, deployed 100 %/200 % as before", () => {
        const am = service(g, "alerting-alertmanager-svc");
        assert.equal(am.desiredCount, 1);
        assert.equal(am.deploymentMaximumPercent, 200);
        assert.equal(
            container(g, "alerting-alertmanager-svc", "alertmanager").command,
            undefined,
            "the entrypoint then passes --cluster.listen-address= (no listener)",
        );
        assert.deepEqual(
            alertmanagerIngress(g),
            ["tcp 9093-9093 from monitoring-grafana-id", "tcp 9093-9093 from monitoring-prometheus-id"],
            "the API for Prometheus and for Grafana's Alertmanager data source (drill), no gossip",
        );
        assert.equal(alarm(g, "dev", "alertmanager-tasks-degraded"), undefined);
    });

    it("one Prometheus, no placement constraint, no replica label, 0 %/100 %", () => {
        const p = service(g, "monitoring-prometheus-svc");
        assert.equal(p.desiredCount, 1);
        assert.equal(p.placementConstraints, undefined);
        assert.equal(p.deploymentMinimumHealthyPercent, 0);
        const doc = parse(readFileSync(path.join(__dirname, "..", "..", "rendered", "dev", "prometheus", "prometheus.yml"), "utf8")) as Record<string, any>;
        assert.equal(doc.global.external_labels.replica, undefined);
        assert.equal(doc.alerting.alert_relabel_configs, undefined);
        assert.equal(alarm(g, "dev", "prometheus-tasks-degraded"), undefined);
    });
});

describe("high availability is config, not an environment", () => {
    it("a dev stack asking for 2 Alertmanagers and 2 Prometheus servers gets the cluster, the pair and their rules", async () => {
        const g = await graphWith("dev", {
            overrides: {
                "koronet:alerting": { alertmanager: { replicas: 2 } },
                "koronet:monitoring": { prometheus: { replicas: 2 } },
                "koronet:cluster": { ec2: { minSize: 2 } },
            },
        });
        const p = service(g, "monitoring-prometheus-svc");
        assert.equal(p.desiredCount, 2);
        assert.deepEqual(p.placementConstraints, [{ type: "distinctInstance" }]);
        const am = service(g, "alerting-alertmanager-svc");
        assert.equal(am.desiredCount, 2);
        assert.equal(am.deploymentMaximumPercent, 150);
        assert.ok(container(g, "alerting-alertmanager-svc", "alertmanager").command?.includes("--cluster.peer=alertmanager.dev.koronet.internal:9094"));
        assert.equal(alertmanagerIngress(g).filter((r) => r.includes("9094")).length, 2);
        assert.deepEqual(alarm(g, "dev", "alertmanager-tasks-degraded")?.inputs.alarmActions, [topic("dev", "warning")]);
        assert.deepEqual(alarm(g, "dev", "prometheus-tasks-degraded")?.inputs.alarmActions, [topic("dev", "warning")]);
        assert.deepEqual(evaluate({ environment: "dev", resources: g.resources }, REACHABILITY_RULES), []);
    });
});
