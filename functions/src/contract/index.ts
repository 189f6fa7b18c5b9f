/**
 * The contract between the Lambda runtime code and the Pulumi program: the only module of
 * `functions/` the program may import (`.dependency-cruiser.cjs` holds that boundary, and holds
 * this module's closure within `contract/`: importing it loads no SDK).
 */
export * from "./convention";
export * from "./deliveries";
export * from "./entries";
export * from "./environment";
export * from "./timings";
