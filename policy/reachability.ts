/**
 * Reachability: who can reach whom on which port, from security groups (inline and standalone
 * rules), load-balancer listeners and rules, internet-facing or internal; every flow the system
 * needs is allowed and nothing else that matters is open.
 *
 * The model, from the plan graph alone:
 * - Security groups and their rules: inline `ingress`/`egress`, `aws:vpc/securityGroupIngressRule`,
 *   `aws:vpc/securityGroupEgressRule`, `aws:ec2/securityGroupRule`. A group without egress rules has
 *   none: the AWS provider removes AWS's default allow-all egress rule of every group it creates
 *   (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group,
 *   "NOTE on Egress rules"). Rules are stateful, so replies need no rule of their own.
 *   https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html
 * - Who wears which groups: ECS awsvpc services their `networkConfiguration.securityGroups`; tasks in
 *   host network mode (DAEMON exporters) the container instances' groups (launch template of the
 *   Auto Scaling group behind the cluster's EC2 capacity provider); RDS `vpcSecurityGroupIds`;
 *   ElastiCache `securityGroupIds`; an EFS file system its mount targets' groups; load balancers
 *   their `securityGroups`.
 * - A flow A→B:port exists when one of A's groups allows it out (to a group B wears, or to a CIDR
 *   holding B's address) and one of B's groups lets it in (from a group A wears, or from a CIDR
 *   holding A's address). Inside the VPC an address is somewhere in the VPC's CIDR.
 * - From the internet: only the nodes of an internet-facing load balancer have public addresses
 *   (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html,
 *   Scheme), so the internet reaches what admits a public source CIDR, and an internet-facing
 *   load balancer only ever sees public source addresses.
 *
 * Required flows come from the graph and the files it builds: every load balancer to the targets it
 * forwards to; Prometheus to every target and Alertmanager of its rendered prometheus.yml (found
 * through the Prometheus image's build context; `dns_sd_configs` names, and `http_sd_configs` URLs of
 * the Cloud Map discovery sidecar in Prometheus' own task, `/v1/cloudmap/<namespace>/<service>`); Grafana to its provisioned data sources; every
 * container to the data stores its environment names; tasks with EFS volumes to the mount targets;
 * every task to HTTPS on the internet at start; the replicas of a gossip cluster (`--cluster.peer`) to
 * each other, TCP and UDP. Anything else open inside the VPC is reported, between the tasks of one
 * group too, and UDP as well as TCP.
 * Values a real preview does not know yet (`undefined`) make the rules say nothing about them.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as ipaddr from "ipaddr.js";
import { parse as parseYaml } from "yaml";
import { nonPublicRangeOf } from "../config/monitoring";
import { key, physicalNameOf, refersTo, resolveAll, resolveRef } from "./graph";
import { containersOf, list, ofType, type PolicyContext, type PolicyResource, type Rule } from "./model";

/** The repository root: build contexts in the plan are relative to it. */
const ROOT = path.resolve(__dirname, "..");

const T = {
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    sgRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    service: "aws:ecs/service:Service",
    taskDef: "aws:ecs/taskDefinition:TaskDefinition",
    cluster: "aws:ecs/cluster:Cluster",
    clusterCps: "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    cp: "aws:ecs/capacityProvider:CapacityProvider",
    asg: "aws:autoscaling/group:Group",
    scalingTarget: "aws:appautoscaling/target:Target",
    lt: "aws:ec2/launchTemplate:LaunchTemplate",
    lbs: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
    listeners: ["aws:lb/listener:Listener", "aws:alb/listener:Listener"],
    listenerRules: ["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"],
    tgs: ["aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"],
    rds: "aws:rds/instance:Instance",
    cacheGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
    cacheCluster: "aws:elasticache/cluster:Cluster",
    efs: "aws:efs/fileSystem:FileSystem",
    mountTarget: "aws:efs/mountTarget:MountTarget",
    namespace: "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace",
    discovery: "aws:servicediscovery/service:Service",
    image: "docker:index/image:Image",
} as const;

// ── Port sets ──────────────────────────────────────────────────────────────────────────────────

type Range = readonly [number, number];
/** Sorted, disjoint TCP port ranges. */
type Ports = readonly Range[];

function normalize(ranges: readonly Range[]): Ports {
    const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
    const out: [number, number][] = [];
    for (const [f, t] of sorted) {
        const last = out[out.length - 1];
        if (last && f <= last[1] + 1) last[1] = Math.max(last[1], t);
        else out.push([f, t]);
    }
    return out;
}
const intersect = (a: Ports, b: Ports): Ports =>
    normalize(a.flatMap(([af, at]) => b.flatMap(([bf, bt]) => (Math.max(af, bf) <= Math.min(at, bt) ? [[Math.max(af, bf), Math.min(at, bt)] as Range] : []))));
function subtract(a: Ports, b: Ports): Ports {
    let out: Range[] = [...a];
    for (const [bf, bt] of b) {
        out = out.flatMap(([f, t]): Range[] => {
            if (bt < f || bf > t) return [[f, t]];
            return [...(f < bf ? [[f, bf - 1] as Range] : []), ...(bt < t ? [[bt + 1, t] as Range] : [])];
        });
    }
    return normalize(out);
}
const has = (p: Ports, port: number) => p.some(([f, t]) => f <= port && port <= t);
const show = (p: Ports) => p.map(([f, t]) => (f === t ? `${f}` : f === 0 && t === 65535 ? "all ports" : `${f}-${t}`)).join(", ");

// ── CIDRs ──────────────────────────────────────────────────────────────────────────────────────

function parseV4(cidr: string): [ipaddr.IPv4, number] | undefined {
    try {
        const [a, bits] = ipaddr.parseCIDR(cidr);
        return a.kind() === "ipv4" ? [a as ipaddr.IPv4, bits] : undefined;
    } catch {
        return undefined;
    }
}
function cidrContains(outer: string, inner: string): boolean {
    const o = parseV4(outer);
    const i = parseV4(inner);
    return !!o && !!i && i[1] >= o[1] && i[0].match(o[0], o[1]);
}
function cidrOverlaps(a: string, b: string): boolean {
    return cidrContains(a, b) || cidrContains(b, a);
}
/** Whether a source CIDR holds some public address (the internet can match it). */
function admitsInternet(cidr: string): boolean {
    if (cidr.includes(":")) return cidr === "::/0";
    return parseV4(cidr) !== undefined && nonPublicRangeOf(cidr) === undefined;
}

// ── Security group rules ───────────────────────────────────────────────────────────────────────

type Peer = { readonly sg: string } | { readonly cidr: string };
/** Transport protocols the model follows: TCP for every service, UDP for gossip (Alertmanager's cluster). */
type Proto = "tcp" | "udp";
const PROTOS: readonly Proto[] = ["tcp", "udp"];
interface SgRule {
    readonly dir: "ingress" | "egress";
    readonly proto: Proto;
    readonly ports: Ports;
    readonly peer: Peer;
}

/** The TCP and UDP ports a rule opens (`-1`: every port of both; ICMP and other protocols: none the model follows). */
function portsOf(protocol: unknown, from: unknown, to: unknown): { proto: Proto; ports: Ports }[] {
    const p = String(protocol ?? "").toLowerCase();
    if (p === "-1" || p === "all") return PROTOS.map((proto) => ({ proto, ports: [[0, 65535]] }));
    const proto: Proto | undefined = p === "tcp" || p === "6" ? "tcp" : p === "udp" || p === "17" ? "udp" : undefined;
    if (proto === undefined) return [];
    const f = Number(from ?? 0);
    const t = Number(to ?? 65535);
    return Number.isFinite(f) && Number.isFinite(t) ? [{ proto, ports: [[f, t]] }] : [];
}

interface InlineRule {
    protocol?: string;
    fromPort?: number;
    toPort?: number;
    cidrBlocks?: string[];
    ipv6CidrBlocks?: string[];
    securityGroups?: string[];
    self?: boolean;
}

/**
 * Every TCP and UDP rule of every security group, keyed by the group's `type::name`. `complete` is false
 * when some rule's group or peer cannot be resolved (a value a preview does not know yet): a missing
 * rule may then be that one, so required flows cannot be judged (what is open still can: rules only
 * ever add openings).
 */
function sgRules(ctx: PolicyContext): { rules: Map<string, SgRule[]>; complete: boolean } {
    const rules = new Map<string, SgRule[]>();
    let complete = true;
    const groups = ofType(ctx, T.sg);
    for (const g of groups) rules.set(key(g), []);
    const sgKey = (value: unknown) => {
        const g = resolveRef(ctx, value, T.sg);
        if (!g) complete = false;
        return g ? key(g) : undefined;
    };
    const add = (sg: string | undefined, dir: SgRule["dir"], opened: { proto: Proto; ports: Ports }[], peers: Peer[]) => {
        if (!sg) return;
        for (const { proto, ports } of opened) for (const peer of peers) rules.get(sg)?.push({ dir, proto, ports, peer });
    };
    const peersOf = (cidrs: unknown[], groupsRef: unknown[], self: string | undefined): Peer[] => [
        ...cidrs.filter((c): c is string => typeof c === "string").map((cidr) => ({ cidr })),
        ...groupsRef
            .map(sgKey)
            .filter((s): s is string => s !== undefined)
            .map((sg) => ({ sg })),
        ...(self ? [{ sg: self }] : []),
    ];
    for (const g of groups) {
        for (const dir of ["ingress", "egress"] as const) {
            for (const r of (g.inputs[dir] as InlineRule[] | undefined) ?? []) {
                add(
                    key(g),
                    dir,
                    portsOf(r.protocol, r.fromPort, r.toPort),
                    peersOf([...(r.cidrBlocks ?? []), ...(r.ipv6CidrBlocks ?? [])], r.securityGroups ?? [], r.self ? key(g) : undefined),
                );
            }
        }
    }
    for (const r of ofType(ctx, T.ingress, T.egress)) {
        const i = r.inputs;
        add(
            sgKey(i.securityGroupId),
            r.type === T.ingress ? "ingress" : "egress",
            portsOf(i.ipProtocol, i.fromPort, i.toPort),
            peersOf([i.cidrIpv4, i.cidrIpv6], i.referencedSecurityGroupId === undefined ? [] : [i.referencedSecurityGroupId], undefined),
        );
    }
    for (const r of ofType(ctx, T.sgRule)) {
        const i = r.inputs;
        const sg = sgKey(i.securityGroupId);
        add(
            sg,
            i.type === "egress" ? "egress" : "ingress",
            portsOf(i.protocol, i.fromPort, i.toPort),
            peersOf(
                [...list(i.cidrBlocks as string[]), ...list(i.ipv6CidrBlocks as string[])],
                i.sourceSecurityGroupId === undefined ? [] : [i.sourceSecurityGroupId],
                i.self === true ? sg : undefined,
            ),
        );
    }
    return { rules, complete };
}

// ── Workloads and the groups they wear ─────────────────────────────────────────────────────────

type Kind = "task" | "lb" | "database" | "cache" | "efs";
interface Node {
    readonly resource: PolicyResource;
    readonly kind: Kind;
    /** Security groups (`type::name`) it wears; `undefined` when the graph cannot tell. */
    readonly sgs: readonly string[] | undefined;
    /** Load balancers: reachable from the internet (`internal` not true). */
    readonly internetFacing?: boolean;
}

const label = (n: Node) => n.resource.name;

function serviceRegistriesOf(svc: PolicyResource): { registryArn?: string; containerPort?: number; port?: number }[] {
    return list(svc.inputs.serviceRegistries as { registryArn?: string }[] | { registryArn?: string } | undefined) as {
        registryArn?: string;
        containerPort?: number;
        port?: number;
    }[];
}
function strategyProviders(svc: PolicyResource): string[] {
    return ((svc.inputs.capacityProviderStrategies as { capacityProvider?: string }[] | undefined) ?? []).map((s) => String(s.capacityProvider));
}
const FARGATE_PROVIDERS = ["FARGATE", "FARGATE_SPOT"];
function isEc2Hosted(svc: PolicyResource): boolean {
    return svc.inputs.launchType === "EC2" || strategyProviders(svc).some((p) => !FARGATE_PROVIDERS.includes(p));
}

/** The security groups of the container instances a service on EC2 runs on. */
function instanceSgs(ctx: PolicyContext, svc: PolicyResource): string[] | undefined {
    const cluster = resolveRef(ctx, svc.inputs.cluster, T.cluster);
    if (!cluster) return undefined;
    const registered = ofType(ctx, T.clusterCps)
        .filter((c) => c.inputs.clusterName === physicalNameOf(cluster) || refersTo(c.inputs.clusterName, cluster))
        .flatMap((c) => list(c.inputs.capacityProviders as string[]));
    const named = strategyProviders(svc).filter((p) => !FARGATE_PROVIDERS.includes(p));
    const providerNames = named.length > 0 ? named : registered.filter((p) => !FARGATE_PROVIDERS.includes(p));
    if (providerNames.length === 0) return undefined;
    const out: string[] = [];
    for (const name of providerNames) {
        const cp = ofType(ctx, T.cp).find((c) => physicalNameOf(c) === name || refersTo(name, c));
        const asg = cp && resolveRef(ctx, (cp.inputs.autoScalingGroupProvider as { autoScalingGroupArn?: string } | undefined)?.autoScalingGroupArn, T.asg);
        const ltRef =
            asg &&
            ((asg.inputs.launchTemplate as { id?: string } | undefined)?.id ??
                (asg.inputs.mixedInstancesPolicy as { launchTemplate?: { launchTemplateSpecification?: { launchTemplateId?: string } } } | undefined)
                    ?.launchTemplate?.launchTemplateSpecification?.launchTemplateId);
        const lt = ltRef === undefined ? undefined : resolveRef(ctx, ltRef, T.lt);
        if (!lt) return undefined;
        const refs = [
            ...list(lt.inputs.vpcSecurityGroupIds as string[]),
            ...((lt.inputs.networkInterfaces as { securityGroups?: string[] }[] | undefined) ?? []).flatMap((n) => n.securityGroups ?? []),
        ];
        const sgs = resolveAll(ctx, refs, T.sg);
        if (!sgs) return undefined;
        out.push(...sgs.map(key));
    }
    return [...new Set(out)];
}

function nodesOf(ctx: PolicyContext): Node[] {
    const sgKeys = (refs: unknown) => resolveAll(ctx, refs, T.sg)?.map(key);
    const nodes: Node[] = [];
    for (const svc of ofType(ctx, T.service)) {
        const net = svc.inputs.networkConfiguration as { securityGroups?: unknown } | undefined;
        nodes.push({ resource: svc, kind: "task", sgs: net ? sgKeys(net.securityGroups) : instanceSgs(ctx, svc) });
    }
    for (const lb of ofType(ctx, ...T.lbs)) {
        nodes.push({
            resource: lb,
            kind: "lb",
            sgs: lb.inputs.securityGroups === undefined ? undefined : sgKeys(lb.inputs.securityGroups),
            internetFacing: lb.inputs.internal !== true && lb.inputs.internal !== "true",
        });
    }
    for (const db of ofType(ctx, T.rds)) nodes.push({ resource: db, kind: "database", sgs: sgKeys(db.inputs.vpcSecurityGroupIds) });
    for (const c of ofType(ctx, T.cacheGroup, T.cacheCluster)) nodes.push({ resource: c, kind: "cache", sgs: sgKeys(c.inputs.securityGroupIds) });
    for (const fs of ofType(ctx, T.efs)) {
        const targets = ofType(ctx, T.mountTarget).filter((m) => refersTo(m.inputs.fileSystemId, fs));
        const all = targets.map((m) => sgKeys(m.inputs.securityGroups));
        nodes.push({ resource: fs, kind: "efs", sgs: all.some((s) => s === undefined) ? undefined : [...new Set(all.flat() as string[])] });
    }
    return nodes;
}

// ── The network model ──────────────────────────────────────────────────────────────────────────

/** `proven`: the flow surely works (required flows). `possible`: it may work (what is open). */
type Mode = "proven" | "possible";

class Network {
    readonly rules: Map<string, SgRule[]>;
    /** Whether every rule's group and peer are known (see `sgRules`). */
    readonly complete: boolean;
    readonly nodes: Node[];
    readonly vpcCidr: string | undefined;

    constructor(readonly ctx: PolicyContext) {
        ({ rules: this.rules, complete: this.complete } = sgRules(ctx));
        this.nodes = nodesOf(ctx);
        const vpc = ctx.resources.find((r) => (r.type === "awsx:ec2:Vpc" || r.type === "aws:ec2/vpc:Vpc") && typeof r.inputs.cidrBlock === "string");
        this.vpcCidr = vpc?.inputs.cidrBlock as string | undefined;
    }

    node(r: PolicyResource): Node | undefined {
        return this.nodes.find((n) => n.resource === r);
    }

    /** Whether a rule's CIDR holds the addresses of a node inside the VPC. */
    private cidrHoldsVpcNode(cidr: string, mode: Mode): boolean {
        if (cidr.includes(":")) return false;
        if (this.vpcCidr === undefined) return mode === "possible" || cidr === "0.0.0.0/0";
        return mode === "proven" ? cidrContains(cidr, this.vpcCidr) : cidrOverlaps(cidr, this.vpcCidr);
    }

    private matches(peer: Peer, other: readonly string[], mode: Mode): boolean {
        return "sg" in peer ? other.includes(peer.sg) : this.cidrHoldsVpcNode(peer.cidr, mode);
    }

    /** Ports `a`'s groups let out towards `b`. */
    egress(a: readonly string[], b: readonly string[], mode: Mode, proto: Proto = "tcp"): Ports {
        return normalize(
            a.flatMap((sg) =>
                (this.rules.get(sg) ?? []).filter((r) => r.dir === "egress" && r.proto === proto && this.matches(r.peer, b, mode)).flatMap((r) => r.ports),
            ),
        );
    }

    /** Ports `b`'s groups let in from `a`. */
    ingress(a: readonly string[], b: readonly string[], mode: Mode, proto: Proto = "tcp"): Ports {
        return normalize(
            b.flatMap((sg) =>
                (this.rules.get(sg) ?? []).filter((r) => r.dir === "ingress" && r.proto === proto && this.matches(r.peer, a, mode)).flatMap((r) => r.ports),
            ),
        );
    }

    flow(a: readonly string[], b: readonly string[], mode: Mode, proto: Proto = "tcp"): Ports {
        return intersect(this.egress(a, b, mode, proto), this.ingress(a, b, mode, proto));
    }

    /** Ports the internet can open on `b` (a source CIDR holding a public address). */
    fromInternet(b: readonly string[], proto: Proto = "tcp"): Ports {
        return normalize(
            b.flatMap((sg) =>
                (this.rules.get(sg) ?? [])
                    .filter((r) => r.dir === "ingress" && r.proto === proto && "cidr" in r.peer && admitsInternet(r.peer.cidr))
                    .flatMap((r) => r.ports),
            ),
        );
    }

    /** Ports `a` can surely open on any internet address (egress to 0.0.0.0/0). */
    toInternet(a: readonly string[], proto: Proto = "tcp"): Ports {
        return normalize(
            a.flatMap((sg) =>
                (this.rules.get(sg) ?? [])
                    .filter((r) => r.dir === "egress" && r.proto === proto && "cidr" in r.peer && r.peer.cidr === "0.0.0.0/0")
                    .flatMap((r) => r.ports),
            ),
        );
    }
}

// ── Required flows ─────────────────────────────────────────────────────────────────────────────

interface Required {
    readonly from: Node;
    readonly to: Node;
    readonly port: number;
    /** @default "tcp" */
    readonly proto?: Proto;
    /** Why the flow is needed, e.g. `prometheus.yml job koronet`. */
    readonly why: string;
}

type ResolvedName = { nodes: Node[]; srvPort?: number } | undefined;

/** A DNS name the stack defines (Cloud Map `<service>.<namespace>`, RDS or ElastiCache endpoint) → its nodes. */
function resolveHost(net: Network, host: string): ResolvedName {
    const ctx = net.ctx;
    for (const ns of ofType(ctx, T.namespace)) {
        const nsName = ns.inputs.name;
        if (typeof nsName !== "string" || !host.endsWith(`.${nsName}`)) continue;
        const svcName = host.slice(0, -(nsName.length + 1));
        const discovery = ofType(ctx, T.discovery).find(
            (d) => d.inputs.name === svcName && refersTo((d.inputs.dnsConfig as { namespaceId?: string } | undefined)?.namespaceId, ns),
        );
        if (!discovery) return { nodes: [] };
        const services = ofType(ctx, T.service).filter((s) => serviceRegistriesOf(s).some((r) => refersTo(r.registryArn, discovery)));
        const reg = services.flatMap((s) => serviceRegistriesOf(s)).find((r) => refersTo(r.registryArn, discovery));
        return { nodes: services.map((s) => net.node(s)).filter((n): n is Node => n !== undefined), srvPort: reg?.port ?? reg?.containerPort };
    }
    const labels = host.split(".");
    if (host.endsWith(".rds.amazonaws.com")) {
        const db = ofType(ctx, T.rds).find((d) => [d.inputs.identifier, d.name].includes(labels[0]));
        if (db) return { nodes: [net.node(db)].filter((n): n is Node => n !== undefined) };
    }
    if (host.endsWith(".cache.amazonaws.com")) {
        const c = ofType(ctx, T.cacheGroup, T.cacheCluster).find((g) =>
            [g.inputs.replicationGroupId, g.inputs.clusterId, g.name].some((id) => id !== undefined && labels.slice(0, 2).includes(String(id))),
        );
        if (c) return { nodes: [net.node(c)].filter((n): n is Node => n !== undefined) };
    }
    return undefined;
}

/** Alertmanager's `--cluster.peer=<host>:<port>` flag. */
const CLUSTER_PEER = /^--cluster\.peer=([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+):(\d{1,5})$/;

/** `scheme://user@host:port/...` or `host:port/...` with an explicit port. */
const ENDPOINT = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^@/\s]+@)?([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+):(\d{1,5})(?:[/?].*)?$/;

/** The docker images of the graph with their build context and repository. */
function builtImages(ctx: PolicyContext): { context: string; repository: string }[] {
    return ofType(ctx, T.image).flatMap((img) => {
        const context = (img.inputs.build as { context?: unknown } | undefined)?.context;
        const name = img.inputs.imageName;
        return typeof context === "string" && typeof name === "string" ? [{ context, repository: name.replace(/:[^/:]+$/, "") }] : [];
    });
}

/** ECS services whose task definition runs an image of `repository`. */
function servicesRunning(net: Network, repository: string): Node[] {
    return net.nodes.filter((n) => {
        if (n.resource.type !== T.service) return false;
        const td = resolveRef(net.ctx, n.resource.inputs.taskDefinition, T.taskDef);
        return (
            (td &&
                containersOf(td)?.some(
                    (c) =>
                        typeof (c as { image?: unknown }).image === "string" &&
                        String((c as { image?: string }).image)
                            .replace(/@sha256:[0-9a-f]+$/, "")
                            .replace(/:[^/:]+$/, "") === repository,
                )) ??
            false
        );
    });
}

interface DnsSd {
    names?: string[];
    type?: string;
    port?: number;
}
interface HttpSd {
    url?: string;
}
interface StaticSd {
    targets?: string[];
}
interface Scrape {
    job_name?: string;
    dns_sd_configs?: DnsSd[];
    http_sd_configs?: HttpSd[];
    static_configs?: StaticSd[];
    relabel_configs?: { target_label?: string }[];
}

/** Path of the Cloud Map discovery sidecar's target lists (cloudmap-sd/: `/v1/cloudmap/<namespace>/<service>[?port=]`). */
const CLOUDMAP_SD_PATH = /^\/v1\/cloudmap\/([a-z0-9.-]+)\/([a-z0-9-]+)$/;
const LOOPBACK = ["127.0.0.1", "localhost", "[::1]"];

/** One thing a Prometheus config makes Prometheus connect to. */
interface PromTarget {
    readonly why: string;
    readonly host: string;
    /** Explicit port; undefined: SRV (DNS) or the instance's registered port (Cloud Map API). */
    readonly port?: number;
    /** How the host's tasks are found: DNS (at most 8 records), the Cloud Map API through a sidecar, or a fixed address. */
    readonly via: "dns" | "api" | "static";
    /** `api`: the sidecar's port on loopback, which a container of Prometheus' own task must serve. */
    readonly sidecarPort?: number;
    /** Set when the config names a discovery this model cannot map to a service (it then says so). */
    readonly problem?: string;
}

/** What a Prometheus config file makes Prometheus connect to. */
function prometheusTargets(doc: { scrape_configs?: Scrape[]; alerting?: { alertmanagers?: Scrape[] } }): PromTarget[] {
    const out: PromTarget[] = [];
    const read = (why: string, s: Scrape) => {
        // A relabelled __address__ goes elsewhere than discovery says: leave such jobs alone.
        if ((s.relabel_configs ?? []).some((r) => r.target_label === "__address__")) return;
        for (const d of s.dns_sd_configs ?? []) {
            // Prometheus' dns_sd type defaults to SRV.
            for (const name of d.names ?? []) out.push({ why, host: name, port: (d.type ?? "SRV") === "SRV" ? undefined : d.port, via: "dns" });
        }
        for (const h of s.http_sd_configs ?? []) {
            let url: URL | undefined;
            try {
                url = new URL(String(h.url));
            } catch {
                url = undefined;
            }
            const m = url && LOOPBACK.includes(url.hostname) ? CLOUDMAP_SD_PATH.exec(url.pathname) : null;
            if (!url || !m) {
                out.push({
                    why,
                    host: String(h.url),
                    via: "api",
                    problem: `http_sd_configs URL ${String(h.url)} is not the Cloud Map discovery sidecar on loopback (/v1/cloudmap/<namespace>/<service>): which service it lists cannot be told`,
                });
                continue;
            }
            const port = url.searchParams.get("port");
            out.push({ why, host: `${m[2]}.${m[1]}`, port: port === null ? undefined : Number(port), via: "api", sidecarPort: Number(url.port || 80) });
        }
        for (const t of (s.static_configs ?? []).flatMap((c) => c.targets ?? [])) {
            const m = /^([^:]+):(\d+)$/.exec(t);
            if (m && !["localhost", "127.0.0.1"].includes(m[1] as string)) out.push({ why, host: m[1] as string, port: Number(m[2]), via: "static" });
        }
    };
    for (const s of doc.scrape_configs ?? []) read(`prometheus.yml job ${s.job_name}`, s);
    for (const s of doc.alerting?.alertmanagers ?? []) read("prometheus.yml alerting (Alertmanager)", s);
    return out;
}

/** Whether a container of the service's task listens on `port` (a port mapping, or `LISTEN_PORT` in its environment: loopback listeners map no port). */
function taskListensOn(net: Network, svc: PolicyResource, port: number): boolean {
    const td = resolveRef(net.ctx, svc.inputs.taskDefinition, T.taskDef);
    const containers = td ? containersOf(td) : undefined;
    if (containers === undefined) return true; // unknown: say nothing
    return containers.some(
        (c) =>
            ((c as { portMappings?: { containerPort?: number }[] }).portMappings ?? []).some((m) => m.containerPort === port) ||
            (c.environment ?? []).some((e) => e.name === "LISTEN_PORT" && e.value === String(port)),
    );
}

/**
 * The most tasks an ECS service can run: REPLICA, the larger of its desired count and its Application
 * Auto Scaling target's maximum; DAEMON, one per container instance, so the maximum size of the Auto
 * Scaling groups behind the cluster's EC2 capacity providers. `undefined` when the graph cannot tell.
 */
function maxTasksOf(ctx: PolicyContext, svc: PolicyResource): number | undefined {
    if (svc.inputs.schedulingStrategy === "DAEMON") {
        const cluster = resolveRef(ctx, svc.inputs.cluster, T.cluster);
        if (!cluster) return undefined;
        const providers = ofType(ctx, T.clusterCps)
            .filter((c) => c.inputs.clusterName === physicalNameOf(cluster) || refersTo(c.inputs.clusterName, cluster))
            .flatMap((c) => list(c.inputs.capacityProviders as string[]))
            .filter((p) => !FARGATE_PROVIDERS.includes(p));
        let total = 0;
        for (const name of providers) {
            const cp = ofType(ctx, T.cp).find((c) => physicalNameOf(c) === name || refersTo(name, c));
            const asg = cp && resolveRef(ctx, (cp.inputs.autoScalingGroupProvider as { autoScalingGroupArn?: string } | undefined)?.autoScalingGroupArn, T.asg);
            const max = Number(asg?.inputs.maxSize);
            if (!Number.isInteger(max)) return undefined;
            total += max;
        }
        return providers.length > 0 ? total : undefined;
    }
    const desired = Number(svc.inputs.desiredCount ?? 1);
    if (!Number.isInteger(desired)) return undefined;
    const name = physicalNameOf(svc);
    const scaling = ofType(ctx, T.scalingTarget).filter(
        (t) => t.inputs.serviceNamespace === "ecs" && typeof t.inputs.resourceId === "string" && (t.inputs.resourceId as string).split("/").pop() === name,
    );
    const maxes = scaling.map((t) => Number(t.inputs.maxCapacity));
    if (maxes.some((m) => !Number.isInteger(m))) return undefined;
    return Math.max(desired, ...maxes);
}

/**
 * Route 53 answers a multivalue name with at most 8 records, a different 8 to different resolvers
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-multivalue.html; Cloud Map
 * MULTIVALUE, https://docs.aws.amazon.com/cloud-map/latest/api/API_DnsConfig.html).
 */
const DNS_MULTIVALUE_MAX_RECORDS = 8;

function readYaml(file: string): unknown {
    try {
        return parseYaml(readFileSync(file, "utf8"));
    } catch {
        return undefined;
    }
}

/** Required flows by family rule, each with the problems found resolving them. */
interface Requirements {
    readonly lb: Required[];
    readonly prometheus: Required[];
    readonly grafana: Required[];
    readonly endpoints: Required[];
    readonly efs: Required[];
    /** Between the replicas of a clustered service (every task to every task, itself included), on its gossip port. */
    readonly cluster: Required[];
    /** Prometheus targets found through DNS, by the ECS service answering (for `reach-dns-discovery-at-most-8`). */
    readonly dnsDiscovered: { readonly prometheus: Node; readonly service: Node; readonly name: string; readonly why: string }[];
    /** Names a config points at that the stack does not define. */
    readonly unresolved: { resource: PolicyResource; rule: "prometheus" | "grafana"; message: string }[];
}

function requirements(net: Network): Requirements {
    const ctx = net.ctx;
    const r: Requirements = { lb: [], prometheus: [], grafana: [], endpoints: [], efs: [], cluster: [], dnsDiscovered: [], unresolved: [] };

    // Load balancers → the targets of every target group a listener or listener rule forwards to.
    const tgsOf = (actions: unknown) =>
        ((actions as { type?: string; targetGroupArn?: string; forward?: { targetGroups?: { arn?: string }[] } }[] | undefined) ?? [])
            .flatMap((a) => [a.targetGroupArn, ...(a.forward?.targetGroups ?? []).map((t) => t.arn)])
            .map((arn) => resolveRef(ctx, arn, ...T.tgs))
            .filter((t): t is PolicyResource => t !== undefined);
    for (const listener of ofType(ctx, ...T.listeners)) {
        const lb = net.nodes.find((n) => n.kind === "lb" && refersTo(listener.inputs.loadBalancerArn, n.resource));
        if (!lb) continue;
        const rules = ofType(ctx, ...T.listenerRules).filter((lr) => refersTo(lr.inputs.listenerArn, listener));
        const tgs = [...tgsOf(listener.inputs.defaultActions), ...rules.flatMap((lr) => tgsOf(lr.inputs.actions))];
        for (const tg of new Set(tgs)) {
            const hcPort = Number((tg.inputs.healthCheck as { port?: string } | undefined)?.port);
            for (const svc of ofType(ctx, T.service)) {
                for (const lbc of (svc.inputs.loadBalancers as { targetGroupArn?: string; containerPort?: number }[] | undefined) ?? []) {
                    const to = net.node(svc);
                    if (!to || !refersTo(lbc.targetGroupArn, tg) || lbc.containerPort === undefined) continue;
                    for (const port of new Set([lbc.containerPort, ...(Number.isInteger(hcPort) ? [hcPort] : [])])) {
                        r.lb.push({ from: lb, to, port, why: `target group ${tg.name} of listener ${listener.name}` });
                    }
                }
            }
        }
    }

    // Prometheus and Grafana: what their rendered files, baked into their images, connect to.
    for (const img of builtImages(ctx)) {
        const dir = path.resolve(ROOT, img.context);
        const promFile = path.join(dir, "prometheus.yml");
        if (existsSync(promFile)) {
            const doc = readYaml(promFile) as Parameters<typeof prometheusTargets>[0] | undefined;
            for (const prometheus of servicesRunning(net, img.repository)) {
                const where = path.relative(ROOT, promFile);
                for (const t of prometheusTargets(doc ?? {})) {
                    if (t.problem !== undefined) {
                        r.unresolved.push({ resource: prometheus.resource, rule: "prometheus", message: `${t.why}: ${t.problem} (${where})` });
                        continue;
                    }
                    // The sidecar answering an http_sd URL must run in Prometheus' own task (loopback).
                    if (t.sidecarPort !== undefined && !taskListensOn(net, prometheus.resource, t.sidecarPort)) {
                        r.unresolved.push({
                            resource: prometheus.resource,
                            rule: "prometheus",
                            message: `${t.why}: its targets come from 127.0.0.1:${t.sidecarPort}, where no container of ${label(prometheus)}'s task listens (the Cloud Map discovery sidecar is missing) (${where})`,
                        });
                        continue;
                    }
                    const resolved = resolveHost(net, t.host);
                    if (resolved === undefined) continue;
                    const port = t.port ?? resolved.srvPort;
                    if (resolved.nodes.length === 0 || port === undefined) {
                        r.unresolved.push({
                            resource: prometheus.resource,
                            rule: "prometheus",
                            message: `${t.why}: ${t.host} names no ECS service registered in this stack's Cloud Map (${where})`,
                        });
                        continue;
                    }
                    for (const to of resolved.nodes) {
                        r.prometheus.push({ from: prometheus, to, port, why: t.why });
                        if (t.via === "dns") r.dnsDiscovered.push({ prometheus, service: to, name: t.host, why: t.why });
                    }
                }
            }
        }
        const dsDir = path.join(dir, "provisioning", "datasources");
        if (existsSync(dsDir)) {
            for (const file of readdirSync(dsDir).filter((f) => /\.ya?ml$/.test(f))) {
                const doc = readYaml(path.join(dsDir, file)) as { datasources?: { name?: string; url?: string }[] } | undefined;
                for (const grafana of servicesRunning(net, img.repository)) {
                    for (const ds of doc?.datasources ?? []) {
                        let url: URL;
                        try {
                            url = new URL(String(ds.url));
                        } catch {
                            continue;
                        }
                        const resolved = resolveHost(net, url.hostname);
                        if (resolved === undefined) continue;
                        const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
                        if (resolved.nodes.length === 0) {
                            r.unresolved.push({
                                resource: grafana.resource,
                                rule: "grafana",
                                message: `data source ${ds.name}: ${url.hostname} names no ECS service registered in this stack's Cloud Map`,
                            });
                            continue;
                        }
                        for (const to of resolved.nodes) r.grafana.push({ from: grafana, to, port, why: `Grafana data source ${ds.name}` });
                    }
                }
            }
        }
    }

    // Containers → the endpoints their environment names; tasks with EFS volumes → mount targets.
    for (const from of net.nodes.filter((n) => n.resource.type === T.service)) {
        const td = resolveRef(ctx, from.resource.inputs.taskDefinition, T.taskDef);
        if (!td) continue;
        for (const c of containersOf(td) ?? []) {
            for (const e of c.environment ?? []) {
                const m = ENDPOINT.exec(String(e.value ?? ""));
                if (!m) continue;
                const resolved = resolveHost(net, m[1] as string);
                for (const to of resolved?.nodes ?? []) {
                    if (to !== from) r.endpoints.push({ from, to, port: Number(m[2]), why: `${c.name} ${e.name}` });
                }
            }
        }
        for (const v of (td.inputs.volumes as { name?: string; efsVolumeConfiguration?: { fileSystemId?: string } }[] | undefined) ?? []) {
            const fs = v.efsVolumeConfiguration && resolveRef(ctx, v.efsVolumeConfiguration.fileSystemId, T.efs);
            const to = fs && net.node(fs);
            if (to) r.efs.push({ from, to, port: 2049, why: `EFS volume ${v.name}` });
        }
        // Gossip clusters (Alertmanager): `--cluster.peer=<name>:<port>` names every replica through
        // Cloud Map; memberlist needs the port over TCP and UDP between them all
        // (https://prometheus.io/docs/alerting/latest/high_availability/, "Network ACLs blocking cluster port").
        for (const c of containersOf(td) ?? []) {
            for (const arg of (c as { command?: unknown[] }).command ?? []) {
                const m = CLUSTER_PEER.exec(String(arg));
                if (!m) continue;
                const resolved = resolveHost(net, m[1] as string);
                for (const to of resolved?.nodes ?? []) {
                    for (const proto of PROTOS)
                        r.cluster.push({ from, to, port: Number(m[2]), proto, why: `${c.name} --cluster.peer ${m[1]} (gossip, ${proto.toUpperCase()})` });
                }
            }
        }
    }
    return r;
}

/** Violations of required flows: reported on the side that lacks its rule (the client's egress, the server's ingress). */
function checkRequired(net: Network, flows: readonly Required[]): { resource: PolicyResource; message: string }[] {
    const out: { resource: PolicyResource; message: string }[] = [];
    if (!net.complete) return out;
    const seen = new Set<string>();
    for (const f of flows) {
        if (!f.from.sgs || !f.to.sgs) continue;
        const proto = f.proto ?? "tcp";
        const id = `${key(f.from.resource)}→${key(f.to.resource)}:${f.port}/${proto}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const egressOk = has(net.egress(f.from.sgs, f.to.sgs, "proven", proto), f.port);
        const ingressOk = has(net.ingress(f.from.sgs, f.to.sgs, "proven", proto), f.port);
        const what = `${label(f.from)} → ${label(f.to)} on ${f.port}${proto === "udp" ? "/udp" : ""} (${f.why})`;
        if (!egressOk) out.push({ resource: f.from.resource, message: `${what}: no egress rule of ${label(f.from)}'s security groups lets it out` });
        if (!ingressOk) out.push({ resource: f.to.resource, message: `${what}: no ingress rule of ${label(f.to)}'s security groups admits ${label(f.from)}` });
    }
    return out;
}

// Evaluated once per graph: every rule of the family reads the same model.
const cache = new WeakMap<readonly PolicyResource[], { net: Network; req: Requirements }>();
function model(ctx: PolicyContext): { net: Network; req: Requirements } {
    let m = cache.get(ctx.resources);
    if (!m) {
        const net = new Network(ctx);
        m = { net, req: requirements(net) };
        cache.set(ctx.resources, m);
    }
    return m;
}

/** Nodes grouped by the exact set of groups they wear: the security-group level cannot tell them apart. */
function identities(nodes: readonly Node[]): { sgs: readonly string[]; nodes: Node[] }[] {
    const out = new Map<string, { sgs: readonly string[]; nodes: Node[] }>();
    for (const n of nodes) {
        if (!n.sgs || n.sgs.length === 0) continue;
        const id = [...n.sgs].sort().join(",");
        const entry = out.get(id) ?? { sgs: n.sgs, nodes: [] };
        entry.nodes.push(n);
        out.set(id, entry);
    }
    return [...out.values()];
}

function listenersOf(ctx: PolicyContext, lb: PolicyResource): PolicyResource[] {
    return ofType(ctx, ...T.listeners).filter((l) => refersTo(l.inputs.loadBalancerArn, lb));
}

export const REACHABILITY_RULES: readonly Rule[] = [
    {
        // The provider doc forbids inline rules next to rule resources (they overwrite each other).
        // Per direction it holds: an inline direction the config sets is authoritative and removes
        // standalone rules of that direction on the next update, an unset one is left alone (this
        // codebase relies on that: inline egress with standalone ingress, and the reverse).
        // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group
        id: "reach-one-rule-style-per-direction",
        reason: "A security group's rules in one direction are all inline or all standalone, or the provider removes the standalone ones on the next update.",
        check: (ctx) =>
            ofType(ctx, T.sg).flatMap((g) =>
                (["ingress", "egress"] as const).flatMap((dir) => {
                    const inline = g.inputs[dir];
                    if (!Array.isArray(inline) || inline.length === 0) return [];
                    const standalone = [
                        ...ofType(ctx, dir === "ingress" ? T.ingress : T.egress),
                        ...ofType(ctx, T.sgRule).filter((r) => (r.inputs.type === "egress" ? "egress" : "ingress") === dir),
                    ].filter((r) => resolveRef(ctx, r.inputs.securityGroupId, T.sg) === g);
                    return standalone.length > 0
                        ? [
                              {
                                  resource: g,
                                  message: `inline ${dir} rules next to standalone ${dir} rule(s) ${standalone.map((r) => r.name).join(", ")}: the provider would remove those`,
                              },
                          ]
                        : [];
                }),
            ),
    },
    {
        id: "reach-lb-to-targets",
        reason: "Every load balancer reaches the targets of each target group it forwards to, on their port and health-check port.",
        check: (ctx) => checkRequired(model(ctx).net, model(ctx).req.lb),
    },
    {
        id: "reach-prometheus-targets",
        reason: "Prometheus reaches every scrape target and Alertmanager its rendered prometheus.yml names, on the port it uses.",
        check: (ctx) => {
            const { net, req } = model(ctx);
            return [...req.unresolved.filter((u) => u.rule === "prometheus"), ...checkRequired(net, req.prometheus)];
        },
    },
    {
        id: "reach-dns-discovery-at-most-8",
        reason: "Prometheus finds by DNS only services of at most 8 tasks: a DNS answer holds 8 records, so a larger service is scraped in part.",
        check: (ctx) => {
            const { req } = model(ctx);
            const seen = new Set<string>();
            return req.dnsDiscovered.flatMap((d) => {
                const id = `${key(d.service.resource)} ${d.name}`;
                if (seen.has(id)) return [];
                seen.add(id);
                const max = maxTasksOf(ctx, d.service.resource);
                if (max === undefined || max <= DNS_MULTIVALUE_MAX_RECORDS) return [];
                return [
                    {
                        resource: d.service.resource,
                        message: `${d.why} finds ${label(d.service)} by DNS (${d.name}), which can run ${max} tasks: a DNS answer holds at most ${DNS_MULTIVALUE_MAX_RECORDS} records, so Prometheus would scrape a changing subset; discover it through the Cloud Map API (http_sd_configs, the discovery sidecar)`,
                    },
                ];
            });
        },
    },
    {
        // The metrics port must be reachable by the scrapers only: an internet-facing load balancer
        // forwarding to it (a target group registering it) or able to reach it (a rule admitting the
        // load balancer's group) would put /metrics on the internet.
        id: "reach-metrics-not-via-lb",
        reason: "No load balancer forwards to or can reach a port Prometheus scrapes on a task: metrics stay off the internet.",
        check: (ctx) => {
            const { net, req } = model(ctx);
            const out: { resource: PolicyResource; message: string }[] = [];
            const seen = new Set<string>();
            for (const f of req.prometheus) {
                const id = `${key(f.to.resource)}:${f.port}`;
                if (seen.has(id) || !f.to.sgs) continue;
                seen.add(id);
                const forwarded = req.lb.filter((l) => l.to === f.to && l.port === f.port);
                for (const l of forwarded)
                    out.push({
                        resource: f.to.resource,
                        message: `${label(f.to)}'s port ${f.port}, which Prometheus scrapes (${f.why}), is also where ${label(l.from)} forwards (${l.why}): /metrics would be served to the load balancer's clients`,
                    });
                if (forwarded.length > 0) continue;
                for (const lb of net.nodes.filter((n) => n.kind === "lb" && n.sgs)) {
                    if (has(net.flow(lb.sgs as string[], f.to.sgs, "possible"), f.port)) {
                        out.push({
                            resource: f.to.resource,
                            message: `${label(lb)} can reach ${label(f.to)} on ${f.port}, the port Prometheus scrapes (${f.why}): admit only the scrapers there`,
                        });
                    }
                }
            }
            return out;
        },
    },
    {
        id: "reach-grafana-datasources",
        reason: "Grafana reaches every data source its provisioning files name (Prometheus).",
        check: (ctx) => {
            const { net, req } = model(ctx);
            return [...req.unresolved.filter((u) => u.rule === "grafana"), ...checkRequired(net, req.grafana)];
        },
    },
    {
        id: "reach-configured-endpoints",
        reason: "Every container reaches the data stores its environment points at: the web server and the exporters to PostgreSQL and Redis.",
        check: (ctx) => checkRequired(model(ctx).net, model(ctx).req.endpoints),
    },
    {
        id: "reach-efs-mount-targets",
        reason: "Tasks with EFS volumes reach the file system's mount targets on NFS 2049, or the task cannot start.",
        check: (ctx) => checkRequired(model(ctx).net, model(ctx).req.efs),
    },
    {
        // memberlist gossips over TCP and UDP on the cluster port; a replica that cannot reach the
        // others notifies on its own (duplicates) and never learns their silences.
        id: "reach-cluster-peers",
        reason: "Every replica of a clustered service reaches every other on the gossip port its --cluster.peer flag names, over TCP and UDP.",
        check: (ctx) => checkRequired(model(ctx).net, model(ctx).req.cluster),
    },
    {
        // Image pulls, ECS secrets and the awslogs driver need HTTPS to AWS endpoints (no VPC
        // endpoints here); Fargate pulls through the task's ENI, EC2 through the instance's.
        // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-networking-awsvpc.html
        id: "reach-https-at-start",
        reason: "Every task reaches HTTPS on the internet (image registry, Secrets Manager, CloudWatch Logs); on EC2 the instances do too.",
        check: (ctx) => {
            const { net } = model(ctx);
            const out: { resource: PolicyResource; message: string }[] = [];
            if (!net.complete) return out;
            for (const n of net.nodes.filter((x) => x.resource.type === T.service)) {
                const awsvpc = n.resource.inputs.networkConfiguration !== undefined;
                const checks: [string, readonly string[] | undefined][] = [];
                if (awsvpc) checks.push(["its task security groups", n.sgs]);
                if (isEc2Hosted(n.resource)) checks.push(["its container instances' security groups", instanceSgs(ctx, n.resource)]);
                for (const [what, sgs] of checks) {
                    if (sgs && !has(net.toInternet(sgs), 443))
                        out.push({
                            resource: n.resource,
                            message: `${what} allow no HTTPS (443) out to 0.0.0.0/0: the task cannot pull its image, read its secrets or ship its logs`,
                        });
                }
            }
            return out;
        },
    },
    {
        id: "reach-only-expected-clients",
        reason: "Inside the VPC every data store, exporter, task and file system is reachable only by the clients, ports and protocols a required flow needs.",
        check: (ctx) => {
            const { net, req } = model(ctx);
            const required = [...req.lb, ...req.prometheus, ...req.grafana, ...req.endpoints, ...req.efs, ...req.cluster];
            const ids = identities(net.nodes);
            const out: { resource: PolicyResource; message: string }[] = [];
            for (const to of ids.filter((i) => i.nodes.every((n) => n.kind !== "lb"))) {
                // Itself included: a group referencing itself (gossip) opens its tasks to each other.
                for (const from of ids) {
                    for (const proto of PROTOS) {
                        const open = net.flow(from.sgs, to.sgs, "possible", proto);
                        if (open.length === 0) continue;
                        const needed = normalize(
                            required
                                .filter((f) => (f.proto ?? "tcp") === proto && from.nodes.includes(f.from) && to.nodes.includes(f.to))
                                .map((f) => [f.port, f.port] as Range),
                        );
                        const extra = subtract(open, needed);
                        if (extra.length > 0) {
                            const among =
                                from === to
                                    ? `${from.nodes.map(label).join(", ")} can reach each other`
                                    : `${from.nodes.map(label).join(", ")} can reach ${to.nodes.map(label).join(", ")}`;
                            out.push({
                                resource: to.nodes[0]!.resource,
                                message: `${among} on ${show(extra)}${proto === "udp" ? " (UDP)" : ""}, which no required flow needs`,
                            });
                        }
                    }
                }
            }
            return out;
        },
    },
    {
        id: "reach-internet-only-listeners",
        reason: "From the internet only internet-facing load balancers are reachable, and only on their listener ports.",
        check: (ctx) => {
            const { net } = model(ctx);
            const out: { resource: PolicyResource; message: string }[] = [];
            for (const id of identities(net.nodes)) {
                // No listener is UDP: every UDP port open to the internet is extra.
                const udp = net.fromInternet(id.sgs, "udp");
                if (udp.length > 0)
                    out.push({
                        resource: id.nodes[0]!.resource,
                        message: `${id.nodes.map(label).join(", ")} admit${id.nodes.length === 1 ? "s" : ""} public source addresses on ${show(udp)} (UDP)`,
                    });
                const open = net.fromInternet(id.sgs);
                if (open.length === 0) continue;
                const lbs = id.nodes.filter((n) => n.kind === "lb");
                if (lbs.length === id.nodes.length && lbs.every((n) => !n.internetFacing)) continue;
                const listenerPorts = normalize(
                    lbs
                        .filter((n) => n.internetFacing)
                        .flatMap((n) => listenersOf(ctx, n.resource))
                        .map((l) => Number(l.inputs.port))
                        .filter(Number.isInteger)
                        .map((p) => [p, p] as Range),
                );
                const extra = lbs.length === id.nodes.length ? subtract(open, listenerPorts) : open;
                if (extra.length > 0) {
                    out.push({
                        resource: id.nodes[0]!.resource,
                        message: `${id.nodes.map(label).join(", ")} admit${id.nodes.length === 1 ? "s" : ""} public source addresses on ${show(extra)}${lbs.length === id.nodes.length ? ", where no listener is" : ""}`,
                    });
                }
            }
            return out;
        },
    },
    {
        id: "reach-listeners-from-internet",
        reason: "Every listener of an internet-facing load balancer admits some public source address, or nobody can use it.",
        check: (ctx) => {
            const { net } = model(ctx);
            if (!net.complete) return [];
            return net.nodes
                .filter((n) => n.kind === "lb" && n.internetFacing && n.sgs)
                .flatMap((lb) => {
                    const open = net.fromInternet(lb.sgs as string[]);
                    return listenersOf(ctx, lb.resource)
                        .filter((l) => Number.isInteger(Number(l.inputs.port)) && !has(open, Number(l.inputs.port)))
                        .map((resource) => ({
                            resource,
                            message: `port ${resource.inputs.port} of ${label(lb)}: its security groups admit no public source address`,
                        }));
                });
        },
    },
    {
        // The source-IP condition matches the address that connects to the load balancer (not
        // X-Forwarded-For); an internet-facing load balancer's clients connect from public addresses.
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html#source-ip-conditions
        id: "reach-listener-rule-source-ip",
        reason: "A listener rule on an internet-facing load balancer names no private source CIDR: its clients arrive from public addresses.",
        check: (ctx) => {
            const { net } = model(ctx);
            return ofType(ctx, ...T.listenerRules).flatMap((rule) => {
                const listener = resolveRef(ctx, rule.inputs.listenerArn, ...T.listeners);
                const lb = listener && net.nodes.find((n) => n.kind === "lb" && refersTo(listener.inputs.loadBalancerArn, n.resource));
                if (!lb?.internetFacing) return [];
                const cidrs = ((rule.inputs.conditions as { sourceIp?: { values?: string[] } }[] | undefined) ?? []).flatMap((c) => c.sourceIp?.values ?? []);
                return cidrs.flatMap((c) => {
                    const range = nonPublicRangeOf(c);
                    return range
                        ? [
                              {
                                  resource: rule,
                                  message: `source IP ${c} lies in ${range.cidr} (${range.what}); ${label(lb)} is internet-facing and never sees such a source, so the rule never matches`,
                              },
                          ]
                        : [];
                });
            });
        },
    },
];

/** For tests: the model's nodes and required flows, by name. */
export function describeReachability(ctx: PolicyContext): { nodes: Record<string, string[] | undefined>; required: string[] } {
    const { net, req } = model(ctx);
    return {
        nodes: Object.fromEntries(net.nodes.map((n) => [n.resource.name, n.sgs?.map((s) => s.split("::")[1] as string)])),
        required: [...req.lb, ...req.prometheus, ...req.grafana, ...req.endpoints, ...req.efs, ...req.cluster].map(
            (f) => `${label(f.from)} -> ${label(f.to)}:${f.port}${f.proto === "udp" ? "/udp" : ""} (${f.why})`,
        ),
    };
}
