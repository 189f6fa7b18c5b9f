/**
 * `npm run bench:alerts`: runs the e2e pipeline (test timing profile) with the steady run and every
 * fault scenario (then Prometheus and Alertmanager killed), and prints per alert the measured seconds from fault to the fake Slack's first
 * message and from heal to the resolved message, next to the computed worst case at production
 * settings on the Prometheus and CloudWatch paths, judged against the targets (critical ≤ 60 s
 * Prometheus / ≤ 180 s CloudWatch, warnings ≤ 300 s, resolved ≤ 120 s, zero false positives).
 *
 * Then prod's topology (three Alertmanagers clustered, two Prometheus servers: e2e/ha.ts) through
 * its faults — a Prometheus killed, the Alertmanager that sends first killed, a rolling restart of
 * every Alertmanager, a partition — and prints per alert the deliveries counted at each receiver:
 * sent by Alertmanager (before the notifier's dedupe), at Slack, at PagerDuty; duplicates and losses.
 *
 * Options: `--steady <seconds>` (default 150), `--json <file>` (write the raw results too),
 * `--peer-timeouts <list>` (the cluster runs once per `--cluster.peer-timeout`, default the test
 * profile's), `--ha-only` (skip the single-instance pipeline).
 */
import * as fs from "node:fs";
import { parseCommand, runCommand, UsageError } from "../scripts/cli";

import { PROM_DURATION, resolveAlerts, type AlertId, placeholderTargets } from "../components/alerting/catalog";
import { buildCloudWatchAlarms } from "../components/alerting/cloudwatch-alarms";
import { NOTIFY_TARGETS, timeToNotifyTable, type TimeToNotifyRow } from "../components/alerting/time-to-notify";
import { checkPanelQueries } from "../e2e/dashboards";
import { LoadGenerator } from "../e2e/load";
import { Pipeline } from "../e2e/pipeline";
import { runAlertmanagerKilled, runPrometheusKilled, watchdogAfterPrometheusDiesSeconds, type PartOutageResult } from "../e2e/pipeline-faults";
import { SCENARIOS, runScenario, runSteady, type AlertTiming, type ScenarioResult, type SteadyResult } from "../e2e/scenarios";
import { HA_SCENARIOS, HA_TIMINGS, waitForCluster, type DeliveryCount, type HaResult } from "../e2e/ha";
import { ALERTMANAGER_PEER_TIMEOUT } from "../components/alerting/alertmanager/config";

const COMMAND = {
    usage: "npm run bench:alerts [-- --steady <seconds>] [-- --json <file>]",
    help: `
Runs the end-to-end alerting pipeline on 127.0.0.1 (real PostgreSQL, Redis, Prometheus,
Alertmanager, exporters; test timing profile) through a steady run and every fault scenario, and
prints per alert the measured fault → Slack and heal → resolved seconds next to the computed
production worst case. Takes about 10 minutes; needs the Debian packages npm test installs.

  --steady <seconds>         length of the steady (no-fault) run; default 150
  --json <file>              also write the raw results as JSON
  --peer-timeouts <list>     prod topology: run the Alertmanager cluster once per --cluster.peer-timeout
                             (comma-separated, e.g. 1s,2s,5s); default the test profile's
  --ha-only                  only the prod topology (three Alertmanagers, two Prometheus)
  --group-interval <seconds> prod topology: Alertmanager's group_interval; default the e2e's 6 (group_wait 10, e2e/ha.ts HA_TIMINGS)
  --help                     this text`,
    options: {
        steady: { type: "string" },
        json: { type: "string" },
        "peer-timeouts": { type: "string" },
        "ha-only": { type: "boolean", default: false },
        "group-interval": { type: "string" },
    },
} as const;

/** Production worst cases with the catalog defaults; managed data stores (the most CloudWatch alarms). */
function productionRows(): Map<AlertId, TimeToNotifyRow> {
    const alerts = resolveAlerts({ profile: "production" });
    const p = "bench";
    const targets = placeholderTargets({ dataStoreMode: "managed", cacheNodes: 2, name: p });
    return new Map(timeToNotifyTable(alerts, buildCloudWatchAlarms({ namePrefix: p, targets, alerts })).map((r) => [r.alertId, r]));
}

function table(head: string[], rows: string[][]): string {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const fmt = (r: string[]) =>
        r
            .map((c, i) => c.padEnd(widths[i] as number))
            .join("  ")
            .trimEnd();
    return [fmt(head), fmt(widths.map((w) => "-".repeat(w))), ...rows.map(fmt)].join("\n");
}

const s = (x: number | undefined) => (x === undefined ? "—" : `${x}`);
const judged = (x: number | undefined, target: number | undefined) => (x === undefined ? "—" : `${x}${target !== undefined && x > target ? " ✗" : " ✓"}`);

function report(steady: SteadyResult, results: readonly ScenarioResult[], totalSeconds: number): string {
    const prod = productionRows();
    const rows: string[][] = [];
    const misses: string[] = [];
    for (const r of results) {
        for (const a of [r.primary, ...r.also] as AlertTiming[]) {
            const pr = prod.get(a.alert as AlertId);
            const sev = a.severity as "critical" | "warning";
            const promTarget = NOTIFY_TARGETS.prometheus[sev];
            const cwTarget = NOTIFY_TARGETS.cloudwatch[sev];
            const promN = pr?.prometheus?.notifySeconds;
            const promR = pr?.prometheus?.resolvedSeconds;
            const cwN = pr?.cloudwatch?.notifySeconds;
            if (promN !== undefined && promN > promTarget) misses.push(`${a.alert} Prometheus notify ${promN}s > ${promTarget}s`);
            // Event counts (ContainerRestarting) clear only once the window no longer holds the
            // events: time-to-notify.ts exempts them from the resolved target, and so does the bench.
            const exempt = pr?.prometheus?.resolvedTargetExempt;
            if (promR !== undefined && exempt === undefined && promR > NOTIFY_TARGETS.resolved)
                misses.push(`${a.alert} Prometheus resolved ${promR}s > ${NOTIFY_TARGETS.resolved}s`);
            if (cwN !== undefined && cwN > cwTarget) misses.push(`${a.alert} CloudWatch notify ${cwN}s > ${cwTarget}s`);
            rows.push([
                r.id,
                a.alert,
                `${a.severity}→${a.route ?? "?"}`,
                s(a.firingSeconds),
                s(a.resolvedSeconds),
                a.severity === "critical" ? `${s(a.pagerdutyTriggerSeconds)}/${s(a.pagerdutyResolveSeconds)}` : "no page",
                judged(promN, promTarget),
                exempt !== undefined ? `${s(promR)} (exempt)` : judged(promR, NOTIFY_TARGETS.resolved),
                judged(cwN, cwTarget),
                s(pr?.cloudwatch?.resolvedSeconds),
            ]);
        }
    }
    const problems = results.flatMap((r) => r.problems.map((p) => `${r.id}: ${p}`));
    const notes = results.flatMap((r) => [
        ...r.notes.map((n) => `${r.id}: ${n}`),
        ...(r.sideAlerts.length > 0 ? [`${r.id}: also notified ${r.sideAlerts.join(", ")}`] : []),
        ...(r.suppressed ?? []).map(
            (x) =>
                `${r.id}: ${x.alert} held by Alertmanager (inhibited by ${x.inhibitedBy.join(", ") || "—"}) ${x.inhibitedSeconds ?? "—"} s after the fault, never posted while its cause fired`,
        ),
    ]);
    return [
        "Alert timings — measured on 127.0.0.1 (test profile) vs computed worst case at production settings",
        table(
            [
                "scenario",
                "alert",
                "severity→route",
                "test fault→Slack s",
                "test heal→resolved s",
                "PagerDuty trig/res s",
                "prod Prom notify s",
                "prod Prom resolved s",
                "prod CW notify s",
                "prod CW resolved s",
            ],
            rows,
        ),
        "",
        `Targets (production worst case): critical ≤ ${NOTIFY_TARGETS.prometheus.critical}s Prometheus / ≤ ${NOTIFY_TARGETS.cloudwatch.critical}s CloudWatch, warning ≤ ${NOTIFY_TARGETS.prometheus.warning}s, resolved ≤ ${NOTIFY_TARGETS.resolved}s (Prometheus path; event counts exempt: they clear after their window). ${misses.length === 0 ? "All met." : `Missed: ${misses.join("; ")}.`}`,
        "",
        `Steady run: ${steady.seconds}s of normal load after Prometheus's first scrape round (${steady.firstScrapeRoundSeconds}s after its start).`,
        `  false positives: ${steady.falsePositives.length}${steady.falsePositives.length > 0 ? ` (${steady.falsePositives.join(", ")})` : ""}`,
        `  Prometheus start-up artefacts (absent-series alerts before the first scrape round): ${steady.startupArtefacts.length}${steady.startupArtefacts.length > 0 ? ` (${steady.startupArtefacts.join(", ")})` : ""}`,
        `  host-load alerts (condition held for the whole 'for', not caused by the pipeline): ${steady.hostLoadAlerts.length}${steady.hostLoadAlerts.length > 0 ? ` (${steady.hostLoadAlerts.join(", ")})` : ""}`,
        `  pending at some point: ${steady.pending.join(", ") || "none"}; host CPU mean ${steady.hostCpu.mean}% max ${steady.hostCpu.max}%; pipeline's own CPU ${steady.pipelineCpuPercent}% of the host`,
        `  Watchdog heartbeats: ${steady.heartbeats}, first ${s(steady.firstHeartbeatSeconds)}s after Prometheus started, longest gap ${steady.maxHeartbeatGapSeconds}s; leaked to Slack/PagerDuty: ${steady.watchdogLeaks}`,
        "",
        problems.length === 0 ? "Scenario problems: none." : `Scenario problems:\n  ${problems.join("\n  ")}`,
        notes.length === 0 ? "" : `Notes:\n  ${notes.join("\n  ")}`,
        "",
        `Total run: ${totalSeconds.toFixed(0)}s`,
    ].join("\n");
}

/** The pipeline's own parts killed: test-profile measurements and what they imply at production settings. */
function partsReport(parts: readonly PartOutageResult[]): string {
    const s = (x: number | undefined) => (x === undefined ? "—" : String(x));
    const lines = ["", "Pipeline parts killed (test profile; in AWS the CloudWatch watchers turn the silence into an alarm):"];
    for (const r of parts) {
        lines.push(
            `  ${r.title}: heartbeat silent ${r.silenceSeconds}s, back ${s(r.heartbeatBackSeconds)}s after the restart` +
                (r.id === "alertmanager-killed"
                    ? `; RedisDown (fired meanwhile) at Slack ${s(r.deliveredAfterRestartSeconds)}s and PagerDuty ${s(r.pagedAfterRestartSeconds)}s after the restart, RESOLVED ${s(r.resolvedSeconds)}s after the heal`
                    : "") +
                (r.problems.length > 0 ? ` — problems: ${r.problems.join("; ")}` : ""),
        );
    }
    lines.push(
        `  production: Alertmanager keeps a dead Prometheus's Watchdog ${watchdogAfterPrometheusDiesSeconds("production")}s (4 × resend delay + one heartbeat tick), then the heartbeat alarm needs 3 missing minutes`,
    );
    return lines.join("\n");
}

// ── prod topology (issue 15) ─────────────────────────────────────────────────────────────────

/** Resend delay of the prod-topology runs (as e2e/test/ha.test.ts: alerts live 20 s at Alertmanager). */
const HA_RESEND_DELAY_SECONDS = HA_TIMINGS.resendDelaySeconds;

/** Result ids of HA_SCENARIOS, in order (for a scenario that threw). */
const HA_IDS: readonly HaResult["id"][] = ["prometheus-killed", "alertmanager-killed", "alertmanagers-rolled", "alertmanagers-partitioned"];

function haReport(runs: readonly { peerTimeout: string; results: readonly HaResult[] }[], groupIntervalSeconds?: number): string {
    const c = (x: { firing: number; resolved: number; duplicates: number }) => `${x.firing}/${x.resolved}${x.duplicates > 0 ? ` (${x.duplicates} dup)` : ""}`;
    const row = (r: HaResult, d: DeliveryCount, phase: string, peerTimeout: string): string[] => [
        peerTimeout,
        r.id,
        `${d.alert}${phase}`,
        c(d.webhook) + (d.webhook.refused > 0 ? ` +${d.webhook.refused} refused` : ""),
        c(d.webhookPagerDuty) + (d.webhookPagerDuty.refused > 0 ? ` +${d.webhookPagerDuty.refused} refused` : ""),
        String(Math.max(d.webhook.senders, d.webhookPagerDuty.senders)),
        c(d.slack),
        `${c(d.pagerduty)}, ${d.pagerduty.incidents} incident(s)`,
        String(d.dropped.repeat),
        String(d.dropped.stale),
        d.lost.length === 0 ? "0" : String(d.lost.length),
    ];
    const rows = runs.flatMap(({ peerTimeout, results }) =>
        results.flatMap((r) =>
            r.counts.map((d, i) => row(r, d, r.id === "alertmanagers-partitioned" ? (i === 0 ? " (while split)" : " (after)") : "", peerTimeout)),
        ),
    );
    const lines = [
        "",
        `Prod topology — 3 Alertmanagers clustered (gossip on a network lab), 2 Prometheus; test profile, resend delay ${HA_RESEND_DELAY_SECONDS} s, group_interval ${groupIntervalSeconds ?? HA_TIMINGS.groupIntervalSeconds} s, group_wait ${HA_TIMINGS.groupWaitSeconds} s. Deliveries FIRING/RESOLVED per alert:`,
        table(
            [
                "peer timeout",
                "scenario",
                "alert",
                "sent by Alertmanager (Slack webhook)",
                "sent by Alertmanager (PagerDuty webhook)",
                "senders",
                "at Slack",
                "at PagerDuty (events)",
                "dropped as repeat",
                "dropped as stale",
                "lost",
            ],
            rows,
        ),
    ];
    for (const { peerTimeout, results } of runs) {
        for (const r of results) {
            lines.push(
                `  [${peerTimeout}] ${r.id}: ${Object.entries(r.figures)
                    .map(([k, v]) => `${k} ${v ?? "—"}`)
                    .join(", ")}${r.problems.length > 0 ? ` — problems: ${r.problems.join("; ")}` : ""}`,
            );
            for (const n of r.notes) lines.push(`      note: ${n}`);
            const side = r.side.filter((d) => d.webhook.duplicates + d.slack.duplicates + d.pagerduty.duplicates > 0);
            if (side.length > 0)
                lines.push(
                    `      side alerts with duplicates: ${side.map((d) => `${d.alert} webhook ${d.webhook.duplicates}, Slack ${d.slack.duplicates}, PagerDuty ${d.pagerduty.duplicates}`).join("; ")}`,
                );
        }
    }
    return lines.join("\n");
}

async function runHa(peerTimeout: string, log: (l: string) => void, groupIntervalSeconds?: number): Promise<HaResult[]> {
    const p = await Pipeline.start({
        topology: {
            alertmanagers: 3,
            prometheus: 2,
            peerTimeout,
            ...HA_TIMINGS,
            resendDelaySeconds: HA_RESEND_DELAY_SECONDS,
            ...(groupIntervalSeconds !== undefined ? { groupIntervalSeconds } : {}),
        },
        log,
    });
    const load = new LoadGenerator(p.web.url, p.sessionToken);
    const results: HaResult[] = [];
    try {
        load.start();
        await waitForCluster(p);
        await p.waitForHeartbeat(60_000);
        for (const run of HA_SCENARIOS) {
            log(`prod topology (peer timeout ${peerTimeout}): ${run.name}`);
            // A scenario that throws is a result with that problem: the others still run and print.
            results.push(
                await run({ pipeline: p, load }).catch(
                    (err: unknown): HaResult => ({
                        id: HA_IDS[HA_SCENARIOS.indexOf(run)] ?? "prometheus-killed",
                        title: run.name,
                        counts: [],
                        side: [],
                        figures: {},
                        notes: [],
                        problems: [`threw: ${err instanceof Error ? err.message : String(err)}`],
                    }),
                ),
            );
        }
    } finally {
        await load.stop();
        await p.stop();
    }
    return results;
}

async function main(): Promise<void> {
    const { values } = parseCommand(COMMAND);
    const steadySeconds = Number(values.steady ?? 150);
    if (!Number.isInteger(steadySeconds) || steadySeconds < 10)
        throw new UsageError(`--steady must be a whole number of seconds ≥ 10, got ${JSON.stringify(values.steady)}`);
    const peerTimeouts = (values["peer-timeouts"] ?? ALERTMANAGER_PEER_TIMEOUT.test).split(",").map((x) => x.trim());
    for (const pt of peerTimeouts)
        if (!PROM_DURATION.test(pt)) throw new UsageError(`--peer-timeouts takes durations such as 500ms,2s; got ${JSON.stringify(pt)}`);
    const groupInterval = values["group-interval"] === undefined ? undefined : Number(values["group-interval"]);
    if (groupInterval !== undefined && (!Number.isInteger(groupInterval) || groupInterval < 1 || groupInterval > 300))
        throw new UsageError(`--group-interval must be whole seconds 1..300, got ${JSON.stringify(values["group-interval"])}`);
    const t0 = Date.now();
    const log = (l: string) => console.error(`[bench] ${l}`);
    if (values["ha-only"]) {
        const runs: { peerTimeout: string; results: HaResult[] }[] = [];
        for (const pt of peerTimeouts) runs.push({ peerTimeout: pt, results: await runHa(pt, log, groupInterval) });
        console.log(haReport(runs, groupInterval));
        console.log(`\nTotal run: ${((Date.now() - t0) / 1000).toFixed(0)}s`);
        if (values.json !== undefined) fs.writeFileSync(values.json, `${JSON.stringify({ ha: runs }, null, 2)}\n`);
        process.exitCode = runs.some((r) => r.results.some((x) => x.problems.length > 0)) ? 1 : 0;
        return;
    }
    const p = await Pipeline.start({ log });
    const load = new LoadGenerator(p.web.url, p.sessionToken);
    let out: { steady: SteadyResult; scenarios: ScenarioResult[]; parts: PartOutageResult[]; panels: { total: number; failed: string[] } } | undefined;
    try {
        load.start();
        log(`steady run: ${steadySeconds}s`);
        const steady = await runSteady({ pipeline: p, load }, steadySeconds);
        const scenarios: ScenarioResult[] = [];
        for (const sc of SCENARIOS) {
            log(`scenario ${sc.id}`);
            scenarios.push(await runScenario({ pipeline: p, load }, sc));
        }
        const parts: PartOutageResult[] = [];
        for (const run of [runPrometheusKilled, runAlertmanagerKilled]) {
            log(`pipeline part outage ${run.name}`);
            parts.push(await run({ pipeline: p, load }));
        }
        const panels = await checkPanelQueries(p);
        const failed = panels
            .filter((c) => c.outcome !== "data" && c.outcome !== "documented")
            .map((c) => `${c.query.dashboard} / ${c.query.panel}: ${c.outcome}`);
        out = { steady, scenarios, parts, panels: { total: panels.length, failed } };
    } finally {
        await load.stop();
        await p.stop();
    }
    const haRuns: { peerTimeout: string; results: HaResult[] }[] = [];
    for (const pt of peerTimeouts) haRuns.push({ peerTimeout: pt, results: await runHa(pt, log, groupInterval) });
    const total = (Date.now() - t0) / 1000;
    console.log(report(out.steady, out.scenarios, total));
    console.log(partsReport(out.parts));
    console.log(
        `Dashboard panel queries: ${out.panels.total - out.panels.failed.length}/${out.panels.total} return data or use documented cAdvisor metrics${out.panels.failed.length > 0 ? `; failing: ${out.panels.failed.join("; ")}` : ""}`,
    );
    console.log(haReport(haRuns, groupInterval));
    const json = values.json;
    if (json !== undefined) fs.writeFileSync(json, `${JSON.stringify({ ...out, ha: haRuns, totalSeconds: total }, null, 2)}\n`);
    const failedAny =
        out.steady.falsePositives.length > 0 ||
        out.scenarios.some((r) => r.problems.length > 0) ||
        out.parts.some((r) => r.problems.length > 0) ||
        out.panels.failed.length > 0 ||
        haRuns.some((r) => r.results.some((x) => x.problems.length > 0));
    process.exitCode = failedAny ? 1 : 0;
}

runCommand(COMMAND.usage, main);
