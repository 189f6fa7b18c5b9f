import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { OfflineRun } from "../../scripts/offline/run";
import { PROJECT_ROOT } from "../../scripts/offline/stack-file";
import { diffSnapshots, renderDiffText } from "../../scripts/plan-diff";
import { knownStacks, parseSnapshot, renderSnapshot, SECRET_STAND_INS, snapshotPath, toSnapshot, UPDATE_COMMAND } from "../../scripts/snapshot";
import { stackGraph } from "../harness";

describe("offline plan snapshots (plan-snapshots/)", function () {
    this.timeout(60_000);

    it("cover every stack file", () => {
        assert.deepEqual(knownStacks(), ["dev", "prod"]);
    });

    for (const stack of knownStacks()) {
        it(`plan-snapshots/${stack}.yaml matches what the program deploys now`, async () => {
            const current = renderSnapshot(toSnapshot((await stackGraph(stack)).run));
            const file = snapshotPath(stack);
            const committed = existsSync(file) ? readFileSync(file, "utf8") : undefined;
            if (committed === current) return;
            const diff = diffSnapshots(committed === undefined ? undefined : parseSnapshot(committed), parseSnapshot(current));
            assert.fail(
                `${path.relative(PROJECT_ROOT, file)} is out of date: the resource graph of stack ${stack} changed.\n` +
                    `${renderDiffText(diff)}\n\n` +
                    `If the change is intended, run \`${UPDATE_COMMAND}\` and commit plan-snapshots/ with it.`,
            );
        });

        it(`the ${stack} snapshot holds no secret, only "[secret]" markers`, async () => {
            const text = renderSnapshot(toSnapshot((await stackGraph(stack)).run));
            for (const standIn of SECRET_STAND_INS) assert.ok(!text.includes(standIn), standIn);
            assert.match(text, /"\[secret\]"/);
        });

        it(`the ${stack} snapshot round-trips through its file format`, async () => {
            const snap = toSnapshot((await stackGraph(stack)).run);
            assert.deepEqual(parseSnapshot(renderSnapshot(snap)), JSON.parse(JSON.stringify(snap)));
        });
    }

    describe("normalisation", () => {
        const run = (inputs: Record<string, unknown>, extra: Partial<OfflineRun> = {}): OfflineRun => ({
            stack: "t",
            resources: [
                { type: "koronet:x:Thing", name: "b", parent: null, inputs: {}, dependsOn: [] },
                { type: "aws:x/y:Z", name: "child", parent: "koronet:x:Thing::b", inputs, dependsOn: ["aws:a/a:A::a"] },
                { type: "aws:a/a:A", name: "a", parent: null, inputs: {}, dependsOn: [] },
            ],
            outputs: {},
            identities: {},
            ...extra,
        });

        it("replaces build-dependent image tags and digests with placeholders", () => {
            const s = toSnapshot(
                run({
                    imageName: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-image-repo:1365f2b986a023d9",
                    containerDefinitions: JSON.stringify([
                        { image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:${"a".repeat(64)}` },
                        { image: "postgres:15.10-bookworm" },
                    ]),
                }),
            );
            const inputs = s.resources["aws:x/y:Z::child"]?.inputs as { imageName: string; containerDefinitions: { image: string }[] };
            assert.equal(inputs.imageName, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-image-repo:<tag>");
            assert.equal(inputs.containerDefinitions[0]?.image, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:<digest>");
            assert.equal(inputs.containerDefinitions[1]?.image, "postgres:15.10-bookworm", "a pinned public image version is a real change and stays");
        });

        it("drops asset hashes and sizes, keeps what the asset is", () => {
            const s = toSnapshot(run({ code: { asset: "string", bytes: 1234, sha256: "0123456789abcdef" }, sourceCodeHash: "abc=", handler: "index.handler" }));
            assert.deepEqual(s.resources["aws:x/y:Z::child"]?.inputs, { code: { asset: "string" }, handler: "index.handler" });
        });

        it("shows JSON documents and user data as structure with sorted keys", () => {
            const s = toSnapshot(run({ policy: '{"b":1,"a":{"d":2,"c":3}}', userData: Buffer.from("#!/bin/bash\necho hi\n").toString("base64") }));
            const inputs = s.resources["aws:x/y:Z::child"]?.inputs as Record<string, unknown>;
            assert.deepEqual(Object.keys(inputs), ["policy", "userData"]);
            assert.equal(JSON.stringify(inputs.policy), '{"a":{"c":3,"d":2},"b":1}');
            assert.equal(inputs.userData, "#!/bin/bash\necho hi\n");
        });

        it("orders resources as a tree with siblings sorted, whatever the registration order", () => {
            const a = toSnapshot(run({}));
            const reversed = run({});
            const b = toSnapshot({ ...reversed, resources: [...reversed.resources].reverse() });
            assert.deepEqual(Object.keys(a.resources), ["aws:a/a:A::a", "koronet:x:Thing::b", "aws:x/y:Z::child"]);
            assert.equal(renderSnapshot(a), renderSnapshot(b));
        });

        it("records what each resource waits for, and reads a snapshot written before dependsOn existed as unknown", () => {
            const text = renderSnapshot(toSnapshot(run({})));
            assert.match(text, /aws:x\/y:Z::child:\n {4}parent: koronet:x:Thing::b\n {4}dependsOn:\n {6}- aws:a\/a:A::a\n/);
            const old = parseSnapshot(text.replace(/ {4}dependsOn:(\n {6}- .*)*\n| {4}dependsOn: \[\]\n/g, ""));
            assert.equal(old.resources["aws:x/y:Z::child"]?.dependsOn, undefined);
            assert.throws(() => parseSnapshot(text.replace("- aws:a/a:A::a", "- { a: 1 }")), /dependsOn must be a list of type::name/);
        });

        it("refuses a snapshot that would contain a secret stand-in", () => {
            assert.throws(() => toSnapshot(run({ password: "offline-generated-password" })), /secret stand-in/);
        });

        it("tells the reader how to refresh the file", () => {
            assert.match(renderSnapshot(toSnapshot(run({}))), /^# .*\n# .*Refresh with: npm run plan:update\n/);
        });
    });
});
