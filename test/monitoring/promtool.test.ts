/**
 * Real-tool checks of the rendered rules: `promtool check rules` on both timing profiles, and
 * `promtool test rules` with generated unit tests for every alert (fires above its threshold after
 * its `for`, quiet just below, resolves; Watchdog always firing). promtool comes from the Debian
 * package `prometheus`; without it these tests fail, they never skip.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALERT_IDS, TIMING_PROFILES, resolveAlerts, type ResolvedAlert, type TimingProfile } from "../../components/alerting/catalog";
import { RULES_FILE_NAME, renderRulesYaml } from "../../components/monitoring/prometheus/rules";
import { hasPromtoolCases, promtoolTestFile } from "./promtool/cases";

function promtool(): string {
    const found = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" });
    const path = found.stdout.trim();
    if (found.status !== 0 || path === "") {
        throw new Error("promtool not found on PATH: install the Debian package `prometheus` (apt-get install -y prometheus), which ships promtool 2.42");
    }
    return path;
}

describe("Prometheus rules under promtool", function () {
    this.timeout(120_000);
    let dir: string;
    before(() => {
        dir = mkdtempSync(join(tmpdir(), "koronet-promtool-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("finds promtool (Debian package `prometheus`)", () => {
        assert.match(execFileSync(promtool(), ["--version"], { encoding: "utf8" }), /promtool, version 2\./);
    });

    for (const profile of TIMING_PROFILES) {
        describe(`profile ${profile}`, () => {
            let alerts: ResolvedAlert[];
            let results: Map<string, string>;
            const ruleDir = () => join(dir, profile);

            before(() => {
                alerts = resolveAlerts({ profile, runbookBaseUrl: "https://github.com/koronet/koronet-platform/blob/main/runbooks" });
                execFileSync("mkdir", ["-p", ruleDir()]);
                writeFileSync(join(ruleDir(), RULES_FILE_NAME), renderRulesYaml(alerts));
                const files: string[] = [];
                for (const a of alerts) {
                    if (!a.enabled || a.prometheus === undefined) continue;
                    const f = join(ruleDir(), `${a.id}.test.yml`);
                    writeFileSync(f, promtoolTestFile(a, RULES_FILE_NAME).yaml);
                    files.push(f);
                }
                // One promtool run for all files; its output names each file and what failed.
                const run = spawnSync(promtool(), ["test", "rules", ...files], { cwd: ruleDir(), encoding: "utf8" });
                const out = `${run.stdout}\n${run.stderr}`;
                results = new Map();
                const chunks = out.split(/Unit Testing:\s+/).slice(1);
                for (const chunk of chunks) {
                    const file = (chunk.split("\n")[0] ?? "").trim();
                    results.set(file, chunk);
                }
            });

            it("passes `promtool check rules`", () => {
                const r = spawnSync(promtool(), ["check", "rules", join(ruleDir(), RULES_FILE_NAME)], { encoding: "utf8" });
                assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
                assert.match(r.stdout, /SUCCESS: \d+ rules found/);
            });

            for (const id of ALERT_IDS) {
                if (!hasPromtoolCases(id)) continue;
                it(`${id}: fires above its threshold after its \`for\`, stays quiet just below, resolves`, () => {
                    const file = join(ruleDir(), `${id}.test.yml`);
                    const chunk = results.get(file);
                    assert.ok(chunk !== undefined, `promtool did not report on ${file}`);
                    assert.match(chunk, /SUCCESS/, chunk);
                    assert.doesNotMatch(chunk, /FAILED/, chunk);
                });
            }
        });
    }

    it("covers every alert that has a Prometheus rule", () => {
        for (const a of resolveAlerts()) {
            if (a.prometheus !== undefined) assert.ok(hasPromtoolCases(a.id), `${a.id} has no promtool cases`);
        }
    });

    for (const [mutation, expr] of [
        ["never fires", "vector(0) > 1"],
        ["always fires", "vector(1)"],
    ] as const) {
        it(`every alert's unit test fails when its rule ${mutation} (the tests are not vacuous)`, () => {
            const profile: TimingProfile = "test";
            const real = resolveAlerts({ profile });
            const d = join(dir, `mutant-${mutation.replace(" ", "-")}`);
            execFileSync("mkdir", ["-p", d]);
            const files: [string, string][] = [];
            for (const a of real) {
                if (a.prometheus === undefined || !hasPromtoolCases(a.id)) continue;
                if (mutation === "always fires" && a.id === "Watchdog") continue; // it is vector(1)
                const mutant = real.map((x) => (x.id === a.id && x.prometheus !== undefined ? { ...x, prometheus: { ...x.prometheus, expr } } : x));
                const sub = join(d, a.id);
                execFileSync("mkdir", ["-p", sub]);
                writeFileSync(join(sub, RULES_FILE_NAME), renderRulesYaml(mutant));
                writeFileSync(join(sub, "t.yml"), promtoolTestFile(a, RULES_FILE_NAME).yaml);
                files.push([a.id, sub]);
            }
            const survivors = files
                .filter(([, sub]) => spawnSync(promtool(), ["test", "rules", "t.yml"], { cwd: sub, encoding: "utf8" }).status === 0)
                .map(([id]) => id);
            assert.deepEqual(survivors, [], `mutants that passed their unit tests: ${survivors.join(", ")}`);
        });
    }

    it("a broken threshold is caught: HighErrorRate rendered with the wrong comparison fails its unit test", () => {
        const profile: TimingProfile = "test";
        const alerts = resolveAlerts({ profile }).map((a) =>
            a.id === "HighErrorRate" && a.prometheus !== undefined
                ? { ...a, prometheus: { ...a.prometheus, expr: a.prometheus.expr.replace(" > ", " < ") } }
                : a,
        );
        const d = join(dir, "broken");
        execFileSync("mkdir", ["-p", d]);
        writeFileSync(join(d, RULES_FILE_NAME), renderRulesYaml(alerts));
        const good = resolveAlerts({ profile }).find((a) => a.id === "HighErrorRate") as ResolvedAlert;
        writeFileSync(join(d, "t.yml"), promtoolTestFile(good, RULES_FILE_NAME).yaml);
        const r = spawnSync(promtool(), ["test", "rules", "t.yml"], { cwd: d, encoding: "utf8" });
        assert.notEqual(r.status, 0);
        assert.match(`${r.stdout}${r.stderr}`, /FAILED/);
    });
});
