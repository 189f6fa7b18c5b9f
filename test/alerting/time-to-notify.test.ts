import { strict as assert } from "node:assert";
import { PIPELINE_TIMINGS, resolveAlerts, type CloudWatchTargets, type ResolvedAlert } from "../../components/alerting/catalog";
import { buildCloudWatchAlarms } from "../../components/alerting/cloudwatch-alarms";
import {
    NOTIFY_TARGETS,
    cloudwatchPathSeconds,
    formatTimeToNotifyTable,
    prometheusPathSeconds,
    timeToNotifyTable,
} from "../../components/alerting/time-to-notify";

const targets: CloudWatchTargets = {
    loadBalancerArnSuffix: "app/x/1",
    targetGroupArnSuffix: "targetgroup/x/2",
    clusterName: "c",
    serviceName: "s",
    services: [
        { key: "web", serviceName: "s", scheduling: "replica", description: "the web server" },
        { key: "node-exporter", serviceName: "n", scheduling: "daemon", description: "node exporter" },
    ],
    dataStores: {
        mode: "managed",
        rds: { instanceId: "db", maxConnections: 100, allocatedStorageGiB: 20, memoryBytes: 2 ** 31 },
        elasticache: { cacheClusterIds: ["r-001", "r-002"] },
    },
};
const byId = (alerts: ResolvedAlert[], id: string) => alerts.find((a) => a.id === id) as ResolvedAlert;

describe("time to notify", () => {
    describe("Prometheus path formulas", () => {
        const redis = byId(resolveAlerts(), "RedisDown");

        it("instant signal: scrape + evaluation + for + group_wait + delivery; resolved: scrape + evaluation + group_interval + delivery", () => {
            const t = {
                scrapeIntervalSeconds: 15,
                evaluationIntervalSeconds: 5,
                groupWaitSeconds: 10,
                groupIntervalSeconds: 30,
                deliverySeconds: 5,
                resendDelaySeconds: 15,
            };
            assert.deepEqual(prometheusPathSeconds(redis, t), { notifySeconds: 15 + 5 + 20 + 10 + 5, resolvedSeconds: 15 + 5 + 30 + 5 });
        });

        it("bounds the measured RedisDown figures of typical defaults (103 s to fire, up to ~5.5 min to resolve)", () => {
            const typical = {
                scrapeIntervalSeconds: 15,
                evaluationIntervalSeconds: 15,
                groupWaitSeconds: 30,
                groupIntervalSeconds: 300,
                deliverySeconds: 0,
                resendDelaySeconds: 60,
            };
            const withForOneMinute = { ...redis, prometheus: { ...(redis.prometheus as NonNullable<ResolvedAlert["prometheus"]>), for: "1m", forSeconds: 60 } };
            const s = prometheusPathSeconds(withForOneMinute, typical);
            assert.ok(s !== undefined && s.notifySeconds >= 103 && s.notifySeconds <= 130, `${s?.notifySeconds}`);
            assert.ok(s.resolvedSeconds >= 300 && s.resolvedSeconds <= 345, `${s.resolvedSeconds}`);
        });

        it("windowed signal: two scrapes to see a new series, and the window to clear", () => {
            const e = byId(resolveAlerts(), "HighErrorRate");
            const t = PIPELINE_TIMINGS.production;
            assert.deepEqual(prometheusPathSeconds(e, t), { notifySeconds: 2 * 15 + 5 + 10 + 10 + 5, resolvedSeconds: 15 + 60 + 5 + 30 + 5 });
        });

        it("rounds `for` up to whole evaluation intervals", () => {
            const cpu = byId(resolveAlerts({ alerts: { HighCpuUsage: { for: "61s" } } }), "HighCpuUsage");
            const t = { ...PIPELINE_TIMINGS.production, evaluationIntervalSeconds: 30 };
            assert.equal(prometheusPathSeconds(cpu, t)?.notifySeconds, 30 + 30 + 90 + 10 + 5);
        });
    });

    describe("CloudWatch path formulas", () => {
        const L = { metricDelaySeconds: 60, deliverySeconds: 10 };
        it("M periods + metric delay + delivery; Average statistics add a period; a suppressor adds its wait", () => {
            assert.equal(
                cloudwatchPathSeconds({ periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1, firstPeriodMayNotBreach: false }, L).notifySeconds,
                130,
            );
            assert.equal(
                cloudwatchPathSeconds({ periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2, firstPeriodMayNotBreach: true }, L).notifySeconds,
                250,
            );
            assert.equal(
                cloudwatchPathSeconds({ periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1, firstPeriodMayNotBreach: false }, L, 30).notifySeconds,
                160,
            );
        });
        it("resolved: N − M + 1 clean periods plus the period the fault ends in", () => {
            assert.equal(
                cloudwatchPathSeconds({ periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1, firstPeriodMayNotBreach: false }, L).resolvedSeconds,
                190,
            );
            assert.equal(
                cloudwatchPathSeconds({ periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2, firstPeriodMayNotBreach: false }, L).resolvedSeconds,
                250,
            );
            assert.equal(
                cloudwatchPathSeconds({ periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1, firstPeriodMayNotBreach: false }, L).notifySeconds,
                370,
                "5-minute periods miss the critical target",
            );
        });
    });

    describe("production defaults meet the targets", () => {
        const alerts = resolveAlerts();
        const rows = timeToNotifyTable(alerts, buildCloudWatchAlarms({ namePrefix: "k", targets, alerts }));

        it("critical ≤ 60 s and warnings ≤ 300 s on the Prometheus path", () => {
            for (const r of rows) {
                if (r.prometheus === undefined || r.severity === "none") continue;
                assert.ok(r.prometheus.meetsNotifyTarget, `${r.alertId}: ${r.prometheus.notifySeconds}s > ${r.prometheus.notifyTargetSeconds}s`);
                assert.ok(r.prometheus.notifySeconds <= NOTIFY_TARGETS.prometheus[r.severity]);
            }
        });

        it("resolved ≤ 120 s on the Prometheus path, except event counts (ContainerRestarting, AlertmanagerNotificationsFailing), which clear after their window", () => {
            for (const r of rows) {
                if (r.prometheus === undefined || r.severity === "none") continue;
                if (r.alertId === "ContainerRestarting") {
                    assert.equal(r.prometheus.resolvedSeconds, 15 + 900 + 5 + 30 + 5);
                    assert.match(r.prometheus.resolvedTargetExempt ?? "", /event count/);
                    continue;
                }
                if (r.alertId === "AlertmanagerNotificationsFailing") {
                    assert.equal(r.prometheus.resolvedSeconds, 15 + 300 + 5 + 30 + 5, "clears 5 min after the last failed notification");
                    assert.match(r.prometheus.resolvedTargetExempt ?? "", /event count/);
                    continue;
                }
                assert.equal(r.prometheus.resolvedTargetExempt, undefined, r.alertId);
                assert.ok(r.prometheus.resolvedSeconds <= NOTIFY_TARGETS.resolved, `${r.alertId}: ${r.prometheus.resolvedSeconds}s`);
            }
        });

        it("critical ≤ 180 s and warnings ≤ 300 s on the CloudWatch path, including suppressor waits", () => {
            for (const r of rows) {
                if (r.cloudwatch === undefined) continue;
                assert.ok(r.cloudwatch.meetsNotifyTarget, `${r.alertId} (${r.cloudwatch.slowestAlarmKey}): ${r.cloudwatch.notifySeconds}s`);
            }
            const get = (id: string) => rows.find((r) => r.alertId === id)?.cloudwatch;
            assert.equal(get("HighErrorRate")?.notifySeconds, 160);
            assert.equal(get("HighCpuUsage")?.notifySeconds, 250);
            assert.equal(get("HighResponseTime")?.notifySeconds, 250);
        });

        it("has a row per enabled alert and prints a table", () => {
            assert.equal(rows.length, alerts.length);
            const text = formatTimeToNotifyTable(rows);
            assert.match(text, /^alert\s+severity\s+prom notify\s+prom resolved\s+cw notify\s+cw resolved/);
            assert.match(text, /\nPostgresDown\s+critical\s+55s\s+55s\s+—\s+—/);
            assert.match(text, /\nRedisDown\s+critical\s+55s\s+55s\s+130s\s+190s/);
            assert.doesNotMatch(text, /✗/);
        });
    });

    it("reports a stack setting that breaks a target", () => {
        const alerts = resolveAlerts({
            alerts: { RedisDown: { for: "2m" }, HighErrorRate: { cloudwatch: { periodSeconds: 300 } }, UnusualTraffic: { enabled: false } },
        });
        const rows = timeToNotifyTable(alerts, buildCloudWatchAlarms({ namePrefix: "k", targets, alerts }));
        assert.equal(rows.find((r) => r.alertId === "RedisDown")?.prometheus?.meetsNotifyTarget, false);
        assert.equal(rows.find((r) => r.alertId === "HighErrorRate")?.cloudwatch?.meetsNotifyTarget, false);
        assert.equal(
            rows.some((r) => r.alertId === "UnusualTraffic"),
            false,
        );
        assert.match(formatTimeToNotifyTable(rows), /RedisDown\s+critical\s+155s ✗/);
    });

    it("test profile: every alert except CPU notifies within seconds", () => {
        for (const r of timeToNotifyTable(resolveAlerts({ profile: "test" }))) {
            const limit = r.alertId === "HighCpuUsage" ? 130 : 10;
            assert.ok((r.prometheus?.notifySeconds ?? 0) <= limit, `${r.alertId}: ${r.prometheus?.notifySeconds}`);
        }
    });
});
