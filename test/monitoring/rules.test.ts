import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { ALERT_CATALOG, resolveAlerts } from "../../components/alerting/catalog";
import { RULES_FILE_NAME, buildRuleGroups, renderPrometheusRules, renderRulesYaml } from "../../components/monitoring/prometheus/rules";

interface Rule {
    alert?: string;
    record?: string;
    expr: string;
    for?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}
const groups = (profile: "production" | "test", alerts = {}) =>
    parse(renderPrometheusRules({ profile, alerts, runbookBaseUrl: "https://example.com/runbooks" }).content) as {
        groups: { name: string; interval: string; rules: Rule[] }[];
    };
const alertRules = (g: ReturnType<typeof groups>) => g.groups.flatMap((x) => x.rules).filter((r) => r.alert !== undefined);

describe("Prometheus rule rendering", () => {
    it("writes one group evaluated at the profile's interval under a stable file name", () => {
        assert.equal(RULES_FILE_NAME, "koronet-alerts.rules.yml");
        assert.deepEqual(
            groups("production").groups.map((g) => [g.name, g.interval]),
            [["koronet", "5s"]],
        );
        assert.deepEqual(
            groups("test").groups.map((g) => [g.name, g.interval]),
            [["koronet", "1s"]],
        );
    });

    it("has an alerting rule for every catalog alert with a Prometheus generator, labelled and annotated", () => {
        const rules = alertRules(groups("production"));
        const expected = Object.values(ALERT_CATALOG)
            .filter((d) => d.prometheus !== undefined)
            .map((d) => d.id);
        assert.deepEqual(
            rules.map((r) => r.alert),
            expected,
        );
        for (const r of rules) {
            const d = ALERT_CATALOG[r.alert as keyof typeof ALERT_CATALOG];
            assert.deepEqual(r.labels, { severity: d.severity });
            assert.deepEqual(Object.keys(r.annotations ?? {}), ["summary", "description", "runbook_url"]);
            assert.equal(r.annotations?.runbook_url, `https://example.com/runbooks/${r.alert}.md`);
        }
        for (const id of [
            "TargetDown",
            "KoronetDown",
            "ContainerRestarting",
            "RedisDown",
            "PostgresDown",
            "DatabaseConnectionFailures",
            "PostgresConnectionsNearExhaustion",
            "Watchdog",
        ]) {
            assert.ok(
                rules.some((r) => r.alert === id),
                id,
            );
        }
    });

    it("includes the recording rules the alerts read, before the alerts, each once", () => {
        const rules = groups("production").groups[0]?.rules ?? [];
        const records = rules.filter((r) => r.record !== undefined).map((r) => r.record as string);
        assert.equal(new Set(records).size, records.length);
        for (const r of [
            "koronet:http_requests:rate1m",
            "koronet:http_5xx_requests:percent_rate1m",
            "koronet:cache_misses:percent_rate1m",
            "koronet:http_requests:rate1m:avg_baseline",
        ])
            assert.ok(records.includes(r), r);
        const firstAlert = rules.findIndex((r) => r.alert !== undefined);
        assert.ok(rules.slice(firstAlert).every((r) => r.alert !== undefined));
        for (const r of alertRules(groups("production"))) {
            for (const m of r.expr.matchAll(/(koronet:[a-z0-9_:]+)/g)) assert.ok(records.includes(m[1] as string), `${r.alert} reads unrecorded ${m[1]}`);
        }
    });

    it("uses short timings in the test profile and production timings otherwise", () => {
        const fors = (p: "production" | "test") => Object.fromEntries(alertRules(groups(p)).map((r) => [r.alert, r.for ?? "0s"]));
        assert.deepEqual(
            [
                fors("production").RedisDown,
                fors("production").HighErrorRate,
                fors("production").HighCpuUsage,
                fors("production").TargetDown,
                fors("production").Watchdog,
            ],
            ["20s", "10s", "4m", "1m", "0s"],
        );
        assert.deepEqual([fors("test").RedisDown, fors("test").HighErrorRate, fors("test").HighCpuUsage, fors("test").TargetDown], ["2s", "2s", "2m", "3s"]);
        assert.match(alertRules(groups("test")).find((r) => r.alert === "HighErrorRate")?.expr ?? "", /percent_rate10s > 5/);
    });

    it("applies stack overrides: thresholds, severity, disabled alerts", () => {
        const rules = alertRules(groups("production", { HighErrorRate: { threshold: 2, severity: "warning" }, UnusualTraffic: { enabled: false } }));
        const e = rules.find((r) => r.alert === "HighErrorRate");
        assert.match(e?.expr ?? "", /> 2 and on\(\)/);
        assert.equal(e?.labels?.severity, "warning");
        assert.equal(
            rules.some((r) => r.alert === "UnusualTraffic"),
            false,
        );
        assert.equal(
            (groups("production", { UnusualTraffic: { enabled: false } }).groups[0]?.rules ?? []).some((r) => r.record?.endsWith(":avg_baseline")),
            false,
            "no unused recording rules",
        );
    });

    it("has the Watchdog always firing with severity none", () => {
        const w = alertRules(groups("production")).find((r) => r.alert === "Watchdog");
        assert.deepEqual([w?.expr, w?.for, w?.labels?.severity], ["vector(1)", undefined, "none"]);
    });

    it("catches KoronetDown when the targets vanish, not only when up is 0", () => {
        assert.equal(alertRules(groups("production")).find((r) => r.alert === "KoronetDown")?.expr, '(sum(up{job="koronet"}) or on() vector(0)) < 1');
    });

    it("refuses to mix timing profiles and conflicting recording rules", () => {
        const mixed = [...resolveAlerts({ profile: "production" }).slice(0, 2), ...resolveAlerts({ profile: "test" }).slice(2)];
        assert.throws(() => buildRuleGroups(mixed), /mix timing profiles/);
        const a = resolveAlerts();
        const clash = a.map((x) =>
            x.id === "HighResponseTime" && x.prometheus !== undefined
                ? { ...x, prometheus: { ...x.prometheus, recordingRules: [{ record: "koronet:http_requests:rate1m", expr: "vector(2)" }] } }
                : x,
        );
        assert.throws(() => buildRuleGroups(clash), /koronet:http_requests:rate1m is defined twice/);
    });

    it("marks the file as generated", () => {
        assert.match(renderRulesYaml(resolveAlerts({ profile: "test" })), /^# Generated from components\/alerting\/catalog\.ts .*\n# \(timing profile: test\)/);
    });
});
