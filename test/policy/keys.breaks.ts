/** Broken graphs for the rules of policy/keys.ts: one case per rule id (run by rules.test.ts). */
import type { Breaks } from "./mutate";

export const KEY_BREAKS: Breaks = {};
