/**
 * Offline plan snapshots: `plan-snapshots/<stack>.yaml`, a committed, reviewable summary of what each
 * stack deploys (every resource's type, name, parent, what it waits for, and inputs, keys sorted,
 * stable order), so an infrastructure change shows up in a pull request as a readable diff.
 *
 *   npm run plan:update               rewrite every stack's snapshot
 *   npm run plan:update -- --check    exit 1 (with the diff) when a snapshot is stale
 *
 * What never enters a snapshot: secrets (already "[secret]" in the offline plan), and values that
 * change without the infrastructure changing: image tags and digests computed from the app's build
 * context, asset hashes and sizes, source-code hashes, the content hash in rendered build-context
 * folders. Those are normalised to placeholders.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseCommand, runCommand, UsageError } from "./cli";
import { parse, stringify } from "yaml";
import { runOffline, type OfflineRun, type PlannedResource } from "./offline/run";
import { diffSnapshots, renderDiffText, type Snapshot, type SnapshotResource } from "./snapshot-diff";

export type { Snapshot, SnapshotResource } from "./snapshot-diff";
import { PROJECT_ROOT, stackNames } from "./offline/stack-file";

export const SNAPSHOT_DIR = path.join(PROJECT_ROOT, "plan-snapshots");
export const UPDATE_COMMAND = "npm run plan:update";

/** Values the offline mocks and stack-file reader use as stand-ins for secrets: never in a snapshot. */
export const SECRET_STAND_INS = ["offline-generated-password", "offlineplaceholder", "offline-secret-placeholder", "offline-ecr-token"];

/** The stacks this repository defines: one `Pulumi.<stack>.yaml` each. */
export function knownStacks(root: string = PROJECT_ROOT): string[] {
    return stackNames(root);
}

export function snapshotPath(stack: string, dir: string = SNAPSHOT_DIR): string {
    return path.join(dir, `${stack}.yaml`);
}

/** Normalises an offline run into its snapshot. */
export function toSnapshot(run: OfflineRun): Snapshot {
    const byParent = new Map<string | null, PlannedResource[]>();
    for (const r of run.resources) {
        const list = byParent.get(r.parent) ?? [];
        list.push(r);
        byParent.set(r.parent, list);
    }
    const resources: Record<string, SnapshotResource> = {};
    const visit = (parent: string | null) => {
        const children = [...(byParent.get(parent) ?? [])].sort((a, b) => compare(a.type, b.type) || compare(a.name, b.name));
        for (const r of children) {
            const id = resourceId(r);
            if (resources[id]) throw new Error(`two resources share the id ${id}`);
            resources[id] = snapshotResource(r);
            visit(id);
        }
    };
    visit(null);
    // Resources whose parent is not in the plan (should not happen) still appear, never silently dropped.
    for (const r of run.resources) {
        const id = resourceId(r);
        if (!resources[id]) resources[id] = snapshotResource(r);
    }
    const snapshot: Snapshot = { stack: run.stack, resources, outputs: normaliseObject(run.outputs, "outputs") };
    assertNoSecrets(snapshot);
    return snapshot;
}

function snapshotResource(r: PlannedResource): SnapshotResource {
    return { type: r.type, name: r.name, parent: r.parent, dependsOn: [...r.dependsOn].sort(compare), inputs: normaliseObject(r.inputs, r.type) };
}

export function resourceId(r: { type: string; name: string }): string {
    return `${r.type}::${r.name}`;
}

/** The snapshot file's text: a header saying how to refresh it, then YAML with sorted keys. */
export function renderSnapshot(s: Snapshot): string {
    const header = [
        `# Offline plan of stack "${s.stack}": every resource's type, name, parent, what it waits for (dependsOn)`,
        `# and inputs (secrets and build-dependent values normalised). Generated; do not edit. Refresh with: ${UPDATE_COMMAND}`,
    ].join("\n");
    // The key already says type and name; the file stores only parent and inputs under it.
    const resources = Object.fromEntries(
        Object.entries(s.resources).map(([id, r]) => [id, { parent: r.parent, ...(r.dependsOn ? { dependsOn: r.dependsOn } : {}), inputs: r.inputs }]),
    );
    const body = stringify({ stack: s.stack, resources, outputs: s.outputs }, { lineWidth: 0, sortMapEntries: false, aliasDuplicateObjects: false });
    return `${header}\n${body}`;
}

export function parseSnapshot(text: string): Snapshot {
    const doc = (parse(text) ?? {}) as {
        stack?: unknown;
        resources?: Record<string, { parent?: string | null; dependsOn?: unknown; inputs?: Record<string, unknown> }> | null;
        outputs?: Record<string, unknown>;
    };
    if (typeof doc.stack !== "string" || typeof doc.resources !== "object" || doc.resources === null)
        throw new Error("not a plan snapshot (expected `stack` and `resources`)");
    const resources: Record<string, SnapshotResource> = {};
    for (const [id, r] of Object.entries(doc.resources)) {
        const at = id.indexOf("::");
        if (at < 0) throw new Error(`snapshot resource key ${id} is not type::name`);
        if (r.dependsOn !== undefined && !(Array.isArray(r.dependsOn) && r.dependsOn.every((d) => typeof d === "string")))
            throw new Error(`snapshot resource ${id}: dependsOn must be a list of type::name`);
        resources[id] = {
            type: id.slice(0, at),
            name: id.slice(at + 2),
            parent: r.parent ?? null,
            ...(r.dependsOn ? { dependsOn: r.dependsOn as string[] } : {}),
            inputs: r.inputs ?? {},
        };
    }
    return { stack: doc.stack, resources, outputs: doc.outputs ?? {} };
}

export function readSnapshot(stack: string, dir: string = SNAPSHOT_DIR): Snapshot | undefined {
    const file = snapshotPath(stack, dir);
    return existsSync(file) ? parseSnapshot(readFileSync(file, "utf8")) : undefined;
}

/** Runs the stack offline and returns its snapshot. */
export async function currentSnapshot(stack: string): Promise<Snapshot> {
    return toSnapshot(await runOffline(stack));
}

// ---- normalisation ------------------------------------------------------------------------------

/** Keys whose values are content hashes of build outputs: they change with no infrastructure change. */
const VOLATILE_KEY = /(^etag$|hash$|^sourceCodeSize$|^sha256$|^bytes$)/i;
const ECR_TAG = /(\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/[^\s:@"',]+):[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}/g;
const DIGEST = /@sha256:[0-9a-f]{64}/g;
/** Build contexts the program renders (stacks/build-contexts.ts): `.build/<stack>/<folder>-<content hash>`. */
const BUILD_DIR = /(\.build\/[a-z0-9-]+\/[a-z0-9-]+-)[0-9a-f]{12}/g;

function normaliseObject(obj: Readonly<Record<string, unknown>>, context: string): Record<string, unknown> {
    return normalise(obj, context) as Record<string, unknown>;
}

function normalise(value: unknown, key: string): unknown {
    if (value === null || value === undefined) return value ?? null;
    if (typeof value === "string") return normaliseString(value, key);
    if (Array.isArray(value)) return value.map((v) => normalise(v, key));
    if (typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(value as object).sort(compare)) {
            if (VOLATILE_KEY.test(k)) continue;
            const v = (value as Record<string, unknown>)[k];
            if (v === undefined) continue;
            out[k] = normalise(v, k);
        }
        return out;
    }
    return value;
}

function normaliseString(s: string, key: string): unknown {
    // JSON documents (container definitions, policies, dashboards) are shown as structure, so a diff
    // names the field that changed rather than one long changed line.
    const t = s.trim();
    if ((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]"))) {
        try {
            return normalise(JSON.parse(t), key);
        } catch {
            // not JSON after all: fall through
        }
    }
    if (key === "userData" && /^[A-Za-z0-9+/=\s]+$/.test(s)) {
        const decoded = Buffer.from(s, "base64").toString("utf8");
        if (/^[\x09\x0a\x0d\x20-\x7e]*$/.test(decoded)) return normaliseString(decoded, "userData.decoded");
    }
    return s.replace(DIGEST, "@sha256:<digest>").replace(ECR_TAG, "$1:<tag>").replace(BUILD_DIR, "$1<hash>");
}

function assertNoSecrets(s: Snapshot): void {
    const text = JSON.stringify(s);
    for (const standIn of SECRET_STAND_INS) {
        if (text.includes(standIn))
            throw new Error(`snapshot of ${s.stack} would contain a secret stand-in (${standIn}); mark the value secret in the program`);
    }
}

function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

// ---- CLI ----------------------------------------------------------------------------------------

const COMMAND = {
    usage: "npm run plan:update [-- --check] [-- --stack <name> ...]",
    help: `
Runs every stack offline and writes its normalised resource graph to plan-snapshots/<stack>.yaml,
the committed, reviewable summary of what it deploys.

  --check         write nothing; print the diff and exit 1 when a snapshot is stale
  --stack <name>  only this stack (repeatable); default: every Pulumi.<stack>.yaml
  --help          this text`,
    options: { stack: { type: "string", multiple: true }, check: { type: "boolean", default: false } },
} as const;

async function cli(): Promise<void> {
    const { values } = parseCommand(COMMAND);
    const known = knownStacks();
    for (const s of values.stack ?? []) if (!known.includes(s)) throw new UsageError(`no stack file Pulumi.${s}.yaml; known stacks: ${known.join(", ")}`);
    const stacks = values.stack?.length ? values.stack : known;
    let stale = 0;
    mkdirSync(SNAPSHOT_DIR, { recursive: true });
    for (const stack of stacks) {
        const text = renderSnapshot(await currentSnapshot(stack));
        const file = snapshotPath(stack);
        const before = existsSync(file) ? readFileSync(file, "utf8") : undefined;
        if (before === text) {
            process.stdout.write(`${path.relative(PROJECT_ROOT, file)}: up to date\n`);
            continue;
        }
        if (values.check) {
            stale++;
            const diff = diffSnapshots(before === undefined ? undefined : parseSnapshot(before), parseSnapshot(text));
            process.stdout.write(`${path.relative(PROJECT_ROOT, file)}: STALE\n${renderDiffText(diff)}\n`);
        } else {
            writeFileSync(file, text);
            process.stdout.write(`${path.relative(PROJECT_ROOT, file)}: ${before === undefined ? "written" : "updated"}\n`);
        }
    }
    if (stale) {
        process.stdout.write(`\n${stale} snapshot(s) stale. Run \`${UPDATE_COMMAND}\` and commit plan-snapshots/.\n`);
        process.exit(1);
    }
}

if (require.main === module) runCommand(COMMAND.usage, cli);
