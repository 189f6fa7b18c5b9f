/**
 * Cloud Map instances → Prometheus HTTP SD target groups. Pure: no I/O, no SDK.
 *
 * Why not DNS: Route 53 answers a multivalue name with at most 8 records ("Route 53 responds to DNS
 * queries with up to eight healthy records and gives different answers to different DNS resolvers",
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-multivalue.html; Cloud Map's
 * MULTIVALUE routing, https://docs.aws.amazon.com/cloud-map/latest/api/API_DnsConfig.html). Prometheus'
 * `dns_sd_configs` then scrapes a random subset of a service with more tasks, a different one each
 * refresh. DiscoverInstances returns every registered instance, up to `MaxResults` (1..1000, no
 * pagination: https://docs.aws.amazon.com/cloud-map/latest/api/API_DiscoverInstances.html).
 */

/** What DiscoverInstances says about one instance (the SDK's HttpInstanceSummary, as far as used). */
export interface CloudMapInstance {
    readonly InstanceId?: string;
    readonly NamespaceName?: string;
    readonly ServiceName?: string;
    readonly HealthStatus?: string;
    readonly Attributes?: Readonly<Record<string, string>>;
}

/** One Prometheus HTTP SD target group (https://prometheus.io/docs/prometheus/latest/http_sd/). */
export interface TargetGroup {
    readonly targets: string[];
    readonly labels: Record<string, string>;
}

/**
 * The most instances one DiscoverInstances call returns (`MaxResults` 1..1000). A service answering
 * this many may have more: the sidecar says so in its log. The platform's own limits stay far below
 * (koronet:service.maxCount ≤ 100, koronet:cluster.ec2.maxSize ≤ 100).
 */
export const MAX_RESULTS = 1000;

/**
 * Which instances to return: healthy ones, or every one when none is healthy — what Route 53 does for
 * a multivalue name ("When all records are unhealthy, Route 53 responds to DNS queries with up to eight
 * unhealthy records"), so DNS and this discovery see the same tasks. ECS keeps the health of a task
 * registered with a custom health check in step with the task's.
 */
export const HEALTH_STATUS = "HEALTHY_OR_ELSE_ALL";

/** A DNS label as Cloud Map service and namespace names are made of (RFC 1123, lowercase here). */
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** `<label>(.<label>)*`: a namespace name such as `prod.koronet.internal`. */
export function isDnsName(name: string): boolean {
    return name.length <= 253 && name.split(".").every((l) => LABEL.test(l));
}

function isServiceName(name: string): boolean {
    return LABEL.test(name);
}

/** A Prometheus label name from an attribute key: `AWS_INSTANCE_IPV4` → `aws_instance_ipv4`. */
export function labelName(key: string): string {
    return key.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

export interface TargetOptions {
    /** Port to scrape; without it, each instance's `AWS_INSTANCE_PORT` (SRV registrations). */
    readonly port?: number;
}

/** Why an instance produced no target. */
export interface Skipped {
    readonly instanceId: string;
    readonly reason: string;
}

/**
 * One target group per instance, so relabeling can name each target by its instance (`instance` =
 * the ECS task ID, which ECS uses as the Cloud Map instance ID). Sorted by instance ID: a stable answer
 * for an unchanged set (DiscoverInstances returns a randomized order).
 */
export function targetGroups(instances: readonly CloudMapInstance[], opts: TargetOptions = {}): { groups: TargetGroup[]; skipped: Skipped[] } {
    const groups: TargetGroup[] = [];
    const skipped: Skipped[] = [];
    for (const i of [...instances].sort((a, b) => String(a.InstanceId).localeCompare(String(b.InstanceId)))) {
        const id = i.InstanceId ?? "";
        const attrs = i.Attributes ?? {};
        const v4 = attrs["AWS_INSTANCE_IPV4"];
        const v6 = attrs["AWS_INSTANCE_IPV6"];
        const host = v4 !== undefined && v4 !== "" ? v4 : v6 !== undefined && v6 !== "" ? `[${v6}]` : undefined;
        if (host === undefined) {
            skipped.push({ instanceId: id, reason: "no AWS_INSTANCE_IPV4 or AWS_INSTANCE_IPV6 attribute" });
            continue;
        }
        const port = opts.port ?? (attrs["AWS_INSTANCE_PORT"] !== undefined ? Number(attrs["AWS_INSTANCE_PORT"]) : undefined);
        if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
            skipped.push({ instanceId: id, reason: "no port: the URL names none and the instance has no valid AWS_INSTANCE_PORT" });
            continue;
        }
        const labels: Record<string, string> = {
            __meta_cloudmap_namespace: i.NamespaceName ?? "",
            __meta_cloudmap_service: i.ServiceName ?? "",
            __meta_cloudmap_instance_id: id,
            __meta_cloudmap_health_status: i.HealthStatus ?? "",
        };
        for (const [k, v] of Object.entries(attrs)) labels[`__meta_cloudmap_attribute_${labelName(k)}`] = v;
        groups.push({ targets: [`${host}:${port}`], labels });
    }
    return { groups, skipped };
}

/** What the HTTP path and query ask for: `/v1/cloudmap/<namespace>/<service>?port=<port>`. */
export type TargetsRequest =
    | { readonly kind: "targets"; readonly namespace: string; readonly service: string; readonly port?: number }
    | { readonly kind: "healthz" }
    | { readonly kind: "error"; readonly status: 400 | 404; readonly message: string };

/** The path prefix of target requests; prometheus.yml's `http_sd_configs` URLs use it (components/monitoring). */
const TARGETS_PATH = "/v1/cloudmap";

export function parseRequest(rawUrl: string): TargetsRequest {
    const url = new URL(rawUrl, "http://localhost");
    if (url.pathname === "/healthz") return { kind: "healthz" };
    const parts = url.pathname.split("/");
    if (`/${parts[1]}/${parts[2]}` !== TARGETS_PATH || parts.length !== 5) {
        return { kind: "error", status: 404, message: `no such path: ${url.pathname} (targets are at ${TARGETS_PATH}/<namespace>/<service>?port=<port>)` };
    }
    const [namespace, service] = [parts[3] as string, parts[4] as string];
    if (!isDnsName(namespace)) return { kind: "error", status: 400, message: `namespace "${namespace}" is not a DNS name` };
    if (!isServiceName(service)) return { kind: "error", status: 400, message: `service "${service}" is not a DNS label` };
    const p = url.searchParams.get("port");
    if (p === null) return { kind: "targets", namespace, service };
    if (!/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65535) return { kind: "error", status: 400, message: `port "${p}" must be a TCP port 1..65535` };
    return { kind: "targets", namespace, service, port: Number(p) };
}
