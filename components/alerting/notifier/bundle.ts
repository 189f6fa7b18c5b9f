/**
 * Bundles the notifier into one CommonJS file for the platform's Lambda runtime:
 * `new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundleNotifier()) })`
 * with handler `index.handler`.
 */
import * as path from "node:path";
import { BUNDLE_HANDLER, bundleLambda, NODE_LAMBDA_RUNTIME, type BundleOptions } from "../../common/lambda";

export type { BundleOptions } from "../../common/lambda";

export const NOTIFIER_ENTRY = path.join(__dirname, "..", "..", "..", "functions", "src", "notifier", "handler.ts");
export const NOTIFIER_RUNTIME = NODE_LAMBDA_RUNTIME;
export const NOTIFIER_HANDLER = BUNDLE_HANDLER;

/** The bundled handler source. Synchronous so it can feed a StringAsset directly. */
export function bundleNotifier(opts: BundleOptions = {}): string {
    return bundleLambda(NOTIFIER_ENTRY, "notifier", opts);
}
