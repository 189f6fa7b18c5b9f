/**
 * The CrossGuard view of a stack's resources, turned into the rules' `{ type, name, inputs, dependsOn }`.
 * Kept apart from the pack itself (which starts a policy server when loaded) so it can be tested.
 */
import type { PolicyResource as PackResource } from "@pulumi/policy";
import type { PolicyResource } from "../model";

export function fromPack(resources: readonly Pick<PackResource, "type" | "name" | "props" | "dependencies">[]): PolicyResource[] {
    return resources.map((r) => ({
        type: r.type,
        name: r.name,
        inputs: r.props,
        // The engine's dependencies are the list the offline plan records as dependsOn (scripts/offline/run.ts).
        dependsOn: r.dependencies === undefined ? undefined : [...new Set(r.dependencies.map((d) => `${d.type}::${d.name}`))].sort(),
    }));
}
