/**
 * The notifier's logic, independent of AWS: `createNotifier(deps)` takes every side effect as a
 * dependency (secrets, dedupe store, heartbeat, fetch, clock, logger), so tests and the local
 * server run exactly the code the Lambda runs. `handler.ts` wires the real AWS clients.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { systemClock, type Clock } from "../shared/clock";
import { PAGERDUTY_WEBHOOK_PATH, WATCHDOG_ALERT_NAME } from "../contract/convention";
import { DEFAULT_DELIVERY_BUDGET_MS } from "../contract/timings";
import { occurrenceKey, rawDedupeKey, snsDedupeKey, type AlertSpan, type DedupeStore, type OccurrenceClaim } from "./dedupe";
import {
    classifyEvent,
    header,
    parseAlertmanagerPayload,
    parseCloudWatchAlarm,
    requestBody,
    type AlertmanagerAlert,
    type AlertmanagerPayload,
    type FunctionUrlEvent,
    type FunctionUrlResult,
    type SnsEvent,
    type SnsRecord,
} from "./events";
import { formatAlertmanager, formatCloudWatchAlarm, formatRaw, type SlackMessage } from "./format";
import type { DeliveryLog, DeliverySubject } from "../shared/deliveries";
import type { HeartbeatPublisher } from "./heartbeat";
import { createLogger, errorFields, isRedacting, type Logger, type RedactingLogger } from "../shared/log";
import type { SecretGetter } from "../shared/secrets";
import { createSlackPoster, type DeliveryOptions } from "./slack";
import { deliveryDeadline } from "../shared/http-delivery";
import { PAGERDUTY_EVENTS_URL } from "../contract/environment";
import { pagerDutyEventForAlert } from "../pagerduty/event";
import { createPagerDutySender } from "../pagerduty/send";

/** The slice of the Lambda context the notifier reads. */
export interface LambdaContextLike {
    getRemainingTimeInMillis?(): number;
    readonly awsRequestId?: string;
}

export interface NotifierDeps {
    /** Slack incoming-webhook URL (from Secrets Manager in the Lambda). Never logged. */
    readonly getSlackWebhookUrl: SecretGetter;
    /** Bearer token Alertmanager must present. Without it every HTTP request is refused with 500 (misconfiguration). */
    readonly getAlertmanagerToken?: SecretGetter;
    /** Idempotency store. @default none: every delivery posts */
    readonly dedupe?: DedupeStore;
    /** Where each delivered alarm state or alert is recorded (`npm run drill` reads it). @default none */
    readonly deliveries?: DeliveryLog;
    /**
     * PagerDuty for Alertmanager's critical route (requests to `…/pagerduty`): the routing key and
     * the Events API URL. Without it such a request is answered with 500 (misconfiguration).
     */
    readonly pagerduty?: { readonly getRoutingKey: SecretGetter; readonly url?: string | (() => string) };
    /** Watchdog heartbeat. Without it a Watchdog notification is answered with 500. */
    readonly heartbeat?: HeartbeatPublisher;
    /** @default globalThis.fetch */
    readonly fetch?: typeof fetch;
    /** @default the system clock */
    readonly clock?: Clock;
    /** @default JSON lines on console.log; pass a {@link RedactingLogger} to have secrets scrubbed */
    readonly log?: Logger | RedactingLogger;
    /** Retry knobs for Slack and PagerDuty (shared/http-delivery.ts), and Slack's pacing. */
    readonly delivery?: Partial<DeliveryOptions>;
    /** Longest time spent on one event's delivery. @default 25000 ms */
    readonly deliveryBudgetMs?: number;
    /**
     * Budget of one Alertmanager (HTTP) request, which must answer before Alertmanager gives up on
     * the attempt: a message posted after Alertmanager cancelled is at Slack, but Alertmanager never
     * records it as sent and so never announces its recovery. See `notifierHttpBudgetMs`.
     * @default deliveryBudgetMs
     */
    readonly httpDeliveryBudgetMs?: number;
    /** Time kept back from the Lambda's remaining time so we fail cleanly before the timeout. @default 3000 ms */
    readonly timeoutReserveMs?: number;
}

export interface Notifier {
    /** Lambda entry: dispatches SNS events, Function URL requests and anything else (posted raw). */
    handle(event: unknown, context?: LambdaContextLike): Promise<FunctionUrlResult | undefined>;
    /** SNS path. Throws when any record could not be delivered, so the invocation goes to the on-failure destination. */
    handleSns(event: SnsEvent, context?: LambdaContextLike): Promise<void>;
    /**
     * Function URL path. Never throws: 401 bad token, 5xx when delivery failed or another attempt is
     * delivering the same alert (Alertmanager retries), 200 otherwise. `…/pagerduty` goes to
     * PagerDuty, anything else to Slack.
     */
    handleHttp(event: FunctionUrlEvent, context?: LambdaContextLike): Promise<FunctionUrlResult>;
}

export { DEFAULT_DELIVERY_BUDGET_MS } from "../contract/timings";

/** Where an Alertmanager request goes: its webhook URL's path says (`…/pagerduty`, else Slack). */
type Destination = "slack" | "pagerduty";

function destinationOf(event: FunctionUrlEvent): Destination {
    const path = event.rawPath ?? event.requestContext.http.path ?? "/";
    return new RegExp(`/${PAGERDUTY_WEBHOOK_PATH}/?$`).test(path) ? "pagerduty" : "slack";
}

/** Epoch ms of an Alertmanager timestamp; undefined for none or Go's zero time. */
function timeOf(t: string | null | undefined): number | undefined {
    const ms = t ? Date.parse(t) : Number.NaN;
    return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** The activity range an alert reports: its start, and for a RESOLVED its end (a FIRING's endsAt is only Prometheus's valid-until). */
function spanOf(alert: AlertmanagerAlert, now: number): AlertSpan {
    const endsAtMs = alert.status === "resolved" ? timeOf(alert.endsAt) : undefined;
    return { startsAtMs: timeOf(alert.startsAt) ?? now, ...(endsAtMs !== undefined ? { endsAtMs } : {}) };
}

interface Claimed {
    readonly alert: AlertmanagerAlert;
    readonly key: string;
    readonly verdict: OccurrenceClaim;
    /** Whether this attempt holds the store's claim (false when the store failed: nothing to complete). */
    readonly held: boolean;
}

/** Constant-time comparison; hashing first makes the time independent of the lengths too. */
function tokensEqual(presented: string, expected: string): boolean {
    const a = createHash("sha256").update(presented, "utf8").digest();
    const b = createHash("sha256").update(expected, "utf8").digest();
    return timingSafeEqual(a, b) && expected.length > 0;
}

function json(statusCode: number, body: Record<string, unknown>, headers: Record<string, string> = {}): FunctionUrlResult {
    return { statusCode, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export function createNotifier(deps: NotifierDeps): Notifier {
    const clock = deps.clock ?? systemClock;
    const log = deps.log ?? createLogger();
    const redact = (text: string) => (isRedacting(log) ? log.redact(text) : text);
    const budgetMs = deps.deliveryBudgetMs ?? DEFAULT_DELIVERY_BUDGET_MS;
    const httpBudgetMs = Math.min(budgetMs, deps.httpDeliveryBudgetMs ?? budgetMs);
    const reserveMs = deps.timeoutReserveMs ?? 3000;
    const slack = createSlackPoster({
        getWebhookUrl: deps.getSlackWebhookUrl,
        fetch: deps.fetch ?? globalThis.fetch,
        clock,
        log,
        options: deps.delivery,
    });

    const pagerDutyUrl = deps.pagerduty?.url;
    const sendPagerDuty =
        deps.pagerduty === undefined
            ? undefined
            : createPagerDutySender({
                  fetch: deps.fetch ?? globalThis.fetch,
                  clock,
                  log,
                  policy: deps.delivery,
                  url: typeof pagerDutyUrl === "function" ? pagerDutyUrl : () => pagerDutyUrl ?? PAGERDUTY_EVENTS_URL,
              });

    const deadlineFor = (context?: LambdaContextLike, limitMs = budgetMs): number => deliveryDeadline(clock, limitMs, reserveMs, context);

    /** Posts once per key. Dedupe-store failures never block delivery: a double post beats a lost alert. */
    const deliver = async (
        key: string | undefined,
        message: SlackMessage,
        deadline: number,
        meta: Record<string, unknown>,
    ): Promise<"posted" | "duplicate"> => {
        let claimed = false;
        let inFlight = false;
        if (key !== undefined && deps.dedupe !== undefined) {
            try {
                const claim = await deps.dedupe.claim(key);
                if (claim === "duplicate") {
                    log.info("duplicate delivery skipped", { ...meta, dedupeKey: key });
                    return "duplicate";
                }
                if (claim === "in-flight") inFlight = true;
                else claimed = true;
            } catch (e) {
                log.warn("dedupe store unavailable; posting without dedupe", { ...meta, ...errorFields(e) });
            }
        }
        // Another attempt is delivering this message and may still fail: fail this one (5xx / throw)
        // so the sender retries, instead of acknowledging a delivery that has not happened.
        if (inFlight) throw new Error(`delivery of ${key} is in progress in another attempt; retry later`);
        try {
            await slack.post(message, deadline);
        } catch (e) {
            if (claimed) await deps.dedupe!.release(key!).catch((err: unknown) => log.warn("dedupe release failed", { ...meta, ...errorFields(err) }));
            throw e;
        }
        if (claimed) await deps.dedupe!.complete(key!).catch((err: unknown) => log.warn("dedupe complete failed", { ...meta, ...errorFields(err) }));
        log.info("posted to slack", meta);
        return "posted";
    };

    const messageForSnsRecord = (record: SnsRecord): { message: SlackMessage; meta: Record<string, unknown>; subject?: DeliverySubject } => {
        const parsed = parseCloudWatchAlarm(record.Sns.Message);
        const base = { source: "sns", messageId: record.Sns.MessageId };
        if (parsed.ok) {
            return {
                message: formatCloudWatchAlarm(parsed.value),
                meta: { ...base, alarm: parsed.value.AlarmName, state: parsed.value.NewStateValue },
                subject: { kind: "cloudwatch", alarmName: parsed.value.AlarmName, state: parsed.value.NewStateValue },
            };
        }
        log.warn("unreadable SNS message; posting raw", { ...base, reason: parsed.error });
        const topic = record.Sns.TopicArn?.split(":").pop();
        const raw = record.Sns.Subject ? `Subject: ${record.Sns.Subject}\n\n${record.Sns.Message}` : record.Sns.Message;
        return { message: formatRaw(parsed.error, redact(raw), topic ? `SNS topic ${topic}` : "SNS"), meta: { ...base, raw: true } };
    };

    const handleSns = async (event: SnsEvent, context?: LambdaContextLike): Promise<void> => {
        const deadline = deadlineFor(context);
        const failures: string[] = [];
        // Every record is attempted even if an earlier one failed; delivered ones are marked, so
        // the retry of the whole event only re-posts what failed.
        for (const record of event.Records) {
            const { message, meta, subject } = messageForSnsRecord(record);
            try {
                const result = await deliver(snsDedupeKey(record.Sns.MessageId), message, deadline, meta);
                if (result === "posted" && subject !== undefined) await deps.deliveries?.record("slack", [subject]);
            } catch (e) {
                log.error("slack delivery failed", { ...meta, ...errorFields(e) });
                failures.push(record.Sns.MessageId);
            }
        }
        if (failures.length > 0) {
            throw new Error(`Slack delivery failed for ${failures.length} of ${event.Records.length} SNS record(s): ${failures.join(", ")}`);
        }
    };

    const authenticate = async (event: FunctionUrlEvent): Promise<FunctionUrlResult | undefined> => {
        if (deps.getAlertmanagerToken === undefined) {
            log.error("no Alertmanager token configured; refusing HTTP requests");
            return json(500, { error: "notifier misconfigured" });
        }
        let expected: string;
        try {
            expected = await deps.getAlertmanagerToken();
        } catch (e) {
            log.error("could not read the Alertmanager token", errorFields(e));
            return json(503, { error: "token unavailable" });
        }
        const match = /^Bearer\s+(.+)$/i.exec(header(event, "authorization")?.trim() ?? "");
        if (match === null || !tokensEqual(match[1]!.trim(), expected)) {
            log.warn("rejected request with missing or wrong bearer token", { requestId: event.requestContext.requestId, hadHeader: match !== null });
            return json(401, { error: "unauthorized" }, { "www-authenticate": 'Bearer realm="koronet-notifier"' });
        }
        return undefined;
    };

    const handleAlertmanager = async (payload: AlertmanagerPayload, deadline: number, destination: Destination): Promise<FunctionUrlResult> => {
        const isWatchdog = (labels: Record<string, string>) => labels["alertname"] === WATCHDOG_ALERT_NAME;
        const watchdogs = payload.alerts.filter((a) => isWatchdog(a.labels));
        const others = payload.alerts.filter((a) => !isWatchdog(a.labels));
        const meta = { source: "alertmanager", destination, groupKey: payload.groupKey, status: payload.status, alerts: payload.alerts.length };

        if (watchdogs.some((a) => a.status === "firing")) {
            if (deps.heartbeat === undefined) {
                log.error("Watchdog received but no heartbeat publisher is configured", meta);
                return json(500, { error: "heartbeat not configured" });
            }
            try {
                await deps.heartbeat.publish();
                log.info("watchdog heartbeat published", meta);
            } catch (e) {
                // 5xx makes Alertmanager retry; if it keeps failing the heartbeat alarm fires, as it should.
                log.error("watchdog heartbeat failed", { ...meta, ...errorFields(e) });
                return json(500, { error: "heartbeat failed" });
            }
        }
        if (others.length === 0) return json(200, { status: watchdogs.length > 0 ? "heartbeat" : "empty" });

        return destination === "pagerduty" ? toPagerDuty(others, deadline, meta) : toSlack(payload, others, deadline, meta);
    };

    /**
     * Per alert occurrence and destination, what is new (see dedupe.ts `occurrenceVerdict`). A store
     * error counts as new and unheld: post anyway (a double post beats a lost alert).
     */
    const claimOccurrences = async (destination: Destination, alerts: readonly AlertmanagerAlert[], meta: Record<string, unknown>): Promise<Claimed[]> =>
        Promise.all(
            alerts.map(async (alert): Promise<Claimed> => {
                const key = occurrenceKey(destination, alert.labels);
                if (deps.dedupe === undefined) return { alert, key, verdict: "claimed", held: false };
                try {
                    const verdict = await deps.dedupe.claimOccurrence(key, alert.status, spanOf(alert, clock.now()));
                    return { alert, key, verdict, held: verdict === "claimed" };
                } catch (e) {
                    log.warn("dedupe store unavailable; posting without dedupe", { ...meta, destination, ...errorFields(e) });
                    return { alert, key, verdict: "claimed", held: false };
                }
            }),
        );
    const release = (c: Claimed, meta: Record<string, unknown>) =>
        c.held
            ? deps.dedupe!.releaseOccurrence(c.key, c.alert.status).catch((err: unknown) => log.warn("dedupe release failed", { ...meta, ...errorFields(err) }))
            : Promise.resolve();
    const complete = (c: Claimed, meta: Record<string, unknown>) =>
        c.held
            ? deps
                  .dedupe!.completeOccurrence(c.key, c.alert.status, spanOf(c.alert, clock.now()))
                  .catch((err: unknown) => log.warn("dedupe complete failed", { ...meta, ...errorFields(err) }))
            : Promise.resolve();
    const tally = (claims: readonly Claimed[]) => ({
        repeat: claims.filter((c) => c.verdict === "repeat").length,
        stale: claims.filter((c) => c.verdict === "stale").length,
        inFlight: claims.filter((c) => c.verdict === "in-flight").length,
    });
    /** What a stale verdict dropped, by kind (dedupe.ts `occurrenceVerdict`). */
    const logStale = (claims: readonly Claimed[], destination: Destination, meta: Record<string, unknown>) => {
        const stale = claims.filter((c) => c.verdict === "stale");
        const firing = stale.filter((c) => c.alert.status === "firing").length;
        const resolved = stale.length - firing;
        if (firing > 0) log.info("stale FIRING after the occurrence's RESOLVED dropped", { ...meta, destination, stale: firing });
        if (resolved > 0) log.info("stale RESOLVED of an earlier activation dropped", { ...meta, destination, stale: resolved });
    };
    const subjects = (alerts: readonly AlertmanagerAlert[]): DeliverySubject[] =>
        alerts.flatMap((a): DeliverySubject[] =>
            a.fingerprint ? [{ kind: "alertmanager", fingerprint: a.fingerprint, status: a.status, alertname: a.labels["alertname"] }] : [],
        );

    /**
     * Slack: one message with the alerts that are new information (the group's other alerts were
     * said before); nothing new → acknowledged, not posted. All or nothing: while another attempt
     * delivers one of the alerts, this one releases its claims and answers 503 (Alertmanager
     * retries), so a 2xx never stands for a post that may still fail.
     */
    const toSlack = async (
        payload: AlertmanagerPayload,
        alerts: readonly AlertmanagerAlert[],
        deadline: number,
        meta: Record<string, unknown>,
    ): Promise<FunctionUrlResult> => {
        const claims = await claimOccurrences("slack", alerts, meta);
        const fresh = claims.filter((c) => c.verdict === "claimed");
        const t = tally(claims);
        if (t.inFlight > 0) {
            await Promise.all(fresh.map((c) => release(c, meta)));
            log.warn("alerts of this notification are being delivered by another attempt; retry later", { ...meta, destination: "slack", ...t });
            return json(503, { error: "delivery in progress in another attempt", ...t });
        }
        logStale(claims, "slack", meta);
        if (fresh.length === 0) {
            log.info("duplicate delivery skipped", { ...meta, destination: "slack", ...t });
            return json(200, { status: "duplicate", posted: 0, ...t });
        }
        const changed = fresh.map((c) => c.alert);
        const message: AlertmanagerPayload = { ...payload, alerts: changed, status: changed.some((a) => a.status === "firing") ? "firing" : "resolved" };
        try {
            await slack.post(formatAlertmanager(message), deadline);
        } catch (e) {
            await Promise.all(fresh.map((c) => release(c, meta)));
            log.error("slack delivery failed", { ...meta, ...errorFields(e) });
            return json(503, { error: "slack delivery failed" });
        }
        await Promise.all(fresh.map((c) => complete(c, meta)));
        log.info("posted to slack", { ...meta, posted: changed.length, ...t });
        await deps.deliveries?.record("slack", subjects(changed));
        return json(200, { status: "posted", posted: changed.length, ...t });
    };

    /**
     * PagerDuty: one Events API v2 event per alert that is new information, trigger or resolve under
     * the occurrence's dedup_key. Alerts are independent: each delivered one is recorded; any that
     * failed or is in flight elsewhere makes the answer 503, and Alertmanager's retry finds the
     * delivered ones repeats.
     */
    const toPagerDuty = async (alerts: readonly AlertmanagerAlert[], deadline: number, meta: Record<string, unknown>): Promise<FunctionUrlResult> => {
        if (deps.pagerduty === undefined || sendPagerDuty === undefined) {
            log.error("PagerDuty request received but no routing key is configured", meta);
            return json(500, { error: "pagerduty not configured" });
        }
        let routingKey: string;
        try {
            routingKey = await deps.pagerduty.getRoutingKey();
        } catch (e) {
            log.error("could not read the PagerDuty routing key", { ...meta, ...errorFields(e) });
            return json(503, { error: "routing key unavailable" });
        }
        const claims = await claimOccurrences("pagerduty", alerts, meta);
        const t = tally(claims);
        logStale(claims, "pagerduty", meta);
        const sent: AlertmanagerAlert[] = [];
        let failed = 0;
        for (const c of claims.filter((x) => x.verdict === "claimed")) {
            const event = pagerDutyEventForAlert(c.alert, routingKey, c.key);
            try {
                await sendPagerDuty(event, deadline);
                await complete(c, meta);
                sent.push(c.alert);
                log.info("sent to pagerduty", { ...meta, action: event.event_action, dedupKey: event.dedup_key });
            } catch (e) {
                failed++;
                await release(c, meta);
                log.error("pagerduty delivery failed", {
                    ...meta,
                    dedupKey: event.dedup_key,
                    error: (e as Error).message.split(routingKey).join("[redacted]"),
                });
            }
        }
        if (sent.length > 0) await deps.deliveries?.record("pagerduty", subjects(sent));
        if (failed > 0 || t.inFlight > 0)
            return json(503, {
                error: failed > 0 ? "pagerduty delivery failed" : "delivery in progress in another attempt",
                posted: sent.length,
                failed,
                ...t,
            });
        if (sent.length === 0) log.info("duplicate delivery skipped", { ...meta, destination: "pagerduty", ...t });
        return json(200, { status: sent.length > 0 ? "posted" : "duplicate", posted: sent.length, ...t });
    };

    const handleHttp = async (event: FunctionUrlEvent, context?: LambdaContextLike): Promise<FunctionUrlResult> => {
        if (event.requestContext.http.method.toUpperCase() !== "POST") return json(405, { error: "method not allowed" }, { allow: "POST" });
        const denied = await authenticate(event);
        if (denied) return denied;
        const deadline = deadlineFor(context, httpBudgetMs);
        const body = requestBody(event);
        const parsed = parseAlertmanagerPayload(body);
        if (parsed.ok) return handleAlertmanager(parsed.value, deadline, destinationOf(event));

        log.warn("unreadable webhook body; posting raw", { source: "http", reason: parsed.error, bytes: body.length });
        try {
            const result = await deliver(rawDedupeKey(body), formatRaw(parsed.error, redact(body), "the Alertmanager webhook"), deadline, {
                source: "http",
                raw: true,
            });
            return json(200, { status: result, warning: "payload not understood; posted raw" });
        } catch (e) {
            log.error("slack delivery of raw body failed", errorFields(e));
            return json(503, { error: "slack delivery failed" });
        }
    };

    const handle = async (event: unknown, context?: LambdaContextLike): Promise<FunctionUrlResult | undefined> => {
        const incoming = classifyEvent(event);
        if (incoming.kind === "sns") {
            await handleSns(incoming.event, context);
            return undefined;
        }
        if (incoming.kind === "http") return handleHttp(incoming.event, context);
        let raw: string;
        try {
            raw = JSON.stringify(event, null, 2) ?? String(event);
        } catch {
            raw = String(event);
        }
        log.warn("unrecognised event; posting raw", { bytes: raw.length });
        // Throws on failure: the async invocation then lands in the on-failure destination.
        await deliver(undefined, formatRaw("unrecognised event shape", redact(raw), "an unknown source"), deadlineFor(context), {
            source: "unknown",
            raw: true,
        });
        return undefined;
    };

    return { handle, handleSns, handleHttp };
}
