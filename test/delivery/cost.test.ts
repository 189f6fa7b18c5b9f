import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { estimateCost, loadPrices, type CostReport, type CostResource } from "../../scripts/cost";
import { PROJECT_ROOT } from "../../scripts/offline/stack-file";
import { toSnapshot } from "../../scripts/snapshot";
import { stackGraph } from "../harness";

const prices = loadPrices("eu-west-1");
const H = prices.hoursPerMonth;
const r = (type: string, name: string, inputs: Record<string, unknown> = {}): CostResource => ({ type, name, inputs });
const total = (resources: CostResource[]): number => estimateCost(resources, prices).total;
const category = (report: CostReport, c: string): number => report.byCategory[c] ?? 0;
const near = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 0.011, `${actual} ≈ ${expected}`);

const rds = (multiAz: boolean) =>
    r("aws:rds/instance:Instance", "db", { engine: "postgres", instanceClass: "db.r6g.large", multiAz, allocatedStorage: 100, storageType: "gp3" });
const vpc = (strategy: string, azs: number) => r("awsx:ec2:Vpc", "vpc", { natGateways: { strategy }, numberOfAvailabilityZones: azs });
const fargateTask = r("aws:ecs/taskDefinition:TaskDefinition", "web-task", { cpu: "512", memory: "1024", requiresCompatibilities: ["FARGATE"] });
const service = (inputs: Record<string, unknown>) =>
    r("aws:ecs/service:Service", "web-svc", { taskDefinition: "arn:aws:ecs:eu-west-1:123456789012:taskDefinition/web-task", ...inputs });

describe("cost estimate (npm run plan -- --cost)", function () {
    this.timeout(60_000);

    describe("price table cost/prices-eu-west-1.json", () => {
        it("states its region, currency, date and a source per service", () => {
            assert.equal(prices.region, "eu-west-1");
            assert.equal(prices.currency, "USD");
            assert.match(prices.pricesTakenOn, /^\d{4}-\d{2}-\d{2}$/);
            for (const s of [
                "fargate",
                "ec2",
                "vpc",
                "elb",
                "rds",
                "elasticache",
                "efs",
                "cloudwatch",
                "sns",
                "lambda",
                "secretsManager",
                "kms",
                "dynamodb",
                "amp",
            ])
                assert.match(prices.sources[s] ?? "", /^https:\/\/aws\.amazon\.com\//, s);
        });
    });

    describe("models", () => {
        it("Multi-AZ doubles RDS instance hours and storage", () => {
            const single = total([rds(false)]);
            near(single, 0.247 * H + 100 * 0.127);
            near(total([rds(true)]), 2 * single);
        });

        it("NAT gateways: OnePerAz runs one per AZ, Single one, None none", () => {
            const nat = (s: string, azs: number) => category(estimateCost([vpc(s, azs)], prices), "NAT gateways");
            const fixed = prices.natGateway.hour * H + prices.publicIpv4Hour * H;
            const data = prices.assumptions.natProcessedGbPerStack!.value * prices.natGateway.gbProcessed;
            near(nat("OnePerAz", 3), 3 * fixed + data);
            near(nat("OnePerAz", 2), 2 * fixed + data);
            near(nat("Single", 3), fixed + data);
            assert.equal(nat("None", 3), 0);
        });

        it("awsx's default NAT strategy is OnePerAz over 3 AZs", () => {
            const fixed = prices.natGateway.hour * H + prices.publicIpv4Hour * H;
            near(
                category(estimateCost([r("awsx:ec2:Vpc", "vpc")], prices), "NAT gateways"),
                3 * fixed + prices.assumptions.natProcessedGbPerStack!.value * prices.natGateway.gbProcessed,
            );
        });

        it("Fargate: desired count × (vCPU + GB) hours, ARM at the ARM rate", () => {
            near(
                total([fargateTask, service({ desiredCount: 3, capacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1 }] })]),
                3 * H * (0.5 * 0.04048 + 1 * 0.004445),
            );
            const arm = { ...fargateTask, inputs: { ...fargateTask.inputs, runtimePlatform: { cpuArchitecture: "ARM64" } } };
            near(total([arm, service({ desiredCount: 1, launchType: "FARGATE" })]), H * (0.5 * 0.03238 + 1 * 0.00356));
        });

        it("DAEMON services and services on the EC2 capacity provider cost nothing beyond the instances", () => {
            const daemon = service({ schedulingStrategy: "DAEMON", capacityProviderStrategies: [{ capacityProvider: "cluster-ec2", weight: 1 }] });
            const onEc2 = service({ desiredCount: 4, capacityProviderStrategies: [{ capacityProvider: "cluster-ec2", weight: 1 }] });
            assert.equal(total([fargateTask, daemon]), 0);
            assert.equal(total([fargateTask, onEc2]), 0);
            const lt = r("aws:ec2/launchTemplate:LaunchTemplate", "nodes", {
                instanceType: "t3.large",
                blockDeviceMappings: [{ ebs: { volumeSize: 100, volumeType: "gp3" } }],
            });
            const asg = r("aws:autoscaling/group:Group", "nodes", { minSize: 2, maxSize: 4, launchTemplate: { id: "nodes-id" } });
            const withInstances = estimateCost([fargateTask, daemon, lt, asg], prices);
            near(category(withInstances, "EC2 instances"), 2 * 0.0912 * H);
            near(category(withInstances, "EBS"), 2 * 100 * 0.088);
            near(withInstances.total, 2 * 0.0912 * H + 2 * 100 * 0.088);
        });

        it("ElastiCache: node hours × nodes", () => {
            near(total([r("aws:elasticache/replicationGroup:ReplicationGroup", "redis", { nodeType: "cache.r7g.large", numCacheClusters: 2 })]), 2 * 0.243 * H);
            near(
                total([
                    r("aws:elasticache/replicationGroup:ReplicationGroup", "redis", { nodeType: "cache.t4g.small", numNodeGroups: 2, replicasPerNodeGroup: 1 }),
                ]),
                4 * 0.036 * H,
            );
        });

        it("CloudWatch alarms by kind: standard, high resolution, metric math per metric, anomaly band, composite", () => {
            const alarm = (inputs: Record<string, unknown>) => total([r("aws:cloudwatch/metricAlarm:MetricAlarm", "a", inputs)]);
            near(alarm({ namespace: "AWS/ECS", metricName: "CPUUtilization", period: 60 }), 0.1);
            near(alarm({ namespace: "AWS/ECS", metricName: "CPUUtilization", period: 10 }), 0.3);
            const m = (id: string) => ({ id, metric: { namespace: "AWS/ApplicationELB", metricName: id, period: 60, stat: "Sum" } });
            near(alarm({ metricQueries: JSON.stringify([m("a"), m("b"), { id: "e", expression: "a/b", returnData: true }]) }), 0.2);
            near(alarm({ metricQueries: [m("a"), { id: "band", expression: "ANOMALY_DETECTION_BAND(a, 2)" }], thresholdMetricId: "band" }), 0.3);
            near(total([r("aws:cloudwatch/compositeAlarm:CompositeAlarm", "c")]), 0.5);
        });

        it("counts custom metrics from metric filters, custom-namespace alarms and app-metrics sidecars", () => {
            const report = estimateCost(
                [
                    r("aws:cloudwatch/logMetricFilter:LogMetricFilter", "errors", { metricTransformation: { namespace: "Koronet/Logs", name: "Errors" } }),
                    r("aws:cloudwatch/metricAlarm:MetricAlarm", "hb", { namespace: "Koronet/Alerting", metricName: "WatchdogHeartbeat", period: 60 }),
                    r("aws:ecs/taskDefinition:TaskDefinition", "web-task", {
                        containerDefinitions: JSON.stringify([{ name: "web" }, { name: "app-metrics" }]),
                    }),
                ],
                prices,
            );
            near(category(report, "CloudWatch metrics"), (2 + prices.assumptions.appMetricsEmf!.value) * 0.3);
        });

        it("prices dashboards, log groups, SNS, Lambda, secrets, KMS keys, DynamoDB and AMP", () => {
            const report = estimateCost(
                [
                    r("aws:cloudwatch/dashboard:Dashboard", "d"),
                    r("aws:cloudwatch/logGroup:LogGroup", "l", { retentionInDays: 30 }),
                    r("aws:sns/topic:Topic", "t"),
                    r("aws:lambda/function:Function", "f", { memorySize: 256 }),
                    r("aws:secretsmanager/secret:Secret", "s"),
                    r("aws:kms/key:Key", "k"),
                    r("aws:dynamodb/table:Table", "dd", { billingMode: "PAY_PER_REQUEST" }),
                    r("aws:amp/workspace:Workspace", "amp"),
                ],
                prices,
            );
            for (const c of ["CloudWatch dashboards", "CloudWatch Logs", "SNS", "Lambda", "Secrets Manager", "KMS", "DynamoDB", "Managed Prometheus"])
                assert.ok(category(report, c) > 0, c);
            near(category(report, "CloudWatch dashboards"), 3);
            near(category(report, "Secrets Manager"), 0.4);
            near(category(report, "KMS"), 1);
            assert.deepEqual(report.notPriced, []);
        });

        it("shows unknown types as 'not priced', never as free; an unpriced size fails the estimate (it would shrink the total)", () => {
            const report = estimateCost(
                [r("aws:opensearch/domain:Domain", "search"), r("aws:iam/role:Role", "role"), r("koronet:service:MonitoredService", "web")],
                prices,
            );
            assert.deepEqual(
                report.notPriced.map((n) => `${n.type} ${n.name}`),
                ["aws:opensearch/domain:Domain search"],
            );
            assert.deepEqual(report.free, { "aws:iam/role:Role": 1, "koronet:service:MonitoredService": 1 });
            assert.equal(report.total, 0);
            assert.throws(
                () => estimateCost([r("aws:rds/instance:Instance", "db", { engine: "postgres", instanceClass: "db.x2g.16xlarge" })], prices),
                /no price for RDS postgres instance class db\.x2g\.16xlarge/,
            );
        });
    });

    describe("the stacks", () => {
        for (const stack of ["dev", "prod"]) {
            it(`${stack}: every resource is priced, free by a named rule, or listed as not priced`, async () => {
                const { run } = await stackGraph(stack);
                const report = estimateCost(run.resources, prices);
                const accounted = new Set([...report.lines.map((l) => `${l.type}::${l.name}`), ...report.notPriced.map((n) => `${n.type}::${n.name}`)]);
                const freeCount = Object.values(report.free).reduce((s, n) => s + n, 0);
                const unaccounted = run.resources.filter((x) => !accounted.has(`${x.type}::${x.name}`) && !(x.type in report.free));
                assert.deepEqual(
                    unaccounted.map((x) => `${x.type} ${x.name}`),
                    [],
                );
                assert.ok(freeCount + accounted.size >= run.resources.length - 1);
                assert.ok(report.total > 0);
            });

            it(`${stack}: the estimate from the committed snapshot format equals the live one (PR cost deltas are exact)`, async () => {
                const { run } = await stackGraph(stack);
                const fromSnapshot = estimateCost(Object.values(toSnapshot(run).resources), prices);
                assert.deepEqual(fromSnapshot, estimateCost(run.resources, prices));
            });
        }

        it("prod (Multi-AZ RDS, ElastiCache, a NAT gateway per AZ) costs more than dev", async () => {
            const [dev, prod] = await Promise.all([stackGraph("dev"), stackGraph("prod")]);
            const d = estimateCost(dev.run.resources, prices);
            const p = estimateCost(prod.run.resources, prices);
            assert.ok(p.total > d.total);
            assert.ok(category(p, "RDS") > 0 && category(d, "RDS") === 0);
            assert.ok(category(p, "NAT gateways") > 2 * category(d, "NAT gateways"));
        });

        it("npm run plan -- --stack dev --cost prints the total, the lines, what is not priced and the assumptions", () => {
            const out = execFileSync(process.execPath, ["--import", "tsx", "scripts/plan.ts", "--stack", "dev", "--cost"], {
                cwd: PROJECT_ROOT,
                encoding: "utf8",
            });
            assert.match(out, /^Estimated monthly cost of stack dev: \$\d+\.\d\d \(USD, eu-west-1 list prices of \d{4}-\d{2}-\d{2}\)/);
            assert.match(out, /\nNAT gateways: \$/);
            assert.match(out, /\nNot priced \(\d+\):/);
            assert.match(out, /\nAssumptions:\n {2}- 730 hours a month/);
        });
    });
});
