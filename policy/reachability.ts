/**
 * Reachability: who can reach whom on which port, from security groups (inline and standalone rules), load-balancer listeners and rules, internet-facing or internal; every flow the system needs is allowed and nothing else that matters is open.
 */
import type { Rule } from "./model";

export const REACHABILITY_RULES: readonly Rule[] = [];
