/**
 * The vocabulary every guardrail is written in: a resource as `{ type, name, inputs }` (SDK input
 * names; what both the offline plan and CrossGuard give), a rule, a violation, and the small readers
 * the rule families share. Rule families live in their own files (`policy/<family>.ts`) and are
 * collected into `RULES` by `policy/rules.ts`.
 */

export type Environment = "dev" | "prod";

export interface PolicyResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
    /**
     * `type::name` of every resource it waits for before it is created (explicit `dependsOn` and
     * those behind its inputs; the offline plan's field, CrossGuard's `dependencies`). Undefined when
     * unknown: rules that read it then say nothing.
     */
    readonly dependsOn?: readonly string[];
}

export interface PolicyContext {
    readonly environment: Environment;
    readonly resources: readonly PolicyResource[];
    /** The evaluation date for rules about dated support (retired runtimes, images past end of life). @default the real date */
    readonly now?: Date;
}

/** The evaluation date of a context. */
export function nowOf(ctx: PolicyContext): Date {
    return ctx.now ?? new Date();
}

export interface Violation {
    readonly rule: string;
    /** `type::name` of the offending resource. */
    readonly resource: string;
    readonly message: string;
}

export interface Rule {
    /** Stable identifier, kebab-case. */
    readonly id: string;
    /** One line: why the rule exists. */
    readonly reason: string;
    /** The AWS Security Hub (AWS Foundational Security Best Practices) control it matches, if any. */
    readonly securityHub?: string;
    /** Environments it applies to. @default all */
    readonly environments?: readonly Environment[];
    /** Returns one message per problem found in the stack. */
    check(ctx: PolicyContext): { resource: PolicyResource; message: string }[];
}

export interface Container {
    name?: string;
    privileged?: boolean;
    readonlyRootFilesystem?: boolean;
    user?: string;
    environment?: { name: string; value?: string }[];
    mountPoints?: { sourceVolume: string; containerPath: string; readOnly?: boolean }[];
}

export function key(r: PolicyResource): string {
    return `${r.type}::${r.name}`;
}

export function ofType(ctx: PolicyContext, ...types: string[]): PolicyResource[] {
    return ctx.resources.filter((r) => types.includes(r.type));
}

export function containersOf(td: PolicyResource): Container[] | undefined {
    const raw = td.inputs.containerDefinitions;
    if (typeof raw !== "string") return undefined;
    try {
        return JSON.parse(raw) as Container[];
    } catch {
        return undefined;
    }
}

/** A per-resource rule: `test` returns a message when the resource breaks the rule. */
export function resourceRule(spec: Omit<Rule, "check"> & { types: readonly string[]; test(r: PolicyResource, ctx: PolicyContext): string | undefined }): Rule {
    const { types, test, ...rest } = spec;
    return {
        ...rest,
        check: (ctx) =>
            ofType(ctx, ...types).flatMap((resource) => {
                const message = test(resource, ctx);
                return message ? [{ resource, message }] : [];
            }),
    };
}

/** `inputs[field] === true`, with `undefined` (unknown in a preview) accepted only when `unknownOk`. */
export function requireTrue(field: string, message: string) {
    return (r: PolicyResource) => (r.inputs[field] === true || r.inputs[field] === "true" ? undefined : message);
}

export interface Statement {
    Effect?: string;
    Action?: string | string[];
    NotAction?: unknown;
    Resource?: string | string[];
}

export function statementsOf(doc: unknown): Statement[] {
    const parsed = typeof doc === "string" ? safeJson(doc) : doc;
    const st = (parsed as { Statement?: Statement | Statement[] } | undefined)?.Statement;
    return st === undefined ? [] : Array.isArray(st) ? st : [st];
}

export function safeJson(s: string): unknown {
    try {
        return JSON.parse(s);
    } catch {
        return undefined;
    }
}

export function policiesOf(r: PolicyResource): unknown[] {
    if (r.type === "aws:iam/role:Role") return ((r.inputs.inlinePolicies as { policy?: unknown }[] | undefined) ?? []).map((p) => p.policy);
    return [r.inputs.policy];
}

export const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
