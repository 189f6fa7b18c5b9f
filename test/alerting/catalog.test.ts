import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import {
    ALERT_CATALOG,
    ALERT_IDS,
    CLOUDWATCH_TIMING_BY_SEVERITY,
    formatPromDuration,
    parsePromDuration,
    resolveAlerts,
    runbookUrl,
} from "../../components/alerting/catalog";
import { alertOverridesSchema, formatAlertIssues, parseAlertOverrides } from "../../config/alerts";
import { parseStackConfig } from "../../config";
import { readStackConfig } from "../../scripts/offline/stack-file";

const CONTRACT = readFileSync("docs/CONTRACTS.md", "utf8");
const APP_METRICS = [...CONTRACT.matchAll(/`(koronet_[a-z_]+)`/g)].map((m) => m[1] as string);
/** Metric names the real exporters expose (node_exporter 1.5, redis_exporter 1.45, postgres_exporter 0.11, cAdvisor docs). */
const EXPORTER_METRICS = new Set([
    "up",
    "node_cpu_seconds_total",
    "node_memory_MemAvailable_bytes",
    "node_memory_MemTotal_bytes",
    "node_filesystem_avail_bytes",
    "node_filesystem_size_bytes",
    "node_filesystem_readonly",
    "redis_up",
    "pg_up",
    "pg_stat_activity_count",
    "pg_settings_max_connections",
    // redis_exporter 1.45: Redis INFO keyspace_hits / keyspace_misses.
    "redis_keyspace_hits_total",
    "redis_keyspace_misses_total",
    // Every Prometheus client library's process collector (prom-client, client_golang).
    "process_start_time_seconds",
    "container_memory_working_set_bytes",
    "container_spec_memory_limit_bytes",
    "container_start_time_seconds",
    // Alertmanager 0.25's own metric (notify/notify.go, label `integration`).
    "alertmanager_notifications_failed_total",
]);

function problems(raw: unknown): string[] {
    const r = alertOverridesSchema.safeParse(raw);
    return r.success ? [] : formatAlertIssues(r.error);
}

describe("alert catalog", () => {
    it("defines every architecture alert with the right severity", () => {
        const expected: Record<string, string> = {
            HighErrorRate: "critical",
            DatabaseConnectionFailures: "critical",
            HighMemoryUsage: "critical",
            DiskSpaceLow: "critical",
            HighResponseTime: "warning",
            CacheMissRateHigh: "warning",
            HighCpuUsage: "warning",
            UnusualTraffic: "warning",
            KoronetDown: "critical",
            NoHealthyTargets: "critical",
            TargetDown: "warning",
            ServiceTasksMissing: "warning",
            ContainerRestarting: "warning",
            RedisDown: "critical",
            PostgresDown: "critical",
            PostgresConnectionsNearExhaustion: "warning",
            AlertmanagerNotificationsFailing: "critical",
            Watchdog: "none",
        };
        assert.deepEqual(Object.fromEntries(ALERT_IDS.map((id) => [id, ALERT_CATALOG[id].severity])), expected);
    });

    it("uses the architecture's thresholds: 5xx 5%, memory 90%, disk 10% free, latency 2 s, cache miss 50%, CPU 80%", () => {
        const t = (id: keyof typeof ALERT_CATALOG) => ALERT_CATALOG[id].threshold?.default;
        assert.deepEqual(
            [t("HighErrorRate"), t("HighMemoryUsage"), t("DiskSpaceLow"), t("HighResponseTime"), t("CacheMissRateHigh"), t("HighCpuUsage")],
            [5, 90, 10, 2, 50, 80],
        );
        assert.equal(ALERT_CATALOG.DiskSpaceLow.threshold?.direction, "below");
    });

    it("has PascalCase ids, a summary, description, and a runbook file for every alert", () => {
        for (const id of ALERT_IDS) {
            assert.match(id, /^[A-Z][A-Za-z0-9]+$/);
            const d = ALERT_CATALOG[id];
            assert.ok(d.summary.length > 10 && d.description.length > 40, id);
            assert.ok(d.prometheus !== undefined || d.cloudwatch !== undefined, `${id} generates nothing`);
            assert.ok(existsSync(`runbooks/${id}.md`), `runbooks/${id}.md is missing`);
            if (d.threshold !== undefined) {
                assert.ok(d.threshold.min <= d.threshold.default && d.threshold.default <= d.threshold.max, id);
                assert.match(d.summary, /\{threshold\}/, `${id}: the summary should state the threshold`);
            }
        }
        assert.ok(existsSync("runbooks/ServiceUnhealthy.md"));
    });

    it("states the threshold in the summary a tired person reads", () => {
        const a = resolveAlerts({ alerts: { HighCpuUsage: { threshold: 85 } } });
        assert.equal(a.find((x) => x.id === "HighCpuUsage")?.summary, "CPU above 85% for minutes: requests will queue");
        assert.equal(a.find((x) => x.id === "HighErrorRate")?.summary, "More than 5% of requests fail with HTTP 5xx");
    });

    it("reads only metric names the app contract and the real exporters define", () => {
        for (const profile of ["production", "test"] as const) {
            for (const a of resolveAlerts({ profile })) {
                if (a.prometheus === undefined) continue;
                const text = [a.prometheus.expr, ...a.prometheus.recordingRules.map((r) => r.expr)].join(" ");
                const recorded = new Set(a.prometheus.recordingRules.map((r) => r.record));
                for (const m of text.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{|\[)/g)) {
                    const name = m[1] as string;
                    if (recorded.has(name) || name.includes(":")) continue;
                    if (["by", "on", "sum", "rate", "increase", "max_over_time", "min_over_time", "count_over_time", "changes"].includes(name)) continue;
                    const base = name.replace(/_bucket$/, "");
                    assert.ok(EXPORTER_METRICS.has(name) || APP_METRICS.includes(base), `${a.id} reads ${name}, which no exporter or the contract defines`);
                }
            }
        }
    });

    it("selects Prometheus jobs by their contract names", () => {
        const jobs = new Set<string>();
        for (const a of resolveAlerts()) {
            for (const m of [a.prometheus?.expr ?? "", ...(a.prometheus?.recordingRules ?? []).map((r) => r.expr)].join(" ").matchAll(/job="([^"]+)"/g))
                jobs.add(m[1] as string);
        }
        for (const j of jobs) assert.ok(["koronet", "postgres", "redis", "node", "cadvisor", "alertmanager"].includes(j), j);
    });

    it("builds runbook links from a configurable base, defaulting to the repository path", () => {
        assert.equal(runbookUrl("RedisDown"), "runbooks/RedisDown.md");
        assert.equal(runbookUrl("RedisDown", "https://github.com/o/r/blob/main/runbooks/"), "https://github.com/o/r/blob/main/runbooks/RedisDown.md");
        assert.equal(resolveAlerts({ runbookBaseUrl: "https://x.example/rb" })[0]?.runbookUrl, "https://x.example/rb/KoronetDown.md");
    });

    it("parses and formats Prometheus durations", () => {
        assert.equal(parsePromDuration("1h30m"), 5400);
        assert.equal(parsePromDuration("250ms"), 0.25);
        assert.equal(formatPromDuration(90), "1m30s");
        assert.equal(formatPromDuration(0), "0s");
        assert.throws(() => parsePromDuration("5 minutes"), /not a Prometheus duration/);
    });
});

describe("resolveAlerts", () => {
    const by = (settings: Parameters<typeof resolveAlerts>[0]) => Object.fromEntries(resolveAlerts(settings).map((a) => [a.id, a]));

    it("applies catalog defaults: critical 20 s / warning 2 m on Prometheus, 1-of-1 / 2-of-3 × 60 s on CloudWatch", () => {
        const a = by({});
        assert.equal(a.KoronetDown?.prometheus?.for, "20s");
        assert.equal(a.TargetDown?.prometheus?.for, "1m");
        assert.equal(a.PostgresConnectionsNearExhaustion?.prometheus?.for, "2m");
        assert.equal(a.HighCpuUsage?.prometheus?.for, "4m", "CPU needs a long `for`: start-up spikes on 2 cores");
        assert.deepEqual({ ...CLOUDWATCH_TIMING_BY_SEVERITY.critical }, { periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1 });
        assert.equal(a.HighErrorRate?.cloudwatch?.evaluationPeriods, 1);
        assert.equal(a.HighCpuUsage?.cloudwatch?.datapointsToAlarm, 2);
    });

    it("applies a stack's threshold, for, window, severity and enabled overrides", () => {
        const a = by({ alerts: { HighCpuUsage: { threshold: 85, for: "6m", window: "2m", severity: "critical" }, UnusualTraffic: { enabled: false } } });
        assert.equal(a.HighCpuUsage?.threshold, 85);
        assert.equal(a.HighCpuUsage?.severity, "critical");
        assert.equal(a.HighCpuUsage?.prometheus?.for, "6m");
        assert.match(a.HighCpuUsage?.prometheus?.expr ?? "", /percent_rate2m > 85$/);
        assert.equal(a.HighCpuUsage?.cloudwatch?.evaluationPeriods, 1, "timing defaults follow the effective severity");
        assert.equal(a.UnusualTraffic?.enabled, false);
    });

    it("keeps the test profile's short timings whatever a stack sets, but applies its thresholds", () => {
        const a = by({ profile: "test", alerts: { RedisDown: { for: "5m" }, HighErrorRate: { threshold: 7 } } });
        assert.equal(a.RedisDown?.prometheus?.for, "2s");
        assert.equal(a.HighErrorRate?.prometheus?.window, "10s");
        assert.match(a.HighErrorRate?.prometheus?.expr ?? "", /> 7 /);
    });

    it("rejects what the schema cannot see alone, naming the key path", () => {
        assert.throws(
            () => resolveAlerts({ alerts: { HighCpuUsage: { cloudwatch: { datapointsToAlarm: 5 } } } }),
            /alerting\.alerts\.HighCpuUsage\.cloudwatch\.datapointsToAlarm: 5 is more than evaluationPeriods \(3\); allowed 1\.\.3/,
        );
        assert.throws(
            () => resolveAlerts({ alerts: { HighErrorRate: { window: "20s" } } }),
            /alerting\.alerts\.HighErrorRate\.window: 20s holds fewer than 2 scrapes/,
        );
        assert.throws(
            () => resolveAlerts({ alerts: { HighCpuUsage: { threshold: 150 } } }),
            /HighCpuUsage\.threshold: 150 is out of range; allowed 1\.\.100 \(percent\)/,
        );
    });
});

describe("koronet:alerting.alerts schema", () => {
    it("accepts a valid section and returns it unchanged", () => {
        const raw = {
            HighCpuUsage: { threshold: 85, for: "5m", cloudwatch: { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 3 } },
            UnusualTraffic: { enabled: false },
            HighErrorRate: { severity: "warning" },
        };
        assert.deepEqual(parseAlertOverrides(raw), raw);
        assert.deepEqual(parseAlertOverrides(undefined), {});
    });

    it("rejects every bad value with its exact message", () => {
        assert.deepEqual(problems({ HighCpuUsage: { threshold: 150 } }), [
            "alerting.alerts.HighCpuUsage.threshold: 150 is out of range; allowed 1..100 (percent)",
        ]);
        assert.deepEqual(problems({ DiskSpaceLow: { threshold: 0 } }), [
            "alerting.alerts.DiskSpaceLow.threshold: 0 is out of range; allowed 1..50 (percent free)",
        ]);
        assert.deepEqual(problems({ HighResponseTime: { threshold: "2s" } }), [
            'alerting.alerts.HighResponseTime.threshold: "2s" is not a number; allowed 0.05..60 (seconds)',
        ]);
        assert.deepEqual(problems({ HighCpuUsage: { for: "5 minutes" } }), [
            'alerting.alerts.HighCpuUsage.for: "5 minutes" is not a Prometheus duration; allowed e.g. 30s, 5m, 1h',
        ]);
        assert.deepEqual(problems({ HighCpuUsage: { severity: "page" } }), [
            'alerting.alerts.HighCpuUsage.severity: "page" is not allowed; allowed critical or warning',
        ]);
        assert.deepEqual(problems({ HighCpuUsage: { enabled: "no" } }), ['alerting.alerts.HighCpuUsage.enabled: "no" is not allowed; allowed true or false']);
        assert.deepEqual(problems({ HighCpuUsage: { cloudwatch: { periodSeconds: 45 } } }), [
            "alerting.alerts.HighCpuUsage.cloudwatch.periodSeconds: 45 is not allowed; allowed a multiple of 60 up to 86400",
        ]);
        assert.deepEqual(problems({ HighErrorRate: { cloudwatch: { periodSeconds: 10 } } }), [
            "alerting.alerts.HighErrorRate.cloudwatch.periodSeconds: 10 is not allowed: CloudWatch evaluates 10-second periods only on high-resolution metrics, and this alert's metrics have 1-minute resolution, so the alarm would never have data; allowed a multiple of 60 up to 86400",
        ]);
        assert.deepEqual(problems({ HighCpuUsage: { cloudwatch: { evaluationPeriods: 2, datapointsToAlarm: 3 } } }), [
            "alerting.alerts.HighCpuUsage.cloudwatch.datapointsToAlarm: 3 is more than evaluationPeriods (2); allowed 1..2",
        ]);
        assert.deepEqual(problems({ HighCpuUsage: { cloudwatch: { evaluationPeriods: 0 } } }), [
            "alerting.alerts.HighCpuUsage.cloudwatch.evaluationPeriods: 0 is not allowed; allowed whole numbers 1..1440",
        ]);
    });

    it("rejects unknown alert ids and unknown keys, listing what is allowed", () => {
        const [unknownId] = problems({ HighCPU: { threshold: 80 } });
        assert.match(unknownId ?? "", /^alerting\.alerts: unknown alert id "HighCPU"; allowed: KoronetDown, .*HighCpuUsage.*Watchdog$/);
        assert.deepEqual(problems({ HighCpuUsage: { treshold: 80 } }), [
            'alerting.alerts.HighCpuUsage: unknown key "treshold"; allowed: enabled, threshold, for, window, severity, cloudwatch',
        ]);
        assert.deepEqual(problems({ RedisDown: { threshold: 1 } }), [
            'alerting.alerts.RedisDown: unknown key "threshold"; allowed: enabled, for, window, severity, cloudwatch',
        ]);
        assert.deepEqual(problems({ Watchdog: { severity: "critical" } }), ['alerting.alerts.Watchdog: unknown key "severity"; allowed: enabled, for, window']);
        assert.deepEqual(problems({ TargetDown: { cloudwatch: {} } }), [
            'alerting.alerts.TargetDown: unknown key "cloudwatch"; allowed: enabled, for, window, severity',
        ]);
        assert.deepEqual(problems({ NoHealthyTargets: { for: "1m" } }), [
            'alerting.alerts.NoHealthyTargets: unknown key "for"; allowed: enabled, threshold, severity, cloudwatch',
        ]);
        assert.deepEqual(problems({ HighCpuUsage: { cloudwatch: { period: 60 } } }), [
            'alerting.alerts.HighCpuUsage.cloudwatch: unknown key "period"; allowed: periodSeconds, evaluationPeriods, datapointsToAlarm',
        ]);
    });

    it("parseAlertOverrides lists every problem in one error", () => {
        assert.throws(
            () => parseAlertOverrides({ HighCpuUsage: { threshold: 150 }, DiskSpaceLow: { threshold: 90 } }),
            (e: Error) => e.message.includes("HighCpuUsage.threshold") && e.message.includes("DiskSpaceLow.threshold"),
        );
    });

    it("has per-environment defaults, applied once by loadConfig: dev turns UnusualTraffic off, prod keeps everything; the stack wins per key", () => {
        const alerts = (stack: string, overrides: Record<string, unknown> = {}) =>
            parseStackConfig(readStackConfig(stack, { overrides })).config.alerting.alerts ?? {};
        assert.deepEqual(alerts("prod"), {});
        assert.deepEqual(alerts("dev"), { UnusualTraffic: { enabled: false } });
        assert.deepEqual(alerts("dev", { "koronet:alerting": { alerts: { UnusualTraffic: { threshold: 4 } } } }), {
            UnusualTraffic: { enabled: false, threshold: 4 },
        });
        assert.deepEqual(alerts("dev", { "koronet:alerting": { alerts: { UnusualTraffic: { enabled: true } } } }), { UnusualTraffic: { enabled: true } });
        assert.equal(resolveAlerts({ alerts: alerts("dev") }).find((a) => a.id === "UnusualTraffic")?.enabled, false);
        assert.equal(resolveAlerts({ alerts: alerts("prod") }).find((a) => a.id === "UnusualTraffic")?.enabled, true);
    });
});
