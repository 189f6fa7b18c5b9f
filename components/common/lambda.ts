/**
 * The platform's Lambda runtime and its bundler: one runtime identifier, one esbuild target, one way
 * to turn a handler module into the single CommonJS file a function's code archive holds.
 *
 * Runtime: `nodejs24.x`, standard support until 2028-04-30, creation blocked from 2028-06-01
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html; `policy/runtimes.ts` holds the
 * dated table and fails the plan once a runtime can no longer be created). `nodejs20.x` was
 * deprecated 2026-04-30 and cannot be created since 2026-08-31.
 *
 * Node.js 24 on Lambda no longer supports callback-style handlers: the runtime interface client
 * refuses a handler whose `length` is 3 or more (`(event, context, callback)`), see
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html and aws-lambda-nodejs-runtime-
 * interface-client `src/function/callback-deprecation.ts` (`argsNum >= 3` → error). Every handler
 * here is `async (event, context?)`; `test/common/lambda.test.ts` loads each bundle and checks it.
 *
 * The code is the `functions/` package (own package.json and lockfile): a bundle resolves its
 * packages from functions/node_modules only, never from the Pulumi program's, so what ships is what
 * `npm test --prefix functions` tested.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildSync } from "esbuild";
import { FUNCTION_ENTRIES, HANDLER_EXPORT, type FunctionName } from "../../functions/src/contract";
import { assumeRolePolicy, policyDocument, type PolicyStatement } from "./iam";

/** Lambda runtime identifier of every function the platform deploys. */
export const NODE_LAMBDA_RUNTIME = "nodejs24.x";
/** esbuild target matching {@link NODE_LAMBDA_RUNTIME}. */
export const NODE_LAMBDA_ESBUILD_TARGET = "node24";
/** Handler of a bundle shipped as `index.js`. */
export const BUNDLE_HANDLER = `index.${HANDLER_EXPORT}`;

/** The runtime package. As `absWorkingDir` it also keeps this machine's paths out of the bundle (and its hash). */
const FUNCTIONS_ROOT = path.resolve(__dirname, "..", "..", "functions");

export interface BundleOptions {
    /** @default true */
    readonly minify?: boolean;
}

/**
 * One CommonJS file exporting `handler`, for {@link NODE_LAMBDA_RUNTIME}: the function's entry in
 * `functions/`. The AWS SDK v3 clients are bundled in, not taken from the runtime: the runtime's SDK
 * changes version without notice, while the code is tested against the version in functions'
 * lockfile. Every Lambda of the platform goes through here.
 */
export function bundleFunction(name: FunctionName, opts: BundleOptions = {}): string {
    return bundlePackageEntry(FUNCTIONS_ROOT, FUNCTION_ENTRIES[name], name, opts);
}

/** {@link bundleFunction} for an entry of any package root (tests use a throwaway one). */
export function bundlePackageEntry(root: string, entry: string, name: string, opts: BundleOptions = {}): string {
    const pkg = path.basename(root);
    if (!fs.existsSync(path.join(root, "node_modules"))) {
        throw new Error(`${name} bundle: ${pkg}/node_modules is missing: run npm ci --prefix ${pkg}`);
    }
    const result = buildSync({
        entryPoints: [path.join(root, entry)],
        bundle: true,
        platform: "node",
        target: NODE_LAMBDA_ESBUILD_TARGET,
        format: "cjs",
        minify: opts.minify ?? true,
        write: false,
        metafile: true,
        legalComments: "none",
        absWorkingDir: root,
        sourcemap: false,
        logLevel: "silent",
    });
    const file = result.outputFiles[0];
    if (result.errors.length > 0 || file === undefined) throw new Error(`${name} bundle failed: ${result.errors.map((e) => e.text).join("; ")}`);
    // Node resolution walks up past the package into the program's node_modules: a package functions/
    // forgot to declare would be bundled from there, untested. Inputs are relative to absWorkingDir.
    const outside = Object.keys(result.metafile.inputs).filter((input) => input.startsWith("../"));
    if (outside.length > 0) throw new Error(`${name} bundle: ${outside.join(", ")} resolved outside ${pkg}/: declare the package in ${pkg}/package.json`);
    return file.text;
}

/** One platform Lambda: its log group, least-privilege role, function and async-invoke config. */
export interface PlatformFunctionSpec {
    /** Logical names of its resources (each keeps the name it was deployed with). */
    readonly logicalNames: { readonly logs: string; readonly role: string; readonly fn: string; readonly async: string };
    readonly functionName: pulumi.Input<string>;
    /** Where it logs (Lambda would otherwise create `/aws/lambda/<name>` itself, unencrypted and kept forever). */
    readonly logGroupName: pulumi.Input<string>;
    /** The bundle ({@link bundleFunction}). */
    readonly code: string;
    readonly env: Record<string, pulumi.Input<string>>;
    /** What it may do besides writing its logs. */
    readonly statements: readonly PolicyStatement[];
    readonly timeout: number;
    readonly logRetentionDays: number;
    /** Customer-managed key of the log group. */
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly tags: Readonly<Record<string, string>>;
    /** Asynchronous invocations (SNS, EventBridge): retries, age, and the on-failure destination if any. */
    readonly async: { readonly maximumRetryAttempts: number; readonly maximumEventAgeInSeconds: number; readonly onFailure?: pulumi.Input<string> };
    /** Options of each resource (parent, aliases), with `dependsOn` added where needed. */
    readonly opts: (extra?: pulumi.CustomResourceOptions) => pulumi.CustomResourceOptions;
}

export interface PlatformFunction {
    readonly fn: aws.lambda.Function;
    readonly logGroup: aws.cloudwatch.LogGroup;
}

/**
 * Every Lambda of the platform is built here: a log group of its own (encrypted, with retention) the
 * function waits for, a role that may write only to it plus `statements`, {@link NODE_LAMBDA_RUNTIME}
 * with the bundle as `index.js`, 256 MB, and its async-invoke config. No reserved concurrency: Lambda
 * keeps at least 100 units unreserved ("You can reserve up to the Unreserved account concurrency
 * value [...] minus 100", https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html),
 * and new accounts start with a reduced quota (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html):
 * there any reservation fails the deploy.
 */
export function platformFunction(spec: PlatformFunctionSpec): PlatformFunction {
    const logGroup = new aws.cloudwatch.LogGroup(
        spec.logicalNames.logs,
        { name: spec.logGroupName, retentionInDays: spec.logRetentionDays, kmsKeyId: spec.kmsKeyArn, tags: spec.tags },
        spec.opts(),
    );
    const role = new aws.iam.Role(
        spec.logicalNames.role,
        {
            assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"),
            inlinePolicies: [
                {
                    name: "least-privilege",
                    policy: policyDocument([
                        { Sid: "Logs", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${logGroup.arn}:*` },
                        ...spec.statements,
                    ]),
                },
            ],
            tags: spec.tags,
        },
        spec.opts(),
    );
    const fn = new aws.lambda.Function(
        spec.logicalNames.fn,
        {
            name: spec.functionName,
            role: role.arn,
            runtime: NODE_LAMBDA_RUNTIME,
            handler: BUNDLE_HANDLER,
            code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(spec.code) }),
            timeout: spec.timeout,
            memorySize: 256,
            loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
            environment: { variables: spec.env },
            tags: spec.tags,
        },
        spec.opts({ dependsOn: [logGroup] }),
    );
    new aws.lambda.FunctionEventInvokeConfig(
        spec.logicalNames.async,
        {
            functionName: fn.name,
            maximumRetryAttempts: spec.async.maximumRetryAttempts,
            maximumEventAgeInSeconds: spec.async.maximumEventAgeInSeconds,
            ...(spec.async.onFailure !== undefined ? { destinationConfig: { onFailure: { destination: spec.async.onFailure } } } : {}),
        },
        spec.opts(),
    );
    return { fn, logGroup };
}
