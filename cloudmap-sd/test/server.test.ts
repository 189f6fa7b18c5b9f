/**
 * The sidecar with its real SDK client against a local Cloud Map stand-in (e2e/services/cloudmap.ts,
 * the DiscoverInstances JSON 1.1 protocol), and against a recording HTTP handler for the production
 * endpoint.
 */
import * as assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

import { ServiceDiscoveryClient } from "@aws-sdk/client-servicediscovery";
import { FakeCloudMap } from "../../e2e/services/cloudmap";
import { cloudMapClient, loadConfig } from "../src/main";
import { startSdServer, type Log } from "../src/server";

const NS = "prod.koronet.internal";

function recordingLog(): Log & { lines: { level: string; msg: string; fields?: Record<string, unknown> }[] } {
    const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
    return {
        lines,
        info: (msg, fields) => lines.push({ level: "info", msg, fields }),
        warn: (msg, fields) => lines.push({ level: "warn", msg, fields }),
        error: (msg, fields) => lines.push({ level: "error", msg, fields }),
    };
}

describe("the sidecar against a Cloud Map stand-in (real SDK client)", () => {
    let fake: FakeCloudMap;
    let server: Server;
    let base: string;
    const log = recordingLog();
    const saved = { ...process.env };

    before(async () => {
        fake = await FakeCloudMap.start();
        Object.assign(process.env, fake.sdkEnv());
        const cfg = loadConfig({ ...process.env, CLOUDMAP_NAMESPACE: NS, LISTEN_PORT: "0" });
        server = await startSdServer({ discover: cloudMapClient(cfg), namespace: NS, log, host: "127.0.0.1", port: 0 });
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
        process.env = saved;
        await new Promise((r) => server.close(r));
        await fake.stop();
    });

    const get = async (p: string) => {
        const res = await fetch(`${base}${p}`);
        return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as any };
    };

    it("lists all 12 tasks of a service, where a DNS answer holds at most 8", async () => {
        for (let i = 1; i <= 12; i++) fake.register(NS, "koronet", { id: `task${String(i).padStart(2, "0")}`, ipv4: `10.0.1.${i}` });
        const r = await get(`/v1/cloudmap/${NS}/koronet?port=9464`);
        assert.equal(r.status, 200);
        assert.match(r.type ?? "", /^application\/json/);
        assert.equal(r.body.length, 12);
        assert.deepEqual(
            r.body.map((g: any) => g.targets[0]),
            Array.from({ length: 12 }, (_, i) => `10.0.1.${i + 1}:9464`),
        );
        assert.equal(r.body[0].labels.__meta_cloudmap_instance_id, "task01");
        assert.deepEqual(fake.calls.at(-1), { ...fake.calls.at(-1), namespace: NS, service: "koronet", healthStatus: "HEALTHY_OR_ELSE_ALL" });
    });

    it("follows a task that stops and one that starts on the next request", async () => {
        fake.deregister(NS, "koronet", "task03");
        fake.register(NS, "koronet", { id: "task13", ipv4: "10.0.1.13" });
        const targets = (await get(`/v1/cloudmap/${NS}/koronet?port=9464`)).body.map((g: any) => g.targets[0]);
        assert.ok(!targets.includes("10.0.1.3:9464") && targets.includes("10.0.1.13:9464") && targets.length === 12);
        const changed = log.lines.filter((l) => l.msg === "targets changed").at(-1);
        assert.deepEqual([changed?.fields?.["added"], changed?.fields?.["removed"]], [["10.0.1.13:9464"], ["10.0.1.3:9464"]]);
    });

    it("leaves out unhealthy tasks while any is healthy, and returns all when none is (fail open, as DNS)", async () => {
        fake.register(NS, "cadvisor", { id: "h1", ipv4: "10.0.2.1", port: 8080 });
        fake.register(NS, "cadvisor", { id: "h2", ipv4: "10.0.2.2", port: 8080, healthy: false });
        assert.deepEqual(
            (await get(`/v1/cloudmap/${NS}/cadvisor`)).body.map((g: any) => g.targets[0]),
            ["10.0.2.1:8080"],
        );
        fake.setHealthy(NS, "cadvisor", "h1", false);
        assert.deepEqual(
            (await get(`/v1/cloudmap/${NS}/cadvisor`)).body.map((g: any) => g.targets[0]),
            ["10.0.2.1:8080", "10.0.2.2:8080"],
        );
    });

    it("answers 503 when Cloud Map fails (Prometheus keeps its last targets and counts the failure), and logs why", async () => {
        fake.failing = true;
        try {
            const r = await get(`/v1/cloudmap/${NS}/koronet?port=9464`);
            assert.equal(r.status, 503);
            assert.match(r.body.error, /DiscoverInstances failed/);
        } finally {
            fake.failing = false;
        }
        assert.ok(log.lines.some((l) => l.level === "error" && /Prometheus keeps its last targets/.test(l.msg)));
        const missing = await get(`/v1/cloudmap/${NS}/no-such-service?port=1`);
        assert.equal(missing.status, 503);
        assert.match(missing.body.error, /ServiceNotFound/);
    });

    it("serves only its namespace, GET only, and a liveness path", async () => {
        assert.equal((await get("/v1/cloudmap/dev.koronet.internal/koronet?port=9464")).status, 404);
        assert.equal((await fetch(`${base}/v1/cloudmap/${NS}/koronet`, { method: "POST" })).status, 405);
        assert.deepEqual((await get("/healthz")).body, { status: "ok" });
    });
});

describe("the production endpoint", () => {
    it("calls DiscoverInstances at data-servicediscovery.<region>.amazonaws.com (the operation's host prefix) when no endpoint is overridden", async () => {
        const seen: { hostname: string; target: unknown; body: unknown }[] = [];
        const client = new ServiceDiscoveryClient({
            region: "eu-west-1",
            credentials: { accessKeyId: "AKIAKORONETTEST", secretAccessKey: "x" },
            requestHandler: {
                // No network: records the request and answers as the service would (an HttpResponse-shaped object).
                handle: async (request: { hostname: string; headers: Record<string, string>; body: string | Uint8Array }) => {
                    seen.push({
                        hostname: request.hostname,
                        target: request.headers["x-amz-target"],
                        body: JSON.parse(Buffer.from(request.body).toString("utf8")),
                    });
                    return {
                        response: {
                            statusCode: 200,
                            headers: { "content-type": "application/x-amz-json-1.1" },
                            body: Readable.from([Buffer.from('{"Instances":[]}')]),
                        },
                    };
                },
            } as never,
        });
        const out = await cloudMapClient(
            { region: "eu-west-1", endpointOverride: false },
            client,
        )({ NamespaceName: NS, ServiceName: "koronet", HealthStatus: "HEALTHY_OR_ELSE_ALL", MaxResults: 1000 });
        assert.deepEqual(out.Instances, []);
        assert.deepEqual(seen, [
            {
                hostname: "data-servicediscovery.eu-west-1.amazonaws.com",
                target: "Route53AutoNaming_v20170314.DiscoverInstances",
                body: { NamespaceName: NS, ServiceName: "koronet", HealthStatus: "HEALTHY_OR_ELSE_ALL", MaxResults: 1000 },
            },
        ]);
    });
});
