import pino, { type Logger } from "pino";

import type { LogLevel } from "./config";

/** JSON logs on stdout: ISO time, level as a word, secrets in headers redacted. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
    return pino(
        {
            level,
            base: { service: "koronet-web" },
            timestamp: pino.stdTimeFunctions.isoTime,
            formatters: { level: (label) => ({ level: label }) },
            redact: {
                paths: ["req.headers.authorization", "req.headers.cookie", "headers.authorization", "password", "*.password"],
                censor: "[redacted]",
            },
        },
        destination,
    );
}
