/** Anything a {@link LocalStack} can tear down. */
export interface LocalService {
    /** Human-readable name used in errors, e.g. `postgres:54321`. */
    readonly name: string;
    /** Stop the service and delete everything it created. Idempotent. */
    dispose(): Promise<void>;
}

/**
 * A registry of started services, torn down in reverse start order (so a service never loses a
 * dependency before it stops). Each `start*` helper of this library returns a {@link LocalService};
 * wrap it in `stack.add(...)`. Process-exit hooks in `process.ts` remain the last line of defence.
 *
 * ```ts
 * const stack = new LocalStack();
 * try {
 *     const pg = stack.add(await startPostgres());
 *     const redis = stack.add(await startRedis());
 *     ...
 * } finally {
 *     await stack.stopAll();
 * }
 * ```
 */
export class LocalStack {
    private readonly services: LocalService[] = [];

    /** Register a started service and return it unchanged. */
    add<T extends LocalService>(service: T): T {
        this.services.push(service);
        return service;
    }

    /** Services in start order. */
    get all(): readonly LocalService[] {
        return [...this.services];
    }

    /** Dispose every service in reverse order; tries them all and throws one error listing failures. */
    async stopAll(): Promise<void> {
        const failures: string[] = [];
        while (this.services.length > 0) {
            const service = this.services.pop() as LocalService;
            try {
                await service.dispose();
            } catch (err) {
                failures.push(`${service.name}: ${(err as Error).message}`);
            }
        }
        if (failures.length > 0) throw new Error(`could not stop every local service:\n${failures.join("\n")}`);
    }
}
