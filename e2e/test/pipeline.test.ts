/**
 * The alerting pipeline end to end, with real processes on 127.0.0.1 (Debian packages + app/), the
 * configuration the stacks deploy rendered for local targets, in the `test` timing profile.
 * One pipeline for the whole file: first the steady run (before any fault), then each fault.
 * Deadlines come from the profile (scenarios.ts: 3 × computed worst case + 30 s).
 */
import * as assert from "node:assert/strict";

import { checkPanelQueries } from "../dashboards";
import { LoadGenerator } from "../load";
import { Pipeline } from "../pipeline";
import { runAlertmanagerKilled, runPrometheusKilled, watchdogAfterPrometheusDiesSeconds, type PartOutageResult } from "../pipeline-faults";
import { SCENARIOS, heartbeatGapBoundSeconds, heartbeatSummary, runScenario, runSteady, type ScenarioResult, type SteadyResult } from "../scenarios";

/** Length of the steady run after Prometheus's first scrape round. @default 150 */
const STEADY_SECONDS = Number(process.env["E2E_STEADY_SECONDS"] ?? 150);

describe("alerting pipeline end to end (real services on 127.0.0.1, test timing profile)", function () {
    let p: Pipeline | undefined;
    let load: LoadGenerator | undefined;
    const results: ScenarioResult[] = [];
    const partResults: PartOutageResult[] = [];
    const pipeline = (): Pipeline => {
        if (p === undefined) throw new Error("the pipeline did not start (see the before-all hook)");
        return p;
    };

    before(async function () {
        this.timeout(180_000);
        p = await Pipeline.start({ log: (l) => console.log(`      [start] ${l}`) });
        load = new LoadGenerator(p.web.url, p.sessionToken);
        load.start();
    });

    after(async function () {
        this.timeout(120_000);
        await load?.stop();
        await p?.stop();
        for (const r of partResults) console.log(`      ${r.id}: ${JSON.stringify({ ...r, id: undefined, title: undefined, problems: undefined })}`);
        for (const r of results) {
            const t = [r.primary, ...r.also].map((a) => `${a.alert} firing ${a.firingSeconds ?? "—"} s, resolved ${a.resolvedSeconds ?? "—"} s`).join("; ");
            console.log(`      ${r.id}: ${t}${r.sideAlerts.length > 0 ? ` (also notified: ${r.sideAlerts.join(", ")})` : ""}`);
            for (const n of r.notes) console.log(`        note: ${n}`);
        }
    });

    describe(`steady normal load for ${STEADY_SECONDS} s, before any fault`, function () {
        let steady: SteadyResult;

        before(async function () {
            this.timeout((STEADY_SECONDS + 120) * 1000);
            steady = await runSteady({ pipeline: pipeline(), load: load as LoadGenerator }, STEADY_SECONDS);
            console.log(`      [steady] ${JSON.stringify(steady)}`);
        });

        it("raises no alert at all (start-up CPU noise included; Watchdog excluded)", function () {
            assert.deepEqual(steady.falsePositives, [], `alerts notified during the steady run: ${steady.falsePositives.join(", ")}`);
        });

        it("receives the Watchdog heartbeat continuously and never posts it to Slack or PagerDuty", function () {
            const bound = heartbeatGapBoundSeconds(pipeline().profile);
            assert.ok(steady.firstHeartbeatSeconds !== undefined, "no heartbeat arrived");
            assert.ok(steady.maxHeartbeatGapSeconds <= bound, `heartbeat gap ${steady.maxHeartbeatGapSeconds} s exceeds ${bound} s`);
            assert.ok(steady.heartbeats >= Math.floor(STEADY_SECONDS / bound), `only ${steady.heartbeats} heartbeats in ${STEADY_SECONDS} s`);
            assert.equal(steady.watchdogLeaks, 0, "the Watchdog reached Slack or PagerDuty");
        });
    });

    describe("faults: alert at Slack (and PagerDuty when critical) with its severity and route, then RESOLVED", function () {
        for (const sc of SCENARIOS) {
            const names = [sc.expect, ...(sc.also ?? [])].map((e) => e.alert).join(" + ");
            it(`${sc.faultRow ? `[${sc.faultRow}] ` : ""}${sc.title} → ${names}`, async function () {
                this.timeout(300_000);
                const r = await runScenario({ pipeline: pipeline(), load: load as LoadGenerator }, sc);
                results.push(r);
                assert.deepEqual(r.problems, []);
                for (const a of [r.primary, ...r.also]) {
                    assert.equal(a.route, a.severity, `${a.alert} took route ${a.route}`);
                    assert.ok(a.firingSeconds !== undefined && a.resolvedSeconds !== undefined);
                    if (a.severity === "critical") assert.ok(a.pagerdutyTriggerSeconds !== undefined && a.pagerdutyResolveSeconds !== undefined);
                }
            });
        }
    });

    // Mocha runs a suite's own tests before its nested suites: these sit in a suite of their own so
    // they run after the faults.
    describe("after the faults", function () {
        it("kept the Watchdog heartbeat coming through every fault", function () {
            const p = pipeline();
            const hb = heartbeatSummary(p, p.startedAt);
            const bound = heartbeatGapBoundSeconds(p.profile);
            assert.ok(hb.count > 0 && hb.maxGap <= bound, `heartbeat gap ${hb.maxGap} s exceeds ${bound} s`);
        });

        it("every Grafana dashboard panel query returns data from this Prometheus (cAdvisor panels: documented metric names)", async function () {
            this.timeout(60_000);
            const checked = await checkPanelQueries(pipeline());
            const failed = checked.filter((c) => c.outcome !== "data" && c.outcome !== "documented");
            assert.ok(checked.length > 0, "no panel queries exported");
            assert.deepEqual(
                failed.map((c) => `${c.query.dashboard} / ${c.query.panel} (${c.query.legend}): ${c.outcome} — ${c.detail} — ${c.query.expr}`),
                [],
            );
        });
    });

    // After "after the faults": these silence the heartbeat on purpose.
    describe("the pipeline's own parts dying (the signals of the CloudWatch watchers)", function () {
        it("[F3] Prometheus killed: the Watchdog heartbeat stops within the expiry of its last send, then resumes after a restart", async function () {
            this.timeout(180_000);
            const r = await runPrometheusKilled({ pipeline: pipeline(), load: load as LoadGenerator });
            partResults.push(r);
            assert.deepEqual(r.problems, []);
            assert.ok(r.silenceSeconds >= heartbeatGapBoundSeconds(pipeline().profile), `silent only ${r.silenceSeconds} s`);
            assert.ok((r.lastHeartbeatAfterSeconds ?? 0) <= watchdogAfterPrometheusDiesSeconds(pipeline().profile) + 2);
        });

        it("[F4] Alertmanager killed: heartbeat stops at once; an alert that fired meanwhile reaches Slack and PagerDuty after the restart, then RESOLVED", async function () {
            this.timeout(240_000);
            const r = await runAlertmanagerKilled({ pipeline: pipeline(), load: load as LoadGenerator });
            partResults.push(r);
            assert.deepEqual(r.problems, []);
            assert.ok(r.deliveredAfterRestartSeconds !== undefined && r.pagedAfterRestartSeconds !== undefined && r.resolvedSeconds !== undefined);
        });
    });
});
