/** Availability: is it up, reachable, running as many tasks as it should, and is the alerting pipeline itself alive. */
import { JOBS, TASK_EVENT_METRICS } from "../contracts";
import { appMetrics, ecsService, query, targetGroup, taskEvents, webService } from "../metrics";
import { job, num, orZero, sel } from "../promql";
import type { AlertEntries, CloudWatchAlarmSpec } from "../types";

export const AVAILABILITY_ALERTS: AlertEntries<
    | "KoronetDown"
    | "NoHealthyTargets"
    | "PostgresDown"
    | "RedisDown"
    | "TargetDown"
    | "ServiceTasksMissing"
    | "ContainerRestarting"
    | "AlertmanagerNotificationsFailing"
    | "Watchdog"
> = {
    KoronetDown: {
        id: "KoronetDown",
        summary: "Koronet web server is down: fewer than {threshold} instance(s) up",
        description: "No (or too few) Koronet web server instances answer. Users get errors or nothing. Check the ECS service events and the task logs first.",
        prometheus: {
            // `or vector(0)`: when every task is gone, service discovery drops the targets and `up`
            // vanishes instead of reading 0 — absent must alarm too.
            expr: (c) => `${orZero(`sum(${sel("up", job(JOBS.koronet))})`)} < ${num(c.threshold)}`,
            resultLabels: [],
        },
        cloudwatch: {
            alarms: (c) => [
                {
                    measures: "ECS/ContainerInsights RunningTaskCount (Minimum) of the web server service",
                    metric: webService(c.targets).runningTaskCount("Minimum"),
                    comparisonOperator: "LessThanThreshold",
                    threshold: c.threshold,
                    treatMissingData: "breaching",
                    treatMissingDataReason:
                        "breaching: a service with no running task may stop publishing; silence from the liveness metric is the outage itself.",
                },
            ],
        },
    },

    NoHealthyTargets: {
        id: "NoHealthyTargets",
        summary: "Load balancer has fewer than {threshold} healthy Koronet target(s): requests fail",
        description:
            "The ALB target group has fewer healthy targets than required, so the ALB answers 502/503 itself. Check target health reasons (health check path, port, security groups) and the service's tasks.",
        cloudwatch: {
            alarms: (c) => [
                {
                    measures: "AWS/ApplicationELB HealthyHostCount (Minimum) of the web server target group",
                    metric: targetGroup(c.targets).healthyHostCount("Minimum"),
                    comparisonOperator: "LessThanThreshold",
                    threshold: c.threshold,
                    treatMissingData: "breaching",
                    treatMissingDataReason:
                        "breaching: HealthyHostCount comes from health checks and is published every minute; its absence means the target group is gone or unreported — treat as down.",
                },
            ],
        },
    },

    PostgresDown: {
        id: "PostgresDown",
        summary: "PostgreSQL is down or unreachable from its exporter",
        description:
            "postgres_exporter cannot connect to PostgreSQL (pg_up is 0) or no exporter reports at all. The web server cannot serve anything that needs the database. Check the database task/instance, its logs and disk.",
        prometheus: {
            expr: () => `${orZero(`max(${sel("pg_up", job(JOBS.postgres))})`)} < 1`,
            resultLabels: [],
        },
    },

    RedisDown: {
        id: "RedisDown",
        summary: "Redis is down or unreachable from its exporter",
        description:
            "redis_exporter cannot reach Redis (redis_up is 0) or no exporter reports at all, or (CloudWatch) a web server task has lost its Redis connection. Sessions and the cache are unavailable. Check the Redis task/node, its memory and logs.",
        prometheus: {
            expr: () => `${orZero(`max(${sel("redis_up", job(JOBS.redis))})`)} < 1`,
            resultLabels: [],
        },
        cloudwatch: {
            alarms: (c) => [
                {
                    variant: "app",
                    // The app's client state, read at every scrape: it needs no traffic, and it is what
                    // users depend on. Replaces ElastiCache `CurrConnections < 1`, which could not
                    // breach: ElastiCache keeps its own connections to every node.
                    measures: "Koronet/App koronet_redis_connected (Minimum over the web server's tasks) < 1: a task has lost Redis",
                    metric: appMetrics(c.targets).redisConnected("Minimum"),
                    comparisonOperator: "LessThanThreshold",
                    threshold: 1,
                    treatMissingData: "notBreaching",
                    treatMissingDataReason:
                        "notBreaching: the app publishes the gauge every minute while it runs; no web task at all is KoronetDown's (missing data breaching).",
                },
            ],
        },
    },

    TargetDown: {
        id: "TargetDown",
        summary: "A Prometheus target cannot be scraped: {{ $labels.job }} at {{ $labels.instance }}",
        description:
            "Prometheus failed to scrape {{ $labels.job }} at {{ $labels.instance }} for over a minute. Its metrics, and the alerts built on them, are blind until it is back. Check the task, its port and the security group from Prometheus.",
        prometheus: {
            expr: () => `up == 0`,
            resultLabels: ["instance", "job"],
        },
    },

    ServiceTasksMissing: {
        id: "ServiceTasksMissing",
        summary: "An ECS service runs fewer tasks than it should",
        description:
            "ECS reports fewer running tasks than desired for minutes (CloudWatch, every service), or Prometheus scrapes node exporter on a different number of hosts than cAdvisor (a host daemon missing on some instance). A DAEMON service's desired count is the number of container instances, so a node exporter or cAdvisor that never comes up, or keeps failing on one host, shows here. Look at the service's events and stopped tasks (stop reason, exit code), and placement (memory left on the instance).",
        prometheus: {
            // The host daemons run one task per instance: each job has as many targets as there are
            // instances. A daemon that never started on one host has no Cloud Map record there, so
            // it is not a target that is down (TargetDown) but one that is missing. Compared with
            // each other; a job with no target at all compares as nothing (CloudWatch's count says
            // that case, and a stack without cAdvisor, like the local pipeline, stays quiet).
            expr: () => `count(${sel("up", job(JOBS.node))}) != count(${sel("up", job(JOBS.cadvisor))})`,
            resultLabels: [],
        },
        cloudwatch: {
            alarms: (c) =>
                c.targets.services.map((svc): CloudWatchAlarmSpec => {
                    return {
                        variant: svc.key,
                        measures: `ECS/ContainerInsights DesiredTaskCount (Maximum) − RunningTaskCount (Minimum) of ${svc.description}${svc.scheduling === "daemon" ? " (a DAEMON service: desired = container instances)" : ""}`,
                        metricQueries: [
                            query("desired", ecsService(c.targets.clusterName, svc.serviceName).desiredTaskCount("Maximum")),
                            query("running", ecsService(c.targets.clusterName, svc.serviceName).runningTaskCount("Minimum")),
                            { id: "missing", label: "tasks missing", returnData: true, expression: "desired - FILL(running, 0)" },
                        ],
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: 0,
                        treatMissingData: "breaching",
                        treatMissingDataReason:
                            "breaching: Container Insights reports every service's task counts each minute; a service that reports nothing has no task to report from.",
                    };
                }),
        },
    },

    ContainerRestarting: {
        id: "ContainerRestarting",
        summary: "A service keeps crashing: more than {threshold} task restarts in the window",
        description:
            "Tasks of one service (Prometheus: its `job`; CloudWatch: the service the alarm names) keep failing and being replaced (a crash loop): more than the threshold within the window. ECS replaces a failed task rather than restarting its containers, so this counts stopped tasks that failed (CloudWatch: ECS task state change events — essential container exited, failed to start, failed health checks, OOM kills) and scraped processes that started and disappeared within the window (Prometheus). Deployments' normal replacements are not counted. Look at the stopped tasks' stop code, exit code and reason (runbook: the events log group query) and the task logs.",
        prometheus: {
            // Every scraped process exports process_start_time_seconds (client libraries' process
            // collector). A restart is a process that started within the window and is gone now: a
            // replaced task is a new target (new address), so its old series ended; a process
            // restarted in place (same target) changes the value. A deployment replaces tasks that
            // started long before the window, and its new tasks stay: neither counts.
            expr: (c) => {
                const p = `process_start_time_seconds{job!=""}`;
                const inPlace = `sum by (job) (changes(${p}[${c.window}]))`;
                const shortLived = `count by (job) ((max_over_time(${p}[${c.window}]) > (time() - ${c.windowSeconds})) unless ${p})`;
                return `(${inPlace} + (${shortLived} or ${inPlace} * 0)) > ${num(c.threshold)}`;
            },
            resultLabels: ["job"],
        },
        cloudwatch: {
            alarms: (c) =>
                c.targets.services.map(
                    (svc): CloudWatchAlarmSpec => ({
                        variant: svc.key,
                        measures: `${TASK_EVENT_METRICS.namespace} ${TASK_EVENT_METRICS.crashed} (Sum) of ${svc.description}, from ECS task state change events; minutes with a crash`,
                        metric: taskEvents(svc.serviceName).crashed("Sum"),
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: 0,
                        treatMissingData: "notBreaching",
                        treatMissingDataReason: "notBreaching: the metric filter publishes only when a task stops; no datapoint means no crash.",
                    }),
                ),
        },
    },

    AlertmanagerNotificationsFailing: {
        id: "AlertmanagerNotificationsFailing",
        summary: "Alertmanager cannot deliver to {{ $labels.integration }}: its notifications are being lost",
        description:
            "Alertmanager gave up on notifications to {{ $labels.integration }} after its retries (alertmanager_notifications_failed_total rose; webhook = the notifier, which delivers Slack and, with a notifier, PagerDuty; pagerduty = PagerDuty sent by Alertmanager itself, without a notifier; sns = email or Chatbot). The other integrations still deliver: Alertmanager runs each on its own. Right after a deploy, PagerDuty failing usually means the routing-key secret still holds the UNSET placeholder: put the key (the notifier reads it within 5 minutes; without a notifier the secret follower redeploys Alertmanager within 5 minutes).",
        prometheus: {
            // Alertmanager 0.25 counts per integration after RetryStage gives up (notify/notify.go),
            // and initialises every integration's series at 0, so increase() sees the first failure.
            expr: (c) => `sum by (integration) (increase(${sel("alertmanager_notifications_failed_total", job(JOBS.alertmanager))}[${c.window}])) > 0`,
            resultLabels: ["integration"],
        },
    },

    Watchdog: {
        id: "Watchdog",
        summary: "Watchdog: the alerting pipeline is alive (always firing)",
        description:
            "Always firing on purpose. Alertmanager forwards it to the heartbeat; if the heartbeat stops, the CloudWatch heartbeat alarm reports that Prometheus or Alertmanager is broken.",
        prometheus: {
            expr: () => "vector(1)",
            resultLabels: [],
        },
    },
};
