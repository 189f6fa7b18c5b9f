/** Broken graphs for the rules of policy/order.ts: one case per rule id (run by rules.test.ts). */
import type { Breaks } from "./mutate";

export const ORDER_BREAKS: Breaks = {};
