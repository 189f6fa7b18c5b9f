/**
 * `npm run render`: writes every stack's rendered configuration (prometheus.yml, rule files,
 * Grafana provisioning and dashboards, the CloudWatch dashboard body, ...) into the committed
 * `rendered/<stack>/` folders. `test/monitoring/rendered.test.ts` fails when they are stale.
 *
 * Add a renderer to RENDERERS to have its files written and checked for staleness too.
 *   npm run render             write all stacks
 *   npm run render -- --check  write nothing; exit 1 listing stale files
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT, parseStackConfig } from "../config";
import { MONITORING_RENDERERS, RENDERED_ROOT, type RenderedFile, type Renderer } from "../components/monitoring/render";
import { ALERTMANAGER_RENDERER } from "../components/alerting/alertmanager/stack";
import { PROJECT_ROOT, readStackConfig } from "./offline/stack-file";

/** Every renderer whose files `npm run render` writes. */
export const RENDERERS: readonly Renderer[] = [
    ...MONITORING_RENDERERS,
    ALERTMANAGER_RENDERER,
];

/** Stacks: one per `Pulumi.<stack>.yaml`. */
export function stacks(root = PROJECT_ROOT): string[] {
    return readdirSync(root).map((f) => /^Pulumi\.([a-z0-9-]+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined).sort();
}

/** All files of one stack, paths relative to `rendered/<stack>/`. Throws on two renderers writing one path. */
export function renderStack(stack: string, renderers: readonly Renderer[] = RENDERERS): RenderedFile[] {
    const { config } = parseStackConfig(readStackConfig(stack));
    const files = new Map<string, RenderedFile>();
    for (const r of renderers) {
        for (const f of r.render({ project: PROJECT, stack, config })) {
            if (files.has(f.path)) throw new Error(`renderer ${r.name} writes ${f.path}, which another renderer already wrote`);
            files.set(f.path, f);
        }
    }
    return [...files.values()].sort((a, b) => a.path.localeCompare(b.path));
}

function listFiles(dir: string): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir).flatMap((e) => {
        const full = path.join(dir, e);
        return statSync(full).isDirectory() ? listFiles(full).map((f) => path.posix.join(e, f)) : [e];
    });
}

/** Differences between what the renderers produce and what is committed: `[stack/path, reason]`. */
export function staleFiles(root = PROJECT_ROOT, renderers: readonly Renderer[] = RENDERERS): [string, string][] {
    const out: [string, string][] = [];
    for (const stack of stacks(root)) {
        const dir = path.join(root, RENDERED_ROOT, stack);
        const expected = renderStack(stack, renderers);
        const wanted = new Set(expected.map((f) => f.path));
        for (const f of expected) {
            const file = path.join(dir, f.path);
            if (!existsSync(file)) out.push([`${stack}/${f.path}`, "missing"]);
            else if (readFileSync(file, "utf8") !== f.content) out.push([`${stack}/${f.path}`, "differs"]);
        }
        for (const f of listFiles(dir)) if (!wanted.has(f)) out.push([`${stack}/${f}`, "no renderer writes it"]);
    }
    return out;
}

function main(): void {
    const check = process.argv.includes("--check");
    if (check) {
        const stale = staleFiles();
        for (const [f, why] of stale) console.log(`stale: ${RENDERED_ROOT}/${f} (${why})`);
        process.exitCode = stale.length > 0 ? 1 : 0;
        return;
    }
    for (const stack of stacks()) {
        const dir = path.join(PROJECT_ROOT, RENDERED_ROOT, stack);
        rmSync(dir, { recursive: true, force: true });
        const files = renderStack(stack);
        for (const f of files) {
            const file = path.join(dir, f.path);
            mkdirSync(path.dirname(file), { recursive: true });
            writeFileSync(file, f.content);
        }
        console.log(`${RENDERED_ROOT}/${stack}: ${files.length} files`);
    }
}

if (require.main === module) main();
