/**
 * Message shapes: routing (SNS filter policies, Alertmanager routes, the notifier) judged against the exact message each sender produces.
 */
import type { Rule } from "./model";

export const MESSAGE_RULES: readonly Rule[] = [];
