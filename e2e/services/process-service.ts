import { type ManagedProcess, removeTempDir } from "./process";
import type { LocalService } from "./stack";

/**
 * The lifecycle every single-process local service shares: one process in its own temp folder,
 * restartable on the same port, stopped gracefully (SIGTERM) or crashed (SIGKILL), and disposed
 * with its folder. A subclass says only how to launch its process.
 */
export abstract class ProcessService implements LocalService {
    private proc: ManagedProcess | undefined;
    private disposed = false;

    protected constructor(
        readonly name: string,
        /** The service's own folder (log, config, data). */
        readonly dir: string,
        /** Grace for SIGTERM before SIGKILL. */
        private readonly stopTimeoutMs = 10_000,
    ) {}

    /**
     * Prepares a new service (writes its files) and starts it; on any failure disposes it (its
     * folder included) and rethrows, so a failed start leaves nothing behind.
     */
    static async started<T extends ProcessService>(service: T, prepare?: () => void): Promise<T> {
        try {
            prepare?.();
            await service.start();
        } catch (err) {
            await service.dispose().catch(() => undefined);
            throw err;
        }
        return service;
    }

    /** Starts the process; resolves once it is ready. */
    protected abstract launch(): Promise<ManagedProcess>;

    get pid(): number | undefined {
        return this.proc?.isAlive() ? this.proc.pid : undefined;
    }

    get running(): boolean {
        return this.proc?.isAlive() ?? false;
    }

    logTail(maxBytes?: number): string {
        return this.proc?.logTail(maxBytes) ?? "";
    }

    /** (Re)start; no-op when running. */
    async start(): Promise<void> {
        if (this.disposed) throw new Error(`${this.name} is disposed`);
        if (this.running) return;
        this.proc = await this.launch();
    }

    /** Send a signal without waiting. */
    kill(sig: NodeJS.Signals = "SIGKILL"): void {
        this.proc?.kill(sig);
    }

    /** Graceful stop: SIGTERM, then SIGKILL after the grace period. */
    async stop(): Promise<void> {
        await this.end("SIGTERM", this.stopTimeoutMs);
    }

    /** Dies without shutting down (SIGKILL), as an out-of-memory kill or a lost host would; waits until it is gone. */
    async crash(): Promise<void> {
        await this.end("SIGKILL", 5_000);
    }

    async dispose(): Promise<void> {
        if (this.disposed) return;
        this.disposed = true;
        try {
            await this.stop();
        } finally {
            removeTempDir(this.dir);
        }
    }

    private async end(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
        const proc = this.proc;
        this.proc = undefined;
        if (proc) await proc.stop({ signal, timeoutMs });
    }
}
