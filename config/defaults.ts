/**
 * Per-environment defaults. A stack file sets only what differs from its environment's defaults.
 *
 * `dev` is cost-lean (2 AZs, one NAT gateway, containers for the data stores);
 * `prod` is resilient (3 AZs, a NAT gateway per AZ, RDS Multi-AZ and ElastiCache with failover).
 */
import type { Environment } from "./types";

type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Raw (pre-validation) shape of the concerns with defaults. */
export interface RawConcerns {
    network: Record<string, unknown>;
    cluster: Record<string, unknown>;
    service: Record<string, unknown>;
    dataStores: Record<string, unknown>;
    monitoring: Record<string, unknown>;
    alerting: Record<string, unknown>;
}

const base: RawConcerns = {
    network: { cidrBlock: "10.40.0.0/16", availabilityZones: 2, natGateways: "single" },
    cluster: {
        containerInsights: "enhanced",
        ec2: { instanceType: "t3.medium", minSize: 1, maxSize: 2, rootVolumeGiB: 40 },
    },
    service: {
        image: { source: "build", context: "app", platform: "linux/amd64" },
        port: 3000,
        // The app's default METRICS_PORT (Prometheus' default port allocations list 9464 for
        // OpenTelemetry's Prometheus exporter; no other service of the task or host uses it).
        metricsPort: 9464,
        size: { cpu: 256, memory: 512 },
        desiredCount: 1,
        minCount: 1,
        maxCount: 2,
        targetCpuPercent: 60,
        // Liveness, not readiness: ECS replaces tasks the load balancer calls unhealthy, so a
        // dependency check here would turn a Redis or PostgreSQL outage into every web task being
        // killed and restarted into the same outage. Dependency failures are alarms, not restarts.
        healthCheckPath: "/healthz",
        allowedCidrs: ["0.0.0.0/0"],
        logRetentionDays: 14,
        deletionProtection: false,
    },
    dataStores: {
        mode: "ecs",
        postgres: {
            databaseName: "koronet",
            username: "koronet",
            version: "15",
            ecs: { cpu: 512, memory: 1024 },
            managed: {
                instanceClass: "db.t4g.medium",
                allocatedStorageGiB: 20,
                maxAllocatedStorageGiB: 100,
                multiAz: false,
                backupRetentionDays: 1,
                deletionProtection: false,
            },
        },
        redis: {
            ecs: { cpu: 256, memory: 512 },
            managed: { nodeType: "cache.t4g.small", nodes: 1, engineVersion: "7.1" },
        },
    },
    monitoring: {
        enabled: true,
        // Rules every 5 s: cheap (~40 rules) and the figure the critical 60 s target is computed with.
        prometheus: { retentionDays: 7, scrapeIntervalSeconds: 15, evaluationIntervalSeconds: 5, remoteWrite: false, replicas: 1 },
        // Grafana's own internet-facing load balancer sees only public source addresses; its login
        // guards it. Stacks narrow this to their office or VPN egress addresses.
        grafana: { allowedCidrs: ["0.0.0.0/0"], replicas: 1 },
    },
    alerting: {
        runbookBaseUrl: "https://github.com/koronet/koronet-platform/blob/main/runbooks",
        notifications: {
            slack: { mode: "lambda", channel: "#koronet-alerts", webhookUrlFrom: "external" },
            email: { critical: [], warning: [] },
            pagerduty: { enabled: false, routingKeyFrom: "external" },
        },
        // One task: dev pays for one. An Alertmanager alone is an outage of the Prometheus path
        // whenever it is replaced (README fault row F4).
        alertmanager: { replicas: 1 },
    },
};

const overrides: Record<Environment, DeepPartial<RawConcerns>> = {
    dev: {
        // UnusualTraffic off: a dev stack has no steady traffic to learn a band from, so it would
        // only report that nobody is testing right now. Applied here, once, so the plan, the
        // rendered rules and the time-to-notify report all see it.
        alerting: { alerts: { UnusualTraffic: { enabled: false } } },
    },
    prod: {
        network: { cidrBlock: "10.50.0.0/16", availabilityZones: 3, natGateways: "onePerAz" },
        cluster: { ec2: { instanceType: "t3.large", minSize: 2, maxSize: 4, rootVolumeGiB: 100 } },
        service: {
            size: { cpu: 512, memory: 1024 },
            desiredCount: 3,
            minCount: 3,
            maxCount: 12,
            logRetentionDays: 90,
            deletionProtection: true,
        },
        dataStores: {
            mode: "managed",
            postgres: {
                managed: {
                    instanceClass: "db.r6g.large",
                    allocatedStorageGiB: 100,
                    maxAllocatedStorageGiB: 500,
                    multiAz: true,
                    backupRetentionDays: 14,
                    deletionProtection: true,
                },
            },
            redis: { managed: { nodeType: "cache.r7g.large", nodes: 2 } },
        },
        // Two Prometheus servers on two instances in two zones: either evaluates every rule alone.
        monitoring: { prometheus: { retentionDays: 30, remoteWrite: true, replicas: 2 }, grafana: { replicas: 2 } },
        // Three Alertmanagers, one per zone: the cluster needs no quorum (any one delivers), so the
        // third buys survival of a second loss — a zone lost while another task is being replaced
        // by a deploy (one at a time) still leaves one — and keeps silences and the notification
        // log alive on two tasks while a third is replaced. About $9 a month per task (0.25 vCPU).
        alerting: { notifications: { pagerduty: { enabled: true } }, alertmanager: { replicas: 3 } },
    },
};

/** The defaults of one environment, as a fresh object the caller may mutate. */
export function defaultsFor(environment: Environment): RawConcerns {
    return deepMerge(structuredClone(base), structuredClone(overrides[environment])) as RawConcerns;
}

/**
 * Merges `patch` into `target`: objects merge key by key, arrays and scalars replace.
 * Shared with the offline runner, which layers test overrides over a stack file the same way.
 */
export function deepMerge(target: unknown, patch: unknown): unknown {
    if (!isPlainObject(target) || !isPlainObject(patch)) return patch === undefined ? target : patch;
    // A tagged union (e.g. `image: { source: "ref", ref }`) switching its tag replaces the default
    // whole: the other variant's keys would otherwise be merged in and rejected as unknown.
    if (DISCRIMINANT in patch && patch[DISCRIMINANT] !== target[DISCRIMINANT]) return patch;
    const out: Record<string, unknown> = { ...target };
    for (const [k, v] of Object.entries(patch)) out[k] = deepMerge(out[k], v);
    return out;
}

const DISCRIMINANT = "source";

export function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}
