/** Broken graphs for the rules of policy/filesystems.ts: one case per rule id (run by rules.test.ts). */
import type { Breaks } from "./mutate";

export const FILESYSTEM_BREAKS: Breaks = {};
