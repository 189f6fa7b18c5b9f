/**
 * Container filesystems: every container's user and every path it writes; a non-root container
 * writes only where it owns the directory.
 *
 * The facts (user, writes, image directories) are declared in components/common/filesystems.ts;
 * these rules hold every task definition of a plan to them. Where a path lands:
 * - an EFS volume: the access point's POSIX user (all requests run as it) against its root
 *   directory's owner and permissions (https://docs.aws.amazon.com/efs/latest/ug/enforce-identity-access-points.html,
 *   https://docs.aws.amazon.com/efs/latest/ug/API_CreationInfo.html); without an access point the
 *   file system's root, owned by root, 0755 (https://docs.aws.amazon.com/efs/latest/ug/accessing-fs-nfs-permissions.html);
 * - an empty task volume (no host path, EFS or Docker volume configuration), on Fargate or EC2:
 *   root-owned 0755 unless the image declares a VOLUME at that path, whose owner and mode ECS copies
 *   in (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html);
 * - an EC2 Docker volume: populated from the image's directory at that path, owner and mode
 *   included, when new (https://docs.docker.com/engine/storage/volumes/#populate-a-volume-using-a-container);
 * - a tmpfs mount: Docker's default mode 1777 (https://docs.docker.com/engine/storage/tmpfs/); ECS
 *   does not support tmpfs on Fargate (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LinuxParameters.html);
 * - nothing mounted: the read-only root filesystem.
 * uid 0 may write any writable mount; only containers whose facts name a reason run as uid 0.
 */
import { canWrite, CONTAINER_FILESYSTEMS, IMAGE_FACTS, imageKeyOf, type Identity, type ImageFacts, type ImageKey } from "../components/common/filesystems";
import { containersOf, ofType, resourceRule, type Container, type PolicyContext, type PolicyResource, type Rule } from "./model";
import { offlineNamesOf } from "./graph";

const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const ACCESS_POINT = "aws:efs/accessPoint:AccessPoint";

interface TaskContainer extends Container {
    image?: unknown;
    linuxParameters?: { tmpfs?: { containerPath: string; mountOptions?: string[] }[] };
}

interface TaskVolume {
    name: string;
    hostPath?: string;
    host?: { sourcePath?: string };
    efsVolumeConfiguration?: { rootDirectory?: string; authorizationConfig?: { accessPointId?: unknown } };
    dockerVolumeConfiguration?: unknown;
}

interface Directory {
    uid: number;
    gid: number;
    mode: number;
}

/** A directory the writer lands in, or `undefined` when the plan does not tell (a preview's unknowns). */
type Landing = { dir: Directory; where: string } | { problem: string } | undefined;

function containersWithFacts(td: PolicyResource): TaskContainer[] | undefined {
    return containersOf(td) as TaskContainer[] | undefined;
}

/** The image facts of what the container runs: the named image when the plan knows it, else the modelled one. */
function imageOf(c: TaskContainer): { key: ImageKey; facts: ImageFacts } | { unknownRef: string } | undefined {
    const declared = CONTAINER_FILESYSTEMS[c.name ?? ""];
    if (typeof c.image === "string") {
        const key = imageKeyOf(c.image);
        return key ? { key, facts: IMAGE_FACTS[key] } : { unknownRef: c.image };
    }
    return declared ? { key: declared.image, facts: IMAGE_FACTS[declared.image] } : undefined;
}

/** `uid[:gid]` or an account name of the image; `undefined` user means the image's own. */
function identityOf(user: string | undefined, image: ImageFacts): Identity | string {
    if (user === undefined) return image.user;
    const [u = "", g] = user.split(":");
    const id = (s: string) => (/^\d+$/.test(s) ? Number(s) : image.accounts?.[s as keyof typeof image.accounts]);
    const uid = id(u);
    const gid = g === undefined ? uid : id(g);
    if (uid === undefined || gid === undefined) return `user "${user}" is not numeric and not an account of its image`;
    return { uid, gid };
}

const within = (path: string, root: string) => path === root || path.startsWith(root.endsWith("/") ? root : `${root}/`);
const octal = (mode: number) => mode.toString(8).padStart(4, "0");

/** The deepest directory the image declares on `path` below (or at) `mountPath`, for volumes the image populates. */
function imageDirectory(image: ImageFacts, mountPath: string, path: string): (Directory & { volume: boolean; path: string }) | undefined {
    return image.directories.filter((d) => within(d.path, mountPath) && within(path, d.path)).sort((a, b) => b.path.length - a.path.length)[0];
}

/**
 * Offline plans name a resource's id `<logical name>-id` (scripts/offline/mocks.ts); in a real
 * preview an id is a cloud id or unknown, and then this finds nothing and the rule says nothing.
 */
function byId(ctx: PolicyContext, type: string, id: unknown): PolicyResource | undefined {
    return typeof id === "string" ? ofType(ctx, type).find((r) => offlineNamesOf(r).some((n) => `${n}-id` === id)) : undefined;
}

function landing(ctx: PolicyContext, td: PolicyResource, c: TaskContainer, image: ImageFacts, path: string): Landing {
    const fargate = ((td.inputs.requiresCompatibilities as string[] | undefined) ?? []).includes("FARGATE");
    const tmpfs = (c.linuxParameters?.tmpfs ?? [])
        .filter((t) => within(path, t.containerPath))
        .sort((a, b) => b.containerPath.length - a.containerPath.length)[0];
    const mount = (c.mountPoints ?? []).filter((m) => within(path, m.containerPath)).sort((a, b) => b.containerPath.length - a.containerPath.length)[0];
    if (tmpfs && (!mount || tmpfs.containerPath.length >= mount.containerPath.length)) {
        if (fargate) return { problem: `tmpfs at ${tmpfs.containerPath}, which Fargate does not support` };
        const mode = /^mode=([0-7]+)$/.exec((tmpfs.mountOptions ?? []).find((o) => o.startsWith("mode=")) ?? "")?.[1];
        return { dir: { uid: 0, gid: 0, mode: mode ? parseInt(mode, 8) : 0o1777 }, where: `tmpfs ${tmpfs.containerPath}` };
    }
    if (!mount) {
        return c.readonlyRootFilesystem === false ? undefined : { problem: "nothing is mounted there: the root filesystem is read-only" };
    }
    if (mount.readOnly === true) return { problem: `${mount.sourceVolume} is mounted read-only at ${mount.containerPath}` };
    const volumes = td.inputs.volumes;
    if (!Array.isArray(volumes)) return undefined;
    const volume = (volumes as TaskVolume[]).find((v) => v.name === mount.sourceVolume);
    if (!volume) return { problem: `mount ${mount.containerPath} names no task volume "${mount.sourceVolume}"` };
    const at = `${mount.sourceVolume} at ${mount.containerPath}`;

    if (volume.efsVolumeConfiguration) {
        const apId = volume.efsVolumeConfiguration.authorizationConfig?.accessPointId;
        if (apId === undefined) {
            // Only the file system's own root is known (root, 0755); a subdirectory's owner is whatever made it.
            const sub = volume.efsVolumeConfiguration.rootDirectory;
            if (sub !== undefined && sub !== "/") return undefined;
            return { dir: { uid: 0, gid: 0, mode: 0o755 }, where: `EFS ${at} (no access point: the file system's root)` };
        }
        const ap = byId(ctx, ACCESS_POINT, apId);
        const info = (ap?.inputs.rootDirectory as { creationInfo?: { ownerUid?: number; ownerGid?: number; permissions?: string } } | undefined)?.creationInfo;
        if (!ap || info?.ownerUid === undefined || info.ownerGid === undefined || info.permissions === undefined) return undefined;
        return {
            dir: { uid: Number(info.ownerUid), gid: Number(info.ownerGid), mode: parseInt(String(info.permissions), 8) },
            where: `EFS ${at} (access point ${ap.name})`,
        };
    }
    if (volume.hostPath !== undefined || volume.host?.sourcePath !== undefined) {
        return { dir: { uid: 0, gid: 0, mode: 0o755 }, where: `host path ${at}` };
    }
    const declared = imageDirectory(image, mount.containerPath, path);
    if (volume.dockerVolumeConfiguration !== undefined) {
        return declared
            ? { dir: declared, where: `Docker volume ${at}, populated from the image's ${declared.path}` }
            : { dir: { uid: 0, gid: 0, mode: 0o755 }, where: `Docker volume ${at} (the image has no such directory)` };
    }
    const root = image.directories.find((d) => d.path === mount.containerPath && d.volume);
    if (!root) return { dir: { uid: 0, gid: 0, mode: 0o755 }, where: `task volume ${at}, which the image does not declare as a VOLUME` };
    return { dir: declared ?? root, where: `task volume ${at}, populated from the image's VOLUME ${root.path}` };
}

/** The identity EFS applies: the access point's POSIX user, whatever the container runs as. */
function effectiveIdentity(ctx: PolicyContext, td: PolicyResource, c: TaskContainer, who: Identity, path: string): Identity {
    const mount = (c.mountPoints ?? []).filter((m) => within(path, m.containerPath)).sort((a, b) => b.containerPath.length - a.containerPath.length)[0];
    const volume = ((td.inputs.volumes as TaskVolume[] | undefined) ?? []).find((v) => v.name === mount?.sourceVolume);
    const ap = byId(ctx, ACCESS_POINT, volume?.efsVolumeConfiguration?.authorizationConfig?.accessPointId);
    const posix = ap?.inputs.posixUser as { uid?: number; gid?: number } | undefined;
    return posix?.uid !== undefined && posix.gid !== undefined ? { uid: Number(posix.uid), gid: Number(posix.gid) } : who;
}

export const FILESYSTEM_RULES: readonly Rule[] = [
    resourceRule({
        id: "container-filesystem-facts",
        reason: "Every container and image has declared filesystem facts (user, writes, directories); only named exceptions run as root.",
        types: [TASK_DEFINITION],
        test: (r) => {
            const problems: string[] = [];
            for (const c of containersWithFacts(r) ?? []) {
                const facts = CONTAINER_FILESYSTEMS[c.name ?? ""];
                if (!facts) {
                    problems.push(`${c.name}: no filesystem facts (add it to components/common/filesystems.ts)`);
                    continue;
                }
                const image = imageOf(c);
                if (image && "unknownRef" in image) {
                    problems.push(`${c.name}: runs ${image.unknownRef}, an image with no filesystem facts`);
                    continue;
                }
                if (!image) continue;
                const who = identityOf(c.user, image.facts);
                if (typeof who === "string") problems.push(`${c.name}: ${who}`);
                else if (who.uid === 0 && facts.rootReason === undefined) problems.push(`${c.name}: runs as uid 0 but is not a named root exception`);
            }
            return problems.length ? problems.join("; ") : undefined;
        },
    }),
    resourceRule({
        id: "container-writes-writable",
        reason: "Each path a container writes lies on a mount its user can write (ECS task volumes are root 0755 unless the image declares a VOLUME).",
        types: [TASK_DEFINITION],
        test: (r, ctx) => {
            const problems: string[] = [];
            for (const c of containersWithFacts(r) ?? []) {
                const facts = CONTAINER_FILESYSTEMS[c.name ?? ""];
                const image = imageOf(c);
                if (!facts || !image || "unknownRef" in image) continue;
                const who = identityOf(c.user, image.facts);
                if (typeof who === "string") continue;
                for (const w of facts.writes) {
                    const land = landing(ctx, r, c, image.facts, w.path);
                    if (land === undefined) continue;
                    if ("problem" in land) {
                        problems.push(`${c.name} writes ${w.path} (${w.what}): ${land.problem}`);
                        continue;
                    }
                    const as = effectiveIdentity(ctx, r, c, who, w.path);
                    if (!canWrite(as, land.dir)) {
                        problems.push(
                            `${c.name} (uid ${as.uid}, gid ${as.gid}) cannot write ${w.path} (${w.what}): ${land.where} — owner ${land.dir.uid}:${land.dir.gid}, mode ${octal(land.dir.mode)}`,
                        );
                    }
                }
            }
            return problems.length ? problems.join("; ") : undefined;
        },
    }),
];
