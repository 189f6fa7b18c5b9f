import { strict as assert } from "node:assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { keyOfUrn, runOffline, type PlannedResource } from "../../scripts/offline/run";

class Box extends pulumi.ComponentResource {
    public readonly inner: aws.sns.Topic;
    constructor(name: string, opts: pulumi.ComponentResourceOptions = {}) {
        super("test:box:Box", name, {}, opts);
        this.inner = new aws.sns.Topic(`${name}-a`, {}, { parent: this });
        new aws.sns.Topic(`${name}-b`, {}, { parent: this });
        this.registerOutputs({});
    }
}

/** A tiny program whose every kind of dependency is known in advance. */
async function program(): Promise<Record<string, unknown>> {
    const box = new Box("box");
    const key = new aws.kms.Key("key", {});
    const queue = new aws.sqs.Queue("queue", {});
    const alone = new aws.sns.Topic("alone", {});
    // Implied by inputs (one Output used directly, one through apply and pulumi.all), explicit on a component.
    new aws.sns.Topic(
        "dependent",
        {
            kmsMasterKeyId: key.arn,
            tags: { queue: pulumi.all([queue.url, queue.arn]).apply(([u]) => u) },
        },
        { dependsOn: [box] },
    );
    // Explicit on a custom resource, and an input from a component's child.
    new aws.sns.TopicSubscription("sub", { topic: box.inner.arn, protocol: "sqs", endpoint: queue.arn }, { dependsOn: [alone] });
    return {};
}

describe("offline plan: what each resource waits for (dependsOn)", function () {
    this.timeout(60_000);
    let plan: readonly PlannedResource[];
    const of = (name: string) => {
        const r = plan.find((x) => x.name === name);
        assert.ok(r, name);
        return r.dependsOn;
    };

    before(async () => {
        plan = (await runOffline("dev", { program })).resources;
    });

    // If a Pulumi SDK stops sending dependencies in its registration requests (or stops routing them
    // through pulumi.runtime.getMonitor()), these fail: the offline plan and the ordering rules would go blind.
    it("lists the resources behind every Output in the inputs, through apply and pulumi.all", () => {
        assert.ok(of("dependent").includes("aws:kms/key:Key::key"));
        assert.ok(of("dependent").includes("aws:sqs/queue:Queue::queue"));
    });

    it("lists explicit dependsOn, a component standing for its custom children (as the engine orders them)", () => {
        assert.deepEqual(of("dependent"), ["aws:kms/key:Key::key", "aws:sns/topic:Topic::box-a", "aws:sns/topic:Topic::box-b", "aws:sqs/queue:Queue::queue"]);
        assert.deepEqual(of("sub"), ["aws:sns/topic:Topic::alone", "aws:sns/topic:Topic::box-a", "aws:sqs/queue:Queue::queue"]);
    });

    it("is empty for a resource that waits for nothing, and never lists a resource itself", () => {
        assert.deepEqual(of("alone"), []);
        assert.deepEqual(of("box"), []);
        for (const r of plan) assert.ok(!r.dependsOn.includes(`${r.type}::${r.name}`));
    });

    it("names resources by the type::name of their URN, nested types and all", () => {
        assert.equal(keyOfUrn("urn:pulumi:dev::koronet::aws:sns/topic:Topic::alone"), "aws:sns/topic:Topic::alone");
        assert.equal(keyOfUrn("urn:pulumi:dev::koronet::koronet:cluster:Cluster$aws:ecs/cluster:Cluster::cluster-ecs"), "aws:ecs/cluster:Cluster::cluster-ecs");
        assert.equal(keyOfUrn("urn:pulumi:dev::koronet::a:b:C$d:e:F::odd::name"), "d:e:F::odd::name");
        assert.throws(() => keyOfUrn("aws:sns/topic:Topic::alone"), /not a Pulumi URN/);
    });
});
