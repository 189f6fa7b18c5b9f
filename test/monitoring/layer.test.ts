/** The monitoring layer in both stacks' graphs: services, ports, scheduling, mounts, security groups, secrets. */
import { strict as assert } from "node:assert";
import { graphWith, parseJson, stackGraph, type Graph } from "../harness";
import { HOST_ACCESS_CONTAINERS } from "../../components/monitoring/images";
import { cidrContains, validateMonitoringArgs } from "../../components/monitoring";
import { PUBLISHED_APP_METRICS } from "../../components/monitoring/sidecars";

const SVC = "aws:ecs/service:Service";
const TD = "aws:ecs/taskDefinition:TaskDefinition";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
interface SgRule { fromPort: number; toPort: number; cidrBlocks?: string[]; securityGroups?: string[] }

for (const stack of ["dev", "prod"] as const) {
    describe(`${stack}: monitoring layer`, () => {
        let g: Graph;
        before(async () => {
            g = await stackGraph(stack);
        });
        const containerOf = (svc: string, name: string) => {
            const c = g.containers(g.taskDefinitionOf(g.one(SVC, svc))).find((x) => x.name === name);
            assert.ok(c, `${svc} runs ${name}`);
            return c;
        };

        it("runs each service on its port, with its scheduling strategy and capacity", () => {
            const expected: [string, string, number, string, string][] = [
                ["monitoring-prometheus-svc", "prometheus", 9090, "REPLICA", "ec2"],
                ["monitoring-grafana-svc", "grafana", 3000, "REPLICA", "FARGATE"],
                ["monitoring-node-exporter-svc", "node-exporter", 9100, "DAEMON", "EC2"],
                ["monitoring-cadvisor-svc", "cadvisor", 8080, "DAEMON", "EC2"],
                ["monitoring-redis-exporter-svc", "redis-exporter", 9121, "REPLICA", "FARGATE"],
                ["monitoring-postgres-exporter-svc", "postgres-exporter", 9187, "REPLICA", "FARGATE"],
            ];
            for (const [svcName, container, port, strategy, capacity] of expected) {
                const svc = g.one(SVC, svcName);
                assert.equal(svc.inputs.schedulingStrategy, strategy, svcName);
                assert.equal(containerOf(svcName, container).portMappings?.[0]?.containerPort, port, svcName);
                if (strategy === "DAEMON") {
                    assert.equal(svc.inputs.launchType, "EC2", svcName);
                    assert.equal(g.taskDefinitionOf(svc).inputs.networkMode, "host", svcName);
                    assert.equal(svc.inputs.desiredCount, undefined, svcName);
                } else {
                    const cp = (svc.inputs.capacityProviderStrategies as { capacityProvider: string }[])[0]?.capacityProvider;
                    assert.ok(capacity === "FARGATE" ? cp === "FARGATE" : cp !== "FARGATE", `${svcName} on ${cp}`);
                }
            }
        });

        it("registers every scrape target in Cloud Map under the names prometheus.yml resolves", () => {
            const names = g.ofType("aws:servicediscovery/service:Service").map((s) => [s.inputs.name, (s.inputs.dnsConfig as { dnsRecords: { type: string }[] }).dnsRecords[0]?.type]);
            for (const [n, type] of [["koronet", "A"], ["prometheus", "A"], ["postgres-exporter", "A"], ["redis-exporter", "A"], ["node-exporter", "SRV"], ["cadvisor", "SRV"]]) {
                assert.ok(names.some(([a, b]) => a === n && b === type), `${n} (${type}) registered`);
            }
        });

        it("mounts host paths only into the host exporters, read-only, without privileges", () => {
            for (const td of g.ofType(TD)) {
                const hostVolumes = new Set(((td.inputs.volumes as { name: string; hostPath?: string }[] | undefined) ?? []).filter((v) => v.hostPath !== undefined).map((v) => v.name));
                for (const c of g.containers(td)) {
                    const hostMounts = (c.mountPoints ?? []).filter((m) => hostVolumes.has(m.sourceVolume));
                    if (hostMounts.length === 0) continue;
                    assert.ok((HOST_ACCESS_CONTAINERS as readonly string[]).includes(c.name), `${c.name} mounts the host`);
                    for (const m of hostMounts) assert.equal(m.readOnly, true, `${c.name}:${m.containerPath}`);
                    assert.equal(c.privileged, false);
                    assert.deepEqual(c.linuxParameters?.capabilities?.drop, ["ALL"]);
                }
            }
            const node = containerOf("monitoring-node-exporter-svc", "node-exporter");
            assert.deepEqual(node.mountPoints, [{ sourceVolume: "hostroot", containerPath: "/host", readOnly: true }]);
            assert.ok(node.command?.includes("--path.rootfs=/host"));
            assert.deepEqual(containerOf("monitoring-cadvisor-svc", "cadvisor").mountPoints?.map((m) => m.containerPath).sort(), ["/dev/disk", "/rootfs", "/sys", "/var/lib/docker", "/var/run"]);
        });

        it("keeps Prometheus' TSDB on a local Docker volume, not EFS, with the stack's retention", () => {
            const td = g.taskDefinitionOf(g.one(SVC, "monitoring-prometheus-svc"));
            const volumes = td.inputs.volumes as { name: string; efsVolumeConfiguration?: unknown; dockerVolumeConfiguration?: { scope: string } }[];
            assert.ok(volumes.every((v) => v.efsVolumeConfiguration === undefined));
            assert.equal(volumes.find((v) => v.name === "tsdb")?.dockerVolumeConfiguration?.scope, "shared");
            const c = containerOf("monitoring-prometheus-svc", "prometheus");
            assert.ok(c.command?.includes(`--storage.tsdb.retention.time=${stack === "prod" ? 30 : 7}d`), String(c.command));
            assert.deepEqual(g.one(SVC, "monitoring-prometheus-svc").inputs.deploymentMinimumHealthyPercent, 0);
        });

        it("[F3] re-sends firing alerts every 15 s, so a dead Prometheus's Watchdog expires from Alertmanager within a minute", () => {
            // Each send is valid for 4 × max(resend delay, evaluation interval); the default 1 m would keep it 4 min.
            const c = containerOf("monitoring-prometheus-svc", "prometheus");
            assert.ok(c.command?.includes("--rules.alert.resend-delay=15s"), String(c.command));
        });

        it("lets only Prometheus reach exporter ports (incl. 9100/8080 on the instances)", () => {
            const prom = "monitoring-prometheus-id";
            for (const name of ["monitoring-postgres-exporter", "monitoring-redis-exporter"]) {
                const rules = g.one(SG, name).inputs.ingress as SgRule[];
                assert.deepEqual(rules.map((r) => r.securityGroups), [[prom]], name);
                assert.ok(rules.every((r) => r.cidrBlocks === undefined), name);
            }
            const instanceRules = g.ofType(INGRESS).filter((r) => r.inputs.securityGroupId === "cluster-instances-id");
            assert.deepEqual(instanceRules.map((r) => [r.inputs.fromPort, r.inputs.referencedSecurityGroupId]).sort(), [[8080, prom], [9100, prom]]);
            assert.deepEqual((g.one(SG, "monitoring-prometheus").inputs.ingress as SgRule[]).map((r) => [r.fromPort, r.securityGroups]), [[9090, ["monitoring-grafana-id"]]]);
            assert.deepEqual((g.one(SG, "monitoring-grafana").inputs.ingress as SgRule[]).map((r) => [r.fromPort, r.securityGroups]), [[3000, ["web-alb-id"]]]);
        });

        it("admits the data-store exporters to their store only", () => {
            const rules = g.ofType(INGRESS).filter((r) => r.name.startsWith("data-"));
            assert.deepEqual(rules.filter((r) => r.inputs.referencedSecurityGroupId === "monitoring-postgres-exporter-id").map((r) => r.inputs.fromPort), [5432]);
            assert.deepEqual(rules.filter((r) => r.inputs.referencedSecurityGroupId === "monitoring-redis-exporter-id").map((r) => r.inputs.fromPort), [6379]);
        });

        it("points the exporters at the stack's data-store mode with credentials only as ECS secrets", () => {
            const pg = containerOf("monitoring-postgres-exporter-svc", "postgres-exporter");
            const env = Object.fromEntries((pg.environment ?? []).map((e) => [e.name, String(e.value)]));
            assert.match(env.DATA_SOURCE_URI ?? "", stack === "prod" ? /rds\.amazonaws\.com:5432\/koronet\?sslmode=require$/ : /^postgres\.dev\.koronet\.internal:5432\/koronet\?sslmode=disable$/);
            assert.equal(env.DATA_SOURCE_USER, "koronet");
            assert.deepEqual(pg.secrets?.map((s) => s.name), ["DATA_SOURCE_PASS"]);
            assert.ok(pg.command?.includes("--extend.query-path=/etc/postgres_exporter/queries.yaml"));
            const redis = containerOf("monitoring-redis-exporter-svc", "redis-exporter");
            const renv = Object.fromEntries((redis.environment ?? []).map((e) => [e.name, String(e.value)]));
            assert.match(renv.REDIS_ADDR ?? "", stack === "prod" ? /^rediss:\/\/master\..*:6379$/ : /^redis:\/\/redis\.dev\.koronet\.internal:6379$/);
            assert.deepEqual(redis.secrets?.map((s) => s.name), ["REDIS_PASSWORD"]);
            for (const c of [pg, redis]) for (const s of c.secrets ?? []) assert.match(String(s.valueFrom), /^arn:aws:secretsmanager:/);
        });

        it("serves Grafana through its own listener rule on /grafana, restricted by source IP, anonymous off", () => {
            const rule = g.one("aws:lb/listenerRule:ListenerRule", "monitoring-grafana");
            const conditions = rule.inputs.conditions as { pathPattern?: { values: string[] }; sourceIp?: { values: string[] } }[];
            assert.deepEqual(conditions.find((c) => c.pathPattern)?.pathPattern?.values, ["/grafana", "/grafana/*"]);
            assert.deepEqual(conditions.find((c) => c.sourceIp)?.sourceIp?.values, ["10.0.0.0/8"]);
            assert.equal((rule.inputs.actions as { type: string }[])[0]?.type, "forward");
            const c = containerOf("monitoring-grafana-svc", "grafana");
            const env = Object.fromEntries((c.environment ?? []).map((e) => [e.name, String(e.value)]));
            assert.equal(env.GF_AUTH_ANONYMOUS_ENABLED, "false");
            assert.equal(env.GF_SERVER_SERVE_FROM_SUB_PATH, "true");
            assert.match(env.GF_SERVER_ROOT_URL ?? "", /^http:\/\/.*elb\.amazonaws\.com\/grafana\/$/);
            assert.deepEqual(c.secrets?.map((s) => s.name), ["GF_SECURITY_ADMIN_PASSWORD"]);
            const secret = g.one("aws:secretsmanager/secret:Secret", "monitoring-grafana-admin");
            assert.match(String(secret.inputs.kmsKeyId), /^arn:aws:kms:/);
            assert.equal(g.one(SVC, "monitoring-grafana-svc").inputs.desiredCount, stack === "prod" ? 2 : 1);
        });

        it("exposes nothing of the monitoring layer to the world", () => {
            for (const sg of g.ofType(SG).filter((s) => s.name.startsWith("monitoring-"))) {
                for (const r of (sg.inputs.ingress as SgRule[] | undefined) ?? []) assert.equal(r.cidrBlocks, undefined, sg.name);
            }
            for (const r of g.ofType(INGRESS).filter((x) => x.name.startsWith("monitoring-"))) assert.equal(r.inputs.cidrIpv4, undefined, r.name);
        });

        it(stack === "prod" ? "remote-writes to its own AMP workspace with aps:RemoteWrite scoped to it" : "does not remote-write (no workspace)", () => {
            const workspaces = g.ofType("aws:amp/workspace:Workspace");
            const c = containerOf("monitoring-prometheus-svc", "prometheus");
            const role = g.one("aws:iam/role:Role", "monitoring-prometheus-task");
            const policies = (role.inputs.inlinePolicies as { policy: string }[] | undefined) ?? [];
            if (stack === "prod") {
                assert.equal(workspaces.length, 1);
                assert.deepEqual(c.environment?.map((e) => e.name), ["AMP_WORKSPACE_ID"]);
                const st = parseJson<{ Statement: { Action: string; Resource: string }[] }>(policies[0]?.policy).Statement;
                assert.deepEqual(st.map((s) => s.Action), ["aps:RemoteWrite"]);
                assert.match(String(st[0]?.Resource), /^arn:aws:amp:eu-west-1:\d{12}:workspace\/monitoring-amp$/);
            } else {
                assert.equal(workspaces.length, 0);
                assert.deepEqual(c.environment ?? [], []);
                assert.equal(policies.length, 0);
            }
        });

        it("adds the CloudWatch agent sidecars to the web server with scoped permissions", () => {
            const td = g.one(TD, "web-task");
            const names = g.containers(td).map((c) => c.name);
            assert.deepEqual(names, ["web", "cloudwatch-agent", "app-metrics"]);
            const metrics = g.containers(td).find((c) => c.name === "app-metrics");
            const env = Object.fromEntries((metrics?.environment ?? []).map((e) => [e.name, String(e.value)]));
            const agent = JSON.parse(env.CW_CONFIG_CONTENT ?? "{}");
            assert.equal(agent.logs.metrics_collected.prometheus.emf_processor.metric_namespace, "Koronet/App");
            assert.deepEqual(agent.logs.metrics_collected.prometheus.emf_processor.metric_declaration[0].dimensions, [["ClusterName", "ServiceName"]]);
            assert.match(env.PROMETHEUS_CONFIG_CONTENT ?? "", /ServiceName: web-svc/);
            for (const m of PUBLISHED_APP_METRICS) assert.ok((env.PROMETHEUS_CONFIG_CONTENT ?? "").includes(m), m);
            assert.equal(g.one(SVC, "web-svc").inputs.name, "web-svc");
            const role = g.one("aws:iam/role:Role", "web-task");
            const st = parseJson<{ Statement: { Sid: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[] }>((role.inputs.inlinePolicies as { policy: string }[])[0]?.policy).Statement;
            const put = st.find((s) => s.Action === "cloudwatch:PutMetricData");
            assert.deepEqual(put?.Condition, { StringEquals: { "cloudwatch:namespace": "Koronet/App" } });
            for (const s of st.filter((x) => String(x.Action).includes("logs:"))) {
                for (const r of [s.Resource].flat()) assert.match(String(r), /^arn:aws:logs:.*:log-group:web-telemetry-/);
            }
        });

        it("publishes a CloudWatch dashboard and the monitoring outputs", () => {
            const d = g.one("aws:cloudwatch/dashboard:Dashboard", "monitoring-dashboard");
            const body = JSON.parse(String(d.inputs.dashboardBody)) as { widgets: { properties: { metrics?: unknown[][] } }[] };
            const namespaces = new Set(body.widgets.flatMap((w) => (w.properties.metrics ?? []).map((m) => m[0])).filter((n) => typeof n === "string"));
            for (const ns of ["AWS/ApplicationELB", "AWS/ECS", "ECS/ContainerInsights", "Koronet/App", ...(stack === "prod" ? ["AWS/RDS"] : [])]) assert.ok(namespaces.has(ns), ns);
            assert.match(String(g.outputs.grafanaUrl), /\/grafana\/$/);
            assert.equal(g.outputs.prometheusAddress, `http://prometheus.${stack}.koronet.internal:9090`);
            assert.match(String(g.outputs.cloudwatchDashboardUrl), new RegExp(`dashboards:name=koronet-${stack}-overview$`));
            assert.ok(Object.keys(g.outputs.monitoringLogGroups as object).includes("prometheus"));
        });
    });
}

describe("monitoring layer switched off", () => {
    it("creates no monitoring resources and no sidecars", async () => {
        // The alarms that read the sidecars' Koronet/App metrics must go too (config rejects them otherwise).
        const g = await graphWith("dev", { overrides: { "koronet:monitoring": { enabled: false }, "koronet:alerting": { alerts: { DatabaseConnectionFailures: { enabled: false }, CacheMissRateHigh: { enabled: false } } } } });
        assert.equal(g.resources.filter((r) => r.name.startsWith("monitoring") || r.name.startsWith("web-telemetry")).length, 0);
        assert.deepEqual(g.containers(g.one(TD, "web-task")).map((c) => c.name), ["web"]);
    });
});

describe("validateMonitoringArgs", () => {
    const args = (allowedCidrs: string[], lb: string[]) => ({
        config: { enabled: true, prometheus: { retentionDays: 7, scrapeIntervalSeconds: 15, evaluationIntervalSeconds: 15, remoteWrite: false }, grafana: { allowedCidrs, replicas: 1 } },
        web: { loadBalancerAllowedCidrs: lb } as never,
        renderedDir: "rendered/dev",
    });
    it("accepts Grafana CIDRs inside the load balancer's", () => {
        validateMonitoringArgs(args(["10.1.0.0/16"], ["10.0.0.0/8"]));
        validateMonitoringArgs(args(["203.0.113.7/32"], ["0.0.0.0/0"]));
    });
    it("rejects a CIDR the load balancer's security group would drop", () => {
        assert.throws(() => validateMonitoringArgs(args(["192.168.0.0/16"], ["10.0.0.0/8"])), /`grafana.allowedCidrs` entry 192\.168\.0\.0\/16 is not inside the load balancer's allowed CIDRs/);
    });
    it("rejects more CIDRs than a listener rule takes", () => {
        assert.throws(() => validateMonitoringArgs(args(["10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16"], ["10.0.0.0/8"])), /`grafana.allowedCidrs` has 4 entries/);
    });
    it("cidrContains", () => {
        assert.equal(cidrContains("10.0.0.0/8", "10.200.0.0/16"), true);
        assert.equal(cidrContains("10.0.0.0/16", "10.0.0.0/8"), false);
        assert.equal(cidrContains("0.0.0.0/0", "1.2.3.4/32"), true);
    });
});
