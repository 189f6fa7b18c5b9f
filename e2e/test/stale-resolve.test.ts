/**
 * The rolling restart's early RESOLVED (docs/high-availability.md "Third run"), reproduced with one
 * real Alertmanager (Debian 0.25) and the stacks' rendered receivers, and what the notifier makes of it.
 *
 * Alertmanager keeps one alert per fingerprint. `provider/mem` `Alerts.Put` merges an update into the
 * stored alert only when their activity ranges overlap; otherwise the update replaces it, whatever
 * its times (prometheus/alertmanager, provider/mem/mem.go). The Prometheus pair's alerts share a
 * fingerprint (the `replica` label is dropped by alert_relabel_configs), and Prometheus re-sends a
 * resolved alert every resend delay for 15 minutes (rules/alerting.go `resolvedRetention`) until its
 * own evaluation sees the condition again. So when an alert fires again, the lagging Prometheus's
 * re-sent RESOLVED of the previous activation can arrive after the leading one's FIRING and take its
 * place: the replica then says RESOLVED while the outage goes on (its notification log says FIRING
 * was sent), and FIRING again on the next re-send.
 *
 * This test sends Alertmanager exactly those updates, in that order, as the two Prometheus servers
 * would, and counts what Alertmanager sent (a relay in front of the notifier) and what reached the
 * fake Slack and the fake PagerDuty.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";

import { notifierPagerDutyUrl, renderAlertmanagerConfig } from "../../components/alerting/alertmanager/config";

import { startLocalServer, type LocalServer } from "../../functions/src/notifier/local-server";
import { createLogger } from "../../functions/src/shared/log";
import { FakePagerDuty, FakeSlack, LocalStack, parseSlackNotice, sleep, startAlertmanager, WebhookTap, type AlertmanagerService } from "../services";

const TOKEN = "stale-resolve-token-0123456789abcdef";
const LABELS = { alertname: "RedisDown", severity: "critical", job: "redis" };

interface PostedAlert {
    readonly labels: Record<string, string>;
    readonly startsAt: string;
    readonly endsAt: string;
}

describe("Alertmanager: a lagging Prometheus's re-sent RESOLVED replaces a re-fire's FIRING; Slack and PagerDuty get the outage once", function () {
    this.timeout(120_000);
    const stack = new LocalStack();
    let am: AlertmanagerService;
    let tap: WebhookTap;
    let slack: FakeSlack;
    let pagerduty: FakePagerDuty;
    let notifier: LocalServer;
    const notifierLog: string[] = [];

    before(async function () {
        this.timeout(60_000);
        slack = stack.add(await FakeSlack.start());
        pagerduty = stack.add(await FakePagerDuty.start());
        notifier = await startLocalServer({
            slackWebhookUrl: slack.webhookUrl,
            token: TOKEN,
            log: createLogger((line) => notifierLog.push(line)),
            notifier: { pagerduty: { getRoutingKey: async () => "stale0000000000000000000000000000", url: () => pagerduty.eventsUrl } },
        });
        stack.add({ name: "notifier", dispose: () => notifier.close() });
        tap = stack.add(await WebhookTap.start(notifier.url));
        am = stack.add(
            await startAlertmanager({
                secrets: { "notifier-token": TOKEN },
                // The stacks' receivers and routes, test timing profile (group_wait 0 s, group_interval 1 s).
                config: ({ secretsDir }) =>
                    renderAlertmanagerConfig({
                        profile: "test",
                        receivers: {
                            notifier: { url: tap.url, tokenFile: path.join(secretsDir, "notifier-token") },
                            pagerduty: { kind: "webhook", url: notifierPagerDutyUrl(tap.url), tokenFile: path.join(secretsDir, "notifier-token") },
                            heartbeat: { kind: "webhook", url: tap.url, tokenFile: path.join(secretsDir, "notifier-token") },
                        },
                    }),
            }),
        );
    });

    after(async () => stack.stopAll());

    const post = async (...alerts: PostedAlert[]) => {
        const res = await fetch(`${am.url}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(alerts) });
        assert.equal(res.status, 200, await res.text());
    };
    /** What Alertmanager's API lists as active (resolved alerts are left out). */
    const active = async () => {
        const res = await fetch(`${am.url}/api/v2/alerts?filter=alertname%3D%22RedisDown%22`);
        return ((await res.json()) as { startsAt: string }[]).map((a) => a.startsAt);
    };
    const sent = () => tap.all.filter((r) => r.body.groupLabels?.["alertname"] === "RedisDown");
    const sentToSlack = () => sent().filter((r) => !/pagerduty/.test(r.path));
    const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 20_000) => {
        const end = Date.now() + ms;
        while (!(await ok())) {
            if (Date.now() > end)
                throw new Error(`timed out waiting for ${what}; Alertmanager sent: ${JSON.stringify(sent().map((r) => [r.path, r.body.status]))}`);
            await sleep(200);
        }
    };
    const slackStates = () => slack.all.map((r) => parseSlackNotice(r.body)?.state ?? "?");
    const pdActions = () => pagerduty.all.map((r) => r.body.event_action);

    it("reproduces the early RESOLVED with the real binary, and the notifier drops it as the end of an earlier activation", async () => {
        const now = Date.now();
        const iso = (t: number) => new Date(t).toISOString();
        // The previous activation: fired 5 min ago, resolved 2 min ago (both Prometheus servers agree).
        const s1 = iso(now - 300_000);
        const e1 = iso(now - 120_000);
        await post({ labels: LABELS, startsAt: s1, endsAt: iso(now + 60_000) });
        await until("FIRING at Slack and PagerDuty", () => slackStates().length === 1 && pdActions().length === 1);
        await post({ labels: LABELS, startsAt: s1, endsAt: e1 });
        await until("RESOLVED at Slack and PagerDuty", () => slackStates().length === 2 && pdActions().length === 2);

        // Redis fails again. The leading Prometheus's FIRING of the new activation (valid 60 s: 4 × production's resend delay 15 s)…
        const s2 = iso(Date.now() - 1_000);
        const firing2 = { labels: LABELS, startsAt: s2, endsAt: iso(Date.now() + 60_000) };
        await post(firing2);
        await until("the re-fire at Slack and PagerDuty", () => slackStates().length === 3 && pdActions().length === 3);
        assert.deepEqual(await active(), [s2]);
        const before = sentToSlack().length;
        const beforeAll = sent().length;

        // …then the lagging Prometheus's re-sent RESOLVED of the previous activation (same fingerprint).
        await post({ labels: LABELS, startsAt: s1, endsAt: e1 });
        // Measured: Alertmanager replaced the FIRING with it (no overlap, no merge) and lists nothing active…
        assert.deepEqual(await active(), [], "Alertmanager 0.25 stored the stale RESOLVED in place of the newer FIRING");
        // …and sent RESOLVED, about the previous activation, while the outage goes on.
        await until("Alertmanager's early RESOLVED", () =>
            sentToSlack()
                .slice(before)
                .some((r) => r.body.status === "resolved"),
        );
        const early = sentToSlack()
            .slice(before)
            .find((r) => r.body.status === "resolved");
        assert.equal(early?.body.alerts?.[0]?.startsAt?.slice(0, 19), s1.slice(0, 19), "the RESOLVED carries the previous activation's startsAt");

        // The leading Prometheus's next re-send: Alertmanager says FIRING again.
        await post({ ...firing2, endsAt: iso(Date.now() + 60_000) });
        await until("Alertmanager's FIRING again", () =>
            sentToSlack()
                .slice(before)
                .some((r) => r.body.status === "firing"),
        );
        await until("the same to PagerDuty", () =>
            sent()
                .slice(beforeAll)
                .some((r) => /pagerduty/.test(r.path) && r.body.status === "firing"),
        );

        // At the receivers: nothing new. The notifier answered stale, then repeat.
        assert.deepEqual(slackStates(), ["FIRING", "RESOLVED", "FIRING"], "Slack: no early RESOLVED, no second FIRING");
        assert.deepEqual(pdActions(), ["trigger", "resolve", "trigger"], "PagerDuty: no resolve of the ongoing outage, no second trigger");
        const answers = sent()
            .slice(beforeAll)
            .map((r) => r.answer ?? {});
        assert.equal(
            answers.reduce((n, a) => n + Number(a["stale"] ?? 0), 0),
            2,
            `the early RESOLVED dropped as stale at both destinations: ${JSON.stringify(answers)}`,
        );

        // The genuine end of the new activation: delivered once each.
        await post({ labels: LABELS, startsAt: s2, endsAt: iso(Date.now()) });
        await until("the genuine RESOLVED", () => slackStates().length === 4 && pdActions().length === 4);
        await sleep(3_000);
        assert.deepEqual(slackStates(), ["FIRING", "RESOLVED", "FIRING", "RESOLVED"]);
        assert.deepEqual(pdActions(), ["trigger", "resolve", "trigger", "resolve"]);
        assert.equal(pagerduty.incidents.length, 2, "two outages, two incidents");
        assert.ok(pagerduty.incidents.every((i) => i.resolvedAt !== undefined));
    });
});
