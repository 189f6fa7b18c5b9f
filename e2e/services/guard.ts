/**
 * No leftovers, even after `kill -9` of the test runner. Exit hooks (process.ts) cover crashes and
 * signals the runner can catch; this covers the ones it cannot:
 *
 * - Every run owns one folder, `<tmp>/koronet-e2e/run-<pid>-<random>`, holding all its data dirs and
 *   a `pids` file that mirrors the tracked PIDs (with their start times, so a recycled PID is never
 *   killed).
 * - A detached guardian (a bash loop, its own session) polls the runner once a second; when the
 *   runner is gone it stops the recorded PIDs and deletes the folder. It exits by itself when the
 *   folder disappears (normal teardown).
 * - The next run sweeps folders whose owner is dead, in case the guardian was killed too.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { onPidTracking } from "./process";

/** Where run folders live (the system temp dir at load time, before a run redirects TMPDIR). */
const RUNS_ROOT = path.join(os.tmpdir(), "koronet-e2e");

/** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), or undefined if gone. */
function processStartTime(pid: number): string | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // The command name (field 2) may contain spaces and parentheses: split after the last ")".
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return fields[19];
    } catch {
        return undefined;
    }
}

interface PidRecord {
    readonly pid: number;
    readonly start: string;
    readonly signal: NodeJS.Signals;
    readonly name: string;
}

function readPids(file: string): PidRecord[] {
    let text = "";
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        return [];
    }
    return text
        .split("\n")
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length >= 3 && /^\d+$/.test(f[0] as string))
        .map((f) => ({ pid: Number(f[0]), start: f[1] as string, signal: f[2] as NodeJS.Signals, name: f.slice(3).join(" ") }));
}

const sleepSync = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Kill recorded PIDs that are still the same processes (start time matches); bounded to ~3 s. */
function killRecorded(records: readonly PidRecord[]): string[] {
    const same = (r: PidRecord) => processStartTime(r.pid) === r.start;
    const killed: string[] = [];
    for (const r of records) {
        if (!same(r)) continue;
        try {
            process.kill(r.pid, r.signal);
            killed.push(`${r.name} (pid ${r.pid})`);
        } catch {
            // already gone
        }
    }
    const deadline = Date.now() + 3_000;
    while (records.some((r) => same(r) && !isZombie(r.pid)) && Date.now() < deadline) sleepSync(50);
    for (const r of records) {
        if (same(r) && !isZombie(r.pid)) {
            try {
                process.kill(r.pid, "SIGKILL");
            } catch {
                // gone
            }
        }
    }
    return killed;
}

function isZombie(pid: number): boolean {
    try {
        return /^State:\s+[ZX]/m.test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    } catch {
        return true;
    }
}

/**
 * Remove run folders whose runner is dead, killing whatever they recorded. Returns what it cleaned,
 * for a log line. Safe to call while other runs are alive (their owners are alive, so they are kept).
 */
function sweepStaleRuns(root = RUNS_ROOT): string[] {
    let entries: string[] = [];
    try {
        entries = fs.readdirSync(root);
    } catch {
        return [];
    }
    const cleaned: string[] = [];
    for (const entry of entries) {
        const dir = path.join(root, entry);
        let owner: { pid: number; start: string } | undefined;
        try {
            owner = JSON.parse(fs.readFileSync(path.join(dir, "owner.json"), "utf8")) as { pid: number; start: string };
        } catch {
            // No owner file: a half-created folder. Only remove it once it is clearly old.
            try {
                if (Date.now() - fs.statSync(dir).mtimeMs < 60_000) continue;
            } catch {
                continue;
            }
        }
        if (owner !== undefined && processStartTime(owner.pid) === owner.start) continue;
        const killed = killRecorded(readPids(path.join(dir, "pids")));
        fs.rmSync(dir, { recursive: true, force: true });
        cleaned.push(`${entry}${killed.length > 0 ? `: stopped ${killed.join(", ")}` : ""}`);
    }
    return cleaned;
}

// The guardian: polls the owner once a second (bounded by the owner's life and by the run folder's
// existence), then kills what the pids file lists — only processes whose start time still matches.
const GUARDIAN_SCRIPT = `
owner=$1; owner_start=$2; dir=$3
start_of() { [ -r /proc/$1/stat ] && sed -E 's/^.*\\) //' /proc/$1/stat | cut -d' ' -f20; }
while [ -d "$dir" ] && [ "$(start_of "$owner")" = "$owner_start" ]; do sleep 1; done
[ -d "$dir" ] || exit 0
if [ -f "$dir/pids" ]; then
  while read -r pid start sig name; do
    [ "$(start_of "$pid")" = "$start" ] && kill -s "\${sig#SIG}" "$pid" 2>/dev/null
  done < "$dir/pids"
  sleep 3
  while read -r pid start sig name; do
    [ "$(start_of "$pid")" = "$start" ] && kill -s KILL "$pid" 2>/dev/null
  done < "$dir/pids"
fi
rm -rf "$dir"
`;

/** One run's folder, PID mirror and guardian. */
export class RunGuard {
    private readonly records = new Map<number, PidRecord>();
    private readonly unsubscribe: () => void;
    private readonly previousTmpdir: string | undefined;
    private closed = false;

    private constructor(
        /** The run folder; every data dir of the run is created under it. */
        readonly dir: string,
        /** Folders of earlier runs this one cleaned up. */
        readonly swept: readonly string[],
    ) {
        this.unsubscribe = onPidTracking((event, pid, info) => {
            if (event === "track" && info !== undefined) {
                const start = processStartTime(pid);
                if (start !== undefined) this.records.set(pid, { pid, start, signal: info.emergencySignal, name: info.name });
            } else {
                this.records.delete(pid);
            }
            this.flush();
        });
        // os.tmpdir() reads TMPDIR on every call: every makeTempDir of the library now lands here.
        this.previousTmpdir = process.env["TMPDIR"];
        process.env["TMPDIR"] = dir;
    }

    /** Sweep stale runs, create this run's folder and start its guardian. */
    static start(): RunGuard {
        const swept = sweepStaleRuns();
        fs.mkdirSync(RUNS_ROOT, { recursive: true, mode: 0o711 });
        const dir = path.join(RUNS_ROOT, `run-${process.pid}-${randomBytes(4).toString("hex")}`);
        fs.mkdirSync(dir, { mode: 0o711 });
        // PostgreSQL runs as `postgres`: it must be able to traverse to its own data dir.
        fs.chmodSync(dir, 0o711);
        fs.chmodSync(RUNS_ROOT, 0o711);
        const start = processStartTime(process.pid) as string;
        fs.writeFileSync(path.join(dir, "owner.json"), JSON.stringify({ pid: process.pid, start }));
        const guardian = spawn("bash", ["-c", GUARDIAN_SCRIPT, "koronet-e2e-guardian", String(process.pid), start, dir], {
            detached: true,
            stdio: "ignore",
        });
        guardian.unref();
        return new RunGuard(dir, swept);
    }

    /** Original temp dir, for child processes that cache there (tsx). */
    get systemTmpdir(): string {
        return this.previousTmpdir ?? os.tmpdir();
    }

    private flush(): void {
        if (this.closed) return;
        const lines = [...this.records.values()].map((r) => `${r.pid} ${r.start} ${r.signal} ${r.name}`);
        const tmp = path.join(this.dir, "pids.tmp");
        fs.writeFileSync(tmp, lines.length > 0 ? `${lines.join("\n")}\n` : "");
        fs.renameSync(tmp, path.join(this.dir, "pids"));
    }

    /** After every service stopped: delete the folder (the guardian then exits) and restore TMPDIR. */
    close(): void {
        if (this.closed) return;
        this.closed = true;
        this.unsubscribe();
        if (this.previousTmpdir === undefined) delete process.env["TMPDIR"];
        else process.env["TMPDIR"] = this.previousTmpdir;
        killRecorded([...this.records.values()]);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
