/**
 * Runs the real program for one stack under Pulumi mocks and captures the resource graph:
 * every resource's type token, logical name, parent, resolved inputs (secrets redacted) and the
 * resources it waits for. Used by `npm run plan`, the tests and the policy checks; no cloud, CLI or
 * network needed.
 */
import * as pulumi from "@pulumi/pulumi";
import { OfflineMocks } from "./mocks";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { PROJECT_ROOT, readStackConfig, type StackFileOptions } from "./stack-file";
import { PROJECT } from "../../config";
import { main } from "../../stacks";
import { engineIdentities, type Identity, type Registration } from "./identity";

const SECRET = "[secret]";

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
    /**
     * `type::name` of every resource this one waits for before it is created: its explicit
     * `dependsOn` and the resources behind every Output in its inputs, a component standing for its
     * custom children (what the engine orders creation by). Sorted, unique, never itself.
     */
    readonly dependsOn: readonly string[];
}

export interface OfflineRun {
    readonly stack: string;
    readonly resources: readonly PlannedResource[];
    /** Stack outputs, resolved, secrets redacted. */
    readonly outputs: Record<string, unknown>;
    /**
     * Each resource's URN as the engine computes it and every old URN its aliases claim (keyed by
     * `type::name`): what `pulumi up` matches against the resources already in a stack's state.
     */
    readonly identities: Readonly<Record<string, Identity>>;
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
    const mocks = new OfflineMocks(region);
    await pulumi.runtime.setMocks(mocks, PROJECT, stack, false);
    pulumi.runtime.setAllConfig({ ...raw.values }, [...raw.secretKeys]);
    const registrations = recordRegistrations();
    // A registration reaches the recorder before the mocks create it.
    mocks.formerName = (type, name) => {
        for (const alias of registrations.get(`${type}::${name}`)?.aliases ?? []) if ("name" in alias && alias.name !== undefined) return alias.name;
        return undefined;
    };

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
        const key = `${c.type}::${c.name}`;
        const inputs = (await resolve(c.props, names)) as Record<string, unknown>;
        // The URN resolves once the registration (and so its dependency list) has reached the monitor.
        await valueOf(c.resource.urn);
        const urns = registrations.get(key)?.dependencies;
        if (urns === undefined)
            throw new Error(
                `offline plan: ${key} never reached the resource monitor, so what it waits for is unknown (see recordRegistrations in scripts/offline/run.ts)`,
            );
        const dependsOn = [...new Set(urns.map(keyOfUrn))].filter((d) => d !== key).sort();
        resources.push({ type: c.type, name: c.name, parent: c.parent ? (names.get(c.parent) ?? null) : null, inputs, dependsOn });
    }
    return {
        stack,
        resources,
        outputs: (await resolve(outputs ?? {}, names)) as Record<string, unknown>,
        identities: engineIdentities([...registrations.values()], PROJECT, stack),
    };
}

interface AliasProto {
    getUrn(): string;
    getSpec(): { getName(): string; getType(): string; getStack(): string; getProject(): string; getParenturn(): string; getNoparent(): boolean } | undefined;
}
interface RegistrationRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getDependenciesList(): string[];
    getAliasesList?(): AliasProto[];
}
type MonitorCall = (request: RegistrationRequest, callback: (...args: unknown[]) => void) => void;

/**
 * What each resource waits for, as the SDK tells the engine. For every registration the SDK
 * gathers the resource's explicit `dependsOn` and the resources behind every Output (and resource
 * reference) in its inputs, expands components into their custom children, drops the resource
 * itself, and sends the URNs as the request's `dependencies`: exactly what `pulumi up` orders
 * creation by, and what CrossGuard later hands policies as `dependencies`.
 *
 * Why here and not from the Outputs: the SDK's accessors for an Output's resources
 * (`Output.resources()`, `getAllResources`) are marked internal, and the component expansion uses
 * `__childResources`. The monitor is public (`pulumi.runtime.getMonitor()`) and the request's
 * accessors are the engine protocol's generated code (pulumi/proto, resource.proto). Wrapping the
 * monitor object's methods is the one step no API promises; test/offline/dependencies.test.ts fails
 * if an SDK stops routing registrations through them, and runOffline throws if a resource is missing.
 */
function recordRegistrations(): Map<string, Registration> {
    const monitor = pulumi.runtime.getMonitor() as unknown as Record<string, MonitorCall> | undefined;
    const recorded = new Map<string, Registration>();
    for (const method of ["registerResource", "readResource"]) {
        const original = monitor?.[method];
        if (!monitor || typeof original !== "function")
            throw new Error(`offline plan: the Pulumi SDK's resource monitor has no ${method}; cannot record what resources wait for (scripts/offline/run.ts)`);
        monitor[method] = (request, callback) => {
            const registration: Registration = {
                type: request.getType(),
                name: request.getName(),
                dependencies: request.getDependenciesList(),
                parentMockUrn: request.getParent() || undefined,
                aliases: (request.getAliasesList?.() ?? []).map((a) => {
                    const spec = a.getSpec();
                    if (!spec) return { urn: a.getUrn() };
                    return {
                        name: spec.getName() || undefined,
                        type: spec.getType() || undefined,
                        stack: spec.getStack() || undefined,
                        project: spec.getProject() || undefined,
                        parentMockUrn: spec.getParenturn() || undefined,
                        noParent: spec.getNoparent(),
                    };
                }),
            };
            recorded.set(`${registration.type}::${registration.name}`, registration);
            original.call(monitor, request, (...args: unknown[]) => {
                const response = args[1] as { getUrn?(): string } | undefined;
                if (response?.getUrn) registration.mockUrn = response.getUrn();
                callback(...args);
            });
        };
    }
    return recorded;
}

/**
 * `type::name` of a URN, `urn:pulumi:<stack>::<project>::<parent types$type>::<name>`
 * (https://www.pulumi.com/docs/iac/concepts/resources/names/#urns).
 */
export function keyOfUrn(urn: string): string {
    const parts = urn.split("::");
    if (parts.length < 4 || !parts[0]?.startsWith("urn:pulumi:")) throw new Error(`not a Pulumi URN: ${urn}`);
    const type = (parts[2] ?? "").split("$").pop() ?? "";
    return `${type}::${parts.slice(3).join("::")}`;
}

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise<T>((res) =>
        output.apply((v) => {
            res(v);
            return v;
        }),
    );
}

/** Resolves Outputs and promises deeply; secret Outputs become "[secret]". */
async function resolve(value: unknown, names: Map<pulumi.Resource, string>): Promise<unknown> {
    if (value === undefined || value === null) return value;
    if (pulumi.Output.isInstance(value)) {
        if (await pulumi.isSecret(value)) return SECRET;
        const inner = await new Promise<unknown>((res) =>
            value.apply((v) => {
                res(v);
                return v;
            }),
        );
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
