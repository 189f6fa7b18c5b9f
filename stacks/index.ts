import { loadConfig } from "../config";
import { deployEnvironment } from "./environment";

/** The program: validate the stack's config (before any resource exists), then deploy. */
export async function main(): Promise<Record<string, unknown>> {
    const cfg = loadConfig();
    return deployEnvironment(cfg).outputs;
}
