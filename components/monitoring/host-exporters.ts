/**
 * Node Exporter and cAdvisor as ECS runs them: DAEMON services on the EC2 capacity, host network,
 * read-only host mounts (`HostExporters`). This is the one description of their containers, flags,
 * host mounts and PID namespace: the task definitions (below) are built from it, and the local proof
 * (e2e/services/ecs-host.ts) runs the exporter from it in Linux namespaces, so what e2e proves
 * cannot drift from what deploys. docs/monitoring.md, "The host-access exception", says why.
 */
import * as pulumi from "@pulumi/pulumi";
import { EcsService } from "../common";
import type { ContainerDefinition } from "../common/containers";
import { CLOUD_MAP_NAMES, PORTS } from "../contracts";
import { IMAGES } from "./images";
import type { PartContext } from "./part";

/** A path of the EC2 instance mounted into a host daemon, always read-only. */
export interface HostMount {
    /** Task volume name (stable: renaming it changes the task definition). */
    readonly volume: string;
    /** Path on the instance. */
    readonly hostPath: string;
    /** Where the container sees it. */
    readonly containerPath: string;
}

export interface HostDaemon {
    /** Logical key: the ECS service is `<layer>-<key>`. */
    readonly key: "node-exporter" | "cadvisor";
    /** Scrape job / Cloud Map entry (prometheus/config.ts `DISCOVERY`). */
    readonly discovery: "node" | "cadvisor";
    /** The Cloud Map service it registers as (SRV records: host network). */
    readonly cloudMapName: string;
    /** Task memory reservation (MiB). */
    readonly memory: number;
    /**
     * ECS `pidMode`. `host` shares the instance's PID namespace, so `/proc/1` is the instance's
     * init. @default the container's own PID namespace
     */
    readonly pidMode?: "host";
    /** The container, without its mount points (they come from `hostMounts`). */
    readonly container: ContainerDefinition;
    readonly hostMounts: readonly HostMount[];
}

/** Where Node Exporter sees the instance's root filesystem (`--path.rootfs`). */
export const NODE_EXPORTER_ROOTFS = "/host";

/**
 * Mount points Node Exporter skips (matched after `--path.rootfs` is stripped): pseudo filesystems,
 * Docker's per-container mounts, and the `/etc/hosts|hostname|resolv.conf` files Docker bind-mounts
 * into every container. Those last three are not volumes: they are files on the root volume,
 * reported read-only when the root filesystem is read-only, and they would repeat the root
 * volume's figures three times wherever the container's own mount table is read (node_exporter
 * falls back to `/proc/mounts`, the container's table, when `/proc/1` is hidden by `hidepid`).
 */
export const NODE_EXPORTER_MOUNT_POINTS_EXCLUDE = "^/(dev|proc|sys|run|var/lib/docker/.+|etc/(hosts|hostname|resolv\\.conf))($|/)";

/**
 * Node Exporter per node_exporter's documented Docker usage (README, "Docker":
 * `--net="host" --pid="host" -v "/:/host:ro,rslave" ... --path.rootfs=/host`,
 * https://github.com/prometheus/node_exporter#docker). node_exporter reads the mount table from
 * `/proc/1/mounts`; only in the host's PID namespace is PID 1 the instance's init, whose table
 * holds the instance's volumes as mounted (writable). In the container's own PID namespace PID 1 is
 * the container's init and the table is the container's: the host root appears only as the
 * read-only bind mount at /host, `node_filesystem_readonly` is 1 for it, and the DiskSpaceLow rule
 * (writable filesystems only) never sees the instance's volume.
 *
 * `pidMode: host` is supported for EC2 tasks (ECS task definition parameters, "pidMode":
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#task_definition_pidmode).
 * ECS mount points have no propagation setting (`rslave`): only `sourceVolume`, `containerPath`,
 * `readOnly` (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_MountPoint.html), so
 * Docker's default, private, applies — filesystems mounted on the instance after this task started
 * are listed but read through /host as the directory beneath them. The instances have one volume,
 * the root volume (components/cluster: one block device mapping), mounted at boot.
 */
export const NODE_EXPORTER: HostDaemon = {
    key: "node-exporter",
    discovery: "node",
    cloudMapName: CLOUD_MAP_NAMES.nodeExporter,
    memory: 128,
    pidMode: "host",
    container: {
        name: "node-exporter",
        image: IMAGES.nodeExporter,
        user: "65534:65534",
        portMappings: [{ containerPort: PORTS.nodeExporter, hostPort: PORTS.nodeExporter, name: "metrics" }],
        command: [
            `--path.rootfs=${NODE_EXPORTER_ROOTFS}`,
            `--web.listen-address=:${PORTS.nodeExporter}`,
            `--collector.filesystem.mount-points-exclude=${NODE_EXPORTER_MOUNT_POINTS_EXCLUDE}`,
        ],
    },
    hostMounts: [{ volume: "hostroot", hostPath: "/", containerPath: NODE_EXPORTER_ROOTFS }],
};

/**
 * cAdvisor metric kinds collected (`--enable_metrics`, an allow-list): what the rules and dashboards
 * read (cpu, memory) plus network and block I/O. Not `--disable_metrics`: that flag replaces
 * cAdvisor's default deny-list, which would switch on `process` (needs the host PID namespace) and
 * `oom_event` (reads /dev/kmsg: needs the device and CAP_SYSLOG, which this task does not get —
 * cAdvisor would export an OOM counter stuck at 0). ECS itself reports OOM kills (stopped reason).
 */
export const CADVISOR_METRIC_KINDS = ["cpu", "memory", "network", "diskIO"] as const;

/**
 * cAdvisor on the ECS-optimised Amazon Linux 2023 AMI (cgroup v2). Mounts per cAdvisor's
 * docs/running.md (`/:/rootfs:ro`, `/var/run`, `/sys:/sys:ro`, `/var/lib/docker:ro`, `/dev/disk:ro`)
 * plus the instance's cgroup v2 hierarchy at /sys/fs/cgroup, as AWS's own cAdvisor-based daemon
 * (the CloudWatch agent's `cwagent-ecs-instance-metric` task definition) mounts it: cAdvisor decides
 * cgroup v1 or v2 by the filesystem at /sys/fs/cgroup, and on the v1 path fails with "mountpoint for
 * cpu not found" (google/cadvisor#3658, v0.49.1 on AL2023 ECS). No `/dev/kmsg` and not privileged:
 * see `CADVISOR_METRIC_KINDS`. docs/monitoring.md has the version and registry choice.
 */
export const CADVISOR: HostDaemon = {
    key: "cadvisor",
    discovery: "cadvisor",
    cloudMapName: CLOUD_MAP_NAMES.cadvisor,
    memory: 256,
    container: {
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
            `--enable_metrics=${CADVISOR_METRIC_KINDS.join(",")}`,
        ],
    },
    hostMounts: [
        { volume: "rootfs", hostPath: "/", containerPath: "/rootfs" },
        { volume: "varrun", hostPath: "/var/run", containerPath: "/var/run" },
        { volume: "sys", hostPath: "/sys", containerPath: "/sys" },
        { volume: "cgroup", hostPath: "/sys/fs/cgroup", containerPath: "/sys/fs/cgroup" },
        { volume: "docker", hostPath: "/var/lib/docker", containerPath: "/var/lib/docker" },
        { volume: "devdisk", hostPath: "/dev/disk", containerPath: "/dev/disk" },
    ],
};

export const HOST_DAEMONS: readonly HostDaemon[] = [NODE_EXPORTER, CADVISOR];

/**
 * The daemon's container as the task definition gets it: its host mounts, all read-only, and a
 * container-level hard memory limit equal to the task's memory. cAdvisor reports the limit of a
 * container without one as 0 (`specMemoryValue`, google/cadvisor metrics/prometheus.go), so the
 * container memory rule could never judge it; with the limit it reads the same figure ECS enforces.
 */
export function hostDaemonContainer(d: HostDaemon): ContainerDefinition {
    return {
        ...d.container,
        memory: d.memory,
        mountPoints: d.hostMounts.map((m) => ({ sourceVolume: m.volume, containerPath: m.containerPath, readOnly: true })),
    };
}

/** The daemon's task volumes (host bind mounts). */
export function hostDaemonVolumes(d: HostDaemon): { name: string; hostPath: string }[] {
    return d.hostMounts.map((m) => ({ name: m.volume, hostPath: m.hostPath }));
}

export interface HostExportersArgs {
    /** EC2 capacity the daemons run on. */
    readonly ec2CapacityProviderName: pulumi.Input<string>;
}

/**
 * Node Exporter and cAdvisor: one DAEMON service each on the EC2 capacity, host network. They have
 * no security group of their own: Prometheus' part opens their ports on the instances' group.
 */
export class HostExporters extends pulumi.ComponentResource {
    public readonly nodeExporter: EcsService;
    public readonly cadvisor: EcsService;
    /** Their Cloud Map services: the discovery sidecar lists their tasks. */
    public readonly discoveryServiceArns: pulumi.Output<string>[];

    constructor(ctx: PartContext, args: HostExportersArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:monitoring:HostExporters", `${ctx.prefix}-host-exporters`, {}, opts);
        const daemon = (d: HostDaemon): EcsService =>
            new EcsService(
                `${ctx.prefix}-${d.key}`,
                {
                    placement: ctx.placement,
                    cpu: 128,
                    memory: d.memory,
                    securityGroupIds: [],
                    launch: { kind: "ec2", capacityProvider: args.ec2CapacityProviderName, networkMode: "host" },
                    schedulingStrategy: "DAEMON",
                    pidMode: d.pidMode,
                    discoveryName: d.cloudMapName,
                    volumes: hostDaemonVolumes(d),
                    containers: [hostDaemonContainer(d)],
                },
                { parent: this, formerParent: ctx.layer },
            );
        this.nodeExporter = daemon(NODE_EXPORTER);
        this.cadvisor = daemon(CADVISOR);
        this.discoveryServiceArns = [this.nodeExporter, this.cadvisor].flatMap((s) => (s.discovery ? [s.discovery.arn] : []));
        this.registerOutputs({});
    }
}
