import * as fs from "node:fs";
import * as path from "node:path";

/** Thrown when a service binary is not installed; the message names the Debian package to install. */
export class MissingBinaryError extends Error {
    constructor(
        /** What was looked for, e.g. `redis-server`. */
        public readonly binary: string,
        /** Debian package that provides it, e.g. `redis-server`. */
        public readonly debianPackage: string,
        where: string,
    ) {
        super(`${binary} not found (${where}): install the Debian package "${debianPackage}" ` + `(apt-get install -y ${debianPackage})`);
        this.name = "MissingBinaryError";
    }
}

function isExecutable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

/** Resolve `name` on `PATH`, or throw a {@link MissingBinaryError} naming `debianPackage`. */
export function findOnPath(name: string, debianPackage: string): string {
    const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
    // Debian puts some daemons in sbin, which a non-login root shell may not have on PATH.
    for (const dir of [...dirs, "/usr/sbin", "/sbin", "/usr/local/sbin"]) {
        const candidate = path.join(dir, name);
        if (isExecutable(candidate)) return candidate;
    }
    throw new MissingBinaryError(name, debianPackage, "searched PATH");
}

/**
 * Directory holding PostgreSQL server binaries (`initdb`, `pg_ctl`, `postgres`). Debian installs them
 * under `/usr/lib/postgresql/<major>/bin`, off `PATH`.
 * @param major a required major version; by default the newest installed.
 */
export function findPostgresBinDir(major?: number, root = "/usr/lib/postgresql"): string {
    let versions: number[] = [];
    try {
        versions = fs
            .readdirSync(root)
            .map(Number)
            .filter((v) => Number.isInteger(v) && (major === undefined || v === major))
            .filter((v) => ["initdb", "pg_ctl", "postgres"].every((b) => isExecutable(path.join(root, String(v), "bin", b))))
            .sort((a, b) => b - a);
    } catch {
        // no root directory: same as no version found
    }
    if (versions.length === 0) {
        throw new MissingBinaryError(
            `PostgreSQL ${major ?? ""} server binaries (initdb, pg_ctl, postgres)`.replace("  ", " "),
            "postgresql",
            `searched ${root}/*/bin`,
        );
    }
    return path.join(root, String(versions[0]), "bin");
}
