/**
 * The contract between the Lambda runtime code and the Pulumi program: the only module of
 * `functions/` the program may import (`.dependency-cruiser.cjs` holds that boundary, and holds
 * this module's closure free of npm packages: importing it loads no SDK).
 */
export * from "./convention";
export * from "./deliveries";
export * from "./entries";
export * from "./timings";
// Defined beside the code that reads them; both modules import nothing but the convention above.
export { PAGERDUTY_ENV } from "../pagerduty/event";
export { SECRET_FOLLOWER_ENV } from "../secret-follower/follow";
