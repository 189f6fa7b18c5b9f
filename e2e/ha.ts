/**
 * prod's alerting topology under faults (issue 15): three Alertmanagers clustered over gossip and two
 * Prometheus servers, each sending to every Alertmanager (pipeline.ts `topology`). Shared by the e2e
 * test (e2e/test/ha.test.ts, which asserts) and `npm run bench:alerts` (which prints the counts).
 *
 * Deliveries are counted at the receivers, per alert: the webhook requests Alertmanager sent to the
 * notifier (the tap: before the notifier's own dedupe; `/` for Slack, `/pagerduty` for PagerDuty),
 * what the notifier dropped (its answers: repeats, stale ones: echoes and earlier activations' ends), the messages that reached the fake
 * Slack and the events the notifier sent to the fake PagerDuty (and the incidents they make there).
 * A duplicate is a delivery that says exactly what the previous one for that alert said (state and
 * the alerts it lists); a loss is an alert whose FIRING or RESOLVED never arrived.
 *
 * What Alertmanager documents (https://prometheus.io/docs/alerting/latest/high_availability/): the
 * replica at position n waits n × `--cluster.peer-timeout`, then sends what the replicated
 * notification log says nobody sent; during a partition each side sends ("prefers duplicate
 * notifications rather than miss critical alerts"); a replica that starts or rejoins waits for gossip
 * to settle before it notifies.
 */
import * as fs from "node:fs";

import { ALERTMANAGER_PEER_TIMEOUT } from "../components/alerting/alertmanager/config";
import { parsePromDuration } from "../components/alerting/catalog";
import type { AlertmanagerService } from "./services";
import { FakePagerDuty, parseSlackNotice, sleep } from "./services";
import { heartbeatSummary, waitForQuiet, type ScenarioContext } from "./scenarios";
import type { Pipeline } from "./pipeline";

/**
 * The Alertmanager timings of the HA runs (e2e/test/ha.test.ts, `npm run bench:alerts`), in
 * production's ratios where they decide duplicates — the reasons are in e2e/test/ha.test.ts.
 */
export const HA_TIMINGS = { resendDelaySeconds: 5, groupIntervalSeconds: 6, groupWaitSeconds: 10 } as const;

/** Deliveries of one alert on one channel. */
export interface ChannelCount {
    readonly firing: number;
    readonly resolved: number;
    /** Deliveries identical to the one before them (same state, same alerts). */
    readonly duplicates: number;
}

/** Deliveries of one alert, counted at each receiver. */
export interface DeliveryCount {
    readonly alert: string;
    /** Accepted webhook requests for Slack (what Alertmanager sent; the notifier's answer was 2xx). */
    readonly webhook: ChannelCount & { readonly refused: number; readonly senders: number };
    /** Accepted webhook requests for PagerDuty (`…/pagerduty`). */
    readonly webhookPagerDuty: ChannelCount & { readonly refused: number; readonly senders: number };
    /** Alerts the notifier acknowledged without delivering, over both destinations: the same status again, or stale (a FIRING that started before the delivered RESOLVED ended, a RESOLVED that ended before the delivered FIRING started). */
    readonly dropped: { readonly repeat: number; readonly stale: number };
    readonly slack: ChannelCount;
    /** Events the notifier sent to PagerDuty; `incidents`: what PagerDuty made of them (dedup_key). */
    readonly pagerduty: ChannelCount & { readonly dedupKeys: number; readonly incidents: number };
    /** What never arrived where it should (empty: nothing lost). */
    readonly lost: readonly string[];
    /** Every delivery in order, `+seconds channel what (from)`, for the report when a count is off. */
    readonly timeline: readonly string[];
}

function channel(ids: readonly string[], isFiring: (id: string) => boolean): ChannelCount {
    let duplicates = 0;
    for (let i = 1; i < ids.length; i++) if (ids[i] === ids[i - 1]) duplicates++;
    return { firing: ids.filter(isFiring).length, resolved: ids.filter((id) => !isFiring(id)).length, duplicates };
}

/** Counts every delivery about `alert` since `since` (until `until`), and what is missing of `expect`. */
function countDeliveries(
    p: Pipeline,
    alert: string,
    since: number,
    until = Number.POSITIVE_INFINITY,
    expect: { firing: boolean; resolved: boolean } = { firing: true, resolved: true },
): DeliveryCount {
    const inWindow = (at: number) => at >= since && at <= until;
    const all = (p.tap?.all ?? [])
        .filter((r) => inWindow(r.at) && r.body.receiver !== "heartbeat" && r.body.groupLabels?.["alertname"] === alert)
        .sort((a, b) => a.at - b.at);
    const isPd = (r: (typeof all)[number]) => /\/pagerduty\/?$/.test(r.path);
    const hooks = all.filter((r) => !isPd(r));
    const pdHooks = all.filter(isPd);
    const ok = (r: (typeof all)[number]) => r.status >= 200 && r.status < 300;
    const accepted = hooks.filter(ok);
    const pdAccepted = pdHooks.filter(ok);
    const answered = (k: string) => all.filter(ok).reduce((n, r) => n + Number(r.answer?.[k] ?? 0), 0);
    const hookId = (r: (typeof hooks)[number]) => {
        const alerts = (r.body.alerts ?? []).map((a) => `${a.status}:${a.fingerprint ?? JSON.stringify(a.labels)}`).sort();
        return `${r.body.status}|${alerts.join(",")}`;
    };
    const slackIds = p.slack.all
        .filter((r) => inWindow(r.at) && r.status < 300 && parseSlackNotice(r.body)?.alertname === alert)
        .map((r) => (r.body.text ?? "").split(" — ")[0] as string);
    const pd = p.pagerduty.all.filter((r) => inWindow(r.at) && FakePagerDuty.alertname(r.body) === alert);
    const pdIds = pd.map(
        (r) =>
            `${r.body.event_action}|${r.body.dedup_key}|${JSON.stringify((r.body.payload as { custom_details?: unknown } | undefined)?.custom_details ?? "")}`,
    );
    const webhook = {
        ...channel(accepted.map(hookId), (id) => id.startsWith("firing")),
        refused: hooks.length - accepted.length,
        senders: new Set(accepted.map((r) => r.from)).size,
    };
    const webhookPagerDuty = {
        ...channel(pdAccepted.map(hookId), (id) => id.startsWith("firing")),
        refused: pdHooks.length - pdAccepted.length,
        senders: new Set(pdAccepted.map((r) => r.from)).size,
    };
    const slack = channel(slackIds, (id) => id.startsWith("FIRING"));
    const pagerduty = {
        ...channel(pdIds, (id) => id.startsWith("trigger")),
        dedupKeys: new Set(pd.map((r) => r.body.dedup_key)).size,
        incidents: p.pagerduty.incidents.filter((i) => i.alertname === alert && inWindow(i.openedAt)).length,
    };
    const lost: string[] = [];
    for (const [name, c] of [
        ["Slack", slack],
        ["PagerDuty", pagerduty],
    ] as const) {
        if (expect.firing && c.firing === 0) lost.push(`${alert} FIRING never reached ${name}`);
        if (expect.resolved && c.resolved === 0) lost.push(`${alert} RESOLVED never reached ${name}`);
    }
    const t = (at: number) => `+${((at - since) / 1000).toFixed(1)}s`;
    const timeline = [
        ...all.map((r) => ({
            at: r.at,
            line: `${t(r.at)} webhook${isPd(r) ? " (pagerduty)" : ""} ${hookId(r)} from ${r.from} → ${r.status} ${JSON.stringify(r.answer ?? {})}`,
        })),
        ...p.slack.all
            .filter((r) => inWindow(r.at) && parseSlackNotice(r.body)?.alertname === alert)
            .map((r) => ({ at: r.at, line: `${t(r.at)} slack ${(r.body.text ?? "").split(" — ")[0]} → ${r.status}` })),
        ...pd.map((r) => ({ at: r.at, line: `${t(r.at)} pagerduty ${r.body.event_action} ${r.body.dedup_key?.slice(0, 12)} from ${r.from}` })),
    ]
        .sort((a, b) => a.at - b.at)
        .map((x) => x.line);
    return { alert, webhook, webhookPagerDuty, dropped: { repeat: answered("repeat"), stale: answered("stale") }, slack, pagerduty, lost, timeline };
}

/** The result of one fault of the topology. */
export interface HaResult {
    readonly id: "prometheus-killed" | "alertmanager-killed" | "alertmanagers-rolled" | "alertmanagers-partitioned";
    readonly title: string;
    /** Per alert the scenario raised and healed. */
    readonly counts: readonly DeliveryCount[];
    /** Other alerts notified meanwhile (side effects of the faults), with their counts. */
    readonly side: readonly DeliveryCount[];
    /** Measurements of the scenario's own (seconds unless named otherwise). */
    readonly figures: Readonly<Record<string, number | string | undefined>>;
    readonly problems: readonly string[];
    readonly notes: readonly string[];
}

const round = (x: number) => Math.round(x * 10) / 10;
const since = (t: number, at: number | undefined) => (at === undefined ? undefined : round((at - t) / 1000));

/**
 * Puts back what an earlier fault left down (a failed scenario must not fail the next): every
 * Alertmanager and Prometheus running, the cluster whole, the stores up.
 */
async function ensureWhole(p: Pipeline, load: ScenarioContext["load"]): Promise<void> {
    if (p.lab !== undefined) for (const h of p.labHosts) await p.lab.heal(h);
    for (const a of p.alertmanagers) if (!a.running) await a.start();
    for (const x of p.prometheusServers) if (!x.running) await x.start();
    if (!p.pg.running) await p.pg.start();
    if (!p.redis.running) {
        await p.redis.start();
        load.setToken(await p.signIn());
    }
    await waitForCluster(p);
}

/** Seconds a firing alert lives at Alertmanager unless re-sent (Prometheus: 4 × max(resend delay, evaluation interval)). */
function alertLifetimeSeconds(p: Pipeline): number {
    return 4 * Math.max(p.topology.resendDelaySeconds ?? p.timings.resendDelaySeconds, p.timings.evaluationIntervalSeconds);
}

/** Waits (bounded) until every running Alertmanager sees all of them and has settled; returns the seconds waited. */
export async function waitForCluster(p: Pipeline, timeoutMs = 90_000): Promise<number> {
    const t0 = Date.now();
    const want = p.alertmanagers.length;
    for (;;) {
        const statuses = await Promise.all(p.alertmanagers.map((a) => a.clusterStatus().catch(() => undefined)));
        if (statuses.every((st) => st !== undefined && st.status === "ready" && st.peers.length === want)) return round((Date.now() - t0) / 1000);
        if (Date.now() - t0 > timeoutMs)
            throw new Error(
                `the Alertmanager cluster did not form within ${timeoutMs / 1000} s: ${JSON.stringify(statuses.map((st) => st && { status: st.status, peers: st.peers.length }))}`,
            );
        await sleep(500);
    }
}

/** The replica at position 0 (the lowest peer name): the one that sends first. */
async function sender(p: Pipeline): Promise<AlertmanagerService> {
    const named = await Promise.all(p.alertmanagers.map(async (a) => ({ a, name: (await a.clusterStatus()).name })));
    named.sort((x, y) => (x.name < y.name ? -1 : 1));
    return (named[0] as { a: AlertmanagerService }).a;
}

/** Waits until `alert` is FIRING at Slack since `t` (bounded); returns when. */
async function firingAtSlack(p: Pipeline, alert: string, t: number, problems: string[], timeoutMs = 60_000): Promise<number | undefined> {
    const n = await p.slack.waitForNotice(alert, "FIRING", { since: t, timeoutMs });
    if (n === undefined) problems.push(`${alert}: no FIRING at Slack within ${timeoutMs / 1000} s`);
    return n?.at;
}

async function resolvedAtSlack(p: Pipeline, alert: string, t: number, problems: string[], timeoutMs = 60_000): Promise<number | undefined> {
    const n = await p.slack.waitForNotice(alert, "RESOLVED", { since: t, timeoutMs });
    if (n === undefined) problems.push(`${alert}: no RESOLVED at Slack within ${timeoutMs / 1000} s`);
    return n?.at;
}

/**
 * After the last expected delivery: long enough for any late duplicate to show (a replica at the last
 * position waits (n − 1) × peer timeout, then retries for a group interval) before counting.
 */
function settleMs(p: Pipeline): number {
    const peer = parsePromDuration(p.topology.peerTimeout ?? ALERTMANAGER_PEER_TIMEOUT[p.profile]);
    return ((p.alertmanagers.length - 1) * peer + 10) * 1000;
}

/** Other alerts notified in the window, counted (side effects of stopping a store under load). */
function sideCounts(p: Pipeline, primary: readonly string[], t0: number, t1: number): DeliveryCount[] {
    const names = new Set(
        p.slack
            .notices(t0)
            .filter((n) => n.at <= t1 && n.alertname !== "Watchdog" && !primary.includes(n.alertname))
            .map((n) => n.alertname),
    );
    return [...names].map((name) => countDeliveries(p, name, t0, t1, { firing: false, resolved: false }));
}

/**
 * Exactly once where people are: one FIRING and one RESOLVED at Slack, one trigger and one resolve
 * sent to PagerDuty (and so one incident), nothing lost. What Alertmanager itself sent is at least
 * once — a replica's dedupe check can race another's RESOLVED (prometheus/alertmanager#4008), the
 * Prometheus pair can re-activate a resolved alert, each side of a partition sends — and the
 * notifier's per-occurrence state absorbs it (functions/src/notifier/dedupe.ts). Those extra
 * sends are notes with their counts, not hidden: the test prints them, the bench reports them.
 */
function exactlyOnce(c: DeliveryCount, problems: string[], notes: string[]): void {
    problems.push(...c.lost);
    for (const [name, x] of [
        ["Slack", c.slack],
        ["PagerDuty (events sent)", c.pagerduty],
    ] as const) {
        if (x.firing !== 1 || x.resolved !== 1)
            problems.push(`${c.alert}: ${name} got ${x.firing} FIRING and ${x.resolved} RESOLVED, expected exactly one each`);
    }
    if (c.pagerduty.incidents !== 1) problems.push(`${c.alert}: ${c.pagerduty.incidents} PagerDuty incidents, expected one`);
    for (const [name, x] of [
        ["webhook to Slack (sent by Alertmanager)", c.webhook],
        ["webhook to PagerDuty (sent by Alertmanager)", c.webhookPagerDuty],
    ] as const) {
        if (x.firing < 1 || x.resolved < 1) problems.push(`${c.alert}: ${name} got ${x.firing} FIRING and ${x.resolved} RESOLVED, expected at least one each`);
        else if (x.firing !== 1 || x.resolved !== 1)
            notes.push(
                `${c.alert}: ${name} ${x.firing} FIRING and ${x.resolved} RESOLVED from ${x.senders} sender(s); the notifier dropped ${c.dropped.repeat} repeat(s) and ${c.dropped.stale} stale (echoes, earlier activations' ends) over both destinations`,
            );
    }
}

// ---------------------------------------------------------------------------------------------
// One Prometheus killed
// ---------------------------------------------------------------------------------------------

/**
 * RedisDown fires; one Prometheus server is killed (SIGKILL) and stays down past the lifetime of its
 * last alerts (4 × resend delay): the other keeps sending the same alert (the `replica` label is
 * dropped), so every Alertmanager keeps it active without a gap and the Watchdog heartbeat continues.
 * Then it restarts, Redis comes back: RESOLVED (at resolution the pair can make Alertmanager send
 * FIRING/RESOLVED again: counted as a note).
 */
async function runPrometheusReplicaKilled({ pipeline: p, load }: ScenarioContext): Promise<HaResult> {
    const problems: string[] = [];
    const notes: string[] = [];
    await ensureWhole(p, load);
    await waitForQuiet(p);
    const t0 = Date.now();
    await p.redis.stop();
    const firedAt = await firingAtSlack(p, "RedisDown", t0, problems);
    const victim = p.prometheusServers[0] as (typeof p.prometheusServers)[number];
    await victim.crash();
    const killedAt = Date.now();
    // Sample every Alertmanager until well past the victim's alerts' endsAt.
    const holdMs = (1.5 * alertLifetimeSeconds(p) + 5) * 1000;
    let samples = 0;
    let gaps = 0;
    while (Date.now() - killedAt < holdMs) {
        const views = await Promise.all(p.alertmanagers.map((a) => a.alerts().catch(() => [])));
        samples++;
        for (const v of views) if (!v.some((x) => x.labels["alertname"] === "RedisDown" && x.status.state === "active")) gaps++;
        await sleep(500);
    }
    if (gaps > 0)
        problems.push(`RedisDown was missing from an Alertmanager in ${gaps} of ${samples * p.alertmanagers.length} samples while one Prometheus was down`);
    const early = p.slack.notices(killedAt).filter((n) => n.alertname === "RedisDown");
    if (early.length > 0) problems.push(`RedisDown was notified again while one Prometheus was down: ${early.map((n) => n.state).join(", ")}`);
    const hb = heartbeatSummary(p, killedAt);
    await victim.start();
    const restartedAt = Date.now();
    await p.waitForFirstScrapes();
    await sleep(5_000);
    const healAt = Date.now();
    await p.redis.start();
    load.setToken(await p.signIn());
    const resolvedAt = await resolvedAtSlack(p, "RedisDown", healAt, problems);
    await sleep(settleMs(p));
    const t1 = Date.now();
    const counts = [countDeliveries(p, "RedisDown", t0, t1)];
    for (const c of counts) exactlyOnce(c, problems, notes);
    return {
        id: "prometheus-killed",
        title: "one Prometheus killed while RedisDown fires",
        counts,
        side: sideCounts(p, ["RedisDown"], t0, t1),
        figures: {
            firingSeconds: since(t0, firedAt),
            downSeconds: round((restartedAt - killedAt) / 1000),
            alertLifetimeSeconds: alertLifetimeSeconds(p),
            alertmanagerSamples: samples * p.alertmanagers.length,
            samplesWithoutTheAlert: gaps,
            heartbeatsWhileDown: hb.count,
            longestHeartbeatGap: hb.maxGap,
            resolvedSeconds: since(healAt, resolvedAt),
        },
        problems,
        notes,
    };
}

// ---------------------------------------------------------------------------------------------
// One Alertmanager killed
// ---------------------------------------------------------------------------------------------

/**
 * RedisDown fires and is delivered; the replica that sends first (position 0) is killed (SIGKILL);
 * PostgreSQL stops while it is down (PostgresDown must come from the others), both recover, and the
 * killed replica comes back with empty storage, as a replacement task would. Every alert: nothing
 * lost; what was delivered more than once is a note.
 */
async function runAlertmanagerReplicaKilled({ pipeline: p, load }: ScenarioContext): Promise<HaResult> {
    const problems: string[] = [];
    const notes: string[] = [];
    await ensureWhole(p, load);
    await waitForQuiet(p);
    const t0 = Date.now();
    await p.redis.stop();
    await firingAtSlack(p, "RedisDown", t0, problems);
    // Let the notification log reach the others.
    await sleep(2_000);
    const victim = await sender(p);
    await victim.crash();
    const killedAt = Date.now();
    await p.pg.stop();
    const pgAt = Date.now();
    const pgFiring = await firingAtSlack(p, "PostgresDown", pgAt, problems);
    const pgPaged = await p.pagerduty.waitForEvent("PostgresDown", "trigger", { since: pgAt, timeoutMs: 30_000 });
    const healAt = Date.now();
    await p.pg.start();
    await p.redis.start();
    load.setToken(await p.signIn());
    await resolvedAtSlack(p, "RedisDown", healAt, problems);
    await resolvedAtSlack(p, "PostgresDown", healAt, problems);
    // The replacement: empty storage; it must learn from the others what was sent and send nothing again.
    fs.rmSync(victim.dataDir, { recursive: true, force: true });
    await victim.start();
    const back = Date.now();
    await waitForCluster(p);
    const rejoinSeconds = round((Date.now() - back) / 1000);
    await sleep(settleMs(p));
    const t1 = Date.now();
    const counts = [countDeliveries(p, "RedisDown", t0, t1), countDeliveries(p, "PostgresDown", t0, t1)];
    for (const c of counts) exactlyOnce(c, problems, notes);
    const afterReturn = (p.tap?.all ?? []).filter((r) => r.at > back && r.from === victim.host?.address && r.body.receiver !== "heartbeat");
    if (afterReturn.length > 0) notes.push(`the replaced Alertmanager re-sent ${afterReturn.length} notification(s) the cluster had already sent`);
    for (const r of afterReturn) {
        const gk = JSON.stringify(r.body.groupLabels);
        const before = (p.tap?.all ?? []).filter(
            (x) => x.at < r.at && x.at >= t0 && JSON.stringify(x.body.groupLabels) === gk && x.body.receiver === r.body.receiver,
        );
        notes.push(
            `re-sent +${((r.at - back) / 1000).toFixed(1)}s after start (victim settled +${rejoinSeconds}s): ${r.body.receiver} ${gk} ${r.body.status} [${(r.body.alerts ?? []).map((a) => `${a.status}:${a.fingerprint}`).join(",")}] → ${r.status}; earlier for this group: ${before.map((x) => `+${((x.at - back) / 1000).toFixed(1)}s ${x.body.status} [${(x.body.alerts ?? []).map((a) => `${a.status}:${a.fingerprint}`).join(",")}] from ${x.from}`).join("; ")}`,
        );
    }
    return {
        id: "alertmanager-killed",
        title: "the Alertmanager that sends first killed while alerts fire, PostgreSQL stopped meanwhile",
        counts,
        side: sideCounts(p, ["RedisDown", "PostgresDown"], t0, t1),
        figures: {
            killed: victim.host?.name,
            postgresDownAtSlackSeconds: since(pgAt, pgFiring),
            postgresDownPagedSeconds: since(pgAt, pgPaged?.at),
            killedToPostgresStopSeconds: round((pgAt - killedAt) / 1000),
            replacementSettledSeconds: rejoinSeconds,
        },
        problems,
        notes,
    };
}

// ---------------------------------------------------------------------------------------------
// Rolling restart of every Alertmanager
// ---------------------------------------------------------------------------------------------

/**
 * A deploy of the cluster, one replica at a time as ECS does it at 100 %/134 %: a new replica (empty
 * storage) starts on the spare host and joins, then an old one stops (SIGTERM). Alerts fire and
 * resolve between the steps: RedisDown fires, step 1, PostgresDown fires, step 2, RedisDown
 * resolves, step 3, PostgresDown resolves. Nothing lost.
 */
async function runAlertmanagersRolled({ pipeline: p, load }: ScenarioContext): Promise<HaResult> {
    const problems: string[] = [];
    const notes: string[] = [];
    await ensureWhole(p, load);
    await waitForQuiet(p);
    const t0 = Date.now();
    const hb0 = Date.now();
    const originals = [...p.alertmanagers];
    const stepTimes: number[] = [];
    const step = async (old: AlertmanagerService) => {
        const s0 = Date.now();
        await p.rollAlertmanager(old);
        stepTimes.push(round((Date.now() - s0) / 1000));
    };

    let at = Date.now();
    await p.redis.stop();
    await firingAtSlack(p, "RedisDown", at, problems);
    await step(originals[0] as AlertmanagerService);

    at = Date.now();
    await p.pg.stop();
    await firingAtSlack(p, "PostgresDown", at, problems);
    await step(originals[1] as AlertmanagerService);

    at = Date.now();
    await p.redis.start();
    await resolvedAtSlack(p, "RedisDown", at, problems);
    await step(originals[2] as AlertmanagerService);

    at = Date.now();
    await p.pg.start();
    // Sessions live in Redis, which restarted empty; signing in needs PostgreSQL, back only now.
    load.setToken(await p.signIn());
    await resolvedAtSlack(p, "PostgresDown", at, problems);
    const formed = await waitForCluster(p);
    await sleep(settleMs(p));
    const t1 = Date.now();
    const counts = [countDeliveries(p, "RedisDown", t0, t1), countDeliveries(p, "PostgresDown", t0, t1)];
    for (const c of counts) exactlyOnce(c, problems, notes);
    const hb = heartbeatSummary(p, hb0);
    return {
        id: "alertmanagers-rolled",
        title: "every Alertmanager replaced one at a time (new first, then old) while alerts fire and resolve",
        counts,
        side: sideCounts(p, ["RedisDown", "PostgresDown"], t0, t1),
        figures: {
            steps: stepTimes.join(", "),
            clusterFormedAfterLastStepSeconds: formed,
            longestHeartbeatGap: hb.maxGap,
        },
        problems,
        notes,
    };
}

// ---------------------------------------------------------------------------------------------
// A partition
// ---------------------------------------------------------------------------------------------

/**
 * The replica that sends first is cut off from the other two (its gossip link goes down; Prometheus
 * still reaches all three). While cut, RedisDown fires and resolves: each side sends it to the
 * notifier — measured, as Alertmanager prefers duplicates to losses — and Slack and PagerDuty get it
 * exactly once (the notifier's store is shared by both sides). After the link returns and the
 * cluster re-forms, PostgresDown fires and resolves, exactly once too.
 */
async function runAlertmanagersPartitioned({ pipeline: p, load }: ScenarioContext): Promise<HaResult> {
    const problems: string[] = [];
    const notes: string[] = [];
    const lab = p.lab;
    if (lab === undefined) throw new Error("the partition needs the Alertmanager cluster's network lab");
    await ensureWhole(p, load);
    await waitForQuiet(p);
    const cut = await sender(p);
    const others = p.alertmanagers.filter((a) => a !== cut);
    const t0 = Date.now();
    await lab.cut(cut.host as NonNullable<typeof cut.host>);
    const cutAt = Date.now();
    // Membership as each side sees it (memberlist marks the other side failed after its probes).
    let detectedAt: number | undefined;
    const detectBy = Date.now() + 60_000;
    while (detectedAt === undefined && Date.now() < detectBy) {
        const [alone, ...rest] = await Promise.all(
            [cut, ...others].map((a) =>
                a
                    .clusterStatus()
                    .then((s) => s.peers.length)
                    .catch(() => -1),
            ),
        );
        if (alone === 1 && rest.every((n) => n === others.length)) detectedAt = Date.now();
        else await sleep(250);
    }
    if (detectedAt === undefined) notes.push("the two sides did not both see the split within 60 s");

    let at = Date.now();
    await p.redis.stop();
    await firingAtSlack(p, "RedisDown", at, problems);
    await sleep(settleMs(p));
    at = Date.now();
    await p.redis.start();
    load.setToken(await p.signIn());
    await resolvedAtSlack(p, "RedisDown", at, problems);
    await sleep(settleMs(p));
    const partitioned = countDeliveries(p, "RedisDown", t0, Date.now());
    // Each side sends (Alertmanager prefers duplicates to losses); the notifier's store is shared by
    // both sides (one DynamoDB table in AWS, one store here), so Slack and PagerDuty still get it once.
    exactlyOnce(partitioned, problems, notes);

    const healAt = Date.now();
    await lab.heal(cut.host as NonNullable<typeof cut.host>);
    const rejoin = await waitForCluster(p, 120_000);
    const t1 = Date.now();
    at = Date.now();
    await p.pg.stop();
    await firingAtSlack(p, "PostgresDown", at, problems);
    at = Date.now();
    await p.pg.start();
    await resolvedAtSlack(p, "PostgresDown", at, problems);
    await sleep(settleMs(p));
    const after = countDeliveries(p, "PostgresDown", t1, Date.now());
    exactlyOnce(after, problems, notes);
    const sides = 2;
    for (const [name, c] of [
        ["webhook to Slack", partitioned.webhook],
        ["webhook to PagerDuty", partitioned.webhookPagerDuty],
    ] as const) {
        if (c.firing > sides || c.resolved > sides)
            notes.push(`RedisDown during the split: ${name} got ${c.firing} FIRING and ${c.resolved} RESOLVED from Alertmanager, more than one per side`);
    }
    return {
        id: "alertmanagers-partitioned",
        title: "the Alertmanager that sends first cut off from the other two (gossip), RedisDown fires and resolves; then healed, PostgresDown",
        counts: [partitioned, after],
        side: sideCounts(p, ["RedisDown", "PostgresDown"], t0, Date.now()),
        figures: {
            cut: cut.host?.name,
            splitSeenBothSidesSeconds: detectedAt === undefined ? undefined : round((detectedAt - cutAt) / 1000),
            reformedAfterHealSeconds: rejoin,
            healedAt: round((healAt - t0) / 1000),
        },
        problems,
        notes,
    };
}

/** The four faults, in the order the test and the benchmark run them. */
export const HA_SCENARIOS = [runPrometheusReplicaKilled, runAlertmanagerReplicaKilled, runAlertmanagersRolled, runAlertmanagersPartitioned] as const;
