/**
 * Amazon SNS subscription filter policies, evaluated as SNS evaluates them, for the message shapes
 * this platform publishes. Pure. No npm library implements SNS's semantics (the SNS emulators
 * embed their own); this follows the documented rules, each cited where it is applied:
 *
 * - A subscription accepts a message when every property name of the policy matches, and for each
 *   at least one of its values matches (AND across names, OR within a name's list); properties of
 *   the message the policy does not name are ignored.
 *   https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html
 * - `$or` combines alternative sub-policies. https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html
 * - Exact strings and numbers, `anything-but` (values or `{prefix}`), `prefix`, `suffix`,
 *   `equals-ignore-case`: https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html
 * - `numeric` comparisons and ranges: https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html
 * - `exists`: `true` needs the key with a non-empty value; `false` needs it absent, and "only matches
 *   if at least one attribute is present. An empty set of attributes results in the filter not
 *   matching." https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html
 * - Scope: `MessageAttributes` (default) or `MessageBody`; "Filter policies for the message body
 *   assume that the message payload is a well-formed JSON object."
 *   https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering-scope.html,
 *   https://docs.aws.amazon.com/sns/latest/dg/message-filtering.html
 */

/** A message attribute as SNS carries it. */
export interface SnsAttribute {
    readonly Type: "String" | "String.Array" | "Number" | "Binary";
    readonly Value: string;
}

/** What a publisher sends: its attributes and its body. */
export interface SnsMessage {
    readonly attributes: Readonly<Record<string, SnsAttribute>>;
    /** The body text; undefined when only its template is known (its JSON-ness cannot be judged). */
    readonly body: string | undefined;
}

export type FilterScope = "MessageAttributes" | "MessageBody";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** A value a condition is compared with: a string or a number (absent: undefined). */
type Scalar = string | number | boolean | null;

/** Why a policy cannot be evaluated (malformed). */
export class FilterPolicyError extends Error {}

function numericMatch(ops: Json[], v: number): boolean {
    for (let i = 0; i + 1 < ops.length; i += 2) {
        const op = ops[i];
        const bound = Number(ops[i + 1]);
        const ok = op === "=" ? v === bound : op === ">" ? v > bound : op === ">=" ? v >= bound : op === "<" ? v < bound : op === "<=" ? v <= bound : undefined;
        if (ok === undefined) throw new FilterPolicyError(`unknown numeric operator ${JSON.stringify(op)}`);
        if (!ok) return false;
    }
    return true;
}

/** Does one condition of a property's list match one (present) value? */
function conditionMatches(cond: Json, value: Scalar): boolean {
    if (cond === null) return value === null;
    if (typeof cond === "string") return typeof value === "string" && value === cond;
    if (typeof cond === "number") return typeof value === "number" && value === cond;
    if (typeof cond === "boolean") return value === cond;
    if (Array.isArray(cond)) throw new FilterPolicyError("a condition cannot be a list");
    const [op, arg] = Object.entries(cond)[0] ?? [];
    switch (op) {
        case "prefix":
            return typeof value === "string" && typeof arg === "string" && value.startsWith(arg);
        case "suffix":
            return typeof value === "string" && typeof arg === "string" && value.endsWith(arg);
        case "equals-ignore-case":
            return typeof value === "string" && typeof arg === "string" && value.toLowerCase() === arg.toLowerCase();
        case "numeric":
            return typeof value === "number" && Array.isArray(arg) && numericMatch(arg, value);
        case "anything-but": {
            if (arg !== null && typeof arg === "object" && !Array.isArray(arg)) {
                const prefix = (arg as { prefix?: Json }).prefix;
                if (typeof prefix === "string") return typeof value === "string" && !value.startsWith(prefix);
                throw new FilterPolicyError(`unsupported anything-but ${JSON.stringify(arg)}`);
            }
            const excluded = Array.isArray(arg) ? arg : [arg as Json];
            return !excluded.some((e) => e === value);
        }
        case "exists":
            // Handled by the caller: it is about presence, not a value.
            return arg === true;
        default:
            throw new FilterPolicyError(`unsupported operator ${JSON.stringify(op)}`);
    }
}

/** The values an attribute offers to conditions (a String.Array matches when any element does). */
function attributeValues(a: SnsAttribute): Scalar[] {
    if (a.Type === "Number") return [Number(a.Value)];
    if (a.Type === "String.Array") {
        try {
            const arr = JSON.parse(a.Value) as unknown;
            return Array.isArray(arr) ? arr.filter((x): x is Scalar => x === null || ["string", "number", "boolean"].includes(typeof x)) : [];
        } catch {
            return [];
        }
    }
    if (a.Type === "Binary") return [];
    return [a.Value];
}

/** One property: its list of conditions against the values present (none: the key is absent). */
function propertyMatches(conds: Json, values: Scalar[] | undefined, anyAttributePresent: boolean): boolean {
    if (!Array.isArray(conds)) throw new FilterPolicyError("each property of a filter policy takes a list of values");
    return conds.some((c) => {
        if (c !== null && typeof c === "object" && !Array.isArray(c) && "exists" in c) {
            // "exists": false only matches if at least one attribute is present (attribute-key-matching).
            return c.exists === true ? values !== undefined && values.some((v) => v !== null && v !== "") : values === undefined && anyAttributePresent;
        }
        return values !== undefined && values.some((v) => conditionMatches(c, v));
    });
}

function policyObject(policy: Json): Record<string, Json> {
    if (policy === null || typeof policy !== "object" || Array.isArray(policy)) throw new FilterPolicyError("a filter policy is a JSON object");
    return policy;
}

function matchAttributes(policy: Record<string, Json>, attrs: Readonly<Record<string, SnsAttribute>>): boolean {
    const any = Object.keys(attrs).length > 0;
    return Object.entries(policy).every(([name, conds]) => {
        if (name === "$or") return Array.isArray(conds) && conds.some((alt) => matchAttributes(policyObject(alt), attrs));
        const a = attrs[name];
        return propertyMatches(conds, a === undefined ? undefined : attributeValues(a), any);
    });
}

function bodyValues(v: Json | undefined): Scalar[] | undefined {
    if (v === undefined) return undefined;
    if (Array.isArray(v)) return v.filter((x): x is Scalar => x === null || typeof x !== "object");
    return typeof v === "object" && v !== null ? undefined : [v];
}

function matchBody(policy: Record<string, Json>, body: Record<string, Json>): boolean {
    const any = Object.keys(body).length > 0;
    return Object.entries(policy).every(([name, conds]) => {
        if (name === "$or") return Array.isArray(conds) && conds.some((alt) => matchBody(policyObject(alt), body));
        const v = body[name];
        // A nested policy object walks into the body's nested object.
        if (conds !== null && typeof conds === "object" && !Array.isArray(conds))
            return v !== null && typeof v === "object" && !Array.isArray(v) && v !== undefined && matchBody(conds, v);
        return propertyMatches(conds, bodyValues(v), any);
    });
}

/**
 * Whether a subscription with this filter policy receives the message: true, false, or undefined
 * when it cannot be told (a body-scope policy on a body known only by its template).
 */
export function filterAccepts(policyText: string, scope: FilterScope, message: SnsMessage): boolean | undefined {
    const policy = policyObject(JSON.parse(policyText) as Json);
    if (scope === "MessageAttributes") return matchAttributes(policy, message.attributes);
    if (message.body === undefined) return undefined;
    let body: Json;
    try {
        body = JSON.parse(message.body) as Json;
    } catch {
        return false; // not a well-formed JSON object: a body policy cannot match it
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) return false;
    return matchBody(policy, body);
}
