/**
 * Structured JSON logging with redaction. Secret values (webhook URL, bearer token) are registered
 * as they are fetched, and every line is scrubbed of them before it is written — a defence in
 * depth on top of never logging them on purpose.
 */

export type LogFields = Record<string, unknown>;

export interface Logger {
    info(msg: string, fields?: LogFields): void;
    warn(msg: string, fields?: LogFields): void;
    error(msg: string, fields?: LogFields): void;
}

/** A logger that also knows which strings must never appear in its output. */
export interface RedactingLogger extends Logger {
    /** Adds a value to scrub from every later line. Values shorter than 8 characters are ignored. */
    addSecret(value: string): void;
    /** Scrubs registered secrets from arbitrary text (also used on raw content posted to Slack). */
    redact(text: string): string;
}

/** Whether `log` scrubs secrets (a {@link RedactingLogger}); a plain Logger handed in by a caller does not. */
export function isRedacting(log: Logger): log is RedactingLogger {
    const l = log as Partial<RedactingLogger>;
    return typeof l.addSecret === "function" && typeof l.redact === "function";
}

export const REDACTED = "[REDACTED]";

/** Error details safe to log: name, message and the cause's code, never request options. */
export function errorFields(e: unknown): LogFields {
    if (e instanceof Error) {
        const cause = (e as { cause?: unknown }).cause;
        const code = typeof cause === "object" && cause !== null && "code" in cause ? String((cause as { code: unknown }).code) : undefined;
        return { error: `${e.name}: ${e.message}`, ...(code !== undefined ? { cause: code } : {}) };
    }
    return { error: String(e) };
}

export function createLogger(write: (line: string) => void = (line) => console.log(line)): RedactingLogger {
    const secrets = new Set<string>();
    const redact = (text: string): string => {
        let out = text;
        for (const s of secrets) out = out.split(s).join(REDACTED);
        return out;
    };
    const emit = (level: string, msg: string, fields?: LogFields) => {
        let line: string;
        try {
            line = JSON.stringify({ level, msg, ...fields });
        } catch {
            line = JSON.stringify({ level, msg, fields: "[unserialisable]" });
        }
        write(redact(line));
    };
    return {
        info: (m, f) => emit("info", m, f),
        warn: (m, f) => emit("warn", m, f),
        error: (m, f) => emit("error", m, f),
        addSecret: (value) => {
            const v = value.trim();
            if (v.length < 8) return;
            secrets.add(v);
            // JSON.stringify escapes "/" in no case but does escape quotes and backslashes; cover that form too.
            const jsonForm = JSON.stringify(v).slice(1, -1);
            if (jsonForm !== v) secrets.add(jsonForm);
        },
        redact,
    };
}
