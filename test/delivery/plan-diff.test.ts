import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { estimateCost, loadPrices } from "../../scripts/cost";
import { PROJECT_ROOT } from "../../scripts/offline/stack-file";
import { COMMENT_MARKER, diffSnapshots, readBaseSnapshot, renderDiffMarkdown, renderDiffText } from "../../scripts/plan-diff";
import { parseSnapshot, renderSnapshot, snapshotPath, type Snapshot } from "../../scripts/snapshot";

const snap = (resources: Snapshot["resources"], outputs: Snapshot["outputs"] = {}): Snapshot => ({ stack: "prod", resources, outputs });
const svc = (desiredCount: number) => ({
    type: "aws:ecs/service:Service",
    name: "web-svc",
    parent: "koronet:service:MonitoredService::web",
    inputs: { desiredCount, networkConfiguration: { assignPublicIp: false, subnets: ["a", "b"] } },
});

describe("offline plan diff (npm run plan:diff)", function () {
    this.timeout(60_000);

    it("lists resources added, removed and changed, with the changed inputs' paths", () => {
        const base = snap({
            "aws:ecs/service:Service::web-svc": svc(2),
            "aws:sns/topic:Topic::old": { type: "aws:sns/topic:Topic", name: "old", parent: null, inputs: {} },
            "aws:kms/key:Key::k": { type: "aws:kms/key:Key", name: "k", parent: null, inputs: { enableKeyRotation: true } },
        });
        const head = snap(
            {
                "aws:ecs/service:Service::web-svc": {
                    ...svc(3),
                    inputs: { ...svc(3).inputs, networkConfiguration: { assignPublicIp: false, subnets: ["a", "c"] }, propagateTags: "SERVICE" },
                },
                "aws:sns/topic:Topic::new": { type: "aws:sns/topic:Topic", name: "new", parent: null, inputs: {} },
                "aws:kms/key:Key::k": { type: "aws:kms/key:Key", name: "k", parent: "koronet:x:X::x", inputs: { enableKeyRotation: true } },
            },
            { appUrl: "http://x" },
        );
        const d = diffSnapshots(base, head);
        assert.deepEqual(
            d.added.map((r) => r.name),
            ["new"],
        );
        assert.deepEqual(
            d.removed.map((r) => r.name),
            ["old"],
        );
        assert.deepEqual(d.changed.find((c) => c.id === "aws:ecs/service:Service::web-svc")?.changes, [
            { path: "desiredCount", before: 2, after: 3 },
            { path: "networkConfiguration.subnets[1]", before: "b", after: "c" },
            { path: "propagateTags", after: "SERVICE" },
        ]);
        assert.deepEqual(d.changed.find((c) => c.id === "aws:kms/key:Key::k")?.parentChanged, { before: null, after: "koronet:x:X::x" });
        assert.deepEqual(d.outputs, [{ path: "appUrl", after: "http://x" }]);
        const text = renderDiffText(d);
        assert.match(text, /1 added, 2 changed, 1 removed/);
        assert.match(text, /~ aws:ecs\/service:Service web-svc\n {6}desiredCount: 2 → 3/);
    });

    it("shows what a resource gained or lost waiting for, as a set, and ignores a base that predates dependsOn", () => {
        const web = (dependsOn?: string[]) => snap({ "aws:ecs/service:Service::web-svc": { ...svc(2), ...(dependsOn ? { dependsOn } : {}) } });
        const listener = "aws:lb/listener:Listener::web-http";
        const association = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders::cluster-capacity";
        const d = diffSnapshots(web([listener, "aws:ecs/cluster:Cluster::c"]), web([association, listener]));
        assert.deepEqual(
            d.changed.map((c) => c.dependsOnChanged),
            [{ added: [association], removed: ["aws:ecs/cluster:Cluster::c"] }],
        );
        assert.match(
            renderDiffText(d),
            new RegExp(`~ aws:ecs/service:Service web-svc\n {6}waits for \\+ ${association}\n {6}waits for - aws:ecs/cluster:Cluster::c`),
        );
        assert.match(
            renderDiffMarkdown([{ diff: d, headCost: estimateCost([], loadPrices()) }], { base: "main", head: "pr" }),
            new RegExp(`- \`waits for \\+ ${association}\``),
        );
        assert.equal(
            renderDiffText(diffSnapshots(web([listener, association]), web([association, listener]))),
            "stack prod: no changes",
            "order means nothing",
        );
        assert.equal(renderDiffText(diffSnapshots(web(), web([association]))), "stack prod: no changes", "an old base says nothing about order");
    });

    it("reports no changes between identical snapshots", () => {
        const s = snap({ "aws:ecs/service:Service::web-svc": svc(2) });
        assert.equal(renderDiffText(diffSnapshots(s, s)), "stack prod: no changes");
    });

    it("renders Markdown for the PR comment: marker, per-stack counts and the cost delta", () => {
        const prices = loadPrices();
        const td = {
            type: "aws:ecs/taskDefinition:TaskDefinition",
            name: "web-task",
            parent: null,
            inputs: { cpu: "1024", memory: "2048", requiresCompatibilities: ["FARGATE"] },
        };
        const withTd = (n: number) =>
            snap({
                "aws:ecs/taskDefinition:TaskDefinition::web-task": td,
                "aws:ecs/service:Service::web-svc": {
                    ...svc(n),
                    inputs: { ...svc(n).inputs, taskDefinition: "arn:aws:ecs:eu-west-1:1:taskDefinition/web-task" },
                },
            });
        const [base, head] = [withTd(1), withTd(2)];
        const cost = (s: Snapshot) => estimateCost(Object.values(s.resources), prices);
        const md = renderDiffMarkdown([{ diff: diffSnapshots(base, head), baseCost: cost(base), headCost: cost(head) }], { base: "main", head: "pr" });
        assert.ok(md.startsWith(COMMENT_MARKER));
        const oneTask = 730 * (1 * 0.04048 + 2 * 0.004445);
        assert.match(
            md,
            new RegExp(`\\| prod \\| 0 \\| 1 \\| 0 \\| \\$${oneTask.toFixed(2)} → \\$${(2 * oneTask).toFixed(2)} \\| \\+\\$${oneTask.toFixed(2)} \\|`),
        );
        assert.match(md, /`desiredCount: 1 → 2`/);
        assert.match(md, /\| Fargate \| /);
    });

    it("keeps the comment under GitHub's 65,536-character limit", () => {
        const many: Record<string, Snapshot["resources"][string]> = {};
        for (let i = 0; i < 3000; i++)
            many[`aws:sns/topic:Topic::topic-with-a-long-name-${i}`] = {
                type: "aws:sns/topic:Topic",
                name: `topic-with-a-long-name-${i}`,
                parent: null,
                inputs: {},
            };
        const head = snap(many);
        const md = renderDiffMarkdown([{ diff: diffSnapshots(undefined, head), headCost: estimateCost(Object.values(head.resources), loadPrices()) }], {
            base: "main",
            head: "pr",
        });
        assert.ok(md.length < 65_536, String(md.length));
        assert.match(md, /truncated/);
    });

    describe("bases", () => {
        let dir: string;
        before(() => {
            dir = mkdtempSync(path.join(tmpdir(), "koronet-diff-"));
        });
        after(() => rmSync(dir, { recursive: true, force: true }));

        it("reads a base from a directory of snapshots, and a stack missing there as new", () => {
            writeFileSync(path.join(dir, "prod.yaml"), readFileSync(snapshotPath("prod"), "utf8"));
            assert.equal(readBaseSnapshot(dir, "prod")?.stack, "prod");
            assert.equal(readBaseSnapshot(dir, "dev"), undefined);
        });

        it("reads a base from a git ref, a stack without a snapshot at that ref as new", () => {
            assert.equal(readBaseSnapshot("HEAD", "no-such-stack"), undefined);
            assert.throws(() => readBaseSnapshot("no-such-ref-koronet", "prod"), /cannot read plan-snapshots\/prod\.yaml at no-such-ref-koronet/);
        });

        it("npm run plan:diff shows a changed service and its cost delta, offline", () => {
            const committed = parseSnapshot(readFileSync(snapshotPath("prod"), "utf8"));
            const id = "aws:ecs/service:Service::web-svc";
            const web = committed.resources[id];
            assert.ok(web, "prod snapshot has the web service");
            const count = Number(web.inputs.desiredCount);
            const base: Snapshot = {
                ...committed,
                resources: { ...committed.resources, [id]: { ...web, inputs: { ...web.inputs, desiredCount: count - 1 } } },
            };
            writeFileSync(path.join(dir, "prod.yaml"), renderSnapshot(base));
            const out = execFileSync(
                process.execPath,
                ["--import", "tsx", "scripts/plan-diff.ts", "--base", dir, "--head", "plan-snapshots", "--stack", "prod"],
                { cwd: PROJECT_ROOT, encoding: "utf8" },
            );
            assert.match(out, new RegExp(`\`desiredCount: ${count - 1} → ${count}\``));
            assert.match(out, /\| prod \| 0 \| 1 \| 0 \| \$[\d.]+ → \$[\d.]+ \| \+\$\d+\.\d\d \|/);
        });
    });
});
