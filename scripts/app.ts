/**
 * `npm run app`: the reference web server (app/) on PORT (3000), with DATABASE_URL and REDIS_URL.
 * On a fresh clone app/ has no node_modules: install them from app/package-lock.json first (and
 * again whenever the lockfile is newer than the install), so the documented command just works.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import * as path from "node:path";
import { parseCommand, runCommand } from "./cli";
import { PROJECT_ROOT } from "./offline/stack-file";

const COMMAND = {
    usage: "npm run app",
    help: `
Runs the Koronet web server from app/ (tsx src/main.ts), installing app/'s dependencies first when
they are missing or older than app/package-lock.json.

Environment: PORT (default 3000), DATABASE_URL (postgres://...), REDIS_URL (redis://...);
app/README.md lists the rest.
  --help  this text`,
    options: {},
} as const;

const APP = path.join(PROJECT_ROOT, "app");

/** Whether app/node_modules is missing or older than the lockfile it was installed from. */
export function appNeedsInstall(appDir: string = APP): boolean {
    const installed = path.join(appDir, "node_modules", ".package-lock.json");
    if (!existsSync(installed)) return true;
    return statSync(path.join(appDir, "package-lock.json")).mtimeMs > statSync(installed).mtimeMs;
}

async function main(): Promise<void> {
    parseCommand(COMMAND);
    if (appNeedsInstall()) {
        process.stderr.write("app/: installing dependencies (npm ci --prefix app)\n");
        const r = spawnSync("npm", ["ci", "--prefix", APP, "--no-audit", "--no-fund"], { stdio: "inherit" });
        if (r.status !== 0) throw new Error(`npm ci --prefix app failed (exit ${r.status ?? r.signal})`);
    }
    const child = spawn("npm", ["--prefix", APP, "run", "--silent", "dev"], { stdio: "inherit" });
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
    const code = await new Promise<number>((resolve) => child.on("exit", (c, s) => resolve(c ?? (s ? 1 : 0))));
    process.exitCode = code;
}

if (require.main === module) runCommand(COMMAND.usage, main);
