/**
 * An ECS container instance on this machine, for exporters that must see what their container sees
 * (no Docker engine here; root and Linux namespaces instead). See ecs-host.sh for the mounts.
 *
 * - The instance: its own mount and PID namespaces (`unshare --propagation private`, so nothing
 *   reaches this machine's mount table). Its root volume is an ext4 image of fixed size, loop-mounted
 *   inside that namespace, holding /var/lib/docker as on the instances (one EBS volume, components/
 *   cluster). PID 1 is a small init chrooted into it, so `/proc/1/mounts` is the instance's table.
 * - A container: built from a `HostDaemon` (components/monitoring/host-exporters.ts, the source of the
 *   task definition), hardened as `ecsService` hardens it: the image layer and a writable layer
 *   overlay-mounted under /var/lib/docker, the task's host mounts read-only, Docker's /etc/hosts|
 *   hostname|resolv.conf binds, read-only root, the task's user, and the task's PID namespace
 *   (`pidMode: host`: the instance's; otherwise its own, PID 1 being the container's first process).
 *   Host network (`networkMode: host`): this machine's, so only the listen address changes.
 *
 * Clean-up: everything lives in the instance's PID namespace. Killing the `unshare` that owns it kills
 * its init (`--kill-child`), the kernel then kills every process of the namespace, the mount namespaces
 * die with their last process and the loop device detaches itself (mount sets autoclear). The
 * `unshare` is tracked like every process of this library, so the exit hooks and the run guardian
 * (guard.ts) end it even when the test runner dies.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { hardened } from "../../components/common/containers";
import { hostDaemonContainer, type HostDaemon } from "../../components/monitoring/host-exporters";
import { findOnPath } from "./binaries";
import { freePort, probeHttp } from "./net";
import {
    type ExitInfo,
    type ManagedProcess,
    type StopPidOptions,
    isPidAlive,
    makeTempDir,
    removeTempDir,
    runCommand,
    sleep,
    startProcess,
    stopPid,
    trackPid,
    waitForPidExit,
} from "./process";
import { ProcessService } from "./process-service";
import type { LocalService } from "./stack";

const SCRIPT = path.join(__dirname, "ecs-host.sh");

/** Tools the instance model needs, with the Debian package providing each. */
const TOOLS: ReadonlyArray<readonly [string, string]> = [
    ["unshare", "util-linux"],
    ["nsenter", "util-linux"],
    ["mountpoint", "util-linux"],
    ["fallocate", "util-linux"],
    ["mount", "mount"],
    ["mkfs.ext4", "e2fsprogs"],
    ["chroot", "coreutils"],
    ["perl", "perl-base"],
    ["ldd", "libc-bin"],
];

/**
 * Throws a clear error when this machine cannot model an instance: not root, a tool missing (naming
 * its Debian package), no loop devices, or a kernel without ext4/overlay.
 */
function requireEcsHostSupport(): void {
    if (process.getuid?.() !== 0) throw new Error("the ECS instance model needs root (mount and PID namespaces, loop devices): run the e2e suite as root");
    for (const [tool, pkg] of TOOLS) findOnPath(tool, pkg);
    if (!fs.existsSync("/dev/loop-control")) throw new Error("no loop devices (/dev/loop-control is missing): load the kernel module with `modprobe loop`");
    const fsTypes = fs.readFileSync("/proc/filesystems", "utf8");
    for (const t of ["ext4", "overlay"]) {
        if (!new RegExp(`\\s${t}$`, "m").test(fsTypes)) throw new Error(`the kernel does not support ${t} filesystems (/proc/filesystems): \`modprobe ${t}\``);
    }
}

export interface EcsHostOptions {
    /** Size of the root volume. @default 64 */
    readonly volumeMiB?: number;
}

/** Figures of a filesystem (statfs), as node_exporter computes them. */
export interface VolumeSpace {
    readonly sizeBytes: number;
    readonly availBytes: number;
}

export interface DaemonOptions {
    /** Container name (also its folder under /var/lib/docker). @default the task's container name */
    readonly name?: string;
    /** Port the exporter listens on (127.0.0.1). @default a free one */
    readonly port?: number;
    /** The task's command with the listen address replaced for `port` (the one local difference). */
    readonly command: (port: number) => readonly string[];
    /** The image's entry point inside the container (a copy of the Debian binary). */
    readonly entryPoint: { readonly path: string; readonly binary: string; readonly debianPackage: string };
}

/** The instance: start with {@link EcsHost.start}, run containers with {@link EcsHost.runDaemon}. */
export class EcsHost implements LocalService {
    private disposed = false;

    private constructor(
        readonly name: string,
        /** The instance's folder on this machine (volume image, mount point). */
        readonly dir: string,
        private readonly owner: ManagedProcess,
        /** PID of the instance's init (PID 1 inside), as this machine sees it. */
        readonly initPid: number,
        readonly volumeFile: string,
    ) {}

    static async start(opts: EcsHostOptions = {}): Promise<EcsHost> {
        requireEcsHostSupport();
        const dir = makeTempDir("koronet-ecs-host");
        const volumeFile = path.join(dir, "volume.img");
        let owner: ManagedProcess | undefined;
        try {
            // What every instance has on its root volume before any task runs.
            const seed = path.join(dir, "seed");
            for (const d of ["proc", "run", "sys", "tmp", "var/lib/docker/overlay2", "var/lib/docker/containers", "etc"])
                fs.mkdirSync(path.join(seed, d), { recursive: true });
            fs.writeFileSync(path.join(seed, "etc/hosts"), "127.0.0.1\tlocalhost\n");
            fs.writeFileSync(path.join(seed, "etc/hostname"), "ecs-instance\n");
            fs.writeFileSync(path.join(seed, "etc/resolv.conf"), "nameserver 127.0.0.1\n");
            fs.writeFileSync(path.join(seed, "etc/os-release"), 'NAME="Koronet e2e ECS instance model"\nID=koronet-e2e\n');
            fs.mkdirSync(path.join(dir, "root"));
            fs.closeSync(fs.openSync(volumeFile, "w"));
            fs.truncateSync(volumeFile, (opts.volumeMiB ?? 64) * 1024 * 1024);
            // -m 0: no blocks reserved for root, like the instances' XFS root volume.
            await runCommand(findOnPath("mkfs.ext4", "e2fsprogs"), ["-q", "-F", "-m", "0", "-L", "ecs-root", "-d", seed, volumeFile]);
            fs.rmSync(seed, { recursive: true, force: true });
            const rootDev = fs.statSync("/").dev;
            const root = path.join(dir, "root");
            let init: number | undefined;
            owner = await startProcess("unshare", ["--mount", "--pid", "--fork", "--kill-child", "--propagation", "private", "--", "sh", SCRIPT, "host", dir], {
                name: "ecs-host",
                logFile: path.join(dir, "host.log"),
                env: { PATH: process.env["PATH"] },
                timeoutMs: 10_000,
                // Ready once the init runs chrooted into the volume (it names itself after its root).
                readyCheck: async () => {
                    init ??= findProcess(`koronet-ecs-host-init ${root}`);
                    return init !== undefined && fs.statSync(`/proc/${init}/root/`).dev !== rootDev;
                },
            });
            return new EcsHost(`ecs-host:${path.basename(dir)}`, dir, owner, init as number, volumeFile);
        } catch (err) {
            await owner?.stop({ signal: "SIGKILL", timeoutMs: 3_000 }).catch(() => undefined);
            removeTempDir(dir);
            throw err;
        }
    }

    /** Where the root volume is mounted inside the instance's mount namespace (for {@link exec}). */
    get volumeMountPoint(): string {
        return path.join(this.dir, "root");
    }

    /** This machine's path to `instancePath` on the instance (through its init's root). */
    path(instancePath: string): string {
        return `/proc/${this.initPid}/root${instancePath}`;
    }

    /** The root volume's size and free space, as node_exporter reads them (statfs). */
    rootVolume(): VolumeSpace {
        const s = fs.statfsSync(this.path("/"));
        return { sizeBytes: s.blocks * s.bsize, availBytes: s.bavail * s.bsize };
    }

    /** Grow `instancePath` by `bytes` of allocated space (fallocate: instant, no data written). */
    async allocate(instancePath: string, bytes: number): Promise<void> {
        const file = this.path(instancePath);
        const offset = fs.existsSync(file) ? fs.statSync(file).size : 0;
        await runCommand(findOnPath("fallocate", "util-linux"), ["-o", String(offset), "-l", String(Math.max(1, Math.floor(bytes))), file]);
    }

    /** Allocate until the root volume has `freePercent` of its size left. */
    async fillTo(freePercent: number, instancePath = "/var/lib/docker/containers/runaway.log"): Promise<VolumeSpace> {
        const v = this.rootVolume();
        const target = (v.sizeBytes * freePercent) / 100;
        if (v.availBytes <= target) throw new Error(`the volume already has only ${v.availBytes} bytes free (target ${target})`);
        await this.allocate(instancePath, v.availBytes - target);
        return this.rootVolume();
    }

    /** Delete a file on the instance. */
    remove(instancePath: string): void {
        fs.rmSync(this.path(instancePath), { force: true });
    }

    /** Run a short command in the instance's mount namespace (e.g. mount something on the instance). */
    async exec(argv: readonly string[]): Promise<string> {
        return runCommand(findOnPath("nsenter", "util-linux"), ["--target", String(this.initPid), "--mount", "--", ...argv], { timeoutMs: 10_000 });
    }

    /** Run a host daemon's container on this instance, as its task definition describes it. */
    async runDaemon(daemon: HostDaemon, opts: DaemonOptions): Promise<HostContainer> {
        if (this.disposed) throw new Error(`${this.name} is disposed`);
        const def = hardened(hostDaemonContainer(daemon));
        const name = opts.name ?? def.name;
        // One layer per image, shared by its containers, on the volume like Docker's.
        const layer = `/var/lib/docker/overlay2/${String(def.image).replace(/[^\w.-]+/g, "-")}/diff`;
        if (!fs.existsSync(this.path(`${layer}${opts.entryPoint.path}`))) await this.installImage(layer, opts.entryPoint);
        const mounts = (def.mountPoints ?? []).map((m) => {
            const volume = daemon.hostMounts.find((v) => v.volume === m.sourceVolume);
            if (volume === undefined) throw new Error(`${name}: mount point ${m.containerPath} names no task volume ${m.sourceVolume}`);
            if (m.readOnly !== true) throw new Error(`${name}: ${m.containerPath} is writable; the model mounts host paths read-only only`);
            return `${volume.hostPath} ${m.containerPath}`;
        });
        const port = opts.port ?? (await freePort());
        const env = {
            PATH: process.env["PATH"],
            KORONET_LAYER: layer,
            KORONET_PID_MODE: daemon.pidMode ?? "task",
            KORONET_USER: def.user ?? "0:0",
            KORONET_READONLY_ROOT: String(def.readonlyRootFilesystem === true),
            KORONET_MOUNTS: mounts.join("\n"),
        };
        const dir = makeTempDir(`koronet-${name}`);
        return ProcessService.started(new HostContainer(this, name, port, dir, daemon.pidMode === "host", [opts.entryPoint.path, ...opts.command(port)], env));
    }

    /** Copy the entry point and the libraries it links into an image layer on the volume. */
    private async installImage(layer: string, entry: DaemonOptions["entryPoint"]): Promise<void> {
        const binary = findOnPath(entry.binary, entry.debianPackage);
        const files: Array<[string, string]> = [[binary, entry.path]];
        const ldd = await runCommand(findOnPath("ldd", "libc-bin"), [binary]).catch(() => "");
        for (const m of ldd.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)) files.push([m[1] as string, m[1] as string]);
        for (const [from, to] of files) {
            const dest = this.path(`${layer}${to}`);
            fs.mkdirSync(path.dirname(dest), { recursive: true });
            fs.copyFileSync(fs.realpathSync(from), dest);
            fs.chmodSync(dest, 0o755);
        }
        for (const d of ["proc", "sys", "etc", "tmp"]) fs.mkdirSync(this.path(`${layer}/${d}`), { recursive: true });
    }

    /** Kill the instance (all its processes), then check the loop device is gone. Idempotent. */
    async dispose(): Promise<void> {
        if (this.disposed) return;
        this.disposed = true;
        try {
            await this.owner.stop({ signal: "SIGKILL", timeoutMs: 5_000 });
            await waitForPidExit(this.initPid, 5_000);
            const deadline = Date.now() + 5_000;
            while (loopDevicesOf(this.volumeFile).length > 0 && Date.now() < deadline) await sleep(50);
            const left = loopDevicesOf(this.volumeFile);
            if (left.length > 0) throw new Error(`${this.name}: loop device(s) ${left.join(", ")} still attached to ${this.volumeFile}`);
        } finally {
            removeTempDir(this.dir);
        }
    }
}

/** One container of an {@link EcsHost}: a process service whose process is the container's command. */
export class HostContainer extends ProcessService {
    /** PID of the container's command (the exporter), as this machine sees it. */
    commandPid: number | undefined;

    constructor(
        readonly host: EcsHost,
        readonly containerName: string,
        readonly port: number,
        dir: string,
        /** Whether it shares the instance's PID namespace (`pidMode: host`). */
        readonly hostPid: boolean,
        private readonly argv: readonly string[],
        private readonly env: NodeJS.ProcessEnv,
    ) {
        super(`${containerName}:${port}`, dir, 5_000);
    }

    /** `127.0.0.1:<port>`, as a Prometheus static target. */
    get target(): string {
        return `127.0.0.1:${this.port}`;
    }

    protected async launch(): Promise<ManagedProcess> {
        const outer = await startProcess(
            "nsenter",
            ["--target", String(this.host.initPid), "--mount", "--pid", "--", "sh", SCRIPT, "container", this.host.dir, this.containerName, ...this.argv],
            {
                name: this.name,
                logFile: path.join(this.dir, `${this.containerName}.log`),
                env: this.env,
                timeoutMs: 15_000,
                readyCheck: () => probeHttp(this.port, "/metrics", [200], 3_000),
            },
        );
        // nsenter → (with its own PID namespace: unshare →) the command, which exec'd its way down.
        const command = leafOf(outer.pid);
        this.commandPid = command;
        trackPid(command, `${this.name} command`);
        // Stopping the command ends the container; nsenter then exits by itself.
        return {
            ...outer,
            isAlive: () => outer.isAlive() && isPidAlive(command),
            kill: (sig = "SIGTERM") => {
                try {
                    process.kill(command, sig);
                } catch {
                    // gone
                }
            },
            stop: async (o?: StopPidOptions): Promise<ExitInfo> => {
                await stopPid(command, `${this.name} command`, { signal: "SIGTERM", timeoutMs: 3_000, ...o });
                return outer.stop({ timeoutMs: 3_000 });
            },
        };
    }
}

/** Direct children of `pid` (empty when it has none or is gone). */
function childrenOf(pid: number): number[] {
    try {
        return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
        return [];
    }
}

/** The process at the end of a single line of descent from `pid`. */
function leafOf(pid: number): number {
    let p = pid;
    for (let kids = childrenOf(p); kids.length > 0; kids = childrenOf(p)) {
        if (kids.length > 1) throw new Error(`pid ${p} has ${kids.length} children; expected one line of descent`);
        p = kids[0] as number;
    }
    return p;
}

/** PID of the process whose command line is exactly `cmdline`, or undefined. */
function findProcess(cmdline: string): number | undefined {
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            if (fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0+$/, "") === cmdline) return Number(entry);
        } catch {
            // gone
        }
    }
    return undefined;
}

/** Loop devices whose backing file is `file`. */
export function loopDevicesOf(file: string): string[] {
    let devices: string[] = [];
    try {
        devices = fs.readdirSync("/sys/block").filter((d) => d.startsWith("loop"));
    } catch {
        return [];
    }
    return devices.filter((d) => {
        try {
            return (
                fs
                    .readFileSync(`/sys/block/${d}/loop/backing_file`, "utf8")
                    .trim()
                    .replace(/ \(deleted\)$/, "") === file
            );
        } catch {
            return false;
        }
    });
}
