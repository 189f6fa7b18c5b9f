/** Fakes for the delivery tests: a clock whose sleeps move time, and an HTTP peer answering from a script. */
import type { Clock } from "../src/shared/clock";

export class FakeClock implements Clock {
    t = Date.parse("2026-12-02T10:00:00Z");
    readonly sleeps: number[] = [];
    constructor(private readonly rand: () => number = () => 0.5) {}
    now = () => this.t;
    random = () => this.rand();
    sleep = async (ms: number) => {
        this.sleeps.push(ms);
        this.t += ms;
    };
}

/** One scripted answer: a status (with headers and body), or a network failure. */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | "network-error";

/** A `fetch` answering from `answers` in order (202 once they run out), recording every request. */
export function scriptedFetch(answers: Answer[]): { fetch: typeof fetch; requests: { url: string; body: string; timeoutSignal: boolean }[] } {
    const requests: { url: string; body: string; timeoutSignal: boolean }[] = [];
    const f = (async (input: string | URL | Request, init?: RequestInit) => {
        requests.push({ url: String(input), body: String(init?.body), timeoutSignal: init?.signal instanceof AbortSignal });
        const a = answers.shift() ?? { status: 202, body: '{"status":"success"}' };
        if (a === "network-error") throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
        return new Response(a.body ?? "", { status: a.status, headers: a.headers });
    }) as typeof fetch;
    return { fetch: f, requests };
}

/** Log lines captured as objects. */
export function captureLog(): { log: { info: L; warn: L; error: L }; lines: Record<string, unknown>[] } {
    const lines: Record<string, unknown>[] = [];
    const at =
        (level: string): L =>
        (msg, fields) =>
            void lines.push({ level, msg, ...fields });
    return { log: { info: at("info"), warn: at("warn"), error: at("error") }, lines };
}
type L = (msg: string, fields?: Record<string, unknown>) => void;
