/**
 * The monitoring layer: Prometheus, Grafana, the four exporters and the stack's CloudWatch
 * dashboard as one component (`MonitoringLayer`), plus the web server's CloudWatch agent sidecars
 * (`WebTelemetry`, created before the web server because its task definition carries them).
 * docs/monitoring.md explains the choices.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { MonitoringConfig } from "../../config/monitoring";
import { PIPELINE_TIMINGS } from "../alerting/catalog";
import { AGENT_IMAGE_CONTEXT } from "../common/filesystems";
import { ecsService, frontListeners, type EcsPlacement, type EcsServiceResult, type PolicyStatement, type ContainerDefinition } from "../common";
import type { PostgresConnection, RedisConnection } from "../datastores";
import { ContainerImage } from "../image";
import { cloudwatchDashboardBody, type CloudWatchDataStores } from "./cloudwatch/dashboard";
import { CADVISOR, hostDaemonContainer, hostDaemonVolumes, NODE_EXPORTER, type HostDaemon } from "./host-exporters";
import { IMAGES, PORTS } from "./images";
import { QUERIES_PATH } from "./postgres-exporter/queries";
import { RDS_CA_PATH } from "./postgres-exporter/rds-ca";
import { DISCOVERY } from "./prometheus/config";
import { GRAFANA_ADMIN_USER } from "./grafana/provisioning";
import { webSidecars, WEB_DIAGNOSTICS_ENV } from "./sidecars";

export { IMAGES, PORTS, HOST_ACCESS_CONTAINERS } from "./images";
export { DISCOVERY, DISCOVERY_SIDECAR_URL, cloudMapSdUrl } from "./prometheus/config";
export { CADVISOR, HOST_DAEMONS, NODE_EXPORTER, hostDaemonContainer, hostDaemonVolumes, type HostDaemon, type HostMount } from "./host-exporters";
export { renderPrometheusConfig, prometheusConfig, SCRAPE_JOBS, type PrometheusConfigInput, type PrometheusTargets } from "./prometheus/config";
export { renderPrometheusRules, RULES_FILE_NAME } from "./prometheus/rules";
export { dashboardPanelQueries, buildDashboards, DASHBOARDS, type DashboardPanelQuery } from "./grafana/dashboards";
export { MONITORING_RENDERERS, stackPrometheusInput, renderedDir, expectedPrometheus, type ExpectedPrometheus, type Renderer, type RenderContext, type RenderedFile } from "./render";
export { ALERTMANAGER_DATASOURCE_UID, GRAFANA_ADMIN_USER } from "./grafana/provisioning";
export { PROMETHEUS_DATASOURCE_UID } from "./grafana/dashboards";

// ---------------------------------------------------------------------------------------------
// Web server sidecars
// ---------------------------------------------------------------------------------------------

export interface WebTelemetryArgs {
    readonly placement: EcsPlacement;
    /** Image platform. @default "linux/amd64" */
    readonly platform?: "linux/amd64" | "linux/arm64";
    readonly clusterName: pulumi.Input<string>;
    /** Physical name the web server's ECS service gets (see `pinServiceName`): the `ServiceName` dimension. */
    readonly serviceName: string;
    /** The web server's metrics port, which the app-metrics sidecar scrapes on localhost. */
    readonly metricsPort: number;
}

/**
 * The CloudWatch agent sidecars of the web server (sidecars.ts) with their log groups. Hand
 * `sidecars`, `sidecarVolumes`, `sidecarTaskRoleStatements` and `environment` to `MonitoredService`.
 */
export class WebTelemetry extends pulumi.ComponentResource {
    public readonly sidecars: ContainerDefinition[];
    public readonly sidecarVolumes: string[];
    public readonly sidecarTaskRoleStatements: PolicyStatement[];
    /** Web server environment that makes Node write diagnostic reports for the logs sidecar. */
    public readonly environment: Readonly<Record<string, string>> = WEB_DIAGNOSTICS_ENV;
    public readonly logGroupNames: Record<"fileLogs" | "appMetricsEmf", pulumi.Output<string>>;

    constructor(name: string, args: WebTelemetryArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:monitoring:WebTelemetry", name, {}, opts);
        const p = args.placement;
        const group = (suffix: string) => new aws.cloudwatch.LogGroup(`${name}-${suffix}`, { retentionInDays: p.logRetentionDays, kmsKeyId: p.kmsKeyArn }, { parent: this });
        const files = group("file-logs");
        const emf = group("app-metrics");
        const agentImage = new ContainerImage(`${name}-agent-image`, { context: AGENT_IMAGE_CONTEXT, platform: args.platform ?? "linux/amd64", kmsKeyArn: p.kmsKeyArn }, { parent: this });
        const s = webSidecars({
            agentImage: agentImage.imageRef,
            region: p.region,
            clusterName: args.clusterName,
            serviceName: args.serviceName,
            metricsPort: args.metricsPort,
            fileLogGroupName: files.name,
            fileLogGroupArn: files.arn,
            emfLogGroupName: emf.name,
            emfLogGroupArn: emf.arn,
        });
        this.sidecars = s.containers;
        this.sidecarVolumes = s.volumes;
        this.sidecarTaskRoleStatements = s.taskRoleStatements;
        this.logGroupNames = { fileLogs: files.name, appMetricsEmf: emf.name };
        this.registerOutputs({ logGroupNames: this.logGroupNames });
    }
}

/**
 * A transformation giving the ECS service `logicalName` the fixed physical name `physicalName`.
 * The app-metrics sidecar labels metrics with the service name, which must be known before the
 * task definition exists (auto-naming only knows it after the service exists). Names are unique per
 * cluster and each stack has its own cluster; a replacement must then delete first.
 */
export function pinServiceName(logicalName: string, physicalName: string): pulumi.ResourceTransformation {
    return (a) => (a.type === "aws:ecs/service:Service" && a.name === logicalName
        ? { props: { ...a.props, name: physicalName }, opts: pulumi.mergeOptions(a.opts, { deleteBeforeReplace: true }) }
        : undefined);
}

// ---------------------------------------------------------------------------------------------
// The monitoring layer
// ---------------------------------------------------------------------------------------------

export interface MonitoringLayerArgs {
    /** `koronet:monitoring` (validated). */
    readonly config: MonitoringConfig;
    readonly placement: EcsPlacement & { readonly namespaceName: string; readonly namespaceArn: pulumi.Input<string> };
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
    if (!/^rendered\/[a-z0-9-]+$/.test(args.renderedDir)) throw new Error(`MonitoringLayer: \`renderedDir\` must be rendered/<stack>, got "${args.renderedDir}"`);
}

/**
 * Prometheus (EC2, local TSDB on a per-instance Docker volume, optional remote_write to Amazon
 * Managed Prometheus), Grafana (Fargate, behind its own internet-facing load balancer admitting
 * `grafana.allowedCidrs`, and behind Grafana's login), Node Exporter and cAdvisor (DAEMON on the
 * EC2 capacity, read-only host mounts), Redis and Postgres exporters (Fargate, credentials as ECS
 * secrets) and the stack's
 * CloudWatch dashboard. Only Prometheus reaches exporter ports; only Grafana is reachable from
 * outside, through its load balancer. Grafana has a load balancer of its own rather than a rule on
 * the app's: its security group and listeners are its own (the app's may stay open to the world
 * while Grafana's is narrowed), its traffic stays out of the app's load-balancer metrics
 * (`HTTPCode_ELB_5XX_Count`, `RequestCount`), and it is served at the root of its own host.
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
    public readonly serviceNames: Record<"prometheus" | "grafana" | "nodeExporter" | "cadvisor" | "redisExporter" | "postgresExporter", pulumi.Output<string>>;
    public readonly logGroupNames: Record<"prometheus" | "grafana" | "nodeExporter" | "cadvisor" | "redisExporter" | "postgresExporter", pulumi.Output<string>>;
    /** Prometheus's ECS service: what waits for Prometheus to run (the Watchdog heartbeat alarm) depends on it. */
    public readonly prometheusService: aws.ecs.Service;
    /** remote_write endpoint (only when `prometheus.remoteWrite`). */
    public readonly ampWorkspaceArn?: pulumi.Output<string>;

    constructor(name: string, args: MonitoringLayerArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:monitoring:MonitoringLayer", name, {}, opts);
        validateMonitoringArgs(args);
        this.appScrapePort = args.web.metricsPort;
        const parent = { parent: this };
        const cfg = args.config;
        const p = args.placement;
        const ns = p.namespaceName;
        const platform = args.platform ?? "linux/amd64";
        const promSize = args.prometheusSize ?? { cpu: 512, memory: 1536 };
        const egressAll = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "AWS APIs, image pulls, scrape and data-store traffic" }];
        const image = (key: string) => new ContainerImage(`${name}-${key}-image`, { context: args.buildContexts?.[key] ?? `${args.renderedDir}/${key}`, platform, kmsKeyArn: p.kmsKeyArn }, parent).imageRef;
        // The discovery sidecar's image, built from its own package (cloudmap-sd/), like the web server's.
        const sdImage = new ContainerImage(`${name}-cloudmap-sd-image`, { context: CLOUDMAP_SD_CONTEXT, platform, kmsKeyArn: p.kmsKeyArn }, parent).imageRef;

        // ── Security groups ──────────────────────────────────────────────────────────────────
        const grafanaHttps = cfg.grafana.certificateArn !== undefined;
        const grafanaPorts = [80, ...(grafanaHttps ? [443] : [])];
        const grafanaAlbSg = new aws.ec2.SecurityGroup(`${name}-grafana-alb`, {
            vpcId: args.vpcId,
            description: "Grafana load balancer: HTTP/HTTPS from grafana.allowedCidrs",
            ingress: grafanaPorts.flatMap((port) => cfg.grafana.allowedCidrs.map((cidr) => ({
                protocol: "tcp", fromPort: port, toPort: port, cidrBlocks: [cidr], description: `${port === 443 ? "HTTPS" : "HTTP"} from ${cidr}`,
            }))),
        }, parent);
        const grafanaSg = new aws.ec2.SecurityGroup(`${name}-grafana`, {
            vpcId: args.vpcId,
            description: `Grafana ${PORTS.grafana}: only from the load balancer`,
            ingress: [{ protocol: "tcp", fromPort: PORTS.grafana, toPort: PORTS.grafana, securityGroups: [grafanaAlbSg.id], description: "Grafana from its load balancer" }],
            egress: egressAll,
        }, parent);
        // The load balancer's group declares no inline egress (it would be circular with Grafana's).
        new aws.vpc.SecurityGroupEgressRule(`${name}-grafana-alb-to-grafana`, {
            securityGroupId: grafanaAlbSg.id,
            referencedSecurityGroupId: grafanaSg.id,
            ipProtocol: "tcp",
            fromPort: PORTS.grafana,
            toPort: PORTS.grafana,
            description: "load balancer to Grafana",
        }, parent);
        const promSg = new aws.ec2.SecurityGroup(`${name}-prometheus`, {
            vpcId: args.vpcId,
            description: `Prometheus ${PORTS.prometheus}: only from Grafana`,
            ingress: [{ protocol: "tcp", fromPort: PORTS.prometheus, toPort: PORTS.prometheus, securityGroups: [grafanaSg.id], description: "Prometheus from Grafana" }],
            egress: egressAll,
        }, parent);
        const exporterSg = (key: string, port: number, what: string) => new aws.ec2.SecurityGroup(`${name}-${key}`, {
            vpcId: args.vpcId,
            description: `${what} ${port}: only from Prometheus`,
            ingress: [{ protocol: "tcp", fromPort: port, toPort: port, securityGroups: [promSg.id], description: `${what} from Prometheus` }],
            egress: egressAll,
        }, parent);
        const pgExporterSg = exporterSg("postgres-exporter", PORTS.postgresExporter, "Postgres exporter");
        const redisExporterSg = exporterSg("redis-exporter", PORTS.redisExporter, "Redis exporter");
        // The instance security group has no inline ingress, so standalone rules do not fight it.
        for (const [key, port] of [["node-exporter", PORTS.nodeExporter], ["cadvisor", PORTS.cadvisor]] as const) {
            new aws.vpc.SecurityGroupIngressRule(`${name}-${key}-from-prometheus`, {
                securityGroupId: args.instanceSecurityGroupId,
                referencedSecurityGroupId: promSg.id,
                ipProtocol: "tcp",
                fromPort: port,
                toPort: port,
                description: `${key} (host network) from Prometheus`,
            }, parent);
        }
        // ── Host exporters: DAEMON on the EC2 capacity, host network, read-only host mounts ──
        // Containers, flags, mounts and PID namespace: host-exporters.ts (also what e2e runs).
        const daemon = (d: HostDaemon): EcsServiceResult =>
            ecsService(`${name}-${d.key}`, {
                placement: p,
                cpu: 128,
                memory: d.memory,
                securityGroupIds: [],
                launch: { kind: "ec2", capacityProvider: args.ec2CapacityProviderName, networkMode: "host" },
                schedulingStrategy: "DAEMON",
                pidMode: d.pidMode,
                discoveryName: DISCOVERY[d.discovery].name,
                volumes: hostDaemonVolumes(d),
                containers: [hostDaemonContainer(d)],
            }, this);
        const nodeExporter = daemon(NODE_EXPORTER);
        const cadvisor = daemon(CADVISOR);

        // ── Prometheus ───────────────────────────────────────────────────────────────────────
        let workspace: aws.amp.Workspace | undefined;
        // The discovery sidecar lists the tasks of the services with more than 8 possible tasks
        // (prometheus/config.ts DISCOVERY, via "api"): the web server and the host daemons.
        const discovered = [args.web.discoveryServiceArn, nodeExporter.discovery?.arn, cadvisor.discovery?.arn].filter((a): a is NonNullable<typeof a> => a !== undefined);
        const promStatements: PolicyStatement[] = [discoverInstancesStatement(p.namespaceArn, discovered)];
        if (cfg.prometheus.remoteWrite) {
            workspace = new aws.amp.Workspace(`${name}-amp`, { alias: `${args.namePrefix}-prometheus`, kmsKeyArn: p.kmsKeyArn }, parent);
            promStatements.push({ Sid: "RemoteWrite", Action: "aps:RemoteWrite", Resource: workspace.arn });
        }
        const promReplicas = cfg.prometheus.replicas;
        const prometheus = ecsService(`${name}-prometheus`, {
            placement: p,
            cpu: promSize.cpu,
            memory: promSize.memory,
            securityGroupIds: [promSg.id],
            // EC2, not Fargate: the TSDB lives on the instance's encrypted EBS volume (Docker volume),
            // which survives task restarts; Prometheus does not support NFS (EFS) for its TSDB.
            launch: { kind: "ec2", capacityProvider: args.ec2CapacityProviderName, networkMode: "awsvpc" },
            discoveryName: "prometheus",
            // One writer per TSDB: never two Prometheus tasks on one volume.
            deployment: prometheusDeployment(promReplicas),
            // A pair: each replica on an instance of its own (and so a TSDB volume of its own),
            // spread across zones. Identical servers; the external `replica` label tells them apart.
            ...(promReplicas > 1 ? { desiredCount: promReplicas, spread: { distinctInstances: true } } : {}),
            taskRoleStatements: promStatements,
            volumes: [
                { name: "tsdb", dockerVolumeConfiguration: { scope: "shared", autoprovision: true, driver: "local" } },
                { name: "run" },
            ],
            containers: [{
                name: "prometheus",
                image: image("prometheus"),
                user: "65534:65534",
                // A hard limit: what cAdvisor reads as the container's limit (0 without one), so
                // HighMemoryUsage judges Prometheus on the Prometheus path. The task's memory less the
                // discovery sidecar's: ECS requires the containers' hard limits to fit in the task's memory
                // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_memory).
                memory: promSize.memory - CLOUDMAP_SD_MEMORY_MIB,
                portMappings: [{ containerPort: PORTS.prometheus, name: "http" }],
                environment: workspace ? [{ name: "AMP_WORKSPACE_ID", value: workspace.id }] : [],
                command: [
                    "--storage.tsdb.path=/prometheus",
                    `--storage.tsdb.retention.time=${cfg.prometheus.retentionDays}d`,
                    `--storage.tsdb.retention.size=${args.prometheusRetentionSizeGb ?? 10}GB`,
                    `--web.listen-address=:${PORTS.prometheus}`,
                    `--rules.alert.resend-delay=${PIPELINE_TIMINGS.production.resendDelaySeconds}s`,
                ],
                mountPoints: [{ sourceVolume: "tsdb", containerPath: "/prometheus" }, { sourceVolume: "run", containerPath: "/run/prometheus" }],
                healthCheck: { command: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${PORTS.prometheus}/-/ready`], interval: 15, timeout: 5, retries: 3, startPeriod: 60 },
                stopTimeout: 60,
            }, cloudMapSdContainer({ image: sdImage, namespace: ns, region: p.region })],
        }, this);

        // ── Grafana ──────────────────────────────────────────────────────────────────────────
        const adminPassword = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, parent);
        const adminSecret = new aws.secretsmanager.Secret(`${name}-grafana-admin`, {
            name: `${args.namePrefix}/grafana-admin-password`,
            description: "Grafana admin password (user admin)",
            kmsKeyId: p.kmsKeyArn,
            recoveryWindowInDays: 7,
        }, parent);
        // Injected through the version's secretArn (the secret's ARN once it has a value), so Grafana waits for the value.
        const adminSecretArn = new aws.secretsmanager.SecretVersion(`${name}-grafana-admin`, { secretId: adminSecret.id, secretString: adminPassword.result }, parent).secretArn;
        const grafanaAlb = new aws.lb.LoadBalancer(`${name}-grafana-alb`, {
            loadBalancerType: "application",
            internal: false,
            subnets: args.publicSubnetIds,
            securityGroups: [grafanaAlbSg.id],
            dropInvalidHeaderFields: true,
            enableDeletionProtection: args.loadBalancerDeletionProtection,
            idleTimeout: 60,
        }, parent);
        const grafanaTg = new aws.lb.TargetGroup(`${name}-grafana`, {
            vpcId: args.vpcId,
            targetType: "ip",
            port: PORTS.grafana,
            protocol: "HTTP",
            deregistrationDelay: 15,
            // Grafana keeps login sessions per task (no shared database): keep a browser on one task.
            stickiness: { type: "lb_cookie", enabled: true, cookieDuration: 86400 },
            healthCheck: { path: "/api/health", matcher: "200", interval: 15, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
        }, parent);
        const grafanaListener = frontListeners(`${name}-grafana`, { loadBalancerArn: grafanaAlb.arn, targetGroupArn: grafanaTg.arn, certificateArn: cfg.grafana.certificateArn }, parent);
        const grafanaRoot = pulumi.interpolate`${grafanaHttps ? "https" : "http"}://${grafanaAlb.dnsName}/`;
        const grafana = ecsService(`${name}-grafana`, {
            placement: p,
            cpu: 256,
            memory: 512,
            desiredCount: cfg.grafana.replicas,
            securityGroupIds: [grafanaSg.id],
            loadBalancer: { targetGroupArn: grafanaTg.arn, containerName: "grafana", containerPort: PORTS.grafana },
            healthCheckGracePeriodSeconds: 60,
            dependsOn: [grafanaListener],
            secretArns: [adminSecretArn],
            volumes: [{ name: "data" }, { name: "tmp" }],
            containers: [{
                name: "grafana",
                image: image("grafana"),
                user: "472:0",
                portMappings: [{ containerPort: PORTS.grafana, name: "http" }],
                environment: [
                    { name: "GF_SERVER_ROOT_URL", value: grafanaRoot },
                    // Reachable from the internet (allowedCidrs may be 0.0.0.0/0): the login is the guard.
                    { name: "GF_AUTH_ANONYMOUS_ENABLED", value: "false" },
                    { name: "GF_AUTH_DISABLE_LOGIN_FORM", value: "false" },
                    { name: "GF_USERS_ALLOW_SIGN_UP", value: "false" },
                    // Locks a user out after 5 failed logins in 5 minutes (Grafana's default, stated so it stays on).
                    { name: "GF_SECURITY_DISABLE_BRUTE_FORCE_LOGIN_PROTECTION", value: "false" },
                    { name: "GF_SECURITY_ADMIN_USER", value: GRAFANA_ADMIN_USER },
                    { name: "GF_SECURITY_COOKIE_SECURE", value: String(grafanaHttps) },
                    { name: "GF_ANALYTICS_REPORTING_ENABLED", value: "false" },
                    { name: "GF_ANALYTICS_CHECK_FOR_UPDATES", value: "false" },
                    { name: "GF_PATHS_DATA", value: "/var/lib/grafana" },
                    // Logs to stdout (awslogs) only: the default "console file" also writes
                    // /var/log/grafana, which is on the read-only root filesystem.
                    { name: "GF_LOG_MODE", value: "console" },
                ],
                secrets: [{ name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: adminSecretArn }],
                mountPoints: [{ sourceVolume: "data", containerPath: "/var/lib/grafana" }, { sourceVolume: "tmp", containerPath: "/tmp" }],
            }],
        }, this);

        // ── Data-store exporters (Fargate), pointed at the stack's data-store mode ──────────
        const pg = args.dataStores.postgres;
        const redis = args.dataStores.redis;
        const postgresExporter = ecsService(`${name}-postgres-exporter`, {
            placement: p,
            cpu: 256,
            memory: 512,
            securityGroupIds: [pgExporterSg.id],
            discoveryName: DISCOVERY.postgres.name,
            secretArns: args.dataStores.secretArns,
            containers: [{
                name: "postgres-exporter",
                image: image("postgres-exporter"),
                user: "65534:65534",
                portMappings: [{ containerPort: PORTS.postgresExporter, name: "metrics" }],
                environment: [
                    // verify-full against the region's RDS CAs baked into the image: lib/pq's
                    // `require` would encrypt without checking whom it talks to.
                    { name: "DATA_SOURCE_URI", value: pulumi.interpolate`${pg.host}:${pg.port}/${pg.database}?sslmode=${pg.sslMode}${pg.sslMode === "verify-full" ? `&sslrootcert=${RDS_CA_PATH}` : ""}` },
                    { name: "DATA_SOURCE_USER", value: pg.username },
                ],
                // Injected at task start: after RDS rotates the password, the secret follower
                // redeploys this service (docs/aws-behaviours.md, "Secrets").
                secrets: [{ name: "DATA_SOURCE_PASS", valueFrom: pg.passwordValueFrom }],
                command: [`--extend.query-path=${QUERIES_PATH}`, `--web.listen-address=:${PORTS.postgresExporter}`],
            }],
        }, this);
        const redisExporter = ecsService(`${name}-redis-exporter`, {
            placement: p,
            cpu: 256,
            memory: 512,
            securityGroupIds: [redisExporterSg.id],
            discoveryName: DISCOVERY.redis.name,
            secretArns: args.dataStores.secretArns,
            containers: [{
                name: "redis-exporter",
                image: IMAGES.redisExporter,
                user: "59000:59000",
                portMappings: [{ containerPort: PORTS.redisExporter, name: "metrics" }],
                environment: [
                    { name: "REDIS_ADDR", value: pulumi.interpolate`${redis.tls ? "rediss" : "redis"}://${redis.host}:${redis.port}` },
                    { name: "REDIS_EXPORTER_WEB_LISTEN_ADDRESS", value: `:${PORTS.redisExporter}` },
                ],
                secrets: [{ name: "REDIS_PASSWORD", valueFrom: redis.passwordValueFrom }],
            }],
        }, this);

        // ── CloudWatch dashboard ────────────────────────────────────────────────────────────
        const dashboardName = `${args.namePrefix}-overview`;
        new aws.cloudwatch.Dashboard(`${name}-dashboard`, {
            dashboardName,
            dashboardBody: pulumi
                .all([args.clusterName, args.web.serviceName, args.web.loadBalancerArnSuffix, args.web.targetGroupArnSuffix, args.dataStores.cloudwatch, prometheus.service.name, grafana.service.name])
                .apply(([clusterName, serviceName, lb, tg, stores, promName, grafanaName]) =>
                    JSON.stringify(cloudwatchDashboardBody({
                        region: p.region,
                        clusterName,
                        serviceName,
                        loadBalancerArnSuffix: lb,
                        targetGroupArnSuffix: tg,
                        dataStores: stores as CloudWatchDataStores,
                        monitoringServiceNames: [promName, grafanaName],
                    }))),
        }, parent);

        this.grafanaUrl = grafanaRoot;
        this.grafanaLoadBalancerArnSuffix = grafanaAlb.arnSuffix;
        this.prometheusAddress = `http://${DISCOVERY_PROMETHEUS}.${ns}:${PORTS.prometheus}`;
        this.prometheusSecurityGroupId = promSg.id;
        this.grafanaSecurityGroupId = grafanaSg.id;
        this.grafanaAdminSecretArn = adminSecret.arn;
        this.postgresExporterSecurityGroupId = pgExporterSg.id;
        this.redisExporterSecurityGroupId = redisExporterSg.id;
        this.cloudwatchDashboardUrl = pulumi.output(`https://${p.region}.console.aws.amazon.com/cloudwatch/home?region=${p.region}#dashboards:name=${dashboardName}`);
        const services = { prometheus, grafana, nodeExporter, cadvisor, redisExporter, postgresExporter };
        this.serviceNames = mapValues(services, (s) => s.service.name);
        this.prometheusService = prometheus.service;
        this.logGroupNames = mapValues(services, (s) => s.logGroup.name);
        this.ampWorkspaceArn = workspace?.arn;
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

const DISCOVERY_PROMETHEUS = "prometheus";

/**
 * Deployment bounds of `replicas` Prometheus tasks. Never above `replicas` (maximumPercent 100): a
 * new task takes the place of a stopped one, so no two servers ever write one instance's TSDB
 * volume. One server: 0 % (it stops, then starts). A pair or more: one replica at a time
 * (minimumHealthyPercent ⌊(n−1)/n × 100⌋, which ECS rounds up to n − 1 tasks), so the others keep
 * evaluating every rule while it is replaced on the instance it left, its TSDB volume still there.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html
 */
export function prometheusDeployment(replicas: number): { minimumHealthyPercent: number; maximumPercent: number } {
    return { minimumHealthyPercent: replicas <= 1 ? 0 : Math.floor(((replicas - 1) / replicas) * 100), maximumPercent: 100 };
}

/** Build context of the discovery sidecar's image (its own package, project-relative). */
export const CLOUDMAP_SD_CONTEXT = "cloudmap-sd";

/**
 * `servicediscovery:DiscoverInstances` on the namespace and the services the sidecar lists. The
 * action takes both resource types, each required ("namespace*", "service*"), with the condition keys
 * `servicediscovery:NamespaceName` and `servicediscovery:ServiceName`
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudmap.html); the
 * namespace condition states the same scope a second way.
 */
export function discoverInstancesStatement(namespaceArn: pulumi.Input<string>, serviceArns: readonly pulumi.Input<string>[]): PolicyStatement {
    return { Sid: "DiscoverTasksInCloudMap", Action: "servicediscovery:DiscoverInstances", Resource: [namespaceArn, ...serviceArns] };
}

/**
 * The discovery sidecar (cloudmap-sd/) in the Prometheus task: Prometheus' `http_sd_configs` ask it on
 * 127.0.0.1 (one network namespace in awsvpc: no security group rule), it asks Cloud Map over HTTPS
 * with the task role. Not essential: Prometheus outlives it (its targets stay as last discovered) and
 * ECS restarts it in place (container restart policy,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/container-restart-policy.html).
 */
/** The discovery sidecar's hard memory limit, MiB (Node.js and one HTTP server; ~50 MiB resident). */
export const CLOUDMAP_SD_MEMORY_MIB = 128;

export function cloudMapSdContainer(a: { image: pulumi.Input<string>; namespace: string; region: string }): ContainerDefinition {
    return {
        name: "cloudmap-sd",
        image: a.image,
        // The image's `node` user; it writes nothing (read-only root, no volume).
        user: "1000:1000",
        essential: false,
        // Hard, so cAdvisor reports a limit and HighMemoryUsage covers it (issue 13 item 2).
        memory: CLOUDMAP_SD_MEMORY_MIB,
        memoryReservation: 64,
        restartPolicy: { enabled: true, restartAttemptPeriod: 60 },
        environment: [
            { name: "CLOUDMAP_NAMESPACE", value: a.namespace },
            { name: "AWS_REGION", value: a.region },
            { name: "LISTEN_HOST", value: "127.0.0.1" },
            { name: "LISTEN_PORT", value: String(PORTS.cloudmapSd) },
        ],
        healthCheck: {
            command: ["CMD", "node", "-e", `fetch('http://127.0.0.1:${PORTS.cloudmapSd}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`],
            interval: 15,
            timeout: 5,
            retries: 3,
            startPeriod: 10,
        },
        stopTimeout: 10,
    };
}

function mapValues<K extends string, V, W>(o: Record<K, V>, f: (v: V) => W): Record<K, W> {
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v as V)])) as Record<K, W>;
}
