/**
 * Issue 13 items 8 and 9 end to end: Prometheus scrapes every one of 12 web tasks (a DNS answer
 * would hold 8), learning them from the real discovery sidecar reading a Cloud Map stand-in, follows
 * a task that stops and one that starts, and scrapes them on their metrics port, where nothing but
 * `/metrics` lives; with no user at all the request metrics stay empty.
 */
import * as assert from "node:assert/strict";

import { PIPELINE_TIMINGS } from "../../components/alerting/catalog";
import { DiscoveryRig, E2E_NAMESPACE, WEB_SERVICE } from "../discovery";

const TASKS = 12;
const timings = PIPELINE_TIMINGS.test;
/** Discovery refresh of the test profile (prometheus/config.ts) + Prometheus' 5 s target-update tick + a scrape. */
const FOLLOW_WORST_SECONDS = 5 + 5 + timings.scrapeIntervalSeconds;

describe("discovery: more web tasks than a DNS answer holds (real Prometheus, sidecar, 12 web servers)", function () {
    let rig: DiscoveryRig | undefined;
    const figures: Record<string, number> = {};
    const r = (): DiscoveryRig => {
        if (rig === undefined) throw new Error("the rig did not start (see the before-all hook)");
        return rig;
    };

    before(async function () {
        this.timeout(300_000);
        const t0 = Date.now();
        rig = await DiscoveryRig.start(TASKS, (l) => console.log(`      [start] ${l}`));
        figures["startSeconds"] = (Date.now() - t0) / 1000;
    });

    after(async function () {
        this.timeout(120_000);
        await rig?.stop();
        console.log(`      [discovery] ${JSON.stringify(figures)}`);
    });

    it(`[issue 13 #8] scrapes all ${TASKS} web tasks on their metrics port, from the sidecar's DiscoverInstances answer`, async function () {
        this.timeout(120_000);
        const t0 = Date.now();
        figures["firstFullScrapeSeconds"] = (await r().waitForExactTargets(t0, 90_000)) / 1000;
        const up = await r().prometheus.query('count(up{job="koronet"} == 1)');
        assert.equal(up[0]?.value, TASKS);
        assert.ok(TASKS > 8, "more than a DNS answer's 8 records");
        const asked = r().cloudMap.calls.filter((c) => c.service === WEB_SERVICE);
        assert.ok(
            asked.length > 0 && asked.every((c) => c.namespace === E2E_NAMESPACE && c.healthStatus === "HEALTHY_OR_ELSE_ALL"),
            JSON.stringify(asked.slice(-3)),
        );
    });

    it("[issue 13 #8] follows a task that stops and one that starts within the refresh interval (+ Prometheus' update tick)", async function () {
        this.timeout(120_000);
        const gone = r().tasks[2]!;
        const t0 = Date.now();
        await r().removeTask(gone);
        const added = await r().addTask();
        const changedAt = Date.now();
        const ms = await r().waitForExactTargets(changedAt, 3 * FOLLOW_WORST_SECONDS * 1000 + 30_000);
        figures["followSeconds"] = ms / 1000;
        figures["stopAndStartSeconds"] = (changedAt - t0) / 1000;
        const instances = (await r().koronetTargets()).map((t) => t.instance);
        assert.ok(!instances.includes(gone.server.metricsTarget) && instances.includes(added.server.metricsTarget));
        assert.equal(instances.length, TASKS);
    });

    it("[issue 13 #9] with no user at all the request metrics stay empty: readiness probes and scrapes are not traffic", async function () {
        this.timeout(60_000);
        // Every server was probed on /readyz until ready, and has been scraped for a while.
        const probes = await r().prometheus.query('sum(koronet_http_probe_requests_total{job="koronet",route="/readyz"})');
        assert.ok((probes[0]?.value ?? 0) >= TASKS, `probe requests counted: ${JSON.stringify(probes)}`);
        const requests = await r().prometheus.query('sum(koronet_http_requests_total{job="koronet"})');
        assert.deepEqual(requests, [], `request metrics moved without users: ${JSON.stringify(requests)}`);
    });

    it("[issue 13 #9] the API port (what the load balancer reaches) answers 404 to /metrics; the metrics port serves it", async function () {
        const s = r().tasks[0]!.server;
        assert.equal((await fetch(`${s.url}/metrics`)).status, 404);
        const m = await fetch(`http://${s.metricsTarget}/metrics`);
        assert.equal(m.status, 200);
        assert.match(await m.text(), /^koronet_http_probe_requests_total\{route="\/readyz",status_code="200"\} \d+/m);
    });
});
