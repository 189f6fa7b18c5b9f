/**
 * The password source that follows rotation (src/secret-password.ts): caching, one read for many
 * connections, the pending version mid-rotation, Secrets Manager unreachable, and the secret
 * reference ECS's `valueFrom` form gives. Clocks are injected; nothing here waits.
 */
import * as assert from "node:assert/strict";

import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

import { createLogger } from "../src/logger";
import { parseSecretReference, RotatingPassword, secretsManagerReader, type SecretReader, type VersionStage } from "../src/secret-password";
import { FakeSecretsManager } from "./fake-secrets-manager";

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:koronet-dev/postgres-password-AbCdEf";
const silent = createLogger("silent");

/** A reader over a mutable table, counting reads per stage. */
function table(initial: Partial<Record<VersionStage, string>>) {
    const values: Partial<Record<VersionStage, string>> = { ...initial };
    const reads: VersionStage[] = [];
    let failing = false;
    const read: SecretReader = async (stage) => {
        reads.push(stage);
        await Promise.resolve();
        if (failing) throw new Error("Secrets Manager unreachable");
        return values[stage];
    };
    return { values, reads, read, fail: (f: boolean) => (failing = f) };
}

describe("RotatingPassword", () => {
    it("reads once per cache period, and once for concurrent callers", async () => {
        let now = 0;
        const t = table({ AWSCURRENT: "one" });
        const p = new RotatingPassword(t.read, { cacheMs: 60_000, log: silent, now: () => now });
        assert.deepEqual(await Promise.all([p.get(), p.get(), p.get()]), ["one", "one", "one"]);
        now = 59_999;
        await p.get();
        assert.equal(t.reads.length, 1);
        t.values.AWSCURRENT = "two";
        now = 60_000;
        assert.equal(await p.get(), "two");
        assert.equal(t.reads.length, 2);
    });

    it("on refusal re-reads at once, one read for all refused connections; reports whether the password changed", async () => {
        const t = table({ AWSCURRENT: "one" });
        const p = new RotatingPassword(t.read, { cacheMs: 60_000, log: silent, now: () => 0 });
        await p.get();
        const g = p.generation;
        t.values.AWSCURRENT = "two";
        assert.deepEqual(await Promise.all([p.refresh(), p.refresh(), p.refresh()]), [true, true, true]);
        assert.deepEqual(t.reads, ["AWSCURRENT", "AWSCURRENT"]);
        assert.equal(await p.get(), "two");
        assert.equal(p.generation, g + 1);
        assert.equal(await p.refresh(), false, "refused again with nothing new: no retry");
    });

    it("mid-rotation (current still holds the refused password) takes the pending version", async () => {
        const t = table({ AWSCURRENT: "old" });
        const p = new RotatingPassword(t.read, { cacheMs: 60_000, log: silent, now: () => 0 });
        await p.get();
        t.values.AWSPENDING = "new";
        assert.equal(await p.refresh(), true);
        assert.equal(await p.get(), "new");
    });

    it("keeps the last password while Secrets Manager is unreachable, and asks again only after a cache period", async () => {
        let now = 0;
        const t = table({ AWSCURRENT: "one" });
        const p = new RotatingPassword(t.read, { cacheMs: 1_000, log: silent, now: () => now });
        await p.get();
        t.fail(true);
        now = 1_000;
        assert.equal(await p.get(), "one");
        assert.equal(await p.get(), "one");
        assert.equal(t.reads.length, 2, "the failed read is not repeated for every connection");
        assert.equal(await p.refresh(), false);
    });

    it("fails when it never had a password to fall back on", async () => {
        const t = table({});
        t.fail(true);
        await assert.rejects(new RotatingPassword(t.read, { cacheMs: 1_000, log: silent }).get(), /Secrets Manager unreachable/);
        await assert.rejects(new RotatingPassword(table({}).read, { cacheMs: 1_000, log: silent }).get(), /no AWSCURRENT version/);
    });
});

describe("secret references (ECS valueFrom form)", () => {
    it("parses the ARN, its region and an optional JSON key", () => {
        assert.deepEqual(parseSecretReference(`${ARN}:password::`), { arn: ARN, region: "eu-west-1", jsonKey: "password" });
        assert.deepEqual(parseSecretReference(ARN), { arn: ARN, region: "eu-west-1" });
        assert.deepEqual(parseSecretReference("arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1a2b-XyZ123:password::"), {
            arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1a2b-XyZ123",
            region: "us-east-1",
            jsonKey: "password",
        });
    });

    it("refuses what is not a secret ARN, and pinned versions", () => {
        assert.match((parseSecretReference("arn:aws:ssm:eu-west-1:123456789012:parameter/db") as { error: string }).error, /not a Secrets Manager secret ARN/);
        assert.match((parseSecretReference(`${ARN}:password:AWSCURRENT:`) as { error: string }).error, /version stage or version id/);
    });
});

describe("reading through the AWS SDK (against a local Secrets Manager stand-in)", () => {
    let fake: FakeSecretsManager;
    let client: SecretsManagerClient;
    before(async () => {
        fake = await FakeSecretsManager.start();
        client = new SecretsManagerClient({
            region: "eu-west-1",
            endpoint: fake.url,
            credentials: { accessKeyId: "AKIAKORONETTEST", secretAccessKey: "koronet-test-only" },
        });
    });
    after(async () => {
        client.destroy();
        await fake.stop();
    });

    it("takes the JSON key, or the whole string without one; no pending version is not an error", async () => {
        fake.put(ARN, "AWSCURRENT", "s3cr3t");
        assert.equal(await secretsManagerReader({ arn: ARN, region: "eu-west-1", jsonKey: "password" }, client)("AWSCURRENT"), "s3cr3t");
        assert.equal(
            await secretsManagerReader({ arn: ARN, region: "eu-west-1" }, client)("AWSCURRENT"),
            JSON.stringify({ username: "koronet", password: "s3cr3t" }),
        );
        assert.equal(await secretsManagerReader({ arn: ARN, region: "eu-west-1", jsonKey: "password" }, client)("AWSPENDING"), undefined);
        assert.deepEqual(
            fake.calls.map((c) => c.stage),
            ["AWSCURRENT", "AWSCURRENT", "AWSPENDING"],
        );
    });

    it("says which key is missing, and passes other errors on", async () => {
        fake.put(ARN, "AWSCURRENT", "s3cr3t");
        await assert.rejects(secretsManagerReader({ arn: ARN, region: "eu-west-1", jsonKey: "pass" }, client)("AWSCURRENT"), /has no string "pass"/);
        await assert.rejects(
            secretsManagerReader({ arn: `${ARN}x`, region: "eu-west-1" }, client)("AWSCURRENT"),
            (err: Error) => err.name === "ResourceNotFoundException",
        );
    });
});
