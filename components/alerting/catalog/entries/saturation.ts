/** Saturation: memory, disk, CPU, cache effectiveness and database connections running out. */
import { JOBS, MIN_TRAFFIC } from "../contracts";
import { appMetrics, cacheNode, ecsService, managed, query, rdsInstance, webService } from "../metrics";
import {
    cacheLookupRate,
    cacheMissPercent,
    CADVISOR_ECS,
    CONTAINER_MEMORY_PERCENT,
    FS_MATCHERS,
    job,
    NODE_FS_FREE_PERCENT,
    NODE_MEMORY_PERCENT,
    nodeCpuPercent,
    num,
    orZero,
    redisLookupRate,
    redisMissPercent,
    sel,
} from "../promql";
import type { AlertEntries, CloudWatchAlarmSpec, CloudWatchContext, MetricQuerySpec } from "../types";
import { NOT_BREACHING_RESOURCE, NOT_BREACHING_SYMPTOM } from "./missing-data";

/**
 * RDS storage autoscaling starts when "free available space is less than or equal to 10 percent of
 * the allocated storage" for five minutes, at least six hours after the last storage change, and
 * grows the volume up to maxAllocatedStorage
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html).
 */
const RDS_AUTOSCALING_TRIGGER_PERCENT = 10;

/**
 * The free-space floor DiskSpaceLow watches on RDS. A percentage of the *current* allocation cannot
 * be computed (RDS publishes FreeStorageSpace, not the allocated size, and autoscaling changes it);
 * dividing by the allocation the stack created it with, as before, claimed a percentage it was not.
 * What is honest: free bytes below a floor autoscaling never lets the volume reach while it works.
 * Storage never shrinks, so the current allocation is at least the initial one, and autoscaling keeps
 * at least 10 % of it free; half of that (or the stack's threshold, if lower) of the initial size is
 * below its own trigger, so its five-minute wait is never paged. Below the floor, autoscaling has
 * stopped helping: maxAllocatedStorage reached, or growth faster than its cooldown allows.
 */
export function rdsFreeStorageFloor(
    allocatedStorageGiB: number,
    thresholdPercent: number,
): { readonly percent: number; readonly gib: number; readonly bytes: number } {
    const percent = Math.min(thresholdPercent, RDS_AUTOSCALING_TRIGGER_PERCENT / 2);
    const gib = (allocatedStorageGiB * percent) / 100;
    return { percent, gib, bytes: Math.round(gib * 1024 ** 3) };
}

/**
 * The store-side miss share in prod: ElastiCache CacheHits/CacheMisses ("successful/unsuccessful
 * read-only key lookups in the main dictionary", per node) summed over the replication group's
 * nodes — the same INFO stats redis_exporter reads on the Prometheus path.
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html
 */
function elastiCacheMissRate(c: CloudWatchContext, minLookups: number): CloudWatchAlarmSpec[] {
    const m = managed(c.targets);
    if (m === undefined || m.elasticache.cacheClusterIds.length === 0) return [];
    const ids = m.elasticache.cacheClusterIds.map((_, i) => i + 1);
    const sum = (prefix: string) => ids.map((i) => `FILL(${prefix}${i}, 0)`).join(" + ");
    return [
        {
            variant: "elasticache",
            measures: "100 × AWS/ElastiCache CacheMisses / (CacheHits + CacheMisses), Sum per period over every node of the replication group",
            metricQueries: [
                ...m.elasticache.cacheClusterIds.flatMap((id, i): MetricQuerySpec[] => [
                    query(`hits${i + 1}`, cacheNode(id).cacheHits("Sum")),
                    query(`misses${i + 1}`, cacheNode(id).cacheMisses("Sum")),
                ]),
                {
                    id: "missRate",
                    label: "ElastiCache miss share (%)",
                    returnData: true,
                    expression: `IF((${sum("hits")} + ${sum("misses")}) >= ${num(minLookups)}, 100 * (${sum("misses")}) / (${sum("hits")} + ${sum("misses")}), 0)`,
                },
            ],
            comparisonOperator: "GreaterThanThreshold",
            threshold: c.threshold,
            treatMissingData: "notBreaching",
            treatMissingDataReason: `${NOT_BREACHING_SYMPTOM} ElastiCache publishes per node every minute; FILL and the IF guard keep an idle cache from dividing by zero.`,
        },
    ];
}

export const SATURATION_ALERTS: AlertEntries<"HighMemoryUsage" | "DiskSpaceLow" | "CacheMissRateHigh" | "HighCpuUsage" | "PostgresConnectionsNearExhaustion"> =
    {
        HighMemoryUsage: {
            id: "HighMemoryUsage",
            summary: "Memory use above {threshold}%: processes are about to be OOM-killed",
            description:
                "A host (node_exporter), an EC2 container against its memory limit (cAdvisor), the fullest task of an ECS service against its task memory (every service: web, Grafana, Alertmanager, exporters, Prometheus, the host daemons, dev's PostgreSQL/Redis), or a managed data store uses more memory than the threshold. Find the consumer, look for leaks after a deploy, scale up if it is real load.",
            prometheus: {
                recordingRules: () => [
                    {
                        record: NODE_MEMORY_PERCENT,
                        expr: `100 * (1 - ${sel("node_memory_MemAvailable_bytes", job(JOBS.node))} / ${sel("node_memory_MemTotal_bytes", job(JOBS.node))})`,
                    },
                    {
                        // cAdvisor reports a limit of 0 for a container without one (specMemoryValue,
                        // google/cadvisor metrics/prometheus.go): excluded rather than divided by. Every
                        // EC2 container of the stack has a hard limit, the limits of a task filling its memory
                        // (monitoring/host-exporters.ts; Prometheus and its discovery sidecar), so this covers them all.
                        record: CONTAINER_MEMORY_PERCENT,
                        expr: `100 * ${sel("container_memory_working_set_bytes", CADVISOR_ECS)} / (${sel("container_spec_memory_limit_bytes", CADVISOR_ECS)} > 0)`,
                    },
                ],
                expr: (c) => `${NODE_MEMORY_PERCENT} > ${num(c.threshold)} or ${CONTAINER_MEMORY_PERCENT} > ${num(c.threshold)}`,
                resultLabels: ["instance", "job"],
            },
            cloudwatch: {
                alarms: (c) => {
                    const t = c.targets;
                    // Every ECS service, Fargate and EC2 alike. The task is the unit ECS sizes, enforces
                    // and reports: the service's MemoryUtilization Maximum is "the utilization of the
                    // task with the highest resource usage ... compared to what was specified in the task
                    // definition" (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_utilization.html),
                    // published without Container Insights.
                    const specs: CloudWatchAlarmSpec[] = t.services.map((svc) => ({
                        variant: `task-${svc.key}`,
                        measures: `AWS/ECS MemoryUtilization (Maximum: the fullest task against its task memory) of ${svc.description}`,
                        metric: ecsService(c.targets.clusterName, svc.serviceName).memory("Maximum"),
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: c.threshold,
                        treatMissingData: "notBreaching",
                        treatMissingDataReason: NOT_BREACHING_RESOURCE,
                    }));
                    const m = managed(t);
                    if (m !== undefined) {
                        specs.push({
                            variant: "rds",
                            measures: "100 × (1 − AWS/RDS FreeableMemory (Minimum) / instance memory)",
                            metricQueries: [
                                query("freeable", rdsInstance(m).freeableMemory("Minimum")),
                                {
                                    id: "usedPercent",
                                    label: "RDS memory used (%)",
                                    returnData: true,
                                    expression: `100 * (1 - freeable / ${num(m.rds.memoryBytes)})`,
                                },
                            ],
                            comparisonOperator: "GreaterThanThreshold",
                            threshold: c.threshold,
                            treatMissingData: "notBreaching",
                            treatMissingDataReason: NOT_BREACHING_RESOURCE,
                        });
                        m.elasticache.cacheClusterIds.forEach((id, i) =>
                            specs.push({
                                variant: `elasticache-node${i + 1}`,
                                measures: `AWS/ElastiCache DatabaseMemoryUsagePercentage (Maximum) of cache node ${i + 1}`,
                                metric: cacheNode(id).memoryUsagePercentage("Maximum"),
                                comparisonOperator: "GreaterThanThreshold",
                                threshold: c.threshold,
                                treatMissingData: "notBreaching",
                                treatMissingDataReason: NOT_BREACHING_RESOURCE,
                            }),
                        );
                    }
                    return specs;
                },
            },
        },

        DiskSpaceLow: {
            id: "DiskSpaceLow",
            summary: "Disk almost full: less than {threshold}% free",
            description:
                "A host filesystem, the web server tasks' Fargate ephemeral storage, or the RDS volume has less free space than the threshold. Writes will fail soon. Find what grows (logs, temp files, WAL), clean up or grow the volume.",
            prometheus: {
                recordingRules: () => [
                    {
                        record: NODE_FS_FREE_PERCENT,
                        expr:
                            `100 * ${sel("node_filesystem_avail_bytes", FS_MATCHERS)} / ${sel("node_filesystem_size_bytes", FS_MATCHERS)}` +
                            ` and on(instance, device, mountpoint) ${sel("node_filesystem_readonly", FS_MATCHERS)} == 0`,
                    },
                ],
                expr: (c) => `${NODE_FS_FREE_PERCENT} < ${num(c.threshold)}`,
                resultLabels: ["instance", "job", "device", "fstype", "mountpoint"],
            },
            cloudwatch: {
                alarms: (c) => {
                    const t = c.targets;
                    const specs: CloudWatchAlarmSpec[] = [
                        {
                            variant: "ephemeral",
                            measures: "100 × (1 − ECS/ContainerInsights EphemeralStorageUtilized / EphemeralStorageReserved), Maximum (fullest task)",
                            metricQueries: [
                                query("used", webService(t).ephemeralStorageUtilized("Maximum")),
                                query("reserved", webService(t).ephemeralStorageReserved("Maximum")),
                                { id: "freePercent", label: "ephemeral storage free (%)", returnData: true, expression: "100 * (1 - used / reserved)" },
                            ],
                            comparisonOperator: "LessThanThreshold",
                            threshold: c.threshold,
                            treatMissingData: "notBreaching",
                            treatMissingDataReason: NOT_BREACHING_RESOURCE,
                        },
                    ];
                    const m = managed(t);
                    if (m !== undefined) {
                        const floor = rdsFreeStorageFloor(m.rds.allocatedStorageGiB, c.threshold);
                        specs.push({
                            variant: "rds",
                            measures:
                                `AWS/RDS FreeStorageSpace (Minimum) below ${num(floor.gib)} GiB (${num(floor.percent)} % of the ${m.rds.allocatedStorageGiB} GiB the instance started with): ` +
                                "storage autoscaling keeps more free than that until it reaches maxAllocatedStorage, so this means it has stopped keeping up (ceiling reached, or growth faster than its 6-hour cooldown)",
                            metric: rdsInstance(m).freeStorageSpace("Minimum"),
                            comparisonOperator: "LessThanThreshold",
                            threshold: floor.bytes,
                            treatMissingData: "notBreaching",
                            treatMissingDataReason: NOT_BREACHING_RESOURCE,
                        });
                    }
                    return specs;
                },
            },
        },

        CacheMissRateHigh: {
            id: "CacheMissRateHigh",
            summary: "Cache is not helping: over {threshold}% of look-ups miss",
            description:
                "The web server's read-through cache (source=app: its own hit/miss counters), or Redis itself (source=redis: keyspace hits/misses of every key look-up, sessions included; ElastiCache CacheHits/CacheMisses in prod), misses more often than the threshold (judged above a minimum look-up rate), so the database takes the load. Normal for a few minutes after a Redis restart or flush; otherwise check evictions, Redis memory and TTLs.",
            prometheus: {
                recordingRules: (c) => {
                    const hits = orZero(`sum(rate(${sel("koronet_cache_hits_total", job(JOBS.koronet))}[${c.window}]))`);
                    const misses = `sum(rate(${sel("koronet_cache_misses_total", job(JOBS.koronet))}[${c.window}]))`;
                    // The store-side signal: redis_exporter's keyspace_hits/keyspace_misses (Redis INFO
                    // stats: successful and failed key look-ups, every client and key).
                    const rHits = orZero(`sum(rate(${sel("redis_keyspace_hits_total", job(JOBS.redis))}[${c.window}]))`);
                    const rMisses = `sum(rate(${sel("redis_keyspace_misses_total", job(JOBS.redis))}[${c.window}]))`;
                    return [
                        { record: cacheLookupRate(c.window), expr: `${hits} + ${orZero(misses)}` },
                        { record: cacheMissPercent(c.window), expr: `100 * ${misses} / ${cacheLookupRate(c.window)}` },
                        { record: redisLookupRate(c.window), expr: `${rHits} + ${orZero(rMisses)}` },
                        { record: redisMissPercent(c.window), expr: `100 * ${rMisses} / ${redisLookupRate(c.window)}` },
                    ];
                },
                expr: (c) => {
                    const t = num(c.threshold);
                    const min = num(MIN_TRAFFIC.cacheLookupsPerSecond);
                    const app = `${cacheMissPercent(c.window)} > ${t} and on() ${cacheLookupRate(c.window)} >= ${min}`;
                    const store = `${redisMissPercent(c.window)} > ${t} and on() ${redisLookupRate(c.window)} >= ${min}`;
                    return `label_replace(${app}, "source", "app", "", "") or label_replace(${store}, "source", "redis", "", "")`;
                },
                resultLabels: ["source"],
            },
            cloudwatch: {
                alarms: (c) => {
                    const t = c.targets;
                    const minLookups = MIN_TRAFFIC.cacheLookupsPerSecond * c.periodSeconds;
                    return [
                        {
                            // The app's own counters in both data-store modes: they measure exactly its
                            // read-through cache (ElastiCache CacheHits/Misses also count session look-ups)
                            // and are what the Prometheus rule reads.
                            measures: "100 × Koronet/App koronet_cache_misses_total / (hits + misses), Sum per period",
                            metricQueries: [
                                query("hits", appMetrics(t).cacheHits("Sum")),
                                query("misses", appMetrics(t).cacheMisses("Sum")),
                                {
                                    id: "missRate",
                                    label: "cache miss share (%)",
                                    returnData: true,
                                    expression: `IF((FILL(hits, 0) + FILL(misses, 0)) >= ${num(minLookups)}, 100 * FILL(misses, 0) / (FILL(hits, 0) + FILL(misses, 0)), 0)`,
                                },
                            ],
                            comparisonOperator: "GreaterThanThreshold",
                            threshold: c.threshold,
                            treatMissingData: "notBreaching",
                            treatMissingDataReason: NOT_BREACHING_SYMPTOM,
                        },
                        ...elastiCacheMissRate(c, minLookups),
                    ];
                },
            },
        },

        HighCpuUsage: {
            id: "HighCpuUsage",
            summary: "CPU above {threshold}% for minutes: requests will queue",
            description:
                "Host CPU (node_exporter), the web server service's CPU (ECS) or a managed data store's CPU is above the threshold for several minutes. Short spikes (process start-up, deploys) are ignored on purpose. Scale out, or find the hot path.",
            prometheus: {
                recordingRules: (c) => [
                    {
                        record: nodeCpuPercent(c.window),
                        expr: `100 * (1 - avg by (instance, job) (rate(${sel("node_cpu_seconds_total", `${job(JOBS.node)},mode="idle"`)}[${c.window}])))`,
                    },
                ],
                expr: (c) => `${nodeCpuPercent(c.window)} > ${num(c.threshold)}`,
                resultLabels: ["instance", "job"],
            },
            cloudwatch: {
                alarms: (c) => {
                    const t = c.targets;
                    const specs: CloudWatchAlarmSpec[] = [
                        {
                            variant: "service",
                            measures: "AWS/ECS CPUUtilization (Average) of the web server service",
                            metric: webService(t).cpu("Average"),
                            comparisonOperator: "GreaterThanThreshold",
                            threshold: c.threshold,
                            treatMissingData: "notBreaching",
                            treatMissingDataReason: NOT_BREACHING_RESOURCE,
                            firstPeriodMayNotBreach: true,
                        },
                    ];
                    const m = managed(t);
                    if (m !== undefined) {
                        specs.push({
                            variant: "rds",
                            measures: "AWS/RDS CPUUtilization (Average)",
                            metric: rdsInstance(m).cpu("Average"),
                            comparisonOperator: "GreaterThanThreshold",
                            threshold: c.threshold,
                            treatMissingData: "notBreaching",
                            treatMissingDataReason: NOT_BREACHING_RESOURCE,
                            firstPeriodMayNotBreach: true,
                        });
                        m.elasticache.cacheClusterIds.forEach((id, i) =>
                            specs.push({
                                variant: `elasticache-node${i + 1}`,
                                // EngineCPUUtilization: Redis is single-threaded, host CPU hides a saturated engine.
                                measures: `AWS/ElastiCache EngineCPUUtilization (Average) of cache node ${i + 1}`,
                                metric: cacheNode(id).engineCpu("Average"),
                                comparisonOperator: "GreaterThanThreshold",
                                threshold: c.threshold,
                                treatMissingData: "notBreaching",
                                treatMissingDataReason: NOT_BREACHING_RESOURCE,
                                firstPeriodMayNotBreach: true,
                            }),
                        );
                    }
                    return specs;
                },
            },
        },

        PostgresConnectionsNearExhaustion: {
            id: "PostgresConnectionsNearExhaustion",
            summary: "PostgreSQL connections above {threshold}% of max_connections",
            description:
                "Open connections are above the threshold share of max_connections; new connections will soon be refused. Check pool sizes × task count, idle-in-transaction sessions and leaks.",
            prometheus: {
                expr: (c) =>
                    `100 * sum by (instance, job) (${sel("pg_stat_activity_count", job(JOBS.postgres))}) / max by (instance, job) (${sel("pg_settings_max_connections", job(JOBS.postgres))}) > ${num(c.threshold)}`,
                resultLabels: ["instance", "job"],
            },
            cloudwatch: {
                alarms: (c) => {
                    const m = managed(c.targets);
                    if (m === undefined) return [];
                    return [
                        {
                            variant: "rds",
                            measures: "100 × AWS/RDS DatabaseConnections (Maximum) / max_connections",
                            metricQueries: [
                                query("connections", rdsInstance(m).connections("Maximum")),
                                {
                                    id: "usedPercent",
                                    label: "connections used (%)",
                                    returnData: true,
                                    expression: `100 * connections / ${num(m.rds.maxConnections)}`,
                                },
                            ],
                            comparisonOperator: "GreaterThanThreshold",
                            threshold: c.threshold,
                            treatMissingData: "notBreaching",
                            treatMissingDataReason: NOT_BREACHING_RESOURCE,
                        },
                    ];
                },
            },
        },
    };
