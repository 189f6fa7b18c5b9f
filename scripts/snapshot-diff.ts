/**
 * What a change does to one stack's plan snapshot (added, removed, changed resources), as data and as
 * text. A leaf shared by `snapshot.ts` (`--check`) and `plan-diff.ts` (the pull-request comment), so
 * neither imports the other.
 */
/** One stack's normalised plan, as stored in its snapshot file. */
export interface Snapshot {
    readonly stack: string;
    /** Keyed by `type::name`, in tree order (parents first, siblings sorted by type then name). */
    readonly resources: Readonly<Record<string, SnapshotResource>>;
    /** Stack outputs, normalised like inputs. */
    readonly outputs: Readonly<Record<string, unknown>>;
}

export interface SnapshotResource {
    readonly type: string;
    readonly name: string;
    /** Parent's `type::name`, or null under the stack. */
    readonly parent: string | null;
    /** `type::name` of what it waits for (sorted); absent in snapshots written before the field existed. */
    readonly dependsOn?: readonly string[];
    readonly inputs: Readonly<Record<string, unknown>>;
}

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
        if (changes.length || parentChanged || dependsOnChanged)
            changed.push({ id, changes, ...(parentChanged ? { parentChanged } : {}), ...(dependsOnChanged ? { dependsOnChanged } : {}) });
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
export function dependsOnLines(c: ResourceChange): string[] {
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

export function changeLine(c: InputChange): string {
    if (!("before" in c)) return `${c.path}: + ${show(c.after)}`;
    if (!("after" in c)) return `${c.path}: - ${show(c.before)}`;
    return `${c.path}: ${show(c.before)} → ${show(c.after)}`;
}

/** Plain text, for terminals and test failures. */
export function renderDiffText(d: StackDiff): string {
    if (isEmpty(d)) return `stack ${d.stack}: no changes`;
    const lines = [
        `stack ${d.stack}: ${d.added.length} added, ${d.changed.length} changed, ${d.removed.length} removed${d.newStack ? " (no snapshot yet)" : ""}`,
    ];
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
