/**
 * Names the catalog shares with the parts that produce its signals: Prometheus job labels, the app's
 * CloudWatch namespace, the task-event metrics, the cAdvisor labels of an ECS container, and the
 * traffic floors below which ratio alerts stay quiet. Metric names: the web server's come from
 * docs/CONTRACTS.md; exporter metrics are those that node_exporter 1.5, redis_exporter 1.45,
 * postgres_exporter 0.11 and cAdvisor expose; CloudWatch namespaces, metric names and dimensions are
 * the documented AWS ones.
 */
import type * as pulumi from "@pulumi/pulumi";

// Job labels and the app's namespace are the architecture's contracts (components/contracts.ts): one
// definition, re-exported under the catalog's names.
export { JOBS, APP_METRIC_NAMESPACE as APP_NAMESPACE } from "../../contracts";

/**
 * Metrics the stack derives from ECS "ECS Task State Change" events (task-events.ts: EventBridge →
 * a CloudWatch Logs group → metric filters). ECS replaces a failed task instead of restarting its
 * containers, so a crash loop is a series of stopped tasks; these count them per service group
 * (`service:<ECS service name>`, the event's `detail.group`).
 */
export const TASK_EVENT_METRICS = {
    namespace: "Koronet/ECS",
    /** Every stopped task, dimensions `Group`, `StopCode`. */
    stopped: "StoppedTasks",
    /** Tasks stopped because they failed (essential container exited, failed to start, failed health checks), dimension `Group`. */
    crashed: "CrashedTasks",
    /** Tasks with a container killed for exceeding its memory (`OutOfMemoryError`), dimension `Group`. */
    oomKilled: "OomKilledTasks",
    /** Dimension holding the event's `detail.group`. */
    groupDimension: "Group",
} as const;

/** The `Group` dimension value of an ECS service's tasks (`detail.group` of its task events). */
export function serviceGroup(serviceName: pulumi.Input<string>): pulumi.Input<string> {
    if (typeof serviceName === "string") return `service:${serviceName}`;
    if ("apply" in serviceName) return serviceName.apply((n) => `service:${n}`);
    return Promise.resolve(serviceName).then((n) => `service:${n}`);
}

/**
 * cAdvisor labels that identify an ECS container: Docker labels set by the ECS agent, exported by
 * cAdvisor as `container_label_<sanitised name>`. The cAdvisor deployment must keep them
 * (default; if `--store_container_labels=false`, whitelist them).
 */
export const CADVISOR_ECS_LABELS = [
    "container_label_com_amazonaws_ecs_cluster",
    "container_label_com_amazonaws_ecs_task_definition_family",
    "container_label_com_amazonaws_ecs_container_name",
] as const;

/**
 * Minimum traffic below which ratio alerts stay quiet, so that 1 failure in 3 requests at night
 * does not page anybody. Same figure on both paths (CloudWatch: per period).
 */
export const MIN_TRAFFIC = {
    /** Requests per second below which the 5xx ratio is not judged. */
    errorRateRps: 0.5,
    /** Requests per second below which p99 latency is not judged (Prometheus path). */
    latencyRps: 0.1,
    /** Cache look-ups per second below which the miss ratio is not judged. */
    cacheLookupsPerSecond: 0.5,
} as const;
