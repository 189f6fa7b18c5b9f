/**
 * The contracts between the parts of the platform, each stated once: the ports the architecture
 * fixes, the Prometheus `job` labels, the Cloud Map names the services register as, and the
 * CloudWatch namespace of the app's metrics (docs/CONTRACTS.md). A leaf module: it imports nothing
 * from the project, so config, components, rules, renderers and tests can all read it.
 *
 * The web server's own ports are not here: they come from config (`koronet:service.port`,
 * `koronet:service.metricsPort`, defaults in config/defaults.ts) and reach the parts as arguments
 * (`MonitoredService`, `MonitoringLayer`'s `web.metricsPort`).
 */

/** Ports of the architecture. */
export const PORTS = {
    prometheus: 9090,
    grafana: 3000,
    nodeExporter: 9100,
    cadvisor: 8080,
    redisExporter: 9121,
    postgresExporter: 9187,
    alertmanager: 9093,
    /** Alertmanager's cluster gossip between replicas (TCP and UDP). */
    alertmanagerCluster: 9094,
    /** The Cloud Map discovery sidecar in the Prometheus task (cloudmap-sd/), on loopback. */
    cloudmapSd: 9099,
} as const;

/** Prometheus `job` labels: what rules select on and the scrape config names (docs/CONTRACTS.md). */
export const JOBS = {
    koronet: "koronet",
    postgres: "postgres",
    redis: "redis",
    node: "node",
    cadvisor: "cadvisor",
    prometheus: "prometheus",
    alertmanager: "alertmanager",
} as const;

/** Scrape jobs, in the order prometheus.yml lists them. */
export const SCRAPE_JOBS = [JOBS.koronet, JOBS.postgres, JOBS.redis, JOBS.node, JOBS.cadvisor, JOBS.prometheus, JOBS.alertmanager] as const;
export type ScrapeJob = (typeof SCRAPE_JOBS)[number];

/** Cloud Map service names (`<name>.<namespace>`): what each ECS service registers as and what finds it. */
export const CLOUD_MAP_NAMES = {
    web: "koronet",
    /** The in-cluster data stores (`koronet:dataStores.mode` ecs). */
    postgres: "postgres",
    redis: "redis",
    prometheus: "prometheus",
    alertmanager: "alertmanager",
    postgresExporter: "postgres-exporter",
    redisExporter: "redis-exporter",
    nodeExporter: "node-exporter",
    cadvisor: "cadvisor",
} as const;

/** CloudWatch namespace of the app's custom metrics (the app-metrics sidecar's EMF). */
export const APP_METRIC_NAMESPACE = "Koronet/App";
