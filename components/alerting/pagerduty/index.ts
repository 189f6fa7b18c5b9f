/** PagerDuty forwarder: bundled handler and the pure event mapping. */
import * as path from "node:path";
import { buildSync } from "esbuild";

export { PAGERDUTY_ENV, PAGERDUTY_EVENTS_URL, pagerDutyEventFor, type PagerDutyEvent } from "./event";

export const PAGERDUTY_HANDLER = "index.handler";
export const PAGERDUTY_RUNTIME = "nodejs20.x";

/** One CommonJS file for the nodejs20.x runtime (SDK bundled, as for the notifier: pinned by our lockfile). */
export function bundlePagerDutyForwarder(): string {
    const result = buildSync({
        entryPoints: [path.join(__dirname, "handler.ts")],
        bundle: true,
        platform: "node",
        target: "node20",
        format: "cjs",
        minify: true,
        write: false,
        legalComments: "none",
        absWorkingDir: path.resolve(__dirname, "..", "..", ".."),
        logLevel: "silent",
    });
    const file = result.outputFiles[0];
    if (result.errors.length > 0 || file === undefined) throw new Error(`PagerDuty forwarder bundle failed: ${result.errors.map((e) => e.text).join("; ")}`);
    return file.text;
}
