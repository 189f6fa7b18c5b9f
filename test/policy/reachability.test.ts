/**
 * The reachability model (policy/reachability.ts) on the real graphs and on graphs broken the ways
 * AWS would notice: which flows the system needs, who wears which security groups, and how each
 * kind of rule (inline, standalone, ec2 SecurityGroupRule, CIDR, group reference) is read.
 */
import { strict as assert } from "node:assert";
import { describeReachability, REACHABILITY_RULES } from "../../policy/reachability";
import { evaluate, type PolicyResource, type Violation } from "../../policy/rules";
import { stackGraph } from "../harness";
import { mutate, withResource, type Resources } from "./mutate";
import { EGRESS, INGRESS, SERVICE, prometheusBuiltFrom, without } from "./reachability.breaks";
import { editContainers } from "./mutate";

const SG = "aws:ec2/securityGroup:SecurityGroup";

function violations(stack: "dev" | "prod", resources: readonly PolicyResource[], rule?: string): Violation[] {
    return evaluate({ environment: stack, resources }, REACHABILITY_RULES).filter((v) => rule === undefined || v.rule === rule);
}

/** The dev graph with one resource changed or added, as a fresh array. */
async function dev(): Promise<Resources> {
    return structuredClone((await stackGraph("dev")).resources) as unknown as Resources;
}

describe("reachability model", () => {
    it("computes every flow the dev stack needs, from its listeners, rendered configs, environment and volumes", async () => {
        const d = describeReachability({ environment: "dev", resources: (await stackGraph("dev")).resources });
        const flows = d.required.map((f) => f.replace(/ \(.*\)$/, ""));
        assert.deepEqual([...new Set(flows)].sort(), [
            "data-postgres-svc -> data-pgdata:2049",
            "monitoring-grafana-alb -> monitoring-grafana-svc:3000",
            "monitoring-grafana-svc -> alerting-alertmanager-svc:9093",
            "monitoring-grafana-svc -> monitoring-prometheus-svc:9090",
            "monitoring-postgres-exporter-svc -> data-postgres-svc:5432",
            "monitoring-prometheus-svc -> alerting-alertmanager-svc:9093",
            "monitoring-prometheus-svc -> monitoring-cadvisor-svc:8080",
            "monitoring-prometheus-svc -> monitoring-node-exporter-svc:9100",
            "monitoring-prometheus-svc -> monitoring-postgres-exporter-svc:9187",
            "monitoring-prometheus-svc -> monitoring-redis-exporter-svc:9121",
            "monitoring-prometheus-svc -> web-svc:9464",
            "monitoring-redis-exporter-svc -> data-redis-svc:6379",
            "web-alb -> web-svc:3000",
            "web-svc -> data-postgres-svc:5432",
            "web-svc -> data-redis-svc:6379",
        ]);
        assert.ok(d.required.includes("monitoring-prometheus-svc -> alerting-alertmanager-svc:9093 (prometheus.yml alerting (Alertmanager))"));
    });

    it("in prod, the web server and exporters need RDS and ElastiCache, found by their endpoints", async () => {
        const d = describeReachability({ environment: "prod", resources: (await stackGraph("prod")).resources });
        for (const f of [
            "web-svc -> data-postgres:5432",
            "web-svc -> data-redis:6379",
            "monitoring-postgres-exporter-svc -> data-postgres:5432",
            "monitoring-redis-exporter-svc -> data-redis:6379",
        ]) {
            assert.ok(
                d.required.some((r) => r.startsWith(f)),
                f,
            );
        }
        assert.deepEqual(d.nodes["data-postgres"], ["data-postgres-sg"]);
    });

    it("in prod, every Alertmanager task gossips with every other (and itself) on 9094, TCP and UDP, as its --cluster.peer names them", async () => {
        const d = describeReachability({ environment: "prod", resources: (await stackGraph("prod")).resources });
        const gossip = d.required.filter((f) => f.includes("--cluster.peer"));
        assert.deepEqual(gossip, [
            "alerting-alertmanager-svc -> alerting-alertmanager-svc:9094 (alertmanager --cluster.peer alertmanager.prod.koronet.internal (gossip, TCP))",
            "alerting-alertmanager-svc -> alerting-alertmanager-svc:9094/udp (alertmanager --cluster.peer alertmanager.prod.koronet.internal (gossip, UDP))",
        ]);
        const dev = describeReachability({ environment: "dev", resources: (await stackGraph("dev")).resources });
        assert.deepEqual(
            dev.required.filter((f) => f.includes("--cluster.peer")),
            [],
            "dev's single Alertmanager has no cluster",
        );
    });

    it("reports gossip opened wider than the cluster: to the VPC's CIDR (others reach 9094), or every port between the tasks", async () => {
        const prod = structuredClone((await stackGraph("prod")).resources) as unknown as Resources;
        const vpcWide = withResource(prod, {
            type: INGRESS,
            name: "alertmanager-gossip-from-vpc",
            inputs: { securityGroupId: "alerting-alertmanager-sg-id", cidrIpv4: "10.50.0.0/16", ipProtocol: "udp", fromPort: 9094, toPort: 9094 },
        });
        const wide = violations("prod", vpcWide.resources, "reach-only-expected-clients");
        assert.ok(
            wide.some(
                (v) =>
                    v.resource === `${SERVICE}::alerting-alertmanager-svc` &&
                    /monitoring-prometheus-svc can reach alerting-alertmanager-svc on 9094 \(UDP\)/.test(v.message),
            ),
            JSON.stringify(wide),
        );
        const allPorts = mutate(
            prod,
            SG,
            (i) => {
                (i.egress as Record<string, unknown>[]).push({ protocol: "-1", fromPort: 0, toPort: 0, self: true });
            },
            "alerting-alertmanager-sg",
        );
        const selfOpen = withResource(allPorts.resources, {
            type: INGRESS,
            name: "alertmanager-from-itself",
            inputs: { securityGroupId: "alerting-alertmanager-sg-id", referencedSecurityGroupId: "alerting-alertmanager-sg-id", ipProtocol: "-1" },
        });
        const among = violations("prod", selfOpen.resources, "reach-only-expected-clients").map((v) => v.message);
        assert.ok(among.includes("alerting-alertmanager-svc can reach each other on 0-9093, 9095-65535, which no required flow needs"), JSON.stringify(among));
        assert.ok(
            among.includes("alerting-alertmanager-svc can reach each other on 0-9093, 9095-65535 (UDP), which no required flow needs"),
            JSON.stringify(among),
        );
    });

    it("host-network DAEMON exporters wear the container instances' group (from the launch template of the capacity provider's group)", async () => {
        const d = describeReachability({ environment: "dev", resources: (await stackGraph("dev")).resources });
        assert.deepEqual(d.nodes["monitoring-node-exporter-svc"], ["cluster-instances-sg"]);
        assert.deepEqual(d.nodes["monitoring-cadvisor-svc"], ["cluster-instances-sg"]);
        assert.deepEqual(d.nodes["data-pgdata"], ["data-pgdata-sg"], "EFS wears its mount targets' group");
    });

    it("both real graphs pass every reachability rule", async () => {
        for (const stack of ["dev", "prod"] as const) assert.deepEqual(violations(stack, (await stackGraph(stack)).resources), [], stack);
    });
});

describe("reachability rules on broken graphs", () => {
    it("[issue 11 #6] web tasks without Prometheus ingress: reported on the web service, naming the scrape job and the missing side", async () => {
        const { resources } = without(await dev(), INGRESS, "web-tasks-from-prometheus", "");
        const v = violations("dev", resources, "reach-prometheus-targets");
        assert.deepEqual(
            v.map((x) => x.resource),
            [`${SERVICE}::web-svc`],
        );
        assert.match(
            v[0]!.message,
            /monitoring-prometheus-svc → web-svc on 9464 \(prometheus\.yml job koronet\): no ingress rule of web-svc's security groups admits monitoring-prometheus-svc/,
        );
    });

    it("[issue 11 #7] a data-store task group without egress: no HTTPS at start, no NFS to EFS", async () => {
        let r = await dev();
        for (const name of ["data-postgres-to-https", "data-postgres-to-nfs"]) r = without(r, EGRESS, name, "").resources;
        assert.deepEqual(
            violations("dev", r, "reach-https-at-start").map((x) => x.resource),
            [`${SERVICE}::data-postgres-svc`],
        );
        const efs = violations("dev", r, "reach-efs-mount-targets");
        assert.deepEqual(
            efs.map((x) => x.resource),
            [`${SERVICE}::data-postgres-svc`],
        );
        assert.match(efs[0]!.message, /on 2049 \(EFS volume pgdata\): no egress rule of data-postgres-svc's security groups lets it out/);
    });

    it("[issue 11 #9] a private source CIDR on an internet-facing load balancer's listener rule never matches", async () => {
        const { resources } = withResource(await dev(), {
            type: "aws:lb/listenerRule:ListenerRule",
            name: "office",
            inputs: {
                listenerArn: "arn:aws:lb:eu-west-1:123456789012:listener/monitoring-grafana-http",
                conditions: [{ sourceIp: { values: ["203.0.113.0/24", "192.168.0.0/16"] } }],
                actions: [],
            },
        });
        const v = violations("dev", resources, "reach-listener-rule-source-ip");
        assert.equal(v.length, 1, "the public CIDR is fine");
        assert.match(
            v[0]!.message,
            /source IP 192\.168\.0\.0\/16 lies in 192\.168\.0\.0\/16 \(private \(RFC 1918\)\); monitoring-grafana-alb is internet-facing/,
        );
    });

    it("[issue 13 #8] maps each http_sd job of the rendered prometheus.yml to the ECS service of its Cloud Map service: web tasks on their metrics port, daemons on their registered port", async () => {
        const d = describeReachability({ environment: "prod", resources: (await stackGraph("prod")).resources });
        for (const f of [
            "monitoring-prometheus-svc -> web-svc:9464 (prometheus.yml job koronet)",
            "monitoring-prometheus-svc -> monitoring-node-exporter-svc:9100 (prometheus.yml job node)",
            "monitoring-prometheus-svc -> monitoring-cadvisor-svc:8080 (prometheus.yml job cadvisor)",
        ])
            assert.ok(d.required.includes(f), f);
    });

    it("[issue 13 #8] an http_sd job whose sidecar is not in Prometheus' task, or whose URL is not the sidecar's, is reported", async () => {
        const noSidecar = mutate(
            await dev(),
            "aws:ecs/taskDefinition:TaskDefinition",
            (i) =>
                editContainers(i, (c) => {
                    c.splice(
                        c.findIndex((x) => x.name === "cloudmap-sd"),
                        1,
                    );
                }),
            "monitoring-prometheus-task",
        ).resources;
        const v = violations("dev", noSidecar, "reach-prometheus-targets");
        assert.deepEqual([...new Set(v.map((x) => x.resource))], [`${SERVICE}::monitoring-prometheus-svc`]);
        assert.match(
            v.map((x) => x.message).join("\n"),
            /job koronet: its targets come from 127\.0\.0\.1:9099, where no container of monitoring-prometheus-svc's task listens/,
        );
        const renamed = mutate(
            await dev(),
            "aws:servicediscovery/service:Service",
            (i) => {
                i.name = "web";
            },
            "web-discovery",
        ).resources;
        assert.match(
            violations("dev", renamed, "reach-prometheus-targets")
                .map((x) => x.message)
                .join("\n"),
            /job koronet: koronet\.dev\.koronet\.internal names no ECS service registered/,
        );
    });

    it("[issue 13 #8] finds by DNS only services that cannot outgrow a DNS answer: 12 web tasks by DNS is a violation, the single-task exporters are not", async () => {
        const prod = (await stackGraph("prod")).resources;
        assert.deepEqual(violations("prod", prod, "reach-dns-discovery-at-most-8"), [], "the deployed config");
        const v = violations("prod", prometheusBuiltFrom(prod, "test/policy/fixtures/prometheus-dns-koronet"), "reach-dns-discovery-at-most-8");
        assert.equal(v.length, 1);
        assert.match(
            v[0]!.message,
            /job koronet finds web-svc by DNS \(koronet\.prod\.koronet\.internal\), which can run 12 tasks: a DNS answer holds at most 8 records/,
        );
        // A DAEMON found by DNS counts one task per instance: prod's EC2 group may grow to 4 (fine), 9 is not.
        const wide = mutate(prod, "aws:autoscaling/group:Group", (i) => {
            i.maxSize = 9;
        }).resources;
        const daemons = violations("prod", prometheusBuiltFrom(wide, "test/policy/fixtures/prometheus-dns-daemons"), "reach-dns-discovery-at-most-8");
        assert.deepEqual(
            daemons.map((x) => x.resource),
            [`${SERVICE}::monitoring-node-exporter-svc`],
        );
        assert.match(daemons[0]!.message, /which can run 9 tasks/);
    });

    it("[issue 13 #9] the metrics port is never where a load balancer forwards: a target group on it is reported", async () => {
        const r = mutate(
            await dev(),
            SERVICE,
            (i) => {
                (i.loadBalancers as { containerPort: number }[])[0]!.containerPort = 9464;
            },
            "web-svc",
        ).resources;
        const v = violations("dev", r, "reach-metrics-not-via-lb");
        assert.deepEqual(
            v.map((x) => x.resource),
            [`${SERVICE}::web-svc`],
        );
        assert.match(v[0]!.message, /web-svc's port 9464, which Prometheus scrapes \(prometheus\.yml job koronet\), is also where web-alb forwards/);
        assert.deepEqual(violations("dev", (await stackGraph("dev")).resources, "reach-metrics-not-via-lb"), []);
    });

    it("[issue 13 #9] the internet cannot reach the web tasks' metrics port: only Prometheus is admitted there", async () => {
        const g = (await stackGraph("prod")).resources;
        const rules = g.filter((r) => r.type === INGRESS && r.inputs.securityGroupId === "web-tasks-id");
        assert.deepEqual(rules.map((r) => [r.name, r.inputs.fromPort, r.inputs.referencedSecurityGroupId]).sort(), [
            ["web-tasks-from-alb", 3000, "web-alb-id"],
            ["web-tasks-from-prometheus", 9464, "monitoring-prometheus-id"],
        ]);
        assert.deepEqual(violations("prod", g, "reach-internet-only-listeners"), []);
    });

    it("reads the SRV port of a host-network daemon from its service registry, and the instance group's rules", async () => {
        const { resources } = mutate(
            await dev(),
            SERVICE,
            (i) => {
                (i.serviceRegistries as { containerPort: number }).containerPort = 9101;
            },
            "monitoring-node-exporter-svc",
        );
        const v = violations("dev", resources, "reach-prometheus-targets");
        assert.deepEqual(
            v.map((x) => x.resource),
            [`${SERVICE}::monitoring-node-exporter-svc`],
        );
        assert.match(v[0]!.message, /on 9101 \(prometheus\.yml job node\)/);
    });

    it("reports a prometheus.yml name that no Cloud Map service of the stack answers", async () => {
        const { resources } = mutate(
            await dev(),
            "aws:servicediscovery/service:Service",
            (i) => {
                i.name = "cadvisor-renamed";
            },
            "monitoring-cadvisor-discovery",
        );
        const v = violations("dev", resources, "reach-prometheus-targets");
        assert.match(v.map((x) => x.message).join("\n"), /job cadvisor: cadvisor\.dev\.koronet\.internal names no ECS service registered/);
    });

    it("reads aws:ec2/securityGroupRule the same way as a standalone vpc rule", async () => {
        let { resources } = without(await dev(), INGRESS, "web-tasks-from-prometheus", "");
        resources = withResource(resources, {
            type: "aws:ec2/securityGroupRule:SecurityGroupRule",
            name: "old-style",
            inputs: {
                type: "ingress",
                securityGroupId: "web-tasks-id",
                sourceSecurityGroupId: "monitoring-prometheus-id",
                protocol: "tcp",
                fromPort: 9464,
                toPort: 9464,
            },
        }).resources;
        assert.deepEqual(violations("dev", resources), []);
    });

    it("a CIDR peer proves a flow only when it holds the whole VPC", async () => {
        // Grafana's data sources: Prometheus (9090) and Alertmanager (9093); both flows judged by the same CIDR.
        const egress = async (cidr: string) =>
            mutate(
                await dev(),
                SG,
                (i) => {
                    i.egress = [
                        { protocol: "tcp", fromPort: 9090, toPort: 9093, cidrBlocks: [cidr] },
                        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
                    ];
                },
                "monitoring-grafana-sg",
            ).resources;
        assert.deepEqual(violations("dev", await egress("10.40.0.0/16"), "reach-grafana-datasources"), [], "the VPC's CIDR");
        assert.deepEqual(
            violations("dev", await egress("10.40.1.0/24"), "reach-grafana-datasources").map((x) => x.resource),
            [`${SERVICE}::monitoring-grafana-svc`, `${SERVICE}::monitoring-grafana-svc`],
            "one subnet's (both data sources)",
        );
    });

    it("a group admitting the VPC's CIDR opens a data store to every workload in it", async () => {
        const { resources } = withResource(await dev(), {
            type: INGRESS,
            name: "redis-from-vpc",
            inputs: { securityGroupId: "data-redis-id", cidrIpv4: "10.40.0.0/16", ipProtocol: "tcp", fromPort: 6379, toPort: 6379 },
        });
        const v = violations("dev", resources, "reach-only-expected-clients");
        assert.ok(v.every((x) => x.resource === `${SERVICE}::data-redis-svc`));
        assert.match(v.map((x) => x.message).join("\n"), /monitoring-grafana-svc can reach data-redis-svc on 6379, which no required flow needs/);
        assert.ok(!v.some((x) => /^web-svc can reach/.test(x.message)), "the web server needs it");
    });

    it("an internal load balancer is not reachable from the internet, whatever its group admits", async () => {
        const { resources } = mutate(
            await dev(),
            "aws:lb/loadBalancer:LoadBalancer",
            (i) => {
                i.internal = true;
            },
            "monitoring-grafana-alb",
        );
        const withOpenPort = mutate(
            resources,
            SG,
            (i) => {
                (i.ingress as unknown[]).push({ protocol: "tcp", fromPort: 8443, toPort: 8443, cidrBlocks: ["0.0.0.0/0"] });
            },
            "monitoring-grafana-alb-sg",
        ).resources;
        assert.deepEqual(violations("dev", withOpenPort, "reach-internet-only-listeners"), []);
        const facing = mutate(
            await dev(),
            SG,
            (i) => {
                (i.ingress as unknown[]).push({ protocol: "tcp", fromPort: 8443, toPort: 8443, cidrBlocks: ["0.0.0.0/0"] });
            },
            "monitoring-grafana-alb-sg",
        ).resources;
        assert.match(
            violations("dev", facing, "reach-internet-only-listeners")[0]!.message,
            /monitoring-grafana-alb admits public source addresses on 8443, where no listener is/,
        );
    });

    it("says nothing about required flows when a rule's group is unknown (a real preview), but still reports what is open", async () => {
        let { resources } = mutate(
            await dev(),
            INGRESS,
            (i) => {
                delete i.securityGroupId;
            },
            "web-tasks-from-prometheus",
        );
        assert.deepEqual(violations("dev", resources), []);
        resources = withResource(resources, {
            type: INGRESS,
            name: "data-redis-from-world",
            inputs: { securityGroupId: "data-redis-id", cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 6379, toPort: 6379 },
        }).resources;
        assert.ok(violations("dev", resources).some((v) => v.rule === "reach-internet-only-listeners"));
    });
});
