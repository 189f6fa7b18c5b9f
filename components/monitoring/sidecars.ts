/**
 * Sidecars of the web server task, both the pinned CloudWatch agent:
 * - `cloudwatch-agent` (logs): ships the task's file logs — Node's diagnostic reports written on a
 *   fatal error or uncaught exception into the shared `/tmp` volume — to their own log group. Application stdout already reaches CloudWatch Logs through the awslogs driver.
 * - `app-metrics`: the agent's Prometheus scrape of `127.0.0.1:<metrics port>/metrics` with Embedded Metric
 *   Format output, so the app's metrics land in CloudWatch Metrics under `Koronet/App` with the
 *   dimensions `ClusterName`, `ServiceName` (docs/CONTRACTS.md). Chosen over ADOT because the
 *   CloudWatch agent is already the log shipper here (one image, one config language), and EMF
 *   turns counters into per-scrape deltas, which the contract's alarms (`Sum` per period) expect.
 *
 * Config reaches the agent as `CW_CONFIG_CONTENT` / `PROMETHEUS_CONFIG_CONTENT` (the agent's ECS
 * mechanism); neither holds a secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { APP_METRIC_NAMESPACE } from "../contracts";
import type { ContainerDefinition, PolicyStatement } from "../common";
import { AGENT_PATHS, AGENT_UID, NODE_REPORT_DIR } from "../common/filesystems";

/** Metrics the app-metrics sidecar publishes (docs/CONTRACTS.md, "Published set"). */
export const PUBLISHED_APP_METRICS = [
    "koronet_http_requests_total",
    "koronet_http_requests_in_flight",
    "koronet_db_pool_waiting_clients",
    "koronet_db_pool_total_connections",
    "koronet_db_connection_errors_total",
    "koronet_db_slow_queries_total",
    "koronet_cache_hits_total",
    "koronet_cache_misses_total",
    "koronet_redis_errors_total",
    "koronet_redis_connected",
    "koronet_active_sessions",
    "koronet_api_endpoint_calls_total",
] as const;

/** Environment for the web server so it writes those reports. */
export const WEB_DIAGNOSTICS_ENV = { NODE_OPTIONS: `--report-on-fatalerror --report-uncaught-exception --report-directory=${NODE_REPORT_DIR}` } as const;

export interface SidecarArgs {
    /** The CloudWatch agent image we build (cloudwatch-agent/image: the pinned agent, non-root, with declared VOLUMEs). */
    readonly agentImage: pulumi.Input<string>;
    readonly region: string;
    readonly clusterName: pulumi.Input<string>;
    /** Physical name of the web server's ECS service (dimension `ServiceName`). */
    readonly serviceName: string;
    /** The web server's metrics port (`GET /metrics`; the API port answers 404 there). */
    readonly metricsPort: number;
    /** Log group for the task's file logs (diagnostic reports). */
    readonly fileLogGroupName: pulumi.Input<string>;
    readonly fileLogGroupArn: pulumi.Input<string>;
    /** Log group receiving the EMF records of the app-metrics sidecar. */
    readonly emfLogGroupName: pulumi.Input<string>;
    readonly emfLogGroupArn: pulumi.Input<string>;
    /** The task's `/tmp` volume (shared with the web container). @default "tmp" */
    readonly tmpVolume?: string;
    /** Scrape interval of the app-metrics sidecar. @default 60 (CloudWatch's standard resolution) */
    readonly scrapeIntervalSeconds?: number;
}

export interface Sidecars {
    readonly containers: ContainerDefinition[];
    /** Task volumes the sidecars need besides the web server's own. */
    readonly volumes: string[];
    readonly taskRoleStatements: PolicyStatement[];
}

/** The agent's Prometheus scrape config (the app only, on loopback, labelled with the contract's dimensions). */
function appMetricsScrapeConfig(a: { clusterName: string; serviceName: string; metricsPort: number; scrapeIntervalSeconds: number }): string {
    return stringify({
        global: { scrape_interval: `${a.scrapeIntervalSeconds}s`, scrape_timeout: "10s" },
        scrape_configs: [
            {
                job_name: "koronet",
                metrics_path: "/metrics",
                static_configs: [{ targets: [`127.0.0.1:${a.metricsPort}`], labels: { ClusterName: a.clusterName, ServiceName: a.serviceName } }],
                // Only the published set: everything else would be a billed custom metric.
                metric_relabel_configs: [{ source_labels: ["__name__"], regex: PUBLISHED_APP_METRICS.join("|"), action: "keep" }],
            },
        ],
    });
}

/** The agent JSON of the app-metrics sidecar (Prometheus → EMF under `Koronet/App`). */
function appMetricsAgentConfig(emfLogGroupName: string): Record<string, unknown> {
    return {
        agent: { omit_hostname: true },
        logs: {
            metrics_collected: {
                prometheus: {
                    prometheus_config_path: "env:PROMETHEUS_CONFIG_CONTENT",
                    log_group_name: emfLogGroupName,
                    emf_processor: {
                        metric_namespace: APP_METRIC_NAMESPACE,
                        metric_declaration: [
                            {
                                source_labels: ["job"],
                                label_matcher: "^koronet$",
                                dimensions: [["ClusterName", "ServiceName"]],
                                metric_selectors: PUBLISHED_APP_METRICS.map((m) => `^${m}$`),
                            },
                        ],
                    },
                },
            },
            force_flush_interval: 15,
        },
    };
}

/** The agent JSON of the logs sidecar (Node diagnostic reports → the file-log group). */
function logsAgentConfig(fileLogGroupName: string): Record<string, unknown> {
    return {
        agent: { omit_hostname: true },
        logs: {
            logs_collected: {
                files: {
                    collect_list: [
                        {
                            file_path: `/var/log/koronet${NODE_REPORT_DIR.replace("/tmp", "")}/*.json`,
                            log_group_name: fileLogGroupName,
                            // {local_hostname} is the task's own host name (os.Hostname()). {instance_id} comes
                            // from EC2 instance metadata, which a Fargate task has none of: the agent writes
                            // "i-UNKNOWN" for every task, all in one stream (aws/amazon-cloudwatch-agent
                            // translator/util/placeholderUtil.go, source, not a doc).
                            log_stream_name: "diagnostic-reports/{local_hostname}",
                            multi_line_start_pattern: "^\\{",
                            retention_in_days: -1,
                        },
                    ],
                },
            },
        },
    };
}

const logWrite = (arn: pulumi.Input<string>, sid: string): PolicyStatement => ({
    Sid: sid,
    Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
    Resource: [arn, pulumi.interpolate`${arn}:*`],
});

/** The two sidecars, their volumes and the task-role statements they need. */
export function webSidecars(args: SidecarArgs): Sidecars {
    const tmp = args.tmpVolume ?? "tmp";
    const interval = args.scrapeIntervalSeconds ?? 60;
    const agentMounts = (prefix: string) => Object.entries(AGENT_PATHS).map(([k, p]) => ({ sourceVolume: `${prefix}-${k}`, containerPath: p }));
    const agent = (
        name: string,
        env: { name: string; value: pulumi.Input<string> }[],
        extraMounts: ContainerDefinition["mountPoints"] = [],
    ): ContainerDefinition => ({
        name,
        image: args.agentImage,
        // The user our agent image gives its writable directories to. The upstream image has no
        // user but root; the agent runs as another user once its directories are that user's
        // (GitHub issues, not docs: aws/amazon-cloudwatch-agent#276, non-root with a read-only
        // root on Fargate; aws/aws-app-mesh-roadmap#122, uid 1337 failing only on etc/).
        user: `${AGENT_UID}:${AGENT_UID}`,
        // A sidecar failing must not take the web server down with it.
        essential: false,
        memoryReservation: 64,
        environment: [...env, { name: "RUN_IN_CONTAINER", value: "True" }],
        mountPoints: [...agentMounts(name), ...(extraMounts ?? [])],
    });
    const emfConfig = pulumi.output(args.emfLogGroupName).apply((g) => JSON.stringify(appMetricsAgentConfig(g)));
    const scrape = pulumi
        .output(args.clusterName)
        .apply((c) =>
            appMetricsScrapeConfig({ clusterName: c, serviceName: args.serviceName, metricsPort: args.metricsPort, scrapeIntervalSeconds: interval }),
        );
    const logsConfig = pulumi.output(args.fileLogGroupName).apply((g) => JSON.stringify(logsAgentConfig(g)));

    const containers = [
        agent(
            "cloudwatch-agent",
            [{ name: "CW_CONFIG_CONTENT", value: logsConfig }],
            [{ sourceVolume: tmp, containerPath: "/var/log/koronet", readOnly: true }],
        ),
        agent("app-metrics", [
            { name: "CW_CONFIG_CONTENT", value: emfConfig },
            { name: "PROMETHEUS_CONFIG_CONTENT", value: scrape },
        ]),
    ];
    return {
        containers,
        volumes: containers.flatMap((c) => Object.keys(AGENT_PATHS).map((k) => `${c.name}-${k}`)),
        taskRoleStatements: [
            logWrite(args.fileLogGroupArn, "SidecarFileLogs"),
            logWrite(args.emfLogGroupArn, "AppMetricsEmf"),
            {
                Sid: "AppMetricsNamespace",
                // PutMetricData has no resource-level permissions; the namespace condition scopes it.
                Action: "cloudwatch:PutMetricData",
                Resource: "*",
                Condition: { StringEquals: { "cloudwatch:namespace": APP_METRIC_NAMESPACE } },
            },
        ],
    };
}
