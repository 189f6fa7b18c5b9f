import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Everything this library started and has not yet cleaned up. The process-exit hook kills and removes
 * whatever is still here, so a crashed or interrupted test run leaves no daemons or temp dirs behind.
 */
interface TrackedPid {
    readonly name: string;
    /** Signal that makes the process clean up quickly on emergency exit (PostgreSQL: SIGQUIT). */
    readonly emergencySignal: NodeJS.Signals;
}
const trackedPids = new Map<number, TrackedPid>();
const trackedDirs = new Set<string>();
let hooksInstalled = false;

/** Told about every tracked/untracked PID (the orphan guard mirrors them to a file, see guard.ts). */
export type PidListener = (event: "track" | "untrack", pid: number, info?: { readonly name: string; readonly emergencySignal: NodeJS.Signals }) => void;
const pidListeners = new Set<PidListener>();

/** Subscribe to PID tracking changes; returns the unsubscribe function. */
export function onPidTracking(listener: PidListener): () => void {
    pidListeners.add(listener);
    return () => void pidListeners.delete(listener);
}

/** Register a PID for cleanup at process exit. Call {@link untrackPid} once it is stopped. */
export function trackPid(pid: number, name: string, emergencySignal: NodeJS.Signals = "SIGKILL"): void {
    installExitHooks();
    trackedPids.set(pid, { name, emergencySignal });
    for (const l of pidListeners) l("track", pid, { name, emergencySignal });
}

export function untrackPid(pid: number): void {
    if (!trackedPids.delete(pid)) return;
    for (const l of pidListeners) l("untrack", pid);
}

/** Create a temp dir (mode 700) that is removed at process exit unless {@link removeTempDir} ran first. */
export function makeTempDir(prefix: string): string {
    installExitHooks();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    trackedDirs.add(dir);
    return dir;
}

export function removeTempDir(dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
    trackedDirs.delete(dir);
}

/**
 * Whether `pid` is a live process. A zombie (state `Z` in /proc/PID/status) counts as dead: orphans
 * are reaped late on some hosts, and `kill -0` reports them alive for seconds after they exited.
 */
export function isPidAlive(pid: number): boolean {
    let status: string;
    try {
        status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
        // No procfs (not Linux): fall back to signal 0.
        try {
            process.kill(pid, 0);
            return true;
        } catch {
            return false;
        }
    }
    const state = /^State:\s+(\S)/m.exec(status)?.[1];
    return state !== undefined && state !== "Z" && state !== "X";
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function sleepSync(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Poll until `pid` is dead or `timeoutMs` passes. Returns whether it died. */
export async function waitForPidExit(pid: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (isPidAlive(pid)) {
        if (Date.now() >= deadline) return false;
        await sleep(25);
    }
    return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
    try {
        process.kill(pid, sig);
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
}

export interface StopPidOptions {
    /** First signal sent. @default "SIGTERM" */
    readonly signal?: NodeJS.Signals;
    /** How long to wait for the first signal to work before escalating. @default 10000 */
    readonly timeoutMs?: number;
    /** Signals sent in turn when the previous one did not stop the process in `escalationTimeoutMs`. @default ["SIGKILL"] */
    readonly escalation?: readonly NodeJS.Signals[];
    /** Wait after each escalation signal. @default 3000 */
    readonly escalationTimeoutMs?: number;
}

/** Stop a process by PID with bounded waits, escalating signals; throws if it survives them all. */
export async function stopPid(pid: number, name: string, opts: StopPidOptions = {}): Promise<void> {
    const steps: Array<[NodeJS.Signals, number]> = [
        [opts.signal ?? "SIGTERM", opts.timeoutMs ?? 10_000],
        ...(opts.escalation ?? ["SIGKILL"]).map((s): [NodeJS.Signals, number] => [s, opts.escalationTimeoutMs ?? 3_000]),
    ];
    for (const [sig, waitMs] of steps) {
        if (!isPidAlive(pid)) break;
        signal(pid, sig);
        if (await waitForPidExit(pid, waitMs)) break;
    }
    if (isPidAlive(pid)) throw new Error(`${name} (pid ${pid}) is still running after ${steps.map((s) => s[0]).join(", ")}`);
    untrackPid(pid);
}

/** Kill everything still tracked and remove tracked temp dirs, synchronously (safe in an `exit` hook). */
function cleanupAllSync(): void {
    for (const [pid, t] of trackedPids) signal(pid, t.emergencySignal);
    const deadline = Date.now() + 3_000;
    while ([...trackedPids.keys()].some(isPidAlive) && Date.now() < deadline) sleepSync(20);
    for (const pid of trackedPids.keys()) if (isPidAlive(pid)) signal(pid, "SIGKILL");
    trackedPids.clear();
    for (const dir of trackedDirs) fs.rmSync(dir, { recursive: true, force: true });
    trackedDirs.clear();
}

function installExitHooks(): void {
    if (hooksInstalled) return;
    hooksInstalled = true;
    process.on("exit", cleanupAllSync);
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        process.once(sig, () => {
            cleanupAllSync();
            // Keep the default "die on signal" behaviour unless someone else handles it too.
            if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
        });
    }
}

/** Last `maxBytes` of a log file, for error messages. */
function readTail(file: string, maxBytes = 4_000): string {
    try {
        const buf = fs.readFileSync(file);
        return buf.subarray(Math.max(0, buf.length - maxBytes)).toString("utf8");
    } catch {
        return "(no log)";
    }
}

export interface RunOptions {
    /** Kill the command after this long. @default 60000 */
    readonly timeoutMs?: number;
    readonly env?: NodeJS.ProcessEnv;
    readonly cwd?: string;
}

/** Run a short-lived command to completion; throws with its output when it fails or times out. */
export function runCommand(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(
            cmd,
            args,
            { timeout: opts.timeoutMs ?? 60_000, killSignal: "SIGKILL", env: opts.env ?? process.env, cwd: opts.cwd, maxBuffer: 16 << 20 },
            (err, stdout, stderr) => {
                if (err) {
                    reject(new Error(`${[cmd, ...args].join(" ")} failed: ${err.message}\n${stdout}${stderr}`.trim()));
                } else {
                    resolve(stdout);
                }
            },
        );
    });
}

export interface StartProcessOptions {
    /** Resolves true once the process serves; polled until then. Throwing counts as "not yet". */
    readonly readyCheck: () => Promise<boolean>;
    /** Give up (and kill the process) when not ready after this long. @default 15000 */
    readonly timeoutMs?: number;
    /** Name used in errors and logs. @default basename of `cmd` */
    readonly name?: string;
    readonly env?: NodeJS.ProcessEnv;
    readonly cwd?: string;
    /** Where stdout and stderr go. @default a file in a fresh temp dir removed by {@link ManagedProcess.stop} */
    readonly logFile?: string;
    /** Signal for a normal stop. @default "SIGTERM" */
    readonly stopSignal?: NodeJS.Signals;
    /** Poll interval of `readyCheck`. @default 100 */
    readonly pollMs?: number;
}

export interface ExitInfo {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
}

/** A long-running child process started by {@link startProcess}. */
export interface ManagedProcess {
    readonly name: string;
    readonly pid: number;
    readonly logFile: string;
    /** Resolves when the process exits, with its exit code or signal. */
    readonly exited: Promise<ExitInfo>;
    isAlive(): boolean;
    /** Send a signal without waiting (e.g. SIGTERM to test graceful shutdown). */
    kill(sig?: NodeJS.Signals): void;
    /** Stop with bounded waits (stop signal, then SIGKILL). Idempotent. */
    stop(opts?: StopPidOptions): Promise<ExitInfo>;
    /** Last part of the process's output. */
    logTail(maxBytes?: number): string;
}

/**
 * Start a long-running process, wait until `readyCheck` passes, and return a handle. If it exits or
 * does not become ready within `timeoutMs`, it is killed and the error carries the end of its log.
 */
export async function startProcess(cmd: string, args: readonly string[], opts: StartProcessOptions): Promise<ManagedProcess> {
    const name = opts.name ?? path.basename(cmd);
    const ownLogDir = opts.logFile === undefined ? makeTempDir(`koronet-${name.replace(/[^\w.-]/g, "_")}`) : undefined;
    const logFile = opts.logFile ?? path.join(ownLogDir as string, "output.log");
    const fd = fs.openSync(logFile, "a");
    const child = spawn(cmd, args, { stdio: ["ignore", fd, fd], env: opts.env ?? process.env, cwd: opts.cwd });
    fs.closeSync(fd);
    const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
    if (child.pid === undefined) {
        if (ownLogDir) removeTempDir(ownLogDir);
        throw new Error(`${name}: could not spawn ${cmd}: ${(await spawnError).message}`);
    }
    const pid = child.pid;
    trackPid(pid, name);
    let exitInfo: ExitInfo | undefined;
    const exited = new Promise<ExitInfo>((resolve) =>
        child.once("exit", (code, sig) => {
            exitInfo = { code, signal: sig };
            resolve(exitInfo);
        }),
    );

    let stopped: Promise<ExitInfo> | undefined;
    const handle: ManagedProcess = {
        name,
        pid,
        logFile,
        exited,
        isAlive: () => exitInfo === undefined && isPidAlive(pid),
        kill: (sig = "SIGTERM") => {
            if (exitInfo === undefined) signal(pid, sig);
        },
        logTail: (maxBytes) => readTail(logFile, maxBytes),
        stop: (stopOpts) => {
            stopped ??= (async () => {
                await stopPid(pid, name, { signal: opts.stopSignal ?? "SIGTERM", ...stopOpts });
                // The child is dead; its exit event follows at once (bounded in case it was already reaped).
                const info = await Promise.race([exited, sleep(2_000).then((): ExitInfo => ({ code: null, signal: null }))]);
                if (ownLogDir) removeTempDir(ownLogDir);
                return info;
            })();
            return stopped;
        },
    };

    const timeoutMs = opts.timeoutMs ?? 15_000;
    const deadline = Date.now() + timeoutMs;
    let failure: string | undefined;
    for (;;) {
        if (exitInfo !== undefined) {
            failure = `exited (code ${exitInfo.code}, signal ${exitInfo.signal}) before it was ready`;
            break;
        }
        const ready = await Promise.race([
            opts.readyCheck().catch(() => false),
            spawnError.then(() => false),
            sleep(Math.max(0, deadline - Date.now())).then(() => false),
        ]);
        if (ready) return handle;
        if (Date.now() >= deadline) {
            failure = `not ready after ${timeoutMs} ms`;
            break;
        }
        await sleep(opts.pollMs ?? 100);
    }
    const tail = handle.logTail();
    await handle.stop({ timeoutMs: 2_000 }).catch(() => undefined);
    throw new Error(`${name} ${failure}. Output:\n${tail}`);
}
