/**
 * The offline plan diff: what a change does to each stack's resource graph, computed from plan
 * snapshots with no cloud credentials. Used by the pull-request comment (Markdown) and by the
 * snapshot test's failure message (text).
 *
 *   npm run plan:diff -- [--base <git-ref|dir>] [--stack dev ...] [--head <dir>] [--out diff.md]
 *
 * `--base` (default: this working tree's plan-snapshots/) is a git ref (its committed `plan-snapshots/`) or a directory holding `<stack>.yaml`
 * files (or a checkout holding `plan-snapshots/`). The head is, by default, the program in this
 * working tree run offline now; `--head <dir>` reads snapshots from a directory instead.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseCommand, runCommand, UsageError } from "./cli";
import { estimateCost, formatUsd, loadPrices, regionOf, type CostReport } from "./cost";
import { PROJECT_ROOT } from "./offline/stack-file";
import { currentSnapshot, knownStacks, parseSnapshot, SNAPSHOT_DIR, snapshotPath, UPDATE_COMMAND, type Snapshot, type SnapshotResource } from "./snapshot";

export interface InputChange {
    /** Dotted path into the inputs, `[i]` for array items, e.g. `containerDefinitions[0].cpu`. */
    readonly path: string;
    /** Absent when the input was added. */
    readonly before?: unknown;
    /** Absent when the input was removed. */
    readonly after?: unknown;
}

export interface ResourceChange {
    readonly id: string;
    readonly changes: readonly InputChange[];
    /** The parent changed (without an alias, Pulumi replaces the resource). */
    readonly parentChanged?: { readonly before: string | null; readonly after: string | null };
    /**
     * What it waits for changed: `type::name`s it now waits for, and no longer waits for. Compared
     * as sets (order means nothing), and only when both snapshots record `dependsOn`: a base written
     * before the field existed says nothing about creation order, so it is not read as "waited for nothing".
     */
    readonly dependsOnChanged?: { readonly added: readonly string[]; readonly removed: readonly string[] };
}

export interface StackDiff {
    readonly stack: string;
    /** True when the base had no snapshot for this stack. */
    readonly newStack: boolean;
    readonly added: readonly SnapshotResource[];
    readonly removed: readonly SnapshotResource[];
    readonly changed: readonly ResourceChange[];
    readonly outputs: readonly InputChange[];
    readonly unchanged: number;
}

export function isEmpty(d: StackDiff): boolean {
    return !d.added.length && !d.removed.length && !d.changed.length && !d.outputs.length;
}

export function diffSnapshots(base: Snapshot | undefined, head: Snapshot): StackDiff {
    const before = base?.resources ?? {};
    const after = head.resources;
    const added: SnapshotResource[] = [];
    const removed: SnapshotResource[] = [];
    const changed: ResourceChange[] = [];
    let unchanged = 0;
    for (const [id, r] of Object.entries(after)) {
        const old = before[id];
        if (!old) {
            added.push(r);
            continue;
        }
        const changes = diffValues(old.inputs, r.inputs);
        const parentChanged = old.parent !== r.parent ? { before: old.parent, after: r.parent } : undefined;
        const dependsOnChanged = diffDependsOn(old.dependsOn, r.dependsOn);
        if (changes.length || parentChanged || dependsOnChanged) changed.push({ id, changes, ...(parentChanged ? { parentChanged } : {}), ...(dependsOnChanged ? { dependsOnChanged } : {}) });
        else unchanged++;
    }
    for (const [id, r] of Object.entries(before)) if (!after[id]) removed.push(r);
    return { stack: head.stack, newStack: base === undefined, added, removed, changed, outputs: diffValues(base?.outputs ?? {}, head.outputs), unchanged };
}

function diffDependsOn(before: readonly string[] | undefined, after: readonly string[] | undefined): ResourceChange["dependsOnChanged"] {
    if (before === undefined || after === undefined) return undefined;
    const added = after.filter((d) => !before.includes(d));
    const removed = before.filter((d) => !after.includes(d));
    return added.length || removed.length ? { added, removed } : undefined;
}

/** One line per dependency gained or lost: `waits for + aws:...::name`. */
function dependsOnLines(c: ResourceChange): string[] {
    return [...(c.dependsOnChanged?.added ?? []).map((d) => `waits for + ${d}`), ...(c.dependsOnChanged?.removed ?? []).map((d) => `waits for - ${d}`)];
}

/** Leaf-level differences between two normalised values. */
export function diffValues(a: unknown, b: unknown, at = ""): InputChange[] {
    if (deepEqual(a, b)) return [];
    const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
    if (isObj(a) && isObj(b)) {
        const out: InputChange[] = [];
        const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
        for (const k of keys) {
            const p = at ? `${at}.${k}` : k;
            if (!(k in a)) out.push({ path: p, after: b[k] });
            else if (!(k in b)) out.push({ path: p, before: a[k] });
            else out.push(...diffValues(a[k], b[k], p));
        }
        return out;
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
        return a.flatMap((v, i) => diffValues(v, b[i], `${at}[${i}]`));
    }
    return [{ path: at || "(value)", before: a, after: b }];
}

function deepEqual(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

// ---- rendering ----------------------------------------------------------------------------------

const MAX_VALUE = 120;

function show(v: unknown): string {
    const s = v === undefined ? "(none)" : typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v);
    return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
}

function changeLine(c: InputChange): string {
    if (!("before" in c)) return `${c.path}: + ${show(c.after)}`;
    if (!("after" in c)) return `${c.path}: - ${show(c.before)}`;
    return `${c.path}: ${show(c.before)} → ${show(c.after)}`;
}

/** Plain text, for terminals and test failures. */
export function renderDiffText(d: StackDiff): string {
    if (isEmpty(d)) return `stack ${d.stack}: no changes`;
    const lines = [`stack ${d.stack}: ${d.added.length} added, ${d.changed.length} changed, ${d.removed.length} removed${d.newStack ? " (no snapshot yet)" : ""}`];
    for (const r of d.added) lines.push(`  + ${r.type} ${r.name}`);
    for (const r of d.removed) lines.push(`  - ${r.type} ${r.name}`);
    for (const c of d.changed) {
        lines.push(`  ~ ${c.id.replace("::", " ")}`);
        if (c.parentChanged) lines.push(`      parent: ${c.parentChanged.before} → ${c.parentChanged.after}`);
        for (const d of dependsOnLines(c)) lines.push(`      ${d}`);
        for (const ch of c.changes.slice(0, 20)) lines.push(`      ${changeLine(ch)}`);
        if (c.changes.length > 20) lines.push(`      … ${c.changes.length - 20} more`);
    }
    for (const o of d.outputs) lines.push(`  output ${changeLine(o)}`);
    return lines.join("\n");
}

export interface StackReport {
    readonly diff: StackDiff;
    readonly baseCost?: CostReport;
    readonly headCost: CostReport;
}

/** GitHub comments are capped at 65,536 characters; leave room for the header and footer. */
const MAX_COMMENT = 60_000;
export const COMMENT_MARKER = "<!-- koronet-offline-plan-diff -->";

/** Markdown for the pull-request comment: per stack, the cost delta and the resource changes. */
export function renderDiffMarkdown(reports: readonly StackReport[], meta: { base: string; head: string }): string {
    const md: string[] = [COMMENT_MARKER, "## Offline plan diff", "", `Computed offline (Pulumi mocks, no cloud credentials) from \`${meta.base}\` to \`${meta.head}\`.`, ""];
    md.push("| stack | added | changed | removed | monthly cost (base → head) | delta |", "|---|---:|---:|---:|---:|---:|");
    for (const { diff: d, baseCost, headCost } of reports) {
        const delta = headCost.total - (baseCost?.total ?? 0);
        md.push(`| ${d.stack} | ${d.added.length} | ${d.changed.length} | ${d.removed.length} | ${baseCost ? formatUsd(baseCost.total) : "—"} → ${formatUsd(headCost.total)} | ${signed(delta)} |`);
    }
    for (const { diff: d, baseCost, headCost } of reports) {
        md.push("", `### ${d.stack}`, "");
        if (isEmpty(d)) md.push("No resource changes.");
        if (d.added.length) md.push("<details open><summary>Added</summary>", "", ...d.added.map((r) => `- \`${r.type}\` **${r.name}**`), "", "</details>");
        if (d.removed.length) md.push("<details open><summary>Removed</summary>", "", ...d.removed.map((r) => `- \`${r.type}\` **${r.name}**`), "", "</details>");
        if (d.changed.length) {
            md.push("<details open><summary>Changed</summary>", "");
            for (const c of d.changed) {
                const [type, name] = c.id.split("::");
                md.push(`- \`${type}\` **${name}**`);
                if (c.parentChanged) md.push(`  - parent: \`${c.parentChanged.before}\` → \`${c.parentChanged.after}\` (replaced unless aliased)`);
                for (const d of dependsOnLines(c)) md.push(`  - ${mdCode(d)}`);
                for (const ch of c.changes.slice(0, 25)) md.push(`  - ${mdCode(changeLine(ch))}`);
                if (c.changes.length > 25) md.push(`  - … ${c.changes.length - 25} more`);
            }
            md.push("", "</details>");
        }
        if (d.outputs.length) md.push("", "Outputs:", ...d.outputs.map((o) => `- ${mdCode(changeLine(o))}`));
        md.push("", costDeltaTable(baseCost, headCost));
    }
    md.push("", `Snapshots: \`plan-snapshots/<stack>.yaml\`; refresh with \`${UPDATE_COMMAND}\`. Costs are estimates from \`cost/\` list prices and stated assumptions (\`npm run plan -- --stack <name> --cost\`).`);
    let text = md.join("\n");
    if (text.length > MAX_COMMENT) text = `${text.slice(0, MAX_COMMENT)}\n\n… truncated; run \`npm run plan:diff -- --base ${meta.base}\` locally for the full diff.`;
    return `${text}\n`;
}

function mdCode(s: string): string {
    return `\`${s.replace(/`/g, "'")}\``;
}

function signed(n: number): string {
    const r = Math.round(n * 100) / 100;
    return r === 0 ? "±$0.00" : `${r > 0 ? "+" : "−"}${formatUsd(Math.abs(r))}`;
}

function costDeltaTable(base: CostReport | undefined, head: CostReport): string {
    const cats = [...new Set([...(base ? Object.keys(base.byCategory) : []), ...Object.keys(head.byCategory)])].sort();
    const rows = cats
        .map((c) => ({ c, b: base?.byCategory[c] ?? 0, h: head.byCategory[c] ?? 0 }))
        .filter((r) => Math.round((r.h - r.b) * 100) !== 0);
    const lines = ["<details><summary>Cost delta by category</summary>", "", "| category | base | head | delta |", "|---|---:|---:|---:|"];
    for (const r of rows) lines.push(`| ${r.c} | ${formatUsd(r.b)} | ${formatUsd(r.h)} | ${signed(r.h - r.b)} |`);
    if (!rows.length) lines.push("| (no change) | | | |");
    lines.push(`| **total** | ${base ? formatUsd(base.total) : "—"} | ${formatUsd(head.total)} | ${signed(head.total - (base?.total ?? 0))} |`);
    if (head.notPriced.length) lines.push("", `Not priced (head): ${head.notPriced.map((n) => `\`${n.type}\` ${n.name}`).join(", ")}`);
    if (head.approximation) lines.push("", `**Cost ${head.approximation}.**`);
    lines.push("", "</details>");
    return lines.join("\n");
}

// ---- CLI ----------------------------------------------------------------------------------------

/** A base snapshot from a directory or a git ref; undefined when that base has no snapshot of the stack. */
export function readBaseSnapshot(base: string, stack: string): Snapshot | undefined {
    const candidates = [snapshotPath(stack, base), snapshotPath(stack, path.join(base, "plan-snapshots"))];
    if (existsSync(base) && statSync(base).isDirectory()) {
        const file = candidates.find((f) => existsSync(f));
        return file ? parseSnapshot(readFileSync(file, "utf8")) : undefined;
    }
    try {
        const text = execFileSync("git", ["show", `${base}:plan-snapshots/${stack}.yaml`], { cwd: PROJECT_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
        return parseSnapshot(text);
    } catch (err) {
        const stderr = String((err as { stderr?: unknown }).stderr ?? "");
        if (/does not exist|exists on disk, but not in/.test(stderr)) return undefined;
        throw new Error(`cannot read plan-snapshots/${stack}.yaml at ${base}: ${stderr.trim() || String(err)}`);
    }
}

const COMMAND = {
    usage: "npm run plan:diff -- [--base <git-ref|dir>] [--head <dir>] [--stack <name> ...] [--out file.md] [--text]",
    help: `
Diffs each stack's resource graph (and its monthly cost) between a base and the program in this
working tree, offline. Markdown by default (the pull-request comment); --text for a terminal.

  --base <ref|dir>  a git ref (its committed plan-snapshots/) or a folder of <stack>.yaml snapshots;
                    default: plan-snapshots/ in this working tree (what \`npm run plan:update\` last wrote)
  --head <dir>      read the head snapshots from a folder instead of running the program
  --stack <name>    only this stack (repeatable); default: every Pulumi.<stack>.yaml
  --out <file>      write the result to a file instead of stdout
  --text            plain text instead of Markdown
  --help            this text`,
    options: { base: { type: "string" }, head: { type: "string" }, stack: { type: "string", multiple: true }, out: { type: "string" }, text: { type: "boolean", default: false } },
} as const;

async function cli(): Promise<void> {
    const { values } = parseCommand(COMMAND);
    const base = values.base ?? SNAPSHOT_DIR;
    const baseLabel = values.base ?? "plan-snapshots/ (working tree)";
    const known = knownStacks();
    for (const s of values.stack ?? []) if (!known.includes(s)) throw new UsageError(`no stack file Pulumi.${s}.yaml; known stacks: ${known.join(", ")}`);
    const stacks = values.stack?.length ? values.stack : known;
    const reports: StackReport[] = [];
    for (const stack of stacks) {
        const baseSnapshot = readBaseSnapshot(base, stack);
        const head = values.head ? readBaseSnapshot(values.head, stack) : await currentSnapshot(stack);
        if (!head) throw new UsageError(`no snapshot of ${stack} in ${values.head}`);
        const cost = (s: Snapshot) => estimateCost(Object.values(s.resources), loadPrices(regionOf(Object.values(s.resources))));
        reports.push({ diff: diffSnapshots(baseSnapshot, head), ...(baseSnapshot ? { baseCost: cost(baseSnapshot) } : {}), headCost: cost(head) });
    }
    const out = values.text
        ? `${reports.map((r) => renderDiffText(r.diff)).join("\n")}\n`
        : renderDiffMarkdown(reports, { base: baseLabel, head: values.head ?? "working tree" });
    if (values.out) writeFileSync(values.out, out);
    else process.stdout.write(out);
}

if (require.main === module) runCommand(COMMAND.usage, cli);
