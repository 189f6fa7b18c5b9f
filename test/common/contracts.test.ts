/**
 * components/contracts.ts is the one statement of the cross-part contracts, and a leaf; the copies
 * that files being split elsewhere still hold (the catalog's `JOBS` and `APP_NAMESPACE`, the
 * Alertmanager config's ports) must agree with it until they import it. The naming builders give
 * the names the deployed stacks carry.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { APP_NAMESPACE, JOBS as CATALOG_JOBS } from "../../components/alerting/catalog";
import { ALERTMANAGER_CLUSTER_PORT, ALERTMANAGER_PORT } from "../../components/alerting/alertmanager/config";
import { cloudMapNamespace, dataStoreIds } from "../../components/common/naming";
import { APP_METRIC_NAMESPACE, CLOUD_MAP_NAMES, JOBS, PORTS, SCRAPE_JOBS } from "../../components/contracts";
import { HOST_DAEMONS } from "../../components/monitoring/host-exporters";
import { DISCOVERY } from "../../components/monitoring/prometheus/config";

describe("contracts: one leaf module states the cross-part contracts", () => {
    it("imports nothing (a leaf: config, components, rules and tests can all read it)", () => {
        const source = readFileSync(path.join(__dirname, "..", "..", "components", "contracts.ts"), "utf8");
        assert.deepEqual(source.match(/^\s*(import|export .* from)\b.*$/gm) ?? [], []);
    });

    it("the copies not yet folded in agree with it: the catalog's jobs and app namespace, Alertmanager's ports", () => {
        for (const [key, job] of Object.entries(CATALOG_JOBS)) assert.equal(JOBS[key as keyof typeof JOBS], job, `catalog JOBS.${key}`);
        assert.equal(APP_NAMESPACE, APP_METRIC_NAMESPACE);
        assert.equal(ALERTMANAGER_PORT, PORTS.alertmanager);
        assert.equal(ALERTMANAGER_CLUSTER_PORT, PORTS.alertmanagerCluster);
    });

    it("every scrape job finds its targets under a Cloud Map name of the contract, on the contract's port", () => {
        const names = new Set<string>(Object.values(CLOUD_MAP_NAMES));
        for (const [job, d] of Object.entries(DISCOVERY)) {
            assert.ok((SCRAPE_JOBS as readonly string[]).includes(job), `${job} is a scrape job`);
            assert.ok(names.has(d.name), `${job}: ${d.name} is a Cloud Map name of the contract`);
        }
        for (const d of HOST_DAEMONS) assert.equal(d.cloudMapName, DISCOVERY[d.discovery].name, `${d.key} registers where the ${d.discovery} job looks`);
        assert.equal(DISCOVERY.postgres.port, PORTS.postgresExporter);
        assert.equal(DISCOVERY.alertmanager.port, PORTS.alertmanager);
    });

    it("naming: the Cloud Map namespace and the managed data stores' identifiers as deployed", () => {
        assert.equal(cloudMapNamespace({ project: "koronet", stack: "prod" }), "prod.koronet.internal");
        assert.equal(dataStoreIds.postgresInstance("koronet-prod"), "koronet-prod-postgres");
        assert.equal(dataStoreIds.redisReplicationGroup("koronet-prod"), "koronet-prod-redis");
        assert.deepEqual(dataStoreIds.redisCacheClusters("koronet-prod-redis", 2), ["koronet-prod-redis-001", "koronet-prod-redis-002"]);
    });
});
