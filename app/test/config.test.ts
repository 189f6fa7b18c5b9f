import * as assert from "node:assert/strict";

import { parse } from "pg-connection-string";

import { ConfigError, loadConfig, redactUrl, withPassword } from "../src/config";

const base = { DATABASE_URL: "postgres://app@db.internal:5432/koronet", REDIS_URL: "redis://cache.internal:6379" };

describe("configuration", () => {
    it("defaults to port 3000, metrics on, fault injection off, 500 ms slow-query threshold", () => {
        const c = loadConfig(base);
        assert.equal(c.port, 3000);
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

    const rejections: Array<[string, Record<string, string>, RegExp]> = [
        ["missing DATABASE_URL", { REDIS_URL: base.REDIS_URL }, /`DATABASE_URL` is required/],
        ["missing REDIS_URL", { DATABASE_URL: base.DATABASE_URL }, /`REDIS_URL` is required/],
        ["non-postgres DATABASE_URL", { ...base, DATABASE_URL: "mysql://x" }, /`DATABASE_URL` must start with postgres/],
        ["non-numeric PORT", { ...base, PORT: "http" }, /`PORT` must be a whole number/],
        ["out-of-range SLOW_QUERY_MS", { ...base, SLOW_QUERY_MS: "0" }, /`SLOW_QUERY_MS` must be between 1 and/],
        ["unknown LOG_LEVEL", { ...base, LOG_LEVEL: "loud" }, /`LOG_LEVEL` must be one of/],
        ["non-boolean METRICS_ENABLED", { ...base, METRICS_ENABLED: "maybe" }, /`METRICS_ENABLED` must be true or false/],
        ["non-boolean FAULT_INJECTION", { ...base, FAULT_INJECTION: "sometimes" }, /`FAULT_INJECTION` must be true or false/],
    ];
    for (const [what, env, message] of rejections) {
        it(`rejects ${what}`, () => {
            assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && message.test(err.message));
        });
    }
});
