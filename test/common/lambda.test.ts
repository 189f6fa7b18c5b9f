/**
 * Every Lambda bundle loads as the Node.js 24 runtime loads it and passes the runtime's handler
 * check: nodejs24.x refuses callback-style handlers, which the runtime interface client detects by
 * arity (`handler.length >= 3` → CallbackHandlerDeprecatedError; aws-lambda-nodejs-runtime-interface-
 * client src/function/callback-deprecation.ts, https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html).
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { NODE_LAMBDA_ESBUILD_TARGET, NODE_LAMBDA_RUNTIME } from "../../components/common/lambda";
import { bundleNotifier, NOTIFIER_RUNTIME } from "../../components/alerting/notifier";
import { bundlePagerDutyForwarder, PAGERDUTY_RUNTIME } from "../../components/alerting/pagerduty";
import { bundleSecretFollower, SECRET_FOLLOWER_RUNTIME } from "../../components/secret-follower";

/** What the Node.js 24 runtime interface client does before the first invoke. */
function nodejs24Accepts(handler: unknown): string | undefined {
    if (typeof handler !== "function") return "exports.handler is not a function";
    if (handler.length >= 3) return `handler takes ${handler.length} arguments: callback-based function handlers are not supported on nodejs24.x`;
    return undefined;
}

describe("Lambda bundles on nodejs24.x", () => {
    let dir: string;
    before(() => {
        dir = mkdtempSync(path.join(tmpdir(), "koronet-lambda-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("every function runs on nodejs24.x, bundled for node24", () => {
        assert.equal(NODE_LAMBDA_RUNTIME, "nodejs24.x");
        assert.equal(NODE_LAMBDA_ESBUILD_TARGET, "node24");
        assert.deepEqual([NOTIFIER_RUNTIME, PAGERDUTY_RUNTIME, SECRET_FOLLOWER_RUNTIME], ["nodejs24.x", "nodejs24.x", "nodejs24.x"]);
    });

    const bundles: Record<string, () => string> = { notifier: bundleNotifier, "PagerDuty forwarder": bundlePagerDutyForwarder, "secret follower": bundleSecretFollower };
    for (const [name, bundle] of Object.entries(bundles)) {
        it(`${name}: index.handler is an async (event, context) handler the nodejs24.x runtime accepts`, async () => {
            const file = path.join(dir, `${name.replace(/\W+/g, "-")}.js`);
            writeFileSync(file, bundle());
            const env = { ...process.env };
            try {
                // Without its environment the handler must fail by rejecting, never by a sync throw or a callback.
                for (const k of Object.keys(process.env)) if (/SECRET|TABLE|CLUSTER|PAGERDUTY|STACK/.test(k)) delete process.env[k];
                const mod = require(file) as { handler?: unknown };
                assert.equal(nodejs24Accepts(mod.handler), undefined);
                const result: unknown = (mod.handler as (e: unknown, c: unknown) => unknown)({ Records: [] }, { getRemainingTimeInMillis: () => 1000 });
                assert.equal(typeof (result as Promise<unknown>)?.then, "function", "the handler returns a promise");
                await (result as Promise<unknown>).catch(() => undefined);
            } finally {
                process.env = env;
            }
        });
    }

    it("the runtime check refuses a callback-style handler (the check can fail)", () => {
        assert.match(nodejs24Accepts((_e: unknown, _c: unknown, _cb: unknown) => undefined) ?? "", /callback-based/);
    });
});
