/**
 * One logical name, one kind of resource (issue 16 item 4; the rule and why components are counted
 * as they are: components/common/kind-names.ts). Renames keep identity through aliases
 * (https://www.pulumi.com/docs/iac/concepts/options/aliases/); test/delivery/identity.test.ts holds
 * every URN deployed from main at 9d35bb4 to it.
 */
import { strict as assert } from "node:assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { kindName, kindNamed, unsuffixedName } from "../../components/common/kind-names";
import { compareIdentities } from "../../scripts/offline/identity";
import { runOffline } from "../../scripts/offline/run";
import { stackNames } from "../../scripts/offline/stack-file";

const isComponent = (type: string) => type.startsWith("koronet:");

/** Names that more than one custom resource type, or a custom resource and a component, share: name → types. */
function sharedNames(resources: readonly { readonly type: string; readonly name: string }[]): Record<string, string[]> {
    const types = new Map<string, Set<string>>();
    for (const r of resources) types.set(r.name, (types.get(r.name) ?? new Set()).add(r.type));
    const shared: Record<string, string[]> = {};
    for (const [name, set] of types) {
        const all = [...set].sort();
        const custom = all.filter((t) => !isComponent(t));
        if (custom.length > 1 || (custom.length === 1 && all.length > 1)) shared[name] = all;
    }
    return shared;
}

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

const SG = "aws:ec2/securityGroup:SecurityGroup";
const TG = "aws:lb/targetGroup:TargetGroup";

describe("kind suffixes: no logical name is shared by two kinds of resource", function () {
    this.timeout(120_000);

    for (const stack of stackNames()) {
        it(`${stack}: every name belongs to one custom resource type (components may share a name only with components)`, async () => {
            const run = await runOffline(stack);
            assert.deepEqual(
                sharedNames(run.resources),
                {},
                `${stack}: give the supporting resource its kind's suffix with kindNamed() (components/common/kind-names.ts)`,
            );
            // The rule is not vacuous: the parts still wrap their EcsService under their own name.
            assert.ok(run.resources.filter((r) => r.name === "monitoring-prometheus").length >= 2, `${stack}: expected the Prometheus part and its EcsService`);
        });
    }

    it("catches a name two custom types share, and a custom resource named like a component; not two components", async () => {
        const run = await runOffline("dev", {
            program: async () => {
                new aws.ec2.SecurityGroup("grafana", {});
                new aws.lb.TargetGroup("grafana", { port: 3000, protocol: "HTTP", vpcId: "vpc-1" });
                const part = new Box("prometheus");
                new aws.ec2.SecurityGroup("prometheus", {}, { parent: part });
                new Part("web", { parent: new Box("web") });
                return {};
            },
        });
        assert.deepEqual(sharedNames(run.resources), {
            grafana: [SG, TG],
            prometheus: [SG, "koronet:test:Box"],
        });
    });

    it("kindName derives the suffix from the kind", () => {
        assert.equal(kindName("web-alb", "securityGroup"), "web-alb-sg");
        assert.equal(kindName("web-task", "role"), "web-task-role");
        assert.equal(kindName("alerting-slack-webhook", "secretVersion"), "alerting-slack-webhook-version");
    });

    it("unsuffixedName gives the name a suffixed resource was deployed under, only for its own kind's suffix (what the policy graph resolves offline IDs by)", () => {
        assert.equal(unsuffixedName(SG, "web-alb-sg"), "web-alb");
        assert.equal(unsuffixedName("aws:iam/role:Role", "web-task-role"), "web-task");
        assert.equal(unsuffixedName(TG, "web-alb-sg"), undefined);
        assert.equal(unsuffixedName(SG, "web-tasks"), undefined);
    });

    it("kindNamed aliases the old name under the current parent and under every former parent the options carry", async () => {
        await runOffline("dev", {
            program: async () => {
                const former = new Box("alerting");
                const part = new Part("alerting-topics", { parent: former });
                const { name, opts } = kindNamed("alerting-x", "securityGroup", { parent: part, aliases: [{ parent: former }], protect: false });
                assert.equal(name, "alerting-x-sg");
                assert.deepEqual(opts.aliases, [{ name: "alerting-x" }, { parent: former, name: "alerting-x" }]);
                assert.equal(opts.parent, part);
                assert.equal(opts.protect, false);
                assert.throws(() => kindNamed("y", "role", { aliases: ["urn:pulumi:dev::koronet::aws:iam/role:Role::y"] }), /only plain alias specs/);
                return {};
            },
        });
    });

    it("a kind-suffixed rename keeps the deployed resource, its ID and auto-name; without the alias it is a replacement", async () => {
        const deployed = [
            "urn:pulumi:dev::koronet::koronet:test:Box$aws:ec2/securityGroup:SecurityGroup::web-alb",
            "urn:pulumi:dev::koronet::koronet:test:Box$aws:lb/targetGroup:TargetGroup::web-alb",
        ];
        const program = (withAlias: boolean) => async () => {
            const web = new Box("web");
            const sgName = withAlias
                ? kindNamed("web-alb", "securityGroup", { parent: web })
                : { name: kindName("web-alb", "securityGroup"), opts: { parent: web } };
            const sg = new aws.ec2.SecurityGroup(sgName.name, {}, sgName.opts);
            const tg = new aws.lb.TargetGroup("web-alb", { port: 80, protocol: "HTTP", vpcId: "vpc-1" }, { parent: web });
            new aws.lb.LoadBalancer("web-lb", { securityGroups: [sg.id], name: sg.name }, { parent: web, dependsOn: [tg] });
            return {};
        };
        const lbInputs = (run: Awaited<ReturnType<typeof runOffline>>) => run.resources.find((r) => r.name === "web-lb")?.inputs;

        const renamed = await runOffline("dev", { program: program(true) });
        assert.deepEqual(compareIdentities(deployed, renamed.identities), { unclaimed: [], claimedTwice: [], typeChanged: [] });
        assert.deepEqual(sharedNames(renamed.resources), {});
        // What AWS keeps for the aliased resource: its ID and its auto-name, both from the old logical name.
        assert.deepEqual(lbInputs(renamed), { securityGroups: ["web-alb-id"], name: "web-alb" });

        const unaliased = await runOffline("dev", { program: program(false) });
        assert.deepEqual(compareIdentities(deployed, unaliased.identities).unclaimed, [deployed[0]]);
        assert.deepEqual(lbInputs(unaliased), { securityGroups: ["web-alb-sg-id"], name: "web-alb-sg" });
    });
});
