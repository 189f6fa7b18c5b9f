/**
 * The committed rendered/<stack> folders are exactly what the renderers produce, and the real tool
 * accepts them: `promtool check config` on each stack's prometheus.yml (which also checks the rule
 * files it references, relative to the rendered folder). promtool comes from the Debian package
 * `prometheus`; without it these tests fail, they never skip.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { IMAGES } from "../../components/monitoring/images";
import { RENDERED_ROOT } from "../../components/monitoring/render";
import { renderStack, stacks, staleFiles } from "../../scripts/render";
import { PROJECT_ROOT } from "../../scripts/offline/stack-file";

function promtool(): string {
    const found = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" });
    const path = found.stdout.trim();
    if (found.status !== 0 || path === "")
        throw new Error("promtool not found on PATH: install the Debian package `prometheus` (apt-get install -y prometheus)");
    return path;
}

describe("rendered configuration", function () {
    this.timeout(60_000);

    it("is up to date with the renderers (run `npm run render` when this fails)", () => {
        const stale = staleFiles();
        assert.deepEqual(
            stale,
            [],
            `stale rendered files — run \`npm run render\` and commit ${RENDERED_ROOT}/:\n${stale.map(([f, why]) => `  ${f} (${why})`).join("\n")}`,
        );
    });

    it("renders every stack that has a Pulumi.<stack>.yaml", () => {
        assert.deepEqual(stacks(), ["dev", "prod"]);
    });

    for (const stack of ["dev", "prod"]) {
        describe(stack, () => {
            const dir = join(PROJECT_ROOT, RENDERED_ROOT, stack);

            it("passes `promtool check config` with its rule files", () => {
                const r = spawnSync(promtool(), ["check", "config", "prometheus.yml"], { cwd: join(dir, "prometheus"), encoding: "utf8" });
                assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
                assert.match(r.stdout, /SUCCESS: 1 rule files found/);
                assert.match(r.stdout, /SUCCESS: \d+ rules found/);
            });

            it("holds no secrets and no deploy-time values", () => {
                for (const f of renderStack(stack)) {
                    assert.doesNotMatch(f.content, /offline-generated-password|hooks\.slack\.com\/services\/T|arn:aws:[a-z]+:[a-z0-9-]*:\d{12}:/, f.path);
                    assert.doesNotMatch(f.content, /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/, `${f.path} holds a timestamp`);
                }
            });

            it("builds each image FROM the pinned upstream", () => {
                for (const [folder, image] of [
                    ["prometheus", IMAGES.prometheus],
                    ["grafana", IMAGES.grafana],
                    ["postgres-exporter", IMAGES.postgresExporter],
                ] as const) {
                    assert.match(readFileSync(join(dir, folder, "Dockerfile"), "utf8"), new RegExp(`^FROM ${image.replace(/[.]/g, "\\.")}$`, "m"), folder);
                }
            });

            it("points Grafana at this stack's Prometheus and Alertmanager (operators and `npm run drill` reach Alertmanager through it)", () => {
                const ds = parse(readFileSync(join(dir, "grafana/provisioning/datasources/prometheus.yml"), "utf8")) as {
                    datasources: { url: string; uid: string; type: string }[];
                };
                assert.deepEqual(
                    ds.datasources.map((d) => [d.uid, d.type, d.url]),
                    [
                        ["prometheus", "prometheus", `http://prometheus.${stack}.koronet.internal:9090`],
                        ["alertmanager", "alertmanager", `http://alertmanager.${stack}.koronet.internal:9093`],
                    ],
                );
            });
        });
    }
});
