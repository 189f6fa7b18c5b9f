/**
 * Alertmanager's entrypoint (components/alerting/alertmanager/image/entrypoint.sh), run as the
 * image runs it, and real Alertmanager 0.25 (Debian's prometheus-alertmanager) behind it: with the
 * PagerDuty routing key still the placeholder, PagerDuty fails alone while the notifier (Slack)
 * still gets the alert, and alertmanager_notifications_failed_total{integration="pagerduty"} counts
 * it — what the AlertmanagerNotificationsFailing alert reads. Alertmanager's notify pipeline runs
 * each integration in its own goroutine (FanoutStage) with its own retries (RetryStage), so one
 * failing integration does not block the others (prometheus/alertmanager v0.25.0 notify/notify.go).
 */
import { strict as assert } from "node:assert";
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { renderAlertmanagerConfig } from "../../components/alerting/alertmanager";
import { UNSET_SECRET_PLACEHOLDER } from "../../functions/src/contract";
import { findOnPath, freePort, probeHttp, sleep, startProcess, type ManagedProcess } from "../../e2e/services";

const ENTRYPOINT = path.resolve(__dirname, "..", "..", "components", "alerting", "alertmanager", "image", "entrypoint.sh");

/** A fake "alertmanager" that records what it was started with. */
function recordingBin(dir: string): string {
    const bin = path.join(dir, "fake-alertmanager");
    writeFileSync(bin, `#!/bin/sh\n{ echo "ARGS $*"; env; } > "${dir}/started"\n`);
    chmodSync(bin, 0o755);
    return bin;
}

/** Runs the entrypoint with the fake binary; returns its stderr. */
function runEntrypoint(dir: string, env: Record<string, string>): string {
    try {
        execFileSync("sh", [ENTRYPOINT], {
            env: {
                PATH: process.env.PATH,
                ALERTMANAGER_RUN_DIR: path.join(dir, "run"),
                ALERTMANAGER_BIN: recordingBin(dir),
                ALERTMANAGER_CONFIG: "route: {}",
                ...env,
            },
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
        return "";
    } catch (e) {
        return assert.fail(`entrypoint failed: ${String((e as { stderr?: string }).stderr ?? e)}`);
    }
}

describe("Alertmanager entrypoint", () => {
    let dir: string;
    beforeEach(() => {
        dir = mkdtempSync(path.join(tmpdir(), "koronet-am-entry-"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("knows the same placeholder as the Pulumi program", () => {
        assert.ok(readFileSync(ENTRYPOINT, "utf8").includes(`placeholder='${UNSET_SECRET_PLACEHOLDER}'`));
    });

    it("skips the routing-key file while the PagerDuty secret holds the placeholder, writes the token 0600, and unsets both", () => {
        runEntrypoint(dir, { NOTIFIER_TOKEN: "tok-123", PAGERDUTY_ROUTING_KEY: UNSET_SECRET_PLACEHOLDER });
        const secrets = path.join(dir, "run", "secrets");
        assert.equal(existsSync(path.join(secrets, "pagerduty-routing-key")), false);
        assert.equal(readFileSync(path.join(secrets, "notifier-token"), "utf8"), "tok-123");
        assert.equal(statSync(path.join(secrets, "notifier-token")).mode & 0o777, 0o600);
        const started = readFileSync(path.join(dir, "started"), "utf8");
        assert.ok(!/NOTIFIER_TOKEN|PAGERDUTY_ROUTING_KEY|ALERTMANAGER_CONFIG/.test(started), "secrets are not in Alertmanager's environment");
        assert.match(started, /--config\.file=.*\/run\/alertmanager\.yml/);
    });

    it("runs a single instance without a gossip listener when the task names no peers", () => {
        runEntrypoint(dir, {});
        const args = /^ARGS (.*)$/m.exec(readFileSync(path.join(dir, "started"), "utf8"))?.[1]?.split(" ") ?? [];
        assert.ok(args.includes("--cluster.listen-address="), args.join(" "));
        assert.ok(!args.some((a) => a.startsWith("--cluster.advertise-address")));
    });

    describe("in a cluster (the task definition names --cluster.peer)", () => {
        let metadata: Server;
        let metadataUrl: string;
        // The container response of the task metadata endpoint v4 (AWS's documented example, trimmed):
        // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-fargate-examples.html
        const response = JSON.stringify(
            {
                DockerId: "cd189a933e5849daa93386466019ab50-2495160603",
                Name: "alertmanager",
                Labels: { "com.amazonaws.ecs.task-arn": "arn:aws:ecs:us-west-2:111122223333:task/default/cd189a933e5849daa93386466019ab50" },
                Networks: [
                    {
                        NetworkMode: "awsvpc",
                        IPv4Addresses: ["192.0.2.3"],
                        AttachmentIndex: 0,
                        IPv4SubnetCIDRBlock: "192.0.2.0/24",
                        PrivateDNSName: "ip-192-0-2-3.us-west-2.compute.internal",
                    },
                ],
            },
            null,
            4,
        );
        before(async () => {
            metadata = createServer((req, res) => res.end(req.url === "/v4/abc" ? response : "{}"));
            await new Promise<void>((r) => metadata.listen(0, "127.0.0.1", r));
            metadataUrl = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}/v4/abc`;
        });
        after(() => new Promise<void>((r) => metadata.close(() => r())));

        /** The entrypoint with peers, asynchronously (the metadata server answers from this process). */
        const runClustered = (env: Record<string, string>) =>
            new Promise<{ code: number; stderr: string; args: string[] }>((resolve) => {
                execFile(
                    "sh",
                    [
                        ENTRYPOINT,
                        "--cluster.listen-address=0.0.0.0:9094",
                        "--cluster.peer=alertmanager.prod.koronet.internal:9094",
                        "--cluster.peer-timeout=15s",
                    ],
                    {
                        env: {
                            PATH: process.env.PATH,
                            ALERTMANAGER_RUN_DIR: path.join(dir, "run"),
                            ALERTMANAGER_BIN: recordingBin(dir),
                            ALERTMANAGER_CONFIG: "route: {}",
                            ...env,
                        },
                        encoding: "utf8",
                    },
                    (err, _out, stderr) => {
                        const started = existsSync(path.join(dir, "started")) ? readFileSync(path.join(dir, "started"), "utf8") : "";
                        resolve({ code: err ? Number((err as { code?: number }).code) : 0, stderr, args: /^ARGS (.*)$/m.exec(started)?.[1]?.split(" ") ?? [] });
                    },
                );
            });

        it("advertises the task's own awsvpc address from the task metadata endpoint, on the gossip port it listens on", async () => {
            const r = await runClustered({ ECS_CONTAINER_METADATA_URI_V4: metadataUrl });
            assert.equal(r.code, 0, r.stderr);
            assert.ok(r.args.includes("--cluster.advertise-address=192.0.2.3:9094"), r.args.join(" "));
            assert.ok(r.args.includes("--cluster.peer=alertmanager.prod.koronet.internal:9094"));
            assert.ok(!r.args.includes("--cluster.listen-address="), "no single-instance flag next to the cluster's");
        });

        it("refuses to start clustered without the metadata endpoint, naming it", async () => {
            const r = await runClustered({});
            assert.equal(r.code, 64);
            assert.match(r.stderr, /ECS_CONTAINER_METADATA_URI_V4 is not set/);
        });

        it("refuses an answer without an IPv4 address", async () => {
            const r = await runClustered({ ECS_CONTAINER_METADATA_URI_V4: metadataUrl.replace("/v4/abc", "/v4/other") });
            assert.equal(r.code, 64);
            assert.match(r.stderr, /no IPv4 address in the task metadata/);
        });
    });

    it("writes a filled routing key without a trailing newline", () => {
        runEntrypoint(dir, { PAGERDUTY_ROUTING_KEY: "0123456789abcdef0123456789abcdef" });
        assert.equal(readFileSync(path.join(dir, "run", "secrets", "pagerduty-routing-key"), "utf8"), "0123456789abcdef0123456789abcdef");
    });
});

describe("Alertmanager 0.25 with the PagerDuty key unfilled (real binary through the entrypoint)", function () {
    this.timeout(60_000);
    let dir: string;
    let am: ManagedProcess | undefined;
    let receiver: Server;
    let hits: { path: string; body: string }[];
    let receiverUrl: string;

    before(async () => {
        dir = mkdtempSync(path.join(tmpdir(), "koronet-am-fanout-"));
        hits = [];
        receiver = createServer((req, res) => {
            let b = "";
            req.on("data", (c) => (b += c));
            req.on("end", () => {
                hits.push({ path: req.url ?? "", body: b });
                res.statusCode = req.url?.startsWith("/pd") ? 202 : 200;
                res.end("{}");
            });
        });
        await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
        receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    });
    after(async () => {
        await am?.stop();
        await new Promise<void>((r) => receiver.close(() => r()));
        rmSync(dir, { recursive: true, force: true });
    });

    it("[F7] delivers to the notifier webhook while PagerDuty fails, and counts the PagerDuty failure", async () => {
        const binary = findOnPath("prometheus-alertmanager", "prometheus-alertmanager");
        const port = await freePort();
        const run = path.join(dir, "run");
        // The image's entrypoint passes its fixed flags; the wrapper keeps its config file and runs on 127.0.0.1.
        const wrapper = path.join(dir, "alertmanager-wrapper");
        writeFileSync(
            wrapper,
            `#!/bin/sh\nexec "${binary}" "$1" --storage.path="${dir}/data" --web.listen-address=127.0.0.1:${port} --cluster.listen-address=\n`,
        );
        chmodSync(wrapper, 0o755);
        const config = renderAlertmanagerConfig({
            profile: "test",
            receivers: {
                notifier: { url: `${receiverUrl}/notifier`, tokenFile: `${run}/secrets/notifier-token` },
                pagerduty: { kind: "direct", routingKeyFile: `${run}/secrets/pagerduty-routing-key`, url: `${receiverUrl}/pd` },
                heartbeat: { kind: "webhook", url: `${receiverUrl}/heartbeat`, tokenFile: `${run}/secrets/notifier-token` },
            },
        });
        am = await startProcess("sh", [ENTRYPOINT], {
            name: "alertmanager-entrypoint",
            env: {
                PATH: process.env.PATH,
                ALERTMANAGER_RUN_DIR: run,
                ALERTMANAGER_BIN: wrapper,
                ALERTMANAGER_CONFIG: config,
                NOTIFIER_TOKEN: "tok-123",
                PAGERDUTY_ROUTING_KEY: UNSET_SECRET_PLACEHOLDER,
            },
            readyCheck: () => probeHttp(port, "/-/ready"),
            timeoutMs: 20_000,
        });
        const res = await fetch(`http://127.0.0.1:${port}/api/v2/alerts`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify([{ labels: { alertname: "RedisDown", severity: "critical" }, annotations: { summary: "Redis is down" } }]),
        });
        assert.equal(res.status, 200);
        const failed = async () => {
            const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
            return Number(/^alertmanager_notifications_failed_total\{integration="pagerduty"\} (\S+)$/m.exec(text)?.[1] ?? "0");
        };
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline && !(hits.some((h) => h.path === "/notifier") && (await failed()) >= 1)) await sleep(200);
        assert.ok(
            hits.some((h) => h.path === "/notifier" && h.body.includes("RedisDown")),
            `the notifier got the alert: ${JSON.stringify(hits.map((h) => h.path))}`,
        );
        assert.ok((await failed()) >= 1, "the PagerDuty failure is counted");
        assert.ok(!hits.some((h) => h.path === "/pd"), "nothing reached PagerDuty without a key");
        assert.match(am.logTail(), /PAGERDUTY_ROUTING_KEY is not filled yet \(placeholder\)/);
    });
});
