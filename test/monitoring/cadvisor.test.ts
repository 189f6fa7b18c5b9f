/**
 * cAdvisor has no Debian package and cannot run here: its rules are covered by promtool tests
 * (test/monitoring/promtool/), and every cAdvisor metric the rules and dashboards read is checked
 * against the pinned version's documented metrics and the metric kinds the task enables.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";

import { CADVISOR_CONTAINER_METRIC_KINDS, CADVISOR_DOCUMENTED_VERSION, cadvisorMetricProblem } from "../../components/monitoring/cadvisor-metrics";
import { dashboardPanelQueries } from "../../components/monitoring/grafana/dashboards";
import { CADVISOR, CADVISOR_METRIC_KINDS } from "../../components/monitoring/host-exporters";
import { IMAGES } from "../../components/monitoring/images";

/** cAdvisor metric names an expression or rules file reads (`name{`, labels excluded). */
function cadvisorMetrics(text: string): string[] {
    return [...new Set([...text.matchAll(/(?<![\w:])(container_[a-z0-9_]+)\s*\{/g)].map((m) => m[1] as string))].filter(
        (n) => !n.startsWith("container_label_"),
    );
}

describe("cAdvisor (pinned image, documented metrics)", () => {
    it("documents the metrics of exactly the pinned image's version", () => {
        assert.equal(IMAGES.cadvisor, `ghcr.io/google/cadvisor:${CADVISOR_DOCUMENTED_VERSION}`);
        assert.ok(CADVISOR.container.command?.includes(`--enable_metrics=${CADVISOR_METRIC_KINDS.join(",")}`));
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: every cAdvisor metric the rendered rules read is documented and collected by the task's --enable_metrics`, () => {
            const dir = path.join("rendered", stack, "prometheus", "rules");
            const used = fs.readdirSync(dir).flatMap((f) => cadvisorMetrics(fs.readFileSync(path.join(dir, f), "utf8")));
            assert.ok(used.includes("container_memory_working_set_bytes"), `the rules read cAdvisor (found ${used.join(", ")})`);
            assert.deepEqual(
                used.flatMap((n) => cadvisorMetricProblem(n, CADVISOR_METRIC_KINDS) ?? []),
                [],
            );
        });
    }

    it("every cAdvisor metric a Grafana panel reads is documented and collected", () => {
        const used = dashboardPanelQueries({ rateInterval: "1m" })
            .filter((q) => q.jobs.includes("cadvisor"))
            .flatMap((q) => cadvisorMetrics(q.expr));
        assert.ok(used.length > 0);
        assert.deepEqual(
            used.flatMap((n) => cadvisorMetricProblem(n, CADVISOR_METRIC_KINDS) ?? []),
            [],
        );
    });

    it("names what would not be exported: an unknown metric, a kind the task does not enable", () => {
        assert.match(cadvisorMetricProblem("container_restarts_total", CADVISOR_METRIC_KINDS) ?? "", /not a documented cAdvisor/);
        assert.equal(CADVISOR_CONTAINER_METRIC_KINDS["container_oom_events_total"], "oom_event");
        assert.match(cadvisorMetricProblem("container_oom_events_total", CADVISOR_METRIC_KINDS) ?? "", /needs metric kind "oom_event"/);
        assert.equal(cadvisorMetricProblem("container_spec_memory_limit_bytes", []), undefined, "spec metrics are always exported");
    });
});
