/**
 * `promtool test rules` unit tests generated from the resolved catalog, one file per alert and
 * profile. Every alert gets: it fires above its threshold once its `for` has passed (and not
 * before), it stays quiet just below the threshold, and it resolves when the condition clears.
 * Thresholds and timings are read from the resolved alert, so the tests follow the catalog.
 * cAdvisor rules run on synthetic series (no cAdvisor locally).
 */
import { stringify } from "yaml";
import { PIPELINE_TIMINGS, type AlertId, type ResolvedAlert } from "../../../components/alerting/catalog";

type Value = number | "stale" | undefined; // undefined → `_` (no sample)
interface Series {
    readonly series: string;
    readonly values: (i: number) => Value;
}
interface Check {
    readonly at: number; // seconds
    readonly firing: readonly Record<string, string>[]; // expected label sets (besides alertname)
}
interface Scenario {
    readonly series: readonly Series[];
    readonly checks: readonly Check[];
}

/** Parameters every scenario needs. */
interface Ctx {
    readonly a: ResolvedAlert;
    readonly S: number;
    readonly E: number;
    readonly F: number;
    readonly W: number;
    readonly T: number;
    /** fault start */
    readonly t0: number;
    /** first time the alert must be firing */
    readonly tFire: number;
    /** fault end */
    readonly t1: number;
    /** first time the alert must be resolved */
    readonly tClear: number;
    /** when the quiet scenario is checked */
    readonly tQuiet: number;
}

const lbl = (name: string, labels: Record<string, string>): string =>
    `${name}{${Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",")}}`;

/** A counter that grows by `perSecond(t)` per second, sampled every S; no samples before `existsFrom`. */
function counter(S: number, perSecond: (t: number) => number, existsFrom = 0): (i: number) => Value {
    const first = Math.ceil(existsFrom / S);
    return (i) => {
        if (i < first) return undefined;
        let v = 0;
        for (let k = first; k <= i; k++) v += perSecond(k * S) * S;
        return v;
    };
}

const during = (t: number, from: number, to: number) => t >= from && t < to;

function fireResolveChecks(c: Ctx, labels: Record<string, string>): Check[] {
    const checks: Check[] = [{ at: Math.max(c.t0 - c.E, 0), firing: [] }];
    if (c.F >= 2 * c.E) checks.push({ at: c.t0 + c.F - c.E, firing: [] });
    checks.push({ at: c.tFire, firing: [labels] }, { at: c.tClear, firing: [] });
    return checks;
}

/** Scenarios per alert: [fires-and-resolves, stays-quiet-just-below, ...extra]. */
const SCENARIOS: Record<AlertId, ((c: Ctx) => Scenario)[] | undefined> = {
    NoHealthyTargets: undefined, // CloudWatch only
    KoronetDown: [
        (c) => ({
            series: [{ series: lbl("up", { job: "koronet", instance: "web-a:3000" }), values: (i) => (during(i * c.S, c.t0, c.t1) ? 0 : 1) }],
            checks: fireResolveChecks(c, { severity: "critical" }),
        }),
        // Just below the threshold is "exactly the required number up": one instance of two down.
        (c) => ({
            series: [
                { series: lbl("up", { job: "koronet", instance: "web-a:3000" }), values: () => 1 },
                { series: lbl("up", { job: "koronet", instance: "web-b:3000" }), values: (i) => (i * c.S >= c.t0 ? 0 : 1) },
            ],
            checks: [{ at: c.tQuiet, firing: [] }],
        }),
        // Every target gone (service discovery dropped them): `up` is absent, which must alarm too.
        (c) => ({
            series: [{ series: lbl("up", { job: "koronet", instance: "web-a:3000" }), values: (i) => (i * c.S >= c.t0 ? "stale" : 1) }],
            checks: [
                { at: c.t0 - c.E, firing: [] },
                { at: c.tFire, firing: [{ severity: "critical" }] },
            ],
        }),
    ],
    HighErrorRate: [
        (c) => {
            const rps = 10;
            const share = Math.min(4 * c.T, 100) / 100;
            return {
                series: [
                    {
                        series: lbl("koronet_http_requests_total", { job: "koronet", route: "/api/items", status_code: "200", method: "GET" }),
                        values: counter(c.S, (t) => (during(t, c.t0, c.t1) ? rps * (1 - share) : rps)),
                    },
                    // The 5xx series is new when the fault starts: rate() needs two of its samples.
                    {
                        series: lbl("koronet_http_requests_total", { job: "koronet", route: "/api/items", status_code: "500", method: "GET" }),
                        values: counter(c.S, (t) => (during(t, c.t0, c.t1) ? rps * share : 0), c.t0),
                    },
                ],
                checks: fireResolveChecks(c, { severity: "critical" }),
            };
        },
        (c) => {
            const rps = 10;
            const share = (c.T * 0.98) / 100;
            return {
                series: [
                    {
                        series: lbl("koronet_http_requests_total", { job: "koronet", route: "/", status_code: "200", method: "GET" }),
                        values: counter(c.S, () => rps * (1 - share)),
                    },
                    {
                        series: lbl("koronet_http_requests_total", { job: "koronet", route: "/", status_code: "503", method: "GET" }),
                        values: counter(c.S, () => rps * share),
                    },
                ],
                checks: [{ at: c.tQuiet, firing: [] }],
            };
        },
        // Low traffic: 1 failure in 4 requests/minute is not a page.
        (c) => ({
            series: [
                {
                    series: lbl("koronet_http_requests_total", { job: "koronet", route: "/", status_code: "200", method: "GET" }),
                    values: counter(c.S, () => 0.05),
                },
                {
                    series: lbl("koronet_http_requests_total", { job: "koronet", route: "/", status_code: "500", method: "GET" }),
                    values: counter(c.S, () => 0.05),
                },
            ],
            checks: [{ at: c.tQuiet, firing: [] }],
        }),
    ],
    DatabaseConnectionFailures: [
        (c) => ({
            series: [
                {
                    series: lbl("koronet_db_connection_errors_total", { job: "koronet", instance: "web-a:3000" }),
                    values: counter(c.S, (t) => (during(t, c.t0, c.t1) ? (3 * c.T) / 60 : 0)),
                },
            ],
            checks: fireResolveChecks(c, { severity: "critical" }),
        }),
        // Just below, split between PostgreSQL and Redis (the two are added).
        (c) => ({
            series: [
                {
                    series: lbl("koronet_db_connection_errors_total", { job: "koronet", instance: "web-a:3000" }),
                    values: counter(c.S, () => (0.45 * c.T) / 60),
                },
                {
                    series: lbl("koronet_redis_errors_total", { job: "koronet", instance: "web-a:3000", command: "get" }),
                    values: counter(c.S, () => (0.45 * c.T) / 60),
                },
            ],
            checks: [{ at: c.tQuiet, firing: [] }],
        }),
        // Redis failures alone count too.
        (c) => ({
            series: [
                { series: lbl("koronet_db_connection_errors_total", { job: "koronet", instance: "web-a:3000" }), values: () => 0 },
                {
                    series: lbl("koronet_redis_errors_total", { job: "koronet", instance: "web-a:3000", command: "get" }),
                    values: counter(c.S, (t) => (t >= c.t0 ? (3 * c.T) / 60 : 0)),
                },
            ],
            checks: [{ at: c.tFire, firing: [{ severity: "critical" }] }],
        }),
    ],
    PostgresDown: [
        (c) => ({
            series: [{ series: lbl("pg_up", { job: "postgres", instance: "pgexp:9187" }), values: (i) => (during(i * c.S, c.t0, c.t1) ? 0 : 1) }],
            checks: fireResolveChecks(c, { severity: "critical" }),
        }),
        (c) => ({ series: [{ series: lbl("pg_up", { job: "postgres", instance: "pgexp:9187" }), values: () => 1 }], checks: [{ at: c.tQuiet, firing: [] }] }),
    ],
    RedisDown: [
        (c) => ({
            series: [{ series: lbl("redis_up", { job: "redis", instance: "redisexp:9121" }), values: (i) => (during(i * c.S, c.t0, c.t1) ? 0 : 1) }],
            checks: fireResolveChecks(c, { severity: "critical" }),
        }),
        (c) => ({
            series: [{ series: lbl("redis_up", { job: "redis", instance: "redisexp:9121" }), values: () => 1 }],
            checks: [{ at: c.tQuiet, firing: [] }],
        }),
    ],
    HighMemoryUsage: [
        (c) => {
            const node = { job: "node", instance: "host-a:9100" };
            const used = (t: number) => (during(t, c.t0, c.t1) ? Math.min(c.T + 5, 100) : c.T / 2);
            return {
                series: [
                    { series: lbl("node_memory_MemTotal_bytes", node), values: () => 1000 },
                    { series: lbl("node_memory_MemAvailable_bytes", node), values: (i) => 1000 - used(i * c.S) * 10 },
                ],
                checks: fireResolveChecks(c, { ...node, severity: "critical" }),
            };
        },
        (c) => {
            const node = { job: "node", instance: "host-a:9100" };
            const ctr = { job: "cadvisor", instance: "host-a:8080", name: "ecs-web-1", container_label_com_amazonaws_ecs_container_name: "web" };
            return {
                series: [
                    { series: lbl("node_memory_MemTotal_bytes", node), values: () => 1000 },
                    { series: lbl("node_memory_MemAvailable_bytes", node), values: () => 1000 - (c.T - 0.5) * 10 },
                    { series: lbl("container_memory_working_set_bytes", ctr), values: () => (c.T - 0.5) * 10 },
                    { series: lbl("container_spec_memory_limit_bytes", ctr), values: () => 1000 },
                    // No limit (0): never divided by, never alerts.
                    { series: lbl("container_memory_working_set_bytes", { ...ctr, name: "ecs-agent" }), values: () => 5000 },
                    { series: lbl("container_spec_memory_limit_bytes", { ...ctr, name: "ecs-agent" }), values: () => 0 },
                ],
                checks: [{ at: c.tQuiet, firing: [] }],
            };
        },
        // Container against its limit (cAdvisor, synthetic).
        (c) => {
            const ctr = { job: "cadvisor", instance: "host-a:8080", name: "ecs-web-1", container_label_com_amazonaws_ecs_container_name: "web" };
            return {
                series: [
                    {
                        series: lbl("container_memory_working_set_bytes", ctr),
                        values: (i) => (during(i * c.S, c.t0, c.t1) ? Math.min(c.T + 5, 100) * 10 : 300),
                    },
                    { series: lbl("container_spec_memory_limit_bytes", ctr), values: () => 1000 },
                ],
                checks: fireResolveChecks(c, { ...ctr, severity: "critical" }),
            };
        },
    ],
    DiskSpaceLow: [
        (c) => {
            const fs = { job: "node", instance: "host-a:9100", device: "/dev/nvme0n1p1", fstype: "ext4", mountpoint: "/" };
            return {
                series: [
                    { series: lbl("node_filesystem_size_bytes", fs), values: () => 1000 },
                    { series: lbl("node_filesystem_avail_bytes", fs), values: (i) => (during(i * c.S, c.t0, c.t1) ? (c.T / 2) * 10 : 500) },
                    { series: lbl("node_filesystem_readonly", fs), values: () => 0 },
                ],
                checks: fireResolveChecks(c, { ...fs, severity: "critical" }),
            };
        },
        (c) => {
            const fs = { job: "node", instance: "host-a:9100", device: "/dev/nvme0n1p1", fstype: "ext4", mountpoint: "/" };
            const tmp = { job: "node", instance: "host-a:9100", device: "tmpfs", fstype: "tmpfs", mountpoint: "/run" };
            return {
                series: [
                    { series: lbl("node_filesystem_size_bytes", fs), values: () => 1000 },
                    { series: lbl("node_filesystem_avail_bytes", fs), values: () => (c.T + 0.5) * 10 },
                    { series: lbl("node_filesystem_readonly", fs), values: () => 0 },
                    // A full tmpfs is not "the disk".
                    { series: lbl("node_filesystem_size_bytes", tmp), values: () => 1000 },
                    { series: lbl("node_filesystem_avail_bytes", tmp), values: () => 1 },
                    { series: lbl("node_filesystem_readonly", tmp), values: () => 0 },
                ],
                checks: [{ at: c.tQuiet, firing: [] }],
            };
        },
    ],
    HighResponseTime: [(c) => latencyScenario(c, "above"), (c) => latencyScenario(c, "below")],
    CacheMissRateHigh: [
        (c) => cacheScenario(c, (t) => (during(t, c.t0, c.t1) ? Math.min(c.T + 30, 100) : 10), [{ at: -1, firing: [] }]),
        (c) => cacheScenario(c, () => c.T - 1, [{ at: c.tQuiet, firing: [] }]),
        // The store-side signal: Redis's keyspace misses above the threshold while the app's own
        // read-through cache looks fine (e.g. session look-ups failing after a flush).
        (c) =>
            cacheScenario(
                c,
                () => 10,
                fireResolveChecks(c, { source: "redis", severity: "warning" }),
                (t) => (during(t, c.t0, c.t1) ? Math.min(c.T + 30, 100) : 10),
            ),
        // Store side just below, and an idle Redis (below the minimum look-up rate) even at 100 % misses.
        (c) =>
            cacheScenario(
                c,
                () => 10,
                [{ at: c.tQuiet, firing: [] }],
                () => c.T - 1,
            ),
        (c) =>
            cacheScenario(
                c,
                () => 10,
                [{ at: c.tQuiet, firing: [] }],
                () => 100,
                0.1,
            ),
    ],
    HighCpuUsage: [
        (c) =>
            cpuScenario(
                c,
                (t) => (during(t, c.t0, c.t1) ? Math.min(c.T + 15, 100) : 30),
                fireResolveChecks(c, { job: "node", instance: "host-a:9100", severity: "warning" }),
            ),
        (c) => cpuScenario(c, () => c.T - 0.5, [{ at: c.tQuiet, firing: [] }]),
        // Start-up: one minute at 100% on both cores, then normal — must stay quiet.
        (c) =>
            cpuScenario(c, (t) => (during(t, c.t0, c.t0 + 60) ? 100 : 30), [
                { at: c.t0 + 60 + c.W + c.S, firing: [] },
                { at: c.tQuiet + 60, firing: [] },
            ]),
    ],
    UnusualTraffic: [
        (c) => trafficScenario(c, 30, true),
        (c) => trafficScenario(c, 18, false),
        // Traffic gone after the tasks were replaced: the request series end, nothing replaces them.
        (c) => trafficGoneScenario(c, 4, 4, true),
        // A low-traffic stack whose baseline has quiet minutes: its next quiet minute is not news.
        (c) => trafficGoneScenario(c, 1, 0, false),
    ],
    TargetDown: [
        (c) => ({
            series: [
                { series: lbl("up", { job: "redis", instance: "redisexp:9121" }), values: (i) => (during(i * c.S, c.t0, c.t1) ? 0 : 1) },
                { series: lbl("up", { job: "node", instance: "host-a:9100" }), values: () => 1 },
            ],
            checks: fireResolveChecks(c, { job: "redis", instance: "redisexp:9121", severity: "warning" }),
        }),
        (c) => ({ series: [{ series: lbl("up", { job: "redis", instance: "redisexp:9121" }), values: () => 1 }], checks: [{ at: c.tQuiet, firing: [] }] }),
    ],
    AlertmanagerNotificationsFailing: [
        // One notification to PagerDuty fails (e.g. the routing-key file left out for the placeholder): it fires
        // for that integration only, and clears once the failure leaves the window.
        (c) => {
            const am = { job: "alertmanager", instance: "alertmanager.dev.koronet.internal:9093" };
            return {
                series: [
                    { series: lbl("alertmanager_notifications_failed_total", { ...am, integration: "pagerduty" }), values: (i) => (i * c.S >= c.t0 ? 1 : 0) },
                    { series: lbl("alertmanager_notifications_failed_total", { ...am, integration: "webhook" }), values: () => 0 },
                ],
                checks: [
                    { at: Math.max(c.t0 - c.E, 0), firing: [] },
                    { at: c.t0 + c.S + 2 * c.E, firing: [{ integration: "pagerduty", severity: "critical" }] },
                    { at: c.t0 + c.W + c.S + 2 * c.E, firing: [] },
                ],
            };
        },
        // Old failures only (the counter does not move): quiet.
        (c) => ({
            series: [
                {
                    series: lbl("alertmanager_notifications_failed_total", { job: "alertmanager", instance: "am:9093", integration: "pagerduty" }),
                    values: () => 3,
                },
            ],
            checks: [{ at: c.tQuiet, firing: [] }],
        }),
    ],
    ServiceTasksMissing: [
        // cAdvisor stops on one of two instances: node exporter is scraped on two, cAdvisor on one.
        (c) => ({
            series: [
                ...["a", "b"].map((h) => ({ series: lbl("up", { job: "node", instance: `task-node-${h}:9100` }), values: () => 1 as Value })),
                { series: lbl("up", { job: "cadvisor", instance: "task-cad-a:8080" }), values: () => 1 },
                { series: lbl("up", { job: "cadvisor", instance: "task-cad-b:8080" }), values: (i) => (during(i * c.S, c.t0, c.t1) ? "stale" : 1) },
            ],
            checks: fireResolveChecks(c, { severity: "warning" }),
        }),
        // Every instance runs both daemons: quiet.
        (c) => ({
            series: ["a", "b"].flatMap((h) => [
                { series: lbl("up", { job: "node", instance: `task-node-${h}:9100` }), values: () => 1 as Value },
                { series: lbl("up", { job: "cadvisor", instance: `task-cad-${h}:8080` }), values: () => 1 as Value },
            ]),
            checks: [{ at: c.tQuiet, firing: [] }],
        }),
        // No cAdvisor scraped at all (the local pipeline): nothing to compare, quiet.
        (c) => ({ series: [{ series: lbl("up", { job: "node", instance: "127.0.0.1:9100" }), values: () => 1 }], checks: [{ at: c.tQuiet, firing: [] }] }),
    ],
    ContainerRestarting: [
        (c) => restartScenario(c, Math.floor(c.T) + 1, "replace"),
        (c) => restartScenario(c, Math.floor(c.T), "replace"),
        (c) => restartScenario(c, Math.floor(c.T) + 1, "in-place"),
        // A deployment replaces every task once: the old ones started long ago, the new ones stay.
        (c) => deployScenario(c),
    ],
    PostgresConnectionsNearExhaustion: [
        (c) => {
            const pg = { job: "postgres", instance: "pgexp:9187" };
            return {
                series: [
                    { series: lbl("pg_settings_max_connections", { ...pg, server: "db:5432" }), values: () => 100 },
                    {
                        series: lbl("pg_stat_activity_count", { ...pg, datname: "koronet", state: "active" }),
                        values: (i) => (during(i * c.S, c.t0, c.t1) ? Math.min(c.T + 10, 100) - 5 : 10),
                    },
                    { series: lbl("pg_stat_activity_count", { ...pg, datname: "koronet", state: "idle" }), values: () => 5 },
                ],
                checks: fireResolveChecks(c, { ...pg, severity: "warning" }),
            };
        },
        (c) => {
            const pg = { job: "postgres", instance: "pgexp:9187" };
            return {
                series: [
                    { series: lbl("pg_settings_max_connections", { ...pg, server: "db:5432" }), values: () => 100 },
                    { series: lbl("pg_stat_activity_count", { ...pg, datname: "koronet", state: "active" }), values: () => c.T - 6 },
                    { series: lbl("pg_stat_activity_count", { ...pg, datname: "koronet", state: "idle" }), values: () => 5 },
                ],
                checks: [{ at: c.tQuiet, firing: [] }],
            };
        },
    ],
    Watchdog: [(c) => ({ series: [], checks: [0, c.E, c.tFire, c.tQuiet].map((at) => ({ at, firing: [{ severity: "none" }] })) })],
};

function latencyScenario(c: Ctx, where: "above" | "below"): Scenario {
    const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10];
    const i = buckets.indexOf(c.T);
    if (i < 1 || i >= buckets.length - 1)
        throw new Error(`HighResponseTime threshold ${c.T} is not an inner bucket boundary of the contract histogram; extend the fixture`);
    // All observations in the bucket just above (or just below) the threshold: p99 interpolates
    // inside that bucket, i.e. just above (or just below) the threshold.
    const slow = (buckets[i + 1] as number) - 0.01;
    const below = (buckets[i - 1] as number) + 0.01;
    const rps = 2;
    const obs = (t: number) => (where === "below" ? below : during(t, c.t0, c.t1) ? slow : 0.02);
    const base = { job: "koronet", method: "GET", route: "/api/items", status_code: "200" };
    const series: Series[] = [...buckets.map(String), "+Inf"].map((le) => ({
        series: lbl("koronet_http_request_duration_seconds_bucket", { ...base, le }),
        values: counter(c.S, (t) => (le === "+Inf" || obs(t) <= Number(le) ? rps : 0)),
    }));
    series.push({ series: lbl("koronet_http_requests_total", base), values: counter(c.S, () => rps) });
    return { series, checks: where === "below" ? [{ at: c.tQuiet, firing: [] }] : fireResolveChecks(c, { severity: "warning" }) };
}

function cacheScenario(
    c: Ctx,
    missPercent: (t: number) => number,
    checks: Check[],
    storeMissPercent: (t: number) => number = () => 5,
    storeLookups = 20,
): Scenario {
    const lookups = 5;
    const l = { job: "koronet", instance: "web-a:3000", cache: "items" };
    const r = { job: "redis", instance: "redis:6379" };
    return {
        series: [
            { series: lbl("koronet_cache_hits_total", l), values: counter(c.S, (t) => lookups * (1 - missPercent(t) / 100)) },
            { series: lbl("koronet_cache_misses_total", l), values: counter(c.S, (t) => (lookups * missPercent(t)) / 100) },
            { series: lbl("redis_keyspace_hits_total", r), values: counter(c.S, (t) => storeLookups * (1 - storeMissPercent(t) / 100)) },
            { series: lbl("redis_keyspace_misses_total", r), values: counter(c.S, (t) => (storeLookups * storeMissPercent(t)) / 100) },
        ],
        checks: checks[0]?.at === -1 ? fireResolveChecks(c, { source: "app", severity: "warning" }) : checks,
    };
}

function cpuScenario(c: Ctx, busyPercent: (t: number) => number, checks: Check[]): Scenario {
    return {
        series: ["0", "1"].map((cpu) => ({
            series: lbl("node_cpu_seconds_total", { job: "node", instance: "host-a:9100", cpu, mode: "idle" }),
            values: counter(c.S, (t) => 1 - busyPercent(t) / 100),
        })),
        checks,
    };
}

/**
 * Traffic gone after a deployment: the request series (which exist only after a route's first
 * request) end at t0 and nothing replaces them. Baseline alternating `low` and `high` req/s in
 * blocks; `fires` when that baseline never touched zero.
 */
function trafficGoneScenario(c: Ctx, low: number, high: number, fires: boolean): Scenario {
    const block = 20 * c.S;
    const rps = (t: number) => (Math.floor(t / block) % 2 === 0 ? low : high);
    const count = counter(c.S, rps);
    return {
        series: [
            {
                series: lbl("koronet_http_requests_total", { job: "koronet", method: "GET", route: "/", status_code: "200", instance: "10.0.1.10:3000" }),
                values: (i) => (i * c.S < c.t0 ? count(i) : i * c.S < c.t0 + c.S ? "stale" : undefined),
            },
        ],
        checks: fires
            ? [
                  { at: Math.max(c.t0 - c.E, 0), firing: [] },
                  { at: c.t0 + c.W + c.S + 2 * c.E + Math.ceil(c.F / c.E) * c.E + c.E, firing: [{ severity: "warning" }] },
              ]
            : [{ at: c.t0 + c.F + c.W + 4 * c.E, firing: [] }],
    };
}

/** Baseline alternating 6 and 14 req/s in blocks; then a level change to `level` req/s. */
function trafficScenario(c: Ctx, level: number, fires: boolean): Scenario {
    const block = 20 * c.S;
    const normal = (t: number) => (Math.floor(t / block) % 2 === 0 ? 6 : 14);
    const rps = (t: number) => (during(t, c.t0, c.t1) ? level : t >= c.t1 ? 10 : normal(t));
    return {
        series: [{ series: lbl("koronet_http_requests_total", { job: "koronet", method: "GET", route: "/", status_code: "200" }), values: counter(c.S, rps) }],
        checks: fires ? fireResolveChecks(c, { severity: "warning" }) : [{ at: c.t0 + c.F + c.W + 4 * c.E, firing: [] }],
    };
}

/**
 * `restarts` restarts of the web server's process within the window (process_start_time_seconds,
 * in the test's own clock: promtool's time() is the evaluation time). `replace`: as ECS does it —
 * each restart is a new task at a new address, so a new target whose series lives until that task
 * dies; `restarts` tasks start and die within the window. `in-place`: the same target restarts
 * (its start time changes), as a process restarted on the same port does.
 */
function restartScenario(c: Ctx, restarts: number, how: "replace" | "in-place"): Scenario {
    const job = { job: "koronet" };
    const gap = Math.max(Math.floor(c.W / (restarts + 2) / c.S), 1) * c.S;
    // Process k starts at starts[k]; process 0 has run since 0, long before the window.
    const starts = [0, ...Array.from({ length: restarts + 1 }, (_, k) => c.t0 + k * gap)];
    const series: Series[] = [];
    if (how === "replace") {
        starts.forEach((from, k) => {
            const to = k + 1 < starts.length ? (starts[k + 1] as number) : Infinity;
            series.push({
                series: lbl("process_start_time_seconds", { ...job, instance: `10.0.1.${k + 10}:3000` }),
                values: (i) => (i * c.S < from ? undefined : i * c.S < to ? from : i * c.S < to + c.S ? "stale" : undefined),
            });
        });
    } else {
        series.push({
            series: lbl("process_start_time_seconds", { ...job, instance: "10.0.1.10:3000" }),
            values: (i) => Math.max(...starts.filter((x) => x <= i * c.S)),
        });
    }
    // The last restart: for `replace`, when the last short-lived task died (= the survivor started).
    const last = starts[starts.length - (how === "replace" ? 1 : 2)] as number;
    const fires = restarts > c.T;
    const tFire = last + c.S + 2 * c.E;
    return {
        series,
        checks: fires
            ? [
                  { at: Math.max(c.t0 - c.E, 0), firing: [] },
                  { at: tFire, firing: [{ ...job, severity: "warning" }] },
                  { at: last + c.W + 2 * c.S + 2 * c.E, firing: [] },
              ]
            : [
                  { at: tFire, firing: [] },
                  { at: last + c.W / 2, firing: [] },
              ],
    };
}

/** Three tasks that had run for long are replaced by three new ones, which stay: no restart. */
function deployScenario(c: Ctx): Scenario {
    const series: Series[] = [];
    for (let k = 0; k < 3; k++) {
        const swap = c.t0 + k * c.S;
        series.push({
            series: lbl("process_start_time_seconds", { job: "koronet", instance: `10.0.1.${k + 10}:3000` }),
            values: (i) => (i * c.S < swap ? 0 : i * c.S < swap + c.S ? "stale" : undefined),
        });
        series.push({
            series: lbl("process_start_time_seconds", { job: "koronet", instance: `10.0.2.${k + 10}:3000` }),
            values: (i) => (i * c.S < swap ? undefined : swap),
        });
    }
    return {
        series,
        checks: [
            { at: c.t0 + 3 * c.S + 2 * c.E, firing: [] },
            { at: c.t0 + c.W / 2, firing: [] },
        ],
    };
}

/** Expands `{{ $labels.x }}` as Prometheus would for the expected annotations. */
function expand(text: string, labels: Record<string, string>): string {
    return text.replace(/\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, k: string) => labels[k] ?? "");
}

const fmtValue = (v: Value): string => (v === undefined ? "_" : v === "stale" ? "stale" : String(Number(v.toFixed(6))));

/** Whether the generator covers this alert (CloudWatch-only alerts have no rule to test). */
export function hasPromtoolCases(id: AlertId): boolean {
    return SCENARIOS[id] !== undefined;
}

/** The promtool test file (as an object) for one enabled alert with a Prometheus rule. */
export function promtoolTestFile(a: ResolvedAlert, ruleFile: string): { readonly yaml: string; readonly scenarios: number } {
    const scenarios = SCENARIOS[a.id];
    if (a.prometheus === undefined || scenarios === undefined) throw new Error(`${a.id} has no Prometheus rule to test`);
    const t = PIPELINE_TIMINGS[a.profile];
    const S = t.scrapeIntervalSeconds;
    const E = t.evaluationIntervalSeconds;
    const F = a.prometheus.forSeconds;
    const W = a.prometheus.windowSeconds;
    const windowed = a.prometheus.signal !== "instant";
    // UnusualTraffic needs a full baseline before the fault; everything else a few samples.
    const t0 = a.id === "UnusualTraffic" ? Math.ceil((a.profile === "production" ? 70 * 60 : 150) / S) * S : Math.ceil(Math.max(W + 2 * S, 4 * E) / S) * S;
    const tFire = t0 + (windowed ? W + S : S) + E + Math.ceil(F / E) * E + E;
    const t1 = tFire + E;
    const tClear = t1 + (windowed ? W : 0) + S + 2 * E;
    const ctx: Ctx = { a, S, E, F, W, T: a.threshold ?? 0, t0, tFire, t1, tClear, tQuiet: tFire + W };

    const tests = scenarios.map((make) => {
        const sc = make(ctx);
        const end = Math.max(...sc.checks.map((k) => k.at), 0);
        const n = Math.ceil(end / S) + 2;
        return {
            interval: `${S}s`,
            input_series: sc.series.map((s) => ({ series: s.series, values: Array.from({ length: n }, (_, i) => fmtValue(s.values(i))).join(" ") })),
            alert_rule_test: sc.checks.map((k) => ({
                eval_time: `${k.at}s`,
                alertname: a.id,
                exp_alerts: k.firing.map((labels) => ({
                    exp_labels: labels,
                    exp_annotations: { summary: expand(a.summary, labels), description: expand(a.description, labels), runbook_url: a.runbookUrl },
                })),
            })),
        };
    });
    return { yaml: stringify({ rule_files: [ruleFile], evaluation_interval: `${E}s`, tests }, { lineWidth: 0 }), scenarios: tests.length };
}
