/**
 * Pinned upstream images of the monitoring layer, and the one documented exception to the
 * platform's "no host access" rule.
 *
 * Exporters are pinned to the versions the end-to-end pipeline runs from Debian (node_exporter 1.5,
 * redis_exporter 1.45, postgres_exporter 0.11): the dashboards and rules are proven against exactly
 * the metric names these versions expose. Prometheus is the 2.53 LTS line; the rendered config uses
 * nothing newer than what `promtool` 2.42 (Debian) checks.
 */
export const IMAGES = {
    prometheus: "prom/prometheus:v2.53.2",
    grafana: "grafana/grafana:11.2.0",
    nodeExporter: "prom/node-exporter:v1.5.0",
    // New releases are published on ghcr.io only; the bare tag exists for every release, the
    // v-prefixed one only since 2026. Why this version and registry: docs/monitoring.md.
    cadvisor: "ghcr.io/google/cadvisor:0.60.5",
    redisExporter: "oliver006/redis_exporter:v1.45.0",
    postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.11.1",
    cloudwatchAgent: "public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300049.1b929",
} as const;

/**
 * The only containers of the platform allowed to mount host paths (always read-only), by container
 * name. Node Exporter reads the host's /proc, /sys and filesystems; cAdvisor reads the container
 * runtime's cgroups and state. Both run as ECS DAEMON services on the EC2 capacity (Fargate has no
 * host) and neither is privileged. Security checks (tests, policies) use this list: any other
 * container with a host mount, or one of these with a writable one, is a violation.
 */
export const HOST_ACCESS_CONTAINERS = ["node-exporter", "cadvisor"] as const;

/**
 * The only containers allowed in the EC2 instance's PID namespace (`pidMode: host`, Security Hub
 * ECS.3): Node Exporter, which reads the instance's mount table from `/proc/1/mounts`
 * (host-exporters.ts). cAdvisor does not need it (its process metrics are off).
 */
export const HOST_PID_CONTAINERS = ["node-exporter"] as const;
