/**
 * A stack "deployed" onto the local pipeline, for `npm run verify` and `npm run drill` end to end.
 *
 * The stack is the committed prod stack: its offline plan gives the alarms, SNS subscriptions and
 * ECS services, its outputs the names the commands read. What it points at is local and real where
 * this machine can run it — the web server (the load balancer's `/healthz`), Prometheus and
 * Alertmanager behind a Grafana data-source proxy stand-in, the notifier (Alertmanager's webhook and
 * the SNS path, the same code as the Lambda) with its delivery records, the PagerDuty forwarder,
 * fake Slack and PagerDuty — and a fake AWS account for the rest (stand-ins/aws.ts): ECS, CloudWatch
 * with SNS, SQS, Lambda, Secrets Manager, DynamoDB. The AWS side publishes its vended metrics
 * (Container Insights, ECS, RDS, ElastiCache) every second; the app-metrics sidecar is simulated by
 * scraping the web server's real `/metrics` every second into `Koronet/App`, so it can die.
 *
 * Differences from the deployed stack, on purpose: no cAdvisor scrape job (no Debian package), no
 * email receivers in Alertmanager (its SNS email integration needs AWS), so the outputs given to the
 * commands drop them (`alertTopicArns.email-*`); task definition ARNs carry revisions.
 */
import { systemClock } from "../../functions/src/shared/clock";
import { PUBLISHED_APP_METRICS } from "../../components/monitoring/sidecars";
import { cloudWatchHeartbeat } from "../../functions/src/notifier/heartbeat";
import { dynamoDbDeliveryLog } from "../../functions/src/shared/deliveries";
import { createNotifier } from "../../functions/src/notifier/notifier";
import { inMemoryDedupeStore } from "../../functions/src/notifier/dedupe";
import type { SnsEvent } from "../../functions/src/notifier/events";
import { createForwarder } from "../../functions/src/pagerduty/forwarder";
import { renderPrometheusRules } from "../../components/monitoring/prometheus/rules";
import { livenessProbes } from "../../components/alerting/deployment-alarms";
import { alarmMetrics } from "../../ops/verify";
import { parseStackOutputs, type StackOutputs } from "../../ops/outputs";
import { runOffline } from "../../scripts/offline/run";
import { Pipeline, type PipelineOptions } from "../pipeline";
import { FakeAws } from "./aws";
import { GrafanaStandIn } from "./grafana";
import { parse } from "yaml";

/** The Koronet/App metrics the sidecar publishes: the sidecar's own list (components/monitoring/sidecars.ts). */
const PUBLISHED: readonly string[] = PUBLISHED_APP_METRICS;

/** The local Prometheus's scrape jobs (e2e/pipeline.ts): the stack's, without cAdvisor. */
const LOCAL_JOBS = ["alertmanager", "koronet", "node", "postgres", "prometheus", "redis"];

/** A timer doing `tick` every `ms` until stopped; `running` says which. */
class Ticker {
    private timer?: NodeJS.Timeout;
    constructor(
        private readonly ms: number,
        private readonly tick: () => Promise<void> | void,
    ) {}
    get running(): boolean {
        return this.timer !== undefined;
    }
    start(): void {
        if (this.timer !== undefined) return;
        const run = () => void Promise.resolve(this.tick()).catch(() => undefined);
        run();
        this.timer = setInterval(run, this.ms);
    }
    stop(): void {
        if (this.timer !== undefined) clearInterval(this.timer);
        this.timer = undefined;
    }
}

export class LocalDeployment {
    private constructor(
        readonly pipeline: Pipeline,
        readonly aws: FakeAws,
        readonly grafana: GrafanaStandIn,
        readonly outputs: StackOutputs,
        /** The app-metrics sidecar: stop it to kill the metrics pipeline. */
        readonly sidecar: Ticker,
        /** AWS's own metrics (Container Insights, ECS, RDS, ElastiCache). */
        readonly vended: Ticker,
        /** Emails SNS handed on, by topic. */
        readonly emails: { topicArn: string; to: string; message: string }[],
    ) {}

    static async start(opts: { readonly stack?: string; readonly log?: (l: string) => void; readonly pipeline?: Pipeline } = {}): Promise<LocalDeployment> {
        const stack = opts.stack ?? "prod";
        const plan = await runOffline(stack);
        const planned = parseStackOutputs(plan.outputs, `the offline plan of ${stack}`);
        const v = planned.verification;
        const aws = new FakeAws({ region: v.region, clusterName: planned.clusterName, alarmReturnMs: 1000 });
        const table = v.deliveryTable as string;
        const prefix = `koronet-${stack}`;
        const notifier: PipelineOptions["notifier"] = {
            deliveries: dynamoDbDeliveryLog(aws.clients.dynamodb, table, systemClock),
            heartbeat: cloudWatchHeartbeat(aws.clients.cloudwatch, prefix),
        };
        const pipeline = opts.pipeline ?? (await Pipeline.start({ log: opts.log, notifier }));
        try {
            const password = `grafana-${Math.random().toString(36).slice(2)}`;
            const grafana = pipeline.stack.add(
                await GrafanaStandIn.start({
                    user: v.grafana?.adminUser ?? "admin",
                    password,
                    datasources: {
                        [v.grafana?.prometheusDatasourceUid ?? "prometheus"]: `http://127.0.0.1:${pipeline.prometheus.port}`,
                        [v.grafana?.alertmanagerDatasourceUid ?? "alertmanager"]: `http://127.0.0.1:${pipeline.alertmanager.port}`,
                    },
                }),
            );
            const outputs = localOutputs(plan.outputs, pipeline, grafana);
            aws.load(plan.resources, outputs, password);

            // SNS subscribers: the notifier's SNS path and the PagerDuty forwarder (their real code), email.
            const deliveries = dynamoDbDeliveryLog(aws.clients.dynamodb, table, systemClock);
            const snsNotifier = createNotifier({
                getSlackWebhookUrl: async () => pipeline.slack.webhookUrl,
                dedupe: inMemoryDedupeStore(systemClock),
                deliveries,
                log: { info: () => undefined, warn: () => undefined, error: () => undefined },
            });
            const snsEvent = (topicArn: string, message: string): SnsEvent =>
                ({
                    Records: [
                        {
                            EventSource: "aws:sns",
                            Sns: {
                                MessageId: `m-${Math.random().toString(36).slice(2)}`,
                                TopicArn: topicArn,
                                Message: message,
                                Timestamp: new Date().toISOString(),
                            },
                        },
                    ],
                }) as unknown as SnsEvent;
            const fn = (endpoint: string) => endpoint.split(":")[6];
            aws.handle(
                "lambda",
                (e) => fn(e) === v.notifierFunctionName,
                async (m) => snsNotifier.handleSns(snsEvent("", m)),
            );
            if (v.pagerdutyFunctionName !== undefined) {
                const forward = createForwarder({
                    getRoutingKey: async () => "e2e0000000000000000000000000000e",
                    url: pipeline.pagerduty.eventsUrl,
                    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
                    deliveries,
                });
                aws.handle(
                    "lambda",
                    (e) => fn(e) === v.pagerdutyFunctionName,
                    async (m) => forward(snsEvent("", m)),
                );
            }
            const emails: LocalDeployment["emails"] = [];
            for (const s of aws.subscriptions.filter((x) => x.protocol === "email"))
                s.handler = async (message) => void emails.push({ topicArn: s.topicArn, to: s.endpoint, message });

            const dims = { ClusterName: outputs.clusterName, ServiceName: String(plan.outputs["serviceName"]) };
            const sidecar = new Ticker(1000, async () => {
                // The sidecar reads the metrics port, as the task's app-metrics container does on localhost.
                const res = await fetch(`http://${pipeline.web.metricsTarget}/metrics`, { signal: AbortSignal.timeout(2000) });
                if (!res.ok) return;
                const sums = new Map<string, number>();
                for (const line of (await res.text()).split("\n")) {
                    const m = /^([a-z_]+)(?:\{[^}]*\})? ([0-9.eE+-]+)$/.exec(line);
                    if (m !== null && PUBLISHED.includes(m[1] as string)) sums.set(m[1] as string, (sums.get(m[1] as string) ?? 0) + Number(m[2]));
                }
                for (const [name, value] of sums) aws.putMetric("Koronet/App", name, dims, value);
            });
            const vended = new Ticker(1000, () => {
                for (const s of aws.services.values())
                    aws.putMetric(
                        "ECS/ContainerInsights",
                        "RunningTaskCount",
                        { ClusterName: outputs.clusterName, ServiceName: s.serviceName },
                        s.runningCount,
                    );
                for (const a of aws.alarms.values()) {
                    for (const m of alarmMetrics(a)) {
                        if (["AWS/ECS", "AWS/RDS", "AWS/ElastiCache", "ECS/ContainerInsights"].includes(m.namespace) && livenessProbes([m]).length > 0)
                            aws.putMetric(m.namespace, m.metricName, m.dimensions, 1);
                    }
                }
            });
            sidecar.start();
            vended.start();
            const d = new LocalDeployment(pipeline, aws, grafana, outputs, sidecar, vended, emails);
            pipeline.stack.add({ name: "local deployment", dispose: async () => d.stopPublishers() });
            return d;
        } catch (e) {
            if (opts.pipeline === undefined) await pipeline.stop().catch(() => undefined);
            throw e;
        }
    }

    stopPublishers(): void {
        this.sidecar.stop();
        this.vended.stop();
        this.aws.close();
    }
}

/** The stack's outputs, pointed at the local pipeline (see the module comment for what differs). */
function localOutputs(raw: Record<string, unknown>, p: Pipeline, grafana: GrafanaStandIn): StackOutputs {
    const o = structuredClone(raw) as Record<string, unknown> & {
        verification: Record<string, unknown> & {
            ecsServices: Record<string, { serviceName: string; taskDefinitionArn: string }>;
            grafana: Record<string, unknown>;
        };
    };
    o["appUrl"] = p.web.url;
    o.verification.grafana = { ...o.verification.grafana, url: grafana.url };
    for (const [key, s] of Object.entries(o.verification.ecsServices)) {
        s.taskDefinitionArn = `arn:aws:ecs:${String(o.verification["region"])}:123456789012:task-definition/${key}:${key === "web" ? 8 : 3}`;
    }
    const rules = parse(renderPrometheusRules({ profile: p.profile }).content) as { groups: { rules: { alert?: string }[] }[] };
    o.verification["prometheus"] = {
        jobs: LOCAL_JOBS,
        alertRules: [...new Set(rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : []))))].sort(),
    };
    o["alertTopicArns"] = Object.fromEntries(Object.entries(o["alertTopicArns"] as Record<string, string>).filter(([k]) => !k.startsWith("email-")));
    return parseStackOutputs(o, "the local deployment");
}
