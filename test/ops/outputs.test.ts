/**
 * How `verify` and `drill` get a stack's outputs: a saved file, or the Pulumi CLI when installed.
 * Bad or old outputs are named before any AWS call.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadStackOutputs, OutputsError, parseStackOutputs } from "../../ops/outputs";
import { stackGraph } from "../harness";

describe("stack outputs for verify and drill", function () {
    this.timeout(60_000);
    let dir: string;
    before(() => (dir = mkdtempSync(path.join(tmpdir(), "koronet-outputs-"))));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("reads what both stacks export (the program's outputs satisfy the schema)", async () => {
        for (const stack of ["dev", "prod"]) {
            const o = parseStackOutputs((await stackGraph(stack)).outputs, stack);
            assert.equal(o.verification.ecsServices["web"]?.serviceName, "web-svc");
            assert.ok(o.verification.grafana?.adminPasswordSecretArn.includes("grafana-admin-password"));
        }
    });

    it("reads a file saved with pulumi stack output --json", async () => {
        const file = path.join(dir, "prod.json");
        writeFileSync(file, JSON.stringify((await stackGraph("prod")).outputs));
        const o = await loadStackOutputs({ stack: "prod", file });
        assert.equal(o.clusterName, "cluster-ecs");
    });

    it("names every missing or malformed key (outputs of a deployment from before `verification`)", async () => {
        const old = { ...(await stackGraph("dev")).outputs, verification: undefined };
        assert.throws(
            () => parseStackOutputs(old, "outputs.json"),
            (e: unknown) =>
                e instanceof OutputsError && /^The outputs from outputs\.json are not what this command needs .*\n {2}- verification: /s.test(e.message),
        );
        const bad = { ...(await stackGraph("dev")).outputs, appUrl: "not a url" };
        assert.throws(() => parseStackOutputs(bad, "x"), /- appUrl: /);
    });

    it("says how to save the file when the Pulumi CLI is not installed, and names a file that is not JSON", async () => {
        await assert.rejects(
            loadStackOutputs({ stack: "dev", pulumi: "pulumi-not-installed-here" }),
            (e: unknown) =>
                e instanceof OutputsError &&
                /is not installed here: pass --outputs FILE, saved where it is with: pulumi stack output --json --stack dev > outputs\.json/.test(e.message),
        );
        const file = path.join(dir, "broken.json");
        writeFileSync(file, "Current stack outputs (3):");
        await assert.rejects(loadStackOutputs({ stack: "dev", file }), /is not JSON .*save it with: pulumi stack output --json --stack dev/);
    });
});
