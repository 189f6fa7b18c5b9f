/**
 * Service principals and keys: every AWS service that uses a customer-managed KMS key under its own principal is allowed by the key policy or a grant.
 */
import type { Rule } from "./model";

export const KEY_RULES: readonly Rule[] = [];
