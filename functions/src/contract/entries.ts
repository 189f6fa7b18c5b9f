/**
 * Which module is each function's entry and what it exports. The Pulumi program bundles
 * `<functions>/<entry>` into `index.js` (`components/common/lambda.ts`); the Lambda handler
 * setting is `index.<HANDLER_EXPORT>`.
 */
export const FUNCTION_ENTRIES = {
    notifier: "src/notifier/handler.ts",
    pagerduty: "src/pagerduty/handler.ts",
    "secret-follower": "src/secret-follower/handler.ts",
} as const;

export type FunctionName = keyof typeof FUNCTION_ENTRIES;

/** Every entry exports an `async (event, context?)` function under this name. */
export const HANDLER_EXPORT = "handler";
