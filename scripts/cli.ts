/**
 * What every command-line script shares: `--help`, usage errors, and error printing without
 * stack traces for the errors a user causes (bad arguments, bad stack configuration).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ConfigError } from "../config";

/** A bad invocation: printed with the command's usage, exit status 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export interface Command<T extends NonNullable<ParseArgsConfig["options"]>> {
    /** `npm run plan -- --stack <name> [--json]` */
    readonly usage: string;
    /** What the command does and each option, for `--help`. */
    readonly help: string;
    readonly options: T;
    readonly allowPositionals?: boolean;
}

/** Parses argv for `cmd`; prints help and exits 0 on `--help`; throws UsageError on anything unknown. */
export function parseCommand<T extends NonNullable<ParseArgsConfig["options"]>>(cmd: Command<T>, argv: string[] = process.argv.slice(2)) {
    if (argv.includes("--help") || argv.includes("-h")) {
        process.stdout.write(`usage: ${cmd.usage}\n\n${cmd.help.trim()}\n`);
        process.exit(0);
    }
    try {
        return parseArgs({ args: argv, options: cmd.options, strict: true, allowPositionals: cmd.allowPositionals ?? false });
    } catch (err) {
        throw new UsageError(err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, "") : String(err));
    }
}

/**
 * Runs a command's main function: a ConfigError prints its problems, a UsageError its message and
 * the usage line, both without a stack trace; anything else is a bug and keeps its trace.
 */
export function runCommand(usage: string, main: () => Promise<void> | void): void {
    Promise.resolve()
        .then(main)
        .catch((err: unknown) => {
            if (err instanceof ConfigError) {
                process.stderr.write(`${err.message}\n`);
                process.exit(1);
            }
            if (err instanceof UsageError) {
                process.stderr.write(`error: ${err.message}\nusage: ${usage}\n(--help for details)\n`);
                process.exit(2);
            }
            process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
            process.exit(1);
        });
}
