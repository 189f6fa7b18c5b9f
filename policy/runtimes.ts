/**
 * Retired runtimes: Lambda runtimes and base images checked against a dated support table.
 */
import type { Rule } from "./model";

export const RUNTIME_RULES: readonly Rule[] = [];
