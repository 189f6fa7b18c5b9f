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
import { currentSnapshot, knownStacks, parseSnapshot, SNAPSHOT_DIR, snapshotPath, UPDATE_COMMAND } from "./snapshot";
import { changeLine, dependsOnLines, diffSnapshots, isEmpty, renderDiffText, type Snapshot, type StackDiff } from "./snapshot-diff";

export { diffSnapshots, diffValues, isEmpty, renderDiffText, type InputChange, type ResourceChange, type StackDiff } from "./snapshot-diff";

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
    const md: string[] = [
        COMMENT_MARKER,
        "## Offline plan diff",
        "",
        `Computed offline (Pulumi mocks, no cloud credentials) from \`${meta.base}\` to \`${meta.head}\`.`,
        "",
    ];
    md.push("| stack | added | changed | removed | monthly cost (base → head) | delta |", "|---|---:|---:|---:|---:|---:|");
    for (const { diff: d, baseCost, headCost } of reports) {
        const delta = headCost.total - (baseCost?.total ?? 0);
        md.push(
            `| ${d.stack} | ${d.added.length} | ${d.changed.length} | ${d.removed.length} | ${baseCost ? formatUsd(baseCost.total) : "—"} → ${formatUsd(headCost.total)} | ${signed(delta)} |`,
        );
    }
    for (const { diff: d, baseCost, headCost } of reports) {
        md.push("", `### ${d.stack}`, "");
        if (isEmpty(d)) md.push("No resource changes.");
        if (d.added.length) md.push("<details open><summary>Added</summary>", "", ...d.added.map((r) => `- \`${r.type}\` **${r.name}**`), "", "</details>");
        if (d.removed.length)
            md.push("<details open><summary>Removed</summary>", "", ...d.removed.map((r) => `- \`${r.type}\` **${r.name}**`), "", "</details>");
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
    md.push(
        "",
        `Snapshots: \`plan-snapshots/<stack>.yaml\`; refresh with \`${UPDATE_COMMAND}\`. Costs are estimates from \`cost/\` list prices and stated assumptions (\`npm run plan -- --stack <name> --cost\`).`,
    );
    let text = md.join("\n");
    if (text.length > MAX_COMMENT)
        text = `${text.slice(0, MAX_COMMENT)}\n\n… truncated; run \`npm run plan:diff -- --base ${meta.base}\` locally for the full diff.`;
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
    const rows = cats.map((c) => ({ c, b: base?.byCategory[c] ?? 0, h: head.byCategory[c] ?? 0 })).filter((r) => Math.round((r.h - r.b) * 100) !== 0);
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
        const text = execFileSync("git", ["show", `${base}:plan-snapshots/${stack}.yaml`], {
            cwd: PROJECT_ROOT,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            maxBuffer: 64 * 1024 * 1024,
        });
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
    options: {
        base: { type: "string" },
        head: { type: "string" },
        stack: { type: "string", multiple: true },
        out: { type: "string" },
        text: { type: "boolean", default: false },
    },
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
