/**
 * Dead exports (knip.jsonc, run by `npm run lint:exports` in `npm test`; issue 16 item 6): the real
 * tree has none, and a small tree under the same rules is refused for each kind of dead export while
 * a type named in an exported signature passes. https://knip.dev/reference/configuration
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as ts from "typescript";

const REPO = path.resolve(__dirname, "..", "..");
const KNIP = path.join(REPO, "node_modules", ".bin", "knip");

interface KnipIssue {
    readonly file: string;
    readonly exports: readonly { readonly name: string }[];
    readonly types: readonly { readonly name: string }[];
}

/** knip's JSON report and the exit status of the command-line form (as npm test runs it). */
function knip(cwd: string): { status: number | null; found: string[] } {
    const run = (args: string[]) => spawnSync(KNIP, ["--no-progress", ...args], { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
    const json = run(["--reporter", "json"]);
    if (json.error) throw new Error(`knip could not run (${json.error.message}): npm ci installs it (devDependency knip)`);
    const report = JSON.parse(json.stdout) as { issues: KnipIssue[] };
    const found = report.issues.flatMap((i) => [...i.exports.map((e) => `${i.file}: ${e.name}`), ...i.types.map((t) => `${i.file}: type ${t.name}`)]);
    return { status: run([]).status, found: found.sort() };
}

/** The repository's rules (knip.jsonc is JSONC; TypeScript's tsconfig reader parses it). */
function repoRules(): Record<string, unknown> {
    const file = path.join(REPO, "knip.jsonc");
    const { config, error } = ts.parseConfigFileTextToJson(file, readFileSync(file, "utf8"));
    if (error !== undefined) throw new Error(`knip.jsonc: ${ts.flattenDiagnosticMessageText(error.messageText, "\n")}`);
    return config as Record<string, unknown>;
}

describe("npm run lint:exports (knip)", function () {
    this.timeout(120_000);

    it("the real tree has no dead export", () => {
        const { status, found } = knip(REPO);
        assert.deepEqual(found, []);
        assert.equal(status, 0);
    });

    it("refuses a function nobody calls, a constant only its module reads and an unused type; accepts a type in an exported signature", () => {
        const root = mkdtempSync(path.join(tmpdir(), "lint-exports-"));
        const file = (rel: string, text: string) => {
            mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
            writeFileSync(path.join(root, rel), text);
        };
        try {
            const { include, ignoreExportsUsedInFile } = repoRules();
            file("package.json", JSON.stringify({ name: "tiny", private: true, main: "index.ts" }));
            file("knip.json", JSON.stringify({ include, ignoreExportsUsedInFile }));
            file("index.ts", 'import { greet } from "./lib";\nconsole.log(greet({ name: "x" }));\n');
            file(
                "lib.ts",
                [
                    "export interface GreetArgs { readonly name: string }",
                    "export type Unused = number;",
                    'export const PREFIX = "hello ";',
                    "export function greet(args: GreetArgs): string { return PREFIX + args.name; }",
                    "export function dead(): number { return 1; }",
                    "",
                ].join("\n"),
            );
            const { status, found } = knip(root);
            assert.deepEqual(found, ["lib.ts: PREFIX", "lib.ts: dead", "lib.ts: type Unused"]);
            assert.equal(status, 1);
        } finally {
            rmSync(root, { recursive: true, force: true });
        }
    });
});
