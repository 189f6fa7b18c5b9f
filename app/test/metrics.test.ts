import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { HTTP_DURATION_BUCKETS } from "../src/metrics";
import { call, metric, parseSamples, parseTypes, scrape, startTestServer, stopAllServers, valueOf, waitFor } from "./helpers";

interface ContractRow {
    readonly name: string;
    readonly type: string;
    readonly labels: string[];
}

/** The web-server metric table of docs/CONTRACTS.md, the single source of metric names. */
function contract(): ContractRow[] {
    const doc = fs.readFileSync(path.join(__dirname, "../../docs/CONTRACTS.md"), "utf8");
    const section = doc.split("## Web server metrics")[1]!.split("\n## ")[0]!;
    return [...section.matchAll(/^\| `(koronet_\w+)` \| (\w+) \| ([^|]*) \|/gm)].map((m) => ({
        name: m[1]!,
        type: m[2]!,
        labels: [...m[3]!.matchAll(/`(\w+)`/g)].map((l) => l[1]!),
    }));
}

describe("metrics", () => {
    after(stopAllServers);

    it("exposes every metric of docs/CONTRACTS.md with its type and exact label names", async () => {
        const rows = contract();
        assert.ok(rows.length >= 16, `parsed only ${rows.length} contract rows`);
        const server = await startTestServer({ FAULT_INJECTION: "true" });
        // Produce at least one sample of every labelled series.
        await call(server.url, "GET", "/api/items");
        await call(server.url, "GET", "/readyz");
        const text = await scrape(server.url);
        const types = parseTypes(text);
        const samples = parseSamples(text);
        for (const row of rows) {
            assert.equal(types.get(row.name), row.type, `${row.name}: type`);
            const own = samples.filter(
                (s) => s.name === row.name || (row.type === "histogram" && [`${row.name}_bucket`, `${row.name}_sum`, `${row.name}_count`].includes(s.name)),
            );
            assert.ok(own.length > 0, `${row.name}: no samples`);
            for (const s of own) {
                const names = Object.keys(s.labels)
                    .filter((l) => l !== "le")
                    .sort();
                assert.deepEqual(names, [...row.labels].sort(), `${row.name}: labels of ${JSON.stringify(s.labels)}`);
            }
        }
        assert.deepEqual(
            samples
                .filter((s) => s.name === "koronet_http_request_duration_seconds_bucket")
                .map((s) => s.labels.le)
                .filter((v, i, a) => a.indexOf(v) === i),
            [...HTTP_DURATION_BUCKETS.map(String), "+Inf"],
        );
        assert.ok(HTTP_DURATION_BUCKETS.includes(2), "2 s must be a bucket boundary");
    });

    it("exposes prom-client default process and runtime metrics", async () => {
        const server = await startTestServer();
        const types = parseTypes(await scrape(server.url));
        for (const name of ["process_cpu_user_seconds_total", "process_resident_memory_bytes", "nodejs_eventloop_lag_seconds", "nodejs_heap_size_used_bytes"]) {
            assert.ok(types.has(name), `${name} missing`);
        }
    });

    it("counts a 5xx with its status code and route template, and times it", async () => {
        const server = await startTestServer({ FAULT_INJECTION: "true" });
        const labels = { method: "GET", route: "/api/faults/status/:code", status_code: "503" };
        const before = await scrape(server.url);
        const res = await call(server.url, "GET", "/api/faults/status/503");
        assert.equal(res.status, 503);
        assert.equal(res.body.error, "injected_fault");
        const after = await scrape(server.url);
        assert.equal(valueOf(after, "koronet_http_requests_total", labels), valueOf(before, "koronet_http_requests_total", labels) + 1);
        assert.equal(
            valueOf(after, "koronet_http_request_duration_seconds_count", labels),
            valueOf(before, "koronet_http_request_duration_seconds_count", labels) + 1,
        );
    });

    it("puts a request slower than 2 s above the 2 s bucket (the latency alert threshold)", async () => {
        const server = await startTestServer({ FAULT_INJECTION: "true" });
        const res = await call(server.url, "GET", "/api/faults/latency/2100");
        assert.equal(res.status, 200);
        const text = await scrape(server.url);
        const labels = { route: "/api/faults/latency/:ms", status_code: "200" };
        assert.equal(valueOf(text, "koronet_http_request_duration_seconds_bucket", { ...labels, le: "2" }), 0);
        assert.equal(valueOf(text, "koronet_http_request_duration_seconds_bucket", { ...labels, le: "2.5" }), 1);
    });

    it("tracks in-flight requests", async () => {
        const server = await startTestServer({ FAULT_INJECTION: "true" });
        const slow = call(server.url, "GET", "/api/faults/latency/1500");
        // Scrapes go to the metrics listener: they are not requests of the API.
        await waitFor("one request in flight", async () => (await metric(server.url, "koronet_http_requests_in_flight")) === 1);
        await slow;
        assert.equal(await metric(server.url, "koronet_http_requests_in_flight"), 0);
    });

    it("counts a request the client abandons as 499 and takes it off the in-flight gauge", async () => {
        const server = await startTestServer({ FAULT_INJECTION: "true" });
        const abort = new AbortController();
        const abandoned = fetch(`${server.url}/api/faults/latency/1000`, { signal: abort.signal }).catch(() => "aborted");
        await waitFor("the request to be in flight", async () => (await metric(server.url, "koronet_http_requests_in_flight")) === 1);
        abort.abort();
        assert.equal(await abandoned, "aborted");
        const labels = { route: "/api/faults/latency/:ms", status_code: "499" };
        await waitFor("the abandoned request to be counted", async () => (await metric(server.url, "koronet_http_requests_total", labels)) === 1);
        assert.equal(await metric(server.url, "koronet_http_requests_in_flight"), 0);
    });

    it("counts slow queries above SLOW_QUERY_MS and times every query", async () => {
        const server = await startTestServer({ SLOW_QUERY_MS: "200" });
        const before = await scrape(server.url);
        assert.equal((await call(server.url, "GET", "/api/slow?ms=300")).status, 200);
        assert.equal((await call(server.url, "GET", "/api/slow?ms=0")).status, 200);
        const after = await scrape(server.url);
        const op = { operation: "slow_sleep" };
        assert.equal(valueOf(after, "koronet_db_slow_queries_total", op), valueOf(before, "koronet_db_slow_queries_total", op) + 1);
        assert.equal(valueOf(after, "koronet_db_query_duration_seconds_count", op), valueOf(before, "koronet_db_query_duration_seconds_count", op) + 2);
    });

    it("shows pool size, open and idle connections, and clients waiting under contention", async () => {
        const server = await startTestServer({ DB_POOL_MAX: "2" });
        const slow = Array.from({ length: 3 }, () => call(server.url, "GET", "/api/slow?ms=1200"));
        const during = await waitFor("clients waiting for a connection", async () => {
            const text = await scrape(server.url);
            return valueOf(text, "koronet_db_pool_waiting_clients") >= 1 ? text : undefined;
        });
        assert.equal(valueOf(during, "koronet_db_pool_max_connections"), 2);
        assert.equal(valueOf(during, "koronet_db_pool_total_connections"), 2);
        assert.equal(valueOf(during, "koronet_db_pool_idle_connections"), 0);
        const results = await Promise.all(slow);
        assert.deepEqual(
            results.map((r) => r.status),
            [200, 200, 200],
            "queued queries must still succeed",
        );
        const after = await scrape(server.url);
        assert.equal(valueOf(after, "koronet_db_pool_waiting_clients"), 0);
        assert.equal(valueOf(after, "koronet_db_pool_idle_connections"), valueOf(after, "koronet_db_pool_total_connections"));
    });

    it("answers 503 when the pool stays exhausted past DB_ACQUIRE_TIMEOUT_MS, without counting a connection error", async () => {
        const server = await startTestServer({ DB_POOL_MAX: "1", DB_ACQUIRE_TIMEOUT_MS: "200" });
        const before = await metric(server.url, "koronet_db_connection_errors_total");
        const hog = call(server.url, "GET", "/api/slow?ms=1500");
        await waitFor(
            "the only connection in use",
            async () =>
                (await metric(server.url, "koronet_db_pool_idle_connections")) === 0 && (await metric(server.url, "koronet_db_pool_total_connections")) === 1,
        );
        const starved = await call(server.url, "GET", "/api/items");
        assert.equal(starved.status, 503);
        assert.equal(starved.body.error, "dependency_unavailable");
        assert.equal((await hog).status, 200);
        assert.equal(await metric(server.url, "koronet_db_connection_errors_total"), before);
    });

    it("serves no /metrics and collects nothing with METRICS_ENABLED=false", async () => {
        const server = await startTestServer({ METRICS_ENABLED: "false" });
        assert.equal((await call(server.url, "GET", "/api/items")).status, 200);
        assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
        assert.equal(server.metrics.enabled, false);
        assert.equal(server.metricsUrl, undefined, "no metrics listener");
    });

    it("keeps probes out of the request metrics: health checks and readiness count only in koronet_http_probe_requests_total", async () => {
        const server = await startTestServer();
        const before = await scrape(server.url);
        for (let i = 0; i < 5; i++) {
            assert.equal((await call(server.url, "GET", "/healthz")).status, 200);
            assert.equal((await call(server.url, "GET", "/readyz")).status, 200);
        }
        const after = await scrape(server.url);
        for (const name of ["koronet_http_requests_total", "koronet_http_request_duration_seconds_count"]) {
            assert.equal(valueOf(after, name), valueOf(before, name), `${name} moved with probes only`);
        }
        assert.equal(
            valueOf(after, "koronet_http_probe_requests_total", { route: "/healthz", status_code: "200" }) -
                valueOf(before, "koronet_http_probe_requests_total", { route: "/healthz", status_code: "200" }),
            5,
        );
        assert.equal(
            valueOf(after, "koronet_http_probe_requests_total", { route: "/readyz", status_code: "200" }) -
                valueOf(before, "koronet_http_probe_requests_total", { route: "/readyz", status_code: "200" }),
            5,
        );
        // A user request still counts, and so does one that matches no route (a scanner).
        await call(server.url, "GET", "/api/items");
        await call(server.url, "GET", "/wp-login.php");
        const users = await scrape(server.url);
        assert.equal(valueOf(users, "koronet_http_requests_total") - valueOf(after, "koronet_http_requests_total"), 2);
        assert.equal(
            valueOf(users, "koronet_http_requests_total", { route: "unmatched", status_code: "404" }) -
                valueOf(after, "koronet_http_requests_total", { route: "unmatched", status_code: "404" }),
            1,
        );
    });

    it("serves /metrics on the metrics listener only: the API port (what the load balancer reaches) answers 404", async () => {
        const server = await startTestServer();
        assert.ok(server.metricsUrl !== undefined && server.metricsUrl !== server.url);
        const onApi = await call(server.url, "GET", "/metrics");
        assert.equal(onApi.status, 404);
        assert.equal(onApi.body.error, "not_found");
        const onMetrics = await fetch(`${server.metricsUrl}/metrics`);
        assert.equal(onMetrics.status, 200);
        assert.match(onMetrics.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
        assert.match(await onMetrics.text(), /^# HELP koronet_/m);
        // Nothing else lives there: not the API, not the probes.
        for (const p of ["/", "/healthz", "/api/items", "/metrics/extra"]) assert.equal((await fetch(`${server.metricsUrl}${p}`)).status, 404, p);
        assert.equal((await fetch(`${server.metricsUrl}/metrics`, { method: "POST" })).status, 404);
    });
});
