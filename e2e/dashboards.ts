/**
 * Every Grafana panel query, run against the live Prometheus of the pipeline. Panels on cAdvisor's
 * `container_*` metrics cannot return data here (no cAdvisor in Debian, no containers): their metric
 * names are checked against the pinned cAdvisor's documented list and the metric kinds the task
 * enables instead (components/monitoring/cadvisor-metrics.ts).
 */
import { cadvisorMetricProblem } from "../components/monitoring/cadvisor-metrics";
import { dashboardPanelQueries, type DashboardPanelQuery } from "../components/monitoring/grafana/dashboards";
import { CADVISOR_METRIC_KINDS } from "../components/monitoring/host-exporters";
import type { Pipeline } from "./pipeline";
import { sleep } from "./services";

export interface PanelQueryResult {
    readonly query: DashboardPanelQuery;
    /** `data`: returned series; `documented`: cAdvisor names checked; anything else is a failure. */
    readonly outcome: "data" | "documented" | "no data" | "undocumented" | "error";
    readonly detail: string;
}

/** Metric names a PromQL expression reads (identifiers before `{` that are not functions or recording rules). */
function metricNames(expr: string): string[] {
    return [...new Set([...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1] as string))];
}

/**
 * Run every panel query (rate window `rateInterval`, ≥ 4 scrape intervals). Queries without data
 * are retried until `settleMs` has passed: right after a fault is healed, a restarted exporter's
 * counters need two scrapes before `rate()` has anything to say.
 */
export async function checkPanelQueries(p: Pipeline, rateInterval = "1m", settleMs = 30_000): Promise<PanelQueryResult[]> {
    const deadline = Date.now() + settleMs;
    let results = await checkOnce(p, dashboardPanelQueries({ rateInterval }));
    while (results.some((r) => r.outcome === "no data") && Date.now() < deadline) {
        await sleep(1_000);
        const retried = await checkOnce(
            p,
            results.filter((r) => r.outcome === "no data").map((r) => r.query),
        );
        results = results.map((r) => (r.outcome === "no data" ? (retried.shift() as PanelQueryResult) : r));
    }
    return results;
}

async function checkOnce(p: Pipeline, queries: readonly DashboardPanelQuery[]): Promise<PanelQueryResult[]> {
    const results: PanelQueryResult[] = [];
    for (const query of queries) {
        if (query.jobs.includes("cadvisor") && metricNames(query.expr).some((n) => n.startsWith("container_"))) {
            const names = metricNames(query.expr).filter((n) => n.startsWith("container_"));
            const problems = names.flatMap((n) => cadvisorMetricProblem(n, CADVISOR_METRIC_KINDS) ?? []);
            results.push({
                query,
                outcome: names.length > 0 && problems.length === 0 ? "documented" : "undocumented",
                detail: problems.length > 0 ? problems.join("; ") : names.join(", "),
            });
            continue;
        }
        try {
            const samples = await p.prometheus.query(query.expr);
            results.push({ query, outcome: samples.length > 0 ? "data" : "no data", detail: `${samples.length} series` });
        } catch (err) {
            results.push({ query, outcome: "error", detail: (err as Error).message });
        }
    }
    return results;
}
