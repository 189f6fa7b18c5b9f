/**
 * `npm run drill`: a fire drill through the real pipeline, marked DRILL wherever it shows.
 *
 * CloudWatch path: the stack's drill alarm of the chosen route (`<prefix>-alerting-DRILL-warning`
 * as `alertingNames(prefix).drillAlarm` in components/common/naming.ts builds it, read from the stack outputs,
 * or `-critical` with `--page`) is set to ALARM with SetAlarmState; its notification takes the real
 * path (SNS topic → notifier → Slack, email, and PagerDuty through the forwarder on the critical
 * topic). CloudWatch returns the alarm to OK by itself within seconds (nothing publishes its
 * metric); the drill sets OK itself if it has not, and waits for the RESOLVED.
 *
 * Prometheus path: an alert posted to Alertmanager through Grafana's Alertmanager data source
 * (operators reach Alertmanager only that way), labelled drill="true": Alertmanager's drill route
 * sends it to the `drill` receiver (Slack, warning email), or, with `--page` (page="true"), to the
 * critical one (PagerDuty too). Resolved by posting it again with endsAt = now.
 *
 * Each delivery the pipeline can confirm is confirmed, and timed from the injection:
 *   Slack      the notifier's delivery record (DynamoDB, functions/src/contract/deliveries.ts): exact time
 *   PagerDuty  CloudWatch path: the forwarder's delivery record (exact); Prometheus path: the
 *              notifier's PagerDuty delivery record (exact) when Alertmanager pages through the
 *              notifier, else Alertmanager's own counter alertmanager_notifications_total{integration="pagerduty"}
 *              read through Prometheus (observed: up to a scrape interval late)
 *   email      SNS NumberOfNotificationsDelivered on the topic (observed, one-minute metric):
 *              SNS has no delivery-status logging for email, so "handed to the email service" is
 *              the most the pipeline can confirm (delivery status logging covers Firehose, SQS, Lambda, HTTP/S and platform endpoints: https://docs.aws.amazon.com/sns/latest/dg/sns-topic-attributes.html)
 *
 * Never pages without --page: before injecting, it checks that the warning topic has no PagerDuty
 * subscriber and that Alertmanager's first route matching the drill alert is a receiver without
 * PagerDuty; if either is not so, it stops without injecting anything.
 */
import { DescribeAlarmsCommand, GetMetricDataCommand, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import { ListSubscriptionsByTopicCommand, type Subscription } from "@aws-sdk/client-sns";
import { parse } from "yaml";
import { GetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
    deliveryKey,
    deliveryRecordOf,
    DRILL_LABELS,
    type DeliveryChannel,
    type DeliveryItem,
    type DeliveryRecord,
    type DeliverySubject,
} from "../functions/src/contract";
import type { AwsClients } from "./clients";
import type { DataSources } from "./grafana";
import type { StackOutputs } from "./outputs";

export const DRILL_PATHS = ["cloudwatch", "prometheus", "all"] as const;
export type DrillPath = (typeof DRILL_PATHS)[number];

export interface DrillOptions {
    readonly path: DrillPath;
    /** Take the critical route: PagerDuty pages. @default false */
    readonly page?: boolean;
    /** Longest wait for one delivery, seconds. @default 300 */
    readonly timeoutSeconds?: number;
    /** @default 2000 */
    readonly pollMs?: number;
    /** Names this drill in every message. @default a random id */
    readonly id?: string;
    /** Who started it, shown in the alarm reason and the alert. @default $USER or "unknown" */
    readonly by?: string;
    /** Progress lines while it runs. @default silent */
    readonly log?: (line: string) => void;
    /** @default Date.now */
    readonly now?: () => number;
    /** A delivery record may carry a clock this far behind ours (Lambda's vs this machine's). @default 5000 */
    readonly clockSkewMs?: number;
}

export interface DrillContext {
    readonly outputs: StackOutputs;
    readonly aws: AwsClients;
    readonly grafana?: DataSources | (() => Promise<DataSources>);
}

/** One confirmed (or not) delivery, timed from its injection. */
export interface DrillStep {
    readonly path: "cloudwatch" | "prometheus";
    /** e.g. `Slack FIRING`, `PagerDuty trigger`, `email (SNS)`. */
    readonly what: string;
    /** `delivered`, `not paged` (as it must be without --page), `skipped` (nothing to confirm), `failed`. */
    readonly outcome: "delivered" | "not paged" | "skipped" | "failed";
    /** Seconds from injection to the delivery (exact or observed, as `detail` says). */
    readonly seconds?: number;
    readonly detail: string;
}

export interface DrillReport {
    readonly id: string;
    readonly page: boolean;
    readonly steps: DrillStep[];
    /** Set when the drill stopped before injecting anything (a route that would page). */
    readonly refused?: string;
}

/** A drill refuses to start: nothing was injected. */
class DrillRefused extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DrillRefused";
    }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
    readonly ctx: DrillContext;
    readonly id: string;
    readonly page: boolean;
    readonly by: string;
    readonly timeoutMs: number;
    readonly pollMs: number;
    readonly skewMs: number;
    readonly now: () => number;
    readonly log: (line: string) => void;
}

export async function runDrill(ctx: DrillContext, options: DrillOptions): Promise<DrillReport> {
    const run: Run = {
        ctx,
        id: options.id ?? `drill-${Math.random().toString(36).slice(2, 8)}`,
        page: options.page ?? false,
        by: options.by ?? process.env["USER"] ?? "unknown",
        timeoutMs: (options.timeoutSeconds ?? 300) * 1000,
        pollMs: options.pollMs ?? 2000,
        skewMs: options.clockSkewMs ?? 5000,
        now: options.now ?? Date.now,
        log: options.log ?? (() => undefined),
    };
    const paths = options.path === "all" ? (["cloudwatch", "prometheus"] as const) : [options.path];
    const steps: DrillStep[] = [];
    try {
        // Every refusal check first, for every path: a drill that would page stops before anything is injected.
        const prepared = [];
        for (const p of paths) prepared.push(p === "cloudwatch" ? await prepareCloudWatch(run) : await preparePrometheus(run));
        for (const go of prepared) steps.push(...(await go()));
    } catch (e) {
        if (e instanceof DrillRefused) return { id: run.id, page: run.page, steps, refused: e.message };
        throw e;
    }
    return { id: run.id, page: run.page, steps };
}

// ── shared waits ───────────────────────────────────────────────────────────────────────────

/** The latest delivery under `key`, or undefined. Strongly consistent: a drill polls right after. */
export async function readDelivery(client: DynamoDBClient, tableName: string, key: string): Promise<DeliveryRecord | undefined> {
    const out = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: key } }, ConsistentRead: true }));
    return deliveryRecordOf(key, out.Item as DeliveryItem | undefined);
}

/** Polls the delivery record `channel`/`subject` until one at or after `since` appears. */
async function waitForRecord(run: Run, channel: DeliveryChannel, subject: DeliverySubject, since: number): Promise<number | undefined> {
    const table = run.ctx.outputs.verification.deliveryTable as string;
    const key = deliveryKey(channel, subject);
    const deadline = run.now() + run.timeoutMs;
    for (;;) {
        const r = await readDelivery(run.ctx.aws.dynamodb, table, key);
        if (r !== undefined && r.deliveredAt >= since - run.skewMs) return r.deliveredAt;
        if (run.now() >= deadline) return undefined;
        await sleep(run.pollMs);
    }
}

const topicName = (arn: string) => arn.split(":").pop() ?? arn;

async function subscriptions(run: Run, topicArn: string): Promise<Subscription[]> {
    const subs: Subscription[] = [];
    let token: string | undefined;
    do {
        const out = await run.ctx.aws.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }));
        subs.push(...(out.Subscriptions ?? []));
        token = out.NextToken;
    } while (token !== undefined);
    return subs;
}

const isEmail = (s: Subscription) => s.Protocol === "email" || s.Protocol === "email-json";
const confirmed = (s: Subscription) => (s.SubscriptionArn ?? "").startsWith("arn:");

/** SNS deliveries and failures on `topicArn` since `since` (one-minute metric; CloudWatch adds its delay). */
async function snsCounts(run: Run, topicArn: string, since: number): Promise<{ delivered: number; failed: number }> {
    const metric = (id: string, name: string) => ({
        Id: id,
        MetricStat: {
            Metric: { Namespace: "AWS/SNS", MetricName: name, Dimensions: [{ Name: "TopicName", Value: topicName(topicArn) }] },
            Period: 60,
            Stat: "Sum",
        },
        ReturnData: true,
    });
    const out = await run.ctx.aws.cloudwatch.send(
        new GetMetricDataCommand({
            MetricDataQueries: [metric("delivered", "NumberOfNotificationsDelivered"), metric("failed", "NumberOfNotificationsFailed")],
            StartTime: new Date(Math.floor((since - 60_000) / 60_000) * 60_000),
            EndTime: new Date(run.now() + 60_000),
        }),
    );
    const sum = (id: string) =>
        (out.MetricDataResults ?? [])
            .filter((r) => r.Id === id)
            .flatMap((r) => r.Values ?? [])
            .reduce((a, b) => a + b, 0);
    return { delivered: sum("delivered"), failed: sum("failed") };
}

/** Email on `topicArn`: waits until SNS counts `messages` deliveries to each confirmed subscriber. */
async function confirmEmail(run: Run, path: DrillStep["path"], topicArn: string | undefined, messages: number, since: number): Promise<DrillStep> {
    const what = "email (SNS)";
    if (topicArn === undefined) return { path, what, outcome: "skipped", detail: "this route has no email topic (no addresses for this severity)" };
    const subs = await subscriptions(run, topicArn);
    const emails = subs.filter(isEmail);
    if (emails.length === 0) return { path, what, outcome: "skipped", detail: `no email subscriber on ${topicName(topicArn)}` };
    const pending = emails.filter((s) => !confirmed(s));
    // The metric counts every protocol's deliveries (Lambda subscribers too): expect one per confirmed subscriber and message.
    const expected = subs.filter(confirmed).length * messages;
    const pendingNote =
        pending.length > 0
            ? `; ${pending.length} address(es) never confirmed their subscription and get nothing: ${pending.map((s) => s.Endpoint).join(", ")}`
            : "";
    if (pending.length === emails.length)
        return { path, what, outcome: "failed", detail: `every email subscription of ${topicName(topicArn)} is pending confirmation${pendingNote}` };
    const deadline = run.now() + run.timeoutMs;
    for (;;) {
        const c = await snsCounts(run, topicArn, since);
        if (c.failed > 0) return { path, what, outcome: "failed", detail: `SNS counted ${c.failed} failed deliveries on ${topicName(topicArn)}${pendingNote}` };
        if (c.delivered >= expected) {
            return {
                path,
                what,
                outcome: "delivered",
                seconds: (run.now() - since) / 1000,
                detail: `SNS counted ${c.delivered} deliveries on ${topicName(topicArn)} for ${subs.filter(confirmed).length} confirmed subscribers × ${messages} messages (observed in a one-minute metric; SNS has no per-message status for email)${pendingNote}`,
            };
        }
        if (run.now() >= deadline)
            return {
                path,
                what,
                outcome: "failed",
                detail: `SNS counted ${c.delivered} of ${expected} deliveries on ${topicName(topicArn)} within ${run.timeoutMs / 1000} s${pendingNote}`,
            };
        // The figure is a one-minute metric: no use asking much more often.
        await sleep(run.pollMs * 5);
    }
}

const recordStep = (path: DrillStep["path"], what: string, at: number | undefined, since: number, run: Run, source: string): DrillStep =>
    at === undefined
        ? { path, what, outcome: "failed", detail: `no ${source} within ${run.timeoutMs / 1000} s` }
        : { path, what, outcome: "delivered", seconds: Math.max(0, at - since) / 1000, detail: `${source} (exact)` };

// ── CloudWatch path ────────────────────────────────────────────────────────────────────────

async function prepareCloudWatch(run: Run): Promise<() => Promise<DrillStep[]>> {
    const v = run.ctx.outputs.verification;
    const sev = run.page ? "critical" : "warning";
    const alarmName = v.drillAlarms[sev];
    const topicArn = run.ctx.outputs.alertTopicArns[sev];
    if (topicArn === undefined) throw new DrillRefused(`no ${sev} topic in the stack outputs (alertTopicArns.${sev})`);
    const [alarm] = (await run.ctx.aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ["MetricAlarm"] }))).MetricAlarms ?? [];
    if (alarm === undefined) throw new DrillRefused(`the drill alarm ${alarmName} does not exist: run pulumi up`);
    const actions = alarm.AlarmActions ?? [];
    const subs = await subscriptions(run, topicArn);
    const pd = v.pagerdutyFunctionName;
    const paging = pd !== undefined && subs.some((s) => s.Protocol === "lambda" && (s.Endpoint ?? "").split(":")[6] === pd);
    if (!run.page) {
        const elsewhere = actions.filter((a) => a !== topicArn);
        if (elsewhere.length > 0)
            throw new DrillRefused(`${alarmName} would also notify ${elsewhere.join(", ")}; a drill without --page uses the warning topic only`);
        if (paging)
            throw new DrillRefused(
                `the warning topic ${topicName(topicArn)} has the PagerDuty forwarder subscribed: a drill would page; not running without --page`,
            );
    }
    return async () => {
        const path = "cloudwatch" as const;
        const steps: DrillStep[] = [];
        const injectedAt = run.now();
        run.log(`cloudwatch: ${alarmName} → ALARM (SetAlarmState)`);
        await run.ctx.aws.cloudwatch.send(
            new SetAlarmStateCommand({
                AlarmName: alarmName,
                StateValue: "ALARM",
                StateReason: `DRILL ${run.id} by ${run.by}: a fire drill of the ${sev} route (npm run drill). Nobody needs to act.`,
            }),
        );
        const records = v.deliveryTable !== undefined;
        const fire = async (channel: DeliveryChannel, state: "ALARM" | "OK", what: string, since: number) =>
            steps.push(
                recordStep(
                    path,
                    what,
                    await waitForRecord(run, channel, { kind: "cloudwatch", alarmName, state }, since),
                    since,
                    run,
                    `${channel === "slack" ? "the notifier's" : "the forwarder's"} delivery record`,
                ),
            );
        if (records && v.notifierFunctionName !== undefined) await fire("slack", "ALARM", "Slack FIRING", injectedAt);
        else
            steps.push({
                path,
                what: "Slack FIRING",
                outcome: "skipped",
                detail: "no notifier delivery records in this stack (Chatbot mode): check the channel",
            });
        if (run.page && records && paging) await fire("pagerduty", "ALARM", "PagerDuty trigger", injectedAt);
        else if (run.page) steps.push({ path, what: "PagerDuty trigger", outcome: "skipped", detail: "PagerDuty is off in this stack" });
        else steps.push({ path, what: "PagerDuty", outcome: "not paged", detail: `warning route: ${topicName(topicArn)} has no PagerDuty subscriber` });

        // CloudWatch usually returned the alarm to OK already (its actual state); if not, the drill does.
        const [now] =
            (await run.ctx.aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ["MetricAlarm"] }))).MetricAlarms ?? [];
        if (now?.StateValue === "ALARM") {
            run.log(`cloudwatch: ${alarmName} → OK (SetAlarmState)`);
            await run.ctx.aws.cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: "OK", StateReason: `DRILL ${run.id} over.` }));
        }
        if (records && v.notifierFunctionName !== undefined) await fire("slack", "OK", "Slack RESOLVED", injectedAt);
        if (run.page && records && paging) await fire("pagerduty", "OK", "PagerDuty resolve", injectedAt);
        steps.push(await confirmEmail(run, path, topicArn, 2, injectedAt));
        return steps;
    };
}

// ── Prometheus path ────────────────────────────────────────────────────────────────────────

interface AmRoute {
    receiver?: string;
    matchers?: string[];
    match?: Record<string, string>;
    match_re?: Record<string, string>;
    continue?: boolean;
    routes?: AmRoute[];
}
interface AmReceiver {
    name: string;
    pagerduty_configs?: unknown[];
    webhook_configs?: { url?: string }[];
}

/** PagerDuty through the notifier: a webhook to its `…/pagerduty` path (alertmanager/config.ts `notifierPagerDutyUrl`). */
const pagerDutyWebhooks = (r: AmReceiver | undefined) => (r?.webhook_configs ?? []).filter((w) => /\/pagerduty\/?$/.test(w.url ?? ""));

/** Whether an Alertmanager route's matchers may match `labels` (unknown forms count as a match: the check stays safe). */
export function routeMatches(route: AmRoute, labels: Record<string, string>): boolean {
    const conds: [string, string, string][] = [];
    for (const m of route.matchers ?? []) {
        const x = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/.exec(m);
        if (x === null) return true;
        conds.push([x[1] as string, x[2] as string, x[3] as string]);
    }
    for (const [k, v] of Object.entries(route.match ?? {})) conds.push([k, "=", v]);
    for (const [k, v] of Object.entries(route.match_re ?? {})) conds.push([k, "=~", v]);
    return conds.every(([k, op, v]) => {
        const val = labels[k] ?? "";
        if (op === "=") return val === v;
        if (op === "!=") return val !== v;
        const re = new RegExp(`^(?:${v})$`);
        return op === "=~" ? re.test(val) : !re.test(val);
    });
}

/** The receivers a set of labels reaches in an Alertmanager config (first match per level; `continue` goes on). */
export function receiversFor(config: { route?: AmRoute }, labels: Record<string, string>): string[] {
    const walk = (route: AmRoute, inherited: string): string[] => {
        const receiver = route.receiver ?? inherited;
        const out: string[] = [];
        for (const child of route.routes ?? []) {
            if (!routeMatches(child, labels)) continue;
            out.push(...walk(child, receiver));
            if (child.continue !== true) return out;
        }
        return out.length > 0 ? out : [receiver];
    };
    return config.route === undefined ? [] : walk(config.route, config.route.receiver ?? "");
}

async function promSum(grafana: DataSources, query: string): Promise<number> {
    const data = await grafana.prometheus<{ result?: { value?: [number, string] }[] }>("/api/v1/query", { query });
    return (data.result ?? []).reduce((a, r) => a + Number(r.value?.[1] ?? 0), 0);
}

async function preparePrometheus(run: Run): Promise<() => Promise<DrillStep[]>> {
    const v = run.ctx.outputs.verification;
    if (v.grafana === undefined || run.ctx.grafana === undefined) throw new DrillRefused("this stack has no monitoring layer: no Prometheus path to drill");
    const grafana = typeof run.ctx.grafana === "function" ? await run.ctx.grafana() : run.ctx.grafana;
    const sev = run.page ? "critical" : "warning";
    const labels: Record<string, string> = {
        alertname: DRILL_LABELS.alertname,
        [DRILL_LABELS.drill]: "true",
        [DRILL_LABELS.id]: run.id,
        severity: sev,
        ...(run.page ? { [DRILL_LABELS.page]: "true" } : {}),
    };
    // The route this alert takes, read from the running Alertmanager (not from this checkout).
    const status = await grafana.alertmanager<{ config?: { original?: string } }>("GET", "/api/v2/status");
    const config = parse(status.config?.original ?? "") as { route?: AmRoute; receivers?: AmReceiver[] } | null;
    if (config === null || config.route === undefined) throw new DrillRefused("Alertmanager's status has no configuration to check the drill's route against");
    const receivers = receiversFor(config, labels);
    const receiver = (r: string) => (config.receivers ?? []).find((x) => x.name === r);
    const pages = receivers.filter((r) => (receiver(r)?.pagerduty_configs?.length ?? 0) > 0 || pagerDutyWebhooks(receiver(r)).length > 0);
    const pagesViaNotifier = receivers.some((r) => pagerDutyWebhooks(receiver(r)).length > 0);
    if (!run.page && pages.length > 0)
        throw new DrillRefused(
            `Alertmanager would send a drill alert without page="true" to ${pages.join(", ")}, which pages: not running without --page (deploy the drill route: components/alerting/alertmanager/config.ts)`,
        );
    return async () => {
        const path = "prometheus" as const;
        const steps: DrillStep[] = [];
        const pdQuery = `sum(alertmanager_notifications_total{integration="pagerduty"}) - sum(alertmanager_notifications_failed_total{integration="pagerduty"} or vector(0))`;
        const pdBefore = run.page ? await promSum(grafana, pdQuery) : 0;
        const injectedAt = run.now();
        const alert = (endsAt: number) => [
            {
                labels,
                annotations: {
                    summary: `DRILL: a test alert through Prometheus's path (${sev} route), nobody needs to act`,
                    description: `Fire drill ${run.id} started by ${run.by} with npm run drill. It proves Alertmanager → ${receivers.join(", ")} end to end.`,
                    runbook_url: "runbooks/FireDrill.md",
                },
                startsAt: new Date(injectedAt).toISOString(),
                endsAt: new Date(endsAt).toISOString(),
            },
        ];
        run.log(`prometheus: POST /api/v2/alerts ${DRILL_LABELS.alertname} ${DRILL_LABELS.id}=${run.id} → ${receivers.join(", ")}`);
        await grafana.alertmanager("POST", "/api/v2/alerts", alert(injectedAt + run.timeoutMs + 600_000));
        let fingerprint: string | undefined;
        const deadline = run.now() + run.timeoutMs;
        while (fingerprint === undefined && run.now() < deadline) {
            const found = await grafana.alertmanager<{ fingerprint?: string }[]>(
                "GET",
                `/api/v2/alerts?filter=${encodeURIComponent(`${DRILL_LABELS.id}="${run.id}"`)}`,
            );
            fingerprint = found[0]?.fingerprint;
            if (fingerprint === undefined) await sleep(run.pollMs);
        }
        if (fingerprint === undefined)
            return [
                {
                    path,
                    what: "Alertmanager",
                    outcome: "failed",
                    detail: `the posted alert never showed in Alertmanager's alerts within ${run.timeoutMs / 1000} s`,
                },
            ];
        const records = v.deliveryTable !== undefined && v.notifierFunctionName !== undefined;
        const slack = async (status: "firing" | "resolved", what: string) => {
            if (!records)
                return steps.push({ path, what, outcome: "skipped", detail: "no notifier delivery records in this stack (Chatbot mode): check the channel" });
            return steps.push(
                recordStep(
                    path,
                    what,
                    await waitForRecord(run, "slack", { kind: "alertmanager", fingerprint: fingerprint as string, status }, injectedAt),
                    injectedAt,
                    run,
                    "the notifier's delivery record",
                ),
            );
        };
        const pagerduty = async (count: number, what: string) => {
            // Through the notifier: its delivery record of this alert, exact (as for Slack).
            if (pagesViaNotifier && records)
                return steps.push(
                    recordStep(
                        path,
                        what,
                        await waitForRecord(
                            run,
                            "pagerduty",
                            { kind: "alertmanager", fingerprint: fingerprint as string, status: count === 1 ? "firing" : "resolved" },
                            injectedAt,
                        ),
                        injectedAt,
                        run,
                        "the notifier's PagerDuty delivery record",
                    ),
                );
            const until = run.now() + run.timeoutMs;
            for (;;) {
                const n = (await promSum(grafana, pdQuery)) - pdBefore;
                if (n >= count)
                    return steps.push({
                        path,
                        what,
                        outcome: "delivered",
                        seconds: (run.now() - injectedAt) / 1000,
                        detail: `Alertmanager counted ${n} PagerDuty deliveries since the injection (alertmanager_notifications_total, observed through Prometheus: up to one scrape late)`,
                    });
                if (run.now() >= until)
                    return steps.push({
                        path,
                        what,
                        outcome: "failed",
                        detail: `Alertmanager counted ${n} of ${count} PagerDuty deliveries within ${run.timeoutMs / 1000} s (check alertmanager_notifications_failed_total and the routing key secret)`,
                    });
                await sleep(run.pollMs);
            }
        };
        await slack("firing", "Slack FIRING");
        if (run.page) await pagerduty(1, "PagerDuty trigger");
        else steps.push({ path, what: "PagerDuty", outcome: "not paged", detail: `drill route: ${receivers.join(", ")} has no PagerDuty` });
        run.log(`prometheus: resolving ${run.id} (endsAt = now)`);
        await grafana.alertmanager("POST", "/api/v2/alerts", alert(run.now()));
        await slack("resolved", "Slack RESOLVED");
        if (run.page) await pagerduty(2, "PagerDuty resolve");
        steps.push(await confirmEmail(run, path, run.ctx.outputs.alertTopicArns[`email-${sev}`], 2, injectedAt));
        return steps;
    };
}
