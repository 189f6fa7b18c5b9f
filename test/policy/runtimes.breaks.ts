/** Broken graphs for the rules of policy/runtimes.ts: one case per rule id (run by rules.test.ts). */
import type { Breaks } from "./mutate";

export const RUNTIME_BREAKS: Breaks = {};
