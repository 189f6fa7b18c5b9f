/**
 * Every Lambda bundle loads as the Node.js 24 runtime loads it and passes the runtime's handler
 * check: nodejs24.x refuses callback-style handlers, which the runtime interface client detects by
 * arity (`handler.length >= 3` → CallbackHandlerDeprecatedError; aws-lambda-nodejs-runtime-interface-
 * client src/function/callback-deprecation.ts, https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html).
 */
import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { BUNDLE_HANDLER, bundleFunction, bundlePackageEntry, NODE_LAMBDA_ESBUILD_TARGET, NODE_LAMBDA_RUNTIME } from "../../components/common/lambda";
import { FUNCTION_ENTRIES, type FunctionName } from "../../functions/src/contract";
import { stackGraph } from "../harness";

const REPO = path.resolve(__dirname, "..", "..");

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

    it("every function of the prod plan runs on nodejs24.x as index.handler, bundled for node24", async () => {
        assert.equal(NODE_LAMBDA_RUNTIME, "nodejs24.x");
        assert.equal(NODE_LAMBDA_ESBUILD_TARGET, "node24");
        const fns = (await stackGraph("prod")).resources.filter((r) => r.type === "aws:lambda/function:Function");
        assert.ok(fns.length >= Object.keys(FUNCTION_ENTRIES).length, `${fns.length} functions`);
        for (const fn of fns) assert.deepEqual([fn.name, fn.inputs.runtime, fn.inputs.handler], [fn.name, "nodejs24.x", BUNDLE_HANDLER]);
    });

    const bundles = Object.fromEntries((Object.keys(FUNCTION_ENTRIES) as FunctionName[]).map((n) => [n, () => bundleFunction(n)]));
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

    it("the notifier's bundle, without its environment, rejects naming the missing variable", async () => {
        const file = path.join(dir, "notifier-env.js");
        writeFileSync(file, bundleFunction("notifier"));
        const saved = process.env["SLACK_WEBHOOK_SECRET_ARN"];
        delete process.env["SLACK_WEBHOOK_SECRET_ARN"];
        try {
            const mod = require(file) as { handler: (e: unknown) => Promise<unknown> };
            await assert.rejects(mod.handler({}), /SLACK_WEBHOOK_SECRET_ARN` is required/);
        } finally {
            if (saved !== undefined) process.env["SLACK_WEBHOOK_SECRET_ARN"] = saved;
        }
    });

    it("a bundle is self-contained and carries no path of this machine", () => {
        // Loaded from a temp dir (above), so nothing resolved from a node_modules of the repo.
        for (const n of Object.keys(FUNCTION_ENTRIES) as FunctionName[])
            assert.ok(!bundleFunction(n).includes(REPO), `${n}: no absolute build paths in the asset`);
    });

    it("a package functions/ does not declare is refused, not bundled from the program's node_modules", function () {
        this.timeout(60_000);
        // A throwaway package inside the repo (.build/ is ignored): resolution would walk up to the root node_modules.
        mkdirSync(path.join(REPO, ".build"), { recursive: true });
        const root = mkdtempSync(path.join(REPO, ".build", "undeclared-"));
        try {
            mkdirSync(path.join(root, "node_modules"));
            writeFileSync(path.join(root, "handler.ts"), 'import { parse } from "yaml";\nexport const handler = async (e: string) => parse(e);\n');
            assert.throws(
                () => bundlePackageEntry(root, "handler.ts", "undeclared"),
                /node_modules\/yaml\/.* resolved outside undeclared-\w+\/: declare the package in undeclared-\w+\/package\.json/,
            );
            rmSync(path.join(root, "node_modules"), { recursive: true });
            assert.throws(() => bundlePackageEntry(root, "handler.ts", "undeclared"), /node_modules is missing: run npm ci --prefix undeclared-/);
        } finally {
            rmSync(root, { recursive: true, force: true });
        }
    });

    it("the runtime check refuses a callback-style handler (the check can fail)", () => {
        assert.match(nodejs24Accepts((_e: unknown, _c: unknown, _cb: unknown) => undefined) ?? "", /callback-based/);
    });
});
