/**
 * Which catalog alarms guard the web service's rollouts (ECS deployment alarms), and which alarms
 * must always have data (what `npm run verify` checks). Pure: reads alarm definitions, makes nothing.
 *
 * Deployment alarms. ECS watches the named alarms from the first task of a new deployment until a
 * bake time after it reached its desired count; one in ALARM fails the deployment and, with
 * `rollback`, ECS returns the service to the last COMPLETED deployment
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-failure-detection.html).
 * A good deployment alarm:
 *   - is a metric alarm: ECS documents "CloudWatch metric alarms"; composites are not documented as
 *     supported, and the catalog's composites (`<symptom>-notify`, ServiceUnhealthy) exist to route
 *     and suppress notifications, which a rollback must not depend on;
 *   - measures what the new tasks change: the web target group's 5xx ratio and p99 latency. Not
 *     traffic volume (UnusualTraffic: the users', not the release's), not capacity (CPU: autoscaling
 *     answers it), not liveness (KoronetDown, NoHealthyTargets: the circuit breaker already fails a
 *     deployment whose tasks do not start or fail health checks), not dependencies
 *     (DatabaseConnectionFailures: a database failover during a release would roll back a good
 *     release);
 *   - stays quiet without traffic (`notBreaching`, minimum-traffic guards), so a release at night
 *     is not failed by silence.
 * ECS ignores an alarm that is already in ALARM when the deployment starts (the AWS Copilot team's
 * note, https://github.com/aws/copilot-cli/pull/4512 — a GitHub pull request, not a doc): a release
 * made during a 5xx incident is judged by the circuit breaker alone.
 *
 * The alarms stay the same resources: they keep notifying through their wrapper composites (the
 * ECS service only reads their state), so there is one HighErrorRate alarm, not a copy per use.
 */
import type { AlertId } from "./catalog";
import { APP_NAMESPACE } from "./catalog";
import { HEARTBEAT_NAMESPACE } from "../../functions/src/contract";

/** Alerts whose metric alarms fail a web deployment. */
export const DEPLOYMENT_ALARM_ALERTS: readonly AlertId[] = ["HighErrorRate", "HighResponseTime"];

/** The keys of the metric alarms that guard deployments, from the built alarm definitions. */
export function deploymentAlarmKeys(alarms: readonly { readonly key: string; readonly alertId: AlertId }[]): string[] {
    return alarms.filter((a) => DEPLOYMENT_ALARM_ALERTS.includes(a.alertId)).map((a) => a.key);
}

/** One CloudWatch metric: namespace, name and dimensions. */
export interface MetricRef {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Readonly<Record<string, string>>;
}

/**
 * Metrics published every period while what they measure exists, so an alarm reading them must
 * have data: no data means the publisher is broken (the app-metrics sidecar, Container Insights,
 * the notifier's heartbeat), not that nothing happened. For each such namespace, the metric that
 * proves the publisher alive for the same dimensions. Metrics published only on events (ALB 5xx and
 * latency without requests, Lambda errors, SQS) are not here: their silence is normal.
 */
const LIVENESS: Readonly<Record<string, { readonly metric?: string; readonly source: string; readonly doc: string }>> = {
    // A gauge without labels in the published set: present in every scrape (docs/CONTRACTS.md).
    [APP_NAMESPACE]: { metric: "koronet_http_requests_in_flight", source: "the app-metrics sidecar (CloudWatch agent, EMF)", doc: "docs/CONTRACTS.md" },
    "ECS/ContainerInsights": {
        source: "Container Insights",
        doc: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html",
    },
    // "Amazon ECS sends metric data to CloudWatch in 1-minute periods" for running services.
    "AWS/ECS": {
        source: "ECS service utilization metrics",
        doc: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/viewing_cloudwatch_metrics.html",
    },
    // "Amazon RDS automatically sends metrics to CloudWatch every minute for each active database."
    "AWS/RDS": { source: "RDS", doc: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/monitoring-cloudwatch.html" },
    // "ElastiCache ... metrics are published every 60 seconds".
    "AWS/ElastiCache": { source: "ElastiCache", doc: "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.html" },
    // The notifier publishes the Watchdog heartbeat every minute (or Alertmanager to the heartbeat topic).
    [HEARTBEAT_NAMESPACE]: { source: "the Watchdog heartbeat (Prometheus → Alertmanager → notifier)", doc: "docs/alerting.md" },
};

/** A metric whose data proves an alarm's publisher alive, and who that publisher is. */
export interface LivenessProbe extends MetricRef {
    readonly source: string;
}

/**
 * What must have data for an alarm to be judged: one probe per continuously published metric it
 * reads (for `Koronet/App`, the sidecar's always-present gauge with the same dimensions). Empty:
 * nothing the alarm reads is continuous, its silence is normal.
 */
export function livenessProbes(metrics: readonly MetricRef[]): LivenessProbe[] {
    const probes = new Map<string, LivenessProbe>();
    for (const m of metrics) {
        const l = LIVENESS[m.namespace];
        if (l === undefined) continue;
        const probe: LivenessProbe = { namespace: m.namespace, metricName: l.metric ?? m.metricName, dimensions: m.dimensions, source: l.source };
        probes.set(JSON.stringify([probe.namespace, probe.metricName, Object.entries(probe.dimensions).sort()]), probe);
    }
    return [...probes.values()];
}
