/**
 * The import rules of the house (issue 16), checked over the real import graph with dpdm
 * (https://github.com/acrazing/dpdm), type-only imports included:
 * - no import cycle anywhere;
 * - `config/` imports nothing from `components/` (config is the validated input; components read it).
 *
 *   npm run lint:imports                 check this repository (the files tsconfig.json includes)
 *   npm run lint:imports -- --root <dir> check another tree (the test's fixtures)
 *
 * Exit status 1 with every violation listed, 0 when clean.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parseCircular, parseDependencyTree, uniqueCirculars } from "dpdm";
import { parseCommand, runCommand } from "./cli";

/** Folders a folder must not import from: `from` → forbidden prefixes (relative to the root). */
export const LAYER_RULES: readonly { readonly from: string; readonly forbidden: string; readonly why: string }[] = [
    { from: "config/", forbidden: "components/", why: "config/ is the validated input; components read it, never the other way" },
];

export interface ImportReport {
    /** Each cycle as the files on it, relative to the root. */
    readonly cycles: readonly (readonly string[])[];
    /** `issuer → dependency` edges that break a layer rule. */
    readonly layerViolations: readonly { readonly issuer: string; readonly dependency: string; readonly why: string }[];
    /** Files analysed. */
    readonly files: number;
}

/** Globs of the files to analyse: tsconfig.json's `include` when there is one, else every .ts file. */
function entryGlobs(root: string): string[] {
    const tsconfig = path.join(root, "tsconfig.json");
    if (existsSync(tsconfig)) {
        const include = (JSON.parse(readFileSync(tsconfig, "utf8")) as { include?: string[] }).include;
        if (include !== undefined && include.length > 0) return include;
    }
    return ["**/*.ts"];
}

export async function checkImports(root: string): Promise<ImportReport> {
    // Paths in the tree (keys and ids) come relative to `context`.
    const tree = await parseDependencyTree(entryGlobs(root), {
        cwd: root,
        context: root,
        // Type-only imports count: a cycle of types is still two modules that cannot be read apart.
        transform: false,
        exclude: /node_modules/,
        tsconfig: existsSync(path.join(root, "tsconfig.json")) ? path.join(root, "tsconfig.json") : undefined,
    });
    const cycles = uniqueCirculars(parseCircular(tree));
    const layerViolations: { issuer: string; dependency: string; why: string }[] = [];
    for (const [issuer, deps] of Object.entries(tree)) {
        for (const rule of LAYER_RULES) {
            if (!issuer.startsWith(rule.from)) continue;
            for (const d of deps ?? []) if (d.id !== null && d.id.startsWith(rule.forbidden)) layerViolations.push({ issuer, dependency: d.id, why: rule.why });
        }
    }
    return { cycles, layerViolations, files: Object.keys(tree).length };
}

export function formatImportReport(r: ImportReport): string {
    const lines: string[] = [];
    for (const c of r.cycles) lines.push(`import cycle: ${[...c, c[0]].join(" → ")}`);
    for (const v of r.layerViolations) lines.push(`forbidden import: ${v.issuer} → ${v.dependency} (${v.why})`);
    return lines.length === 0 ? `imports: ${r.files} files, no cycle, no forbidden import` : lines.join("\n");
}

const COMMAND = {
    usage: "npm run lint:imports -- [--root <dir>]",
    help: `
Fails on any import cycle (type-only imports included) and on any import from config/ into components/.

  --root <dir>  the tree to check (default: this repository; files from its tsconfig.json include)
  --help        this text`,
    options: { root: { type: "string" } },
} as const;

async function cli(): Promise<void> {
    const { values } = parseCommand(COMMAND);
    const root = path.resolve(values.root ?? path.join(__dirname, ".."));
    const report = await checkImports(root);
    const text = formatImportReport(report);
    if (report.cycles.length > 0 || report.layerViolations.length > 0) {
        process.stderr.write(`${text}\n`);
        process.exit(1);
    }
    process.stdout.write(`${text}\n`);
}

if (require.main === module) runCommand(COMMAND.usage, cli);
