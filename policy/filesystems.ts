/**
 * Container filesystems: every container's user and every path it writes; a non-root container writes only where it owns the directory.
 */
import type { Rule } from "./model";

export const FILESYSTEM_RULES: readonly Rule[] = [];
