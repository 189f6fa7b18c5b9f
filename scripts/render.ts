/**
 * `npm run render`: writes every stack's rendered configuration (prometheus.yml, rule files,
 * Grafana provisioning and dashboards, the CloudWatch dashboard body, alertmanager.yml) into the
 * committed `rendered/<stack>/` folders, for review. The program renders the same files into
 * `.build/<stack>/` itself when it runs (stacks/build-contexts.ts); `rendered/` is the reviewed copy.
 */
import { readFileSync, existsSync, rmSync } from "node:fs";
import * as path from "node:path";
import { PROJECT, parseStackConfig } from "../config";
import { RENDERED_ROOT, type RenderedFile, type Renderer } from "../components/monitoring/render";
import { listFiles, renderFiles, RENDERERS, writeFiles } from "../stacks/build-contexts";
import { PROJECT_ROOT, readStackConfig, stackNames } from "./offline/stack-file";
import { parseCommand, runCommand, UsageError } from "./cli";

export { RENDERERS };

const COMMAND = {
    usage: "npm run render [-- --check] [-- --stack <name> ...]",
    help: `
Renders each stack's configuration files (prometheus.yml and rules, Grafana provisioning and
dashboards, the CloudWatch dashboard body, alertmanager.yml) into the committed rendered/<stack>/.

  --check         write nothing; list stale files and exit 1 when any is stale
  --stack <name>  only this stack (repeatable); default: every Pulumi.<stack>.yaml
  --help          this text`,
    options: { check: { type: "boolean", default: false }, stack: { type: "string", multiple: true } },
} as const;

/** Stacks: one per `Pulumi.<stack>.yaml`. */
export function stacks(root = PROJECT_ROOT): string[] {
    return stackNames(root);
}

/** All files of one stack, paths relative to `rendered/<stack>/`. Throws on two renderers writing one path. */
export function renderStack(stack: string, renderers: readonly Renderer[] = RENDERERS, root = PROJECT_ROOT): RenderedFile[] {
    const { config } = parseStackConfig(readStackConfig(stack, { root }));
    return renderFiles({ project: PROJECT, stack, config }, renderers);
}

/** Differences between what the renderers produce and what is committed: `[stack/path, reason]`. */
export function staleFiles(root = PROJECT_ROOT, renderers: readonly Renderer[] = RENDERERS, only?: readonly string[]): [string, string][] {
    const out: [string, string][] = [];
    for (const stack of only ?? stacks(root)) {
        const dir = path.join(root, RENDERED_ROOT, stack);
        const expected = renderStack(stack, renderers, root);
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
    const { values } = parseCommand(COMMAND);
    const known = stacks();
    for (const s of values.stack ?? []) if (!known.includes(s)) throw new UsageError(`no stack file Pulumi.${s}.yaml; known stacks: ${known.join(", ")}`);
    const selected = values.stack?.length ? values.stack : known;
    if (values.check) {
        const stale = staleFiles(PROJECT_ROOT, RENDERERS, selected);
        for (const [f, why] of stale) console.log(`stale: ${RENDERED_ROOT}/${f} (${why})`);
        if (stale.length === 0) console.log(`${RENDERED_ROOT}/: up to date (${selected.join(", ")})`);
        process.exitCode = stale.length > 0 ? 1 : 0;
        return;
    }
    for (const stack of selected) {
        const dir = path.join(PROJECT_ROOT, RENDERED_ROOT, stack);
        const files = renderStack(stack);
        rmSync(dir, { recursive: true, force: true });
        writeFiles(dir, files);
        console.log(`${RENDERED_ROOT}/${stack}: ${files.length} files`);
    }
}

if (require.main === module) runCommand(COMMAND.usage, main);
