/** Broken graphs for the rules of policy/reachability.ts: one case per rule id (run by rules.test.ts). */
import type { PolicyResource } from "../../policy/rules";
import { mutate, withResource, type Breaks, type Resources } from "./mutate";

export const SERVICE = "aws:ecs/service:Service";
const SG = "aws:ec2/securityGroup:SecurityGroup";
export const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
export const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

/** A copy of the graph without the resource `type::name`; the rule must then report `target`. */
export function without(resources: readonly PolicyResource[], type: string, name: string, target: string): { resources: Resources; target: string } {
    const copy = structuredClone(resources) as Resources;
    const i = copy.findIndex((r) => r.type === type && r.name === name);
    if (i < 0) throw new Error(`no ${type} ${name} to remove`);
    copy.splice(i, 1);
    return { resources: copy, target };
}

/** The graph with the Prometheus image built from `context` (a folder holding a prometheus.yml). */
export function prometheusBuiltFrom(resources: readonly PolicyResource[], context: string): Resources {
    return mutate(
        resources,
        "docker:index/image:Image",
        (i) => {
            i.build = { ...(i.build as object), context };
        },
        "monitoring-prometheus-image-image",
    ).resources;
}

export const REACHABILITY_BREAKS: Breaks = {
    // A standalone rule on the app load balancer's group, whose ingress is inline.
    "reach-one-rule-style-per-direction": {
        stack: "dev",
        breakIt: (r) => {
            const { resources } = withResource(r, {
                type: INGRESS,
                name: "web-alb-from-office",
                inputs: { securityGroupId: "web-alb-id", cidrIpv4: "203.0.113.0/24", ipProtocol: "tcp", fromPort: 80, toPort: 80 },
            });
            return { resources, target: `${SG}::web-alb-sg` };
        },
    },
    // The load balancer's tasks lose their ingress from it.
    "reach-lb-to-targets": { stack: "dev", breakIt: (r) => without(r, INGRESS, "web-tasks-from-alb", `${SERVICE}::web-svc`) },
    // Today's defect 6: the web tasks admit only the load balancer, so Prometheus cannot scrape them.
    "reach-prometheus-targets": { stack: "prod", breakIt: (r) => without(r, INGRESS, "web-tasks-from-prometheus", `${SERVICE}::web-svc`) },
    // Issue 13 item 8: prod's web server (up to 12 tasks) found by DNS, which answers at most 8 records.
    "reach-dns-discovery-at-most-8": {
        stack: "prod",
        breakIt: (r) => ({ resources: prometheusBuiltFrom(r, "test/policy/fixtures/prometheus-dns-koronet"), target: `${SERVICE}::web-svc` }),
    },
    // Issue 13 item 9: the app's load balancer let into the web tasks' metrics port.
    "reach-metrics-not-via-lb": {
        stack: "dev",
        breakIt: (r) => {
            let { resources } = withResource(r, {
                type: INGRESS,
                name: "web-tasks-metrics-from-alb",
                inputs: { securityGroupId: "web-tasks-id", referencedSecurityGroupId: "web-alb-id", ipProtocol: "tcp", fromPort: 9464, toPort: 9464 },
            });
            resources = withResource(resources, {
                type: EGRESS,
                name: "web-alb-to-tasks-metrics",
                inputs: { securityGroupId: "web-alb-id", referencedSecurityGroupId: "web-tasks-id", ipProtocol: "tcp", fromPort: 9464, toPort: 9464 },
            }).resources;
            return { resources, target: `${SERVICE}::web-svc` };
        },
    },
    "reach-grafana-datasources": {
        stack: "dev",
        breakIt: (r) => {
            const { resources } = mutate(
                r,
                SG,
                (i) => {
                    i.ingress = [];
                },
                "monitoring-prometheus-sg",
            );
            return { resources, target: `${SERVICE}::monitoring-prometheus-svc` };
        },
    },
    "reach-configured-endpoints": { stack: "prod", breakIt: (r) => without(r, INGRESS, "data-postgres-from-web", "aws:rds/instance:Instance::data-postgres") },
    // Today's defect 7 (one half): PostgreSQL's group has no egress to the EFS mount targets.
    "reach-efs-mount-targets": { stack: "dev", breakIt: (r) => without(r, EGRESS, "data-postgres-to-nfs", `${SERVICE}::data-postgres-svc`) },
    // prod's Alertmanager cluster without gossip over UDP: memberlist probes and gossips over UDP.
    "reach-cluster-peers": { stack: "prod", breakIt: (r) => without(r, INGRESS, "alerting-alertmanager-gossip-udp", `${SERVICE}::alerting-alertmanager-svc`) },
    // Today's defect 7: a data-store task group without egress cannot pull, read secrets or log.
    "reach-https-at-start": { stack: "dev", breakIt: (r) => without(r, EGRESS, "data-redis-to-https", `${SERVICE}::data-redis-svc`) },
    // Grafana (allow-all egress) is let into Redis, which only the web server and its exporter need.
    "reach-only-expected-clients": {
        stack: "dev",
        breakIt: (r) => {
            const { resources } = withResource(r, {
                type: INGRESS,
                name: "data-redis-from-grafana",
                inputs: {
                    securityGroupId: "data-redis-id",
                    referencedSecurityGroupId: "monitoring-grafana-id",
                    ipProtocol: "tcp",
                    fromPort: 6379,
                    toPort: 6379,
                },
            });
            return { resources, target: `${SERVICE}::data-redis-svc` };
        },
    },
    // An extra world-open port on Redis.
    "reach-internet-only-listeners": {
        stack: "dev",
        breakIt: (r) => {
            const { resources } = withResource(r, {
                type: INGRESS,
                name: "data-redis-from-world",
                inputs: { securityGroupId: "data-redis-id", cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 6380, toPort: 6380 },
            });
            return { resources, target: `${SERVICE}::data-redis-svc` };
        },
    },
    "reach-listeners-from-internet": {
        stack: "prod",
        breakIt: (r) => {
            const { resources } = mutate(
                r,
                SG,
                (i) => {
                    i.ingress = [{ protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["10.0.0.0/8"] }];
                },
                "monitoring-grafana-alb-sg",
            );
            return { resources, target: "aws:lb/listener:Listener::monitoring-grafana-http" };
        },
    },
    // Today's defect 9: Grafana's rule on the app's internet-facing listener admitted only 10.0.0.0/8.
    "reach-listener-rule-source-ip": {
        stack: "dev",
        breakIt: (r) =>
            withResource(r, {
                type: "aws:lb/listenerRule:ListenerRule",
                name: "grafana-on-app-listener",
                inputs: {
                    listenerArn: "arn:aws:lb:eu-west-1:123456789012:listener/web-http",
                    priority: 10,
                    actions: [{ type: "forward", targetGroupArn: "arn:aws:lb:eu-west-1:123456789012:targetGroup/monitoring-grafana" }],
                    conditions: [{ pathPattern: { values: ["/grafana", "/grafana/*"] } }, { sourceIp: { values: ["10.0.0.0/8"] } }],
                },
            }),
    },
};
