/**
 * Prometheus on the EC2 capacity: local TSDB on a per-instance Docker volume, optional remote_write
 * to Amazon Managed Prometheus, the Cloud Map discovery sidecar (cloudmap-sd/) in its task. Its
 * security group admits Grafana only; the host daemons' ports on the instances admit it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { MonitoringConfig } from "../../config/monitoring";
import { PIPELINE_TIMINGS } from "../alerting/catalog";
import { EcsService, type ContainerDefinition, type PolicyStatement } from "../common";
import { CLOUD_MAP_NAMES, PORTS } from "../contracts";
import type { HostExporters } from "./host-exporters";
import { EGRESS_ALL, partChild, partImage, type PartContext } from "./part";
import { kindNamed } from "../common/kind-names";

export interface PrometheusArgs {
    readonly config: MonitoringConfig["prometheus"];
    /** `<project>-<stack>`: prefix of the AMP workspace alias. */
    readonly namePrefix: string;
    /** EC2 capacity the task runs on. */
    readonly ec2CapacityProviderName: pulumi.Input<string>;
    /** The EC2 instances' security group: the host daemons listen on the instances' addresses. */
    readonly instanceSecurityGroupId: pulumi.Input<string>;
    /** Grafana's tasks' security group: the only client admitted. */
    readonly grafanaSecurityGroupId: pulumi.Input<string>;
    /** The host daemons, whose tasks the discovery sidecar lists. */
    readonly hostExporters: HostExporters;
    /** The web server's Cloud Map service, whose tasks the discovery sidecar lists. */
    readonly webDiscoveryServiceArn: pulumi.Input<string>;
    /** Task size on EC2. @default { cpu: 512, memory: 1536 } */
    readonly size?: { readonly cpu: number; readonly memory: number };
    /** TSDB size cap (GB), below the instance volume so a full TSDB cannot fill the host. @default 10 */
    readonly retentionSizeGb?: number;
}

export class Prometheus extends pulumi.ComponentResource {
    public readonly securityGroupId: pulumi.Output<string>;
    /** In-VPC address (Cloud Map). */
    public readonly address: string;
    public readonly ecs: EcsService;
    /** remote_write endpoint (only when `remoteWrite`). */
    public readonly ampWorkspaceArn?: pulumi.Output<string>;

    constructor(ctx: PartContext, args: PrometheusArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:monitoring:Prometheus", `${ctx.prefix}-prometheus`, {}, opts);
        const name = ctx.prefix;
        const child = partChild(this, ctx);
        const p = ctx.placement;
        const cfg = args.config;
        const size = args.size ?? { cpu: 512, memory: 1536 };

        const sgName = kindNamed(`${name}-prometheus`, "securityGroup", child);
        const sg = new aws.ec2.SecurityGroup(
            sgName.name,
            {
                vpcId: ctx.vpcId,
                description: `Prometheus ${PORTS.prometheus}: only from Grafana`,
                ingress: [
                    {
                        protocol: "tcp",
                        fromPort: PORTS.prometheus,
                        toPort: PORTS.prometheus,
                        securityGroups: [args.grafanaSecurityGroupId],
                        description: "Prometheus from Grafana",
                    },
                ],
                egress: EGRESS_ALL,
            },
            sgName.opts,
        );
        // The host daemons have no security group of their own (host network): their ports are
        // opened on the instances' group, to Prometheus only. That group has no inline ingress, so
        // standalone rules do not fight it.
        for (const [key, port] of [
            ["node-exporter", PORTS.nodeExporter],
            ["cadvisor", PORTS.cadvisor],
        ] as const) {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-${key}-from-prometheus`,
                {
                    securityGroupId: args.instanceSecurityGroupId,
                    referencedSecurityGroupId: sg.id,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    description: `${key} (host network) from Prometheus`,
                },
                child,
            );
        }

        // The discovery sidecar lists the tasks of the services with more than 8 possible tasks
        // (prometheus/config.ts DISCOVERY, via "api"): the web server and the host daemons.
        const discovered = [args.webDiscoveryServiceArn, ...args.hostExporters.discoveryServiceArns];
        const statements: PolicyStatement[] = [discoverInstancesStatement(p.namespaceArn, discovered)];
        let workspace: aws.amp.Workspace | undefined;
        if (cfg.remoteWrite) {
            workspace = new aws.amp.Workspace(`${name}-amp`, { alias: `${args.namePrefix}-prometheus`, kmsKeyArn: p.kmsKeyArn }, child);
            statements.push({ Sid: "RemoteWrite", Action: "aps:RemoteWrite", Resource: workspace.arn });
        }
        // The discovery sidecar's image, built from its own package (cloudmap-sd/), like the web server's.
        const sdImage = partImage(this, ctx, "cloudmap-sd", CLOUDMAP_SD_CONTEXT);
        const replicas = cfg.replicas;
        this.ecs = new EcsService(
            `${name}-prometheus`,
            {
                placement: p,
                cpu: size.cpu,
                memory: size.memory,
                securityGroupIds: [sg.id],
                // EC2, not Fargate: the TSDB lives on the instance's encrypted EBS volume (Docker volume),
                // which survives task restarts; Prometheus does not support NFS (EFS) for its TSDB.
                launch: { kind: "ec2", capacityProvider: args.ec2CapacityProviderName, networkMode: "awsvpc" },
                discoveryName: CLOUD_MAP_NAMES.prometheus,
                // One writer per TSDB: never two Prometheus tasks on one volume.
                deployment: prometheusDeployment(replicas),
                // A pair: each replica on an instance of its own (and so a TSDB volume of its own),
                // spread across zones. Identical servers; the external `replica` label tells them apart.
                ...(replicas > 1 ? { desiredCount: replicas, spread: { distinctInstances: true } } : {}),
                taskRoleStatements: statements,
                volumes: [{ name: "tsdb", dockerVolumeConfiguration: { scope: "shared", autoprovision: true, driver: "local" } }, { name: "run" }],
                containers: [
                    {
                        name: "prometheus",
                        image: partImage(this, ctx, "prometheus"),
                        user: "65534:65534",
                        // A hard limit: what cAdvisor reads as the container's limit (0 without one), so
                        // HighMemoryUsage judges Prometheus on the Prometheus path. The task's memory less the
                        // discovery sidecar's: ECS requires the containers' hard limits to fit in the task's memory
                        // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_memory).
                        memory: size.memory - CLOUDMAP_SD_MEMORY_MIB,
                        portMappings: [{ containerPort: PORTS.prometheus, name: "http" }],
                        environment: workspace ? [{ name: "AMP_WORKSPACE_ID", value: workspace.id }] : [],
                        command: [
                            "--storage.tsdb.path=/prometheus",
                            `--storage.tsdb.retention.time=${cfg.retentionDays}d`,
                            `--storage.tsdb.retention.size=${args.retentionSizeGb ?? 10}GB`,
                            `--web.listen-address=:${PORTS.prometheus}`,
                            `--rules.alert.resend-delay=${PIPELINE_TIMINGS.production.resendDelaySeconds}s`,
                        ],
                        mountPoints: [
                            { sourceVolume: "tsdb", containerPath: "/prometheus" },
                            { sourceVolume: "run", containerPath: "/run/prometheus" },
                        ],
                        healthCheck: {
                            command: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${PORTS.prometheus}/-/ready`],
                            interval: 15,
                            timeout: 5,
                            retries: 3,
                            startPeriod: 60,
                        },
                        stopTimeout: 60,
                    },
                    cloudMapSdContainer({ image: sdImage, namespace: p.namespaceName, region: p.region }),
                ],
            },
            { parent: this, formerParent: ctx.layer },
        );

        this.securityGroupId = sg.id;
        this.address = `http://${CLOUD_MAP_NAMES.prometheus}.${p.namespaceName}:${PORTS.prometheus}`;
        this.ampWorkspaceArn = workspace?.arn;
        this.registerOutputs({ securityGroupId: this.securityGroupId, address: this.address });
    }
}

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
const CLOUDMAP_SD_CONTEXT = "cloudmap-sd";

/**
 * `servicediscovery:DiscoverInstances` on the namespace and the services the sidecar lists. The
 * action takes both resource types, each required ("namespace*", "service*"), with the condition keys
 * `servicediscovery:NamespaceName` and `servicediscovery:ServiceName`
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudmap.html); the
 * namespace condition states the same scope a second way.
 */
function discoverInstancesStatement(namespaceArn: pulumi.Input<string>, serviceArns: readonly pulumi.Input<string>[]): PolicyStatement {
    return { Sid: "DiscoverTasksInCloudMap", Action: "servicediscovery:DiscoverInstances", Resource: [namespaceArn, ...serviceArns] };
}

/** The discovery sidecar's hard memory limit, MiB (Node.js and one HTTP server; ~50 MiB resident). */
const CLOUDMAP_SD_MEMORY_MIB = 128;

/**
 * The discovery sidecar (cloudmap-sd/) in the Prometheus task: Prometheus' `http_sd_configs` ask it on
 * 127.0.0.1 (one network namespace in awsvpc: no security group rule), it asks Cloud Map over HTTPS
 * with the task role. Not essential: Prometheus outlives it (its targets stay as last discovered) and
 * ECS restarts it in place (container restart policy,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/container-restart-policy.html).
 */
function cloudMapSdContainer(a: { image: pulumi.Input<string>; namespace: string; region: string }): ContainerDefinition {
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
