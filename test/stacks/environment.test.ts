import * as aws from "@pulumi/aws";
import { strict as assert } from "node:assert";
import { graphWith, parseJson, stackGraph, type Graph } from "../harness";
import { parseStackConfig } from "../../config";
import { readStackConfig } from "../../scripts/offline/stack-file";
import { environmentWarnings } from "../../stacks/environment";
import { validateServiceArgs } from "../../components/service";

const CLUSTER = "aws:ecs/cluster:Cluster";

interface SgRule {
    protocol: string;
    fromPort: number;
    toPort: number;
    cidrBlocks?: string[];
    securityGroups?: string[];
}

for (const stack of ["dev", "prod"] as const) {
    describe(`${stack} stack graph`, () => {
        let g: Graph;
        before(async () => {
            g = await stackGraph(stack);
        });

        it("has one ECS cluster with Container Insights", () => {
            const cluster = g.one(CLUSTER);
            assert.deepEqual(cluster.inputs.settings, [{ name: "containerInsights", value: "enhanced" }]);
        });

        it("offers Fargate by default and an EC2 capacity provider of ECS-optimized instances", () => {
            const cps = g.one(aws.ecs.ClusterCapacityProviders);
            assert.deepEqual((cps.inputs.capacityProviders as string[]).slice(0, 2), ["FARGATE", "FARGATE_SPOT"]);
            assert.equal((cps.inputs.capacityProviders as string[]).length, 3);
            assert.deepEqual(cps.inputs.defaultCapacityProviderStrategies, [{ capacityProvider: "FARGATE", weight: 1, base: 0 }]);
            const lt = g.one(aws.ec2.LaunchTemplate);
            assert.match(String(lt.inputs.imageId), /^resolve:ssm:\/aws\/service\/ecs\/optimized-ami\//);
            assert.equal((lt.inputs.metadataOptions as { httpTokens: string }).httpTokens, "required");
            const cp = g.one(aws.ecs.CapacityProvider);
            assert.equal((cp.inputs.autoScalingGroupProvider as { managedTerminationProtection: string }).managedTerminationProtection, "ENABLED");
            assert.equal(g.one(aws.autoscaling.Group).inputs.protectFromScaleIn, true);
        });

        it("runs the web server on Fargate, port 3000 behind the load balancer, metrics on 9464, in private subnets", () => {
            const svc = g.one(aws.ecs.Service, "web-svc");
            assert.deepEqual(svc.inputs.capacityProviderStrategies, [{ capacityProvider: "FARGATE", weight: 1, base: 0 }]);
            assert.equal((svc.inputs.networkConfiguration as { assignPublicIp: boolean }).assignPublicIp, false);
            assert.deepEqual(
                (svc.inputs.networkConfiguration as { subnets: string[] }).subnets.every((s) => s.includes("private")),
                true,
            );
            assert.deepEqual(svc.inputs.loadBalancers, [
                { targetGroupArn: (svc.inputs.loadBalancers as { targetGroupArn: string }[])[0]?.targetGroupArn, containerName: "web", containerPort: 3000 },
            ]);
            const web = g.containers(g.taskDefinitionOf(svc)).find((c) => c.name === "web");
            assert.deepEqual(web?.portMappings, [
                { containerPort: 3000, name: "http" },
                { containerPort: 9464, name: "metrics" },
            ]);
            const tg = g.one(aws.lb.TargetGroup, "web-targets");
            assert.equal(tg.inputs.port, 3000);
            assert.equal(tg.inputs.targetType, "ip");
            // Liveness: a dependency outage must not make ECS replace every task (see config/defaults.ts).
            assert.equal((tg.inputs.healthCheck as { path: string }).path, "/healthz");
            const alb = g.one(aws.lb.LoadBalancer, "web-alb");
            assert.equal(alb.inputs.internal, false);
            assert.ok((alb.inputs.subnets as string[]).every((s) => s.includes("public")));
            assert.equal(alb.inputs.dropInvalidHeaderFields, true);
        });

        it("[F5] deploys with a circuit breaker that rolls back, on every ECS service", () => {
            for (const svc of g.ofType(aws.ecs.Service)) {
                assert.deepEqual(svc.inputs.deploymentCircuitBreaker, { enable: true, rollback: true }, svc.name);
            }
        });

        it("scales the web server on CPU between its min and max", () => {
            const target = g.one(aws.appautoscaling.Target);
            const policy = g.one(aws.appautoscaling.Policy);
            assert.equal(target.inputs.scalableDimension, "ecs:service:DesiredCount");
            assert.match(String(target.inputs.resourceId), /^service\/[^/]+\/web-svc$/);
            const tt = policy.inputs.targetTrackingScalingPolicyConfiguration as { predefinedMetricSpecification: { predefinedMetricType: string } };
            assert.equal(tt.predefinedMetricSpecification.predefinedMetricType, "ECSServiceAverageCPUUtilization");
        });

        it("gives every log group a retention and the platform KMS key", () => {
            const groups = g.ofType(aws.cloudwatch.LogGroup);
            assert.ok(groups.length >= 1);
            for (const lg of groups) {
                assert.ok(typeof lg.inputs.retentionInDays === "number" && lg.inputs.retentionInDays > 0, lg.name);
                assert.match(String(lg.inputs.kmsKeyId), /^arn:aws:kms:/, lg.name);
            }
        });

        it("passes credentials to containers only as ECS secrets (or as a secret's ARN the task role reads)", () => {
            for (const td of g.ofType(aws.ecs.TaskDefinition)) {
                for (const c of g.containers(td)) {
                    for (const env of c.environment ?? []) {
                        if (/^arn:aws:secretsmanager:/.test(String(env.value))) continue;
                        assert.doesNotMatch(env.name, /PASSWORD|TOKEN|SECRET|KEY/i, `${td.name}/${c.name} has ${env.name} in plain env`);
                        assert.doesNotMatch(String(env.value), /:\/\/[^/@]*:[^/@]*@/, `${td.name}/${c.name} ${env.name} embeds credentials`);
                    }
                    for (const s of c.secrets ?? []) assert.match(String(s.valueFrom), /^arn:aws:(secretsmanager|ssm):/);
                }
            }
            const web = g.containers(g.one(aws.ecs.TaskDefinition, "web-task")).find((c) => c.name === "web");
            assert.deepEqual(
                web?.secrets?.map((s) => s.name),
                ["REDIS_PASSWORD"],
            );
        });

        it("hardens containers: not privileged, read-only root filesystem, non-root web server", () => {
            for (const td of g.ofType(aws.ecs.TaskDefinition)) {
                for (const c of g.containers(td)) {
                    assert.equal(c.privileged, false, `${td.name}/${c.name}`);
                }
            }
            const web = g.containers(g.one(aws.ecs.TaskDefinition, "web-task")).find((c) => c.name === "web");
            assert.equal(web?.readonlyRootFilesystem, true);
            assert.equal(web?.user, "1000:1000");
        });

        it("admits 0.0.0.0/0 only to the load balancers' 80/443", () => {
            for (const sg of g.ofType(aws.ec2.SecurityGroup)) {
                for (const rule of (sg.inputs.ingress as SgRule[] | undefined) ?? []) {
                    if (rule.cidrBlocks?.includes("0.0.0.0/0")) {
                        assert.ok(["web-alb-sg", "monitoring-grafana-alb-sg"].includes(sg.name), `${sg.name} is open to the world`);
                        assert.ok([80, 443].includes(rule.fromPort) && rule.fromPort === rule.toPort, `${sg.name} opens ${rule.fromPort}-${rule.toPort}`);
                    }
                }
            }
        });

        it("lets only the web server and its exporter reach PostgreSQL 5432 and Redis 6379", () => {
            const rules = g.ofType(aws.vpc.SecurityGroupIngressRule).filter((r) => r.name.startsWith("data-"));
            const webSg = "web-tasks-id";
            const pg = rules.filter((r) => r.inputs.securityGroupId === "data-postgres-id");
            const redis = rules.filter((r) => r.inputs.securityGroupId === "data-redis-id");
            assert.deepEqual(
                pg.map((r) => [r.inputs.fromPort, r.inputs.referencedSecurityGroupId]),
                [
                    [5432, webSg],
                    [5432, "monitoring-postgres-exporter-id"],
                ],
            );
            assert.deepEqual(
                redis.map((r) => [r.inputs.fromPort, r.inputs.referencedSecurityGroupId]),
                [
                    [6379, webSg],
                    [6379, "monitoring-redis-exporter-id"],
                ],
            );
            for (const name of ["data-postgres", "data-redis"]) {
                assert.equal(g.one(aws.ec2.SecurityGroup, `${name}-sg`).inputs.ingress, undefined, `${name} has no inline ingress`);
            }
        });

        it("reads only VPC outputs the mocked awsx component defines", () => {
            const vpc = g.one("awsx:ec2:Vpc");
            assert.equal(vpc.parent, "koronet:network:Network::network");
            for (const sn of g.ofType(aws.ecs.Service).flatMap((s) => (s.inputs.networkConfiguration as { subnets?: string[] } | undefined)?.subnets ?? [])) {
                assert.match(sn, /^subnet-/);
            }
            assert.ok((g.one(aws.lb.LoadBalancer, "web-alb").inputs.subnets as string[]).length >= 2);
        });

        it("exports what operators need", () => {
            for (const k of ["appUrl", "clusterName", "serviceName", "webLogGroup", "postgresHost", "redisHost"]) assert.ok(g.outputs[k], k);
            assert.match(String(g.outputs.appUrl), /^http/);
        });
    });
}

describe("dev vs prod", () => {
    it("dev: 2 AZs with one NAT gateway; prod: 3 AZs with a NAT gateway per AZ", async () => {
        const dev = (await stackGraph("dev")).one("awsx:ec2:Vpc").inputs;
        const prod = (await stackGraph("prod")).one("awsx:ec2:Vpc").inputs;
        assert.equal(dev.numberOfAvailabilityZones, 2);
        assert.deepEqual(dev.natGateways, { strategy: "Single" });
        assert.equal(prod.numberOfAvailabilityZones, 3);
        assert.deepEqual(prod.natGateways, { strategy: "OnePerAz" });
    });

    it("sizes the web server per environment", async () => {
        const dev = (await stackGraph("dev")).one(aws.ecs.TaskDefinition, "web-task").inputs;
        const prod = (await stackGraph("prod")).one(aws.ecs.TaskDefinition, "web-task").inputs;
        assert.deepEqual([dev.cpu, dev.memory], ["256", "512"]);
        assert.deepEqual([prod.cpu, prod.memory], ["512", "1024"]);
        assert.equal((await stackGraph("prod")).one(aws.ecs.Service, "web-svc").inputs.desiredCount, 3);
        assert.equal((await stackGraph("prod")).one(aws.appautoscaling.Target).inputs.minCapacity, 3);
    });

    it("dev runs PostgreSQL and Redis as ECS services on 5432/6379, discovered through Cloud Map", async () => {
        const g = await stackGraph("dev");
        assert.equal(g.ofType(aws.rds.Instance).length, 0);
        assert.equal(g.ofType(aws.elasticache.ReplicationGroup).length, 0);
        const pg = g.one(aws.ecs.Service, "data-postgres-svc");
        const redis = g.one(aws.ecs.Service, "data-redis-svc");
        assert.deepEqual(g.containers(g.taskDefinitionOf(pg))[0]?.portMappings, [{ containerPort: 5432, name: "postgres" }]);
        assert.deepEqual(g.containers(g.taskDefinitionOf(redis))[0]?.portMappings, [{ containerPort: 6379, name: "redis" }]);
        assert.deepEqual(
            g
                .ofType(aws.servicediscovery.Service)
                .map((s) => s.inputs.name)
                .filter((n) => n !== "alertmanager")
                .sort(),
            ["cadvisor", "koronet", "node-exporter", "postgres", "postgres-exporter", "prometheus", "redis", "redis-exporter"],
        );
        const web = g.containers(g.one(aws.ecs.TaskDefinition, "web-task")).find((c) => c.name === "web");
        const env = Object.fromEntries((web?.environment ?? []).map((e) => [e.name, e.value]));
        assert.equal(env.DATABASE_URL, "postgres://koronet@postgres.dev.koronet.internal:5432/koronet?sslmode=disable");
        assert.equal(env.REDIS_URL, "redis://redis.dev.koronet.internal:6379");
    });

    it("dev keeps PostgreSQL data on an encrypted EFS access point and never runs two postmasters", async () => {
        const g = await stackGraph("dev");
        const fs = g.one(aws.efs.FileSystem);
        assert.equal(fs.inputs.encrypted, true);
        assert.equal(g.ofType(aws.efs.MountTarget).length, 2, "one mount target per private subnet");
        const pg = g.one(aws.ecs.Service, "data-postgres-svc");
        assert.equal(pg.inputs.deploymentMaximumPercent, 100);
        assert.equal(pg.inputs.deploymentMinimumHealthyPercent, 0);
        const td = g.taskDefinitionOf(pg);
        const volume = (
            td.inputs.volumes as { name: string; efsVolumeConfiguration?: { transitEncryption: string; authorizationConfig: { iam: string } } }[]
        ).find((v) => v.name === "pgdata");
        assert.equal(volume?.efsVolumeConfiguration?.transitEncryption, "ENABLED");
        assert.equal(volume?.efsVolumeConfiguration?.authorizationConfig.iam, "ENABLED");
    });

    it("prod runs RDS PostgreSQL Multi-AZ and an ElastiCache replication group with failover", async () => {
        const g = await stackGraph("prod");
        assert.equal(g.ofType(aws.ecs.Service).filter((s) => s.name.startsWith("data-")).length, 0);
        const db = g.one(aws.rds.Instance).inputs;
        assert.equal(db.engine, "postgres");
        assert.equal(db.multiAz, true);
        assert.equal(db.storageEncrypted, true);
        assert.equal(db.deletionProtection, true);
        assert.equal(db.manageMasterUserPassword, true);
        assert.equal(db.publiclyAccessible, false);
        assert.ok(Number(db.backupRetentionPeriod) >= 7);
        const rg = g.one(aws.elasticache.ReplicationGroup).inputs;
        assert.equal(rg.automaticFailoverEnabled, true);
        assert.equal(rg.multiAzEnabled, true);
        assert.equal(rg.transitEncryptionEnabled, true);
        assert.equal(rg.atRestEncryptionEnabled, true);
        assert.equal(rg.authToken, "[secret]");
        assert.ok(Number(rg.numCacheClusters) >= 2);
        const web = g.containers(g.one(aws.ecs.TaskDefinition, "web-task")).find((c) => c.name === "web");
        assert.match(String(web?.environment?.find((e) => e.name === "DATABASE_PASSWORD_FROM")?.value), /:secret:rds!.*:password::$/);
    });

    it("warns on every prod deploy that still serves plain HTTP (app or Grafana), and not once certificates are set", () => {
        const prod = parseStackConfig(readStackConfig("prod")).config;
        const cert = "arn:aws:acm:eu-west-1:123456789012:certificate/abcd-1234";
        assert.match(environmentWarnings(prod).join("\n"), /prod serves the app over plain HTTP.*koronet:service\.certificateArn/);
        assert.match(environmentWarnings(prod).join("\n"), /prod serves Grafana's sign-in over plain HTTP.*koronet:monitoring\.grafana\.certificateArn/);
        const appTls = { ...prod, service: { ...prod.service, certificateArn: cert } };
        assert.deepEqual(environmentWarnings(appTls).length, 1);
        assert.deepEqual(
            environmentWarnings({ ...appTls, monitoring: { ...prod.monitoring, grafana: { ...prod.monitoring.grafana, certificateArn: cert } } }),
            [],
        );
        assert.deepEqual(environmentWarnings({ ...appTls, monitoring: { ...prod.monitoring, enabled: false } }), []);
        assert.deepEqual(environmentWarnings(parseStackConfig(readStackConfig("dev")).config), []);
    });

    it("serves HTTPS with a modern TLS policy when a certificate is configured, and redirects HTTP", async () => {
        const cert = "arn:aws:acm:eu-west-1:123456789012:certificate/abcd-1234";
        const g = await graphWith("prod", { overrides: { "koronet:service": { certificateArn: cert } } });
        const https = g.one(aws.lb.Listener, "web-https").inputs;
        assert.equal(https.port, 443);
        assert.equal(https.sslPolicy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
        assert.equal(https.certificateArn, cert);
        const http = g.one(aws.lb.Listener, "web-http").inputs;
        assert.deepEqual((http.defaultActions as { type: string; redirect: { protocol: string } }[])[0]?.redirect.protocol, "HTTPS");
        assert.match(String(g.outputs.appUrl), /^https:\/\//);
    });

    it("[issue 13 #9] keeps the metrics port apart from the API port the load balancer forwards to", () => {
        const args = { minCount: 1, desiredCount: 1, maxCount: 2, allowedCidrs: ["0.0.0.0/0"], port: 3000 };
        assert.doesNotThrow(() => validateServiceArgs({ ...args, metricsPort: 9464 }));
        assert.throws(
            () => validateServiceArgs({ ...args, metricsPort: 3000 }),
            /`metricsPort` must differ from `port` \(3000\): the metrics port is kept off the load balancer/,
        );
    });

    it("deploys a ready image reference from config instead of building", async () => {
        const ref = "public.ecr.aws/koronet/web:1.4.2";
        const g = await graphWith("dev", { overrides: { "koronet:service": { image: { source: "ref", ref } } } });
        assert.equal(g.ofType("docker:index/image:Image").filter((i) => i.name === "web-image-image").length, 0);
        assert.equal(g.containers(g.one(aws.ecs.TaskDefinition, "web-task")).find((c) => c.name === "web")?.image, ref);
    });

    it("builds the image from app/ into an ECR repository that scans on push with immutable tags", async () => {
        const g = await stackGraph("dev");
        const repo = g.one(aws.ecr.Repository, "web-image-repo").inputs;
        assert.equal(repo.imageTagMutability, "IMMUTABLE");
        assert.deepEqual(repo.imageScanningConfiguration, { scanOnPush: true });
        const image = g.one("docker:index/image:Image", "web-image-image").inputs;
        assert.deepEqual((image.build as { context: string }).context, "app");
        assert.match(String(image.imageName), /:[0-9a-f]{16}$/);
        const web = g.containers(g.one(aws.ecs.TaskDefinition, "web-task")).find((c) => c.name === "web");
        assert.match(String(web?.image), /@sha256:[0-9a-f]{64}$/, "task definitions pin the pushed digest");
    });

    it("grants the web server's execution role exactly the secret it injects (Redis; the database password the server reads itself)", async () => {
        const g = await stackGraph("prod");
        const role = g.one(aws.iam.Role, "web-execution");
        const policy = parseJson<{ Statement: { Sid: string; Action: string | string[]; Resource: string | string[] }[] }>(
            (role.inputs.inlinePolicies as { policy: string }[])[0]?.policy,
        );
        const inject = policy.Statement.find((s) => s.Sid === "InjectSecrets");
        assert.deepEqual(inject?.Action, "secretsmanager:GetSecretValue");
        assert.equal((inject?.Resource as string[]).length, 1);
        assert.ok((inject?.Resource as string[]).every((r) => r.startsWith("arn:aws:secretsmanager:")));
    });
});
