import { strict as assert } from "node:assert";
import { resolveAlerts, type CloudWatchTargets } from "../../components/alerting/catalog";
import type { AlertOverrides } from "../../config/alerts";
import { SERVICE_UNHEALTHY, buildCloudWatchAlarms, type CloudWatchAlarmDefinition } from "../../components/alerting/cloudwatch-alarms";

const ecsTargets: CloudWatchTargets = {
    loadBalancerArnSuffix: "app/koronet-prod/50dc6c495c0c9188",
    targetGroupArnSuffix: "targetgroup/koronet-web/73e2d6bc24d8a067",
    clusterName: "koronet-prod",
    serviceName: "koronet-web",
    dataStores: { mode: "ecs" },
};
const managedTargets: CloudWatchTargets = {
    ...ecsTargets,
    dataStores: {
        mode: "managed",
        rds: { instanceId: "koronet-prod-db", maxConnections: 400, allocatedStorageGiB: 50, memoryBytes: 4 * 1024 ** 3 },
        elasticache: { cacheClusterIds: ["koronet-prod-redis-001", "koronet-prod-redis-002"] },
    },
};

function build(targets: CloudWatchTargets, alerts: AlertOverrides = {}) {
    return buildCloudWatchAlarms({ namePrefix: "koronet-prod", targets, alerts: resolveAlerts({ alerts, runbookBaseUrl: "https://github.com/koronet/koronet-platform/blob/main/runbooks" }) });
}
const one = (alarms: CloudWatchAlarmDefinition[], key: string) => {
    const a = alarms.find((x) => x.key === key);
    assert.ok(a !== undefined, `no alarm ${key}; have ${alarms.map((x) => x.key).join(", ")}`);
    return a;
};
const queries = (a: CloudWatchAlarmDefinition) => (a.args.metricQueries ?? []) as { id: string; expression?: string; returnData?: boolean; metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; stat: string; period: number } }[];

/** Namespace → metric names the AWS documentation lists (and Koronet/App per docs/CONTRACTS.md). */
const REAL_METRICS: Record<string, string[]> = {
    "AWS/ApplicationELB": ["RequestCount", "HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "TargetResponseTime", "HealthyHostCount", "UnHealthyHostCount"],
    "AWS/ECS": ["CPUUtilization", "MemoryUtilization"],
    "ECS/ContainerInsights": ["RunningTaskCount", "EphemeralStorageUtilized", "EphemeralStorageReserved"],
    "AWS/RDS": ["FreeStorageSpace", "DatabaseConnections", "CPUUtilization", "FreeableMemory"],
    "AWS/ElastiCache": ["CacheHitRate", "DatabaseMemoryUsagePercentage", "CurrConnections", "EngineCPUUtilization"],
    "Koronet/App": ["koronet_http_requests_total", "koronet_http_requests_in_flight", "koronet_db_pool_waiting_clients", "koronet_db_pool_total_connections", "koronet_db_connection_errors_total", "koronet_db_slow_queries_total", "koronet_cache_hits_total", "koronet_cache_misses_total", "koronet_redis_errors_total", "koronet_active_sessions", "koronet_api_endpoint_calls_total"],
};
const DIMENSIONS: Record<string, string[][]> = {
    "AWS/ApplicationELB": [["LoadBalancer", "TargetGroup"], ["LoadBalancer"]],
    "AWS/ECS": [["ClusterName", "ServiceName"]],
    "ECS/ContainerInsights": [["ClusterName", "ServiceName"]],
    "AWS/RDS": [["DBInstanceIdentifier"]],
    "AWS/ElastiCache": [["CacheClusterId"]],
    "Koronet/App": [["ClusterName", "ServiceName"]],
};

function metricsOf(a: CloudWatchAlarmDefinition): { namespace: string; metricName: string; dimensions: Record<string, string> }[] {
    if (a.args.metricName !== undefined) return [{ namespace: a.args.namespace as string, metricName: a.args.metricName as string, dimensions: a.args.dimensions as Record<string, string> }];
    return queries(a).flatMap((q) => (q.metric !== undefined ? [q.metric] : []));
}

describe("CloudWatch alarm definitions", () => {
    for (const [mode, targets] of [["ecs", ecsTargets], ["managed", managedTargets]] as const) {
        describe(`data stores ${mode}`, () => {
            const { alarms } = build(targets);

            it("uses only real AWS namespaces, metric names and dimension sets (and the Koronet/App contract)", () => {
                for (const a of alarms) {
                    for (const m of metricsOf(a)) {
                        assert.ok(REAL_METRICS[m.namespace]?.includes(m.metricName), `${a.key}: ${m.namespace} ${m.metricName}`);
                        const dims = Object.keys(m.dimensions).sort();
                        assert.ok(DIMENSIONS[m.namespace]?.some((d) => d.join() === dims.join()), `${a.key}: dimensions ${dims.join(",")} for ${m.namespace}`);
                    }
                }
            });

            it("names alarms <prefix>-<key>, describes them as `[severity] summary` with a runbook link", () => {
                for (const a of alarms) {
                    assert.equal(a.args.name, `koronet-prod-${a.key}`);
                    const d = a.args.alarmDescription as string;
                    assert.ok(d.startsWith(`[${a.severity}] `), d);
                    assert.match(d, new RegExp(`\\nRunbook: https://github\\.com/koronet/koronet-platform/blob/main/runbooks/${a.alertId}\\.md$`));
                    assert.ok(d.length <= 1024);
                }
            });

            it("sets an explicit treatMissingData with a reason on every alarm, and no actions", () => {
                for (const a of alarms) {
                    assert.ok(["breaching", "notBreaching", "ignore", "missing"].includes(a.args.treatMissingData as string), a.key);
                    assert.ok(a.treatMissingDataReason.startsWith(a.treatMissingData), a.key);
                    for (const k of ["alarmActions", "okActions", "insufficientDataActions"]) assert.equal((a.args as Record<string, unknown>)[k], undefined);
                }
            });

            it("gives criticals 1 of 1 and warnings 2 of 3 one-minute periods by default", () => {
                for (const a of alarms) {
                    const expected = a.severity === "critical" ? [1, 1] : [3, 2];
                    assert.deepEqual([a.args.evaluationPeriods, a.args.datapointsToAlarm], expected, a.key);
                    for (const m of [a.args.period, ...queries(a).map((q) => q.metric?.period)].filter((p) => p !== undefined)) assert.equal(m, 60, a.key);
                }
            });

            it("has one returning query per metric-math alarm (the anomaly band: metric and band)", () => {
                for (const a of alarms) {
                    if (a.args.metricQueries === undefined) continue;
                    const returning = queries(a).filter((q) => q.returnData === true).map((q) => q.id);
                    assert.equal(returning.length, a.args.thresholdMetricId !== undefined ? 2 : 1, `${a.key}: ${returning.join(",")}`);
                }
            });

            it("makes dead-service alarms breach on missing data", () => {
                assert.equal(one(alarms, "KoronetDown").args.treatMissingData, "breaching");
                assert.equal(one(alarms, "NoHealthyTargets").args.treatMissingData, "breaching");
            });
        });
    }

    it("computes the 5xx rate with metric math over ALB counts, guarding zero traffic", () => {
        const a = one(build(ecsTargets).alarms, "HighErrorRate");
        const q = queries(a);
        assert.deepEqual(q.filter((x) => x.metric !== undefined).map((x) => x.metric?.metricName).sort(), ["HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count", "RequestCount"]);
        const expr = q.find((x) => x.returnData)?.expression ?? "";
        assert.match(expr, /^IF\(\(FILL\(requests, 0\) \+ FILL\(elb5xx, 0\)\) >= 30, 100 \* \(FILL\(target5xx, 0\) \+ FILL\(elb5xx, 0\)\) \/ \(FILL\(requests, 0\) \+ FILL\(elb5xx, 0\)\), 0\)$/);
        assert.equal(a.args.threshold, 5);
        assert.equal(a.args.comparisonOperator, "GreaterThanThreshold");
        assert.equal(a.args.treatMissingData, "notBreaching");
        assert.equal(q.find((x) => x.id === "elb5xx")?.metric?.dimensions.TargetGroup, undefined, "ELB 5xx exist per load balancer only");
    });

    it("alarms on p99 response time through extendedStatistic", () => {
        const a = one(build(ecsTargets).alarms, "HighResponseTime");
        assert.equal(a.args.metricName, "TargetResponseTime");
        assert.equal(a.args.extendedStatistic, "p99");
        assert.equal(a.args.statistic, undefined);
        assert.equal(a.args.threshold, 2);
        assert.equal(a.args.evaluateLowSampleCountPercentiles, "evaluate");
    });

    it("detects unusual traffic with ANOMALY_DETECTION_BAND on RequestCount", () => {
        const a = one(build(ecsTargets).alarms, "UnusualTraffic");
        assert.equal(a.args.thresholdMetricId, "band");
        assert.equal(a.args.threshold, undefined);
        assert.equal(a.args.comparisonOperator, "LessThanLowerOrGreaterThanUpperThreshold");
        assert.equal(queries(a).find((q) => q.id === "band")?.expression, "ANOMALY_DETECTION_BAND(requests, 3)");
        assert.equal(queries(a).find((q) => q.id === "requests")?.metric?.metricName, "RequestCount");
    });

    it("uses the app's custom metric for connection failures in ecs mode, plus RDS/ElastiCache liveness in managed mode", () => {
        const ecs = build(ecsTargets).alarms.filter((a) => a.alertId === "DatabaseConnectionFailures").map((a) => a.key);
        assert.deepEqual(ecs, ["DatabaseConnectionFailures-app"]);
        const managed = build(managedTargets).alarms.filter((a) => a.alertId === "DatabaseConnectionFailures");
        assert.deepEqual(managed.map((a) => a.key), ["DatabaseConnectionFailures-app", "DatabaseConnectionFailures-rds-unreachable", "DatabaseConnectionFailures-elasticache-node1", "DatabaseConnectionFailures-elasticache-node2"]);
        const rds = one(managed, "DatabaseConnectionFailures-rds-unreachable");
        assert.deepEqual([rds.args.namespace, rds.args.metricName, rds.args.treatMissingData], ["AWS/RDS", "DatabaseConnections", "breaching"]);
        const node2 = one(managed, "DatabaseConnectionFailures-elasticache-node2");
        assert.deepEqual(node2.args.dimensions, { CacheClusterId: "koronet-prod-redis-002" });
        const app = one(managed, "DatabaseConnectionFailures-app");
        assert.deepEqual(metricsOf(app).map((m) => m.metricName), ["koronet_db_connection_errors_total", "koronet_redis_errors_total"]);
    });

    it("watches disk as Fargate ephemeral storage, and RDS free storage when managed", () => {
        const eph = one(build(ecsTargets).alarms, "DiskSpaceLow-ephemeral");
        assert.deepEqual(metricsOf(eph).map((m) => `${m.namespace} ${m.metricName}`), ["ECS/ContainerInsights EphemeralStorageUtilized", "ECS/ContainerInsights EphemeralStorageReserved"]);
        assert.equal(eph.args.comparisonOperator, "LessThanThreshold");
        assert.equal(build(ecsTargets).alarms.some((a) => a.key === "DiskSpaceLow-rds"), false);
        const rds = one(build(managedTargets).alarms, "DiskSpaceLow-rds");
        assert.equal(queries(rds).find((q) => q.returnData)?.expression, `100 * free / ${50 * 1024 ** 3}`);
    });

    it("turns RDS bytes into percentages with the instance figures", () => {
        const { alarms } = build(managedTargets);
        assert.equal(queries(one(alarms, "HighMemoryUsage-rds")).find((q) => q.returnData)?.expression, `100 * (1 - freeable / ${4 * 1024 ** 3})`);
        assert.equal(queries(one(alarms, "PostgresConnectionsNearExhaustion-rds")).find((q) => q.returnData)?.expression, "100 * connections / 400");
        assert.equal(one(alarms, "HighCpuUsage-elasticache-node1").args.metricName, "EngineCPUUtilization");
        assert.equal(one(alarms, "HighMemoryUsage-elasticache-node1").args.metricName, "DatabaseMemoryUsagePercentage");
    });

    it("applies the stack's thresholds, severity and timing, and leaves out disabled alerts", () => {
        const { alarms } = build(managedTargets, {
            HighCpuUsage: { threshold: 70, cloudwatch: { evaluationPeriods: 5, datapointsToAlarm: 4 } },
            HighErrorRate: { severity: "warning" },
            DiskSpaceLow: { enabled: false },
        });
        for (const k of ["HighCpuUsage-service", "HighCpuUsage-rds", "HighCpuUsage-elasticache-node2"]) {
            assert.deepEqual([one(alarms, k).args.threshold, one(alarms, k).args.evaluationPeriods, one(alarms, k).args.datapointsToAlarm], [70, 5, 4], k);
        }
        assert.equal(one(alarms, "HighErrorRate").severity, "warning");
        assert.match(one(alarms, "HighErrorRate").args.alarmDescription as string, /^\[warning\] /);
        assert.equal(alarms.some((a) => a.alertId === "DiskSpaceLow"), false);
    });

    it("lets callers override any field per alarm key", () => {
        const out = buildCloudWatchAlarms({
            namePrefix: "p",
            targets: ecsTargets,
            alerts: resolveAlerts(),
            tags: { Project: "koronet" },
            defaults: { actionsEnabled: false },
            overrides: { KoronetDown: { threshold: 2 } },
        });
        assert.equal(one(out.alarms, "KoronetDown").args.threshold, 2);
        assert.equal(one(out.alarms, "NoHealthyTargets").args.actionsEnabled, false);
        assert.deepEqual(one(out.alarms, "NoHealthyTargets").args.tags, { Project: "koronet", AlertId: "NoHealthyTargets", Severity: "critical" });
    });

    it("creates no alarm for Prometheus-only alerts", () => {
        const ids = new Set(build(managedTargets).alarms.map((a) => a.alertId));
        for (const id of ["PostgresDown", "RedisDown", "TargetDown", "ContainerRestarting", "Watchdog"]) assert.equal(ids.has(id as never), false, id);
    });

    describe("ServiceUnhealthy composite", () => {
        const { alarms, composites } = build(ecsTargets);
        const unhealthy = composites.find((c) => c.key === "ServiceUnhealthy");

        it("is in ALARM when the service has no running task or no healthy target", () => {
            assert.ok(unhealthy !== undefined);
            assert.equal(unhealthy.args.alarmRule, 'ALARM("koronet-prod-KoronetDown") OR ALARM("koronet-prod-NoHealthyTargets")');
            assert.equal(unhealthy.notify, false);
            assert.match(unhealthy.args.alarmDescription as string, /^\[critical\] .*\n[\s\S]*Runbook: .*\/ServiceUnhealthy\.md$/);
        });

        it("[F10] names the symptoms it explains and suppresses them through wrapper composites", () => {
            assert.deepEqual([...(unhealthy?.suppresses ?? [])], ["HighErrorRate", "HighResponseTime", "UnusualTraffic"]);
            for (const key of unhealthy?.suppresses ?? []) {
                assert.equal(one(alarms, key).notifyVia, "composite");
                const w = composites.find((c) => c.key === `${key}-notify`);
                assert.ok(w !== undefined, key);
                assert.equal(w.args.alarmRule, `ALARM("koronet-prod-${key}")`);
                assert.deepEqual(w.args.actionsSuppressor, {
                    alarm: "koronet-prod-ServiceUnhealthy",
                    waitPeriod: SERVICE_UNHEALTHY.waitSeconds[w.severity],
                    extensionPeriod: 120,
                });
                assert.ok(w.notify);
            }
            assert.equal(one(alarms, "KoronetDown").notifyVia, "direct");
            assert.equal(one(alarms, "CacheMissRateHigh").notifyVia, "direct");
        });

        it("disappears when both causes are disabled, and symptoms then notify directly", () => {
            const out = build(ecsTargets, { KoronetDown: { enabled: false }, NoHealthyTargets: { enabled: false } });
            assert.deepEqual(out.composites, []);
            assert.equal(one(out.alarms, "HighErrorRate").notifyVia, "direct");
        });
    });
});
