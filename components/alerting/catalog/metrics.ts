/**
 * CloudWatch metrics per resource, each named once behind a method (the way cdk-monitoring-constructs'
 * metric factories do: `ecsService(...).cpu("Average")`), so entries read at the level of intent and a
 * namespace, metric name or dimension is written in one place. Namespaces, metric names and
 * dimensions are the documented AWS ones:
 * ALB https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html,
 * ECS https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html,
 * Container Insights https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html,
 * RDS https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html,
 * ElastiCache https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html.
 */
import type * as pulumi from "@pulumi/pulumi";
import { APP_NAMESPACE, serviceGroup, TASK_EVENT_METRICS } from "./contracts";
import type { CloudWatchAlarmSpec, CloudWatchMetric, CloudWatchTargets, ManagedDataStoreTargets, MetricQuerySpec } from "./types";

/** A metric with its statistic, as a single-metric alarm reads it. */
export type AlarmMetric = NonNullable<CloudWatchAlarmSpec["metric"]>;
export type Statistic = "Sum" | "Average" | "Minimum" | "Maximum";

type Dimensions = Readonly<Record<string, pulumi.Input<string>>>;

/** One metric of a resource; call it with the statistic to read. */
function metric(namespace: string, metricName: string, dimensions: Dimensions): (statistic: Statistic) => AlarmMetric {
    return (statistic) => ({ namespace, metricName, dimensions, statistic });
}

/** A metric as a metric-math query input (`stat` instead of `statistic`). */
export function query(id: string, m: AlarmMetric, options: { readonly label?: string } = {}): MetricQuerySpec {
    const { statistic, ...named } = m;
    if (statistic === undefined) throw new Error(`metric query ${id}: ${m.metricName} needs a statistic`);
    const bare: CloudWatchMetric = { namespace: named.namespace, metricName: named.metricName, dimensions: named.dimensions };
    return { id, ...options, metric: { ...bare, stat: statistic } };
}

/** The web server's target group behind the load balancer (dimensions `LoadBalancer`, `TargetGroup`). */
export function targetGroup(t: CloudWatchTargets) {
    const dims = { LoadBalancer: t.loadBalancerArnSuffix, TargetGroup: t.targetGroupArnSuffix };
    const ns = "AWS/ApplicationELB";
    return {
        healthyHostCount: metric(ns, "HealthyHostCount", dims),
        requestCount: metric(ns, "RequestCount", dims),
        target5xxCount: metric(ns, "HTTPCode_Target_5XX_Count", dims),
        /** p99 of TargetResponseTime, in seconds. */
        responseTimeP99: (): AlarmMetric => ({ namespace: ns, metricName: "TargetResponseTime", dimensions: dims, extendedStatistic: "p99", unit: "Seconds" }),
    };
}

/** The load balancer itself (dimension `LoadBalancer`): ELB-generated 5xx exist only per load balancer. */
export function loadBalancer(t: CloudWatchTargets) {
    return { elb5xxCount: metric("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", { LoadBalancer: t.loadBalancerArnSuffix }) };
}

/** One ECS service (dimensions `ClusterName`, `ServiceName`): AWS/ECS utilisation and Container Insights counts. */
export function ecsService(clusterName: pulumi.Input<string>, serviceName: pulumi.Input<string>) {
    const dims = { ClusterName: clusterName, ServiceName: serviceName };
    return {
        cpu: metric("AWS/ECS", "CPUUtilization", dims),
        memory: metric("AWS/ECS", "MemoryUtilization", dims),
        runningTaskCount: metric("ECS/ContainerInsights", "RunningTaskCount", dims),
        desiredTaskCount: metric("ECS/ContainerInsights", "DesiredTaskCount", dims),
        ephemeralStorageUtilized: metric("ECS/ContainerInsights", "EphemeralStorageUtilized", dims),
        ephemeralStorageReserved: metric("ECS/ContainerInsights", "EphemeralStorageReserved", dims),
    };
}

/** The web server's ECS service. */
export function webService(t: CloudWatchTargets) {
    return ecsService(t.clusterName, t.serviceName);
}

/** The web server's own metrics (Koronet/App, published by the app-metrics sidecar; web service dimensions). */
export function appMetrics(t: CloudWatchTargets) {
    const dims = { ClusterName: t.clusterName, ServiceName: t.serviceName };
    return {
        dbConnectionErrors: metric(APP_NAMESPACE, "koronet_db_connection_errors_total", dims),
        redisErrors: metric(APP_NAMESPACE, "koronet_redis_errors_total", dims),
        redisConnected: metric(APP_NAMESPACE, "koronet_redis_connected", dims),
        cacheHits: metric(APP_NAMESPACE, "koronet_cache_hits_total", dims),
        cacheMisses: metric(APP_NAMESPACE, "koronet_cache_misses_total", dims),
    };
}

/** Task-event metrics of one ECS service (task-events.ts; dimension `Group`). */
export function taskEvents(serviceName: pulumi.Input<string>) {
    return { crashed: metric(TASK_EVENT_METRICS.namespace, TASK_EVENT_METRICS.crashed, { [TASK_EVENT_METRICS.groupDimension]: serviceGroup(serviceName) }) };
}

/** The RDS instance (dimension `DBInstanceIdentifier`). */
export function rdsInstance(m: ManagedDataStoreTargets) {
    const dims = { DBInstanceIdentifier: m.rds.instanceId };
    return {
        cpu: metric("AWS/RDS", "CPUUtilization", dims),
        freeableMemory: metric("AWS/RDS", "FreeableMemory", dims),
        freeStorageSpace: metric("AWS/RDS", "FreeStorageSpace", dims),
        connections: metric("AWS/RDS", "DatabaseConnections", dims),
    };
}

/** One ElastiCache node (dimension `CacheClusterId`: ElastiCache publishes per node). */
export function cacheNode(cacheClusterId: pulumi.Input<string>) {
    const dims = { CacheClusterId: cacheClusterId };
    return {
        cacheHits: metric("AWS/ElastiCache", "CacheHits", dims),
        cacheMisses: metric("AWS/ElastiCache", "CacheMisses", dims),
        memoryUsagePercentage: metric("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", dims),
        engineCpu: metric("AWS/ElastiCache", "EngineCPUUtilization", dims),
    };
}

/** The managed data stores, or undefined when PostgreSQL and Redis run as ECS services. */
export function managed(t: CloudWatchTargets): ManagedDataStoreTargets | undefined {
    return t.dataStores.mode === "managed" ? t.dataStores : undefined;
}
