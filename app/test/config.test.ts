import * as assert from "node:assert/strict";

import { parse } from "pg-connection-string";

import { ConfigError, loadConfig, redactUrl, withPassword } from "../src/config";

const base = { DATABASE_URL: "postgres://app@db.internal:5432/koronet", REDIS_URL: "redis://cache.internal:6379" };
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0f1e2d3c-AbCdEf";

describe("configuration", () => {
    it("defaults to port 3000, metrics on, fault injection off, 500 ms slow-query threshold", () => {
        const c = loadConfig(base);
        assert.equal(c.port, 3000);
        assert.equal(c.metricsPort, 9464);
        assert.equal(c.metricsEnabled, true);
        assert.equal(c.faultInjection, false);
        assert.equal(c.slowQueryMs, 500);
        assert.equal(c.logLevel, "info");
    });

    it("builds the database connection from DATABASE_URL plus DATABASE_PASSWORD (ECS secret), keeping odd characters intact", () => {
        const password = "p@ss:w/rd%41 #?&";
        const c = loadConfig({ ...base, DATABASE_PASSWORD: password });
        const parsed = parse(c.databaseUrl);
        assert.equal(parsed.password, password);
        assert.equal(parsed.user, "app");
        assert.equal(parsed.host, "db.internal");
        assert.equal(parsed.database, "koronet");
    });

    it("rejects a URL password that contradicts DATABASE_PASSWORD", () => {
        assert.throws(
            () => withPassword("postgres://app:one@h/db", "two", "DATABASE_URL", "DATABASE_PASSWORD"),
            /`DATABASE_URL` contains a password that differs from `DATABASE_PASSWORD`/,
        );
    });

    it("redacts passwords for logging", () => {
        assert.equal(redactUrl("postgres://app:s3cret@h:5432/db"), "postgres://app:***@h:5432/db");
        assert.equal(redactUrl("redis://:s3cret@h:6379"), "redis://:***@h:6379");
        assert.equal(redactUrl("postgres://app@h/db"), "postgres://app@h/db");
    });

    it("reads TLS from sslmode and DATABASE_CA: none by default, verify-full with the RDS bundle of a region or a PEM file", () => {
        assert.deepEqual(loadConfig(base).databaseTls, { mode: "disable" });
        const url = `${base.DATABASE_URL}?sslmode=verify-full`;
        assert.deepEqual(loadConfig({ ...base, DATABASE_URL: url }).databaseTls, { mode: "verify-full" });
        assert.deepEqual(loadConfig({ ...base, DATABASE_URL: url, DATABASE_CA: "amazon-rds" }).databaseTls, {
            mode: "verify-full",
            ca: { kind: "amazon-rds" },
        });
        assert.deepEqual(loadConfig({ ...base, DATABASE_URL: url, DATABASE_CA: "amazon-rds:eu-west-1" }).databaseTls, {
            mode: "verify-full",
            ca: { kind: "amazon-rds", region: "eu-west-1" },
        });
        assert.deepEqual(loadConfig({ ...base, DATABASE_URL: url, DATABASE_CA: "/etc/hostname" }).databaseTls, {
            mode: "verify-full",
            ca: { kind: "file", path: "/etc/hostname" },
        });
    });

    it("takes the password from a Secrets Manager reference in ECS's valueFrom form (ARN, optional JSON key)", () => {
        const c = loadConfig({ ...base, DATABASE_PASSWORD_FROM: `${SECRET_ARN}:password::` });
        assert.deepEqual(c.databasePasswordFrom, { arn: SECRET_ARN, region: "eu-west-1", jsonKey: "password" });
        assert.equal(c.databasePasswordCacheSeconds, 60);
        assert.deepEqual(loadConfig({ ...base, DATABASE_PASSWORD_FROM: SECRET_ARN }).databasePasswordFrom, { arn: SECRET_ARN, region: "eu-west-1" });
        assert.equal(loadConfig(base).databasePasswordFrom, undefined);
    });

    const rejections: Array<[string, Record<string, string>, RegExp]> = [
        ["missing DATABASE_URL", { REDIS_URL: base.REDIS_URL }, /`DATABASE_URL` is required/],
        ["missing REDIS_URL", { DATABASE_URL: base.DATABASE_URL }, /`REDIS_URL` is required/],
        ["non-postgres DATABASE_URL", { ...base, DATABASE_URL: "mysql://x" }, /`DATABASE_URL` must start with postgres/],
        ["non-numeric PORT", { ...base, PORT: "http" }, /`PORT` must be a whole number/],
        ["METRICS_PORT equal to PORT", { ...base, PORT: "8080", METRICS_PORT: "8080" }, /`METRICS_PORT` must differ from `PORT` \(8080\)/],
        ["METRICS_PORT out of range", { ...base, METRICS_PORT: "70000" }, /`METRICS_PORT` must be between 0 and 65535, got 70000/],
        ["out-of-range SLOW_QUERY_MS", { ...base, SLOW_QUERY_MS: "0" }, /`SLOW_QUERY_MS` must be between 1 and/],
        ["unknown LOG_LEVEL", { ...base, LOG_LEVEL: "loud" }, /`LOG_LEVEL` must be one of/],
        ["non-boolean METRICS_ENABLED", { ...base, METRICS_ENABLED: "maybe" }, /`METRICS_ENABLED` must be true or false/],
        ["non-boolean FAULT_INJECTION", { ...base, FAULT_INJECTION: "sometimes" }, /`FAULT_INJECTION` must be true or false/],
        [
            "sslmode=require (pg reads it as verify-full against Node's CAs)",
            { ...base, DATABASE_URL: `${base.DATABASE_URL}?sslmode=require` },
            /`DATABASE_URL` sslmode must be disable or verify-full, got "require"/,
        ],
        [
            "TLS settings in the URL besides sslmode",
            { ...base, DATABASE_URL: `${base.DATABASE_URL}?sslmode=verify-full&sslrootcert=/ca.pem` },
            /takes TLS settings only as sslmode=disable\|verify-full/,
        ],
        ["DATABASE_CA without verify-full", { ...base, DATABASE_CA: "amazon-rds" }, /`DATABASE_CA` needs sslmode=verify-full/],
        [
            "DATABASE_CA that is neither the RDS bundle nor a PEM file",
            { ...base, DATABASE_URL: `${base.DATABASE_URL}?sslmode=verify-full`, DATABASE_CA: "ca.pem" },
            /`DATABASE_CA` must be amazon-rds, amazon-rds:<region> or the absolute path of a PEM file, got "ca.pem"/,
        ],
        [
            "DATABASE_CA for a region the bundle lacks",
            { ...base, DATABASE_URL: `${base.DATABASE_URL}?sslmode=verify-full`, DATABASE_CA: "amazon-rds:mars-north-1" },
            /`DATABASE_CA`: the shipped Amazon RDS CA bundle has no certificate for region "mars-north-1"/,
        ],
        [
            "DATABASE_PASSWORD_FROM that is not a secret ARN",
            { ...base, DATABASE_PASSWORD_FROM: "koronet/db" },
            /`DATABASE_PASSWORD_FROM` is not a Secrets Manager secret ARN/,
        ],
        [
            "DATABASE_PASSWORD_FROM pinned to a version",
            { ...base, DATABASE_PASSWORD_FROM: `${SECRET_ARN}:password:AWSPREVIOUS:` },
            /`DATABASE_PASSWORD_FROM` names a version stage or version id/,
        ],
        [
            "DATABASE_PASSWORD_FROM with DATABASE_PASSWORD",
            { ...base, DATABASE_PASSWORD_FROM: SECRET_ARN, DATABASE_PASSWORD: "x" },
            /`DATABASE_PASSWORD_FROM` and `DATABASE_PASSWORD` are both set/,
        ],
        [
            "DATABASE_PASSWORD_FROM with a password in the URL",
            { ...base, DATABASE_URL: "postgres://app:x@db.internal/koronet", DATABASE_PASSWORD_FROM: SECRET_ARN },
            /`DATABASE_URL` contains a password while `DATABASE_PASSWORD_FROM` is set/,
        ],
        [
            "out-of-range DATABASE_PASSWORD_CACHE_SECONDS",
            { ...base, DATABASE_PASSWORD_CACHE_SECONDS: "0" },
            /`DATABASE_PASSWORD_CACHE_SECONDS` must be between 1 and 3600/,
        ],
    ];
    for (const [what, env, message] of rejections) {
        it(`rejects ${what}`, () => {
            assert.throws(
                () => loadConfig(env),
                (err: unknown) => err instanceof ConfigError && message.test(err.message),
            );
        });
    }
});
