/**
 * Runs the real program for one stack under Pulumi mocks and captures the resource graph:
 * every resource's type token, logical name, parent and resolved inputs (secrets redacted).
 * Used by `npm run plan`, the tests and the policy checks; no cloud, CLI or network needed.
 */
import * as pulumi from "@pulumi/pulumi";
import { OfflineMocks } from "./mocks";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { PROJECT_ROOT, readStackConfig, type StackFileOptions } from "./stack-file";
import { PROJECT } from "../../config";
import { main } from "../../stacks";

export const SECRET = "[secret]";

/** One captured resource, in the offline plan's JSON format. */
export interface PlannedResource {
    /** Pulumi type token, e.g. `aws:ecs/service:Service`. */
    readonly type: string;
    /** Logical name. */
    readonly name: string;
    /** Parent's `type::name`, or null for resources directly under the stack. */
    readonly parent: string | null;
    /** Resolved inputs; secret values replaced by "[secret]". */
    readonly inputs: Record<string, unknown>;
}

export interface OfflineRun {
    readonly stack: string;
    readonly resources: readonly PlannedResource[];
    /** Stack outputs, resolved, secrets redacted. */
    readonly outputs: Record<string, unknown>;
}

export interface RunOptions extends StackFileOptions {
    /** The program to run. @default the real program, `stacks/main` */
    readonly program?: () => Promise<Record<string, unknown>>;
}

interface Captured {
    type: string;
    name: string;
    parent: pulumi.Resource | undefined;
    props: unknown;
    resource: pulumi.Resource;
}

/**
 * Runs one stack offline. Throws whatever the program throws (a `ConfigError` for bad config);
 * in that case `capturedBefore` on the error says how many resources had been registered.
 */
export async function runOffline(stack: string, opts: RunOptions = {}): Promise<OfflineRun> {
    const raw = readStackConfig(stack, opts);
    const region = raw.values["aws:region"] ?? "eu-west-1";
    await pulumi.runtime.setMocks(new OfflineMocks(region), PROJECT, stack, false);
    pulumi.runtime.setAllConfig({ ...raw.values }, [...raw.secretKeys]);

    const captured: Captured[] = [];
    const program = opts.program ?? main;
    let outputs: Record<string, unknown>;
    try {
        outputs = (await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((args) => {
                captured.push({ type: args.type, name: args.name, parent: args.opts.parent, props: args.props, resource: args.resource });
                return undefined;
            });
            return program();
        })) as Record<string, unknown>;
    } catch (err) {
        if (err instanceof Error) Object.assign(err, { capturedBefore: captured.length });
        throw err;
    }

    const names = new Map<pulumi.Resource, string>();
    for (const c of captured) names.set(c.resource, `${c.type}::${c.name}`);
    const resources: PlannedResource[] = [];
    for (const c of captured) {
        resources.push({
            type: c.type,
            name: c.name,
            parent: c.parent ? (names.get(c.parent) ?? null) : null,
            inputs: (await resolve(c.props, names)) as Record<string, unknown>,
        });
    }
    return { stack, resources, outputs: (await resolve(outputs ?? {}, names)) as Record<string, unknown> };
}

/** Resolves Outputs and promises deeply; secret Outputs become "[secret]". */
async function resolve(value: unknown, names: Map<pulumi.Resource, string>): Promise<unknown> {
    if (value === undefined || value === null) return value;
    if (pulumi.Output.isInstance(value)) {
        if (await pulumi.isSecret(value)) return SECRET;
        const inner = await new Promise<unknown>((res) => value.apply((v) => { res(v); return v; }));
        return resolve(inner, names);
    }
    if (value instanceof Promise) return resolve(await value, names);
    if (pulumi.Resource.isInstance(value)) return names.get(value) ?? "[resource]";
    if (pulumi.asset.Asset.isInstance(value) || pulumi.asset.Archive.isInstance(value)) return describeAsset(value);
    if (Array.isArray(value)) return Promise.all((value as unknown[]).map((v) => resolve(v, names)));
    if (typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            if (k.startsWith("__")) continue;
            const r = await resolve(v, names);
            if (r !== undefined) out[k] = r;
        }
        return out;
    }
    return value;
}

async function describeAsset(a: pulumi.asset.Asset | pulumi.asset.Archive): Promise<unknown> {
    const any = a as unknown as Record<string, unknown>;
    if (any.text !== undefined) {
        const text = String(await any.text);
        return { asset: "string", bytes: text.length, sha256: createHash("sha256").update(text).digest("hex").slice(0, 16) };
    }
    if (any.path !== undefined) return { asset: "file", path: path.relative(PROJECT_ROOT, String(await any.path)) };
    if (any.assets !== undefined) return { archive: "assets", entries: Object.keys((await any.assets) as object).sort() };
    return { asset: "other" };
}
