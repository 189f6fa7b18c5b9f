/**
 * Network stacks of their own on this machine, for processes that must each have an address and links
 * that can be cut — Alertmanager replicas: on awsvpc every ECS task has its own address and the same
 * ports, Cloud Map's name resolves to all of them, and a partition cuts gossip between them. Root only;
 * `ip` (iproute2) and `unshare`/`nsenter` (util-linux).
 *
 *   this machine ── veth kha…  198.18.N.254/24 ──┐
 *                               switch namespace: bridge "svc"             bridge "gossip"
 *   host i ─ eth0 198.18.N.i/24 (HTTP: Prometheus in, ┘                    │
 *            notifications out to 198.18.N.254)                            │
 *          ─ eth1 198.19.N.i/24 (gossip) ────────────────────────────────────┘
 *
 * A host also has its own mount namespace, where `/etc/hosts` is a file of the lab's: a name listed
 * once per host resolves to every one of them, as Cloud Map's A records do.
 *
 * Clean-up: every namespace is held by a process (`unshare … sleep infinity`), tracked like every
 * process of this library, so the exit hooks and the run guardian (guard.ts) end it even when the
 * test runner dies; a namespace, and every veth in it, disappears with its last process. Nothing is
 * named under /run/netns, no route or firewall rule is added anywhere, and this machine gets a single
 * interface with an on-link /24 from 198.18.0.0/15 (RFC 2544, set aside for benchmarking networks),
 * which goes when the switch's holder does.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import { findOnPath } from "./binaries";
import { type ManagedProcess, makeTempDir, removeTempDir, runCommand, startProcess, type StartProcessOptions } from "./process";
import type { LocalService } from "./stack";

/** Tools the lab needs, with the Debian package providing each. */
const TOOLS: ReadonlyArray<readonly [string, string]> = [
    ["ip", "iproute2"],
    ["unshare", "util-linux"],
    ["nsenter", "util-linux"],
    ["sleep", "coreutils"],
];

/** Throws a clear error when this machine cannot build the lab: not root, or a tool missing (naming its Debian package). */
function requireNetLabSupport(): void {
    if (process.getuid?.() !== 0) throw new Error("the network lab needs root (network and mount namespaces, veth pairs): run the e2e suite as root");
    for (const [tool, pkg] of TOOLS) findOnPath(tool, pkg);
}

/** One host of the lab: a network and mount namespace with two interfaces. */
export interface NetHost {
    readonly name: string;
    /** Its address on the service bridge (HTTP in and out). */
    readonly address: string;
    /** Its address on the gossip bridge. */
    readonly gossipAddress: string;
    /** `nsenter` arguments that run a command inside it (prefix `cmd args`). */
    readonly enter: readonly string[];
}

const READY = "holder-ready";

/** Holder of a namespace: runs `script` (which must end by touching READY and exec'ing sleep) under `unshare`. */
async function holder(name: string, dir: string, unshareArgs: readonly string[], script: string): Promise<ManagedProcess> {
    const ready = path.join(dir, `${name}.${READY}`);
    const opts: StartProcessOptions = {
        name: `netlab-${name}`,
        logFile: path.join(dir, `${name}.log`),
        readyCheck: async () => fs.existsSync(ready),
        timeoutMs: 10_000,
        pollMs: 20,
    };
    return startProcess(findOnPath("unshare", "util-linux"), [...unshareArgs, "--", "sh", "-c", `${script}\n: > "$0"\nexec sleep infinity`, ready], opts);
}

export class NetLab implements LocalService {
    readonly name: string;
    private readonly hosts = new Map<string, { host: NetHost; proc: ManagedProcess }>();
    private disposed = false;

    private constructor(
        /** Third octet of the lab's /24s. */
        private readonly net: number,
        private readonly dir: string,
        private readonly sw: ManagedProcess,
        /** The interface on this machine. */
        readonly rootInterface: string,
        /** The file every host sees as /etc/hosts. */
        readonly hostsFile: string,
    ) {
        this.name = `netlab:198.18.${net}.0/24`;
    }

    /** This machine's address in the lab: where hosts reach services of the test process. */
    get rootAddress(): string {
        return `198.18.${this.net}.254`;
    }

    static async start(): Promise<NetLab> {
        requireNetLabSupport();
        const ip = findOnPath("ip", "iproute2");
        const dir = makeTempDir("koronet-netlab");
        let sw: ManagedProcess | undefined;
        try {
            // A /24 pair no interface of this machine uses yet (another lab may run beside this one).
            const used = await runCommand(ip, ["-4", "-o", "addr", "show"]);
            const free = Array.from({ length: 256 }, (_, i) => i).filter((n) => !used.includes(` 198.18.${n}.`) && !used.includes(` 198.19.${n}.`));
            const net = free[Math.floor(Math.random() * free.length)];
            if (net === undefined) throw new Error("no free /24 in 198.18.0.0/15 for the network lab");
            const rootInterface = `kha${randomBytes(4).toString("hex")}`;
            sw = await holder(
                "switch",
                dir,
                ["--net"],
                ["ip link set lo up", "ip link add svc type bridge && ip link set svc up", "ip link add gossip type bridge && ip link set gossip up"].join(
                    " && ",
                ),
            );
            const root = `/proc/${sw.pid}/ns/net`;
            await runCommand(ip, ["link", "add", rootInterface, "type", "veth", "peer", "name", "uplink", "netns", String(sw.pid)]);
            await runCommand(ip, ["addr", "add", `198.18.${net}.254/24`, "dev", rootInterface]);
            await runCommand(ip, ["link", "set", rootInterface, "up"]);
            await runCommand(findOnPath("nsenter", "util-linux"), [`--net=${root}`, ip, "link", "set", "uplink", "master", "svc", "up"]);
            const hostsFile = path.join(dir, "hosts");
            fs.writeFileSync(hostsFile, "127.0.0.1\tlocalhost\n");
            return new NetLab(net, dir, sw, rootInterface, hostsFile);
        } catch (err) {
            await sw?.stop({ timeoutMs: 2_000 }).catch(() => undefined);
            removeTempDir(dir);
            throw err;
        }
    }

    /** Adds host number `index` (1..253) under `name`; its addresses are `.index` of the lab's /24s. */
    async addHost(name: string, index: number): Promise<NetHost> {
        if (!Number.isInteger(index) || index < 1 || index > 253) throw new Error(`netlab: host index must be 1..253, got ${index}`);
        if (this.hosts.has(name)) throw new Error(`netlab: host ${name} exists`);
        const ip = findOnPath("ip", "iproute2");
        const proc = await holder(
            name,
            this.dir,
            ["--net", "--mount", "--propagation", "private"],
            `mount --bind "${this.hostsFile}" /etc/hosts && ip link set lo up`,
        );
        const host: NetHost = {
            name,
            address: `198.18.${this.net}.${index}`,
            gossipAddress: `198.19.${this.net}.${index}`,
            enter: [findOnPath("nsenter", "util-linux"), `--net=/proc/${proc.pid}/ns/net`, `--mount=/proc/${proc.pid}/ns/mnt`, "--"],
        };
        this.hosts.set(name, { host, proc });
        const inSwitch = (...args: string[]) => runCommand(findOnPath("nsenter", "util-linux"), [`--net=/proc/${this.sw.pid}/ns/net`, ip, ...args]);
        const inHost = (...args: string[]) => runCommand(host.enter[0] as string, [...host.enter.slice(1), ip, ...args]);
        for (const [dev, bridge, address] of [
            ["eth0", "svc", host.address],
            ["eth1", "gossip", host.gossipAddress],
        ] as const) {
            const port = `${bridge === "svc" ? "s" : "g"}${index}`;
            await runCommand(ip, ["link", "add", port, "netns", String(this.sw.pid), "type", "veth", "peer", "name", dev, "netns", String(proc.pid)]);
            await inSwitch("link", "set", port, "master", bridge, "up");
            await inHost("addr", "add", `${address}/24`, "dev", dev);
            await inHost("link", "set", dev, "up");
        }
        return host;
    }

    /** Makes `name` resolve, in every host, to the gossip addresses of `hosts` (one line each, as A records). */
    publish(name: string, hosts: readonly NetHost[]): void {
        const lines = hosts.map((h) => `${h.gossipAddress}\t${name}`);
        fs.writeFileSync(this.hostsFile, ["127.0.0.1\tlocalhost", ...lines, ""].join("\n"));
    }

    /** Cuts a host off the gossip bridge (its port goes down): a partition; HTTP still flows. */
    async cut(host: NetHost): Promise<void> {
        await this.gossipPort(host, "down");
    }

    /** Puts a cut host back on the gossip bridge. */
    async heal(host: NetHost): Promise<void> {
        await this.gossipPort(host, "up");
    }

    private async gossipPort(host: NetHost, state: "up" | "down"): Promise<void> {
        const index = host.address.split(".").pop() as string;
        await runCommand(findOnPath("nsenter", "util-linux"), [
            `--net=/proc/${this.sw.pid}/ns/net`,
            findOnPath("ip", "iproute2"),
            "link",
            "set",
            `g${index}`,
            state,
        ]);
    }

    /** Stops every holder (the namespaces, their veths and this machine's interface go with them) and deletes the folder. */
    async dispose(): Promise<void> {
        if (this.disposed) return;
        this.disposed = true;
        const failures: string[] = [];
        for (const { proc } of [...this.hosts.values()].reverse()) await proc.stop({ timeoutMs: 2_000 }).catch((e: Error) => failures.push(e.message));
        await this.sw.stop({ timeoutMs: 2_000 }).catch((e: Error) => failures.push(e.message));
        removeTempDir(this.dir);
        if (failures.length > 0) throw new Error(`netlab: ${failures.join("; ")}`);
    }
}
