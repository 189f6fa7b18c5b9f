/**
 * The platform's Lambda runtime and its bundler: one runtime identifier, one esbuild target, one way
 * to turn a handler module into the single CommonJS file a function's code archive holds.
 *
 * Runtime: `nodejs24.x`, standard support until 2028-04-30, creation blocked from 2028-06-01
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html; `policy/runtimes.ts` holds the
 * dated table and fails the plan once a runtime can no longer be created). `nodejs20.x` was
 * deprecated 2026-04-30 and cannot be created since 2026-08-31.
 *
 * Node.js 24 on Lambda no longer supports callback-style handlers: the runtime interface client
 * refuses a handler whose `length` is 3 or more (`(event, context, callback)`), see
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html and aws-lambda-nodejs-runtime-
 * interface-client `src/function/callback-deprecation.ts` (`argsNum >= 3` → error). Every handler
 * here is `async (event, context?)`; `test/common/lambda.test.ts` loads each bundle and checks it.
 */
import * as path from "node:path";
import { buildSync } from "esbuild";

/** Lambda runtime identifier of every function the platform deploys. */
export const NODE_LAMBDA_RUNTIME = "nodejs24.x";
/** esbuild target matching {@link NODE_LAMBDA_RUNTIME}. */
export const NODE_LAMBDA_ESBUILD_TARGET = "node24";
/** Handler of a bundle shipped as `index.js`. */
export const BUNDLE_HANDLER = "index.handler";

/** The project root: `absWorkingDir` keeps this machine's paths out of the bundle (and its hash). */
const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

export interface BundleOptions {
    /** @default true */
    readonly minify?: boolean;
}

/**
 * One CommonJS file exporting `handler`, for {@link NODE_LAMBDA_RUNTIME}. The AWS SDK v3 clients
 * are bundled in, not taken from the runtime: the runtime's SDK changes version without notice,
 * while the code is tested against the version in our lockfile.
 */
export function bundleLambda(entry: string, what: string, opts: BundleOptions = {}): string {
    const result = buildSync({
        entryPoints: [entry],
        bundle: true,
        platform: "node",
        target: NODE_LAMBDA_ESBUILD_TARGET,
        format: "cjs",
        minify: opts.minify ?? true,
        write: false,
        legalComments: "none",
        absWorkingDir: PROJECT_ROOT,
        sourcemap: false,
        logLevel: "silent",
    });
    const file = result.outputFiles[0];
    if (result.errors.length > 0 || file === undefined) throw new Error(`${what} bundle failed: ${result.errors.map((e) => e.text).join("; ")}`);
    return file.text;
}
