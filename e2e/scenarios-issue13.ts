/**
 * The end-to-end scenarios of issue 13, run by the e2e suite and `npm run bench:alerts` with the
 * others (scenarios.ts spreads them into SCENARIOS):
 *
 * - a crash-looping web server: killed and restarted until Prometheus counts more restarts than the
 *   threshold (process_start_time_seconds) → ContainerRestarting;
 * - inhibition both ways, with real alerts: Redis stops (RedisDown) while the app's Redis failures
 *   raise DatabaseConnectionFailures, which Alertmanager holds inhibited; then the app's database
 *   password breaks (SQLSTATE 28P01, a failure class the app now counts) and Redis comes back:
 *   RedisDown resolves, DatabaseConnectionFailures still fires — and is delivered, at its group's
 *   next flush;
 * - slow database queries → HighResponseTime, with the PostgreSQL dashboard's slow-statement panel
 *   (per-statement mean over the rate window) returning the statement.
 */
import { dashboardPanelQueries } from "../components/monitoring/grafana/dashboards";
import { APP_DB_ROLE, type Pipeline } from "./pipeline";
import type { Scenario, ScenarioContext } from "./scenario-types";
import { sleep } from "./services";

/** When Alertmanager first reported `alert` suppressed by an inhibition, and the source alerts' names (API v2 `status.inhibitedBy`). */
export async function waitForInhibited(p: Pipeline, alert: string, timeoutMs: number): Promise<{ at: number; by: string[] } | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const res = await fetch(`${p.alertmanager.url}/api/v2/alerts`, { signal: AbortSignal.timeout(5_000) });
        const alerts = (await res.json()) as Array<{ fingerprint: string; labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } }>;
        const mine = alerts.find((a) => a.labels["alertname"] === alert && a.status.state === "suppressed" && a.status.inhibitedBy.length > 0);
        if (mine !== undefined) {
            const by = mine.status.inhibitedBy.map((fp) => alerts.find((a) => a.fingerprint === fp)?.labels["alertname"] ?? fp);
            return { at: Date.now(), by };
        }
        await sleep(250);
    }
    return undefined;
}

/** Restarts the crash-loop scenario performs: one more than the test profile's threshold (2). */
const CRASH_LOOP_RESTARTS = 3;

/** Evidence the inhibition scenario collects while it injects, judged in its `verify`. */
interface InhibitionEvidence {
    causeFiredAt?: number;
    inhibited?: { at: number; by: string[] };
    leakedWhileInhibited: boolean;
    causeResolvedAt?: number;
}
let evidence: InhibitionEvidence = { leakedWhileInhibited: false };

const setAppPassword = (p: Pipeline, password: string) => p.sql(`ALTER ROLE ${APP_DB_ROLE.user} PASSWORD '${password}'`);

export const ISSUE_13_SCENARIOS: readonly Scenario[] = [
    {
        id: "crash-loop",
        title: `Web server crash-looping (killed and restarted ${CRASH_LOOP_RESTARTS} times)`,
        expect: { alert: "ContainerRestarting", mentions: ["job=koronet"] },
        inject: async ({ pipeline }: ScenarioContext) => {
            for (let i = 0; i < CRASH_LOOP_RESTARTS; i++) {
                await pipeline.web.crash();
                await pipeline.web.start();
                // Two scrapes of the new process, so Prometheus records its start time.
                await sleep(2 * pipeline.timings.scrapeIntervalSeconds * 1000 + 200);
            }
        },
        // The web server runs again after the last restart; the alert clears once the restarts leave the window.
        heal: async () => undefined,
    },
    {
        id: "inhibit-then-deliver",
        title: "Redis stopped (RedisDown inhibits DatabaseConnectionFailures), then the app's database password broken and Redis back: DatabaseConnectionFailures delivered once RedisDown resolves",
        faultRow: "F8",
        expect: { alert: "DatabaseConnectionFailures" },
        inject: async ({ pipeline: p }: ScenarioContext) => {
            evidence = { leakedWhileInhibited: false };
            const t0 = Date.now();
            await p.redis.stop();
            const redisDown = await p.slack.waitForNotice("RedisDown", "FIRING", { since: t0, timeoutMs: 60_000 });
            evidence.causeFiredAt = redisDown?.at;
            // The app's Redis failures raise DatabaseConnectionFailures; Alertmanager must hold it.
            evidence.inhibited = await waitForInhibited(p, "DatabaseConnectionFailures", 60_000);
            // A few group_interval ticks: it stays held, nothing reaches Slack.
            await sleep(Math.max(3, 3 * p.timings.groupIntervalSeconds) * 1000);
            evidence.leakedWhileInhibited = p.slack.notices(t0).some((n) => n.alertname === "DatabaseConnectionFailures" && n.state === "FIRING");
            // The second cause: the app's password no longer works (a rotation gone wrong). Its open
            // connections are cut, so every new one meets 28P01.
            await setAppPassword(p, "not-the-app-password-anymore");
            await p.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", [APP_DB_ROLE.user]);
            await p.redis.start();
            evidence.causeResolvedAt = Date.now();
        },
        heal: async ({ pipeline: p, load }: ScenarioContext) => {
            await setAppPassword(p, APP_DB_ROLE.password);
            const healedAt = Date.now();
            // Sessions lived in the Redis that was stopped.
            load.setToken(await p.signIn());
            return healedAt;
        },
        verify: async ({ pipeline: p }, r) => {
            const problems: string[] = [];
            const notes: string[] = [];
            if (evidence.causeFiredAt === undefined) problems.push("RedisDown never reached Slack");
            if (evidence.inhibited === undefined) problems.push("DatabaseConnectionFailures was never held inhibited by Alertmanager while RedisDown fired");
            else if (!evidence.inhibited.by.includes("RedisDown"))
                problems.push(`DatabaseConnectionFailures was inhibited by ${evidence.inhibited.by.join(", ")}, not RedisDown`);
            if (evidence.leakedWhileInhibited) problems.push("DatabaseConnectionFailures reached Slack while RedisDown fired");
            const resolved = await p.slack.waitForNotice("RedisDown", "RESOLVED", { since: evidence.causeResolvedAt ?? 0, timeoutMs: 1 });
            if (r.primary.firingSeconds !== undefined && resolved !== undefined) {
                notes.push(
                    `DatabaseConnectionFailures, inhibited while RedisDown fired, reached Slack ${r.primary.firingSeconds} s after Redis came back (RedisDown RESOLVED at ${Math.round((resolved.at - (evidence.causeResolvedAt ?? resolved.at)) / 100) / 10} s): Alertmanager notifies an inhibited alert that still fires at its group's next flush once the source resolves`,
                );
            }
            return { problems, notes };
        },
    },
    {
        id: "slow-queries",
        title: "Slow database queries (pg_sleep 2.5 s on one request in ten) → HighResponseTime; the slow-statement panel sees the statement",
        expect: { alert: "HighResponseTime" },
        inject: async ({ load }: ScenarioContext) => load.setMix({ faultPath: "/api/slow?ms=2500", faultEvery: 10 }),
        heal: async ({ load }: ScenarioContext) => load.setMix({}),
        verify: async ({ pipeline: p }) => {
            const panel = dashboardPanelQueries({ rateInterval: "1m" }).filter((q) => q.dashboard === "Koronet / PostgreSQL" && q.panel === "Slow queries");
            const perStatement = panel.find((q) => /by_query/.test(q.expr) && /count/.test(q.expr));
            const app = panel.find((q) => /koronet_db_slow_queries_total/.test(q.expr));
            const problems: string[] = [];
            const notes: string[] = [];
            if (perStatement === undefined || app === undefined)
                return { problems: ["the PostgreSQL dashboard has no per-statement or app slow-query query"], notes };
            const statements = await p.prometheus.query(perStatement.expr);
            const slow = statements.reduce((n, s) => n + s.value, 0);
            if (slow < 1)
                problems.push(`the slow-statement panel (${perStatement.expr}) counts ${slow} statements with a mean above 500 ms over the last minute`);
            else notes.push(`slow-statement panel: ${slow} statement(s) with a mean above 500 ms over the last minute`);
            const rate = (await p.prometheus.query(app.expr)).reduce((n, s) => n + s.value, 0);
            if (!(rate > 0)) problems.push(`the app's slow-query rate (${app.expr}) is ${rate}`);
            return { problems, notes };
        },
    },
];
