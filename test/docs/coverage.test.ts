/**
 * docs/coverage.md cannot go stale or lie: it must equal what `npm run docs:coverage` generates from
 * the catalog, the plans and components/monitoring/coverage.ts, every architecture item and alert
 * must have a row, and the generator must refuse a promise no stack keeps.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { ALERT_IDS } from "../../components/alerting/catalog";
import { ARCHITECTURE_METRICS } from "../../components/monitoring/coverage";
import { COVERAGE_FILE, COVERAGE_STACKS, alertPrometheusMetrics, dashboardMetrics, renderCoverage, stackView, type StackView } from "../../scripts/coverage-docs";
import { resolveAlerts } from "../../components/alerting/catalog";
import { stackGraph } from "../harness";

describe("coverage table (docs/coverage.md)", function () {
    this.timeout(180_000);
    let views: StackView[];
    before(async () => {
        views = [];
        for (const stack of COVERAGE_STACKS) views.push(await stackView(stack, (await stackGraph(stack)).run));
    });

    it("is what `npm run docs:coverage` generates from the catalog and the dev and prod plans (run it when this fails)", () => {
        assert.equal(readFileSync(COVERAGE_FILE, "utf8"), renderCoverage(views));
    });

    it("has one row per metric the architecture names and per alert of the catalog (Watchdog aside)", () => {
        const text = readFileSync(COVERAGE_FILE, "utf8");
        for (const item of ARCHITECTURE_METRICS) assert.match(text, new RegExp(`^\\| ${item.what.replace(/[()]/g, "\\$&")} \\| metric \\|`, "m"), item.what);
        for (const id of ALERT_IDS.filter((x) => x !== "Watchdog")) assert.match(text, new RegExp(`^\\| ${id} \\| (critical|warning) alert \\|`, "m"), id);
        for (const words of ["Request rate", "Response time", "Errors and status codes", "Database connection pool", "Query performance", "Slow queries", "Redis cache hit/miss", "Redis memory", "Redis connections", "CPU", "Memory", "Disk I/O", "Disk space", "Network", "Container health", "Container restarts", "Active sessions", "API endpoint usage"]) {
            assert.ok(ARCHITECTURE_METRICS.some((i) => i.what === words), `the architecture names ${words}`);
        }
    });

    it("says where each alert runs in AWS as the plans create it: prod's managed stores appear in prod only", () => {
        const text = readFileSync(COVERAGE_FILE, "utf8");
        const row = (id: string) => text.split("\n").find((l) => l.startsWith(`| ${id} |`)) ?? "";
        assert.match(row("HighMemoryUsage"), /\| both \|/);
        assert.match(row("HighMemoryUsage"), /dev: .*postgres tasks.*; prod: .*RDS.*ElastiCache nodes/);
        assert.match(row("PostgresDown"), /\| Prometheus \|/);
        assert.match(row("NoHealthyTargets"), /\| CloudWatch \|/);
        assert.match(row("UnusualTraffic"), /dev: off; prod: both/);
        assert.match(row("ContainerRestarting"), /`Koronet\/ECS CrashedTasks`/);
    });

    it("refuses a row whose metric no dashboard, rule or alarm of any stack reads", () => {
        const broken = views.map((v) => ({ ...v, prometheusMetrics: new Set([...v.prometheusMetrics].filter((m) => m !== "koronet_active_sessions")) }));
        assert.throws(() => renderCoverage(broken), /Active sessions: no dashboard or rule of any stack reads the Prometheus metric koronet_active_sessions/);
        const noCw = views.map((v) => ({ ...v, cloudwatchMetrics: new Set([...v.cloudwatchMetrics].filter((m) => m !== "Koronet/ECS CrashedTasks")) }));
        assert.throws(() => renderCoverage(noCw), /Container restarts: no CloudWatch dashboard or alarm of any stack reads Koronet\/ECS CrashedTasks/);
    });

    it("reads an alert's Prometheus sources through its recording rules, and the dashboard's metrics and SEARCH expressions", () => {
        const cache = resolveAlerts().find((a) => a.id === "CacheMissRateHigh");
        assert.ok(cache);
        assert.deepEqual(alertPrometheusMetrics(cache), ["koronet_cache_hits_total", "koronet_cache_misses_total", "redis_keyspace_hits_total", "redis_keyspace_misses_total"]);
        assert.deepEqual(
            dashboardMetrics(JSON.stringify({ widgets: [{ properties: { metrics: [["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", "x"], [{ expression: `SEARCH('{Koronet/ECS,Group} MetricName="CrashedTasks"', 'Sum', 60)` }]] } }] })).sort(),
            ["AWS/RDS FreeStorageSpace", "Koronet/ECS CrashedTasks"],
        );
    });
});
