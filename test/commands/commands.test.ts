/**
 * Every documented command works as a newcomer runs it: `--help`, a clear usage error for a bad
 * invocation, the bad-config message without a stack trace, `npm run plan -- --json | jq`, plan:diff
 * without --base, cost outside eu-west-1, `npm run app` on a fresh clone.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../scripts/offline/stack-file";
import { estimateCost, FALLBACK_PRICE_REGION, loadPrices, MissingPriceError, renderCost } from "../../scripts/cost";
import { renderDiffMarkdown, diffSnapshots } from "../../scripts/plan-diff";
import { appNeedsInstall } from "../../scripts/app";

/** The scripts behind each `npm run` command (package.json). */
const COMMANDS: Record<string, string> = {
    plan: "scripts/plan.ts",
    "plan:update": "scripts/snapshot.ts",
    "plan:diff": "scripts/plan-diff.ts",
    render: "scripts/render.ts",
    policy: "policy/check.ts",
    "docs:config": "scripts/config-docs.ts",
    app: "scripts/app.ts",
    "bench:app": "bench/app-overhead.ts",
    "bench:alerts": "bench/alerts.ts",
    verify: "scripts/verify.ts",
    drill: "scripts/drill.ts",
};

function run(script: string, args: string[], env: Record<string, string> = {}) {
    const r = spawnSync(process.execPath, ["--import", "tsx", script, ...args], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
        env: { ...process.env, ...env },
        timeout: 120_000,
    });
    return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const NO_TRACE = /\n\s+at [^\n]+\(?[^\n]*:\d+:\d+\)?/;

describe("commands", function () {
    this.timeout(180_000);

    it("package.json runs exactly these scripts", () => {
        const pkg = require(path.join(PROJECT_ROOT, "package.json")) as { scripts: Record<string, string> };
        for (const [name, script] of Object.entries(COMMANDS)) assert.equal(pkg.scripts[name], `tsx ${script}`, name);
    });

    for (const [name, script] of Object.entries(COMMANDS)) {
        describe(`npm run ${name}`, () => {
            it("--help prints its usage and what it does, exit 0", () => {
                const r = run(script, ["--help"]);
                assert.equal(r.status, 0, r.stderr);
                assert.match(r.stdout, new RegExp(`^usage: npm run ${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
                assert.ok(r.stdout.split("\n").length >= 4, "explains itself");
            });

            it("a bad invocation is a usage error: message, usage line, exit 2, no stack trace", () => {
                const r = run(script, ["--no-such-option"]);
                assert.equal(r.status, 2, r.stderr);
                assert.match(r.stderr, /^error: Unknown option '--no-such-option'\nusage: npm run /);
                assert.doesNotMatch(r.stderr, NO_TRACE);
            });
        });
    }

    it("npm run verify and npm run drill: --stack is required; outputs that cannot be read are a usage error naming how to save them", () => {
        for (const script of [COMMANDS.verify, COMMANDS.drill] as string[]) {
            let r = run(script, []);
            assert.equal(r.status, 2);
            assert.match(r.stderr, /^error: --stack is required/);
            r = run(script, ["--stack", "dev", "--outputs", "/nonexistent/outputs.json"]);
            assert.equal(r.status, 2, r.stderr);
            assert.match(r.stderr, /^error: cannot read --outputs \/nonexistent\/outputs\.json: /);
            assert.doesNotMatch(r.stderr, NO_TRACE);
        }
        const r = run(COMMANDS.drill as string, ["--stack", "dev", "--path", "everywhere"]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /^error: --path everywhere: allowed cloudwatch, prometheus, all/);
    });

    it("npm run plan without --stack names the stacks", () => {
        const r = run(COMMANDS.plan as string, []);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /^error: --stack is required; known stacks: dev, prod\nusage: npm run plan -- --stack <name>/);
    });

    describe("a bad stack file", () => {
        const stack = "zz-commands-test";
        const file = path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
        before(() => writeFileSync(file, "config:\n  aws:region: eu-west-1\n  koronet:environment: dev\n  koronet:network:\n    availabilityZones: 9\n"));
        after(() => rmSync(file, { force: true }));

        for (const [name, args] of [
            ["plan", ["--stack", stack]],
            ["plan:update", ["--check", "--stack", stack]],
            ["plan:diff", ["--text", "--stack", stack]],
            ["render", ["--check", "--stack", stack]],
        ] as const) {
            it(`npm run ${name} prints the problems (not the stack name alone), exit 1, no trace`, () => {
                const r = run(COMMANDS[name] as string, [...args]);
                assert.equal(r.status, 1, r.stderr);
                assert.match(
                    r.stderr,
                    new RegExp(
                        `Invalid configuration for stack "${stack}":\\n  - koronet:network\\.availabilityZones: got 9; allowed: whole numbers 1\\.\\.6 \\(availability zones\\)\\n      fix: pulumi config set --path koronet:network\\.availabilityZones 2 --stack ${stack}`,
                    ),
                );
                assert.doesNotMatch(r.stderr, NO_TRACE);
            });
        }
    });

    it("`npm run plan -- --stack dev --json | jq .`: stdout is exactly JSON through the real npm (npm's banner goes to stderr)", () => {
        const r = spawnSync("npm", ["run", "plan", "--", "--stack", "dev", "--json"], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 120_000 });
        assert.equal(r.status, 0, r.stderr);
        const resources = JSON.parse(r.stdout) as unknown[];
        assert.ok(resources.length > 100);
        assert.match(r.stderr, /> koronet-platform@\S+ plan/);
    });

    it("npm run plan:diff without --base diffs against this working tree's plan-snapshots/", () => {
        const r = run(COMMANDS["plan:diff"] as string, ["--text", "--stack", "dev"]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, "stack dev: no changes\n");
    });

    describe("cost outside eu-west-1", () => {
        it("uses eu-west-1 prices, labelled as an approximation, instead of failing", () => {
            const prices = loadPrices("us-east-2");
            assert.equal(prices.region, FALLBACK_PRICE_REGION);
            const resources = [
                { type: "pulumi:providers:aws", name: "aws", inputs: { region: "us-east-2" } },
                { type: "aws:ec2/launchTemplate:LaunchTemplate", name: "lt", inputs: { instanceType: "t3.medium" } },
                { type: "aws:autoscaling/group:Group", name: "asg", inputs: { minSize: 2 } },
            ];
            const report = estimateCost(resources, prices);
            assert.equal(report.region, "us-east-2");
            assert.match(report.approximation ?? "", /no price table for us-east-2 .* eu-west-1 list prices stand in/);
            assert.match(
                renderCost("x", report),
                /eu-west-1 list prices of \S+ standing in for us-east-2\)\nNOTE: approximation: there is no price table for us-east-2/,
            );
            const md = renderDiffMarkdown([{ diff: diffSnapshots(undefined, { stack: "x", resources: {}, outputs: {} }), headCost: report }], {
                base: "b",
                head: "h",
            });
            assert.match(md, /\*\*Cost approximation: there is no price table for us-east-2/);
        });

        it("a type without a price fails loudly instead of shrinking the total", () => {
            const prices = loadPrices("eu-west-1");
            const resources = [
                { type: "aws:ec2/launchTemplate:LaunchTemplate", name: "lt", inputs: { instanceType: "t3.humongous" } },
                { type: "aws:autoscaling/group:Group", name: "asg", inputs: { minSize: 1 } },
            ];
            assert.throws(
                () => estimateCost(resources, prices),
                (e: unknown) => e instanceof MissingPriceError && /no price for EC2 instance type t3\.humongous/.test(e.message),
            );
            assert.throws(
                () =>
                    estimateCost(
                        [
                            {
                                type: "aws:elasticache/replicationGroup:ReplicationGroup",
                                name: "r",
                                inputs: { nodeType: "cache.zz1.large", numCacheClusters: 2 },
                            },
                        ],
                        prices,
                    ),
                MissingPriceError,
            );
            assert.throws(
                () => estimateCost([{ type: "aws:rds/instance:Instance", name: "db", inputs: { engine: "postgres", instanceClass: "db.t9.huge" } }], prices),
                MissingPriceError,
            );
        });
    });

    describe("npm run app on a fresh clone", () => {
        it("installs app/'s dependencies when they are missing or older than its lockfile", () => {
            const dir = mkdtempSync(path.join(tmpdir(), "koronet-app-"));
            try {
                writeFileSync(path.join(dir, "package-lock.json"), "{}");
                assert.equal(appNeedsInstall(dir), true, "no node_modules");
                mkdirSync(path.join(dir, "node_modules"));
                writeFileSync(path.join(dir, "node_modules", ".package-lock.json"), "{}");
                const old = new Date(Date.now() - 60_000);
                utimesSync(path.join(dir, "package-lock.json"), old, old);
                assert.equal(appNeedsInstall(dir), false, "installed from the current lockfile");
                const later = new Date(Date.now() + 60_000);
                utimesSync(path.join(dir, "package-lock.json"), later, later);
                assert.equal(appNeedsInstall(dir), true, "lockfile changed since");
            } finally {
                rmSync(dir, { recursive: true, force: true });
            }
        });
    });
});
