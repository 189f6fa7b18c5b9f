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
import { ecsService, type EcsPlacement, type EcsServiceResult, type PolicyStatement, type ContainerDefinition } from "../common";
import type { PostgresConnection, RedisConnection } from "../datastores";
import { ContainerImage } from "../image";
import { cloudwatchDashboardBody, type CloudWatchDataStores } from "./cloudwatch/dashboard";
import { IMAGES, PORTS } from "./images";
import { QUERIES_PATH } from "./postgres-exporter/queries";
import { DISCOVERY } from "./prometheus/config";
import { webSidecars, WEB_DIAGNOSTICS_ENV } from "./sidecars";

export { IMAGES, PORTS, HOST_ACCESS_CONTAINERS } from "./images";
export { renderPrometheusConfig, prometheusConfig, SCRAPE_JOBS, type PrometheusConfigInput, type PrometheusTargets } from "./prometheus/config";
export { renderPrometheusRules, RULES_FILE_NAME } from "./prometheus/rules";
export { dashboardPanelQueries, buildDashboards, DASHBOARDS, type DashboardPanelQuery } from "./grafana/dashboards";
export { MONITORING_RENDERERS, stackPrometheusInput, renderedDir, type Renderer, type RenderContext, type RenderedFile } from "./render";

/** Path prefix Grafana is served under on the load balancer. */
export const GRAFANA_PATH = "/grafana";
/** ALB allows 5 condition values per rule; the path pattern uses 2. */
export const MAX_GRAFANA_CIDRS = 3;
/** Priority of Grafana's listener rule (the app is the listener's default action). */
export const GRAFANA_RULE_PRIORITY = 10;

// ---------------------------------------------------------------------------------------------
// Web server sidecars
// ---------------------------------------------------------------------------------------------

export interface WebTelemetryArgs {
    readonly placement: EcsPlacement;
    readonly clusterName: pulumi.Input<string>;
    /** Physical name the web server's ECS service gets (see `pinServiceName`): the `ServiceName` dimension. */
    readonly serviceName: string;
    readonly appPort: number;
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
        const s = webSidecars({
            region: p.region,
            clusterName: args.clusterName,
            serviceName: args.serviceName,
            appPort: args.appPort,
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
    readonly placement: EcsPlacement & { readonly namespaceName: string };
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
    /** The web server behind the load balancer Grafana shares. */
    readonly web: {
        readonly url: pulumi.Input<string>;
        readonly listenerArn: pulumi.Input<string>;
        /** 80 or 443: where the load balancer's security group admits clients. */
        readonly listenerPort: number;
        readonly loadBalancerSecurityGroupId: pulumi.Input<string>;
        /** CIDRs the load balancer's security group admits (the web server's `allowedCidrs`). */
        readonly loadBalancerAllowedCidrs: readonly string[];
        readonly serviceName: pulumi.Input<string>;
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
export function validateMonitoringArgs(args: Pick<MonitoringLayerArgs, "config" | "web" | "renderedDir">): void {
    const cidrs = args.config.grafana.allowedCidrs;
    if (cidrs.length > MAX_GRAFANA_CIDRS) {
        throw new Error(`MonitoringLayer: \`grafana.allowedCidrs\` has ${cidrs.length} entries; an ALB listener rule takes at most ${MAX_GRAFANA_CIDRS} next to its path pattern (aggregate them into fewer CIDRs)`);
    }
    for (const c of cidrs) {
        if (!args.web.loadBalancerAllowedCidrs.some((outer) => cidrContains(outer, c))) {
            throw new Error(`MonitoringLayer: \`grafana.allowedCidrs\` entry ${c} is not inside the load balancer's allowed CIDRs (${args.web.loadBalancerAllowedCidrs.join(", ")}); its security group would drop that traffic before the Grafana rule sees it`);
        }
    }
    if (!/^rendered\/[a-z0-9-]+$/.test(args.renderedDir)) throw new Error(`MonitoringLayer: \`renderedDir\` must be rendered/<stack>, got "${args.renderedDir}"`);
}

/** Whether IPv4 CIDR `outer` contains `inner`. */
export function cidrContains(outer: string, inner: string): boolean {
    const parse = (c: string) => {
        const [ip, bits] = c.split("/");
        const n = (ip ?? "").split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
        return { n, bits: Number(bits) };
    };
    const o = parse(outer);
    const i = parse(inner);
    if (i.bits < o.bits) return false;
    const size = 2 ** (32 - o.bits);
    return Math.floor(o.n / size) === Math.floor(i.n / size);
}

/**
 * Prometheus (EC2, local TSDB on a per-instance Docker volume, optional remote_write to Amazon
 * Managed Prometheus), Grafana (Fargate, behind the web server's load balancer on `/grafana`,
 * restricted by source IP), Node Exporter and cAdvisor (DAEMON on the EC2 capacity, read-only host
 * mounts), Redis and Postgres exporters (Fargate, credentials as ECS secrets) and the stack's
 * CloudWatch dashboard. Only Prometheus reaches exporter ports; only Grafana is reachable from
 * outside, through the load balancer.
 */
export class MonitoringLayer extends pulumi.ComponentResource {
    public readonly grafanaUrl: pulumi.Output<string>;
    /** In-VPC address of Prometheus (Cloud Map). */
    public readonly prometheusAddress: string;
    public readonly prometheusSecurityGroupId: pulumi.Output<string>;
    /** Security groups of the data-store exporters; admit them with `DataStores.allowClient`. */
    public readonly postgresExporterSecurityGroupId: pulumi.Output<string>;
    public readonly redisExporterSecurityGroupId: pulumi.Output<string>;
    public readonly cloudwatchDashboardUrl: pulumi.Output<string>;
    /** ECS service names, by component. */
    public readonly serviceNames: Record<"prometheus" | "grafana" | "nodeExporter" | "cadvisor" | "redisExporter" | "postgresExporter", pulumi.Output<string>>;
    public readonly logGroupNames: Record<"prometheus" | "grafana" | "nodeExporter" | "cadvisor" | "redisExporter" | "postgresExporter", pulumi.Output<string>>;
    /** remote_write endpoint (only when `prometheus.remoteWrite`). */
    public readonly ampWorkspaceArn?: pulumi.Output<string>;

    constructor(name: string, args: MonitoringLayerArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:monitoring:MonitoringLayer", name, {}, opts);
        validateMonitoringArgs(args);
        const parent = { parent: this };
        const cfg = args.config;
        const p = args.placement;
        const ns = p.namespaceName;
        const platform = args.platform ?? "linux/amd64";
        const promSize = args.prometheusSize ?? { cpu: 512, memory: 1536 };
        const egressAll = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "AWS APIs, image pulls, scrape and data-store traffic" }];
        const image = (key: string) => new ContainerImage(`${name}-${key}-image`, { context: args.buildContexts?.[key] ?? `${args.renderedDir}/${key}`, platform, kmsKeyArn: p.kmsKeyArn }, parent).imageRef;

        // ── Security groups ──────────────────────────────────────────────────────────────────
        const grafanaSg = new aws.ec2.SecurityGroup(`${name}-grafana`, {
            vpcId: args.vpcId,
            description: `Grafana ${PORTS.grafana}: only from the load balancer`,
            ingress: [{ protocol: "tcp", fromPort: PORTS.grafana, toPort: PORTS.grafana, securityGroups: [args.web.loadBalancerSecurityGroupId], description: "Grafana from the load balancer" }],
            egress: egressAll,
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
        // The app's load-balancer security group declares no inline egress: add the path to Grafana.
        new aws.vpc.SecurityGroupEgressRule(`${name}-alb-to-grafana`, {
            securityGroupId: args.web.loadBalancerSecurityGroupId,
            referencedSecurityGroupId: grafanaSg.id,
            ipProtocol: "tcp",
            fromPort: PORTS.grafana,
            toPort: PORTS.grafana,
            description: "load balancer to Grafana",
        }, parent);

        // ── Prometheus ───────────────────────────────────────────────────────────────────────
        let workspace: aws.amp.Workspace | undefined;
        const promStatements: PolicyStatement[] = [];
        if (cfg.prometheus.remoteWrite) {
            workspace = new aws.amp.Workspace(`${name}-amp`, { alias: `${args.namePrefix}-prometheus`, kmsKeyArn: p.kmsKeyArn }, parent);
            promStatements.push({ Sid: "RemoteWrite", Action: "aps:RemoteWrite", Resource: workspace.arn });
        }
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
            deployment: { minimumHealthyPercent: 0, maximumPercent: 100 },
            taskRoleStatements: promStatements,
            volumes: [
                { name: "tsdb", dockerVolumeConfiguration: { scope: "shared", autoprovision: true, driver: "local" } },
                { name: "run" },
            ],
            containers: [{
                name: "prometheus",
                image: image("prometheus"),
                user: "65534:65534",
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
            }],
        }, this);

        // ── Grafana ──────────────────────────────────────────────────────────────────────────
        const adminPassword = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, parent);
        const adminSecret = new aws.secretsmanager.Secret(`${name}-grafana-admin`, {
            name: `${args.namePrefix}/grafana-admin-password`,
            description: "Grafana admin password (user admin)",
            kmsKeyId: p.kmsKeyArn,
            recoveryWindowInDays: 7,
        }, parent);
        new aws.secretsmanager.SecretVersion(`${name}-grafana-admin`, { secretId: adminSecret.id, secretString: adminPassword.result }, parent);
        const grafanaTg = new aws.lb.TargetGroup(`${name}-grafana`, {
            vpcId: args.vpcId,
            targetType: "ip",
            port: PORTS.grafana,
            protocol: "HTTP",
            deregistrationDelay: 15,
            // Grafana keeps login sessions per task (no shared database): keep a browser on one task.
            stickiness: { type: "lb_cookie", enabled: true, cookieDuration: 86400 },
            healthCheck: { path: `${GRAFANA_PATH}/api/health`, matcher: "200", interval: 15, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
        }, parent);
        const rule = new aws.lb.ListenerRule(`${name}-grafana`, {
            listenerArn: args.web.listenerArn,
            priority: GRAFANA_RULE_PRIORITY,
            actions: [{ type: "forward", targetGroupArn: grafanaTg.arn }],
            conditions: [
                { pathPattern: { values: [GRAFANA_PATH, `${GRAFANA_PATH}/*`] } },
                { sourceIp: { values: [...cfg.grafana.allowedCidrs] } },
            ],
        }, parent);
        const grafanaRoot = pulumi.interpolate`${args.web.url}${GRAFANA_PATH}/`;
        const grafana = ecsService(`${name}-grafana`, {
            placement: p,
            cpu: 256,
            memory: 512,
            desiredCount: cfg.grafana.replicas,
            securityGroupIds: [grafanaSg.id],
            loadBalancer: { targetGroupArn: grafanaTg.arn, containerName: "grafana", containerPort: PORTS.grafana },
            healthCheckGracePeriodSeconds: 60,
            dependsOn: [rule],
            secretArns: [adminSecret.arn],
            volumes: [{ name: "data" }, { name: "tmp" }],
            containers: [{
                name: "grafana",
                image: image("grafana"),
                user: "472:0",
                portMappings: [{ containerPort: PORTS.grafana, name: "http" }],
                environment: [
                    { name: "GF_SERVER_ROOT_URL", value: grafanaRoot },
                    { name: "GF_SERVER_SERVE_FROM_SUB_PATH", value: "true" },
                    { name: "GF_AUTH_ANONYMOUS_ENABLED", value: "false" },
                    { name: "GF_AUTH_DISABLE_LOGIN_FORM", value: "false" },
                    { name: "GF_USERS_ALLOW_SIGN_UP", value: "false" },
                    { name: "GF_SECURITY_ADMIN_USER", value: "admin" },
                    { name: "GF_SECURITY_COOKIE_SECURE", value: String(args.web.listenerPort === 443) },
                    { name: "GF_ANALYTICS_REPORTING_ENABLED", value: "false" },
                    { name: "GF_ANALYTICS_CHECK_FOR_UPDATES", value: "false" },
                    { name: "GF_PATHS_DATA", value: "/var/lib/grafana" },
                ],
                secrets: [{ name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: adminSecret.arn }],
                mountPoints: [{ sourceVolume: "data", containerPath: "/var/lib/grafana" }, { sourceVolume: "tmp", containerPath: "/tmp" }],
            }],
        }, this);

        // ── Host exporters: DAEMON on the EC2 capacity, host network, read-only host mounts ──
        const daemon = (key: "node-exporter" | "cadvisor", container: ContainerDefinition, volumes: Record<string, string>): EcsServiceResult =>
            ecsService(`${name}-${key}`, {
                placement: p,
                cpu: 128,
                memory: key === "cadvisor" ? 256 : 128,
                securityGroupIds: [],
                launch: { kind: "ec2", capacityProvider: args.ec2CapacityProviderName, networkMode: "host" },
                schedulingStrategy: "DAEMON",
                discoveryName: DISCOVERY[key === "node-exporter" ? "node" : "cadvisor"].name,
                volumes: Object.entries(volumes).map(([volume, hostPath]) => ({ name: volume, hostPath })),
                containers: [{
                    ...container,
                    mountPoints: Object.keys(volumes).map((volume) => ({ sourceVolume: volume, containerPath: HOST_MOUNTS[volume] as string, readOnly: true })),
                }],
            }, this);
        const nodeExporter = daemon("node-exporter", {
            name: "node-exporter",
            image: IMAGES.nodeExporter,
            user: "65534:65534",
            portMappings: [{ containerPort: PORTS.nodeExporter, hostPort: PORTS.nodeExporter, name: "metrics" }],
            command: [
                "--path.rootfs=/host",
                `--web.listen-address=:${PORTS.nodeExporter}`,
                "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run|var/lib/docker/.+)($|/)",
            ],
        }, { hostroot: "/" });
        const cadvisor = daemon("cadvisor", {
            name: "cadvisor",
            image: IMAGES.cadvisor,
            // Runs as root (the container runtime's state is root-only) but not privileged and with
            // all capabilities dropped: the named exception in images.ts.
            portMappings: [{ containerPort: PORTS.cadvisor, hostPort: PORTS.cadvisor, name: "metrics" }],
            command: [
                `--port=${PORTS.cadvisor}`,
                "--docker_only=true",
                "--housekeeping_interval=15s",
                "--store_container_labels=false",
                "--whitelisted_container_labels=com.amazonaws.ecs.cluster,com.amazonaws.ecs.task-definition-family,com.amazonaws.ecs.container-name",
                "--disable_metrics=percpu,sched,tcp,udp,hugetlb,referenced_memory,cpu_topology,resctrl,advtcp",
            ],
        }, { rootfs: "/", varrun: "/var/run", sys: "/sys", docker: "/var/lib/docker", devdisk: "/dev/disk" });

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
                    { name: "DATA_SOURCE_URI", value: pulumi.interpolate`${pg.host}:${pg.port}/${pg.database}?sslmode=${pg.sslMode}` },
                    { name: "DATA_SOURCE_USER", value: pg.username },
                ],
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
        this.prometheusAddress = `http://${DISCOVERY_PROMETHEUS}.${ns}:${PORTS.prometheus}`;
        this.prometheusSecurityGroupId = promSg.id;
        this.postgresExporterSecurityGroupId = pgExporterSg.id;
        this.redisExporterSecurityGroupId = redisExporterSg.id;
        this.cloudwatchDashboardUrl = pulumi.output(`https://${p.region}.console.aws.amazon.com/cloudwatch/home?region=${p.region}#dashboards:name=${dashboardName}`);
        const services = { prometheus, grafana, nodeExporter, cadvisor, redisExporter, postgresExporter };
        this.serviceNames = mapValues(services, (s) => s.service.name);
        this.logGroupNames = mapValues(services, (s) => s.logGroup.name);
        this.ampWorkspaceArn = workspace?.arn;
        this.registerOutputs({
            grafanaUrl: this.grafanaUrl,
            prometheusAddress: this.prometheusAddress,
            prometheusSecurityGroupId: this.prometheusSecurityGroupId,
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

/** Container paths of the host volumes (all mounted read-only). */
const HOST_MOUNTS: Record<string, string> = {
    hostroot: "/host",
    rootfs: "/rootfs",
    varrun: "/var/run",
    sys: "/sys",
    docker: "/var/lib/docker",
    devdisk: "/dev/disk",
};

function mapValues<K extends string, V, W>(o: Record<K, V>, f: (v: V) => W): Record<K, W> {
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v as V)])) as Record<K, W>;
}
