/**
 * `npm run lint:imports` (issue 16): the import graph has no cycle and config/ imports nothing from
 * components/. Shown catching each on a tiny tree, and passing on this repository.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { checkImports } from "../../scripts/lint-imports";
import { PROJECT_ROOT } from "../../scripts/offline/stack-file";

/** A throw-away tree of `files` (path → source). */
function tree(files: Record<string, string>): string {
    const root = mkdtempSync(path.join(tmpdir(), "lint-imports-"));
    for (const [file, source] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        writeFileSync(path.join(root, file), source);
    }
    return root;
}

/** Runs the command as `npm run lint:imports -- --root <root>` does. */
function lint(root: string): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, ["--import=tsx", path.join(PROJECT_ROOT, "scripts/lint-imports.ts"), "--root", root], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run lint:imports", function () {
    this.timeout(120_000);
    const roots: string[] = [];
    after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

    it("fails on an import cycle, type-only imports included, naming the files on it", async () => {
        const root = tree({
            "a.ts": `import { b } from "./b";\nexport const a = () => b;\n`,
            "b.ts": `import type { C } from "./c";\nexport const b: C = 1;\n`,
            "c.ts": `import { a } from "./a";\nexport type C = number;\nexport const c = a;\n`,
        });
        roots.push(root);
        const report = await checkImports(root);
        assert.equal(report.cycles.length, 1);
        assert.deepEqual([...(report.cycles[0] ?? [])].sort(), ["a.ts", "b.ts", "c.ts"]);
        const r = lint(root);
        assert.equal(r.status, 1, r.stdout + r.stderr);
        // The cycle a → b → c → a, from whichever file the traversal met first (its order is not fixed).
        const line = /^import cycle: (.*)$/m.exec(r.stderr)?.[1] ?? "";
        const rotations = ["a.ts → b.ts → c.ts → a.ts", "b.ts → c.ts → a.ts → b.ts", "c.ts → a.ts → b.ts → c.ts"];
        assert.ok(rotations.includes(line.replace(/\S*\/(?=[abc]\.ts)/g, "")), r.stderr);
    });

    it("fails on config/ importing from components/, even without a cycle", async () => {
        const root = tree({
            "config/index.ts": `import { CATALOG } from "../components/alerting/catalog";\nexport const ids = Object.keys(CATALOG);\n`,
            "components/alerting/catalog.ts": `export const CATALOG = { KoronetDown: 1 };\n`,
        });
        roots.push(root);
        const report = await checkImports(root);
        assert.deepEqual(report.cycles, []);
        assert.deepEqual(
            report.layerViolations.map((v) => `${v.issuer} → ${v.dependency}`),
            ["config/index.ts → components/alerting/catalog.ts"],
        );
        const r = lint(root);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /forbidden import: config\/index\.ts → components\/alerting\/catalog\.ts \(config\/ is the validated input/);
    });

    it("passes components/ importing from config/ (the allowed direction)", async () => {
        const root = tree({
            "config/vocabulary.ts": `export const IDS = ["KoronetDown"] as const;\n`,
            "components/alerting/catalog.ts": `import { IDS } from "../../config/vocabulary";\nexport const CATALOG = IDS;\n`,
        });
        roots.push(root);
        const r = lint(root);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /no cycle, no forbidden import/);
    });

    it("passes on this repository", async () => {
        const report = await checkImports(PROJECT_ROOT);
        assert.deepEqual(report.cycles, [], report.cycles.map((c) => c.join(" → ")).join("\n"));
        assert.deepEqual(report.layerViolations, []);
        assert.ok(report.files > 200, `analysed ${report.files} files`);
    });
});
