/**
 * The AWS vocabularies and limits config/aws/ holds are the ones the program and the cost
 * estimate use: every physical name of a kind fits its table entry in the real plans, every
 * accepted type has a price, and the sizes the EC2 check assumes are the sizes the plan deploys.
 */
import { strict as assert } from "node:assert";
import { PROJECT } from "../../config";
import { EC2_INSTANCE_TYPES, isGravitonType } from "../../config/aws/ec2";
import { ELASTICACHE_NODE_TYPES, POSTGRES_VERSIONS, RDS_INSTANCE_CLASSES, REDIS_ENGINE_VERSIONS, reservedIdentifierReason } from "../../config/aws/datastores";
import { maxStackNameLength, NAME_RULES, stackNameProblems } from "../../config/aws/names";
import { hasHostBits, largestVpcPrefixFor, networkOf, parseCidr } from "../../config/aws/network";
import { REGIONS } from "../../config/aws/regions";
import { HOST_TASKS } from "../../config/host-tasks";
import { POSTGRES_IMAGES } from "../../components/datastores";
import { rdsMemoryBytes } from "../../components/alerting/targets";
import { loadPrices } from "../../scripts/cost";
import { stackGraph } from "../harness";

describe("configuration limits (config/aws/)", function () {
    this.timeout(60_000);

    describe("physical names built from the stack name", () => {
        for (const stack of ["dev", "prod"]) {
            it(`${stack}: every name of each kind in the plan is no longer than the table's longest (the table cannot fall behind)`, async () => {
                const g = await stackGraph(stack);
                for (const rule of NAME_RULES) {
                    const names = g
                        .ofType(rule.planned.type)
                        .map((r) => r.inputs[rule.planned.input])
                        .filter((v): v is string => typeof v === "string" && v.includes(stack));
                    const longest = rule.longest(PROJECT, stack);
                    const label = rule.what === "Cloud Map namespace DNS label" ? (n: string) => n.split(".")[0] as string : (n: string) => n;
                    for (const n of names) assert.ok(label(n).length <= longest.length, `${rule.what}: ${n} is longer than the table's ${longest}`);
                    assert.ok(rule.allowed.test(longest), `${rule.what}: ${longest} fits AWS's characters`);
                }
            });
        }

        it("the tightest limit sets the longest stack name: 26, from the ElastiCache group id (40)", () => {
            const { length, rule } = maxStackNameLength(PROJECT);
            assert.equal(length, 26);
            assert.equal(rule.what, "ElastiCache replication group id");
            assert.deepEqual(stackNameProblems(PROJECT, "a".repeat(26)), []);
            assert.equal(stackNameProblems(PROJECT, "a".repeat(27)).length, 1);
        });

        it("rejects names AWS identifiers cannot carry: uppercase, underscores, dots, double or edge hyphens", () => {
            for (const bad of ["Dev", "my_stack", "a.b", "a--b", "-a", "a-"]) assert.equal(stackNameProblems(PROJECT, bad).length, 1, bad);
            for (const good of ["dev", "prod", "staging", "eu-2", "team-a-dev"]) assert.deepEqual(stackNameProblems(PROJECT, good), [], good);
        });
    });

    describe("vocabularies", () => {
        const prices = loadPrices("eu-west-1");

        it("every accepted EC2 type, RDS class and ElastiCache node type has an eu-west-1 price (the estimate never shrinks silently)", () => {
            for (const t of Object.keys(EC2_INSTANCE_TYPES)) assert.ok(prices.ec2InstanceHour[t] !== undefined, `EC2 ${t}`);
            for (const c of Object.keys(RDS_INSTANCE_CLASSES)) assert.ok(prices.rds.postgres[c] !== undefined, `RDS ${c}`);
            for (const n of Object.keys(ELASTICACHE_NODE_TYPES)) assert.ok(prices.elasticacheNodeHour[n] !== undefined, `ElastiCache ${n}`);
            for (const a of ["X86_64", "ARM64"]) assert.ok(prices.fargate[a] !== undefined, `Fargate ${a}`);
        });

        it("only x86_64 EC2 types: the launch template boots the x86_64 ECS-optimised AMI", () => {
            for (const [t, facts] of Object.entries(EC2_INSTANCE_TYPES)) {
                assert.equal(facts.architecture, "x86_64", t);
                assert.equal(isGravitonType(t), false, t);
            }
        });

        it("recognises Graviton (arm64) types by AWS's naming: the g processor letter", () => {
            for (const t of ["t4g.medium", "m6g.large", "m6gd.xlarge", "c7gn.large", "r8g.large", "x2gd.large", "a1.large", "im4gn.large"])
                assert.equal(isGravitonType(t), true, t);
            for (const t of ["t3.medium", "m5.large", "g4dn.xlarge", "m7i-flex.large", "c6in.large", "inf2.xlarge"]) assert.equal(isGravitonType(t), false, t);
        });

        it("PostgreSQL versions are exactly those with a pinned ECS image; Redis versions are ElastiCache's 7.x", () => {
            assert.deepEqual([...POSTGRES_VERSIONS].sort(), Object.keys(POSTGRES_IMAGES).sort());
            assert.deepEqual([...REDIS_ENGINE_VERSIONS], ["7.0", "7.1"]);
        });

        it("the RDS alarms read memory from the same table config validates against", () => {
            for (const [c, { memoryGiB }] of Object.entries(RDS_INSTANCE_CLASSES)) assert.equal(rdsMemoryBytes(c), memoryGiB * 1024 ** 3);
        });

        it("every region offers at least two zones, and the committed stacks' region is one of them", () => {
            for (const [r, azs] of Object.entries(REGIONS)) assert.ok(azs >= 2, r);
            assert.equal(REGIONS["eu-west-1"], 3);
        });

        it("reserved identifiers: PostgreSQL key words, rdsadmin, rds_ and pg_ roles, template databases", () => {
            for (const u of ["user", "select", "all", "rdsadmin", "rds_admin", "pg_monitor"]) assert.ok(reservedIdentifierReason(u, "username"), u);
            for (const d of ["template0", "template1", "table"]) assert.ok(reservedIdentifierReason(d, "databaseName"), d);
            for (const ok of ["koronet", "app", "postgres"]) assert.equal(reservedIdentifierReason(ok, "username"), undefined, ok);
        });
    });

    describe("CIDR arithmetic", () => {
        it("finds host bits and network addresses", () => {
            const c = parseCidr("10.40.0.1/16");
            assert.ok(c && hasHostBits(c));
            assert.equal(c && networkOf(c), "10.40.0.0/16");
            assert.equal(hasHostBits(parseCidr("10.40.0.0/16") as NonNullable<typeof c>), false);
            assert.equal(parseCidr("10.0.0.0/33"), undefined);
            assert.equal(parseCidr("256.0.0.0/8"), undefined);
        });

        it("knows how large a VPC awsx needs for a public /22 and a private /20 per zone", () => {
            // One zone block must hold the /22 then the /20 aligned to its size: 8192 addresses (/19).
            assert.equal(largestVpcPrefixFor(1), 19);
            assert.equal(largestVpcPrefixFor(2), 18);
            assert.equal(largestVpcPrefixFor(3), 17);
            assert.equal(largestVpcPrefixFor(4), 17);
            assert.equal(largestVpcPrefixFor(6), 16);
        });
    });

    describe("the EC2 capacity check", () => {
        it("assumes the task sizes the plan gives Prometheus, node exporter and cAdvisor", async () => {
            const g = await stackGraph("dev");
            const size = (name: string) => {
                const td = g.one("aws:ecs/taskDefinition:TaskDefinition", name);
                return { cpu: Number(td.inputs.cpu), memory: Number(td.inputs.memory) };
            };
            assert.deepEqual(size("monitoring-prometheus-task"), HOST_TASKS.prometheus);
            assert.deepEqual(size("monitoring-node-exporter-task"), HOST_TASKS.nodeExporter);
            assert.deepEqual(size("monitoring-cadvisor-task"), HOST_TASKS.cadvisor);
        });
    });
});
