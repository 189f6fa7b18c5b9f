import { strict as assert } from "node:assert";
import { TASK_EVENT_METRICS, rdsFreeStorageFloor, resolveAlerts, type CloudWatchTargets } from "../../components/alerting/catalog";
import type { AlertOverrides } from "../../config/alerts";
import { SERVICE_UNHEALTHY, buildCloudWatchAlarms, type CloudWatchAlarmDefinition } from "../../components/alerting/cloudwatch-alarms";
import { PUBLISHED_APP_METRICS } from "../../components/monitoring/sidecars";

const ecsTargets: CloudWatchTargets = {
    loadBalancerArnSuffix: "app/koronet-prod/50dc6c495c0c9188",
    targetGroupArnSuffix: "targetgroup/koronet-web/73e2d6bc24d8a067",
    clusterName: "koronet-prod",
    serviceName: "koronet-web",
    services: [
        { key: "web", serviceName: "koronet-web", scheduling: "replica", description: "the web server" },
        { key: "node-exporter", serviceName: "koronet-prod-node-exporter", scheduling: "daemon", description: "node exporter" },
    ],
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
    return buildCloudWatchAlarms({
        namePrefix: "koronet-prod",
        targets,
        alerts: resolveAlerts({ alerts, runbookBaseUrl: "https://github.com/koronet/koronet-platform/blob/main/runbooks" }),
    });
}
const one = (alarms: CloudWatchAlarmDefinition[], key: string) => {
    const a = alarms.find((x) => x.key === key);
    assert.ok(a !== undefined, `no alarm ${key}; have ${alarms.map((x) => x.key).join(", ")}`);
    return a;
};
const queries = (a: CloudWatchAlarmDefinition) =>
    (a.args.metricQueries ?? []) as {
        id: string;
        expression?: string;
        returnData?: boolean;
        metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; stat: string; period: number };
    }[];

/** Namespace → metric names the AWS documentation lists (and Koronet/App per docs/CONTRACTS.md). */
const REAL_METRICS: Record<string, string[]> = {
    "AWS/ApplicationELB": [
        "RequestCount",
        "HTTPCode_Target_5XX_Count",
        "HTTPCode_ELB_5XX_Count",
        "TargetResponseTime",
        "HealthyHostCount",
        "UnHealthyHostCount",
    ],
    "AWS/ECS": ["CPUUtilization", "MemoryUtilization"],
    "ECS/ContainerInsights": ["RunningTaskCount", "DesiredTaskCount", "EphemeralStorageUtilized", "EphemeralStorageReserved"],
    "AWS/RDS": ["FreeStorageSpace", "DatabaseConnections", "CPUUtilization", "FreeableMemory"],
    "AWS/ElastiCache": ["CacheHitRate", "CacheHits", "CacheMisses", "DatabaseMemoryUsagePercentage", "CurrConnections", "EngineCPUUtilization"],
    "Koronet/App": [...PUBLISHED_APP_METRICS],
    // The metric filters over ECS task state change events (task-events.ts).
    [TASK_EVENT_METRICS.namespace]: [TASK_EVENT_METRICS.stopped, TASK_EVENT_METRICS.crashed, TASK_EVENT_METRICS.oomKilled],
};
const DIMENSIONS: Record<string, string[][]> = {
    "AWS/ApplicationELB": [["LoadBalancer", "TargetGroup"], ["LoadBalancer"]],
    "AWS/ECS": [["ClusterName", "ServiceName"]],
    "ECS/ContainerInsights": [["ClusterName", "ServiceName"]],
    "AWS/RDS": [["DBInstanceIdentifier"]],
    "AWS/ElastiCache": [["CacheClusterId"]],
    "Koronet/App": [["ClusterName", "ServiceName"]],
    [TASK_EVENT_METRICS.namespace]: [[TASK_EVENT_METRICS.groupDimension], [TASK_EVENT_METRICS.groupDimension, "StopCode"]],
};

function metricsOf(a: CloudWatchAlarmDefinition): { namespace: string; metricName: string; dimensions: Record<string, string> }[] {
    if (a.args.metricName !== undefined)
        return [{ namespace: a.args.namespace as string, metricName: a.args.metricName as string, dimensions: a.args.dimensions as Record<string, string> }];
    return queries(a).flatMap((q) => (q.metric !== undefined ? [q.metric] : []));
}

describe("CloudWatch alarm definitions", () => {
    for (const [mode, targets] of [
        ["ecs", ecsTargets],
        ["managed", managedTargets],
    ] as const) {
        describe(`data stores ${mode}`, () => {
            const { alarms } = build(targets);

            it("uses only real AWS namespaces, metric names and dimension sets (and the Koronet/App contract)", () => {
                for (const a of alarms) {
                    for (const m of metricsOf(a)) {
                        assert.ok(REAL_METRICS[m.namespace]?.includes(m.metricName), `${a.key}: ${m.namespace} ${m.metricName}`);
                        const dims = Object.keys(m.dimensions).sort();
                        assert.ok(
                            DIMENSIONS[m.namespace]?.some((d) => d.join() === dims.join()),
                            `${a.key}: dimensions ${dims.join(",")} for ${m.namespace}`,
                        );
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

            it("gives criticals 1 of 1 and warnings 2 of 3 one-minute periods by default (crash loops: 3 of 15; missing tasks: 3 of 3)", () => {
                const own: Partial<Record<string, [number, number]>> = { ContainerRestarting: [15, 3], ServiceTasksMissing: [3, 3] };
                for (const a of alarms) {
                    const expected = own[a.alertId] ?? (a.severity === "critical" ? [1, 1] : [3, 2]);
                    assert.deepEqual([a.args.evaluationPeriods, a.args.datapointsToAlarm], expected, a.key);
                    for (const m of [a.args.period, ...queries(a).map((q) => q.metric?.period)].filter((p) => p !== undefined)) assert.equal(m, 60, a.key);
                }
            });

            it("has one returning query per metric-math alarm (the anomaly band: metric and band)", () => {
                for (const a of alarms) {
                    if (a.args.metricQueries === undefined) continue;
                    const returning = queries(a)
                        .filter((q) => q.returnData === true)
                        .map((q) => q.id);
                    assert.equal(returning.length, a.args.thresholdMetricId !== undefined ? 2 : 1, `${a.key}: ${returning.join(",")}`);
                }
            });

            it("makes dead-service alarms breach on missing data", () => {
                assert.equal(one(alarms, "KoronetDown").args.treatMissingData, "breaching");
                assert.equal(one(alarms, "NoHealthyTargets").args.treatMissingData, "breaching");
                for (const a of alarms.filter((x) => x.alertId === "ServiceTasksMissing")) assert.equal(a.args.treatMissingData, "breaching", a.key);
            });

            it("[issue 13 #12] has no alarm that real data cannot breach (a non-negative metric below 0, ElastiCache connections below 1)", () => {
                for (const a of alarms) {
                    const ms = metricsOf(a).map((m) => m.metricName);
                    assert.ok(
                        !(a.args.comparisonOperator === "LessThanThreshold" && a.args.threshold === 0 && a.args.metricName !== undefined),
                        `${a.key}: < 0 on ${a.args.metricName}`,
                    );
                    assert.ok(
                        (!ms.includes("CurrConnections") && !ms.includes("DatabaseConnections")) || a.alertId === "PostgresConnectionsNearExhaustion",
                        `${a.key} reads ${ms.join(", ")}`,
                    );
                }
            });

            it("[issue 13 #2] watches the memory of every ECS service's fullest task, Fargate and EC2 alike", () => {
                const memory = alarms.filter((a) => a.key.startsWith("HighMemoryUsage-task-"));
                assert.deepEqual(
                    memory.map((a) => a.key),
                    targets.services.map((s) => `HighMemoryUsage-task-${s.key}`),
                );
                for (const a of memory) {
                    assert.deepEqual(
                        [a.args.namespace, a.args.metricName, a.args.statistic, a.args.comparisonOperator, a.args.threshold],
                        ["AWS/ECS", "MemoryUtilization", "Maximum", "GreaterThanThreshold", 90],
                        a.key,
                    );
                }
                assert.deepEqual(one(alarms, "HighMemoryUsage-task-node-exporter").args.dimensions, {
                    ClusterName: "koronet-prod",
                    ServiceName: "koronet-prod-node-exporter",
                });
            });

            it("[issue 13 #3] alarms when any ECS service (a DAEMON: per instance) runs fewer tasks than desired for 3 minutes", () => {
                const node = one(alarms, "ServiceTasksMissing-node-exporter");
                const q = queries(node);
                assert.deepEqual(
                    q.filter((x) => x.metric).map((x) => `${x.metric?.metricName} ${x.metric?.stat} ${x.metric?.dimensions.ServiceName}`),
                    ["DesiredTaskCount Maximum koronet-prod-node-exporter", "RunningTaskCount Minimum koronet-prod-node-exporter"],
                );
                assert.equal(q.find((x) => x.returnData)?.expression, "desired - FILL(running, 0)");
                assert.deepEqual([node.args.comparisonOperator, node.args.threshold, node.severity], ["GreaterThanThreshold", 0, "warning"]);
                assert.match(node.measures, /DAEMON service: desired = container instances/);
            });

            it("[issue 13 #4] counts crash loops per service from ECS task state change events, not cAdvisor", () => {
                for (const svc of targets.services) {
                    const a = one(alarms, `ContainerRestarting-${svc.key}`);
                    assert.deepEqual(
                        [a.args.namespace, a.args.metricName, a.args.statistic],
                        [TASK_EVENT_METRICS.namespace, TASK_EVENT_METRICS.crashed, "Sum"],
                    );
                    assert.deepEqual(a.args.dimensions, { [TASK_EVENT_METRICS.groupDimension]: `service:${svc.serviceName}` });
                    assert.equal(a.args.treatMissingData, "notBreaching");
                }
            });

            it("[issue 13 #12] says RedisDown from the app's side too: koronet_redis_connected below 1 on any web task", () => {
                const a = one(alarms, "RedisDown-app");
                assert.deepEqual(
                    [a.args.namespace, a.args.metricName, a.args.statistic, a.args.comparisonOperator, a.args.threshold],
                    ["Koronet/App", "koronet_redis_connected", "Minimum", "LessThanThreshold", 1],
                );
            });
        });
    }

    it("computes the 5xx rate with metric math over ALB counts, guarding zero traffic", () => {
        const a = one(build(ecsTargets).alarms, "HighErrorRate");
        const q = queries(a);
        assert.deepEqual(
            q
                .filter((x) => x.metric !== undefined)
                .map((x) => x.metric?.metricName)
                .sort(),
            ["HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count", "RequestCount"],
        );
        const expr = q.find((x) => x.returnData)?.expression ?? "";
        assert.match(
            expr,
            /^IF\(\(FILL\(requests, 0\) \+ FILL\(elb5xx, 0\)\) >= 30, 100 \* \(FILL\(target5xx, 0\) \+ FILL\(elb5xx, 0\)\) \/ \(FILL\(requests, 0\) \+ FILL\(elb5xx, 0\)\), 0\)$/,
        );
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

    it("[issue 13 #7] detects unusual traffic with ANOMALY_DETECTION_BAND on FILL(RequestCount, 0), so traffic dropping to zero is a 0, not missing data", () => {
        const a = one(build(ecsTargets).alarms, "UnusualTraffic");
        assert.equal(a.args.thresholdMetricId, "band");
        assert.equal(a.args.threshold, undefined);
        assert.equal(a.args.comparisonOperator, "LessThanLowerOrGreaterThanUpperThreshold");
        assert.equal(queries(a).find((q) => q.id === "requestsOrZero")?.expression, "FILL(requests, 0)");
        assert.equal(queries(a).find((q) => q.id === "band")?.expression, "ANOMALY_DETECTION_BAND(requestsOrZero, 3)");
        assert.equal(queries(a).find((q) => q.id === "requests")?.metric?.metricName, "RequestCount");
        assert.equal(queries(a).find((q) => q.id === "requests")?.returnData, false, "the raw metric is an input, not what is judged");
    });

    it("[issue 13 #6] adds ElastiCache CacheHits/CacheMisses over every node as the store-side miss share in managed mode", () => {
        assert.equal(
            build(ecsTargets).alarms.some((a) => a.key === "CacheMissRateHigh-elasticache"),
            false,
        );
        const a = one(build(managedTargets).alarms, "CacheMissRateHigh-elasticache");
        assert.deepEqual(
            metricsOf(a).map((m) => `${m.metricName} ${m.dimensions.CacheClusterId}`),
            [
                "CacheHits koronet-prod-redis-001",
                "CacheMisses koronet-prod-redis-001",
                "CacheHits koronet-prod-redis-002",
                "CacheMisses koronet-prod-redis-002",
            ],
        );
        assert.match(
            queries(a).find((q) => q.returnData)?.expression ?? "",
            /^IF\(\(FILL\(hits1, 0\) \+ FILL\(hits2, 0\) \+ FILL\(misses1, 0\) \+ FILL\(misses2, 0\)\) >= 30, 100 \* /,
        );
        assert.equal(one(build(managedTargets).alarms, "CacheMissRateHigh").args.metricQueries !== undefined, true, "the app's own counters stay");
    });

    it("[issue 13 #5, #12] uses the app's failure counters (every reason) in both modes, and no 'unreachable' alarm that cannot breach", () => {
        for (const targets of [ecsTargets, managedTargets]) {
            const keys = build(targets)
                .alarms.filter((a) => a.alertId === "DatabaseConnectionFailures")
                .map((a) => a.key);
            assert.deepEqual(keys, ["DatabaseConnectionFailures-app"]);
        }
        const app = one(build(managedTargets).alarms, "DatabaseConnectionFailures-app");
        assert.deepEqual(
            metricsOf(app).map((m) => m.metricName),
            ["koronet_db_connection_errors_total", "koronet_redis_errors_total"],
        );
        assert.deepEqual(
            metricsOf(app).map((m) => Object.keys(m.dimensions).sort().join()),
            ["ClusterName,ServiceName", "ClusterName,ServiceName"],
            "no reason dimension: EMF publishes every reason under the service's dimensions, summed",
        );
    });

    it("watches disk as Fargate ephemeral storage, and RDS free storage when managed", () => {
        const eph = one(build(ecsTargets).alarms, "DiskSpaceLow-ephemeral");
        assert.deepEqual(
            metricsOf(eph).map((m) => `${m.namespace} ${m.metricName}`),
            ["ECS/ContainerInsights EphemeralStorageUtilized", "ECS/ContainerInsights EphemeralStorageReserved"],
        );
        assert.equal(eph.args.comparisonOperator, "LessThanThreshold");
        assert.equal(
            build(ecsTargets).alarms.some((a) => a.key === "DiskSpaceLow-rds"),
            false,
        );
        const rds = one(build(managedTargets).alarms, "DiskSpaceLow-rds");
        // [issue 13 #12] Not "% of the initial allocation" (autoscaling grows it): free bytes below a
        // floor autoscaling never lets the volume reach while it works — 5 % of the 50 GiB start.
        assert.deepEqual(
            [rds.args.metricName, rds.args.statistic, rds.args.comparisonOperator, rds.args.threshold],
            ["FreeStorageSpace", "Minimum", "LessThanThreshold", Math.round(2.5 * 1024 ** 3)],
        );
        assert.match(rds.measures, /below 2\.5 GiB \(5 % of the 50 GiB the instance started with\)/);
    });

    it("[issue 13 #12] puts the RDS free-storage floor below autoscaling's own trigger (10 % for 5 minutes), so autoscaling at work is never paged", () => {
        assert.deepEqual(rdsFreeStorageFloor(100, 10), { percent: 5, gib: 5, bytes: 5 * 1024 ** 3 });
        assert.deepEqual(rdsFreeStorageFloor(100, 3), { percent: 3, gib: 3, bytes: 3 * 1024 ** 3 });
        for (const t of [1, 5, 10, 30, 50]) assert.ok(rdsFreeStorageFloor(100, t).percent < 10, `threshold ${t}`);
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
        assert.equal(
            alarms.some((a) => a.alertId === "DiskSpaceLow"),
            false,
        );
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
        for (const id of ["PostgresDown", "TargetDown", "Watchdog"]) assert.equal(ids.has(id as never), false, id);
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
