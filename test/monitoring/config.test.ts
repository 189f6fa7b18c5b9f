/** prometheus.yml renderer: jobs per docs/CONTRACTS.md, Cloud Map vs local targets, timing profiles, remote_write. */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prometheusConfig, renderPrometheusConfig, SCRAPE_JOBS } from "../../components/monitoring/prometheus/config";

type Cfg = { global: Record<string, string>; scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; type: string; port?: number }[]; static_configs?: { targets: string[] }[]; relabel_configs?: { target_label: string; replacement: string }[] }[]; alerting?: { alertmanagers: { dns_sd_configs?: { names: string[] }[]; static_configs?: { targets: string[] }[] }[] }; remote_write?: { url: string; sigv4: { region: string } }[] };

describe("prometheus.yml renderer", () => {
    const cloudMap = { kind: "cloudMap", namespace: "dev.koronet.internal" } as const;

    it("scrapes the contract's jobs through Cloud Map DNS, SRV for the host-network daemons", () => {
        const c = prometheusConfig({ targets: cloudMap }) as Cfg;
        assert.deepEqual(c.scrape_configs.map((s) => s.job_name), [...SCRAPE_JOBS]);
        const by = Object.fromEntries(c.scrape_configs.map((s) => [s.job_name, s]));
        assert.deepEqual(by.koronet?.dns_sd_configs?.[0], { names: ["koronet.dev.koronet.internal"], type: "A", port: 3000, refresh_interval: "30s" });
        assert.equal(by.postgres?.dns_sd_configs?.[0]?.port, 9187);
        assert.equal(by.redis?.dns_sd_configs?.[0]?.port, 9121);
        assert.equal(by.node?.dns_sd_configs?.[0]?.type, "SRV");
        assert.equal(by.cadvisor?.dns_sd_configs?.[0]?.type, "SRV");
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
        const c = prometheusConfig({ profile: "test", scrapeIntervalSeconds: 60, targets: { kind: "static", addresses: { koronet: ["127.0.0.1:13000"], redis: ["127.0.0.1:19121"], alertmanager: ["127.0.0.1:19093"] } } }) as Cfg;
        assert.deepEqual(c.global, { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" });
        assert.deepEqual(c.scrape_configs.map((s) => [s.job_name, s.static_configs?.[0]?.targets]), [["koronet", ["127.0.0.1:13000"]], ["redis", ["127.0.0.1:19121"]], ["alertmanager", ["127.0.0.1:19093"]]]);
        assert.deepEqual(c.alerting?.alertmanagers[0]?.static_configs, [{ targets: ["127.0.0.1:19093"] }]);
    });

    it("writes remote_write with SigV4 only when asked", () => {
        assert.equal((prometheusConfig({ targets: cloudMap }) as Cfg).remote_write, undefined);
        const c = prometheusConfig({ targets: cloudMap, remoteWrite: { region: "eu-west-1", workspaceId: "ws-123" } }) as Cfg;
        assert.deepEqual(c.remote_write?.map((r) => [r.url, r.sigv4]), [["https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-123/api/v1/remote_write", { region: "eu-west-1" }]]);
    });

    it("rejects bad input naming the field", () => {
        assert.throws(() => prometheusConfig({ targets: { kind: "cloudMap", namespace: "not a name" } }), /`targets.namespace`/);
        assert.throws(() => prometheusConfig({ targets: { kind: "static", addresses: { koronet: ["127.0.0.1"] } } }), /`targets.addresses.koronet` entry "127.0.0.1" must be host:port/);
        assert.throws(() => prometheusConfig({ targets: cloudMap, scrapeIntervalSeconds: 0 }), /`scrapeIntervalSeconds`/);
    });

    it("renders a local config that `promtool check config` accepts", () => {
        const dir = mkdtempSync(join(tmpdir(), "koronet-promcfg-"));
        try {
            writeFileSync(join(dir, "prometheus.yml"), renderPrometheusConfig({ profile: "test", targets: { kind: "static", addresses: { koronet: ["127.0.0.1:13000"], node: ["127.0.0.1:19100"] } } }));
            const r = spawnSync("promtool", ["check", "config", join(dir, "prometheus.yml")], { encoding: "utf8" });
            if (r.error) throw new Error("promtool not found on PATH: install the Debian package `prometheus`");
            assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
