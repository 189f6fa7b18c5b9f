/**
 * `npm run docs:coverage`: writes docs/coverage.md, one table saying for every metric and alert the
 * architecture names which path carries it in AWS (Prometheus, CloudWatch, both), from which source
 * metrics, on which resources, and what is not covered and why. Generated from:
 * - the alert catalog, resolved with each stack's settings (the Prometheus rules it renders);
 * - each stack's offline plan (scripts/offline/run.ts): the CloudWatch alarms it creates (metrics and
 *   dimensions: which services, which stores) and its CloudWatch dashboard;
 * - the Grafana dashboards' queries;
 * - components/monitoring/coverage.ts (what the architecture promises, the resources, the gaps),
 *   checked against the above: a metric no dashboard, rule or alarm reads fails the run.
 * `-- --check` (and test/docs/coverage.test.ts) fails when the committed file is stale.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseStackConfig } from "../config";
import { stackAlertSettings } from "../config/alerts";
import { ALERT_COVERAGE_NOTES } from "../components/alerting/coverage-notes";
import { ALERT_IDS, resolveAlerts, type AlertId, type ResolvedAlert } from "../components/alerting/catalog";
import { ARCHITECTURE_METRICS, type CoverageItem } from "../components/monitoring/coverage";
import { dashboardPanelQueries } from "../components/monitoring/grafana/dashboards";
import { runOffline, type OfflineRun, type PlannedResource } from "./offline/run";
import { PROJECT_ROOT, readStackConfig } from "./offline/stack-file";
import { parseCommand, runCommand } from "./cli";

export const COVERAGE_FILE = path.join(PROJECT_ROOT, "docs", "coverage.md");
/** The stacks the table is generated from. */
export const COVERAGE_STACKS = ["dev", "prod"] as const;

const COMMAND = {
    usage: "npm run docs:coverage [-- --check]",
    help: `
Writes docs/coverage.md from the alert catalog, the dev and prod plans (their CloudWatch alarms and
dashboard), the Grafana dashboards and components/monitoring/coverage.ts.

  --check  write nothing; exit 1 when docs/coverage.md is stale
  --help   this text`,
    options: { check: { type: "boolean", default: false } },
} as const;

/** What one stack offers: metric names on each path, and its alarms. */
export interface StackView {
    readonly stack: string;
    readonly monitoring: boolean;
    readonly alerts: readonly ResolvedAlert[];
    /** Metric names the stack's Prometheus rules and Grafana panels read. */
    readonly prometheusMetrics: ReadonlySet<string>;
    /** `Namespace MetricName` the stack's CloudWatch dashboard and alarms read. */
    readonly cloudwatchMetrics: ReadonlySet<string>;
    readonly alarms: readonly PlannedResource[];
    /** ECS service physical name → readable key (web, grafana, node-exporter, …). */
    readonly serviceKeys: ReadonlyMap<string, string>;
}

const PROMQL_WORDS = new Set(["by", "on", "without", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "le"]);

/**
 * Metric names in PromQL: identifiers outside label matchers, grouping clauses and strings that
 * are not functions (followed by `(`), keywords or durations.
 */
export function promMetricNames(expr: string): string[] {
    const stripped = expr
        .replace(/"(?:[^"\\]|\\.)*"/g, '""')
        .replace(/\{[^}]*\}/g, "")
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "")
        .replace(/\[[^\]]*\]/g, "");
    const names = new Set<string>();
    for (const m of stripped.matchAll(/(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
        const name = m[1] as string;
        if (m[2] === undefined && !PROMQL_WORDS.has(name)) names.add(name);
    }
    return [...names];
}

/** Prometheus metric names an alert reads, recording rules expanded to what they read. */
export function alertPrometheusMetrics(a: ResolvedAlert): string[] {
    const p = a.prometheus;
    if (p === undefined) return [];
    const rules = new Map(p.recordingRules.map((r) => [r.record, r.expr]));
    const out = new Set<string>();
    const visit = (expr: string, depth: number) => {
        for (const n of promMetricNames(expr)) {
            const rec = rules.get(n);
            if (rec !== undefined && depth < 5) visit(rec, depth + 1);
            else if (!n.includes(":")) out.add(n);
        }
    };
    visit(p.expr, 0);
    return [...out].sort();
}

/** `Namespace MetricName` of every metric in a CloudWatch dashboard body (metrics arrays and SEARCH expressions). */
export function dashboardMetrics(body: string): string[] {
    const out = new Set<string>();
    const parsed = JSON.parse(body) as { widgets: { properties?: { metrics?: unknown[][] } }[] };
    for (const w of parsed.widgets) {
        for (const m of w.properties?.metrics ?? []) {
            if (typeof m[0] === "string" && typeof m[1] === "string") out.add(`${m[0]} ${m[1]}`);
            const expr = (m[0] as { expression?: string } | undefined)?.expression;
            const search = expr === undefined ? undefined : /SEARCH\('\{([^,}]+)[^}]*\}[^']*MetricName="([^"]+)"/.exec(expr);
            if (search) out.add(`${search[1]} ${search[2]}`);
        }
    }
    return [...out];
}

function alarmMetrics(a: PlannedResource): { ns: string; name: string; dims: Record<string, string> }[] {
    const i = a.inputs as {
        namespace?: string;
        metricName?: string;
        dimensions?: Record<string, string>;
        metricQueries?: { metric?: { namespace: string; metricName: string; dimensions?: Record<string, string> } }[];
    };
    if (i.metricName !== undefined) return [{ ns: i.namespace as string, name: i.metricName, dims: i.dimensions ?? {} }];
    return (i.metricQueries ?? []).flatMap((q) => (q.metric ? [{ ns: q.metric.namespace, name: q.metric.metricName, dims: q.metric.dimensions ?? {} }] : []));
}

/** The readable key of an ECS service's logical name: `monitoring-grafana-svc` → `grafana`. */
function serviceKey(logicalName: string): string {
    return logicalName.replace(/-svc$/, "").replace(/^(monitoring|data|alerting|web)-/, "") || "web";
}

export async function stackView(stack: string, run?: OfflineRun): Promise<StackView> {
    const plan = run ?? (await runOffline(stack));
    const config = parseStackConfig(readStackConfig(stack)).config;
    const alerts = resolveAlerts(stackAlertSettings(config));
    const prometheusMetrics = new Set<string>();
    if (config.monitoring.enabled) {
        for (const a of alerts) if (a.enabled) for (const m of alertPrometheusMetrics(a)) prometheusMetrics.add(m);
        for (const q of dashboardPanelQueries({ rateInterval: "1m" })) for (const m of promMetricNames(q.expr)) if (!m.includes(":")) prometheusMetrics.add(m);
    }
    const alarms = plan.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
    const cloudwatchMetrics = new Set<string>();
    for (const a of alarms) for (const m of alarmMetrics(a)) cloudwatchMetrics.add(`${m.ns} ${m.name}`);
    for (const d of plan.resources.filter((r) => r.type === "aws:cloudwatch/dashboard:Dashboard"))
        for (const m of dashboardMetrics(String(d.inputs.dashboardBody))) cloudwatchMetrics.add(m);
    const serviceKeys = new Map<string, string>();
    for (const s of plan.resources.filter((r) => r.type === "aws:ecs/service:Service")) serviceKeys.set(String(s.inputs.name ?? s.name), serviceKey(s.name));
    return { stack, monitoring: config.monitoring.enabled, alerts, prometheusMetrics, cloudwatchMetrics, alarms, serviceKeys };
}

/** Readable resources of an alert's alarms in one stack. */
function alarmResources(view: StackView, id: AlertId): string[] {
    const out = new Set<string>();
    for (const a of view.alarms.filter((x) => (x.inputs.tags as Record<string, string> | undefined)?.AlertId === id)) {
        for (const m of alarmMetrics(a)) {
            const d = m.dims;
            if (d.Group !== undefined) out.add(`${view.serviceKeys.get(d.Group.replace(/^service:/, "")) ?? d.Group} tasks`);
            else if (d.ServiceName !== undefined)
                out.add(`${view.serviceKeys.get(d.ServiceName) ?? d.ServiceName} ${m.ns === "Koronet/App" ? "tasks (app)" : "tasks"}`);
            else if (d.DBInstanceIdentifier !== undefined) out.add("RDS");
            else if (d.CacheClusterId !== undefined) out.add("ElastiCache nodes");
            else if (d.LoadBalancer !== undefined) out.add("web load balancer");
        }
    }
    return [...out];
}

type Path = "Prometheus" | "CloudWatch" | "both" | "none";
const pathOf = (prom: boolean, cw: boolean): Path => (prom && cw ? "both" : prom ? "Prometheus" : cw ? "CloudWatch" : "none");

/** `both` when equal in every stack, else `dev: …; prod: …`. */
function perStack(values: readonly { stack: string; value: string }[]): string {
    const distinct = [...new Set(values.map((v) => v.value))];
    return distinct.length === 1 ? (distinct[0] as string) : values.map((v) => `${v.stack}: ${v.value}`).join("; ");
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
const codeList = (xs: readonly string[]) => (xs.length === 0 ? "—" : xs.map((x) => `\`${x}\``).join(", "));

/** The metric rows: validated against what the stacks actually read. */
function metricRows(views: readonly StackView[]): string[][] {
    const problems: string[] = [];
    const rows = ARCHITECTURE_METRICS.map((item: CoverageItem) => {
        for (const m of item.prometheus ?? [])
            if (!views.some((v) => v.prometheusMetrics.has(m)))
                problems.push(`${item.what}: no dashboard or rule of any stack reads the Prometheus metric ${m}`);
        for (const m of item.cloudwatch ?? [])
            if (!views.some((v) => v.cloudwatchMetrics.has(m))) problems.push(`${item.what}: no CloudWatch dashboard or alarm of any stack reads ${m}`);
        const path = perStack(
            views.map((v) => ({
                stack: v.stack,
                value: pathOf(
                    (item.prometheus ?? []).some((m) => v.prometheusMetrics.has(m)),
                    (item.cloudwatch ?? []).some((m) => v.cloudwatchMetrics.has(m)),
                ),
            })),
        );
        const cw = (item.cloudwatch ?? []).map((m) => {
            const missing = views.filter((v) => !v.cloudwatchMetrics.has(m)).map((v) => v.stack);
            return missing.length === 0 ? m : `${m} (not ${missing.join(", ")})`;
        });
        return [item.what, "metric", path, codeList(item.prometheus ?? []), codeList(cw), item.resources, item.gaps ?? "—"];
    });
    if (problems.length > 0) throw new Error(`components/monitoring/coverage.ts promises what no stack reads:\n  - ${problems.join("\n  - ")}`);
    return rows;
}

function alertRows(views: readonly StackView[]): string[][] {
    return ALERT_IDS.filter((id) => id !== "Watchdog").map((id) => {
        const byStack = views.map((v) => {
            const a = v.alerts.find((x) => x.id === id) as ResolvedAlert;
            const prom = v.monitoring && a.enabled && a.prometheus !== undefined;
            const cw = v.alarms.some((x) => (x.inputs.tags as Record<string, string> | undefined)?.AlertId === id);
            return { v, a, prom, cw };
        });
        const first = byStack[0]?.a as ResolvedAlert;
        const path = perStack(byStack.map((s) => ({ stack: s.v.stack, value: s.a.enabled ? pathOf(s.prom, s.cw) : "off" })));
        const promMetrics = byStack.some((s) => s.prom) ? alertPrometheusMetrics(first) : [];
        const cwMetrics = [
            ...new Set(
                byStack.flatMap((s) =>
                    s.v.alarms
                        .filter((x) => (x.inputs.tags as Record<string, string> | undefined)?.AlertId === id)
                        .flatMap((x) => alarmMetrics(x).map((m) => `${m.ns} ${m.name}`)),
                ),
            ),
        ].sort();
        const resources = perStack(byStack.map((s) => ({ stack: s.v.stack, value: alarmResources(s.v, id).join(", ") || "—" })));
        const promResources =
            first.prometheus === undefined
                ? ""
                : `Prometheus: ${[...new Set([...first.prometheus.expr.matchAll(/job="([^"]+)"/g), ...first.prometheus.recordingRules.flatMap((r) => [...r.expr.matchAll(/job="([^"]+)"/g)])].map((m) => m[1]))].join(", ") || "every job"}`;
        return [
            id,
            `${first.severity} alert`,
            path,
            codeList(promMetrics),
            codeList(cwMetrics),
            [promResources, resources === "—" ? "" : `CloudWatch: ${resources}`].filter(Boolean).join("; ") || "—",
            ALERT_COVERAGE_NOTES[id] ?? "—",
        ];
    });
}

/** docs/coverage.md for the given stack views. */
export function renderCoverage(views: readonly StackView[]): string {
    const head = ["what", "kind", "path in AWS", "Prometheus source", "CloudWatch source", "resources", "not covered, and why"];
    const rows = [...metricRows(views), ...alertRows(views)];
    const table = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)];
    return [
        "# Coverage: every metric and alert of the architecture, and where it is carried in AWS",
        "",
        "<!-- Generated by `npm run docs:coverage` from the alert catalog, the dev and prod plans (their CloudWatch alarms and dashboard), the Grafana dashboards and components/monitoring/coverage.ts; test/docs/coverage.test.ts fails when it is stale. Do not edit. -->",
        "",
        `Stacks: ${views.map((v) => `\`${v.stack}\``).join(", ")}. "Path" is Prometheus (rules and Grafana, through Alertmanager), CloudWatch (alarms through SNS, and the stack's CloudWatch dashboard), or both; \`dev: …; prod: …\` where the stacks differ. Metric rows are checked against what the stacks read: a metric no dashboard, rule or alarm reads stops the generator. Alert rows list the alarms' resources as the plans create them. Watchdog (the pipeline's own heartbeat) is in docs/alerting.md.`,
        "",
        ...table,
        "",
    ].join("\n");
}

async function main(): Promise<void> {
    const { values } = parseCommand(COMMAND);
    const views = [];
    for (const stack of COVERAGE_STACKS) views.push(await stackView(stack));
    const text = renderCoverage(views);
    const current = existsSync(COVERAGE_FILE) ? readFileSync(COVERAGE_FILE, "utf8") : undefined;
    if (values.check) {
        if (current !== text) {
            process.stdout.write("docs/coverage.md is stale: run `npm run docs:coverage` and commit it\n");
            process.exitCode = 1;
        } else process.stdout.write("docs/coverage.md: up to date\n");
        return;
    }
    writeFileSync(COVERAGE_FILE, text);
    process.stdout.write(`docs/coverage.md: ${current === text ? "up to date" : "written"}\n`);
}

if (require.main === module) runCommand(COMMAND.usage, main);
