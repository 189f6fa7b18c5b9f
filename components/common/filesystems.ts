/**
 * Container filesystems: every container the platform runs, by container name — the user it runs
 * as, every path it writes and who says so — and, per image, the directories that matter to those
 * writes: owner, mode, and whether the image declares them as a `VOLUME`.
 *
 * Why it matters: every container runs with a read-only root filesystem, so each path it writes
 * must lie on a mount its user can write. An empty ECS task volume (no host path, no EFS, no Docker
 * volume configuration) is root-owned 0755 unless the image declares a `VOLUME` at the same path,
 * in which case ECS copies that directory, owner and mode included, into the volume
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html). The rule
 * `container-writes-writable` (policy/filesystems.ts) checks every task definition of a plan
 * against these facts; test/common/filesystems.test.ts derives the facts of the images we build
 * from their Dockerfiles, so the two cannot drift apart. A leaf module: it imports only pins.
 */
import { IMAGES } from "../monitoring/images";
import { DATA_UID, POSTGRES_IMAGE_CONTEXT, POSTGRES_IMAGES, REDIS_IMAGE } from "../datastores/images";

export interface Identity {
    readonly uid: number;
    readonly gid: number;
}

export interface ImageDirectory {
    readonly path: string;
    readonly uid: number;
    readonly gid: number;
    /** Permission bits, e.g. `0o1777`. */
    readonly mode: number;
    /** Declared with `VOLUME` (ours or inherited from the base image). */
    readonly volume: boolean;
    /** Set when the base image, not our Dockerfile, makes the directory so: the upstream Dockerfile's URL. */
    readonly upstream?: string;
}

export interface ImageFacts {
    /**
     * How task definitions name the image: exact upstream references, a reference prefix, or the
     * logical name of the `ContainerImage` we build (its ECR repository is `<name>-repo`, auto-named).
     */
    readonly ref: { readonly exact: readonly string[] } | { readonly prefix: string } | { readonly built: string };
    /** Our Dockerfile (project-relative) with its build args: the test derives owners, modes, VOLUMEs and USER from it. */
    readonly dockerfile?: { readonly path: string; readonly buildArgs?: Readonly<Record<string, string>> };
    /** The upstream Dockerfile the facts of an image we do not build come from. */
    readonly upstream?: string;
    /** The user it runs as when a task definition names none. */
    readonly user: Identity;
    /** Account names the Dockerfiles use, to numeric ids. @default none */
    readonly accounts?: Readonly<Record<string, number>>;
    readonly directories: readonly ImageDirectory[];
}

export interface WrittenPath {
    readonly path: string;
    readonly what: string;
    /** The document or source line that says the container writes there. */
    readonly source: string;
}

export interface ContainerFacts {
    /** The image it is meant to run (the rule judges the image the task definition actually names). */
    readonly image: ImageKey;
    readonly writes: readonly WrittenPath[];
    /** Why it runs as uid 0. Only containers with a reason may; all the others run as a non-root user. */
    readonly rootReason?: string;
}

/** The CloudWatch agent's writable directories (sidecars.ts mounts a task volume on each). */
export const AGENT_PATHS = {
    etc: "/opt/aws/amazon-cloudwatch-agent/etc",
    var: "/opt/aws/amazon-cloudwatch-agent/var",
    logs: "/opt/aws/amazon-cloudwatch-agent/logs",
    tmp: "/tmp",
} as const;
/** uid/gid the CloudWatch agent runs as (our image gives it passwd/group entries). */
export const AGENT_UID = 10001;
/** Build context of the CloudWatch agent image, relative to the project root. */
export const AGENT_IMAGE_CONTEXT = "components/monitoring/cloudwatch-agent/image";
/** Where the web server writes Node diagnostic reports (inside its `/tmp` volume). */
export const NODE_REPORT_DIR = "/tmp/node-reports";

const NOBODY = 65534;
const root = { uid: 0, gid: 0 };
const tmp = (volume: boolean, upstream?: string): ImageDirectory => ({ path: "/tmp", uid: 0, gid: 0, mode: 0o1777, volume, ...(upstream ? { upstream } : {}) });

const UPSTREAM = {
    node: "https://github.com/nodejs/docker-node",
    agent: "https://github.com/aws/amazon-cloudwatch-agent/blob/main/amazon-cloudwatch-container-insights/cloudwatch-agent-dockerfile/source/Dockerfile",
    postgres: "https://github.com/docker-library/postgres/blob/master/16/bookworm/Dockerfile",
    redis: "https://github.com/docker-library/redis/tree/master/7.2",
    prometheus: "https://github.com/prometheus/prometheus/blob/v2.53.2/Dockerfile",
    alertmanager: "https://github.com/prometheus/alertmanager/blob/v0.25.0/Dockerfile",
    grafana: "https://github.com/grafana/grafana/blob/v11.2.0/Dockerfile",
    nodeExporter: "https://github.com/prometheus/node_exporter/blob/v1.5.0/Dockerfile",
    cadvisor: "https://github.com/google/cadvisor/blob/v0.49.1/deploy/Dockerfile",
    redisExporter: "https://github.com/oliver006/redis_exporter/blob/v1.45.0/Dockerfile",
    postgresExporter: "https://github.com/prometheus-community/postgres_exporter/blob/v0.11.1/Dockerfile",
} as const;

/** Every image the platform's task definitions name, and a few they must not (kept so the rule can say why). */
export const IMAGE_FACTS = {
    web: {
        ref: { built: "web-image" },
        dockerfile: { path: "app/Dockerfile" },
        user: { uid: 1000, gid: 1000 },
        accounts: { node: 1000 },
        directories: [tmp(true), { path: NODE_REPORT_DIR, uid: 1000, gid: 1000, mode: 0o755, volume: false }],
    },
    // The web image's base: no VOLUME anywhere, as the web image was before it declared /tmp.
    node: {
        ref: { prefix: "node:" },
        upstream: UPSTREAM.node,
        user: root,
        accounts: { node: 1000 },
        directories: [tmp(false, UPSTREAM.node)],
    },
    "cloudwatch-agent": {
        ref: { built: "agent-image" },
        dockerfile: { path: `${AGENT_IMAGE_CONTEXT}/Dockerfile` },
        user: { uid: AGENT_UID, gid: AGENT_UID },
        directories: [
            ...[AGENT_PATHS.etc, AGENT_PATHS.var, AGENT_PATHS.logs].map((path) => ({ path, uid: AGENT_UID, gid: AGENT_UID, mode: 0o755, volume: true })),
            tmp(true),
        ],
    },
    // FROM scratch, no USER, no VOLUME: as any user but root it can write nothing.
    "cloudwatch-agent-upstream": {
        ref: { exact: [IMAGES.cloudwatchAgent] },
        upstream: UPSTREAM.agent,
        user: root,
        directories: [],
    },
    postgres: {
        ref: { built: "postgres-image" },
        dockerfile: { path: `${POSTGRES_IMAGE_CONTEXT}/Dockerfile`, buildArgs: { POSTGRES_IMAGE: POSTGRES_IMAGES["16"] } },
        user: { uid: DATA_UID, gid: DATA_UID },
        accounts: { postgres: DATA_UID },
        directories: [
            { path: "/var/run/postgresql", uid: DATA_UID, gid: DATA_UID, mode: 0o3777, volume: true },
            tmp(true),
            { path: "/var/lib/postgresql/data", uid: DATA_UID, gid: DATA_UID, mode: 0o1777, volume: true, upstream: UPSTREAM.postgres },
        ],
    },
    // Upstream makes /var/run/postgresql (postgres, 3777) but declares only PGDATA's parent a VOLUME.
    "postgres-upstream": {
        ref: { exact: Object.values(POSTGRES_IMAGES) },
        upstream: UPSTREAM.postgres,
        user: root,
        accounts: { postgres: DATA_UID },
        directories: [
            { path: "/var/run/postgresql", uid: DATA_UID, gid: DATA_UID, mode: 0o3777, volume: false },
            { path: "/var/lib/postgresql/data", uid: DATA_UID, gid: DATA_UID, mode: 0o1777, volume: true },
            tmp(false),
        ],
    },
    // `RUN mkdir /data && chown redis:redis /data` then `VOLUME /data`; redis is uid 999.
    redis: {
        ref: { exact: [REDIS_IMAGE] },
        upstream: UPSTREAM.redis,
        user: root,
        accounts: { redis: DATA_UID },
        directories: [{ path: "/data", uid: DATA_UID, gid: DATA_UID, mode: 0o755, volume: true }],
    },
    prometheus: {
        ref: { built: "prometheus-image" },
        dockerfile: { path: "components/monitoring/prometheus/image.Dockerfile" },
        user: { uid: NOBODY, gid: NOBODY },
        accounts: { nobody: NOBODY },
        directories: [
            { path: "/run/prometheus", uid: NOBODY, gid: NOBODY, mode: 0o755, volume: true },
            // Upstream: `WORKDIR /prometheus`, `chown -R nobody:nobody ... /prometheus`, `VOLUME [ "/prometheus" ]`.
            { path: "/prometheus", uid: NOBODY, gid: NOBODY, mode: 0o755, volume: true, upstream: UPSTREAM.prometheus },
        ],
    },
    alertmanager: {
        ref: { built: "alertmanager-image" },
        dockerfile: { path: "components/alerting/alertmanager/image/Dockerfile" },
        user: { uid: NOBODY, gid: NOBODY },
        accounts: { nobody: NOBODY },
        directories: [
            { path: "/run/alertmanager", uid: NOBODY, gid: NOBODY, mode: 0o700, volume: true },
            { path: "/alertmanager", uid: NOBODY, gid: NOBODY, mode: 0o755, volume: true },
        ],
    },
    grafana: {
        ref: { built: "grafana-image" },
        dockerfile: { path: "components/monitoring/grafana/image.Dockerfile" },
        user: { uid: 472, gid: 0 },
        accounts: { grafana: 472 },
        directories: [{ path: "/var/lib/grafana", uid: 472, gid: 0, mode: 0o770, volume: true }, tmp(true)],
    },
    // The Cloud Map discovery sidecar (cloudmap-sd/Dockerfile): on the Node 24 base, as the `node` user, no VOLUME.
    "cloudmap-sd": {
        ref: { built: "cloudmap-sd-image" },
        dockerfile: { path: "cloudmap-sd/Dockerfile" },
        user: { uid: 1000, gid: 1000 },
        accounts: { node: 1000 },
        directories: [],
    },
    "postgres-exporter": {
        ref: { built: "postgres-exporter-image" },
        dockerfile: { path: "components/monitoring/postgres-exporter/image.Dockerfile" },
        user: { uid: NOBODY, gid: NOBODY },
        accounts: { nobody: NOBODY },
        directories: [],
    },
    "node-exporter": { ref: { exact: [IMAGES.nodeExporter] }, upstream: UPSTREAM.nodeExporter, user: { uid: NOBODY, gid: NOBODY }, directories: [] },
    cadvisor: { ref: { exact: [IMAGES.cadvisor] }, upstream: UPSTREAM.cadvisor, user: root, directories: [] },
    "redis-exporter": { ref: { exact: [IMAGES.redisExporter] }, upstream: UPSTREAM.redisExporter, user: { uid: 59000, gid: 59000 }, directories: [] },
} as const satisfies Record<string, ImageFacts>;

export type ImageKey = keyof typeof IMAGE_FACTS;

const AGENT_SOURCE = "https://github.com/aws/amazon-cloudwatch-agent/blob/main/cmd/start-amazon-cloudwatch-agent/path.go";
const agentWrites: readonly WrittenPath[] = [
    { path: AGENT_PATHS.etc, what: "the configuration translated from CW_CONFIG_CONTENT (TOML, YAML, env-config.json)", source: AGENT_SOURCE },
    { path: AGENT_PATHS.var, what: "its pid file (-pidfile .../var/amazon-cloudwatch-agent.pid)", source: AGENT_SOURCE },
    {
        path: `${AGENT_PATHS.logs}/state`,
        what: "the file collector's read offsets (file_state_folder)",
        source: "https://github.com/aws/amazon-cloudwatch-agent/blob/main/translator/translate/logs/logs_collected/files/collect_list/ruleFileStateFolder.go",
    },
    { path: AGENT_PATHS.tmp, what: "temporary files (Go's os.TempDir)", source: "https://pkg.go.dev/os#TempDir" },
];

/** Every container of the platform, by container name. A container missing here is a violation. */
export const CONTAINER_FILESYSTEMS: Readonly<Record<string, ContainerFacts>> = {
    web: {
        image: "web",
        writes: [
            {
                path: NODE_REPORT_DIR,
                what: "Node diagnostic reports (--report-directory; Node does not create the directory)",
                source: "components/monitoring/sidecars.ts WEB_DIAGNOSTICS_ENV; https://nodejs.org/api/report.html",
            },
            { path: "/tmp", what: "os.tmpdir() of Node and its libraries", source: "https://nodejs.org/api/os.html#ostmpdir" },
        ],
    },
    "cloudwatch-agent": { image: "cloudwatch-agent", writes: agentWrites },
    "app-metrics": { image: "cloudwatch-agent", writes: agentWrites },
    postgres: {
        image: "postgres",
        writes: [
            { path: "/var/lib/postgresql/data/pgdata", what: "PGDATA (on the EFS access point)", source: "components/datastores/index.ts (PGDATA)" },
            {
                path: "/var/run/postgresql",
                what: "the Unix socket and its lock file (Debian's unix_socket_directories)",
                source: "https://github.com/docker-library/postgres/blob/master/16/bookworm/Dockerfile",
            },
            {
                path: "/tmp",
                what: "temporary files of the entrypoint and psql",
                source: "https://github.com/docker-library/postgres/blob/master/docker-entrypoint.sh",
            },
        ],
    },
    redis: {
        image: "redis",
        writes: [
            { path: "/data", what: "its working directory (`dir /data`; persistence is off)", source: "components/datastores/index.ts (redis-server config)" },
        ],
    },
    prometheus: {
        image: "prometheus",
        writes: [
            { path: "/prometheus", what: "the TSDB (--storage.tsdb.path)", source: "components/monitoring/index.ts" },
            {
                path: "/run/prometheus",
                what: "prometheus.yml with the workspace filled in by the entrypoint",
                source: "components/monitoring/prometheus/image/entrypoint.sh",
            },
        ],
    },
    alertmanager: {
        image: "alertmanager",
        writes: [
            {
                path: "/run/alertmanager",
                what: "the rendered config and secrets written by the entrypoint",
                source: "components/alerting/alertmanager/image/entrypoint.sh",
            },
            {
                path: "/alertmanager",
                what: "silences and the notification log (--storage.path)",
                source: "components/alerting/alertmanager/image/entrypoint.sh",
            },
        ],
    },
    grafana: {
        image: "grafana",
        writes: [
            {
                path: "/var/lib/grafana",
                what: "its SQLite database, plugins and sessions (GF_PATHS_DATA); logs go to stdout (GF_LOG_MODE=console), not /var/log/grafana",
                source: "https://grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/#paths",
            },
            { path: "/tmp", what: "temporary files (Go's os.TempDir)", source: "https://pkg.go.dev/os#TempDir" },
        ],
    },
    "postgres-exporter": { image: "postgres-exporter", writes: [] },
    // Logs to stdout; no temporary files (node:http and the AWS SDK write none).
    "cloudmap-sd": { image: "cloudmap-sd", writes: [] },
    "redis-exporter": { image: "redis-exporter", writes: [] },
    "node-exporter": { image: "node-exporter", writes: [] },
    cadvisor: {
        image: "cadvisor",
        writes: [],
        rootReason:
            "reads the container runtime's root-only state on the host (HOST_ACCESS_CONTAINERS, components/monitoring/images.ts); not privileged, all capabilities dropped, read-only mounts",
    },
};

/** The image facts a task definition's image reference names, or undefined when none does. */
export function imageKeyOf(ref: string): ImageKey | undefined {
    const repo = ref.split("/").pop() ?? ref;
    for (const [key, facts] of Object.entries(IMAGE_FACTS) as [ImageKey, ImageFacts][]) {
        const r = facts.ref;
        if ("exact" in r && r.exact.includes(ref)) return key;
        if ("prefix" in r && ref.startsWith(r.prefix)) return key;
        // ECR repository `<...-><name>-repo`, with Pulumi's random suffix outside the offline plan.
        if ("built" in r && new RegExp(`(^|-)${r.built}-repo(-[0-9a-f]{7})?([@:]|$)`).test(repo)) return key;
    }
    return undefined;
}

/** Whether `who` may create entries in a directory owned `uid:gid` with `mode` (uid 0 always may). */
export function canWrite(who: Identity, dir: { uid: number; gid: number; mode: number }): boolean {
    if (who.uid === 0) return true;
    if (who.uid === dir.uid) return (dir.mode & 0o300) === 0o300;
    if (who.gid === dir.gid) return (dir.mode & 0o030) === 0o030;
    return (dir.mode & 0o003) === 0o003;
}
