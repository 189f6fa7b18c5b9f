/**
 * The one test harness: runs the real program for a stack with its real config file under the
 * offline mocks, and exposes the captured graph so tests read like specifications.
 */
import { ConfigError } from "../config";
import { runOffline, type OfflineRun, type PlannedResource, type RunOptions } from "../scripts/offline/run";
import type { ContainerDefinition } from "../components/common";

/** A type token, or a resource class (whose token the SDK keeps in its static `__pulumiType`). */
type TypeRef = string | { isInstance(obj: unknown): boolean };

function tokenOf(type: TypeRef): string {
    if (typeof type === "string") return type;
    const token = (type as unknown as { __pulumiType?: unknown }).__pulumiType;
    if (typeof token !== "string") throw new Error("not a Pulumi resource class (no __pulumiType)");
    return token;
}

export class Graph {
    constructor(readonly run: OfflineRun) {}

    get resources(): readonly PlannedResource[] {
        return this.run.resources;
    }

    get outputs(): Record<string, unknown> {
        return this.run.outputs;
    }

    ofType(type: TypeRef): PlannedResource[] {
        const token = tokenOf(type);
        return this.run.resources.filter((r) => r.type === token);
    }

    /** The single resource of `type` (optionally with logical `name`); throws unless exactly one. */
    one(type: TypeRef, name?: string): PlannedResource {
        const found = this.ofType(type).filter((r) => name === undefined || r.name === name);
        if (found.length !== 1) {
            const token = tokenOf(type);
            throw new Error(`expected exactly one ${token}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
        }
        return found[0] as PlannedResource;
    }

    find(type: TypeRef, name: string): PlannedResource | undefined {
        return this.ofType(type).find((r) => r.name === name);
    }

    childrenOf(parent: PlannedResource): PlannedResource[] {
        const key = `${parent.type}::${parent.name}`;
        return this.run.resources.filter((r) => r.parent === key);
    }

    /** Parsed container definitions of a task definition. */
    containers(taskDefinition: PlannedResource): ContainerDefinition[] {
        return JSON.parse(String(taskDefinition.inputs.containerDefinitions)) as ContainerDefinition[];
    }

    /** The task definition an ECS service runs (matched through the mocked ARN). */
    taskDefinitionOf(service: PlannedResource): PlannedResource {
        const arn = String(service.inputs.taskDefinition);
        return this.one("aws:ecs/taskDefinition:TaskDefinition", arn.split("/").pop());
    }
}

const cache = new Map<string, Promise<Graph>>();

/** The graph of a stack as its committed config file defines it (cached per stack). */
export function stackGraph(stack: string): Promise<Graph> {
    let g = cache.get(stack);
    if (!g) {
        g = runOffline(stack).then((r) => new Graph(r));
        cache.set(stack, g);
    }
    return g;
}

/** The graph of a stack with config overrides layered over its file (never cached). */
export async function graphWith(stack: string, opts: RunOptions): Promise<Graph> {
    return new Graph(await runOffline(stack, opts));
}

/** Runs a stack expecting bad config; returns the error and how many resources were registered. */
export async function configErrorOf(stack: string, opts: RunOptions): Promise<{ error: ConfigError; registered: number }> {
    try {
        await runOffline(stack, opts);
    } catch (err) {
        if (err instanceof ConfigError) return { error: err, registered: (err as ConfigError & { capturedBefore?: number }).capturedBefore ?? -1 };
        throw err;
    }
    throw new Error(`stack ${stack} accepted the config, expected a ConfigError`);
}

export function parseJson<T = unknown>(value: unknown): T {
    return JSON.parse(String(value)) as T;
}
