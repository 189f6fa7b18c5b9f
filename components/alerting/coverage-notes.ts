/**
 * What each alert does not cover, and why: the last column of docs/coverage.md (scripts/coverage-docs.ts
 * generates the rest from the catalog and the plans). Pure data.
 */
import type { AlertId } from "./catalog";

export const ALERT_COVERAGE_NOTES: Readonly<Partial<Record<AlertId, string>>> = {
    KoronetDown: "—",
    NoHealthyTargets: "CloudWatch only: health-check results exist only in the load balancer.",
    HighErrorRate: "Prometheus judges the app's own responses; 5xx the load balancer makes itself (no target) are on the CloudWatch path.",
    DatabaseConnectionFailures:
        "Counts what the app tries: every failure class from start-up on (migrations retry every ≤ 5 s), then requests. The former RDS/ElastiCache 'unreachable' alarms could not breach on real data and are gone; PostgresDown/RedisDown (Prometheus) and RedisDown's app gauge (CloudWatch) cover a store that is down.",
    PostgresDown:
        "Prometheus only (postgres_exporter's pg_up). On the CloudWatch path DatabaseConnectionFailures stands in (the app's failures; no traffic, no failures once migrated).",
    RedisDown: "CloudWatch reads each web task's own client state (koronet_redis_connected), published every minute with or without traffic.",
    HighMemoryUsage: "Fargate tasks are seen by CloudWatch only (cAdvisor runs on the EC2 hosts).",
    DiskSpaceLow:
        "Fargate ephemeral storage of the web tasks only (other services write nothing that grows); RDS: free bytes below a floor autoscaling keeps, not a % of a volume that grows — so once maxAllocatedStorage is reached the floor (≤ 5 % of the initial size) is a late warning; RDS-EVENT-0225 (near the ceiling) is not routed: the alarm topics carry CloudWatch alarms only.",
    HighResponseTime: "—",
    CacheMissRateHigh:
        "Store-side (Redis keyspace, ElastiCache CacheHits/Misses) counts session look-ups too; the app's own counters say whether the read-through cache helps.",
    HighCpuUsage: "Hosts, the web service and the managed stores; other Fargate services' CPU is on dashboards only.",
    UnusualTraffic:
        "Off in dev (no steady traffic to learn). A drop to zero alarms only when the last hour never had a quiet minute (Prometheus) or the learned band is above zero (CloudWatch).",
    TargetDown: "Prometheus only by nature (a scrape that fails). A target that never registers is not 'down' but missing: ServiceTasksMissing.",
    ServiceTasksMissing:
        "Prometheus compares node exporter with cAdvisor targets (a host missing one daemon); a daemon missing on every host, and every other service, is CloudWatch's (running vs desired).",
    ContainerRestarting: "A task that crashes before its first scrape is seen by CloudWatch only (ECS task events).",
    PostgresConnectionsNearExhaustion: "—",
    AlertmanagerNotificationsFailing: "Prometheus only (Alertmanager's own counter); the CloudWatch watchers cover a dead Alertmanager (docs/alerting.md).",
};
