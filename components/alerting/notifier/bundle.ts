/**
 * Bundles the notifier into one CommonJS file for the nodejs20.x runtime:
 * `new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundleNotifier()) })`
 * with handler `index.handler`.
 */
import * as path from "node:path";
import { buildSync } from "esbuild";

export const NOTIFIER_ENTRY = path.join(__dirname, "handler.ts");
export const NOTIFIER_RUNTIME = "nodejs20.x";
export const NOTIFIER_HANDLER = "index.handler";

export interface BundleOptions {
    /** @default true */
    readonly minify?: boolean;
}

/**
 * Returns the bundled handler source. Synchronous so it can feed a StringAsset directly.
 *
 * The AWS SDK v3 clients are bundled in rather than marked external: the runtime's preinstalled
 * SDK changes version without notice, and the code is tested against the version in our lockfile.
 * Pinning costs some hundreds of KB and a few ms of cold start, which a notifier that runs a few
 * times an hour can afford; a silent behaviour change in an alerting path cannot.
 */
export function bundleNotifier(opts: BundleOptions = {}): string {
    const result = buildSync({
        entryPoints: [NOTIFIER_ENTRY],
        bundle: true,
        platform: "node",
        target: "node20",
        format: "cjs",
        minify: opts.minify ?? true,
        write: false,
        legalComments: "none",
        // Deterministic output: no absolute paths of this machine end up in the asset hash.
        absWorkingDir: path.resolve(__dirname, "..", "..", ".."),
        sourcemap: false,
        logLevel: "silent",
    });
    if (result.errors.length > 0) throw new Error(`notifier bundle failed: ${result.errors.map((e) => e.text).join("; ")}`);
    const file = result.outputFiles[0];
    if (file === undefined) throw new Error("notifier bundle produced no output");
    return file.text;
}
