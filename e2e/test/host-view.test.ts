/**
 * node_exporter as its ECS task runs it (components/monitoring/host-exporters.ts), on a modelled EC2
 * instance (e2e/services/ecs-host.ts: own mount and PID namespaces, a root volume of fixed size), and
 * the stack's own rendered Prometheus rules in the test timing profile. Three containers of the
 * same task on one instance:
 *   - as deployed: `pidMode: host`;
 *   - the task before the fix: the same flags in the container's own PID namespace;
 *   - as deployed but with node_exporter's default mount-point exclusions (no /etc/* exclusion).
 * The alert's path to Slack and PagerDuty is proven by the pipeline's `disk-full` scenario.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import { NODE_EXPORTER, NODE_EXPORTER_ROOTFS, type HostDaemon } from "../../components/monitoring/host-exporters";
import { RULES_DIR, renderPrometheusConfig } from "../../components/monitoring/prometheus/config";
import { renderPrometheusRules } from "../../components/monitoring/prometheus/rules";
import { alertsOf, deadlines, diskThresholdPercent } from "../scenarios";
import {
    EcsHost,
    type HostContainer,
    LocalStack,
    type PrometheusService,
    RunGuard,
    loopDevicesOf,
    sleep,
    startNodeExporterOnHost,
    startPrometheus,
} from "../services";

const PROFILE = "test";
const FREE_PERCENT = "koronet:node_filesystem_free:percent";
const RUNAWAY = "/var/lib/docker/containers/runaway.log";

/** The task as it was before `pidMode: host` (same flags, the container's own PID namespace). */
const OWN_PID_NAMESPACE: HostDaemon = { ...NODE_EXPORTER, pidMode: undefined };
/** As deployed, minus the task's mount-point exclusion (node_exporter's defaults apply). */
const DEFAULT_EXCLUSIONS: HostDaemon = {
    ...NODE_EXPORTER,
    pidMode: undefined,
    container: {
        ...NODE_EXPORTER.container,
        command: NODE_EXPORTER.container.command?.filter((f) => !String(f).startsWith("--collector.filesystem.mount-points-exclude=")),
    },
};

/** Poll `probe` until it returns a value or `timeoutMs` passes. */
async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const v = await probe();
        if (v !== undefined) return v;
        if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
        await sleep(250);
    }
}

describe("node_exporter as ECS runs it, on a modelled instance (own mount and PID namespaces, fixed-size root volume)", function () {
    const stack = new LocalStack();
    let guard: RunGuard | undefined;
    let host: EcsHost;
    let deployed: HostContainer;
    let ownPid: HostContainer;
    let defaults: HostContainer;
    let prom: PrometheusService;
    const alert = alertsOf(PROFILE).get("DiskSpaceLow");
    if (alert === undefined) throw new Error("DiskSpaceLow is not in the catalog");
    const limits = deadlines(alert);

    const series = async (expr: string) => prom.query(expr);
    const one = async (expr: string): Promise<number> => {
        const r = await series(expr);
        assert.equal(r.length, 1, `${expr}: ${JSON.stringify(r)}`);
        return (r[0] as { value: number }).value;
    };

    /** The DiskSpaceLow recording rule's own expression (the catalog's), evaluated now. */
    const freePercentRule = async () => {
        const rule = alert.prometheus?.recordingRules.find((r) => r.record === FREE_PERCENT);
        if (rule === undefined) throw new Error(`DiskSpaceLow records no ${FREE_PERCENT}`);
        return series(rule.expr);
    };

    before(async function () {
        this.timeout(120_000);
        guard = RunGuard.start();
        host = stack.add(await EcsHost.start());
        deployed = stack.add(await startNodeExporterOnHost(host));
        ownPid = stack.add(await startNodeExporterOnHost(host, { daemon: OWN_PID_NAMESPACE, name: "node-exporter-own-pid" }));
        defaults = stack.add(await startNodeExporterOnHost(host, { daemon: DEFAULT_EXCLUSIONS, name: "node-exporter-default-exclusions" }));
        const rules = renderPrometheusRules({ profile: PROFILE });
        prom = stack.add(
            await startPrometheus({
                files: { [`${RULES_DIR}/${rules.fileName}`]: rules.content },
                config: () =>
                    renderPrometheusConfig({
                        profile: PROFILE,
                        targets: { kind: "static", addresses: { node: [deployed.target, ownPid.target, defaults.target] } },
                        ruleFiles: [`${RULES_DIR}/*.yml`],
                    }),
            }),
        );
        await until("first scrape of every exporter", 60_000, async () => ((await series('up{job="node"} == 1')).length === 3 ? true : undefined));
    });

    after(async function () {
        this.timeout(60_000);
        try {
            await stack.stopAll();
        } finally {
            guard?.close();
        }
    });

    it("runs the task's own flags, user, read-only mounts and PID namespace (only the listen address differs)", () => {
        const pid = deployed.commandPid as number;
        const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
        const expected = (NODE_EXPORTER.container.command ?? [])
            .map(String)
            .map((f) => (f.startsWith("--web.listen-address=") ? `--web.listen-address=${deployed.target}` : f));
        assert.deepEqual(argv.slice(1), expected);
        const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
        assert.match(status, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m, "runs as the task's user");
        assert.match(status, /^CapEff:\s+0+$/m, "no capabilities");
        // NSpid: this machine's PID, then the instance's (pidMode host) — no third namespace.
        assert.equal(/^NSpid:(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).length, 2, "in the instance's PID namespace");
        assert.equal(
            /^NSpid:(.*)$/m
                .exec(fs.readFileSync(`/proc/${ownPid.commandPid}/status`, "utf8"))?.[1]
                ?.trim()
                .split(/\s+/).length,
            3,
            "own PID namespace",
        );
        const mounts = fs.readFileSync(`/proc/${pid}/mounts`, "utf8");
        assert.match(mounts, new RegExp(`^\\S+ ${NODE_EXPORTER_ROOTFS} ext4 ro[,\\s]`, "m"), "the instance's root at /host, read-only");
    });

    it("pidMode host (as deployed): reads the instance's mount table, its root volume writable with its real size", async () => {
        const v = host.rootVolume();
        assert.equal(await one(`node_filesystem_readonly{instance="${deployed.target}",mountpoint="/"}`), 0);
        assert.equal(await one(`node_filesystem_size_bytes{instance="${deployed.target}",mountpoint="/"}`), v.sizeBytes);
        assert.deepEqual(
            (await freePercentRule()).filter((s) => s.metric["instance"] === deployed.target).map((s) => s.metric["mountpoint"]),
            ["/"],
            "the DiskSpaceLow recording rule keeps it",
        );
        await until("the recorded free-space series", 30_000, async () =>
            (await series(`${FREE_PERCENT}{instance="${deployed.target}"}`)).length === 1 ? true : undefined,
        );
    });

    it("own PID namespace (the task before pidMode host): the same volume reads readonly 1, so the DiskSpaceLow rule drops it", async () => {
        assert.equal(await one(`node_filesystem_readonly{instance="${ownPid.target}",mountpoint="/",fstype="ext4"}`), 1);
        assert.deepEqual(
            (await freePercentRule()).filter((s) => s.metric["instance"] === ownPid.target),
            [],
        );
    });

    it("drops Docker's /etc/hosts|hostname|resolv.conf bind mounts (node_exporter's default exclusions list them, read-only, with the root volume's figures)", async () => {
        const etc = `node_filesystem_readonly{mountpoint=~"/etc/.*"}`;
        const listed = await series(`${etc.slice(0, -1)},instance="${defaults.target}"}`);
        assert.deepEqual(listed.map((s) => s.metric["mountpoint"]).sort(), ["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"]);
        assert.ok(listed.every((s) => s.value === 1));
        assert.deepEqual(await series(`${etc.slice(0, -1)},instance=~"${deployed.target}|${ownPid.target}"}`), []);
    });

    it(`filled below ${diskThresholdPercent(PROFILE)} % free: DiskSpaceLow fires for the deployed task only; freed: it resolves`, async function () {
        this.timeout((limits.notify + limits.resolved + 30) * 1000);
        const before = await one(`node_filesystem_avail_bytes{instance="${ownPid.target}",mountpoint="/"}`);
        const filled = await host.fillTo(diskThresholdPercent(PROFILE) / 2, RUNAWAY);
        const firing = `ALERTS{alertname="DiskSpaceLow",alertstate="firing"}`;
        const fired = await until("DiskSpaceLow firing", limits.notify * 1000, async () => {
            const r = await series(firing);
            return r.length > 0 ? r : undefined;
        });
        assert.deepEqual(
            fired.map((s) => [s.metric["instance"], s.metric["mountpoint"]]),
            [[deployed.target, "/"]],
        );
        // The old task shape saw the space go (same statfs) but its series never reach the rule.
        const close = (x: number) => Math.abs(x - filled.availBytes) < filled.sizeBytes / 100;
        const seenByOld = await until("the own-PID exporter's next scrape", 30_000, async () => {
            const x = await one(`node_filesystem_avail_bytes{instance="${ownPid.target}",mountpoint="/"}`);
            return close(x) ? x : undefined;
        });
        assert.ok(seenByOld < before);
        assert.deepEqual(await series(`${firing.slice(0, -1)},instance="${ownPid.target}"}`), []);
        host.remove(RUNAWAY);
        await until("DiskSpaceLow resolved", limits.resolved * 1000, async () =>
            (await series(`ALERTS{alertname="DiskSpaceLow"}`)).length === 0 ? true : undefined,
        );
    });

    it("a filesystem mounted on the instance after the task started is read through /host as the directory beneath it (ECS has no mount propagation; node_exporter's README asks for rslave)", async () => {
        // Documented: ECS MountPoint has only sourceVolume/containerPath/readOnly
        // (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_MountPoint.html); Docker's
        // bind default is rprivate. Reproduced here with a tmpfs mounted after the exporter started.
        await host.exec(["mkdir", "-p", `${host.volumeMountPoint}/mnt/late`]);
        await host.exec(["mount", "-t", "tmpfs", "-o", "size=2m", "late", `${host.volumeMountPoint}/mnt/late`]);
        const size = await until("the late mount listed", 30_000, async () => {
            const r = await series(`node_filesystem_size_bytes{instance="${deployed.target}",mountpoint="/mnt/late"}`);
            return r[0]?.value;
        });
        assert.equal(size, host.rootVolume().sizeBytes, "the root volume's size, not the 2 MiB tmpfs");
    });

    it("leaves no mount and no loop device behind: killing the instance's owner ends every process in it", async function () {
        this.timeout(30_000);
        const other = await EcsHost.start({ volumeMiB: 16 });
        const volume = other.volumeFile;
        const dir = other.dir;
        assert.equal(loopDevicesOf(volume).length, 1);
        assert.ok(!fs.readFileSync("/proc/self/mountinfo", "utf8").includes(dir), "nothing of the instance in this machine's mount table");
        await other.dispose();
        assert.deepEqual(loopDevicesOf(volume), []);
        assert.ok(
            !fs.existsSync(`/proc/${other.initPid}/root`) || fs.readFileSync(`/proc/${other.initPid}/status`, "utf8").includes("State:\tZ"),
            "the instance's init is gone",
        );
        assert.ok(!fs.existsSync(dir));
    });
});
