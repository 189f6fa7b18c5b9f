/**
 * Prometheus's entrypoint (components/monitoring/prometheus/image/entrypoint.sh) run as the image runs
 * it, over the committed rendered files: it fills in the AMP workspace and, in a pair, this replica's
 * identity from the task metadata endpoint, and the result still passes `promtool check config`.
 */
import { strict as assert } from "node:assert";
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { findOnPath } from "../../e2e/services";

const ROOT = path.resolve(__dirname, "..", "..");
const ENTRYPOINT = path.join(ROOT, "components", "monitoring", "prometheus", "image", "entrypoint.sh");

describe("Prometheus entrypoint", () => {
    let dir: string;
    let metadata: Server;
    let metadataUrl: string;
    // The EC2 container response of the task metadata endpoint v4 (trimmed to the fields read).
    // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-examples.html
    const response = JSON.stringify({
        Name: "prometheus",
        Labels: {
            "com.amazonaws.ecs.cluster": "koronet-prod",
            "com.amazonaws.ecs.task-arn": "arn:aws:ecs:eu-west-1:111122223333:task/koronet-prod/158d1c8083dd49d6b527399fd6414f5c",
        },
        Networks: [{ NetworkMode: "awsvpc", IPv4Addresses: ["10.50.130.7"] }],
    });

    before(async () => {
        metadata = createServer((req, res) => res.end(req.url === "/v4/p" ? response : "{}"));
        await new Promise<void>((r) => metadata.listen(0, "127.0.0.1", r));
        metadataUrl = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}/v4/p`;
    });
    after(() => new Promise<void>((r) => metadata.close(() => r())));
    beforeEach(() => {
        dir = mkdtempSync(path.join(tmpdir(), "koronet-prom-entry-"));
        mkdirSync(path.join(dir, "run"));
        const bin = path.join(dir, "fake-prometheus");
        writeFileSync(bin, `#!/bin/sh\necho "ARGS $*" > "${dir}/started"\n`);
        chmodSync(bin, 0o755);
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const run = (stack: string, env: Record<string, string>) =>
        new Promise<{ code: number; stderr: string }>((resolve) => {
            execFile(
                "sh",
                [ENTRYPOINT, "--storage.tsdb.path=/prometheus"],
                {
                    env: {
                        PATH: process.env.PATH,
                        PROMETHEUS_SRC_DIR: path.join(ROOT, "rendered", stack, "prometheus"),
                        PROMETHEUS_RUN_DIR: path.join(dir, "run"),
                        PROMETHEUS_BIN: path.join(dir, "fake-prometheus"),
                        ...env,
                    },
                    encoding: "utf8",
                },
                (err, _out, stderr) => resolve({ code: err ? Number((err as { code?: number }).code) : 0, stderr }),
            );
        });

    it("prod (a pair): labels this replica with its task's id, and the filled-in file passes promtool", async () => {
        const r = await run("prod", { AMP_WORKSPACE_ID: "ws-0123abcd-4567-89ab-cdef-0123456789ab", ECS_CONTAINER_METADATA_URI_V4: metadataUrl });
        assert.equal(r.code, 0, r.stderr);
        const file = path.join(dir, "run", "prometheus.yml");
        const doc = parse(readFileSync(file, "utf8")) as Record<string, any>;
        assert.equal(doc.global.external_labels.replica, "task-158d1c8083dd49d6b527399fd6414f5c");
        assert.match(doc.remote_write[0].url, /\/workspaces\/ws-0123abcd-4567-89ab-cdef-0123456789ab\/api\/v1\/remote_write$/);
        assert.match(
            readFileSync(path.join(dir, "started"), "utf8"),
            new RegExp(`--config.file=${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} --storage.tsdb.path=/prometheus`),
        );
        execFileSync(findOnPath("promtool", "prometheus"), ["check", "config", file], { encoding: "utf8" });
    });

    it("prod: refuses to start without the metadata endpoint, naming it", async () => {
        const r = await run("prod", { AMP_WORKSPACE_ID: "ws-0123abcd-4567-89ab-cdef-0123456789ab" });
        assert.equal(r.code, 64);
        assert.match(r.stderr, /ECS_CONTAINER_METADATA_URI_V4 is not set/);
    });

    it("prod: refuses an answer without a task ARN", async () => {
        const r = await run("prod", {
            AMP_WORKSPACE_ID: "ws-0123abcd-4567-89ab-cdef-0123456789ab",
            ECS_CONTAINER_METADATA_URI_V4: metadataUrl.replace("/v4/p", "/v4/none"),
        });
        assert.equal(r.code, 64);
        assert.match(r.stderr, /no task ARN in the task metadata/);
    });

    it("dev (one server): needs no metadata and adds no replica label", async () => {
        const r = await run("dev", {});
        assert.equal(r.code, 0, r.stderr);
        const doc = parse(readFileSync(path.join(dir, "run", "prometheus.yml"), "utf8")) as Record<string, any>;
        assert.equal(doc.global.external_labels.replica, undefined);
    });
});
