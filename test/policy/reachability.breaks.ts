/** Broken graphs for the rules of policy/reachability.ts: one case per rule id (run by rules.test.ts). */
import type { Breaks } from "./mutate";

export const REACHABILITY_BREAKS: Breaks = {};
