/**
 * Creation order: AWS's ordering needs over the plan's `dependsOn` (services after the capacity-provider association and their listener, EFS users after mount targets, subscriptions after their permissions, ...).
 */
import type { Rule } from "./model";

export const ORDER_RULES: readonly Rule[] = [];
