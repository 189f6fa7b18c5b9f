/**
 * Moving a resource under a new parent (or renaming it) changes its URN, and `pulumi up` deletes what
 * no resource claims by URN or alias (https://www.pulumi.com/docs/iac/concepts/options/aliases/).
 * `fixtures/deployed-urns/<stack>.txt` freezes the URNs of each stack as deployed from main at
 * 9d35bb4 (before the components were split into parts, issue 16): every one must still be claimed
 * by exactly one resource of the same type. A resource deleted on purpose is removed from the
 * fixture in the same commit; new resources need no entry. Regenerate a fixture only for a stack
 * that is redeployed from scratch: `npm run plan -- --stack <s> --urns > test/delivery/fixtures/deployed-urns/<s>.txt`.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { compareIdentities, newUrn } from "../../scripts/offline/identity";
import { runOffline } from "../../scripts/offline/run";
import { stackNames } from "../../scripts/offline/stack-file";

const fixture = (stack: string) =>
    readFileSync(path.join(__dirname, "fixtures", "deployed-urns", `${stack}.txt`), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("urn:"));

class Box extends pulumi.ComponentResource {
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("koronet:test:Box", name, {}, opts);
    }
}

class Part extends pulumi.ComponentResource {
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("koronet:test:Part", name, {}, opts);
    }
}

describe("resource identity: pulumi up on a deployed stack replaces and deletes nothing (aliases)", function () {
    this.timeout(120_000);

    it("computes URNs as the engine does: the parent's whole qualified type, never the stack's", () => {
        assert.equal(newUrn("dev", "koronet", undefined, "aws:sns/topic:Topic", "t"), "urn:pulumi:dev::koronet::aws:sns/topic:Topic::t");
        assert.equal(
            newUrn("dev", "koronet", "urn:pulumi:dev::koronet::pulumi:pulumi:Stack::koronet-dev", "aws:sns/topic:Topic", "t"),
            "urn:pulumi:dev::koronet::aws:sns/topic:Topic::t",
        );
        assert.equal(
            newUrn("dev", "koronet", "urn:pulumi:dev::koronet::a:b:A$c:d:C::inner", "aws:sns/topic:Topic", "t"),
            "urn:pulumi:dev::koronet::a:b:A$c:d:C$aws:sns/topic:Topic::t",
        );
    });

    it("a component moved under a new parent keeps its children's identities through one alias; without it, each is deleted", async () => {
        const program = (withAlias: boolean) => async () => {
            const parent = new Box("parts");
            const moved = new Box("alerting", { parent, aliases: withAlias ? [{ parent: pulumi.rootStackResource }] : [] });
            new aws.sns.Topic("alerting-critical", {}, { parent: moved });
            return {};
        };
        const before = [
            "urn:pulumi:dev::koronet::koronet:test:Box::alerting",
            "urn:pulumi:dev::koronet::koronet:test:Box$aws:sns/topic:Topic::alerting-critical",
        ];
        const moved = await runOffline("dev", { program: program(true) });
        assert.equal(
            moved.identities["aws:sns/topic:Topic::alerting-critical"]?.urn,
            "urn:pulumi:dev::koronet::koronet:test:Box$koronet:test:Box$aws:sns/topic:Topic::alerting-critical",
        );
        assert.deepEqual(compareIdentities(before, moved.identities), { unclaimed: [], claimedTwice: [], typeChanged: [] });
        const broken = await runOffline("dev", { program: program(false) });
        assert.deepEqual(compareIdentities(before, broken.identities).unclaimed, before);
    });

    it("a resource moved into a new part under its old parent keeps its identity through its own alias { parent: old }; an alias on the part cannot", async () => {
        const before = ["urn:pulumi:dev::koronet::koronet:test:Box$aws:sns/topic:Topic::alerting-critical"];
        const program = (where: "child" | "part") => async () => {
            const alerting = new Box("alerting");
            const part = new Part("alerting-topics", { parent: alerting, aliases: where === "part" ? [{ parent: pulumi.rootStackResource }] : [] });
            new aws.sns.Topic("alerting-critical", {}, { parent: part, aliases: where === "child" ? [{ parent: alerting }] : [] });
            return {};
        };
        assert.deepEqual(compareIdentities(before, (await runOffline("dev", { program: program("child") })).identities), {
            unclaimed: [],
            claimedTwice: [],
            typeChanged: [],
        });
        assert.deepEqual(compareIdentities(before, (await runOffline("dev", { program: program("part") })).identities).unclaimed, before);
    });

    it("a renamed resource is a replacement unless aliased by name; another type under the old URN is a replacement", async () => {
        const renamed = await runOffline("dev", {
            program: async () => {
                new aws.sns.Topic("critical-topic", {}, { aliases: [{ name: "critical" }] });
                return {};
            },
        });
        assert.deepEqual(compareIdentities(["urn:pulumi:dev::koronet::aws:sns/topic:Topic::critical"], renamed.identities).unclaimed, []);
        const retyped = compareIdentities(["urn:pulumi:dev::koronet::aws:sns/topic:Topic::critical"], {
            q: { urn: "urn:pulumi:dev::koronet::aws:sqs/queue:Queue::critical-q", aliases: ["urn:pulumi:dev::koronet::aws:sns/topic:Topic::critical"] },
        });
        assert.equal(retyped.typeChanged.length, 1);
    });

    for (const stack of stackNames()) {
        it(`${stack}: every URN deployed from main at 9d35bb4 is claimed by exactly one resource of its type`, async () => {
            const deployed = fixture(stack);
            assert.ok(deployed.length > 200, `fixture for ${stack} looks empty (${deployed.length} URNs)`);
            const report = compareIdentities(deployed, (await runOffline(stack)).identities);
            assert.deepEqual(
                report,
                { unclaimed: [], claimedTwice: [], typeChanged: [] },
                `pulumi up would delete or replace these on ${stack}: add aliases (see the comment at the top of this file)`,
            );
        });
    }
});
