/** One line per check: PASS, or FAIL with the reason and the next step. */

export interface CheckResult {
    /** What was checked, e.g. `ecs web (web-svc)`. */
    readonly check: string;
    readonly ok: boolean;
    /** What was found (pass) or what is wrong (fail). */
    readonly detail: string;
    /** For a failure: what to do next. */
    readonly next?: string;
}

export const pass = (check: string, detail: string): CheckResult => ({ check, ok: true, detail });
export const fail = (check: string, detail: string, next: string): CheckResult => ({ check, ok: false, detail, next });

/** `PASS  check: detail` / `FAIL  check: detail — next: step`. */
export function formatResult(r: CheckResult): string {
    return r.ok ? `PASS  ${r.check}: ${r.detail}` : `FAIL  ${r.check}: ${r.detail} — next: ${r.next ?? "see docs/delivery.md"}`;
}
