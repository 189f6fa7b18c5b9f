/** prometheus.yml renderer: jobs per docs/CONTRACTS.md, Cloud Map vs local targets, timing profiles, remote_write. */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prometheusConfig, renderPrometheusConfig, SCRAPE_JOBS } from "../../components/monitoring/prometheus/config";

type Cfg = {
    global: Record<string, string>;
    scrape_configs: {
        job_name: string;
        dns_sd_configs?: { names: string[]; type: string; port?: number }[];
        http_sd_configs?: { url: string; refresh_interval: string }[];
        static_configs?: { targets: string[] }[];
        relabel_configs?: { source_labels?: string[]; target_label: string; replacement: string }[];
    }[];
    alerting?: { alertmanagers: { dns_sd_configs?: { names: string[] }[]; static_configs?: { targets: string[] }[] }[] };
    remote_write?: { url: string; sigv4: { region: string } }[];
};

describe("prometheus.yml renderer", () => {
    const cloudMap = { kind: "cloudMap", namespace: "dev.koronet.internal" } as const;

    it("[issue 13 #8] finds the web server and the host daemons through the Cloud Map discovery sidecar (every task), the single-task exporters and Alertmanager by DNS", () => {
        const c = prometheusConfig({ targets: cloudMap }) as Cfg;
        assert.deepEqual(
            c.scrape_configs.map((s) => s.job_name),
            [...SCRAPE_JOBS],
        );
        const by = Object.fromEntries(c.scrape_configs.map((s) => [s.job_name, s]));
        // The web server on its metrics port (A records carry none: the URL names it).
        assert.deepEqual(by.koronet?.http_sd_configs, [
            { url: "http://127.0.0.1:9099/v1/cloudmap/dev.koronet.internal/koronet?port=9464", refresh_interval: "30s" },
        ]);
        assert.equal(by.koronet?.dns_sd_configs, undefined);
        // SRV registrations carry their port; the task ID names the host.
        for (const [job, service, port] of [
            ["node", "node-exporter", 9100],
            ["cadvisor", "cadvisor", 8080],
        ] as const) {
            assert.deepEqual(
                by[job]?.http_sd_configs,
                [{ url: `http://127.0.0.1:9099/v1/cloudmap/dev.koronet.internal/${service}`, refresh_interval: "30s" }],
                job,
            );
            assert.deepEqual(
                by[job]?.relabel_configs,
                [{ source_labels: ["__meta_cloudmap_instance_id"], target_label: "instance", replacement: `$1:${port}` }],
                job,
            );
        }
        assert.equal(by.postgres?.dns_sd_configs?.[0]?.port, 9187);
        assert.equal(by.redis?.dns_sd_configs?.[0]?.port, 9121);
        assert.deepEqual(by.alertmanager?.dns_sd_configs?.[0]?.names, ["alertmanager.dev.koronet.internal"]);
        assert.equal(
            (prometheusConfig({ targets: cloudMap, webMetricsPort: 9500 }) as Cfg).scrape_configs[0]?.http_sd_configs?.[0]?.url,
            "http://127.0.0.1:9099/v1/cloudmap/dev.koronet.internal/koronet?port=9500",
        );
        assert.deepEqual(by.prometheus?.static_configs, [{ targets: ["localhost:9090"] }]);
        assert.deepEqual(c.alerting?.alertmanagers[0]?.dns_sd_configs?.[0]?.names, ["alertmanager.dev.koronet.internal"]);
    });

    it("names data-store exporter targets by the store they watch", () => {
        const c = prometheusConfig({ targets: cloudMap, dataStoreInstances: { postgres: "koronet-prod-postgres" } }) as Cfg;
        const pg = c.scrape_configs.find((s) => s.job_name === "postgres");
        assert.deepEqual(pg?.relabel_configs, [{ target_label: "instance", replacement: "koronet-prod-postgres" }]);
        assert.equal(c.scrape_configs.find((s) => s.job_name === "redis")?.relabel_configs, undefined);
    });

    it("renders local static targets with the test profile's 1 s timings for end-to-end runs", () => {
        const c = prometheusConfig({
            profile: "test",
            scrapeIntervalSeconds: 60,
            targets: { kind: "static", addresses: { koronet: ["127.0.0.1:13000"], redis: ["127.0.0.1:19121"], alertmanager: ["127.0.0.1:19093"] } },
        }) as Cfg;
        assert.deepEqual(c.global, { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" });
        assert.deepEqual(
            c.scrape_configs.map((s) => [s.job_name, s.static_configs?.[0]?.targets]),
            [
                ["koronet", ["127.0.0.1:13000"]],
                ["redis", ["127.0.0.1:19121"]],
                ["alertmanager", ["127.0.0.1:19093"]],
            ],
        );
        assert.deepEqual(c.alerting?.alertmanagers[0]?.static_configs, [{ targets: ["127.0.0.1:19093"] }]);
    });

    it("writes remote_write with SigV4 only when asked", () => {
        assert.equal((prometheusConfig({ targets: cloudMap }) as Cfg).remote_write, undefined);
        const c = prometheusConfig({ targets: cloudMap, remoteWrite: { region: "eu-west-1", workspaceId: "ws-123" } }) as Cfg;
        assert.deepEqual(
            c.remote_write?.map((r) => [r.url, r.sigv4]),
            [["https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-123/api/v1/remote_write", { region: "eu-west-1" }]],
        );
    });

    it("rejects bad input naming the field", () => {
        assert.throws(() => prometheusConfig({ targets: { kind: "cloudMap", namespace: "not a name" } }), /`targets.namespace`/);
        assert.throws(
            () => prometheusConfig({ targets: { kind: "static", addresses: { koronet: ["127.0.0.1"] } } }),
            /`targets.addresses.koronet` entry "127.0.0.1" must be host:port/,
        );
        assert.throws(() => prometheusConfig({ targets: cloudMap, scrapeIntervalSeconds: 0 }), /`scrapeIntervalSeconds`/);
    });

    it("[issue 13 #8] renders only the asked jobs, through a sidecar at another address (the e2e discovery run)", () => {
        const c = prometheusConfig({
            profile: "test",
            targets: { kind: "cloudMap", namespace: "e2e.koronet.internal", discoveryUrl: "http://127.0.0.1:41000", jobs: ["koronet"] },
            webMetricsPort: 41001,
        }) as Cfg;
        assert.deepEqual(
            c.scrape_configs.map((s) => [s.job_name, s.http_sd_configs]),
            [["koronet", [{ url: "http://127.0.0.1:41000/v1/cloudmap/e2e.koronet.internal/koronet?port=41001", refresh_interval: "5s" }]]],
        );
        assert.equal(c.alerting, undefined);
    });

    it("renders a Cloud Map config (http_sd and dns_sd) that `promtool check config` 2.42 accepts", () => {
        const dir = mkdtempSync(join(tmpdir(), "koronet-promcfg-"));
        try {
            writeFileSync(join(dir, "prometheus.yml"), renderPrometheusConfig({ targets: cloudMap }));
            const r = spawnSync("promtool", ["check", "config", join(dir, "prometheus.yml")], { encoding: "utf8" });
            if (r.error) throw new Error("promtool not found on PATH: install the Debian package `prometheus`");
            assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("renders a local config that `promtool check config` accepts", () => {
        const dir = mkdtempSync(join(tmpdir(), "koronet-promcfg-"));
        try {
            writeFileSync(
                join(dir, "prometheus.yml"),
                renderPrometheusConfig({
                    profile: "test",
                    targets: { kind: "static", addresses: { koronet: ["127.0.0.1:13000"], node: ["127.0.0.1:19100"] } },
                }),
            );
            const r = spawnSync("promtool", ["check", "config", join(dir, "prometheus.yml")], { encoding: "utf8" });
            if (r.error) throw new Error("promtool not found on PATH: install the Debian package `prometheus`");
            assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
