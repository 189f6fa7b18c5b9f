/** Helpers that break a copy of a real graph, for the guardrail tests. */
import type { PolicyResource } from "../../policy/rules";

export type Resources = PolicyResource[];

/** A broken graph and the `type::name` of the resource a rule must report. */
export interface BrokenGraph {
    readonly resources: Resources;
    readonly target: string;
}

/** One deliberately broken case per rule: the stack to start from and how to break it. */
export type Breaks = Record<string, { stack: "dev" | "prod"; breakIt(r: readonly PolicyResource[]): BrokenGraph }>;

/** Returns a deep copy of `resources` with the first resource matching `type` (and `name`) changed. */
export function mutate(
    resources: readonly PolicyResource[],
    type: string,
    change: (inputs: Record<string, unknown>) => void,
    name?: string,
): { resources: Resources; target: string } {
    const copy = structuredClone(resources) as Resources;
    const target = copy.find((r) => r.type === type && (name === undefined || r.name === name));
    if (!target) throw new Error(`no ${type}${name ? ` ${name}` : ""} to break`);
    change(target.inputs as Record<string, unknown>);
    return { resources: copy, target: `${target.type}::${target.name}` };
}

export function withResource(resources: readonly PolicyResource[], extra: PolicyResource): { resources: Resources; target: string } {
    return { resources: [...(structuredClone(resources) as Resources), extra], target: `${extra.type}::${extra.name}` };
}

export function editContainers(inputs: Record<string, unknown>, edit: (c: Record<string, unknown>[]) => void): void {
    const defs = JSON.parse(String(inputs.containerDefinitions)) as Record<string, unknown>[];
    edit(defs);
    inputs.containerDefinitions = JSON.stringify(defs);
}
