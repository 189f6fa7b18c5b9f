import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { readStackConfig, PROJECT_ROOT } from "../../scripts/offline/stack-file";
import { runOffline, type PlannedResource } from "../../scripts/offline/run";

function plan(args: string[]): { stdout: string; stderr: string; status: number } {
    try {
        const stdout = execFileSync(process.execPath, ["--import", "tsx", "scripts/plan.ts", ...args], {
            cwd: PROJECT_ROOT,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
        return { stdout, stderr: "", status: 0 };
    } catch (err) {
        const e = err as { stdout: string; stderr: string; status: number };
        return { stdout: e.stdout, stderr: e.stderr, status: e.status };
    }
}

describe("offline plan (npm run plan)", function () {
    this.timeout(60_000);

    for (const stack of ["dev", "prod"]) {
        it(`--stack ${stack} --json prints exactly a JSON array of {type, name, parent, inputs, dependsOn}`, () => {
            const { stdout, status } = plan(["--stack", stack, "--json"]);
            assert.equal(status, 0);
            const resources = JSON.parse(stdout) as PlannedResource[];
            assert.ok(Array.isArray(resources) && resources.length > 20);
            for (const r of resources) assert.deepEqual(Object.keys(r), ["type", "name", "parent", "inputs", "dependsOn"]);
            const types = new Set(resources.map((r) => r.type));
            for (const t of ["aws:ecs/cluster:Cluster", "aws:ecs/service:Service", "aws:lb/loadBalancer:LoadBalancer", "aws:cloudwatch/logGroup:LogGroup"])
                assert.ok(types.has(t), t);
            const parents = new Set(resources.map((r) => `${r.type}::${r.name}`));
            for (const r of resources) assert.ok(r.parent === null || parents.has(r.parent), `${r.name}'s parent ${r.parent} is in the plan`);
            for (const r of resources) {
                const self = `${r.type}::${r.name}`;
                assert.deepEqual(r.dependsOn, [...new Set(r.dependsOn)].sort(), `${self}: dependsOn sorted and unique`);
                assert.ok(!r.dependsOn.includes(self), `${self} does not wait for itself`);
                for (const d of r.dependsOn) assert.ok(parents.has(d), `${self} waits for ${d}, which is in the plan`);
            }
            assert.ok(!stdout.includes("offline-generated-password"), "generated secrets are redacted");
            assert.ok(stdout.includes('"[secret]"'));
        });
    }

    it("prints a readable tree by default", () => {
        const { stdout, status } = plan(["--stack", "dev"]);
        assert.equal(status, 0);
        assert.match(stdout, /^Stack dev: \d+ resources/);
        assert.match(stdout, /[├└]─ koronet:service:MonitoredService web\n/);
        assert.match(stdout, /│  ├─ aws:lb\/targetGroup:TargetGroup web-targets {2}\(port=3000, targetType=ip\)/);
        assert.match(stdout, /Outputs:\n {2}appUrl: http:\/\//);
    });

    it("fails with the config error and a non-zero status on a bad stack", () => {
        const { stderr, status } = plan(["--stack", "nosuchstack"]);
        assert.notEqual(status, 0);
        assert.match(stderr, /^error: no stack file Pulumi\.nosuchstack\.yaml; known stacks: dev, prod/m);
        assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
    });

    describe("secure: values in a stack file", () => {
        let dir: string;
        before(() => {
            dir = mkdtempSync(path.join(tmpdir(), "koronet-plan-"));
            const dev = readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8");
            writeFileSync(path.join(dir, "Pulumi.dev.yaml"), `${dev}  koronet:slackWebhookUrl:\n    secure: v1:ZmFrZQ==:ZW5jcnlwdGVk\n`);
        });
        after(() => rmSync(dir, { recursive: true, force: true }));

        it("become placeholders of the right shape, delivered as secrets", () => {
            const raw = readStackConfig("dev", { root: dir });
            assert.ok(raw.secretKeys.has("koronet:slackWebhookUrl"));
            assert.match(String(raw.values["koronet:slackWebhookUrl"]), /^https:\/\/hooks\.slack\.com\/services\//);
        });

        it("let the program run and never reach the plan in plain text", async () => {
            const run = await runOffline("dev", { root: dir, overrides: { "koronet:alerting": { notifications: { slack: { webhookUrlFrom: "config" } } } } });
            assert.ok(!JSON.stringify(run).includes("offlineplaceholder"));
        });
    });
});
