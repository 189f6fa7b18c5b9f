/**
 * `EcsService` puts a new component between a service's resources and the component that made them.
 * The engine's alias rules (scripts/offline/identity.ts) decide what that takes: an alias on the new
 * component renames only the component's own URN, under which its children never were; each moved
 * resource needs its own alias to the old parent (`moved()`), which `ecsService(name, args, parent)`
 * gives every resource it makes. The real stacks are held to it in test/delivery/identity.test.ts.
 */
import { strict as assert } from "node:assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { moved } from "../../components/common";
import { compareIdentities } from "../../scripts/offline/identity";
import { runOffline } from "../../scripts/offline/run";

class Box extends pulumi.ComponentResource {
    constructor(type: string, name: string, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
    }
}

const before = [
    "urn:pulumi:dev::koronet::koronet:test:Service::web",
    "urn:pulumi:dev::koronet::koronet:test:Service$aws:cloudwatch/logGroup:LogGroup::web-logs",
];

describe("EcsService: a component inserted between a service's resources and their old parent", function () {
    this.timeout(60_000);

    it("an alias on the inserted component alone leaves its children unclaimed (pulumi up would replace them)", async () => {
        const run = await runOffline("dev", {
            program: async () => {
                const service = new Box("koronet:test:Service", "web");
                const ecs = new Box("koronet:common:EcsService", "web", { parent: service, aliases: [{ parent: service }] });
                new aws.cloudwatch.LogGroup("web-logs", {}, { parent: ecs });
                return {};
            },
        });
        assert.deepEqual(compareIdentities(before, run.identities).unclaimed, [before[1]]);
    });

    it("an alias to the old parent on each moved resource (moved()) keeps every identity", async () => {
        const run = await runOffline("dev", {
            program: async () => {
                const service = new Box("koronet:test:Service", "web");
                const ecs = new Box("koronet:common:EcsService", "web", { parent: service });
                new aws.cloudwatch.LogGroup("web-logs", {}, moved(ecs, service));
                return {};
            },
        });
        assert.equal(
            run.identities["aws:cloudwatch/logGroup:LogGroup::web-logs"]?.urn,
            "urn:pulumi:dev::koronet::koronet:test:Service$koronet:common:EcsService$aws:cloudwatch/logGroup:LogGroup::web-logs",
        );
        assert.deepEqual(compareIdentities(before, run.identities), { unclaimed: [], claimedTwice: [], typeChanged: [] });
    });

    it("a moved resource keeps its identity only under its old name: renamed, it is unclaimed", async () => {
        const run = await runOffline("dev", {
            program: async () => {
                const service = new Box("koronet:test:Service", "web");
                const ecs = new Box("koronet:common:EcsService", "web", { parent: service });
                new aws.cloudwatch.LogGroup("web-log-group", {}, moved(ecs, service));
                return {};
            },
        });
        assert.deepEqual(compareIdentities(before, run.identities).unclaimed, [before[1]]);
    });
});
