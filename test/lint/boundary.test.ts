/**
 * The import boundary between the Pulumi program and functions/ (.dependency-cruiser.cjs, run by
 * `npm run lint:boundary` in `npm test`): the real tree passes, and a small tree with one violation
 * of each rule is refused rule by rule.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..", "..");
const DEPCRUISE = path.join(REPO, "node_modules", ".bin", "depcruise");
const CONFIG = path.join(REPO, ".dependency-cruiser.cjs");

interface Violation {
    readonly rule: { readonly name: string };
    readonly from: string;
    readonly to: string;
}

/** The violations (JSON report) and the exit status of the command-line form (`err` report, as npm test runs it). */
function cruise(cwd: string, targets: readonly string[]): { status: number | null; violations: Violation[] } {
    const run = (type: string) => spawnSync(DEPCRUISE, ["--config", CONFIG, "--output-type", type, ...targets], { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
    const json = run("json");
    if (json.error) throw new Error(`depcruise could not run (${json.error.message}): npm ci installs it (devDependency dependency-cruiser)`);
    const out = JSON.parse(json.stdout) as { summary: { violations: Violation[] } };
    return { status: run("err").status, violations: out.summary.violations };
}

describe("import boundary: the Pulumi program and functions/", function () {
    this.timeout(120_000);

    it("the real tree has no violation (npm run lint:boundary)", () => {
        const pkg = JSON.parse(execFileSync("node", ["-p", "JSON.stringify(require('./package.json').scripts)"], { cwd: REPO, encoding: "utf8" })) as Record<
            string,
            string
        >;
        const targets = pkg["lint:boundary"]!.split(/\s+/).slice(3);
        assert.deepEqual(targets, ["index.ts", "stacks", "components", "config", "policy", "scripts", "ops", "functions/src", "functions/test"]);
        const { status, violations } = cruise(REPO, targets);
        assert.deepEqual(
            violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`),
            [],
        );
        assert.equal(status, 0);
    });

    it("refuses a component importing runtime code, @pulumi in functions/, functions/ reaching out, a contract reaching outside contract/, and a contract that loads the SDK", () => {
        // Inside the repo (.build/ is ignored) so packages resolve from the root node_modules as they would.
        mkdirSync(path.join(REPO, ".build"), { recursive: true });
        const root = mkdtempSync(path.join(REPO, ".build", "boundary-"));
        const file = (rel: string, text: string) => {
            mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
            writeFileSync(path.join(root, rel), text);
        };
        try {
            file("components/uses-contract.ts", 'import { LIMIT } from "../functions/src/contract";\nexport const limit = LIMIT;\n');
            file("components/uses-runtime.ts", 'import { send } from "../functions/src/notifier/notifier";\nexport const s = send;\n');
            file("functions/src/contract/index.ts", 'export const LIMIT = 1;\nexport { send } from "../notifier/notifier";\n');
            file("functions/src/notifier/notifier.ts", 'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";\nexport const send = DynamoDBClient;\n');
            file("functions/src/deploy.ts", 'import * as pulumi from "@pulumi/pulumi";\nexport const p = pulumi;\n');
            file("functions/src/reach-out.ts", 'import { limit } from "../../components/uses-contract";\nexport const l = limit;\n');
            const { status, violations } = cruise(root, ["components", "functions/src"]);
            const found = violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to.replace(/^(\.\.\/)+/, "")}`).sort();
            assert.deepEqual(found, [
                "functions-contract-is-self-contained: functions/src/contract/index.ts → functions/src/notifier/notifier.ts",
                "functions-contract-loads-no-package: functions/src/contract/index.ts → node_modules/@aws-sdk/client-dynamodb/dist-cjs/index.js",
                "functions-import-no-pulumi: functions/src/deploy.ts → node_modules/@pulumi/pulumi/index.js",
                "functions-stay-in-their-package: functions/src/deploy.ts → node_modules/@pulumi/pulumi/index.js",
                "functions-stay-in-their-package: functions/src/notifier/notifier.ts → node_modules/@aws-sdk/client-dynamodb/dist-cjs/index.js",
                "functions-stay-in-their-package: functions/src/reach-out.ts → components/uses-contract.ts",
                "program-imports-only-the-functions-contract: components/uses-runtime.ts → functions/src/notifier/notifier.ts",
            ]);
            assert.notEqual(status, 0, "depcruise exits non-zero on an error-severity violation");
        } finally {
            rmSync(root, { recursive: true, force: true });
        }
    });
});
