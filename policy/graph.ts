/**
 * Following references between resources of a plan graph, for the rule families that reason across
 * resources (reachability, keys). A reference is a value in one resource's inputs that names another:
 * its ID or its ARN. The offline plan gives IDs as `<logical name>-id` and ARNs ending in the
 * physical name (scripts/offline/mocks.ts), as real ARNs of named resources do
 * (`...:targetgroup/<name>/<hash>`). A reference nothing here can resolve (an unknown value in a real
 * preview, an ID of a resource outside the stack) resolves to `undefined`, and rules then say nothing.
 */
import { unsuffixedName } from "../components/common/kind-names";
import { list, type PolicyContext, type PolicyResource } from "./model";

/** The name AWS knows a resource by: its `name` input, else its logical name (auto-naming starts with it). */
export function physicalNameOf(r: PolicyResource): string {
    return typeof r.inputs.name === "string" ? r.inputs.name : r.name;
}

/** The `/`- and `:`-separated parts of an ARN's resource section, e.g. `targetgroup`, `web`, `abc123`. */
function arnParts(arn: string): string[] {
    return arn.split(":").slice(5).join(":").split(/[/:]/);
}

/**
 * The logical names an offline ID or auto-name of `r` may derive from: its own, and for a resource
 * renamed with a kind suffix (components/common/kind-names.ts) the name it was deployed under, whose
 * ID and auto-name it keeps through its alias (the offline mocks model that, `OfflineMocks.formerName`).
 */
export function offlineNamesOf(r: PolicyResource): string[] {
    const former = unsuffixedName(r.type, r.name);
    return former === undefined ? [r.name] : [r.name, former];
}

/** Whether `value` (an ID or ARN) names resource `r`. */
export function refersTo(value: unknown, r: PolicyResource): boolean {
    if (typeof value !== "string" || value.length === 0) return false;
    const names = offlineNamesOf(r);
    if (names.some((n) => value === `${n}-id`)) return true;
    if (!value.startsWith("arn:")) return false;
    const parts = arnParts(value);
    return parts.includes(physicalNameOf(r)) || names.some((n) => parts.includes(n));
}

/** The one resource of `types` that `value` names, or `undefined` (unknown, outside the stack, or ambiguous). */
export function resolveRef(ctx: PolicyContext, value: unknown, ...types: string[]): PolicyResource | undefined {
    if (typeof value !== "string") return undefined;
    const found = ctx.resources.filter((r) => types.includes(r.type) && refersTo(value, r));
    return found.length === 1 ? found[0] : undefined;
}

/** Every resource of `types` the values name; `undefined` if any value cannot be resolved. */
export function resolveAll(ctx: PolicyContext, values: unknown, ...types: string[]): PolicyResource[] | undefined {
    const out: PolicyResource[] = [];
    for (const v of list(values as unknown[] | undefined)) {
        const r = resolveRef(ctx, v, ...types);
        if (!r) return undefined;
        out.push(r);
    }
    return out;
}

export function key(r: PolicyResource): string {
    return `${r.type}::${r.name}`;
}

/** The stack's AWS region, from its provider. */
export function regionOf(ctx: PolicyContext): string | undefined {
    const p = ctx.resources.find((r) => r.type === "pulumi:providers:aws" && typeof r.inputs.region === "string");
    return p?.inputs.region as string | undefined;
}

/** The account in an ARN (`arn:aws:kms:eu-west-1:123456789012:key/...` → `123456789012`). */
export function accountOfArn(arn: unknown): string | undefined {
    if (typeof arn !== "string" || !arn.startsWith("arn:")) return undefined;
    const account = arn.split(":")[4];
    return account && /^\d{12}$/.test(account) ? account : undefined;
}
