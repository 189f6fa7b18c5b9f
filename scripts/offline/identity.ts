/**
 * Resource identity as the Pulumi engine computes it: each resource's URN and the old URNs its
 * `aliases` claim. `pulumi up` matches a registration to the state by URN, then by alias; a resource
 * in the state that nothing claims is deleted, and one claimed under another type is replaced
 * (https://www.pulumi.com/docs/iac/concepts/options/aliases/).
 *
 * Why computed here: the mock monitor's URNs are not the engine's. It prefixes only the parent's
 * last type and prefixes `pulumi:pulumi:Stack$` under the stack (runtime/mocks.js `newUrn`), and it
 * resolves no aliases. The rules below follow the engine (pkg/resource/urn.go `NewURN`: the parent's
 * whole qualified type, never the stack's; pkg/resource/deploy/step_generator.go `generateAliases`,
 * `collapseAliasToUrn`, `inheritedChildAlias`: an alias spec's unset fields default to the
 * resource's own, and every alias of a parent is multiplied into its children, a child named with
 * the parent's name as prefix renamed along).
 */

/** An alias as the SDK sends it to the monitor: a URN, or a spec whose unset fields default to the resource's own. */
export type AliasSent =
    | { readonly urn: string }
    | {
          readonly name?: string;
          readonly type?: string;
          readonly stack?: string;
          readonly project?: string;
          /** The alias's parent, as the mock monitor named it. */
          readonly parentMockUrn?: string;
          /** `parent: undefined` in the alias: the old resource sat under the stack. */
          readonly noParent?: boolean;
      };

/** One registration as the monitor received it. */
export interface Registration {
    readonly type: string;
    readonly name: string;
    readonly dependencies: readonly string[];
    readonly parentMockUrn?: string;
    readonly aliases: readonly AliasSent[];
    /** The URN the mock monitor answered with; set once it answers. */
    mockUrn?: string;
}

export interface Identity {
    readonly urn: string;
    /** Every old URN this resource answers for, its own aliases and those inherited from its parents. */
    readonly aliases: readonly string[];
}

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** `NewURN`: the parent's qualified type prefixes the type, except the stack's. */
export function newUrn(stack: string, project: string, parentUrn: string | undefined, type: string, name: string): string {
    const parentType = parentUrn === undefined ? "" : qualifiedType(parentUrn);
    const qualified = parentType === "" || parentType === ROOT_STACK_TYPE ? type : `${parentType}$${type}`;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

function qualifiedType(urn: string): string {
    return urn.split("::")[2] ?? "";
}

/** The last `::`-part of a URN: the resource's name (names may contain `::`). */
function nameOfUrn(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

/** Identities of every registration, keyed by `type::name`. */
export function engineIdentities(registrations: readonly Registration[], project: string, stack: string): Record<string, Identity> {
    const byMockUrn = new Map<string, Registration>();
    for (const r of registrations) if (r.mockUrn) byMockUrn.set(r.mockUrn, r);
    const urns = new Map<Registration, string>();
    const aliases = new Map<Registration, string[]>();

    const realParent = (mockUrn: string | undefined): Registration | undefined => {
        if (mockUrn === undefined) return undefined;
        const parent = byMockUrn.get(mockUrn);
        if (!parent) throw new Error(`offline identity: a parent (${mockUrn}) never reached the monitor`);
        return parent;
    };
    const urnOf = (r: Registration): string => {
        const known = urns.get(r);
        if (known) return known;
        const parent = realParent(r.parentMockUrn);
        const urn = newUrn(stack, project, parent ? urnOf(parent) : undefined, r.type, r.name);
        urns.set(r, urn);
        return urn;
    };
    const collapse = (r: Registration, alias: AliasSent): string => {
        if ("urn" in alias) return alias.urn;
        const parent = alias.noParent ? undefined : alias.parentMockUrn !== undefined ? realParent(alias.parentMockUrn) : realParent(r.parentMockUrn);
        return newUrn(alias.stack ?? stack, alias.project ?? project, parent ? urnOf(parent) : undefined, alias.type ?? r.type, alias.name ?? r.name);
    };
    const aliasesOf = (r: Registration): string[] => {
        const known = aliases.get(r);
        if (known) return known;
        const out = new Set<string>();
        const own = r.aliases.map((a) => collapse(r, a));
        for (const urn of own) out.add(urn);
        const parent = realParent(r.parentMockUrn);
        if (parent) {
            for (const parentAlias of aliasesOf(parent)) {
                out.add(inheritedChildAlias(stack, project, r.type, r.name, parent.name, parentAlias));
                for (const urn of own)
                    out.add(inheritedChildAlias(stack, project, qualifiedType(urn).split("$").pop() ?? r.type, nameOfUrn(urn), parent.name, parentAlias));
            }
        }
        out.delete(urnOf(r));
        const list = [...out].sort();
        aliases.set(r, list);
        return list;
    };

    const result: Record<string, Identity> = {};
    for (const r of registrations) result[`${r.type}::${r.name}`] = { urn: urnOf(r), aliases: aliasesOf(r) };
    return result;
}

/** A child's URN under one of its parent's aliases; `<parent>-x` children are renamed along. */
function inheritedChildAlias(stack: string, project: string, type: string, name: string, parentName: string, parentAlias: string): string {
    const aliasName = name.startsWith(parentName) ? nameOfUrn(parentAlias) + name.slice(parentName.length) : name;
    return newUrn(stack, project, parentAlias, type, aliasName);
}

export interface IdentityReport {
    /** Old URNs nothing claims: `pulumi up` would delete them (and create their successors anew). */
    readonly unclaimed: readonly string[];
    /** Old URNs claimed by more than one resource: the engine refuses the update. */
    readonly claimedTwice: readonly { readonly urn: string; readonly by: readonly string[] }[];
    /** Old URNs claimed by a resource of another type: a replacement, not a move. */
    readonly typeChanged: readonly { readonly urn: string; readonly by: string }[];
}

/** Which of a deployed stack's URNs the new program would not carry over unchanged. */
export function compareIdentities(deployed: readonly string[], identities: Readonly<Record<string, Identity>>): IdentityReport {
    const claims = new Map<string, string[]>();
    for (const { urn, aliases } of Object.values(identities)) {
        for (const old of [urn, ...aliases]) claims.set(old, [...(claims.get(old) ?? []), urn]);
    }
    const typeOf = (urn: string) => qualifiedType(urn).split("$").pop();
    const unclaimed: string[] = [];
    const claimedTwice: { urn: string; by: string[] }[] = [];
    const typeChanged: { urn: string; by: string }[] = [];
    for (const old of deployed) {
        const by = claims.get(old);
        if (!by) unclaimed.push(old);
        else if (by.length > 1) claimedTwice.push({ urn: old, by });
        else if (typeOf(by[0]!) !== typeOf(old)) typeChanged.push({ urn: old, by: by[0]! });
    }
    return { unclaimed, claimedTwice, typeChanged };
}
