/**
 * The secret follower: its decisions (pure) and its handler against mocked ECS and Secrets Manager
 * clients (aws-sdk-client-mock: the real SDK commands, no network).
 */
import { strict as assert } from "node:assert";
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, ListServicesCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { secretIdOf, secretsToCheck, servicesToRedeploy, type ServiceView } from "../src/secret-follower/follow";
import { follow, handler } from "../src/secret-follower/handler";

const ACCOUNT = "123456789012";
const CLUSTER = `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/koronet-prod`;
const secret = (name: string) => `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:${name}`;
const PG = secret("rds!db-0a1b2c-AbCdEf");
const REDIS = secret("koronet-prod/redis-auth-XyZ123");
const GRAFANA = secret("koronet-prod/grafana-admin-password-QwErTy");
const t = (iso: string) => new Date(iso);

describe("secret follower: decisions", () => {
    it("names the secret of a valueFrom as DescribeSecret takes it", () => {
        assert.equal(secretIdOf(`${PG}:password::`), PG, "JSON-key form (RDS-managed secret)");
        assert.equal(secretIdOf(REDIS), REDIS);
        assert.equal(secretIdOf("koronet-prod/redis-auth"), "koronet-prod/redis-auth", "a name");
        assert.equal(secretIdOf(`arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/x`), undefined, "Parameter Store is not followed");
    });

    const web: ServiceView = {
        arn: "svc/web",
        name: "web-svc",
        status: "ACTIVE",
        primaryDeploymentCreatedAt: t("2026-12-01T10:00:00Z"),
        secretRefs: [`${PG}:password::`, REDIS],
    };
    const exporter: ServiceView = {
        arn: "svc/pg-exporter",
        name: "postgres-exporter",
        status: "ACTIVE",
        primaryDeploymentCreatedAt: t("2026-12-01T12:00:00Z"),
        secretRefs: [`${PG}:password::`],
    };

    it("redeploys exactly the services whose PRIMARY deployment began before a secret changed (RDS rotation)", () => {
        const changed = new Map([
            [PG, t("2026-12-01T11:00:00Z")],
            [REDIS, t("2026-11-01T00:00:00Z")],
        ]);
        const r = servicesToRedeploy([web, exporter], changed);
        assert.deepEqual(
            r.map((x) => x.serviceName),
            ["web-svc"],
            "the exporter started after the rotation",
        );
        assert.match(r[0]!.reason, /rds!db-0a1b2c-AbCdEf changed 2026-12-01T11:00:00\.000Z; PRIMARY deployment began 2026-12-01T10:00:00\.000Z/);
        assert.deepEqual(secretsToCheck([web, exporter]), [PG, REDIS].sort());
    });

    it("leaves alone what it cannot compare: a draining service, no PRIMARY deployment, an unknown change date", () => {
        const changed = new Map<string, Date | undefined>([
            [PG, t("2026-12-02T00:00:00Z")],
            [REDIS, undefined],
        ]);
        assert.deepEqual(
            servicesToRedeploy(
                [
                    { ...web, status: "DRAINING" },
                    { ...exporter, primaryDeploymentCreatedAt: undefined },
                ],
                changed,
            ),
            [],
        );
        assert.deepEqual(servicesToRedeploy([{ ...web, secretRefs: [REDIS] }], changed), []);
    });

    it("a forced deployment ends the redeploys for that change (no loop)", () => {
        const changed = new Map([[PG, t("2026-12-01T11:00:00Z")]]);
        assert.equal(servicesToRedeploy([{ ...web, primaryDeploymentCreatedAt: t("2026-12-01T11:05:00Z") }], changed).length, 0);
    });
});

describe("secret follower: handler (mocked SDK clients)", () => {
    const ecs = mockClient(ECSClient);
    const sm = mockClient(SecretsManagerClient);
    const logs: Record<string, unknown>[] = [];
    const deps = () => ({
        ecs: new ECSClient({ region: "eu-west-1" }),
        secrets: new SecretsManagerClient({ region: "eu-west-1" }),
        cluster: CLUSTER,
        log: (l: Record<string, unknown>) => void logs.push(l),
    });
    const arns = Array.from({ length: 12 }, (_, i) => `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/koronet-prod/svc-${i}`);

    beforeEach(() => {
        ecs.reset();
        sm.reset();
        logs.length = 0;
        // Two pages of services, 12 in all: DescribeServices must be called in batches of at most 10.
        ecs.on(ListServicesCommand, { nextToken: undefined }).resolves({ serviceArns: arns.slice(0, 7), nextToken: "p2" });
        ecs.on(ListServicesCommand, { nextToken: "p2" }).resolves({ serviceArns: arns.slice(7) });
        ecs.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => ({
            services: input.services.map((arn) => {
                const i = Number(arn.split("-").pop());
                return {
                    serviceArn: arn,
                    serviceName: `svc-${i}`,
                    status: "ACTIVE",
                    taskDefinition: i === 0 ? "web:3" : i === 1 ? "exporter:2" : "plain:1",
                    deployments: [
                        { status: "PRIMARY", createdAt: t("2026-12-01T10:00:00Z") },
                        { status: "ACTIVE", createdAt: t("2026-11-01T00:00:00Z") },
                    ],
                };
            }),
        }));
        ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: "web:3" }).resolves({
            taskDefinition: {
                containerDefinitions: [
                    {
                        name: "web",
                        secrets: [
                            { name: "DATABASE_PASSWORD", valueFrom: `${PG}:password::` },
                            { name: "REDIS_PASSWORD", valueFrom: REDIS },
                        ],
                    },
                    { name: "sidecar" },
                ],
            },
        });
        ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: "exporter:2" }).resolves({
            taskDefinition: { containerDefinitions: [{ name: "e", secrets: [{ name: "DATA_SOURCE_PASS", valueFrom: GRAFANA }] }] },
        });
        ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: "plain:1" }).resolves({ taskDefinition: { containerDefinitions: [{ name: "p" }] } });
        sm.on(DescribeSecretCommand, { SecretId: PG }).resolves({ LastChangedDate: t("2026-12-01T11:00:00Z") });
        sm.on(DescribeSecretCommand, { SecretId: REDIS }).resolves({ LastChangedDate: t("2026-11-20T00:00:00Z") });
        sm.on(DescribeSecretCommand, { SecretId: GRAFANA }).resolves({ LastChangedDate: t("2026-11-30T00:00:00Z") });
        ecs.on(UpdateServiceCommand).resolves({});
    });

    it("[F11] forces a new deployment of the service whose secret changed after its deployment, and of no other", async () => {
        const report = await follow(deps());
        assert.deepEqual(report.errors, []);
        assert.equal(report.services, 12);
        assert.deepEqual(
            ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input.services?.length),
            [10, 2],
        );
        assert.equal(ecs.commandCalls(DescribeTaskDefinitionCommand).length, 3, "one read per task definition");
        const updates = ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input);
        assert.deepEqual(updates, [{ cluster: CLUSTER, service: arns[0], forceNewDeployment: true }]);
        assert.ok(logs.some((l) => l.msg === "forced a new deployment" && l.service === "svc-0"));
    });

    it("keeps following the other services when one secret cannot be described, then fails the invocation", async () => {
        sm.on(DescribeSecretCommand, { SecretId: PG }).rejects(
            Object.assign(new Error("not authorized to perform secretsmanager:DescribeSecret"), { name: "AccessDeniedException" }),
        );
        sm.on(DescribeSecretCommand, { SecretId: GRAFANA }).resolves({ LastChangedDate: t("2026-12-01T10:30:00Z") });
        const report = await follow(deps());
        assert.deepEqual(
            ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input.service),
            [arns[1]],
        );
        assert.equal(report.errors.length, 1);
        assert.match(report.errors[0]!, /DescribeSecret .*rds!db-0a1b2c-AbCdEf: AccessDeniedException/);
        process.env.CLUSTER_ARN = CLUSTER;
        try {
            await assert.rejects(handler({ "detail-type": "Scheduled Event" }), /secret follower: 1 failure\(s\): DescribeSecret/);
        } finally {
            delete process.env.CLUSTER_ARN;
        }
    });

    it("[F11] a filled placeholder (LastChangedDate after the first deploy) redeploys; an untouched one does not", async () => {
        sm.on(DescribeSecretCommand, { SecretId: PG }).resolves({ LastChangedDate: t("2026-12-01T09:59:00Z") });
        await follow(deps());
        assert.equal(ecs.commandCalls(UpdateServiceCommand).length, 0);
        sm.on(DescribeSecretCommand, { SecretId: PG }).resolves({ LastChangedDate: t("2026-12-01T10:00:01Z") });
        await follow(deps());
        assert.equal(ecs.commandCalls(UpdateServiceCommand).length, 1);
    });

    it("needs its cluster", async () => {
        await assert.rejects(handler({}), /env `CLUSTER_ARN` is required/);
    });
});
