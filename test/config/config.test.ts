import { strict as assert } from "node:assert";
import { ConfigError, parseStackConfig, type RawStackConfig } from "../../config";
import { readStackConfig } from "../../scripts/offline/stack-file";
import { configErrorOf } from "../harness";

/** The committed stack file of `stack` with `overrides` layered on (objects merge). */
function raw(stack: string, overrides: Record<string, unknown> = {}, secrets: Record<string, string> = {}): RawStackConfig {
    return readStackConfig(stack, { overrides, secrets });
}

function problemsOf(r: RawStackConfig): string[] {
    try {
        parseStackConfig(r);
    } catch (err) {
        if (err instanceof ConfigError) return err.problems.map((p) => `${p.key}: ${p.message}`);
        throw err;
    }
    return [];
}

describe("stack configuration", () => {
    describe("committed stack files", () => {
        it("dev validates and takes the cost-lean defaults", () => {
            const { config } = parseStackConfig(raw("dev"));
            assert.equal(config.environment, "dev");
            assert.equal(config.network.availabilityZones, 2);
            assert.equal(config.network.natGateways, "single");
            assert.equal(config.dataStores.mode, "ecs");
            assert.equal(config.service.port, 3000);
        });

        it("prod validates and takes the resilient defaults", () => {
            const { config } = parseStackConfig(raw("prod"));
            assert.equal(config.environment, "prod");
            assert.equal(config.network.availabilityZones, 3);
            assert.equal(config.network.natGateways, "onePerAz");
            assert.equal(config.dataStores.mode, "managed");
            assert.equal(config.dataStores.postgres.managed.multiAz, true);
            assert.ok(config.service.minCount >= 2);
        });

        it("a stack file sets only what differs: overrides merge into the environment defaults", () => {
            const { config } = parseStackConfig(raw("dev", { "koronet:service": { desiredCount: 2 } }));
            assert.equal(config.service.desiredCount, 2);
            assert.equal(config.service.size.cpu, 256, "untouched keys keep their defaults");
        });
    });

    describe("rejects bad values, naming the key, the value and what is allowed", () => {
        const cases: { name: string; stack: string; overrides?: Record<string, unknown>; secrets?: Record<string, string>; expect: RegExp }[] = [
            { name: "prod with one availability zone", stack: "prod", overrides: { "koronet:network": { availabilityZones: 1 } }, expect: /koronet:network\.availabilityZones: got 1; prod needs at least 2 availability zones \(allowed: 2\.\.6\)/ },
            { name: "unknown key in a concern", stack: "dev", overrides: { "koronet:service": { replicas: 3 } }, expect: /koronet:service\.replicas: unknown key; allowed here: .*desiredCount/ },
            { name: "unknown top-level key", stack: "dev", overrides: { "koronet:servce": { port: 3000 } }, expect: /koronet:servce: unknown key; allowed keys: .*koronet:service/ },
            { name: "port out of range", stack: "dev", overrides: { "koronet:service": { port: 80 } }, expect: /koronet:service\.port: got 80; Too small: expected number to be >=1024/ },
            { name: "wrong type", stack: "dev", overrides: { "koronet:service": { desiredCount: "two" } }, expect: /koronet:service\.desiredCount: got "two"; Invalid input: expected number/ },
            { name: "desired count below min", stack: "dev", overrides: { "koronet:service": { minCount: 2, desiredCount: 1 } }, expect: /koronet:service\.desiredCount: got 1; must be >= minCount \(2\)/ },
            { name: "invalid CIDR", stack: "dev", overrides: { "koronet:service": { allowedCidrs: ["10.0.0.0/33"] } }, expect: /koronet:service\.allowedCidrs\.0: got "10\.0\.0\.0\/33"; must be an IPv4 CIDR block/ },
            { name: "unknown data-store mode", stack: "dev", overrides: { "koronet:dataStores": { mode: "sqlite" } }, expect: /koronet:dataStores\.mode: got "sqlite"; Invalid option: expected one of "ecs"\|"managed"/ },
            { name: "malformed image reference", stack: "dev", overrides: { "koronet:service": { image: { source: "ref", ref: "koronet:latest" } } }, expect: /koronet:service\.image\.ref: got "koronet:latest"; must be a pinned image reference/ },
            { name: "log retention not a CloudWatch value", stack: "dev", overrides: { "koronet:service": { logRetentionDays: 10 } }, expect: /koronet:service\.logRetentionDays: got 10; must be a CloudWatch Logs retention value: one of 1, 3, 5, 7, 14/ },
            { name: "Fargate memory that does not fit the CPU", stack: "dev", overrides: { "koronet:service": { size: { cpu: 256, memory: 4096 } } }, expect: /koronet:service\.size\.memory: got 4096; with cpu 256 Fargate allows memory 512, 1024, 2048 MiB/ },
            { name: "a secret given in plain text", stack: "dev", overrides: { "koronet:slackWebhookUrl": "https://hooks.slack.com/services/T1/B1/abc" }, expect: /koronet:slackWebhookUrl: is set in plain text; it must be a secret \(`pulumi config set --secret koronet:slackWebhookUrl <value>`\)/ },
            { name: "a required secret missing", stack: "prod", overrides: { "koronet:alerting": { notifications: { pagerduty: { routingKeyFrom: "config" } } } }, expect: /koronet:pagerdutyRoutingKey: missing; required because koronet:alerting\.notifications\.pagerduty\.routingKeyFrom is `config`/ },
            { name: "a malformed secret (value redacted)", stack: "dev", secrets: { "koronet:pagerdutyRoutingKey": "not-a-key" }, expect: /koronet:pagerdutyRoutingKey: \[secret\] is not a 32-character PagerDuty/ },
            { name: "invalid region", stack: "dev", overrides: { "aws:region": "europe" }, expect: /aws:region: got "europe"; must be an AWS region/ },
            { name: "unknown environment", stack: "dev", overrides: { "koronet:environment": "staging" }, expect: /koronet:environment: got "staging"; allowed: dev, prod/ },
            { name: "prod database without Multi-AZ", stack: "prod", overrides: { "koronet:dataStores": { postgres: { managed: { multiAz: false } } } }, expect: /koronet:dataStores\.postgres\.managed\.multiAz: got false; prod needs a Multi-AZ database/ },
            { name: "alert threshold out of range", stack: "dev", overrides: { "koronet:alerting": { alerts: { HighErrorRate: { threshold: 150 } } } }, expect: /koronet:alerting\.alerts\.HighErrorRate\.threshold: got 150; 150 is out of range; allowed 0\.1\.\.100 \(percent\)/ },
            { name: "alert threshold of the wrong type", stack: "dev", overrides: { "koronet:alerting": { alerts: { HighCpuUsage: { threshold: "80" } } } }, expect: /koronet:alerting\.alerts\.HighCpuUsage\.threshold: got "80"; "80" is not a number; allowed 1\.\.100/ },
            { name: "unknown alert id", stack: "dev", overrides: { "koronet:alerting": { alerts: { HighErorRate: { threshold: 5 } } } }, expect: /koronet:alerting\.alerts\.HighErorRate: unknown alert id "HighErorRate"; allowed: KoronetDown, .*HighErrorRate/ },
            { name: "alert window shorter than two scrapes", stack: "prod", overrides: { "koronet:alerting": { alerts: { HighCpuUsage: { window: "10s" } } } }, expect: /koronet:alerting\.alerts\.HighCpuUsage\.window: 10s holds fewer than 2 scrapes \(scrape interval 15s\); allowed ≥ 30s/ },
            { name: "a concern that is not a mapping", stack: "dev", overrides: { "koronet:network": "10.0.0.0/16" }, expect: /koronet:network: got "10\.0\.0\.0\/16"; must be an object/ },
        ];
        for (const c of cases) {
            it(c.name, () => {
                const problems = problemsOf(raw(c.stack, c.overrides, c.secrets));
                assert.ok(problems.some((p) => c.expect.test(p)), `expected a problem matching ${c.expect}, got:\n${problems.join("\n")}`);
            });
        }

        it("never echoes a secret's value", () => {
            const problems = problemsOf(raw("dev", {}, { "koronet:pagerdutyRoutingKey": "s3cr3t-value-xyz" }));
            assert.ok(problems.length > 0);
            assert.ok(!problems.join("\n").includes("s3cr3t-value-xyz"));
        });

        it("lists every problem at once", () => {
            const problems = problemsOf(raw("dev", { "koronet:service": { port: 1, desiredCount: 0 }, "koronet:network": { natGateways: "many" } }));
            assert.ok(problems.length >= 3, problems.join("\n"));
        });
    });

    describe("bad config stops the program before any resource is registered", () => {
        it("prod with one AZ registers nothing", async () => {
            const { error, registered } = await configErrorOf("prod", { overrides: { "koronet:network": { availabilityZones: 1 } } });
            assert.match(error.message, /Invalid configuration for stack "prod"/);
            assert.equal(registered, 0);
        });

        it("an alert window only the catalog can judge registers nothing", async () => {
            const { error, registered } = await configErrorOf("dev", { overrides: { "koronet:alerting": { alerts: { HighCpuUsage: { window: "10s" } } } } });
            assert.match(error.message, /koronet:alerting\.alerts\.HighCpuUsage\.window/);
            assert.equal(registered, 0);
        });

        it("a plain-text secret registers nothing", async () => {
            const { registered } = await configErrorOf("dev", { overrides: { "koronet:pagerdutyRoutingKey": "0".repeat(32) } });
            assert.equal(registered, 0);
        });
    });

    describe("secrets", () => {
        it("accepts notification secrets given as Pulumi secrets", () => {
            const { secretValues } = parseStackConfig(raw("dev", {}, { "koronet:slackWebhookUrl": "https://hooks.slack.com/services/T1/B1/abc" }));
            assert.equal(secretValues.slackWebhookUrl, "https://hooks.slack.com/services/T1/B1/abc");
        });
    });
});
