/**
 * `npm run verify`: is the deployed stack healthy, and does its monitoring see it? Read-only: it
 * calls only Describe/List/Get APIs and plain HTTP GETs. Each check returns lines (PASS, or FAIL
 * with the reason and the next step); the command exits non-zero when any line failed.
 *
 *   load balancer   GET <appUrl><healthCheckPath> answers 200
 *   ecs <service>   the PRIMARY deployment runs the task definition this stack deployed (else ECS
 *                   rolled the deployment back: `pulumi up` can end green on a rolled-back service,
 *                   see components/common/ecs.ts), rollout COMPLETED, running = desired, no other
 *                   deployment, no crash loop among recently stopped tasks, deployment alarms set
 *   prometheus      through Grafana's data-source proxy: every scrape job has targets, all up;
 *                   every alert rule loaded, none in error
 *   alarm data      every alarm on a continuously published metric has data (its publisher lives)
 *   notifier, pagerduty forwarder   Lambda state, and no errors in the window
 *   failed notifications            the Lambdas' on-failure queue is empty
 *   heartbeat       the Watchdog heartbeat alarm is OK
 */
import { DescribeAlarmsCommand, GetMetricDataCommand, type MetricAlarm, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, type Service, type Task } from "@aws-sdk/client-ecs";
import { GetFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { GetQueueAttributesCommand, GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { livenessProbes, type LivenessProbe, type MetricRef } from "../components/alerting/deployment-alarms";
import type { AwsClients } from "./clients";
import { GrafanaError, type DataSources } from "./grafana";
import type { StackOutputs } from "./outputs";
import { fail, pass, type CheckResult } from "./report";

export interface VerifyOptions {
    /** @default Date.now */
    readonly now?: () => number;
    /** Stopped tasks younger than this count towards a crash loop. @default 15 */
    readonly crashWindowMinutes?: number;
    /** Stopped tasks (abnormal) within the window that make a crash loop. @default 2 */
    readonly crashThreshold?: number;
    /** Lambda errors are counted over this window. @default 30 */
    readonly errorWindowMinutes?: number;
    /** An alarm's publisher is alive if its metric has a datapoint this recent. @default 10 */
    readonly dataWindowMinutes?: number;
    /** HTTP timeout of the load-balancer check. @default 10000 */
    readonly httpTimeoutMs?: number;
}

export interface VerifyContext {
    readonly outputs: StackOutputs;
    readonly aws: AwsClients;
    /** Grafana's proxy, signed in; undefined when the stack has no monitoring layer. */
    readonly grafana?: DataSources | (() => Promise<DataSources>);
}

/** Runs every check; the caller prints the lines and exits non-zero if any failed. */
export async function runVerify(ctx: VerifyContext, options: VerifyOptions = {}): Promise<CheckResult[]> {
    const o = { now: Date.now, crashWindowMinutes: 15, crashThreshold: 2, errorWindowMinutes: 30, dataWindowMinutes: 10, httpTimeoutMs: 10_000, ...options };
    const guard = async (check: string, fn: () => Promise<CheckResult[]>): Promise<CheckResult[]> => {
        try {
            return await fn();
        } catch (e) {
            if (e instanceof GrafanaError) return [fail(check, e.message, e.next)];
            return [
                fail(
                    check,
                    `could not check: ${(e as Error).name}: ${(e as Error).message}`,
                    "check the AWS credentials and region (read-only access to ECS, CloudWatch, SQS, Lambda, Secrets Manager is enough)",
                ),
            ];
        }
    };
    const results: CheckResult[] = [];
    results.push(...(await guard("load balancer", () => checkHealthz(ctx.outputs, o.httpTimeoutMs))));
    results.push(...(await guard("ecs services", () => checkEcsServices(ctx, o))));
    if (ctx.outputs.verification.grafana !== undefined && ctx.grafana !== undefined) {
        const proxy = ctx.grafana;
        const grafana = async () => (typeof proxy === "function" ? proxy() : proxy);
        results.push(...(await guard("prometheus targets", async () => checkPrometheusTargets(await grafana(), ctx.outputs))));
        results.push(...(await guard("prometheus rules", async () => checkPrometheusRules(await grafana(), ctx.outputs))));
    }
    results.push(...(await guard("alarm data", () => checkAlarmData(ctx, o))));
    results.push(...(await guard("notifier", () => checkLambda(ctx, "notifier", ctx.outputs.verification.notifierFunctionName, ["Errors", "Url5xxCount"], o))));
    results.push(
        ...(await guard("pagerduty forwarder", () => checkLambda(ctx, "pagerduty forwarder", ctx.outputs.verification.pagerdutyFunctionName, ["Errors"], o))),
    );
    results.push(...(await guard("failed notifications", () => checkFailedQueue(ctx))));
    results.push(...(await guard("heartbeat", () => checkHeartbeat(ctx))));
    return results;
}

// ── load balancer ──────────────────────────────────────────────────────────────────────────

async function checkHealthz(outputs: StackOutputs, timeoutMs: number): Promise<CheckResult[]> {
    const url = `${outputs.appUrl.replace(/\/+$/, "")}${outputs.verification.healthCheckPath}`;
    const check = "load balancer";
    const next = `check the target group's health (aws elbv2 describe-target-health) and the web service's logs (webLogGroup output)`;
    try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
        if (res.status === 200) return [pass(check, `GET ${url} answered 200`)];
        return [fail(check, `GET ${url} answered ${res.status}`, next)];
    } catch (e) {
        const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
        return [fail(check, `GET ${url} failed (${cause})`, `run from an address in koronet:service.allowedCidrs; then ${next}`)];
    }
}

// ── ECS ─────────────────────────────────────────────────────────────────────────────────────

/** `arn:...:task-definition/web:8` → `web:8`. */
export const revision = (arn: string | undefined): string => arn?.split("/").pop() ?? "?";

/**
 * Stopped tasks that are not the scheduler's ordinary replacements: a container exited, a task
 * failed to start, or the load balancer's health checks failed it
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html).
 */
export function abnormalStop(t: Task): string | undefined {
    const reason = t.stoppedReason ?? "";
    const exited = (t.containers ?? []).filter((c) => c.exitCode !== undefined && c.exitCode !== 0);
    if (t.stopCode === "EssentialContainerExited" || exited.length > 0) {
        const c = exited[0];
        return c !== undefined ? `${c.name} exited ${c.exitCode}${c.reason ? ` (${c.reason})` : ""}` : reason || "essential container exited";
    }
    if (t.stopCode === "TaskFailedToStart") return `failed to start: ${reason}`;
    if (/health check/i.test(reason)) return reason;
    return undefined;
}

async function checkEcsServices(ctx: VerifyContext, o: Required<VerifyOptions>): Promise<CheckResult[]> {
    const v = ctx.outputs.verification;
    const cluster = ctx.outputs.clusterName;
    const entries = Object.entries(v.ecsServices).sort(([a], [b]) => a.localeCompare(b));
    const described = new Map<string, Service>();
    for (let i = 0; i < entries.length; i += 10) {
        const names = entries.slice(i, i + 10).map(([, s]) => s.serviceName);
        const out = await ctx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: names }));
        for (const s of out.services ?? []) if (s.serviceName !== undefined) described.set(s.serviceName, s);
    }
    const results: CheckResult[] = [];
    for (const [key, want] of entries) {
        const check = `ecs ${key} (${want.serviceName})`;
        const svc = described.get(want.serviceName);
        const events = `aws ecs describe-services --cluster ${cluster} --services ${want.serviceName} --query 'services[0].events[:10]'`;
        if (svc === undefined || svc.status !== "ACTIVE") {
            results.push(
                fail(
                    check,
                    `no ACTIVE service ${want.serviceName} in cluster ${cluster} (${svc?.status ?? "missing"})`,
                    "run pulumi up; if it exists under another name, pulumi refresh",
                ),
            );
            continue;
        }
        const problems: string[] = [];
        let next = `read the service events: ${events}`;
        const primary = (svc.deployments ?? []).find((d) => d.status === "PRIMARY");
        if (primary === undefined) problems.push("no PRIMARY deployment");
        else if (primary.taskDefinition !== want.taskDefinitionArn) {
            problems.push(
                `runs ${revision(primary.taskDefinition)}, but this stack deployed ${revision(want.taskDefinitionArn)}: ECS rolled the deployment back${primary.rolloutStateReason ? ` (${primary.rolloutStateReason})` : ""}`,
            );
            next = `find why the new revision failed (${events}, and its stopped tasks' logs), fix it, then pulumi up --refresh (a plain pulumi up sees no change after a rollback)`;
        } else if (primary.rolloutState !== undefined && primary.rolloutState !== "COMPLETED") {
            problems.push(`deployment ${primary.rolloutState}${primary.rolloutStateReason ? ` (${primary.rolloutStateReason})` : ""}`);
        }
        const others = (svc.deployments ?? []).filter((d) => d.status !== "PRIMARY");
        if (others.length > 0)
            problems.push(`${others.length} other deployment(s) still ${others.map((d) => `${d.status} on ${revision(d.taskDefinition)}`).join(", ")}`);
        if ((svc.runningCount ?? 0) < (svc.desiredCount ?? 0)) problems.push(`runs ${svc.runningCount ?? 0} of ${svc.desiredCount ?? 0} tasks`);
        if ((svc.desiredCount ?? 0) === 0) problems.push("desired count is 0");

        const loop = await crashLoop(ctx, cluster, want.serviceName, o);
        if (loop.length >= o.crashThreshold) {
            problems.push(
                `crash loop: ${loop.length} tasks stopped abnormally in the last ${o.crashWindowMinutes} min (${[...new Set(loop)].slice(0, 3).join("; ")})`,
            );
            next = `read the stopped tasks' container logs (the service's log group in the stack outputs) and ${events}`;
        }

        const wantAlarms = v.deploymentAlarms[want.serviceName] ?? [];
        const alarms = svc.deploymentConfiguration?.alarms;
        if (wantAlarms.length > 0) {
            const missing = wantAlarms.filter((a) => !(alarms?.alarmNames ?? []).includes(a));
            if (missing.length > 0 || alarms?.enable !== true || alarms.rollback !== true) {
                problems.push(
                    `deployment alarms not in force (missing ${missing.join(", ") || "none"}, enable ${String(alarms?.enable)}, rollback ${String(alarms?.rollback)})`,
                );
            }
        }

        if (problems.length > 0) results.push(fail(check, problems.join("; "), next));
        else {
            const guarded = wantAlarms.length > 0 ? `, deployment alarms ${wantAlarms.map((a) => a.replace(/^.*?-(?=[A-Z])/, "")).join(", ")}` : "";
            results.push(
                pass(
                    check,
                    `${svc.runningCount}/${svc.desiredCount} tasks on ${revision(want.taskDefinitionArn)} (${primary?.rolloutState ?? "COMPLETED"}), no crash loop${guarded}`,
                ),
            );
        }
    }
    return results;
}

/** Reasons of the abnormal stops of `service`'s tasks within the window. */
async function crashLoop(ctx: VerifyContext, cluster: string, service: string, o: Required<VerifyOptions>): Promise<string[]> {
    // Stopped tasks stay listed for at least an hour
    // (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTasks.html: "Recently stopped tasks might appear").
    const list = await ctx.aws.ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: "STOPPED", maxResults: 100 }));
    const arns = list.taskArns ?? [];
    if (arns.length === 0) return [];
    const since = o.now() - o.crashWindowMinutes * 60_000;
    const reasons: string[] = [];
    for (let i = 0; i < arns.length; i += 100) {
        const out = await ctx.aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }));
        for (const t of out.tasks ?? []) {
            const at = (t.stoppedAt ?? t.stoppingAt)?.getTime();
            if (at === undefined || at < since) continue;
            const why = abnormalStop(t);
            if (why !== undefined) reasons.push(why);
        }
    }
    return reasons;
}

// ── Prometheus, through Grafana ─────────────────────────────────────────────────────────────

interface ActiveTarget {
    labels?: Record<string, string>;
    scrapePool?: string;
    health?: string;
    lastError?: string;
    scrapeUrl?: string;
}

async function checkPrometheusTargets(grafana: DataSources, outputs: StackOutputs): Promise<CheckResult[]> {
    const check = "prometheus targets";
    const jobs = outputs.verification.prometheus?.jobs ?? [];
    const data = await grafana.prometheus<{ activeTargets?: ActiveTarget[] }>("/api/v1/targets", { state: "active" });
    const targets = data.activeTargets ?? [];
    const jobOf = (t: ActiveTarget) => t.labels?.["job"] ?? t.scrapePool ?? "?";
    const problems: string[] = [];
    for (const job of jobs) if (!targets.some((t) => jobOf(t) === job)) problems.push(`job ${job}: no target discovered`);
    for (const t of targets) {
        if (t.health !== "up")
            problems.push(
                `job ${jobOf(t)}, instance ${t.labels?.["instance"] ?? "?"}: ${t.health ?? "unknown"}${t.scrapeUrl ? ` at ${t.scrapeUrl}` : ""}${t.lastError ? ` (${t.lastError})` : ""}`,
            );
    }
    if (problems.length > 0)
        return [
            fail(
                check,
                problems.join("; "),
                "a job without targets: its discovery (Cloud Map registration, ECS service); a target down: its service, its security group (Prometheus must reach its port), its logs",
            ),
        ];
    return [pass(check, `${targets.length} targets up in ${jobs.length} jobs (${jobs.join(", ")})`)];
}

interface RuleGroup {
    name?: string;
    rules?: { name?: string; type?: string; health?: string; lastError?: string }[];
}

async function checkPrometheusRules(grafana: DataSources, outputs: StackOutputs): Promise<CheckResult[]> {
    const check = "prometheus rules";
    const expected = outputs.verification.prometheus?.alertRules ?? [];
    const data = await grafana.prometheus<{ groups?: RuleGroup[] }>("/api/v1/rules", { type: "alert" });
    const rules = (data.groups ?? []).flatMap((g) => g.rules ?? []);
    const problems: string[] = [];
    const loaded = new Set(rules.map((r) => r.name));
    const missing = expected.filter((a) => !loaded.has(a));
    if (missing.length > 0) problems.push(`not loaded: ${missing.join(", ")}`);
    for (const r of rules) if (r.health === "err") problems.push(`${r.name ?? "?"} in error (${r.lastError ?? "no message"})`);
    if (problems.length > 0)
        return [
            fail(
                check,
                problems.join("; "),
                "the Prometheus image carries its rules (rendered/<stack>/prometheus/rules): check the deployed image is this commit's, and Prometheus's log for rule errors",
            ),
        ];
    return [pass(check, `${rules.length} alert rules loaded, none in error`)];
}

// ── CloudWatch alarms that must have data ───────────────────────────────────────────────────

async function describeAlarms(ctx: VerifyContext, names: readonly string[]): Promise<MetricAlarm[]> {
    const alarms: MetricAlarm[] = [];
    for (let i = 0; i < names.length; i += 100) {
        const out = await ctx.aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), AlarmTypes: ["MetricAlarm"] }));
        alarms.push(...(out.MetricAlarms ?? []));
    }
    return alarms;
}

/** The metrics a deployed alarm reads, from its CloudWatch definition. */
export function alarmMetrics(a: MetricAlarm): MetricRef[] {
    const dims = (d: { Name?: string; Value?: string }[] | undefined) => Object.fromEntries((d ?? []).map((x) => [x.Name ?? "", x.Value ?? ""]));
    const top = a.Namespace && a.MetricName ? [{ namespace: a.Namespace, metricName: a.MetricName, dimensions: dims(a.Dimensions) }] : [];
    const fromQueries = (a.Metrics ?? []).flatMap((q) => {
        const m = q.MetricStat?.Metric;
        return m?.Namespace && m.MetricName ? [{ namespace: m.Namespace, metricName: m.MetricName, dimensions: dims(m.Dimensions) }] : [];
    });
    return [...top, ...fromQueries];
}

const describeMetric = (p: MetricRef) =>
    `${p.namespace} ${p.metricName} (${Object.entries(p.dimensions)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")})`;

async function checkAlarmData(ctx: VerifyContext, o: Required<VerifyOptions>): Promise<CheckResult[]> {
    const names = ctx.outputs.verification.alarmsExpectingData;
    if (names.length === 0) return [pass("alarm data", "no alarm reads a continuously published metric")];
    const alarms = await describeAlarms(ctx, names);
    const results: CheckResult[] = [];
    for (const missing of names.filter((n) => !alarms.some((a) => a.AlarmName === n))) {
        results.push(fail(`alarm data ${missing}`, "alarm not found in CloudWatch", "run pulumi up (the alarm is in the stack but not in the account/region)"));
    }
    const probesOf = new Map(alarms.map((a) => [a.AlarmName ?? "", livenessProbes(alarmMetrics(a))]));
    const unique = new Map<string, LivenessProbe>();
    for (const ps of probesOf.values()) for (const p of ps) unique.set(describeMetric(p), p);
    const probes = [...unique.values()];
    const end = new Date(o.now());
    const start = new Date(o.now() - o.dataWindowMinutes * 60_000);
    const hasData = new Map<string, boolean>();
    for (let i = 0; i < probes.length; i += 500) {
        const batch = probes.slice(i, i + 500);
        const queries: MetricDataQuery[] = batch.map((p, j) => ({
            Id: `p${i + j}`,
            MetricStat: {
                Metric: {
                    Namespace: p.namespace,
                    MetricName: p.metricName,
                    Dimensions: Object.entries(p.dimensions).map(([Name, Value]) => ({ Name, Value })),
                },
                Period: 60,
                Stat: "SampleCount",
            },
            ReturnData: true,
        }));
        let token: string | undefined;
        do {
            const out = await ctx.aws.cloudwatch.send(
                new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end, NextToken: token }),
            );
            for (const r of out.MetricDataResults ?? []) {
                const idx = Number((r.Id ?? "p-1").slice(1));
                const p = probes[idx];
                if (p !== undefined && (r.Values ?? []).length > 0) hasData.set(describeMetric(p), true);
            }
            token = out.NextToken;
        } while (token !== undefined);
    }
    let ok = 0;
    for (const a of alarms) {
        const name = a.AlarmName ?? "?";
        const silent = (probesOf.get(name) ?? []).filter((p) => hasData.get(describeMetric(p)) !== true);
        const problems: string[] = [];
        if (a.StateValue === "INSUFFICIENT_DATA") problems.push(`alarm in INSUFFICIENT_DATA since ${a.StateUpdatedTimestamp?.toISOString() ?? "?"}`);
        for (const p of silent) problems.push(`${describeMetric(p)} has no data in ${o.dataWindowMinutes} min: ${p.source} is not publishing`);
        if (problems.length > 0) {
            const sources = [...new Set(silent.map((p) => p.source))];
            results.push(
                fail(
                    `alarm data ${name}`,
                    problems.join("; "),
                    sources.length > 0
                        ? `check ${sources.join(" and ")} (its container, logs and IAM permission to publish)`
                        : "check the alarm's metrics in the CloudWatch console",
                ),
            );
        } else ok++;
    }
    if (results.length === 0) results.push(pass("alarm data", `${ok} alarms on continuously published metrics have data (${probes.length} publishers alive)`));
    return results;
}

// ── the notification path ───────────────────────────────────────────────────────────────────

async function metricSum(
    ctx: VerifyContext,
    namespace: string,
    metricName: string,
    dimensions: Record<string, string>,
    minutes: number,
    now: number,
): Promise<number> {
    const out = await ctx.aws.cloudwatch.send(
        new GetMetricDataCommand({
            MetricDataQueries: [
                {
                    Id: "m",
                    MetricStat: {
                        Metric: {
                            Namespace: namespace,
                            MetricName: metricName,
                            Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
                        },
                        Period: 60,
                        Stat: "Sum",
                    },
                    ReturnData: true,
                },
            ],
            StartTime: new Date(now - minutes * 60_000),
            EndTime: new Date(now),
        }),
    );
    return (out.MetricDataResults ?? []).flatMap((r) => r.Values ?? []).reduce((a, b) => a + b, 0);
}

async function checkLambda(
    ctx: VerifyContext,
    label: string,
    functionName: string | undefined,
    metrics: readonly string[],
    o: Required<VerifyOptions>,
): Promise<CheckResult[]> {
    if (functionName === undefined) return [];
    const logs = `aws logs tail /aws/lambda/${functionName} --since ${o.errorWindowMinutes}m`;
    const fn = await ctx.aws.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    const problems: string[] = [];
    if (fn.State !== "Active") problems.push(`function state ${fn.State ?? "?"}${fn.StateReason ? ` (${fn.StateReason})` : ""}`);
    if (fn.LastUpdateStatus !== undefined && fn.LastUpdateStatus !== "Successful")
        problems.push(`last update ${fn.LastUpdateStatus}${fn.LastUpdateStatusReason ? ` (${fn.LastUpdateStatusReason})` : ""}`);
    const counts: string[] = [];
    for (const m of metrics) {
        const n = await metricSum(ctx, "AWS/Lambda", m, { FunctionName: functionName }, o.errorWindowMinutes, o.now());
        counts.push(`${m} ${n}`);
        if (n > 0) problems.push(`${n} ${m} in the last ${o.errorWindowMinutes} min`);
    }
    if (problems.length > 0)
        return [
            fail(
                label,
                `${functionName}: ${problems.join("; ")}`,
                `read its log: ${logs} (an unfilled secret shows as "placeholder"; see alertingSecretsToFill)`,
            ),
        ];
    return [pass(label, `${functionName} Active, ${counts.join(", ")} in the last ${o.errorWindowMinutes} min`)];
}

async function checkFailedQueue(ctx: VerifyContext): Promise<CheckResult[]> {
    const name = ctx.outputs.verification.failedNotificationsQueue;
    if (name === undefined) return [];
    const check = "failed notifications";
    const url = (await ctx.aws.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
    const attrs =
        (
            await ctx.aws.sqs.send(
                new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
            )
        ).Attributes ?? {};
    const visible = Number(attrs.ApproximateNumberOfMessages ?? 0);
    const inFlight = Number(attrs.ApproximateNumberOfMessagesNotVisible ?? 0);
    if (visible + inFlight > 0) {
        return [
            fail(
                check,
                `${name} holds ${visible} message(s) (+${inFlight} being read): notifications Lambda gave up on`,
                `read them (aws sqs receive-message --queue-url ${url} --max-number-of-messages 10), fix the cause, then redrive or delete them (runbooks/AlertingPipeline.md)`,
            ),
        ];
    }
    return [pass(check, `${name} is empty`)];
}

async function checkHeartbeat(ctx: VerifyContext): Promise<CheckResult[]> {
    const name = ctx.outputs.verification.alarmNames["watchdog-heartbeat"];
    if (name === undefined) return [];
    const [alarm] = await describeAlarms(ctx, [name]);
    if (alarm === undefined) return [fail("heartbeat", `alarm ${name} not found`, "run pulumi up")];
    if (alarm.StateValue !== "OK") {
        return [
            fail(
                "heartbeat",
                `${name} is ${alarm.StateValue ?? "?"} since ${alarm.StateUpdatedTimestamp?.toISOString() ?? "?"}: the Watchdog is not getting through Prometheus → Alertmanager → notifier`,
                "check the Prometheus and Alertmanager services and the notifier's log (runbooks/Watchdog.md)",
            ),
        ];
    }
    return [pass("heartbeat", `${name} OK since ${alarm.StateUpdatedTimestamp?.toISOString() ?? "?"}`)];
}
