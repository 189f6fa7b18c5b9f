/**
 * Fault scenarios and the steady run, shared by the e2e tests (which assert on the results) and the
 * benchmark (which prints them). Each scenario injects a real fault, waits for the alert at the fake
 * Slack (and PagerDuty for critical alerts), heals, and waits for the resolved message, measuring
 * seconds from the fault (in effect) and from the heal (complete).
 *
 * Deadlines are derived from the timing profile: the computed worst case of the alert on the
 * Prometheus path (components/alerting/time-to-notify.ts) × 3 + 30 s, generous for 2 shared cores.
 */
import * as fs from "node:fs";
import * as os from "node:os";

import { ALERTMANAGER_TIMINGS } from "../components/alerting/alertmanager/config";
import { parsePromDuration, resolveAlerts, type AlertId, type ResolvedAlert, type TimingProfile } from "../components/alerting/catalog";
import { prometheusPathSeconds } from "../components/alerting/time-to-notify";
import { PG_MAX_CONNECTIONS, type PgClient, type Pipeline } from "./pipeline";
import { FakePagerDuty, parseSlackNotice, sleep } from "./services";
import { ISSUE_13_SCENARIOS, waitForInhibited } from "./scenarios-issue13";

/** The catalog resolved in a profile, by id. */
export function alertsOf(profile: TimingProfile): ReadonlyMap<AlertId, ResolvedAlert> {
    return new Map(resolveAlerts({ profile }).map((a) => [a.id, a]));
}

/** Deadlines (seconds) for one alert in a profile: 3 × computed worst case + 30 s. */
export function deadlines(alert: ResolvedAlert): { readonly notify: number; readonly resolved: number } {
    const worst = prometheusPathSeconds(alert);
    if (worst === undefined) throw new Error(`${alert.id} has no Prometheus rule`);
    return { notify: 3 * worst.notifySeconds + 30, resolved: 3 * worst.resolvedSeconds + 30 };
}

import type { AlertTiming, Scenario, ScenarioContext, ScenarioResult, SuppressedObservation } from "./scenario-types";

export type { AlertTiming, Scenario, ScenarioContext, ScenarioResult } from "./scenario-types";

const HOST_LEVEL_ALERTS: readonly string[] = ["HighCpuUsage"];

/**
 * Wait (bounded) until Prometheus holds no pending or firing alert other than the Watchdog and
 * host-level alerts the pipeline does not control. Returns the seconds waited and what was still active.
 */
export async function waitForQuiet(p: Pipeline, timeoutMs = 90_000): Promise<{ seconds: number; active: string[] }> {
    const t0 = Date.now();
    let active: string[] = [];
    while (Date.now() - t0 < timeoutMs) {
        active = (await p.activeAlerts()).map((a) => a.alertname).filter((n) => !HOST_LEVEL_ALERTS.includes(n));
        if (active.length === 0) break;
        await sleep(500);
    }
    return { seconds: (Date.now() - t0) / 1000, active: [...new Set(active)] };
}

const secondsSince = (t: number, at: number | undefined) => (at === undefined ? undefined : Math.round((at - t) / 100) / 10);

/** Run one scenario: quiet → inject → firing (Slack, PagerDuty) → heal → resolved. */
export async function runScenario(ctx: ScenarioContext, sc: Scenario): Promise<ScenarioResult> {
    const p = ctx.pipeline;
    const catalog = alertsOf(p.profile);
    const problems: string[] = [];
    const quiet = await waitForQuiet(p);
    if (quiet.active.length > 0) problems.push(`alerts still active before the fault: ${quiet.active.join(", ")}`);

    const expected = [sc.expect, ...(sc.also ?? [])];
    const specs = expected.map((e) => {
        const a = catalog.get(e.alert);
        if (a === undefined || a.severity === "none") throw new Error(`${e.alert} is not a routed alert`);
        return { e, a, d: deadlines(a) };
    });

    const started = Date.now();
    await sc.inject(ctx);
    const faultAt = Date.now();
    const extra = (sc.extraNotifySeconds ?? 0) * 1000;

    const firing = await Promise.all(
        specs.map(async ({ e, a, d }) => {
            const notice = await p.slack.waitForNotice(e.alert, "FIRING", { since: started, timeoutMs: d.notify * 1000 + extra });
            const pd =
                a.severity === "critical"
                    ? await p.pagerduty.waitForEvent(e.alert, "trigger", { since: started, timeoutMs: d.notify * 1000 + extra })
                    : undefined;
            if (notice === undefined) problems.push(`${e.alert}: no FIRING message at Slack within ${d.notify + extra / 1000} s`);
            else {
                if (notice.severity !== a.severity) problems.push(`${e.alert}: Slack message severity ${notice.severity}, expected ${a.severity}`);
                if (notice.receiver !== a.severity) problems.push(`${e.alert}: routed to receiver ${notice.receiver}, expected ${a.severity}`);
                for (const m of e.mentions ?? []) if (!notice.raw.includes(m)) problems.push(`${e.alert}: Slack message does not mention ${m}`);
            }
            if (a.severity === "critical" && pd === undefined) problems.push(`${e.alert}: no PagerDuty trigger within ${d.notify + extra / 1000} s`);
            return { notice, pd };
        }),
    );

    const suppressed = await observeSuppressed(p, sc.suppressed ?? [], faultAt, started, problems);

    const healStarted = Date.now();
    const healedAt = (await sc.heal(ctx)) ?? Date.now();

    const resolved = await Promise.all(
        specs.map(async ({ e, a, d }) => {
            const notice = await p.slack.waitForNotice(e.alert, "RESOLVED", { since: healStarted, timeoutMs: d.resolved * 1000 });
            const pd =
                a.severity === "critical"
                    ? await p.pagerduty.waitForEvent(e.alert, "resolve", { since: healStarted, timeoutMs: d.resolved * 1000 })
                    : undefined;
            if (notice === undefined) problems.push(`${e.alert}: no RESOLVED message at Slack within ${d.resolved} s`);
            if (a.severity === "critical" && pd === undefined) problems.push(`${e.alert}: no PagerDuty resolve within ${d.resolved} s`);
            return { notice, pd };
        }),
    );

    // Warnings never page.
    const paged = p.pagerduty.all.filter((r) => r.at >= started).map((r) => FakePagerDuty.alertname(r.body));
    for (const { e, a } of specs) {
        if (a.severity === "warning" && paged.includes(e.alert)) problems.push(`${e.alert} is a warning but reached PagerDuty`);
    }

    const timings = specs.map(({ e, a, d }, i): AlertTiming => {
        const f = firing[i] as (typeof firing)[number];
        const r = resolved[i] as (typeof resolved)[number];
        return {
            alert: e.alert,
            severity: a.severity,
            route: f.notice?.receiver,
            firingSeconds: secondsSince(faultAt, f.notice?.at),
            resolvedSeconds: secondsSince(healedAt, r.notice?.at),
            ...(a.severity === "critical"
                ? { pagerdutyTriggerSeconds: secondsSince(faultAt, f.pd?.at), pagerdutyResolveSeconds: secondsSince(healedAt, r.pd?.at) }
                : {}),
            deadlines: d,
        };
    });
    const names = new Set(expected.map((e) => e.alert as string));
    const sideAlerts = [
        ...new Set(
            p.slack
                .notices(started)
                .filter((n) => n.state === "FIRING" && !names.has(n.alertname))
                .map((n) => n.alertname),
        ),
    ];
    const refusedSlackRequests = p.slack.all.filter((r) => r.at >= started && r.status >= 300).length;
    const result: ScenarioResult = {
        id: sc.id,
        title: sc.title,
        primary: timings[0] as AlertTiming,
        also: timings.slice(1),
        sideAlerts,
        refusedSlackRequests,
        quietWaitSeconds: quiet.seconds,
        problems,
        notes: [],
        ...(suppressed.length > 0 ? { suppressed } : {}),
    };
    const own = await sc.verify?.(ctx, result);
    return { ...result, problems: [...problems, ...(own?.problems ?? [])], notes: own?.notes ?? [] };
}

/**
 * For each alert Alertmanager must inhibit: wait (bounded) until Prometheus fires it and Alertmanager
 * holds it suppressed with an inhibiting alert named, then check nothing of it reached Slack or
 * PagerDuty since the scenario started.
 */
async function observeSuppressed(p: Pipeline, ids: readonly AlertId[], faultAt: number, started: number, problems: string[]): Promise<SuppressedObservation[]> {
    const out: SuppressedObservation[] = [];
    for (const alert of ids) {
        const seen = await waitForInhibited(p, alert, 60_000);
        if (seen === undefined) problems.push(`${alert}: not held as inhibited by Alertmanager within 60 s (did it fire in Prometheus?)`);
        out.push({ alert, inhibitedSeconds: seen === undefined ? undefined : secondsSince(faultAt, seen.at), inhibitedBy: seen?.by ?? [] });
        if (p.slack.notices(started).some((n) => n.alertname === alert && n.state === "FIRING"))
            problems.push(`${alert} reached Slack while the alert inhibiting it fired`);
        if (p.pagerduty.all.some((r) => r.at >= started && FakePagerDuty.alertname(r.body) === alert))
            problems.push(`${alert} reached PagerDuty while the alert inhibiting it fired`);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// The scenarios
// ---------------------------------------------------------------------------------------------

/** Connections held open by the "connections exhausted" scenario. */
const held: PgClient[] = [];

/** Where the disk scenario writes on the instance: a container log under Docker's data root. */
const RUNAWAY_LOG = "/var/lib/docker/containers/runaway.log";

/** DiskSpaceLow's threshold (percent free) in a profile. */
export function diskThresholdPercent(profile: TimingProfile): number {
    const t = alertsOf(profile).get("DiskSpaceLow")?.threshold;
    if (typeof t !== "number") throw new Error("DiskSpaceLow has no numeric threshold");
    return t;
}

/** Slack's outage in the "Slack failing" scenario. */
const SLACK_OUTAGE_SECONDS = 20;

export const SCENARIOS: readonly Scenario[] = [
    {
        id: "redis-stopped",
        title: "Redis stopped",
        faultRow: "F8",
        expect: { alert: "RedisDown" },
        inject: async ({ pipeline }) => pipeline.redis.stop(),
        heal: async ({ pipeline, load }) => {
            await pipeline.redis.start();
            const healedAt = Date.now();
            // A restarted Redis has lost the sessions: sign the load's user in again.
            load.setToken(await pipeline.signIn());
            return healedAt;
        },
    },
    {
        id: "postgres-stopped",
        title: "PostgreSQL stopped",
        faultRow: "F8",
        expect: { alert: "PostgresDown" },
        inject: async ({ pipeline }) => pipeline.pg.stop(),
        heal: async ({ pipeline }) => pipeline.pg.start(),
    },
    {
        id: "postgres-connections",
        title: "PostgreSQL connections exhausted",
        expect: { alert: "PostgresConnectionsNearExhaustion" },
        inject: async ({ pipeline }) => {
            // Hold connections until more than 80% of max_connections are in use (the app and the
            // exporter hold a few more); superuser slots keep the app's own connections possible.
            const target = Math.ceil(PG_MAX_CONNECTIONS * 0.85);
            for (let i = 0; i < target; i++) held.push(await pipeline.pgClient(`e2e-hold-${i}`));
        },
        heal: async () => {
            await Promise.all(held.splice(0).map((c) => c.end().catch(() => undefined)));
        },
    },
    {
        id: "http-5xx",
        title: "5xx rate above 5% under load",
        expect: { alert: "HighErrorRate" },
        // One request in four answers 500: 25% of the traffic.
        inject: async ({ load }) => load.setMix({ faultPath: "/api/faults/status/500", faultEvery: 4 }),
        heal: async ({ load }) => load.setMix({}),
    },
    {
        id: "latency",
        title: "Latency above 2 s on an endpoint",
        expect: { alert: "HighResponseTime" },
        // One request in ten takes 3 s: p99 well above 2 s.
        inject: async ({ load }) => load.setMix({ faultPath: "/api/faults/latency/3000", faultEvery: 10 }),
        heal: async ({ load }) => load.setMix({}),
    },
    {
        id: "cache-miss",
        title: "Cache miss rate above 50%",
        expect: { alert: "CacheMissRateHigh" },
        inject: async ({ load }) => load.setMix({ coldItems: true }),
        heal: async ({ load }) => load.setMix({}),
    },
    {
        id: "web-killed",
        title: "Web server killed (target down; TargetDown inhibited)",
        faultRow: "F10",
        expect: { alert: "KoronetDown" },
        // TargetDown{job="koronet"} fires too, and is inhibited: KoronetDown explains it.
        suppressed: ["TargetDown"],
        inject: async ({ pipeline }) => pipeline.web.crash(),
        heal: async ({ pipeline }) => pipeline.web.start(),
    },
    {
        id: "disk-full",
        title: "Instance root volume filled past the threshold, seen by node_exporter as ECS runs it (pidMode host)",
        expect: { alert: "DiskSpaceLow", mentions: ["mountpoint=/", "fstype=ext4"] },
        // Half the threshold left: a runaway container log on the volume that holds /var/lib/docker.
        inject: async ({ pipeline }) => void (await pipeline.ecsHost.fillTo(diskThresholdPercent(pipeline.profile) / 2, RUNAWAY_LOG)),
        heal: async ({ pipeline }) => pipeline.ecsHost.remove(RUNAWAY_LOG),
        verify: async ({ pipeline }) => {
            const free = pipeline.ecsHost.rootVolume();
            const percent = (100 * free.availBytes) / free.sizeBytes;
            return {
                problems: percent > diskThresholdPercent(pipeline.profile) ? [] : [`the volume still has only ${percent.toFixed(1)} % free after the heal`],
                notes: [],
            };
        },
    },
    {
        id: "slack-failing",
        title: `Slack answering 500 for ${SLACK_OUTAGE_SECONDS} s (Redis stopped meanwhile)`,
        faultRow: "F1",
        expect: { alert: "RedisDown" },
        extraNotifySeconds: SLACK_OUTAGE_SECONDS,
        inject: async ({ pipeline }) => {
            pipeline.slack.failFor(500, SLACK_OUTAGE_SECONDS * 1000);
            await pipeline.redis.stop();
        },
        heal: async ({ pipeline, load }) => {
            await pipeline.redis.start();
            const healedAt = Date.now();
            load.setToken(await pipeline.signIn());
            return healedAt;
        },
        verify: async ({ pipeline }, r) => {
            const problems: string[] = [];
            const notes: string[] = [];
            if (r.refusedSlackRequests === 0) problems.push("Slack refused nothing: the outage did not overlap a delivery");
            if (r.primary.firingSeconds !== undefined && r.primary.firingSeconds < SLACK_OUTAGE_SECONDS - 1) {
                problems.push(`RedisDown reached Slack ${r.primary.firingSeconds} s after the fault, during the outage`);
            }
            // Nothing lost: every alert whose message Slack refused reaches Slack after it recovers,
            // unless it stopped firing before a retry could succeed — Alertmanager sends nothing for
            // a group it never notified once all its alerts resolved (PagerDuty still got it if
            // critical). That case is a note, not a failure, if the alert ended within the retry
            // allowance: the notifier's delivery budget (25 s) + one group interval.
            const refused = pipeline.slack.all.filter((x) => x.status >= 300);
            const recoveredAt = Math.max(...refused.map((x) => x.at), 0);
            const allowanceMs = (25 + pipeline.timings.groupIntervalSeconds + 5) * 1000;
            const refusedNames = [...new Set(refused.map((x) => parseSlackNotice(x.body)?.alertname).filter((n): n is string => n !== undefined))];
            const undelivered = () => refusedNames.filter((name) => !pipeline.slack.notices(recoveredAt + 1).some((a) => a.alertname === name));
            // Let retries in flight finish before judging (bounded by the allowance).
            while (undelivered().length > 0 && Date.now() < recoveredAt + allowanceMs) await sleep(500);
            for (const name of undelivered()) {
                const series = await pipeline.prometheus.api<{ result: Array<{ values: [number, string][] }> }>("/api/v1/query_range", {
                    query: `ALERTS{alertname="${name}",alertstate="firing"}`,
                    start: String(recoveredAt / 1000 - SLACK_OUTAGE_SECONDS),
                    end: String(Date.now() / 1000),
                    step: "1",
                });
                const lastFiring = Math.max(0, ...series.result.flatMap((r) => r.values.map((v) => v[0] * 1000)));
                const after = Math.round((lastFiring - recoveredAt) / 100) / 10;
                if (lastFiring > recoveredAt + allowanceMs)
                    problems.push(`${name}: refused by Slack, still firing ${after} s after Slack recovered, never delivered`);
                else
                    notes.push(
                        `${name} stopped firing ${after} s after Slack recovered, before a retry succeeded: never posted to Slack (Alertmanager sends nothing for a group it never notified)`,
                    );
            }
            return { problems, notes };
        },
    },
    // Issue 13: a crash loop, a failure class the app now counts, inhibition both ways, slow queries.
    ...ISSUE_13_SCENARIOS,
];

// ---------------------------------------------------------------------------------------------
// Steady run
// ---------------------------------------------------------------------------------------------

export interface SteadyResult {
    /** Length of the judged window, seconds (from Prometheus's first complete scrape round). */
    readonly seconds: number;
    /** Seconds from Prometheus's start to its first complete scrape round (not judged, see startupArtefacts). */
    readonly firstScrapeRoundSeconds: number;
    /** Non-Watchdog alerts notified (Slack or PagerDuty) from Prometheus's start to the end of the window. */
    readonly notified: readonly string[];
    /**
     * Of those, absent-series alerts (`… or on() vector(0)`) that fired only before Prometheus's first
     * scrape round: rules are evaluated from its start, targets are applied on a 5 s tick, and the
     * test profile's `for` (2 s) is shorter than that. Reported, not counted (see docs/e2e.md).
     */
    readonly startupArtefacts: readonly string[];
    /** Of those, alerts whose condition verifiably held the whole `for` while the pipeline alone could not cause it (host CPU saturated by other processes). */
    readonly hostLoadAlerts: readonly string[];
    /** False positives: every other notified alert. */
    readonly falsePositives: readonly string[];
    /** Alerts that were pending at some point in the window (never notified unless listed above). */
    readonly pending: readonly string[];
    /** Host CPU (node_exporter) over the window: mean and max of the rate, percent. */
    readonly hostCpu: { readonly mean: number; readonly max: number };
    /** CPU of the pipeline's processes (with their children) and this test process, percent of the host. */
    readonly pipelineCpuPercent: number;
    readonly heartbeats: number;
    /** Seconds from Prometheus's start to the first heartbeat. */
    readonly firstHeartbeatSeconds: number | undefined;
    /** Longest gap between heartbeats after the first, seconds. */
    readonly maxHeartbeatGapSeconds: number;
    /** Watchdog messages that reached Slack or PagerDuty (must be 0). */
    readonly watchdogLeaks: number;
}

interface ProcStat {
    readonly ppid: number;
    /** utime + stime, clock ticks. */
    readonly ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        // After the command: state, ppid (field 4), …, utime (14), stime (15).
        return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
    } catch {
        return undefined;
    }
}

/** CPU ticks of the pipeline's processes and their children (PostgreSQL backends), plus this process. */
function pipelineTicks(p: Pipeline): number {
    const roots = new Set(
        [p.pg.pid, p.redis.pid, p.web.pid, p.postgresExporter.pid, p.redisExporter.pid, p.nodeExporter.pid, p.alertmanager.pid, p.prometheus.pid].filter(
            (x): x is number => x !== undefined,
        ),
    );
    let ticks = 0;
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        const pid = Number(entry);
        const st = readStat(pid);
        if (st !== undefined && (roots.has(pid) || roots.has(st.ppid))) ticks += st.ticks;
    }
    const own = process.cpuUsage();
    return ticks + ((own.user + own.system) / 1e6) * 100;
}

/** Heartbeat summary from `since`. */
export function heartbeatSummary(p: Pipeline, since: number): { count: number; first: number | undefined; maxGap: number } {
    const beats = p.heartbeats.filter((t) => t >= since);
    let maxGap = 0;
    for (let i = 1; i < beats.length; i++) maxGap = Math.max(maxGap, ((beats[i] as number) - (beats[i - 1] as number)) / 1000);
    return { count: beats.length, first: beats[0], maxGap };
}

/** Alerts whose Prometheus expression alarms on absent series (`or on() vector(0)`). */
function absentSeriesAlerts(profile: TimingProfile): Set<string> {
    return new Set([...alertsOf(profile).values()].filter((a) => a.prometheus?.expr.includes("vector(0)")).map((a) => a.id));
}

/**
 * The steady run: normal load from Prometheus's start (start-up CPU noise included) until
 * `seconds` after its first complete scrape round, then judge what was notified.
 */
export async function runSteady(ctx: ScenarioContext, seconds: number): Promise<SteadyResult> {
    const p = ctx.pipeline;
    const promStart = p.startedAt;
    const ticks0 = pipelineTicks(p);
    const t0 = Date.now();
    const windowStart = await p.waitForFirstScrapes();
    const end = windowStart + seconds * 1000;
    while (Date.now() < end) await sleep(Math.min(1_000, end - Date.now()));
    const used = pipelineTicks(p) - ticks0;
    const pipelineCpuPercent = Math.round((used / 100 / ((Date.now() - t0) / 1000) / os.cpus().length) * 1000) / 10;

    const notices = p.slack.notices(promStart).filter((n) => n.at <= end && n.state === "FIRING" && n.alertname !== "Watchdog");
    const paged = p.pagerduty.all.filter((r) => r.at >= promStart && r.at <= end).map((r) => FakePagerDuty.alertname(r.body) ?? "?");
    const notified = [...new Set([...notices.map((n) => n.alertname), ...paged.filter((n) => n !== "Watchdog")])];

    const range = `${Math.max(1, Math.round((end - windowStart) / 1000))}s`;
    const atEnd = new Date(end);
    const firingInWindow = new Set(
        (await p.prometheus.query(`max_over_time(ALERTS{alertname!="Watchdog",alertstate="firing"}[${range}])`, atEnd)).map(
            (x) => x.metric["alertname"] ?? "?",
        ),
    );
    const absent = absentSeriesAlerts(p.profile);
    const startupArtefacts = notified.filter((n) => absent.has(n) && !firingInWindow.has(n));

    const catalog = alertsOf(p.profile);
    const cpu = catalog.get("HighCpuUsage");
    const cpuSeries = `koronet:node_cpu_used:percent_rate${cpu?.prometheus?.window ?? "10s"}`;
    const hostLoadAlerts: string[] = [];
    if (notified.includes("HighCpuUsage") && cpu?.prometheus !== undefined && pipelineCpuPercent < (cpu.threshold as number)) {
        const firstAt = notices.find((n) => n.alertname === "HighCpuUsage")?.at ?? end;
        const minOverFor = await p.prometheus.query(`min_over_time(${cpuSeries}[${cpu.prometheus.for}])`, new Date(firstAt));
        if (minOverFor.length > 0 && minOverFor.every((x) => x.value > (cpu.threshold as number))) hostLoadAlerts.push("HighCpuUsage");
    }
    const pendingSeries = await p.prometheus.query(`max_over_time(ALERTS{alertname!="Watchdog"}[${range}])`, atEnd);
    const cpuMean = await p.prometheus.query(`avg_over_time(${cpuSeries}[${range}])`, atEnd);
    const cpuMax = await p.prometheus.query(`max_over_time(${cpuSeries}[${range}])`, atEnd);
    const hb = heartbeatSummary(p, promStart);
    const round = (x: number | undefined) => Math.round((x ?? NaN) * 10) / 10;
    return {
        seconds,
        firstScrapeRoundSeconds: round((windowStart - promStart) / 1000),
        notified,
        startupArtefacts,
        hostLoadAlerts,
        falsePositives: notified.filter((n) => !hostLoadAlerts.includes(n) && !startupArtefacts.includes(n)),
        pending: [...new Set(pendingSeries.map((x) => x.metric["alertname"] ?? "?"))],
        hostCpu: { mean: round(cpuMean[0]?.value), max: round(cpuMax[0]?.value) },
        pipelineCpuPercent,
        heartbeats: hb.count,
        firstHeartbeatSeconds: hb.first === undefined ? undefined : round((hb.first - promStart) / 1000),
        maxHeartbeatGapSeconds: round(hb.maxGap),
        watchdogLeaks:
            p.slack.notices().filter((n) => n.alertname === "Watchdog").length +
            p.pagerduty.all.filter((r) => FakePagerDuty.alertname(r.body) === "Watchdog").length,
    };
}

/** Longest acceptable gap between two heartbeats: 3 × (repeat_interval + group_interval) of the Watchdog route. */
export function heartbeatGapBoundSeconds(profile: TimingProfile): number {
    const t = ALERTMANAGER_TIMINGS[profile];
    return 3 * (parsePromDuration(t.heartbeatRepeatInterval) + parsePromDuration(t.heartbeatGroupInterval));
}
