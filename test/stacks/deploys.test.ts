/**
 * What AWS needs for both stacks to deploy and run (issue 11, defects 2, 6, 7, 13), asserted on the
 * real graphs. Each behaviour is also held by a policy rule (policy/keys.ts, policy/reachability.ts)
 * that checks it on any graph; these tests pin the platform's own resources.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { AUTOSCALING_KEY_ACTIONS } from "../../components/common";
import { stackGraph, type Graph } from "../harness";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

interface Statement {
    Sid?: string;
    Principal?: { AWS?: string | string[]; Service?: string };
    Action: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
}

for (const stack of ["dev", "prod"] as const) {
    describe(`${stack}: deploys and runs in AWS`, () => {
        let g: Graph;
        before(async () => {
            g = await stackGraph(stack);
        });

        it("[#13] every ECS service makes `pulumi up` wait for a healthy deployment (waitForSteadyState)", () => {
            const services = g.ofType("aws:ecs/service:Service");
            assert.ok(services.length >= 8);
            for (const s of services) assert.equal(s.inputs.waitForSteadyState, true, s.name);
        });

        it("[#2] launches the container instances with its own Auto Scaling service-linked role, which the key policy names as the guide requires", () => {
            // https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
            const slr = g.one("aws:iam/serviceLinkedRole:ServiceLinkedRole", "asg-service-role").inputs;
            assert.equal(slr.awsServiceName, "autoscaling.amazonaws.com");
            assert.equal(slr.customSuffix, `koronet-${stack}`);
            const roleArn = `arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_koronet-${stack}`;
            assert.equal(g.one("aws:autoscaling/group:Group").inputs.serviceLinkedRoleArn, roleArn);
            const lt = g.one("aws:ec2/launchTemplate:LaunchTemplate").inputs;
            const ebs = (lt.blockDeviceMappings as { ebs: { encrypted: string; kmsKeyId: string } }[])[0]?.ebs;
            assert.equal(ebs?.encrypted, "true");
            assert.match(String(ebs?.kmsKeyId), /:key\/platform-key$/);
            const st = (JSON.parse(String(g.one("aws:kms/key:Key").inputs.policy)) as { Statement: Statement[] }).Statement;
            const forRole = st.filter((s) => [s.Principal?.AWS].flat().includes(roleArn));
            assert.deepEqual(forRole.find((s) => s.Sid === "AutoScalingUsesKeyForEncryptedVolumes")?.Action, [...AUTOSCALING_KEY_ACTIONS]);
            const grant = forRole.find((s) => s.Action === "kms:CreateGrant");
            assert.deepEqual(grant?.Condition, { Bool: { "kms:GrantIsForAWSResource": true } });
        });

        it("[#6] admits Prometheus to the web tasks on the port its rendered prometheus.yml scrapes", () => {
            const prom = parse(readFileSync(`rendered/${stack}/prometheus/prometheus.yml`, "utf8")) as {
                scrape_configs: { job_name: string; http_sd_configs?: { url: string }[] }[];
            };
            // The discovery sidecar's URL names the port it lists the tasks at: the metrics port (issue 13 #9).
            const url = prom.scrape_configs.find((j) => j.job_name === "koronet")?.http_sd_configs?.[0]?.url;
            const port = Number(new URL(String(url)).searchParams.get("port"));
            assert.equal(port, 9464);
            const rules = g.ofType(INGRESS).filter((r) => r.inputs.securityGroupId === "web-tasks-id");
            assert.deepEqual(rules.map((r) => [r.inputs.referencedSecurityGroupId, r.inputs.fromPort, r.inputs.toPort]).sort(), [
                ["monitoring-prometheus-id", port, port],
                ["web-alb-id", 3000, 3000],
            ]);
            assert.equal(g.one(SG, "web-tasks").inputs.ingress, undefined, "no inline ingress next to standalone rules");
        });

        if (stack === "dev") {
            it("[#7] gives the PostgreSQL and Redis tasks the egress they need (HTTPS; NFS to EFS for PostgreSQL), nothing wider", () => {
                const egress = (sg: string) =>
                    g
                        .ofType(EGRESS)
                        .filter((r) => r.inputs.securityGroupId === `${sg}-id`)
                        .map((r) => [r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort, r.inputs.cidrIpv4 ?? r.inputs.referencedSecurityGroupId])
                        .sort();
                assert.deepEqual(egress("data-postgres"), [
                    ["tcp", 2049, 2049, "data-pgdata-id"],
                    ["tcp", 443, 443, "0.0.0.0/0"],
                ]);
                assert.deepEqual(egress("data-redis"), [["tcp", 443, 443, "0.0.0.0/0"]]);
                for (const name of ["data-postgres", "data-redis"])
                    assert.equal(g.one(SG, `${name}-sg`).inputs.egress, undefined, `${name}: standalone egress only`);
            });
        } else {
            it("[#7] gives RDS and ElastiCache no egress (they initiate nothing)", () => {
                assert.deepEqual(
                    g.ofType(EGRESS).filter((r) => ["data-postgres-id", "data-redis-id"].includes(String(r.inputs.securityGroupId))),
                    [],
                );
            });
        }
    });
}
