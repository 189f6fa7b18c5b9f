/**
 * The files the monitoring images are built from (prometheus.yml and its rules, Grafana
 * provisioning and dashboards, the postgres exporter's queries), rendered from the stack's
 * validated config when the program runs, into `.build/<stack>/<folder>-<hash>/` (gitignored). So any stack —
 * a third environment too — needs nothing but its `Pulumi.<stack>.yaml`.
 *
 * `rendered/<stack>/` stays the committed, reviewed copy of the same renderers' output for the
 * committed stacks (`npm run render`, checked by `npm run render -- --check` and a test).
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { createHash } from "node:crypto";
import * as path from "node:path";
import type { StackConfig } from "../config";
import { MONITORING_RENDERERS, type RenderContext, type RenderedFile, type Renderer } from "../components/monitoring/render";
import { ALERTMANAGER_RENDERER } from "../components/alerting/alertmanager/stack";

/** Where the program writes build contexts, relative to the project root (where Pulumi runs it). */
const BUILD_ROOT = ".build";

/** Every renderer, in order: what `.build/<stack>/` and `rendered/<stack>/` hold. */
export const RENDERERS: readonly Renderer[] = [...MONITORING_RENDERERS, ALERTMANAGER_RENDERER];

/** All files of one stack, paths relative to the stack's folder. Throws on two renderers writing one path. */
export function renderFiles(ctx: RenderContext, renderers: readonly Renderer[] = RENDERERS): RenderedFile[] {
    const files = new Map<string, RenderedFile>();
    for (const r of renderers) {
        for (const f of r.render(ctx)) {
            if (files.has(f.path)) throw new Error(`renderer ${r.name} writes ${f.path}, which another renderer already wrote`);
            files.set(f.path, f);
        }
    }
    return [...files.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Writes `files` into `dir` and removes what no renderer wrote. Each file is written to a temporary
 * name and renamed, so a concurrent run (a test and a plan) never reads a half-written file.
 */
export function writeFiles(dir: string, files: readonly RenderedFile[]): void {
    const wanted = new Set(files.map((f) => f.path));
    for (const f of files) {
        const file = path.join(dir, f.path);
        mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, f.content);
        renameSync(tmp, file);
    }
    for (const f of listFiles(dir)) if (!wanted.has(f) && !f.endsWith(".tmp") && !f.startsWith(".")) rmSync(path.join(dir, f), { force: true });
}

export function listFiles(dir: string): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir).flatMap((e) => {
        const full = path.join(dir, e);
        return statSync(full).isDirectory() ? listFiles(full).map((f) => path.posix.join(e, f)) : [e];
    });
}

/**
 * Renders the stack's files and writes each top-level folder (one image's build context) to
 * `.build/<stack>/<folder>-<content hash>/`; returns folder → path (project-relative).
 *
 * Content-addressed per folder: a path changes exactly when that image's files change, which is
 * exactly when its tag (a hash of the same files, components/image) changes. So an unchanged image
 * keeps identical inputs (no rebuild, no second push of an immutable ECR tag), and a folder never
 * changes once written: a plan keeps reading what it was built from even when a later run of the
 * same stack renders different files. Old folders are a cache: `rm -rf .build` is always safe.
 */
export function writeBuildContexts(project: string, stack: string, config: StackConfig): Readonly<Record<string, string>> {
    const byFolder = new Map<string, RenderedFile[]>();
    for (const f of renderFiles({ project, stack, config })) {
        const [folder, ...rest] = f.path.split("/");
        const list = byFolder.get(folder as string) ?? [];
        list.push({ path: rest.join("/"), content: f.content });
        byFolder.set(folder as string, list);
    }
    const out: Record<string, string> = {};
    for (const [folder, files] of byFolder) {
        const hash = createHash("sha256");
        for (const f of files) hash.update(f.path).update("\0").update(f.content).update("\0");
        const dir = path.posix.join(BUILD_ROOT, stack, `${folder}-${hash.digest("hex").slice(0, 12)}`);
        if (!existsSync(path.join(dir, COMPLETE))) {
            writeFiles(dir, files);
            writeFileSync(path.join(dir, COMPLETE), "");
        }
        out[folder] = dir;
    }
    return out;
}

/** Marks a build folder whose files are all written. */
const COMPLETE = ".complete";
