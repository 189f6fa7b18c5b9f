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
 *
 * The code is the `functions/` package (own package.json and lockfile): a bundle resolves its
 * packages from functions/node_modules only, never from the Pulumi program's, so what ships is what
 * `npm test --prefix functions` tested.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { FUNCTION_ENTRIES, HANDLER_EXPORT, type FunctionName } from "../../functions/src/contract";

/** Lambda runtime identifier of every function the platform deploys. */
export const NODE_LAMBDA_RUNTIME = "nodejs24.x";
/** esbuild target matching {@link NODE_LAMBDA_RUNTIME}. */
export const NODE_LAMBDA_ESBUILD_TARGET = "node24";
/** Handler of a bundle shipped as `index.js`. */
export const BUNDLE_HANDLER = `index.${HANDLER_EXPORT}`;

/** The runtime package. As `absWorkingDir` it also keeps this machine's paths out of the bundle (and its hash). */
const FUNCTIONS_ROOT = path.resolve(__dirname, "..", "..", "functions");

export interface BundleOptions {
    /** @default true */
    readonly minify?: boolean;
}

/**
 * One CommonJS file exporting `handler`, for {@link NODE_LAMBDA_RUNTIME}: the function's entry in
 * `functions/`. The AWS SDK v3 clients are bundled in, not taken from the runtime: the runtime's SDK
 * changes version without notice, while the code is tested against the version in functions'
 * lockfile. Every Lambda of the platform goes through here.
 */
export function bundleFunction(name: FunctionName, opts: BundleOptions = {}): string {
    return bundlePackageEntry(FUNCTIONS_ROOT, FUNCTION_ENTRIES[name], name, opts);
}

/** {@link bundleFunction} for an entry of any package root (tests use a throwaway one). */
export function bundlePackageEntry(root: string, entry: string, name: string, opts: BundleOptions = {}): string {
    const pkg = path.basename(root);
    if (!fs.existsSync(path.join(root, "node_modules"))) {
        throw new Error(`${name} bundle: ${pkg}/node_modules is missing: run npm ci --prefix ${pkg}`);
    }
    const result = buildSync({
        entryPoints: [path.join(root, entry)],
        bundle: true,
        platform: "node",
        target: NODE_LAMBDA_ESBUILD_TARGET,
        format: "cjs",
        minify: opts.minify ?? true,
        write: false,
        metafile: true,
        legalComments: "none",
        absWorkingDir: root,
        sourcemap: false,
        logLevel: "silent",
    });
    const file = result.outputFiles[0];
    if (result.errors.length > 0 || file === undefined) throw new Error(`${name} bundle failed: ${result.errors.map((e) => e.text).join("; ")}`);
    // Node resolution walks up past the package into the program's node_modules: a package functions/
    // forgot to declare would be bundled from there, untested. Inputs are relative to absWorkingDir.
    const outside = Object.keys(result.metafile.inputs).filter((input) => input.startsWith("../"));
    if (outside.length > 0) throw new Error(`${name} bundle: ${outside.join(", ")} resolved outside ${pkg}/: declare the package in ${pkg}/package.json`);
    return file.text;
}
