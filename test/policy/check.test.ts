import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { PlannedResource } from "../../scripts/offline/run";
import { PROJECT_ROOT } from "../../scripts/offline/stack-file";
import { parsePlan, UsageError } from "../../policy/check";

function run(script: string, args: string[]): { stdout: string; stderr: string; status: number } {
    try {
        const stdout = execFileSync(process.execPath, ["--import", "tsx", script, ...args], {
            cwd: PROJECT_ROOT,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            maxBuffer: 64 * 1024 * 1024,
        });
        return { stdout, stderr: "", status: 0 };
    } catch (err) {
        const e = err as { stdout: string; stderr: string; status: number };
        return { stdout: e.stdout, stderr: e.stderr, status: e.status };
    }
}
const policy = (...args: string[]) => run("policy/check.ts", args);
const violationLines = (stdout: string) => stdout.split("\n").filter((l) => l.startsWith("  ✗ "));
const STACK_TRACE = /\n\s+at .+:\d+:\d+/;

describe("npm run policy -- --plan FILE (a saved, hand-altered plan)", function () {
    this.timeout(120_000);
    let dir: string;
    let saved: PlannedResource[];
    /** Writes an altered copy of the saved dev plan and returns its path. */
    const alter = (file: string, change: (plan: PlannedResource[]) => void): string => {
        const plan = structuredClone(saved);
        change(plan);
        const p = path.join(dir, file);
        writeFileSync(p, JSON.stringify(plan, null, 2));
        return p;
    };
    const find = (plan: PlannedResource[], type: string, name: string) => {
        const r = plan.find((x) => x.type === type && x.name === name);
        assert.ok(r, `${type} ${name} in the plan`);
        return r as { -readonly [K in keyof PlannedResource]: PlannedResource[K] };
    };

    before(() => {
        dir = mkdtempSync(path.join(tmpdir(), "koronet-policy-plan-"));
        // Saved exactly as a reviewer would: with the plan command's JSON output.
        const out = run("scripts/plan.ts", ["--stack", "dev", "--json"]);
        assert.equal(out.status, 0, out.stderr);
        writeFileSync(path.join(dir, "dev.json"), out.stdout);
        saved = JSON.parse(out.stdout) as PlannedResource[];
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("passes the saved dev plan unchanged, the environment read from the aws provider's default tags", () => {
        const { stdout, status } = policy("--plan", path.join(dir, "dev.json"));
        assert.equal(status, 0, stdout);
        assert.match(stdout, /dev\.json \(dev\): \d+ rules, 0 violation\(s\)/);
    });

    it("reports a dependency removed by hand, one line naming the rule and the resource, exit 1", () => {
        const file = alter("no-association.json", (plan) => {
            const web = find(plan, "aws:ecs/service:Service", "web-svc");
            web.dependsOn = web.dependsOn.filter((d) => !d.startsWith("aws:ecs/clusterCapacityProviders:"));
        });
        const { stdout, status } = policy("--plan", file);
        assert.equal(status, 1);
        assert.deepEqual(violationLines(stdout), [
            "  ✗ [ecs-service-waits-for-capacity-providers] aws:ecs/service:Service::web-svc: does not wait for the capacity-provider association listing FARGATE " +
                "(aws:ecs/clusterCapacityProviders:ClusterCapacityProviders::cluster-capacity); CreateService fails for a capacity provider not yet associated with the cluster",
        ]);
    });

    it("evaluates every rule family, not only creation order: an input changed by hand", () => {
        const file = alter("public-ip.json", (plan) => {
            const inputs = find(plan, "aws:ecs/service:Service", "web-svc").inputs as { networkConfiguration: { assignPublicIp: boolean } };
            inputs.networkConfiguration.assignPublicIp = true;
        });
        const { stdout, status } = policy("--plan", file);
        assert.equal(status, 1);
        assert.deepEqual(violationLines(stdout), [
            "  ✗ [no-public-ip-on-tasks] aws:ecs/service:Service::web-svc: networkConfiguration.assignPublicIp must be false",
        ]);
    });

    it("says nothing about the order of a resource whose dependsOn was deleted (unknown is not a violation)", () => {
        const file = alter("no-depends-on.json", (plan) => {
            delete (find(plan, "aws:ecs/service:Service", "web-svc") as { dependsOn?: unknown }).dependsOn;
        });
        const { stdout, status } = policy("--plan", file);
        assert.equal(status, 0, stdout);
    });

    it("--environment overrides the plan's tag: the dev plan judged as prod breaks the prod-only rules", () => {
        const { stdout, status } = policy("--plan", path.join(dir, "dev.json"), "--environment", "prod");
        assert.equal(status, 1);
        assert.match(stdout, /\(prod\): \d+ rules/);
        assert.ok(
            violationLines(stdout).some((l) => l.includes("[prod-no-ecs-data-stores]")),
            stdout,
        );
    });

    it("asks for --environment when the plan has no aws provider to read it from", () => {
        const file = alter("no-provider.json", (plan) =>
            plan.splice(
                plan.findIndex((r) => r.type === "pulumi:providers:aws"),
                1,
            ),
        );
        const none = policy("--plan", file);
        assert.equal(none.status, 2);
        assert.match(none.stderr, /cannot tell the plan's environment .*pass --environment dev\|prod/);
        assert.equal(policy("--plan", file, "--environment", "dev").status, 0);
    });

    describe("usage errors: a clear message, exit 2, no stack trace", () => {
        const cases: [string, () => string[], RegExp][] = [
            ["an unknown flag", () => ["--plan", path.join(dir, "dev.json"), "--strict-mode"], /Unknown option '--strict-mode'[\s\S]*usage: npm run policy/],
            ["a missing file", () => ["--plan", path.join(dir, "nope.json")], /no such plan file: .*nope\.json/],
            [
                "a file that is not JSON",
                () => {
                    writeFileSync(path.join(dir, "x.json"), "Stack dev: 188 resources\n├─ ...");
                    return ["--plan", path.join(dir, "x.json")];
                },
                /x\.json is not a plan: not JSON/,
            ],
            [
                "JSON that is not a plan (an object)",
                () => {
                    writeFileSync(path.join(dir, "o.json"), '{"stack":"dev"}');
                    return ["--plan", path.join(dir, "o.json")];
                },
                /o\.json is not a plan: expected a JSON array of resources/,
            ],
            [
                "a resource without inputs",
                () => [
                    "--plan",
                    alter("no-inputs.json", (p) => {
                        delete (p[3] as { inputs?: unknown }).inputs;
                    }),
                ],
                /resource 3 \(.+::.+\): `inputs` must be an object, got undefined/,
            ],
            [
                "a dependsOn that is not a list of type::name",
                () => [
                    "--plan",
                    alter("bad-deps.json", (p) => {
                        (p[5] as { dependsOn: unknown }).dependsOn = "web-svc";
                    }),
                ],
                /resource 5 \(.+\): `dependsOn` must be a list of type::name strings, got "web-svc"/,
            ],
            [
                "an environment that does not exist",
                () => ["--plan", path.join(dir, "dev.json"), "--environment", "staging"],
                /--environment: got "staging"; allowed: dev, prod/,
            ],
            ["--plan with --stack", () => ["--plan", path.join(dir, "dev.json"), "--stack", "dev"], /--plan and --stack exclude each other/],
        ];
        for (const [what, args, message] of cases) {
            it(what, () => {
                const { stderr, status } = policy(...args());
                assert.equal(status, 2, stderr);
                assert.match(stderr, message);
                assert.doesNotMatch(stderr, STACK_TRACE);
            });
        }

        it("--help prints the usage and exits 0", () => {
            const { stdout, status } = policy("--help");
            assert.equal(status, 0);
            assert.match(stdout, /npm run policy -- --plan <file\.json> \[--environment dev\|prod\]/);
            assert.match(stdout, /Exit status: 0 clean, 1 a rule is broken, 2 a usage error/);
        });
    });

    it("parsePlan keeps dependsOn when present and leaves it unknown when absent", () => {
        const [a, b] = parsePlan(
            JSON.stringify([
                { type: "aws:a/a:A", name: "a", parent: null, inputs: {}, dependsOn: ["aws:b/b:B::b"] },
                { type: "aws:b/b:B", name: "b", parent: null, inputs: {} },
            ]),
            "p.json",
        );
        assert.deepEqual(a?.dependsOn, ["aws:b/b:B::b"]);
        assert.equal(b?.dependsOn, undefined);
        assert.throws(
            () => parsePlan("[1]", "p.json"),
            (e: unknown) => e instanceof UsageError && /resource 0 is not an object/.test(e.message),
        );
    });
});
