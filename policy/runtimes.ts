/**
 * Retired runtimes: Lambda runtimes and base images checked against a dated support table.
 *
 * The table is data with a source per row; the rules compare it with the evaluation date
 * (`PolicyContext.now`, default today), so a plan that passes today fails on the day a runtime can
 * no longer be created or a base image's product line reaches end of life. Something the table
 * does not know (a new runtime identifier, a release line that is not listed) is a violation too:
 * it cannot be judged, so whoever adds it adds its dates. A value unknown during a preview
 * (`undefined`), a floating tag (`latest`, `lts`) or an image this table has no product for is not
 * judged.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DockerfileParser } from "dockerfile-ast";
import { containersOf, nowOf, ofType, resourceRule, type PolicyResource, type Rule } from "./model";

/** Dates of one Lambda runtime identifier (YYYY-MM-DD, as the Lambda docs state them). */
export interface LambdaRuntimeDates {
    /** No more security patches or support. */
    readonly deprecation: string;
    /** CreateFunction refuses the runtime from this day. */
    readonly blockCreate: string;
    /** UpdateFunctionCode/Configuration refuse it from this day. */
    readonly blockUpdate: string;
}

/**
 * Node.js runtimes, https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html ("Lambda supports
 * the following Node.js runtimes", and the deprecated-runtimes table of
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html). Every function of this
 * platform is Node.js; another language's identifier is "not in the table".
 */
export const LAMBDA_RUNTIMES: Readonly<Record<string, LambdaRuntimeDates>> = {
    "nodejs24.x": { deprecation: "2028-04-30", blockCreate: "2028-06-01", blockUpdate: "2028-07-01" },
    "nodejs22.x": { deprecation: "2027-04-30", blockCreate: "2027-06-01", blockUpdate: "2027-07-01" },
    "nodejs20.x": { deprecation: "2026-04-30", blockCreate: "2026-08-31", blockUpdate: "2026-09-30" },
    "nodejs18.x": { deprecation: "2025-09-01", blockCreate: "2026-02-03", blockUpdate: "2026-03-09" },
};

/** One base-image product: how its tags name a release line, and each line's end of life. */
export interface ImageProduct {
    /** Where the dates come from. */
    readonly source: string;
    /** The release line a tag belongs to (`24` for node `24.20.0-bookworm-slim`), or undefined for a floating tag. */
    readonly lineOf: (tag: string) => string | undefined;
    /** End of life per release line; `null`: supported, no end announced yet. */
    readonly endOfLife: Readonly<Record<string, string | null>>;
}

const major = (tag: string) => /^(\d+)(?:[.-]|$)/.exec(tag)?.[1];
const majorMinor = (tag: string) => {
    const m = /^(\d+)\.(\d+)(?:[.-]|$)/.exec(tag);
    return m ? `${m[1]}.${m[2]}` : undefined;
};

/** Docker Official Images by repository name. */
export const IMAGE_PRODUCTS: Readonly<Record<string, ImageProduct>> = {
    node: {
        source: "https://github.com/nodejs/Release#release-schedule (https://nodejs.org/en/about/previous-releases)",
        lineOf: major,
        endOfLife: {
            "18": "2025-04-30",
            "20": "2026-04-30",
            "21": "2024-06-01",
            "22": "2027-04-30",
            "23": "2025-06-01",
            "24": "2028-04-30",
            "25": "2026-06-01",
            "26": "2029-04-30",
        },
    },
    postgres: {
        source: "https://www.postgresql.org/support/versioning/",
        lineOf: major,
        endOfLife: {
            "12": "2024-11-21",
            "13": "2025-11-13",
            "14": "2026-11-12",
            "15": "2027-11-11",
            "16": "2028-11-09",
            "17": "2029-11-08",
            "18": "2030-11-14",
        },
    },
    redis: {
        source: "https://redis.io/docs/latest/operate/oss_and_stack/install/version-mgmt/",
        lineOf: majorMinor,
        endOfLife: {
            "6.2": "2027-04-01",
            "7.2": "2029-12-01",
            "7.4": "2029-12-01",
            "8.0": "2026-12-01",
            "8.2": "2030-09-01",
            "8.4": null,
            "8.6": null,
            "8.8": null,
        },
    },
};

/** Registries under which a bare name is a Docker Official Image. */
const OFFICIAL = /^(?:(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\/)?(?:library\/)?([a-z0-9._-]+)$/;
const ECR_PUBLIC_MIRROR = /^public\.ecr\.aws\/docker\/library\/([a-z0-9._-]+)$/;

/** `{ product, tag }` of an image reference when it is a Docker Official Image with a tag. */
export function parseImageRef(ref: string): { product: string; tag: string } | undefined {
    const noDigest = ref.split("@")[0] as string;
    const slash = noDigest.lastIndexOf("/");
    const colon = noDigest.lastIndexOf(":");
    if (colon <= slash) return undefined;
    const repo = noDigest.slice(0, colon);
    const tag = noDigest.slice(colon + 1);
    const product = (OFFICIAL.exec(repo) ?? ECR_PUBLIC_MIRROR.exec(repo))?.[1];
    return product === undefined ? undefined : { product, tag };
}

/** Why an image is not supported on `now`, or undefined when it is (or cannot be judged). */
export function imageProblem(ref: string, now: Date): string | undefined {
    const parsed = parseImageRef(ref);
    const product = parsed && IMAGE_PRODUCTS[parsed.product];
    if (parsed === undefined || product === undefined) return undefined;
    const line = product.lineOf(parsed.tag);
    if (line === undefined) return undefined;
    if (!(line in product.endOfLife))
        return `${ref}: ${parsed.product} ${line} is not in the support table (${product.source}); add its end-of-life date or move to a supported line`;
    const eol = product.endOfLife[line];
    if (eol !== null && eol !== undefined && now.getTime() >= Date.parse(eol))
        return `${ref}: ${parsed.product} ${line} reached end of life on ${eol} (${product.source})`;
    return undefined;
}

/** Why a Lambda runtime cannot be created on `now`, or undefined when it can. */
export function runtimeProblem(runtime: string, now: Date): string | undefined {
    const dates = LAMBDA_RUNTIMES[runtime];
    if (dates === undefined)
        return `runtime ${runtime} is not in the support table (LAMBDA_RUNTIMES, from https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html); add its dates`;
    if (now.getTime() >= Date.parse(dates.blockCreate)) {
        return `runtime ${runtime} can no longer be created (deprecated ${dates.deprecation}, function create blocked from ${dates.blockCreate}); move to a supported runtime`;
    }
    return undefined;
}

/** The project root, against which the plan's relative build contexts are resolved (Pulumi runs there). */
const PROJECT_ROOT = path.resolve(__dirname, "..");

/**
 * The base images a Dockerfile builds FROM, with `ARG` values substituted — the build's `args`
 * (what `docker build --build-arg` passes; they override an ARG's default) or else the defaults —
 * by dockerfile-ast's expansion of the global ARGs before the first FROM, leaving out earlier stages
 * and `scratch`.
 */
export function baseImagesOf(dockerfile: string, buildArgs: Readonly<Record<string, unknown>> = {}): string[] {
    // A build arg replaces the declared ARG's default: rewrite `ARG NAME[=default]` to `ARG NAME=value`.
    const withArgs = dockerfile.replace(/^(\s*ARG\s+)([A-Za-z_][A-Za-z0-9_]*)(=[^\n]*)?$/gim, (line, head: string, name: string) =>
        typeof buildArgs[name] === "string" ? `${head}${name}=${String(buildArgs[name])}` : line,
    );
    const parsed = DockerfileParser.parse(withArgs);
    const stages = new Set<string>();
    const images: string[] = [];
    for (const from of parsed.getFROMs()) {
        const image = from.getExpandedArguments()[0]?.getValue();
        const stage = from.getBuildStage();
        if (image !== undefined && image !== "scratch" && !stages.has(image.toLowerCase()) && !image.includes("$")) images.push(image);
        if (stage !== null) stages.add(stage.toLowerCase());
    }
    return images;
}

/** The Dockerfile text of a `docker:index/image:Image`, or undefined when it cannot be read. */
function dockerfileOf(r: PolicyResource): { file: string; text: string; args: Record<string, unknown> } | undefined {
    const build = r.inputs.build as { context?: string; dockerfile?: string; args?: Record<string, unknown> } | undefined;
    if (build?.context === undefined) return undefined;
    const file = path.resolve(PROJECT_ROOT, build.dockerfile ?? path.join(build.context, "Dockerfile"));
    try {
        return { file, text: fs.readFileSync(file, "utf8"), args: build.args ?? {} };
    } catch {
        return undefined;
    }
}

export const RUNTIME_RULES: readonly Rule[] = [
    resourceRule({
        id: "lambda-runtime-creatable",
        reason: "Every Lambda runtime can still be created on the evaluation date (AWS blocks create, then update, after deprecation).",
        types: ["aws:lambda/function:Function"],
        test: (r, ctx) => (typeof r.inputs.runtime === "string" ? runtimeProblem(r.inputs.runtime, nowOf(ctx)) : undefined),
    }),
    {
        id: "base-image-supported",
        reason: "No container runs, and no image is built on, a base image whose release line is past its end of life.",
        check: (ctx) => {
            const now = nowOf(ctx);
            const upstream = ofType(ctx, "aws:ecs/taskDefinition:TaskDefinition").flatMap((resource) =>
                (containersOf(resource) ?? []).flatMap((c) => {
                    const image = (c as { image?: unknown }).image;
                    const problem = typeof image === "string" ? imageProblem(image, now) : undefined;
                    return problem ? [{ resource, message: `container ${c.name ?? "?"}: ${problem}` }] : [];
                }),
            );
            const built = ofType(ctx, "docker:index/image:Image").flatMap((resource) => {
                const d = dockerfileOf(resource);
                if (d === undefined) return [];
                return baseImagesOf(d.text, d.args).flatMap((image) => {
                    const problem = imageProblem(image, now);
                    return problem ? [{ resource, message: `${path.relative(PROJECT_ROOT, d.file)} FROM ${problem}` }] : [];
                });
            });
            return [...upstream, ...built];
        },
    },
];
