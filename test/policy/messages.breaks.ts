/** Broken graphs for the rules of policy/messages.ts: one case per rule id (run by rules.test.ts). */
import type { Breaks } from "./mutate";

export const MESSAGE_BREAKS: Breaks = {};
