/**
 * An evaluator for the subset of CloudWatch Logs JSON filter patterns the stack's metric filters
 * use, written from the documented grammar (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html,
 * "Matching terms in JSON log events"; awsdocs/amazon-cloudwatch-logs-user-guide
 * doc_source/FilterAndPatternSyntax.md), so the patterns can be tested against real events here:
 *
 *   { SELECTOR = STRING }   { SELECTOR != STRING }   { SELECTOR <op> NUMBER }  (=, !=, <, >, <=, >=)
 *   { SELECTOR IS NULL }    { SELECTOR NOT EXISTS }  { SELECTOR IS TRUE|FALSE }
 *   compound with &&, || and parentheses ("() > && > ||")
 *
 * SELECTOR: `$` then `.name` (letters, digits, `-`, `_`) and `[N]` steps. STRING: quoted or bare; `*`
 * matches any text at, before or after a term. A selector must reach a value node (string, number,
 * boolean): pointing at an object or array (or at nothing), `=` and `!=` both fail to match.
 * Unsupported syntax throws, naming it: a pattern this evaluator cannot read is never "tested".
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

type Token = { readonly kind: "lbrace" | "rbrace" | "lparen" | "rparen" | "and" | "or" | "op" | "selector" | "string" | "word"; readonly text: string };

function tokenize(pattern: string): Token[] {
    const out: Token[] = [];
    let i = 0;
    while (i < pattern.length) {
        const c = pattern[i] as string;
        if (/\s/.test(c)) {
            i++;
            continue;
        }
        const two = pattern.slice(i, i + 2);
        if (two === "&&" || two === "||") {
            out.push({ kind: two === "&&" ? "and" : "or", text: two });
            i += 2;
        } else if (["!=", "<=", ">="].includes(two)) {
            out.push({ kind: "op", text: two });
            i += 2;
        } else if ("=<>".includes(c)) {
            out.push({ kind: "op", text: c });
            i++;
        } else if (c === "{" || c === "}") {
            out.push({ kind: c === "{" ? "lbrace" : "rbrace", text: c });
            i++;
        } else if (c === "(" || c === ")") {
            out.push({ kind: c === "(" ? "lparen" : "rparen", text: c });
            i++;
        } else if (c === '"') {
            let j = i + 1;
            let text = "";
            while (j < pattern.length && pattern[j] !== '"') {
                if (pattern[j] === "\\" && j + 1 < pattern.length) j++;
                text += pattern[j];
                j++;
            }
            if (j >= pattern.length) throw new Error(`unterminated string in filter pattern: ${pattern}`);
            out.push({ kind: "string", text });
            i = j + 1;
        } else if (c === "$") {
            const m = /^\$(\.[A-Za-z0-9_-]+|\[\d+\])*/.exec(pattern.slice(i));
            out.push({ kind: "selector", text: (m as RegExpExecArray)[0] });
            i += (m as RegExpExecArray)[0].length;
        } else {
            const m = /^[^\s(){}"=<>!&|]+/.exec(pattern.slice(i));
            if (m === null) throw new Error(`unexpected ${JSON.stringify(c)} in filter pattern: ${pattern}`);
            out.push({ kind: "word", text: m[0] });
            i += m[0].length;
        }
    }
    return out;
}

/** The value a selector reaches, or undefined when there is none. */
function select(event: Json, selector: string): Json | undefined {
    let cur: Json | undefined = event;
    for (const step of selector.slice(1).matchAll(/\.([A-Za-z0-9_-]+)|\[(\d+)\]/g)) {
        if (cur === null || cur === undefined || typeof cur !== "object") return undefined;
        if (step[1] !== undefined) cur = Array.isArray(cur) ? undefined : (cur as Record<string, Json>)[step[1]];
        else cur = Array.isArray(cur) ? cur[Number(step[2])] : undefined;
    }
    return cur;
}

const isValueNode = (v: Json | undefined): v is string | number | boolean => typeof v === "string" || typeof v === "number" || typeof v === "boolean";

function wildcardMatch(value: string, term: string): boolean {
    if (!term.includes("*")) return value === term;
    const re = new RegExp(
        `^${term
            .split("*")
            .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join(".*")}$`,
        "s",
    );
    return re.test(value);
}

type Expr = (event: Json) => boolean;

/** Compiles a JSON filter pattern into a predicate over parsed events. */
export function compileFilterPattern(pattern: string): Expr {
    const tokens = tokenize(pattern);
    let pos = 0;
    const peek = () => tokens[pos];
    const take = (kind?: Token["kind"]): Token => {
        const t = tokens[pos];
        if (t === undefined || (kind !== undefined && t.kind !== kind))
            throw new Error(`filter pattern: expected ${kind ?? "a token"} at token ${pos} (${t?.text ?? "end"}) in ${pattern}`);
        pos++;
        return t;
    };

    const comparison = (): Expr => {
        if (peek()?.kind === "lparen") {
            take("lparen");
            const e = disjunction();
            take("rparen");
            return e;
        }
        const selector = take("selector").text;
        const next = take();
        if (next.kind === "word" && (next.text === "IS" || next.text === "NOT")) {
            const what = take("word").text;
            if (next.text === "NOT" && what === "EXISTS") return (ev) => select(ev, selector) === undefined;
            if (next.text === "IS" && what === "NULL") return (ev) => select(ev, selector) === null;
            if (next.text === "IS" && (what === "TRUE" || what === "FALSE")) return (ev) => select(ev, selector) === (what === "TRUE");
            throw new Error(`filter pattern: unsupported "${next.text} ${what}" in ${pattern}`);
        }
        if (next.kind !== "op") throw new Error(`filter pattern: expected an operator after ${selector} in ${pattern}`);
        const operand = take();
        if (operand.kind !== "string" && operand.kind !== "word")
            throw new Error(`filter pattern: expected a value after ${selector} ${next.text} in ${pattern}`);
        const op = next.text;
        const numeric = operand.kind === "word" && /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(operand.text);
        if (!numeric && !["=", "!="].includes(op)) throw new Error(`filter pattern: ${op} needs a number in ${pattern}`);
        return (ev) => {
            const v = select(ev, selector);
            if (!isValueNode(v)) return false;
            if (numeric) {
                const n = typeof v === "number" ? v : Number(v);
                const x = Number(operand.text);
                if (Number.isNaN(n)) return false;
                return { "=": n === x, "!=": n !== x, "<": n < x, ">": n > x, "<=": n <= x, ">=": n >= x }[op] as boolean;
            }
            const hit = wildcardMatch(String(v), operand.text);
            return op === "=" ? hit : !hit;
        };
    };
    const conjunction = (): Expr => {
        const parts = [comparison()];
        while (peek()?.kind === "and") {
            take("and");
            parts.push(comparison());
        }
        return (ev) => parts.every((p) => p(ev));
    };
    const disjunction = (): Expr => {
        const parts = [conjunction()];
        while (peek()?.kind === "or") {
            take("or");
            parts.push(conjunction());
        }
        return (ev) => parts.some((p) => p(ev));
    };

    take("lbrace");
    const expr = disjunction();
    take("rbrace");
    if (pos !== tokens.length) throw new Error(`filter pattern: trailing input after } in ${pattern}`);
    return expr;
}

/** Whether a log event (the JSON text EventBridge writes) matches a JSON filter pattern. */
export function matchesFilterPattern(pattern: string, message: string): boolean {
    let event: Json;
    try {
        event = JSON.parse(message) as Json;
    } catch {
        return false; // JSON patterns match JSON events only
    }
    return compileFilterPattern(pattern)(event);
}

/** Dimension values a metric filter would publish with, or undefined when a field is missing. */
export function dimensionValues(dimensions: Readonly<Record<string, string>>, message: string): Record<string, string> | undefined {
    const event = JSON.parse(message) as Json;
    const out: Record<string, string> = {};
    for (const [name, selector] of Object.entries(dimensions)) {
        const v = select(event, selector);
        if (!isValueNode(v)) return undefined;
        out[name] = String(v);
    }
    return out;
}
