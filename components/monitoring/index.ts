/**
 * The monitoring layer (`MonitoringLayer`) as the architecture draws it: Grafana, the host
 * exporters, Prometheus, the data-store exporters, each a component of its own (grafana.ts,
 * host-exporters.ts, prometheus.ts, datastore-exporters.ts), and the stack's CloudWatch dashboard
 * (dashboards.ts). Who reaches whom: the internet (`grafana.allowedCidrs`) → Grafana's load balancer
 * → Grafana → Prometheus → every exporter; nothing else reaches them. The web server's CloudWatch
 * agent sidecars are `WebTelemetry` (web-telemetry.ts). docs/monitoring.md explains the choices.
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { MonitoringConfig } from "../../config/monitoring";
import type { PostgresConnection, RedisConnection } from "../datastores";
import type { CloudWatchDataStores } from "./cloudwatch/dashboard";
import { cloudwatchDashboard } from "./dashboards";
import { DataStoreExporters } from "./datastore-exporters";
import { Grafana } from "./grafana";
import { HostExporters } from "./host-exporters";
import type { MonitoringPlacement, PartContext } from "./part";
import { Prometheus } from "./prometheus";

export { expectedPrometheus } from "./render";
export { ALERTMANAGER_DATASOURCE_UID, GRAFANA_ADMIN_USER } from "./grafana/provisioning";
export { PROMETHEUS_DATASOURCE_UID } from "./grafana/dashboards";
export { prometheusDeployment } from "./prometheus";
export { WebTelemetry } from "./web-telemetry";

export interface MonitoringLayerArgs {
    /** `koronet:monitoring` (validated). */
    readonly config: MonitoringConfig;
    readonly placement: MonitoringPlacement;
    readonly vpcId: pulumi.Input<string>;
    readonly clusterName: pulumi.Input<string>;
    /** EC2 capacity (Prometheus, host exporters). */
    readonly ec2CapacityProviderName: pulumi.Input<string>;
    readonly instanceSecurityGroupId: pulumi.Input<string>;
    /** Folder of this stack's rendered files (`rendered/<stack>`), the images' build contexts unless `buildContexts` names them. */
    readonly renderedDir: string;
    /** Build context of each image by folder (`prometheus`, `grafana`, `postgres-exporter`), as the program rendered them. @default `${renderedDir}/<folder>` */
    readonly buildContexts?: Readonly<Record<string, string>>;
    /** `<project>-<stack>`: prefix of names people read (dashboard, secret, workspace alias). */
    readonly namePrefix: string;
    readonly dataStores: {
        readonly postgres: PostgresConnection;
        readonly redis: RedisConnection;
        readonly secretArns: readonly pulumi.Input<string>[];
        /** For the CloudWatch dashboard. */
        readonly cloudwatch: pulumi.Input<CloudWatchDataStores>;
    };
    /** Public subnets for Grafana's own internet-facing load balancer. */
    readonly publicSubnetIds: pulumi.Input<string[]>;
    /** Deletion protection of Grafana's load balancer (as the app's). */
    readonly loadBalancerDeletionProtection: boolean;
    /** The web server: its dashboard dimensions, its metrics port, and its Cloud Map service (the discovery sidecar lists its tasks). */
    readonly web: {
        readonly serviceName: pulumi.Input<string>;
        /** The port Prometheus scrapes (`koronet:service.metricsPort`). */
        readonly metricsPort: number;
        readonly discoveryServiceArn: pulumi.Input<string>;
        readonly loadBalancerArnSuffix: pulumi.Input<string>;
        readonly targetGroupArnSuffix: pulumi.Input<string>;
    };
    /** Image platform. @default "linux/amd64" */
    readonly platform?: "linux/amd64" | "linux/arm64";
    /** Prometheus task size on EC2. @default { cpu: 512, memory: 1536 } */
    readonly prometheusSize?: { readonly cpu: number; readonly memory: number };
    /** TSDB size cap (GB), below the instance volume so a full TSDB cannot fill the host. @default 10 */
    readonly prometheusRetentionSizeGb?: number;
}

/** Pure checks of the arguments; errors name the setting. */
export function validateMonitoringArgs(args: Pick<MonitoringLayerArgs, "renderedDir">): void {
    if (!/^rendered\/[a-z0-9-]+$/.test(args.renderedDir))
        throw new Error(`MonitoringLayer: \`renderedDir\` must be rendered/<stack>, got "${args.renderedDir}"`);
}

/**
 * Prometheus, Grafana, Node Exporter and cAdvisor, the Redis and Postgres exporters, and the stack's
 * CloudWatch dashboard. Each part's resources keep the names they had when they were the layer's
 * own, and an alias to the layer keeps their identity (docs/monitoring.md, "The component tree").
 */
export class MonitoringLayer extends pulumi.ComponentResource {
    public readonly grafanaUrl: pulumi.Output<string>;
    /** Grafana's load balancer (CloudWatch `LoadBalancer` dimension). */
    public readonly grafanaLoadBalancerArnSuffix: pulumi.Output<string>;
    /** The port Prometheus scrapes the web server's metrics on (its rendered scrape config): the metrics port. */
    public readonly appScrapePort: number;
    /** In-VPC address of Prometheus (Cloud Map). */
    public readonly prometheusAddress: string;
    public readonly prometheusSecurityGroupId: pulumi.Output<string>;
    /** Grafana's tasks' security group: admit it where Grafana's data sources point (Alertmanager). */
    public readonly grafanaSecurityGroupId: pulumi.Output<string>;
    /** Secrets Manager secret holding Grafana's admin password (user `GRAFANA_ADMIN_USER`). */
    public readonly grafanaAdminSecretArn: pulumi.Output<string>;
    /** Security groups of the data-store exporters; admit them with `DataStores.allowClient`. */
    public readonly postgresExporterSecurityGroupId: pulumi.Output<string>;
    public readonly redisExporterSecurityGroupId: pulumi.Output<string>;
    public readonly cloudwatchDashboardUrl: pulumi.Output<string>;
    /** ECS service names, by component. */
    public readonly serviceNames: Record<MonitoringService, pulumi.Output<string>>;
    public readonly logGroupNames: Record<MonitoringService, pulumi.Output<string>>;
    /** Prometheus's ECS service: what waits for Prometheus to run (the Watchdog heartbeat alarm) depends on it. */
    public readonly prometheusService: aws.ecs.Service;
    /** remote_write endpoint (only when `prometheus.remoteWrite`). */
    public readonly ampWorkspaceArn?: pulumi.Output<string>;

    constructor(name: string, args: MonitoringLayerArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:monitoring:MonitoringLayer", name, {}, opts);
        validateMonitoringArgs(args);
        const ctx: PartContext = {
            prefix: name,
            layer: this,
            placement: args.placement,
            vpcId: args.vpcId,
            platform: args.platform ?? "linux/amd64",
            buildContext: (folder) => args.buildContexts?.[folder] ?? `${args.renderedDir}/${folder}`,
        };
        const part = { parent: this };

        const grafana = new Grafana(
            ctx,
            {
                config: args.config.grafana,
                namePrefix: args.namePrefix,
                publicSubnetIds: args.publicSubnetIds,
                loadBalancerDeletionProtection: args.loadBalancerDeletionProtection,
            },
            part,
        );
        const hosts = new HostExporters(ctx, { ec2CapacityProviderName: args.ec2CapacityProviderName }, part);
        const prometheus = new Prometheus(
            ctx,
            {
                config: args.config.prometheus,
                namePrefix: args.namePrefix,
                ec2CapacityProviderName: args.ec2CapacityProviderName,
                instanceSecurityGroupId: args.instanceSecurityGroupId,
                grafanaSecurityGroupId: grafana.securityGroupId,
                hostExporters: hosts,
                webDiscoveryServiceArn: args.web.discoveryServiceArn,
                ...(args.prometheusSize ? { size: args.prometheusSize } : {}),
                ...(args.prometheusRetentionSizeGb !== undefined ? { retentionSizeGb: args.prometheusRetentionSizeGb } : {}),
            },
            part,
        );
        const stores = new DataStoreExporters(
            ctx,
            {
                postgres: args.dataStores.postgres,
                redis: args.dataStores.redis,
                secretArns: args.dataStores.secretArns,
                prometheusSecurityGroupId: prometheus.securityGroupId,
            },
            part,
        );
        this.cloudwatchDashboardUrl = cloudwatchDashboard(
            name,
            {
                region: args.placement.region,
                namePrefix: args.namePrefix,
                clusterName: args.clusterName,
                web: args.web,
                dataStores: args.dataStores.cloudwatch,
                monitoringServiceNames: [prometheus.ecs.service.name, grafana.ecs.service.name],
            },
            this,
        );

        this.appScrapePort = args.web.metricsPort;
        this.grafanaUrl = grafana.url;
        this.grafanaLoadBalancerArnSuffix = grafana.loadBalancerArnSuffix;
        this.prometheusAddress = prometheus.address;
        this.prometheusSecurityGroupId = prometheus.securityGroupId;
        this.grafanaSecurityGroupId = grafana.securityGroupId;
        this.grafanaAdminSecretArn = grafana.adminSecretArn;
        this.postgresExporterSecurityGroupId = stores.postgresExporterSecurityGroupId;
        this.redisExporterSecurityGroupId = stores.redisExporterSecurityGroupId;
        const services = {
            prometheus: prometheus.ecs,
            grafana: grafana.ecs,
            nodeExporter: hosts.nodeExporter,
            cadvisor: hosts.cadvisor,
            redisExporter: stores.redisExporter,
            postgresExporter: stores.postgresExporter,
        };
        this.serviceNames = {
            prometheus: services.prometheus.service.name,
            grafana: services.grafana.service.name,
            nodeExporter: services.nodeExporter.service.name,
            cadvisor: services.cadvisor.service.name,
            redisExporter: services.redisExporter.service.name,
            postgresExporter: services.postgresExporter.service.name,
        };
        this.logGroupNames = {
            prometheus: services.prometheus.logGroup.name,
            grafana: services.grafana.logGroup.name,
            nodeExporter: services.nodeExporter.logGroup.name,
            cadvisor: services.cadvisor.logGroup.name,
            redisExporter: services.redisExporter.logGroup.name,
            postgresExporter: services.postgresExporter.logGroup.name,
        };
        this.prometheusService = prometheus.ecs.service;
        this.ampWorkspaceArn = prometheus.ampWorkspaceArn;
        this.registerOutputs({
            grafanaUrl: this.grafanaUrl,
            grafanaLoadBalancerArnSuffix: this.grafanaLoadBalancerArnSuffix,
            prometheusAddress: this.prometheusAddress,
            prometheusSecurityGroupId: this.prometheusSecurityGroupId,
            grafanaSecurityGroupId: this.grafanaSecurityGroupId,
            grafanaAdminSecretArn: this.grafanaAdminSecretArn,
            postgresExporterSecurityGroupId: this.postgresExporterSecurityGroupId,
            redisExporterSecurityGroupId: this.redisExporterSecurityGroupId,
            cloudwatchDashboardUrl: this.cloudwatchDashboardUrl,
            serviceNames: this.serviceNames,
            logGroupNames: this.logGroupNames,
            ampWorkspaceArn: this.ampWorkspaceArn,
        });
    }
}

/** The layer's ECS services. */
export type MonitoringService = "prometheus" | "grafana" | "nodeExporter" | "cadvisor" | "redisExporter" | "postgresExporter";
