/** The dated support table behind policy/runtimes.ts: passes today, fails after a retirement date. */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { evaluate } from "../../policy/rules";
import { baseImagesOf, imageProblem, IMAGE_PRODUCTS, LAMBDA_RUNTIMES, parseImageRef, RUNTIME_RULES, runtimeProblem } from "../../policy/runtimes";
import { NODE_LAMBDA_RUNTIME } from "../../components/common/lambda";
import { stackGraph } from "../harness";
import { withResource } from "./mutate";

const ROOT = path.resolve(__dirname, "..", "..");
const day = (d: string) => new Date(`${d}T00:00:00Z`);
const ids = RUNTIME_RULES.map((r) => r.id);
const runtimeViolations = (resources: Parameters<typeof evaluate>[0]["resources"], now: Date) =>
    evaluate({ environment: "dev", resources, now }).filter((v) => ids.includes(v.rule));

describe("retired runtimes and base images", () => {
    it("nodejs24.x passes today (2026-12-01) and fails from its block-create date 2028-06-01", async () => {
        assert.equal(NODE_LAMBDA_RUNTIME, "nodejs24.x");
        const g = await stackGraph("prod");
        assert.deepEqual(runtimeViolations(g.resources, day("2026-12-01")), []);
        const later = runtimeViolations(g.resources, day("2028-06-01")).filter((v) => v.rule === "lambda-runtime-creatable");
        assert.equal(later.length, g.ofType("aws:lambda/function:Function").length, "every function is reported");
        assert.match(later[0]!.message, /can no longer be created \(deprecated 2028-04-30, function create blocked from 2028-06-01\)/);
        assert.equal(
            runtimeViolations(g.resources, day("2028-05-31")).filter((v) => v.rule === "lambda-runtime-creatable").length,
            0,
            "deprecated but still creatable the day before",
        );
    });

    it("nodejs20.x (the defect) cannot be created on 2026-12-01, but could on 2026-08-30", () => {
        assert.match(runtimeProblem("nodejs20.x", day("2026-12-01")) ?? "", /function create blocked from 2026-08-31/);
        assert.equal(runtimeProblem("nodejs20.x", day("2026-08-30")), undefined);
        assert.match(runtimeProblem("python3.13", day("2026-12-01")) ?? "", /not in the support table/);
        for (const [id, d] of Object.entries(LAMBDA_RUNTIMES)) assert.ok(d.deprecation < d.blockCreate && d.blockCreate < d.blockUpdate, id);
    });

    it("reads the app image's base from its Dockerfile with the ARG default: node 24 until its end of life 2028-04-30", async () => {
        const text = readFileSync(path.join(ROOT, "app", "Dockerfile"), "utf8");
        const images = baseImagesOf(text);
        assert.ok(images.length >= 1 && images.every((i) => /^node:24\.\d+\.\d+-bookworm-slim$/.test(i)), images.join(", "));
        const g = await stackGraph("dev");
        const web = g.resources.find((r) => r.type === "docker:index/image:Image" && (r.inputs.build as { context?: string }).context === "app");
        assert.ok(web, "the web image is built from app/");
        const on = (d: string) => runtimeViolations([web], day(d)).map((v) => v.message);
        assert.deepEqual(on("2026-12-01"), []);
        assert.match(on("2028-04-30")[0] ?? "", /app\/Dockerfile FROM node:24\.[\d.]+-bookworm-slim: node 24 reached end of life on 2028-04-30/);
    });

    it("judges upstream images of task definitions: dev's postgres 15 until 2027-11-11, redis 7.2 until 2029-12-01", async () => {
        const g = await stackGraph("dev");
        const at = (d: string) =>
            runtimeViolations(g.resources, day(d))
                .filter((v) => v.rule === "base-image-supported")
                .map((v) => v.message);
        assert.deepEqual(at("2026-12-01"), []);
        // dev's PostgreSQL is built FROM the pinned upstream image, passed as a build arg.
        assert.ok(
            at("2027-11-11").some((m) => /postgres-image\/Dockerfile FROM postgres:15\.10-bookworm: postgres 15 reached end of life on 2027-11-11/.test(m)),
            at("2027-11-11").join("\n"),
        );
        assert.ok(!at("2027-11-11").some((m) => /redis/.test(m)));
    });

    it("a built image on an end-of-life line is caught through its Dockerfile", async () => {
        const g = await stackGraph("dev");
        const { resources, target } = withResource(g.resources, {
            type: "docker:index/image:Image",
            name: "old",
            inputs: { build: { context: "test/policy/fixtures/node20-image", dockerfile: "test/policy/fixtures/node20-image/Dockerfile" } },
        });
        const v = runtimeViolations(resources, day("2026-12-01")).filter((x) => x.resource === target);
        assert.equal(v.length, 1, "the second FROM names a stage, not an image");
        assert.match(v[0]!.message, /node 20 reached end of life on 2026-04-30/);
    });

    it("parses image references: official images only, tags to release lines, floating tags not judged", () => {
        assert.deepEqual(parseImageRef("postgres:15.10-bookworm"), { product: "postgres", tag: "15.10-bookworm" });
        assert.deepEqual(parseImageRef("docker.io/library/node:24.20.0-bookworm-slim@sha256:abc"), { product: "node", tag: "24.20.0-bookworm-slim" });
        assert.deepEqual(parseImageRef("public.ecr.aws/docker/library/redis:7.2.6"), { product: "redis", tag: "7.2.6" });
        assert.equal(parseImageRef("quay.io/prometheus/alertmanager:v0.25.0")?.product, undefined);
        assert.equal(parseImageRef("123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:00"), undefined);
        assert.equal(imageProblem("node:lts-bookworm-slim", day("2030-01-01")), undefined);
        assert.match(imageProblem("redis:7.0.15", day("2026-12-01")) ?? "", /redis 7\.0 is not in the support table/);
        assert.equal(imageProblem("redis:8.6.1", day("2035-01-01")), undefined, "a supported line with no end announced");
        assert.equal(IMAGE_PRODUCTS.node!.lineOf("24.20.0-bookworm-slim"), "24");
        assert.equal(IMAGE_PRODUCTS.redis!.lineOf("7.2.6-bookworm"), "7.2");
    });

    it("baseImagesOf substitutes ARG defaults and skips stages and scratch", () => {
        const images = baseImagesOf(
            "ARG BASE=postgres:16.4\nARG V=24.20.0\nFROM --platform=$BUILDPLATFORM node:${V}-bookworm-slim AS b\nFROM b\nFROM ${BASE}\nFROM scratch\n",
        );
        assert.deepEqual(images, ["node:24.20.0-bookworm-slim", "postgres:16.4"]);
    });
});
