/**
 * A stand-in for AWS Cloud Map's discovery API on 127.0.0.1: DiscoverInstances in the service's JSON
 * 1.1 protocol (target `Route53AutoNaming_v20170314.DiscoverInstances`), so the real SDK client of the
 * discovery sidecar (cloudmap-sd/) — signing, serialisation, error parsing — talks to it. Point the
 * SDK at it with `AWS_ENDPOINT_URL_SERVICEDISCOVERY` ({@link FakeCloudMap.sdkEnv}).
 *
 * Instances are registered as ECS registers tasks: the instance ID is the task ID, attributes
 * `AWS_INSTANCE_IPV4` (and `AWS_INSTANCE_PORT` for SRV services), `ECS_CLUSTER_NAME`,
 * `ECS_SERVICE_NAME`, `AVAILABILITY_ZONE`. Health filtering follows the API doc
 * (https://docs.aws.amazon.com/cloud-map/latest/api/API_DiscoverInstances.html): HEALTHY, UNHEALTHY,
 * ALL, HEALTHY_OR_ELSE_ALL; `MaxResults` caps the answer (1..1000).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeInstance {
    readonly id: string;
    readonly attributes: Readonly<Record<string, string>>;
    healthy: boolean;
}

const TARGET = "Route53AutoNaming_v20170314.DiscoverInstances";

export class FakeCloudMap {
    /** Instances by `<namespace>/<service>`, then by instance ID. */
    private readonly services = new Map<string, Map<string, FakeInstance>>();
    /** Every DiscoverInstances answered: namespace, service, health filter, when. */
    readonly calls: { namespace: string; service: string; healthStatus: string; at: number }[] = [];
    /** When set, every request answers HTTP 500 (Cloud Map unavailable). */
    failing = false;

    private constructor(
        private readonly server: Server,
        readonly url: string,
    ) {}

    static async start(): Promise<FakeCloudMap> {
        let fake: FakeCloudMap | undefined;
        const server = createServer((req, res) => {
            let body = "";
            req.on("data", (c: Buffer) => (body += c.toString("utf8")));
            req.on("end", () => {
                const [status, payload] = fake ? fake.answer(req.headers["x-amz-target"], req.headers["authorization"], body) : [500, {}];
                res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
                res.end(JSON.stringify(payload));
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        fake = new FakeCloudMap(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
        return fake;
    }

    /** Environment for an SDK client (the sidecar) to use this stand-in, with throwaway credentials. */
    sdkEnv(region = "eu-west-1"): Record<string, string> {
        return {
            AWS_ENDPOINT_URL_SERVICEDISCOVERY: this.url,
            AWS_ACCESS_KEY_ID: "AKIAKORONETTEST",
            AWS_SECRET_ACCESS_KEY: "koronet-test-only",
            AWS_REGION: region,
        };
    }

    /** Registers (or replaces) an instance, as ECS does when a task starts. */
    register(
        namespace: string,
        service: string,
        instance: { id: string; ipv4: string; port?: number; healthy?: boolean; attributes?: Record<string, string> },
    ): void {
        const key = `${namespace}/${service}`;
        const m = this.services.get(key) ?? new Map<string, FakeInstance>();
        m.set(instance.id, {
            id: instance.id,
            healthy: instance.healthy ?? true,
            attributes: {
                AWS_INSTANCE_IPV4: instance.ipv4,
                ...(instance.port !== undefined ? { AWS_INSTANCE_PORT: String(instance.port) } : {}),
                ECS_CLUSTER_NAME: "koronet-e2e",
                ECS_SERVICE_NAME: service,
                AVAILABILITY_ZONE: "eu-west-1a",
                ...instance.attributes,
            },
        });
        this.services.set(key, m);
    }

    /** Deregisters an instance, as ECS does when a task stops. */
    deregister(namespace: string, service: string, id: string): void {
        this.services.get(`${namespace}/${service}`)?.delete(id);
    }

    setHealthy(namespace: string, service: string, id: string, healthy: boolean): void {
        const i = this.services.get(`${namespace}/${service}`)?.get(id);
        if (i) i.healthy = healthy;
    }

    private answer(target: string | string[] | undefined, authorization: string | string[] | undefined, body: string): [number, unknown] {
        if (this.failing) return [500, { __type: "InternalServiceError", message: "unavailable" }];
        if (target !== TARGET) return [400, { __type: "InvalidInput", message: `unsupported ${String(target)}` }];
        // The real API refuses unsigned requests; so does this one.
        if (typeof authorization !== "string" || !authorization.startsWith("AWS4-HMAC-SHA256 "))
            return [403, { __type: "AccessDeniedException", message: "missing SigV4 signature" }];
        const req = JSON.parse(body) as { NamespaceName?: string; ServiceName?: string; HealthStatus?: string; MaxResults?: number };
        const namespace = String(req.NamespaceName);
        const service = String(req.ServiceName);
        const healthStatus = req.HealthStatus ?? "HEALTHY";
        const max = req.MaxResults ?? 100;
        if (!Number.isInteger(max) || max < 1 || max > 1000) return [400, { __type: "InvalidInput", message: `MaxResults must be 1..1000, got ${max}` }];
        this.calls.push({ namespace, service, healthStatus, at: Date.now() });
        if (![...this.services.keys()].some((k) => k.startsWith(`${namespace}/`)))
            return [400, { __type: "NamespaceNotFound", Message: `No namespace exists with name ${namespace}` }];
        const all = [...(this.services.get(`${namespace}/${service}`)?.values() ?? [])];
        if (!this.services.has(`${namespace}/${service}`)) return [400, { __type: "ServiceNotFound", Message: `No service exists with name ${service}` }];
        const healthy = all.filter((i) => i.healthy);
        const chosen =
            healthStatus === "ALL"
                ? all
                : healthStatus === "UNHEALTHY"
                  ? all.filter((i) => !i.healthy)
                  : healthStatus === "HEALTHY_OR_ELSE_ALL"
                    ? healthy.length > 0
                        ? healthy
                        : all
                    : healthy;
        // The real API answers in random order.
        const shuffled = chosen
            .map((i) => ({ i, k: Math.random() }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.i)
            .slice(0, max);
        return [
            200,
            {
                Instances: shuffled.map((i) => ({
                    InstanceId: i.id,
                    NamespaceName: namespace,
                    ServiceName: service,
                    HealthStatus: i.healthy ? "HEALTHY" : "UNHEALTHY",
                    Attributes: { ...i.attributes },
                })),
                InstancesRevision: this.calls.length,
            },
        ];
    }

    stop(): Promise<void> {
        return new Promise((resolve) => {
            this.server.close(() => resolve());
            this.server.closeAllConnections();
        });
    }
}
