/**
 * The inhibit rules (issue 13, item 10) in a real Alertmanager 0.25 (Debian `prometheus-alertmanager`)
 * with the rendered config: alerts are posted through its API, and its own view of each alert
 * (`status.state`, `status.inhibitedBy`) says what it holds back. The end-to-end proof with real
 * alerts from Prometheus, and what reaches Slack when the cause resolves, is in e2e/scenarios-issue13.ts.
 */
import { strict as assert } from "node:assert";
import { renderAlertmanagerConfig } from "../../components/alerting/alertmanager";
import { INHIBIT_RULES } from "../../components/alerting/alertmanager/config";
import { LocalStack, startAlertmanager, type AlertmanagerService } from "../../e2e/services";

interface AmAlert {
    readonly fingerprint: string;
    readonly labels: Record<string, string>;
    readonly status: { readonly state: string; readonly inhibitedBy: string[] };
}

describe("inhibition in a real Alertmanager 0.25, with the rendered rules", function () {
    this.timeout(60_000);
    const stack = new LocalStack();
    let am: AlertmanagerService;

    before(async () => {
        am = stack.add(
            await startAlertmanager({
                secrets: { "notifier-token": "t" },
                config: ({ secretsDir }) =>
                    renderAlertmanagerConfig({
                        profile: "test",
                        receivers: {
                            // Nothing listens: deliveries fail, which inhibition does not depend on.
                            notifier: { url: "http://127.0.0.1:9/alertmanager", tokenFile: `${secretsDir}/notifier-token` },
                            heartbeat: { kind: "webhook", url: "http://127.0.0.1:9/alertmanager", tokenFile: `${secretsDir}/notifier-token` },
                        },
                    }),
            }),
        );
    });
    after(() => stack.stopAll());

    const post = async (alerts: Array<{ labels: Record<string, string>; endsAt?: string }>) => {
        const res = await fetch(`${am.url}/api/v2/alerts`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(
                alerts.map((a) => ({
                    labels: { stack: "t", ...a.labels },
                    startsAt: new Date(Date.now() - 60_000).toISOString(),
                    ...(a.endsAt ? { endsAt: a.endsAt } : {}),
                })),
            ),
        });
        assert.equal(res.status, 200, await res.text());
    };
    const list = async (): Promise<AmAlert[]> => (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as AmAlert[];
    /** alertname → state, with `inhibited by <names>` for suppressed alerts, once Alertmanager settles. */
    const states = async (names: readonly string[], expect: Record<string, string>): Promise<Record<string, string>> => {
        const deadline = Date.now() + 10_000;
        let view: Record<string, string> = {};
        do {
            const all = await list();
            view = Object.fromEntries(
                names.map((n) => {
                    const a = all.find((x) => `${x.labels.alertname}${x.labels.job ? `{${x.labels.job}}` : ""}` === n);
                    if (a === undefined) return [n, "absent"];
                    if (a.status.state !== "suppressed") return [n, a.status.state];
                    return [n, `inhibited by ${a.status.inhibitedBy.map((fp) => all.find((x) => x.fingerprint === fp)?.labels.alertname ?? fp).join(",")}`];
                }),
            );
            if (JSON.stringify(view) === JSON.stringify(expect)) return view;
            await new Promise((r) => setTimeout(r, 200));
        } while (Date.now() < deadline);
        return view;
    };
    const resolveAll = async (labels: Array<Record<string, string>>) =>
        post(labels.map((l) => ({ labels: l, endsAt: new Date(Date.now() - 1_000).toISOString() })));

    it("KoronetDown holds the web job's TargetDown and its 5xx, latency and traffic symptoms, not another job's TargetDown", async () => {
        const alerts: Array<Record<string, string>> = [
            { alertname: "KoronetDown", severity: "critical" },
            { alertname: "TargetDown", severity: "warning", job: "koronet", instance: "10.0.1.10:3000" },
            { alertname: "TargetDown", severity: "warning", job: "redis", instance: "redis-exporter:9121" },
            { alertname: "HighErrorRate", severity: "critical" },
            { alertname: "HighResponseTime", severity: "warning" },
            { alertname: "UnusualTraffic", severity: "warning" },
        ];
        await post(alerts.map((labels) => ({ labels })));
        const expect = {
            KoronetDown: "active",
            "TargetDown{koronet}": "inhibited by KoronetDown",
            "TargetDown{redis}": "active",
            HighErrorRate: "inhibited by KoronetDown",
            HighResponseTime: "inhibited by KoronetDown",
            UnusualTraffic: "inhibited by KoronetDown",
        };
        assert.deepEqual(await states(Object.keys(expect), expect), expect);
        await resolveAll(alerts);
    });

    it("RedisDown holds DatabaseConnectionFailures, CacheMissRateHigh and its exporter's TargetDown; PostgresDown holds DatabaseConnectionFailures but not the cache", async () => {
        const redis: Array<Record<string, string>> = [
            { alertname: "RedisDown", severity: "critical" },
            { alertname: "DatabaseConnectionFailures", severity: "critical" },
            { alertname: "CacheMissRateHigh", severity: "warning", source: "app" },
            { alertname: "TargetDown", severity: "warning", job: "redis", instance: "redis-exporter:9121" },
        ];
        await post(redis.map((labels) => ({ labels })));
        const expect = {
            RedisDown: "active",
            DatabaseConnectionFailures: "inhibited by RedisDown",
            CacheMissRateHigh: "inhibited by RedisDown",
            "TargetDown{redis}": "inhibited by RedisDown",
        };
        assert.deepEqual(await states(Object.keys(expect), expect), expect);
        await resolveAll(redis);

        const pg: Array<Record<string, string>> = [
            { alertname: "PostgresDown", severity: "critical" },
            { alertname: "DatabaseConnectionFailures", severity: "critical" },
            { alertname: "CacheMissRateHigh", severity: "warning", source: "redis" },
            { alertname: "TargetDown", severity: "warning", job: "postgres", instance: "postgres-exporter:9187" },
        ];
        await post(pg.map((labels) => ({ labels })));
        const expect2 = {
            PostgresDown: "active",
            DatabaseConnectionFailures: "inhibited by PostgresDown",
            CacheMissRateHigh: "active",
            "TargetDown{postgres}": "inhibited by PostgresDown",
        };
        assert.deepEqual(await states(Object.keys(expect2), expect2), expect2);
        await resolveAll(pg);
    });

    it("lets the held alert through once its source resolves while it still fires", async () => {
        await post([
            { labels: { alertname: "RedisDown", severity: "critical" } },
            { labels: { alertname: "DatabaseConnectionFailures", severity: "critical" } },
        ]);
        assert.deepEqual(await states(["DatabaseConnectionFailures"], { DatabaseConnectionFailures: "inhibited by RedisDown" }), {
            DatabaseConnectionFailures: "inhibited by RedisDown",
        });
        await resolveAll([{ alertname: "RedisDown", severity: "critical" }]);
        assert.deepEqual(await states(["DatabaseConnectionFailures"], { DatabaseConnectionFailures: "active" }), { DatabaseConnectionFailures: "active" });
        await resolveAll([{ alertname: "DatabaseConnectionFailures", severity: "critical" }]);
    });

    it("keeps a critical alert's warning twin (same alertname and instance) held, as before", async () => {
        await post([
            { labels: { alertname: "HighCpuUsage", severity: "critical", instance: "host-a" } },
            { labels: { alertname: "HighCpuUsage", severity: "warning", instance: "host-a" } },
        ]);
        const all = await (async () => {
            const deadline = Date.now() + 10_000;
            for (;;) {
                const l = (await list()).filter((a) => a.labels.alertname === "HighCpuUsage");
                if (l.some((a) => a.status.state === "suppressed") || Date.now() > deadline) return l;
                await new Promise((r) => setTimeout(r, 200));
            }
        })();
        assert.deepEqual(all.map((a) => `${a.labels.severity}:${a.status.state}`).sort(), ["critical:active", "warning:suppressed"]);
    });

    it("says why each rule exists", () => {
        for (const r of INHIBIT_RULES) assert.ok(r.why.length > 20, JSON.stringify(r));
    });
});
