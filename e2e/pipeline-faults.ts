/**
 * Faults in the alerting pipeline itself: Prometheus or Alertmanager dies (SIGKILL, as an
 * out-of-memory kill or a lost host would). Shared by the e2e tests and `npm run bench:alerts`.
 *
 * In AWS the signals are CloudWatch alarms on AWS-vended metrics (components/alerting: the task-count
 * alarms and the Watchdog heartbeat, missing data = breaching); here we check what feeds them: the
 * heartbeat stops when either part is gone and comes back when it returns, and an alert that fires
 * while Alertmanager is down is delivered once it is back (Prometheus keeps re-sending it).
 */
import { ALERTMANAGER_TIMINGS } from "../components/alerting/alertmanager/config";
import { PIPELINE_TIMINGS, parsePromDuration, type TimingProfile } from "../components/alerting/catalog";
import type { Pipeline } from "./pipeline";
import { heartbeatGapBoundSeconds, waitForQuiet, type ScenarioContext } from "./scenarios";
import { sleep } from "./services";

export interface PartOutageResult {
    readonly id: "prometheus-killed" | "alertmanager-killed";
    readonly title: string;
    /** Seconds from the kill to the last heartbeat. */
    readonly lastHeartbeatAfterSeconds: number | undefined;
    /** Seconds of silence observed after that (at least the heartbeat gap bound when all is well). */
    readonly silenceSeconds: number;
    /** Seconds from the restart to the first heartbeat. */
    readonly heartbeatBackSeconds: number | undefined;
    /** Alertmanager only: seconds from its restart to RedisDown at Slack / PagerDuty, and RESOLVED after the heal. */
    readonly deliveredAfterRestartSeconds?: number | undefined;
    readonly pagedAfterRestartSeconds?: number | undefined;
    readonly resolvedSeconds?: number | undefined;
    readonly problems: readonly string[];
}

/**
 * How long after Prometheus dies Alertmanager still sends the Watchdog: each alert Prometheus sends
 * is valid for 4 × max(resend delay, evaluation interval), plus one heartbeat group tick.
 * Production: 4 × 15 + 15 = 75 s; test: 4 × 1 + 1 = 5 s.
 */
export function watchdogAfterPrometheusDiesSeconds(profile: TimingProfile): number {
    const t = PIPELINE_TIMINGS[profile];
    return 4 * Math.max(t.resendDelaySeconds, t.evaluationIntervalSeconds) + parsePromDuration(ALERTMANAGER_TIMINGS[profile].heartbeatGroupInterval);
}

const since = (t: number, at: number | undefined) => (at === undefined ? undefined : Math.round((at - t) / 100) / 10);

async function waitForHeartbeat(p: Pipeline, after: number, timeoutMs: number): Promise<number | undefined> {
    const end = Date.now() + timeoutMs;
    for (;;) {
        const hit = p.heartbeats.find((t) => t > after);
        if (hit !== undefined || Date.now() > end) return hit;
        await sleep(200);
    }
}

/**
 * Watches the heartbeat after a part died: it must stop within `stopWithinSeconds` and then stay
 * silent for the gap bound (what makes the CloudWatch heartbeat alarm fire in AWS).
 */
async function expectSilence(
    p: Pipeline,
    killedAt: number,
    stopWithinSeconds: number,
    problems: string[],
): Promise<{ last: number | undefined; silence: number }> {
    const bound = heartbeatGapBoundSeconds(p.profile);
    const quietFrom = killedAt + stopWithinSeconds * 1000;
    await sleep(Math.max(0, quietFrom + bound * 1000 - Date.now()));
    const after = p.heartbeats.filter((t) => t > killedAt);
    const late = after.filter((t) => t > quietFrom);
    if (late.length > 0) problems.push(`${late.length} heartbeat(s) arrived more than ${stopWithinSeconds} s after the kill`);
    const last = after.length > 0 ? after[after.length - 1] : undefined;
    return { last, silence: (Date.now() - (last ?? killedAt)) / 1000 };
}

/** Prometheus killed: no rule evaluation, so the Watchdog expires and the heartbeat stops; restarted, it resumes. */
export async function runPrometheusKilled({ pipeline: p }: ScenarioContext): Promise<PartOutageResult> {
    const problems: string[] = [];
    await waitForQuiet(p);
    if ((await waitForHeartbeat(p, Date.now() - heartbeatGapBoundSeconds(p.profile) * 1000, 0)) === undefined) problems.push("no heartbeat before the kill");
    await p.prometheus.crash();
    const killedAt = Date.now();
    const stopWithin = watchdogAfterPrometheusDiesSeconds(p.profile) + 2;
    const { last, silence } = await expectSilence(p, killedAt, stopWithin, problems);
    await p.prometheus.start();
    const restartedAt = Date.now();
    const back = await waitForHeartbeat(p, restartedAt, (heartbeatGapBoundSeconds(p.profile) + 30) * 1000);
    if (back === undefined) problems.push("the heartbeat did not come back after Prometheus restarted");
    await p.waitForFirstScrapes();
    return {
        id: "prometheus-killed",
        title: "Prometheus killed, then restarted",
        lastHeartbeatAfterSeconds: since(killedAt, last),
        silenceSeconds: Math.round(silence * 10) / 10,
        heartbeatBackSeconds: since(restartedAt, back),
        problems,
    };
}

/**
 * Alertmanager killed, and Redis stopped while it is down: nothing can notify and the heartbeat
 * stops; once Alertmanager is back, Prometheus's re-sends bring RedisDown to Slack and PagerDuty,
 * and its recovery is announced after Redis returns.
 */
export async function runAlertmanagerKilled({ pipeline: p, load }: ScenarioContext): Promise<PartOutageResult> {
    const problems: string[] = [];
    await waitForQuiet(p);
    await p.alertmanager.crash();
    const killedAt = Date.now();
    await p.redis.stop();
    const faultAt = Date.now();

    // Prometheus fires RedisDown meanwhile; nobody can hear it.
    const t = PIPELINE_TIMINGS[p.profile];
    let firing = false;
    const fireBy = Date.now() + 60_000;
    while (!firing && Date.now() < fireBy) {
        firing = (await p.activeAlerts()).some((a) => a.alertname === "RedisDown" && a.state === "firing");
        if (!firing) await sleep(500);
    }
    if (!firing) problems.push("RedisDown never fired in Prometheus while Alertmanager was down");
    // The heartbeat stops at once: Alertmanager is the one sending it.
    const { last, silence } = await expectSilence(p, killedAt, 1, problems);
    if (p.slack.notices(faultAt).some((n) => n.alertname === "RedisDown")) problems.push("RedisDown reached Slack while Alertmanager was down");

    await p.alertmanager.start();
    const restartedAt = Date.now();
    // Prometheus re-sends firing alerts every resend delay; then group_wait and delivery.
    const within = (3 * (t.resendDelaySeconds + t.groupWaitSeconds + t.deliverySeconds) + 30) * 1000;
    const notice = await p.slack.waitForNotice("RedisDown", "FIRING", { since: restartedAt, timeoutMs: within });
    const page = await p.pagerduty.waitForEvent("RedisDown", "trigger", { since: restartedAt, timeoutMs: within });
    if (notice === undefined) problems.push(`RedisDown not at Slack within ${within / 1000} s of Alertmanager's restart`);
    else if (notice.receiver !== "critical") problems.push(`RedisDown routed to ${notice.receiver}, expected critical`);
    if (page === undefined) problems.push(`RedisDown not at PagerDuty within ${within / 1000} s of Alertmanager's restart`);
    const back = await waitForHeartbeat(p, restartedAt, (heartbeatGapBoundSeconds(p.profile) + 30) * 1000);
    if (back === undefined) problems.push("the heartbeat did not come back after Alertmanager restarted");

    await p.redis.start();
    const healedAt = Date.now();
    load.setToken(await p.signIn()); // sessions lived in the Redis that was stopped
    const resolved = await p.slack.waitForNotice("RedisDown", "RESOLVED", { since: healedAt, timeoutMs: 60_000 });
    if (resolved === undefined) problems.push("no RESOLVED message for RedisDown after Redis came back");
    return {
        id: "alertmanager-killed",
        title: "Alertmanager killed while Redis stops, then restarted",
        lastHeartbeatAfterSeconds: since(killedAt, last),
        silenceSeconds: Math.round(silence * 10) / 10,
        heartbeatBackSeconds: since(restartedAt, back),
        deliveredAfterRestartSeconds: since(restartedAt, notice?.at),
        pagedAfterRestartSeconds: since(restartedAt, page?.at),
        resolvedSeconds: since(healedAt, resolved?.at),
        problems,
    };
}
