/** The monitoring layer in both stacks' graphs: services, ports, scheduling, mounts, security groups, secrets. */
import { strict as assert } from "node:assert";
import { graphWith, parseJson, stackGraph, type Graph } from "../harness";
import { hardened } from "../../components/common/containers";
import { HOST_DAEMONS, NODE_EXPORTER_MOUNT_POINTS_EXCLUDE, hostDaemonContainer, hostDaemonVolumes } from "../../components/monitoring/host-exporters";
import { HOST_ACCESS_CONTAINERS } from "../../components/monitoring/images";
import { validateMonitoringArgs } from "../../components/monitoring";
import { TLS_POLICY } from "../../components/service";
import { PUBLISHED_APP_METRICS } from "../../components/monitoring/sidecars";
import { RDS_INSTANCE_METRICS } from "../../components/monitoring/cloudwatch/dashboard";

const SVC = "aws:ecs/service:Service";
const TD = "aws:ecs/taskDefinition:TaskDefinition";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
interface SgRule {
    fromPort: number;
    toPort: number;
    cidrBlocks?: string[];
    securityGroups?: string[];
}

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

        it("[issue 13 #2] gives every EC2 container a hard memory limit, the limit cAdvisor reports (0 without one), the limits filling the task's memory", () => {
            const ec2 = g.ofType("aws:ecs/taskDefinition:TaskDefinition").filter((td) => (td.inputs.requiresCompatibilities as string[]).includes("EC2"));
            assert.deepEqual(ec2.map((td) => td.name).sort(), ["monitoring-cadvisor-task", "monitoring-node-exporter-task", "monitoring-prometheus-task"]);
            for (const td of ec2) {
                const containers = g.containers(td);
                for (const c of containers) assert.ok(typeof c.memory === "number" && c.memory > 0, `${td.name}/${c.name}: hard memory limit`);
                // ECS: the hard limits must fit in the task's memory; filling it leaves no memory no alert judges.
                assert.equal(
                    containers.reduce((n, c) => n + Number(c.memory), 0),
                    Number(td.inputs.memory),
                    `${td.name}: container limits sum to the task memory`,
                );
            }
            assert.deepEqual(
                g.containers(g.one(TD, "monitoring-prometheus-task")).map((c) => c.name),
                ["prometheus", "cloudmap-sd"],
            );
        });

        it("registers every scrape target in Cloud Map under the names prometheus.yml resolves", () => {
            const names = g
                .ofType("aws:servicediscovery/service:Service")
                .map((s) => [s.inputs.name, (s.inputs.dnsConfig as { dnsRecords: { type: string }[] }).dnsRecords[0]?.type]);
            for (const [n, type] of [
                ["koronet", "A"],
                ["prometheus", "A"],
                ["postgres-exporter", "A"],
                ["redis-exporter", "A"],
                ["node-exporter", "SRV"],
                ["cadvisor", "SRV"],
            ]) {
                assert.ok(
                    names.some(([a, b]) => a === n && b === type),
                    `${n} (${type}) registered`,
                );
            }
        });

        it("mounts host paths only into the host exporters, read-only, without privileges", () => {
            for (const td of g.ofType(TD)) {
                const hostVolumes = new Set(
                    ((td.inputs.volumes as { name: string; hostPath?: string }[] | undefined) ?? []).filter((v) => v.hostPath !== undefined).map((v) => v.name),
                );
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
            assert.deepEqual(
                containerOf("monitoring-cadvisor-svc", "cadvisor")
                    .mountPoints?.map((m) => m.containerPath)
                    .sort(),
                ["/dev/disk", "/rootfs", "/sys", "/sys/fs/cgroup", "/var/lib/docker", "/var/run"],
            );
        });

        // node_exporter README, "Docker": --net="host" --pid="host" -v "/:/host:ro,rslave" --path.rootfs=/host
        // (https://github.com/prometheus/node_exporter#docker); pidMode host on EC2:
        // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#task_definition_pidmode
        it("runs Node Exporter in the instance's PID and network namespaces with the host root read-only at --path.rootfs, as its README's Docker usage", () => {
            const td = g.taskDefinitionOf(g.one(SVC, "monitoring-node-exporter-svc"));
            assert.equal(
                td.inputs.pidMode,
                "host",
                "without it /proc/1/mounts is the container's table: the host volume reads readonly=1 and DiskSpaceLow never sees it",
            );
            assert.equal(td.inputs.networkMode, "host");
            assert.deepEqual(td.inputs.volumes, [{ name: "hostroot", hostPath: "/" }]);
            const node = containerOf("monitoring-node-exporter-svc", "node-exporter");
            assert.equal(node.user, "65534:65534");
            assert.equal(node.readonlyRootFilesystem, true);
            assert.deepEqual(node.command, [
                "--path.rootfs=/host",
                "--web.listen-address=:9100",
                `--collector.filesystem.mount-points-exclude=${NODE_EXPORTER_MOUNT_POINTS_EXCLUDE}`,
            ]);
            const excluded = new RegExp(NODE_EXPORTER_MOUNT_POINTS_EXCLUDE);
            for (const m of [
                "/etc/hosts",
                "/etc/hostname",
                "/etc/resolv.conf",
                "/proc",
                "/sys/fs/cgroup",
                "/run/docker/netns/abc",
                "/var/lib/docker/overlay2/x/merged",
                "/dev/shm",
            ])
                assert.ok(excluded.test(m), `${m} excluded`);
            for (const m of ["/", "/var/lib/docker", "/etc", "/etc/hosts.d", "/data"]) assert.ok(!excluded.test(m), `${m} kept`);
        });

        it("builds both host daemons' task definitions from host-exporters.ts, the description the e2e instance model runs", () => {
            for (const d of HOST_DAEMONS) {
                const svc = `monitoring-${d.key}-svc`;
                const td = g.taskDefinitionOf(g.one(SVC, svc));
                const { logConfiguration: _logs, ...planned } = containerOf(svc, d.container.name);
                assert.deepEqual(planned, JSON.parse(JSON.stringify(hardened(hostDaemonContainer(d)))), svc);
                assert.deepEqual(td.inputs.volumes, hostDaemonVolumes(d), svc);
                assert.equal(td.inputs.pidMode, d.pidMode, svc);
            }
        });

        it("runs cAdvisor from ghcr.io, pinned, with the cgroup v2 hierarchy mounted, without privileges or the host PID namespace", () => {
            const td = g.taskDefinitionOf(g.one(SVC, "monitoring-cadvisor-svc"));
            const c = containerOf("monitoring-cadvisor-svc", "cadvisor");
            assert.match(String(c.image), /^ghcr\.io\/google\/cadvisor:\d+\.\d+\.\d+$/);
            assert.equal(td.inputs.pidMode, undefined);
            assert.equal(c.privileged, false);
            assert.deepEqual(c.linuxParameters?.capabilities?.drop, ["ALL"]);
            assert.deepEqual(
                c.mountPoints?.find((m) => m.containerPath === "/sys/fs/cgroup"),
                { sourceVolume: "cgroup", containerPath: "/sys/fs/cgroup", readOnly: true },
            );
            assert.ok(c.command?.includes("--enable_metrics=cpu,memory,network,diskIO"));
            assert.ok(!c.command?.some((f) => String(f).startsWith("--disable_metrics")), "--disable_metrics replaces cAdvisor's default deny-list");
        });

        it("keeps Prometheus' TSDB on a local Docker volume, not EFS, with the stack's retention", () => {
            const td = g.taskDefinitionOf(g.one(SVC, "monitoring-prometheus-svc"));
            const volumes = td.inputs.volumes as { name: string; efsVolumeConfiguration?: unknown; dockerVolumeConfiguration?: { scope: string } }[];
            assert.ok(volumes.every((v) => v.efsVolumeConfiguration === undefined));
            assert.equal(volumes.find((v) => v.name === "tsdb")?.dockerVolumeConfiguration?.scope, "shared");
            const c = containerOf("monitoring-prometheus-svc", "prometheus");
            assert.ok(c.command?.includes(`--storage.tsdb.retention.time=${stack === "prod" ? 30 : 7}d`), String(c.command));
            // Never two servers on one volume: a single server stops before its replacement starts;
            // prod's pair replaces one at a time (one per instance: high-availability.test.ts).
            const svc = g.one(SVC, "monitoring-prometheus-svc").inputs;
            assert.equal(svc.deploymentMaximumPercent, 100);
            assert.equal(svc.deploymentMinimumHealthyPercent, stack === "prod" ? 50 : 0);
        });

        it("[F3] re-sends firing alerts every 15 s, so a dead Prometheus's Watchdog expires from Alertmanager within a minute", () => {
            // Each send is valid for 4 × max(resend delay, evaluation interval); the default 1 m would keep it 4 min.
            const c = containerOf("monitoring-prometheus-svc", "prometheus");
            assert.ok(c.command?.includes("--rules.alert.resend-delay=15s"), String(c.command));
        });

        it("lets only Prometheus reach exporter ports (incl. 9100/8080 on the instances)", () => {
            const prom = "monitoring-prometheus-id";
            for (const name of ["monitoring-postgres-exporter", "monitoring-redis-exporter"]) {
                const rules = g.one(SG, `${name}-sg`).inputs.ingress as SgRule[];
                assert.deepEqual(
                    rules.map((r) => r.securityGroups),
                    [[prom]],
                    name,
                );
                assert.ok(
                    rules.every((r) => r.cidrBlocks === undefined),
                    name,
                );
            }
            const instanceRules = g.ofType(INGRESS).filter((r) => r.inputs.securityGroupId === "cluster-instances-id");
            assert.deepEqual(instanceRules.map((r) => [r.inputs.fromPort, r.inputs.referencedSecurityGroupId]).sort(), [
                [8080, prom],
                [9100, prom],
            ]);
            assert.deepEqual(
                (g.one(SG, "monitoring-prometheus-sg").inputs.ingress as SgRule[]).map((r) => [r.fromPort, r.securityGroups]),
                [[9090, ["monitoring-grafana-id"]]],
            );
            assert.deepEqual(
                (g.one(SG, "monitoring-grafana-sg").inputs.ingress as SgRule[]).map((r) => [r.fromPort, r.securityGroups]),
                [[3000, ["monitoring-grafana-alb-id"]]],
            );
        });

        it("admits the data-store exporters to their store only", () => {
            const rules = g.ofType(INGRESS).filter((r) => r.name.startsWith("data-"));
            assert.deepEqual(
                rules.filter((r) => r.inputs.referencedSecurityGroupId === "monitoring-postgres-exporter-id").map((r) => r.inputs.fromPort),
                [5432],
            );
            assert.deepEqual(
                rules.filter((r) => r.inputs.referencedSecurityGroupId === "monitoring-redis-exporter-id").map((r) => r.inputs.fromPort),
                [6379],
            );
        });

        it("points the exporters at the stack's data-store mode with credentials only as ECS secrets", () => {
            const pg = containerOf("monitoring-postgres-exporter-svc", "postgres-exporter");
            const env = Object.fromEntries((pg.environment ?? []).map((e) => [e.name, String(e.value)]));
            assert.match(
                env.DATA_SOURCE_URI ?? "",
                stack === "prod"
                    ? /rds\.amazonaws\.com:5432\/koronet\?sslmode=verify-full&sslrootcert=\/etc\/postgres_exporter\/rds-ca\.pem$/
                    : /^postgres\.dev\.koronet\.internal:5432\/koronet\?sslmode=disable$/,
            );
            assert.equal(env.DATA_SOURCE_USER, "koronet");
            assert.deepEqual(
                pg.secrets?.map((s) => s.name),
                ["DATA_SOURCE_PASS"],
            );
            assert.ok(pg.command?.includes("--extend.query-path=/etc/postgres_exporter/queries.yaml"));
            const redis = containerOf("monitoring-redis-exporter-svc", "redis-exporter");
            const renv = Object.fromEntries((redis.environment ?? []).map((e) => [e.name, String(e.value)]));
            assert.match(renv.REDIS_ADDR ?? "", stack === "prod" ? /^rediss:\/\/master\..*:6379$/ : /^redis:\/\/redis\.dev\.koronet\.internal:6379$/);
            assert.deepEqual(
                redis.secrets?.map((s) => s.name),
                ["REDIS_PASSWORD"],
            );
            for (const c of [pg, redis]) for (const s of c.secrets ?? []) assert.match(String(s.valueFrom), /^arn:aws:secretsmanager:/);
        });

        it("[issue 11 #9] serves Grafana from its own internet-facing load balancer, open to grafana.allowedCidrs, behind Grafana's login", () => {
            const alb = g.one("aws:lb/loadBalancer:LoadBalancer", "monitoring-grafana-alb").inputs;
            assert.equal(alb.internal, false);
            assert.deepEqual(alb.subnets, g.one("aws:lb/loadBalancer:LoadBalancer", "web-alb").inputs.subnets, "public subnets, as the app's");
            assert.deepEqual(alb.securityGroups, ["monitoring-grafana-alb-id"]);
            assert.equal(alb.dropInvalidHeaderFields, true);
            assert.equal(alb.enableDeletionProtection, stack === "prod");
            const ingress = g.one(SG, "monitoring-grafana-alb-sg").inputs.ingress as SgRule[];
            assert.deepEqual(
                ingress.map((r) => [r.fromPort, r.toPort, r.cidrBlocks]),
                [[80, 80, ["0.0.0.0/0"]]],
            );
            const egress = g
                .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
                .filter((r) => r.inputs.securityGroupId === "monitoring-grafana-alb-id");
            assert.deepEqual(
                egress.map((r) => [r.inputs.fromPort, r.inputs.referencedSecurityGroupId]),
                [[3000, "monitoring-grafana-id"]],
            );
            const http = g.one("aws:lb/listener:Listener", "monitoring-grafana-http").inputs;
            assert.equal(http.loadBalancerArn, "arn:aws:lb:eu-west-1:123456789012:loadBalancer/monitoring-grafana-alb");
            assert.deepEqual(http.defaultActions, [{ type: "forward", targetGroupArn: "arn:aws:lb:eu-west-1:123456789012:targetGroup/monitoring-grafana" }]);
            assert.equal(g.ofType("aws:lb/listenerRule:ListenerRule").length, 0, "no rule on the app's listener");
            assert.equal((g.one("aws:lb/targetGroup:TargetGroup", "monitoring-grafana-tg").inputs.healthCheck as { path: string }).path, "/api/health");
            const c = containerOf("monitoring-grafana-svc", "grafana");
            const env = Object.fromEntries((c.environment ?? []).map((e) => [e.name, String(e.value)]));
            assert.equal(env.GF_AUTH_ANONYMOUS_ENABLED, "false");
            assert.equal(env.GF_USERS_ALLOW_SIGN_UP, "false");
            assert.equal(env.GF_SECURITY_DISABLE_BRUTE_FORCE_LOGIN_PROTECTION, "false");
            assert.equal(env.GF_SERVER_SERVE_FROM_SUB_PATH, undefined);
            assert.match(env.GF_SERVER_ROOT_URL ?? "", /^http:\/\/monitoring-grafana-alb-[^/]+\.elb\.amazonaws\.com\/$/);
            assert.deepEqual(
                c.secrets?.map((s) => s.name),
                ["GF_SECURITY_ADMIN_PASSWORD"],
            );
            const secret = g.one("aws:secretsmanager/secret:Secret", "monitoring-grafana-admin");
            assert.match(String(secret.inputs.kmsKeyId), /^arn:aws:kms:/);
            assert.equal(g.one(SVC, "monitoring-grafana-svc").inputs.desiredCount, stack === "prod" ? 2 : 1);
        });

        it("exposes nothing of the monitoring layer to the world but Grafana's load balancer on 80/443", () => {
            for (const sg of g.ofType(SG).filter((s) => s.name.startsWith("monitoring-") && s.name !== "monitoring-grafana-alb-sg")) {
                for (const r of (sg.inputs.ingress as SgRule[] | undefined) ?? []) assert.equal(r.cidrBlocks, undefined, sg.name);
            }
            for (const r of g.one(SG, "monitoring-grafana-alb-sg").inputs.ingress as SgRule[])
                assert.ok([80, 443].includes(r.fromPort) && r.fromPort === r.toPort);
            for (const r of g.ofType(INGRESS).filter((x) => x.name.startsWith("monitoring-"))) assert.equal(r.inputs.cidrIpv4, undefined, r.name);
        });

        it(stack === "prod" ? "remote-writes to its own AMP workspace with aps:RemoteWrite scoped to it" : "does not remote-write (no workspace)", () => {
            const workspaces = g.ofType("aws:amp/workspace:Workspace");
            const c = containerOf("monitoring-prometheus-svc", "prometheus");
            const role = g.one("aws:iam/role:Role", "monitoring-prometheus-task-role");
            const policies = (role.inputs.inlinePolicies as { policy: string }[] | undefined) ?? [];
            // Besides the discovery sidecar's DiscoverInstances (tested below).
            const st = parseJson<{ Statement: { Action: string; Resource: string }[] }>(policies[0]?.policy).Statement.filter(
                (s) => !String(s.Action).startsWith("servicediscovery:"),
            );
            if (stack === "prod") {
                assert.equal(workspaces.length, 1);
                assert.deepEqual(
                    c.environment?.map((e) => e.name),
                    ["AMP_WORKSPACE_ID"],
                );
                assert.deepEqual(
                    st.map((s) => s.Action),
                    ["aps:RemoteWrite"],
                );
                assert.match(String(st[0]?.Resource), /^arn:aws:amp:eu-west-1:\d{12}:workspace\/monitoring-amp$/);
            } else {
                assert.equal(workspaces.length, 0);
                assert.deepEqual(c.environment ?? [], []);
                assert.deepEqual(st, []);
            }
        });

        it("[issue 13 #8] runs the Cloud Map discovery sidecar in Prometheus' task: loopback only, not essential, restarted in place, the stack's namespace", () => {
            const sd = containerOf("monitoring-prometheus-svc", "cloudmap-sd");
            const env = Object.fromEntries((sd.environment ?? []).map((e) => [e.name, String(e.value)]));
            assert.deepEqual(env, { CLOUDMAP_NAMESPACE: `${stack}.koronet.internal`, AWS_REGION: "eu-west-1", LISTEN_HOST: "127.0.0.1", LISTEN_PORT: "9099" });
            assert.equal(sd.essential, false);
            assert.deepEqual((sd as { restartPolicy?: unknown }).restartPolicy, { enabled: true, restartAttemptPeriod: 60 });
            assert.equal(sd.portMappings, undefined, "no port mapping: only its own task reaches it");
            assert.equal(sd.readonlyRootFilesystem, true);
            assert.match(String(sd.image), /monitoring-cloudmap-sd-image-repo@sha256:/);
            const img = g.ofType("docker:index/image:Image").find((i) => String(i.inputs.imageName).includes("cloudmap-sd-image-repo"));
            assert.equal((img?.inputs.build as { context?: string }).context, "cloudmap-sd");
        });

        it("[issue 13 #8] lets the Prometheus task role DiscoverInstances on the namespace and the three services it lists, nothing else of Cloud Map", () => {
            const role = g.one("aws:iam/role:Role", "monitoring-prometheus-task-role");
            const st = parseJson<{ Statement: { Sid: string; Action: string | string[]; Resource: unknown }[] }>(
                (role.inputs.inlinePolicies as { policy: string }[])[0]?.policy,
            ).Statement;
            const sd = st.filter((s) => [s.Action].flat().some((a) => a.startsWith("servicediscovery:")));
            assert.deepEqual(
                sd.map((s) => s.Action),
                ["servicediscovery:DiscoverInstances"],
            );
            assert.deepEqual(sd[0]!.Resource, [
                `arn:aws:servicediscovery:eu-west-1:123456789012:privateDnsNamespace/${stack}.koronet.internal`,
                "arn:aws:servicediscovery:eu-west-1:123456789012:service/koronet",
                "arn:aws:servicediscovery:eu-west-1:123456789012:service/node-exporter",
                "arn:aws:servicediscovery:eu-west-1:123456789012:service/cadvisor",
            ]);
        });

        it("[issue 13 #9] serves the web server's metrics on their own port: mapped in the task, registered with no target group, admitted from Prometheus only, scraped there by the app-metrics sidecar", () => {
            const web = containerOf("web-svc", "web");
            assert.deepEqual(web.portMappings, [
                { containerPort: 3000, name: "http" },
                { containerPort: 9464, name: "metrics" },
            ]);
            assert.ok((web.environment ?? []).some((e) => e.name === "METRICS_PORT" && e.value === "9464"));
            assert.deepEqual(
                (g.one(SVC, "web-svc").inputs.loadBalancers as { containerPort: number }[]).map((l) => l.containerPort),
                [3000],
            );
            const tg = g.one("aws:lb/targetGroup:TargetGroup", "web-targets");
            assert.equal(tg.inputs.port, 3000);
            const fromProm = g.one(INGRESS, "web-tasks-from-prometheus");
            assert.deepEqual([fromProm.inputs.fromPort, fromProm.inputs.toPort], [9464, 9464]);
            const env = Object.fromEntries((containerOf("web-svc", "app-metrics").environment ?? []).map((e) => [e.name, String(e.value)]));
            assert.match(env.PROMETHEUS_CONFIG_CONTENT ?? "", /- 127\.0\.0\.1:9464/);
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
            const role = g.one("aws:iam/role:Role", "web-task-role");
            const st = parseJson<{ Statement: { Sid: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[] }>(
                (role.inputs.inlinePolicies as { policy: string }[])[0]?.policy,
            ).Statement;
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
            for (const ns of ["AWS/ApplicationELB", "AWS/ECS", "ECS/ContainerInsights", "Koronet/App", ...(stack === "prod" ? ["AWS/RDS"] : [])])
                assert.ok(namespaces.has(ns), ns);
            assert.match(String(g.outputs.grafanaUrl), /^http:\/\/monitoring-grafana-alb-[^/]+\.elb\.amazonaws\.com\/$/);
            assert.equal(g.outputs.prometheusAddress, `http://prometheus.${stack}.koronet.internal:9090`);
            assert.match(String(g.outputs.cloudwatchDashboardUrl), new RegExp(`dashboards:name=koronet-${stack}-overview$`));
            assert.ok(Object.keys(g.outputs.monitoringLogGroups as object).includes("prometheus"));
        });

        it("graphs only metrics RDS and ElastiCache publish for what the stack creates: RDS instance metrics (no Aurora Deadlocks), ElastiCache per member node", () => {
            const body = JSON.parse(String(g.one("aws:cloudwatch/dashboard:Dashboard", "monitoring-dashboard").inputs.dashboardBody)) as {
                widgets: { properties: { metrics?: unknown[][] } }[];
            };
            const series = body.widgets.flatMap((w) => w.properties.metrics ?? []).filter((m): m is string[] => typeof m[0] === "string");
            const rds = series.filter((m) => m[0] === "AWS/RDS");
            const cache = series.filter((m) => m[0] === "AWS/ElastiCache");
            const groups = g.ofType("aws:elasticache/replicationGroup:ReplicationGroup");
            assert.equal(rds.length > 0, stack === "prod", "RDS widgets exactly where the stack has RDS");
            for (const m of rds)
                assert.ok(
                    RDS_INSTANCE_METRICS.has(String(m[1])),
                    `AWS/RDS ${m[1]} is not an RDS instance metric (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html)`,
                );
            // Replication group members are <group>-001, -002, …; ElastiCache publishes per member (CacheClusterId).
            const members = new Set(
                groups.flatMap((r) =>
                    Array.from(
                        { length: Number(r.inputs.numCacheClusters) },
                        (_, n) => `${String(r.inputs.replicationGroupId)}-${String(n + 1).padStart(3, "0")}`,
                    ),
                ),
            );
            assert.equal(cache.length > 0, groups.length > 0);
            for (const m of cache) assert.deepEqual([m[2], members.has(String(m[3]))], ["CacheClusterId", true], JSON.stringify(m));
            assert.deepEqual(new Set(cache.map((m) => m[3])), members, "every member node graphed");
            assert.ok(!body.widgets.some((w) => JSON.stringify(w).includes("SEARCH('{AWS/ElastiCache")), "no SEARCH on the group id");
        });
    });
}

describe("monitoring layer switched off", () => {
    it("creates no monitoring resources and no sidecars", async () => {
        // The alarms that read the sidecars' Koronet/App metrics must go too (config rejects them otherwise).
        const g = await graphWith("dev", {
            overrides: {
                "koronet:monitoring": { enabled: false },
                "koronet:alerting": {
                    alerts: { DatabaseConnectionFailures: { enabled: false }, CacheMissRateHigh: { enabled: false }, RedisDown: { enabled: false } },
                },
            },
        });
        assert.equal(g.resources.filter((r) => r.name.startsWith("monitoring") || r.name.startsWith("web-telemetry")).length, 0);
        assert.deepEqual(
            g.containers(g.one(TD, "web-task")).map((c) => c.name),
            ["web"],
        );
    });
});

describe("Grafana over HTTPS", () => {
    it("serves HTTPS with the app's TLS policy when grafana.certificateArn is set, redirects HTTP, and marks cookies secure", async () => {
        const cert = "arn:aws:acm:eu-west-1:123456789012:certificate/grafana-1234";
        const g = await graphWith("prod", { overrides: { "koronet:monitoring": { grafana: { certificateArn: cert, allowedCidrs: ["203.0.113.0/24"] } } } });
        const https = g.one("aws:lb/listener:Listener", "monitoring-grafana-https").inputs;
        assert.equal(https.port, 443);
        assert.equal(https.sslPolicy, TLS_POLICY, "the web listener's TLS policy");
        assert.equal(https.certificateArn, cert);
        const http = g.one("aws:lb/listener:Listener", "monitoring-grafana-http").inputs;
        assert.deepEqual((http.defaultActions as { type: string; redirect: { protocol: string } }[])[0]?.redirect.protocol, "HTTPS");
        const ingress = g.one(SG, "monitoring-grafana-alb-sg").inputs.ingress as SgRule[];
        assert.deepEqual(
            ingress.map((r) => [r.fromPort, r.cidrBlocks]),
            [
                [80, ["203.0.113.0/24"]],
                [443, ["203.0.113.0/24"]],
            ],
        );
        const c = g.containers(g.taskDefinitionOf(g.one(SVC, "monitoring-grafana-svc"))).find((x) => x.name === "grafana");
        const env = Object.fromEntries((c?.environment ?? []).map((e) => [e.name, String(e.value)]));
        assert.equal(env.GF_SECURITY_COOKIE_SECURE, "true");
        assert.match(env.GF_SERVER_ROOT_URL ?? "", /^https:\/\//);
        assert.match(String(g.outputs.grafanaUrl), /^https:\/\/monitoring-grafana-alb-/);
    });
});

describe("validateMonitoringArgs", () => {
    it("rejects a rendered folder that is not rendered/<stack>", () => {
        validateMonitoringArgs({ renderedDir: "rendered/dev" });
        assert.throws(() => validateMonitoringArgs({ renderedDir: "/tmp/x" }), /`renderedDir` must be rendered\/<stack>/);
    });
});
