/**
 * The catalog's input side (config/alert-tuning.ts) and its entries (components/alerting/catalog/)
 * agree, and resolving reports problems as data (issue 16 items 2 and 5).
 */
import { strict as assert } from "node:assert";
import { ALERT_TUNING, alertSettingProblems, type AlertTuning } from "../../config/alert-tuning";
import { validateAlertCatalog } from "../../config/alerts";
import { ALERT_CATALOG, ALERT_IDS, AlertSettingsError, placeholderTargets, resolveAlerts } from "../../components/alerting/catalog";

describe("alert tuning ↔ catalog entries", () => {
    for (const mode of ["ecs", "managed"] as const) {
        it(`declares exactly the CloudWatch namespaces each alert's alarms read (${mode} data stores)`, () => {
            const targets = placeholderTargets({ dataStoreMode: mode, cacheNodes: 2 });
            for (const a of resolveAlerts()) {
                const declared = (ALERT_TUNING[a.id] as AlertTuning).cloudwatch?.reads[mode];
                if (a.cloudwatch === undefined) {
                    assert.equal(declared, undefined, `${a.id} has no alarms but declares reads`);
                    continue;
                }
                const read = new Set(
                    a.cloudwatch
                        .alarms(targets)
                        .flatMap((s) => [s.metric?.namespace, ...(s.metricQueries ?? []).map((q) => q.metric?.namespace)])
                        .filter((n): n is string => n !== undefined),
                );
                assert.deepEqual([...read].sort(), [...(declared ?? [])].sort(), `${a.id} (${mode})`);
            }
        });
    }

    it("gives every alert its tuning's parts: a rule exactly where there is Prometheus timing, alarms exactly where there is CloudWatch timing", () => {
        for (const id of ALERT_IDS) {
            const t: AlertTuning = ALERT_TUNING[id];
            assert.equal(ALERT_CATALOG[id].prometheus !== undefined, t.prometheus !== undefined, id);
            assert.equal(ALERT_CATALOG[id].cloudwatch !== undefined, t.cloudwatch !== undefined, id);
            assert.equal(ALERT_CATALOG[id].severity, t.severity, id);
            assert.deepEqual(ALERT_CATALOG[id].threshold, t.threshold, id);
        }
    });
});

describe("resolving alerts reports problems as data", () => {
    const intervals = { scrapeIntervalSeconds: 60, evaluationIntervalSeconds: 15 };

    it("names the key, the value, what is wrong and what is allowed", () => {
        const problems = alertSettingProblems(
            {
                HighCpuUsage: { window: "1m" },
                HighErrorRate: { cloudwatch: { evaluationPeriods: 1 } },
                ServiceTasksMissing: { cloudwatch: { evaluationPeriods: 2000 } },
            },
            intervals,
            ALERT_IDS,
        );
        assert.deepEqual(problems, [
            {
                key: "alerting.alerts.HighCpuUsage.window",
                value: "1m",
                problem: "holds fewer than 2 scrapes (scrape interval 60s)",
                allowed: "≥ 2m",
                message: "1m holds fewer than 2 scrapes (scrape interval 60s); allowed ≥ 2m",
            },
            {
                key: "alerting.alerts.ServiceTasksMissing.cloudwatch.evaluationPeriods",
                value: 2000,
                problem: "× 60s exceeds one day",
                allowed: "1..1440",
                message: "2000 × 60s exceeds one day; allowed 1..1440",
            },
        ]);
        // HighErrorRate is critical: 1 of 1 by default, so evaluationPeriods 1 is fine.
        assert.deepEqual(
            alertSettingProblems({ HighCpuUsage: { cloudwatch: { evaluationPeriods: 1 } } }, intervals, ALERT_IDS).map((p) => p.key),
            ["alerting.alerts.HighCpuUsage.cloudwatch.datapointsToAlarm"],
        );
    });

    it("config turns them into config problems without parsing a message", () => {
        const settings = { alerts: { HighCpuUsage: { window: "1m" } }, runbookBaseUrl: "https://example.com/runbooks", prometheusIntervals: intervals };
        assert.deepEqual(validateAlertCatalog(settings), [
            { key: "koronet:alerting.alerts.HighCpuUsage.window", message: "1m holds fewer than 2 scrapes (scrape interval 60s); allowed ≥ 2m" },
        ]);
    });

    it("the catalog throws them all, its message the first as before", () => {
        assert.throws(
            () => resolveAlerts({ alerts: { HighCpuUsage: { window: "1m", threshold: 500 } }, prometheusIntervals: intervals }),
            (e: unknown) =>
                e instanceof AlertSettingsError &&
                e.message === "alerting.alerts.HighCpuUsage.threshold: 500 is out of range; allowed 1..100 (percent)" &&
                e.problems.map((p) => p.key).join() === "alerting.alerts.HighCpuUsage.threshold,alerting.alerts.HighCpuUsage.window",
        );
    });
});
