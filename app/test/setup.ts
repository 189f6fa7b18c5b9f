/**
 * Root hooks: one real PostgreSQL and one real Redis on 127.0.0.1 for the whole run, started through
 * e2e/services. A missing binary fails the run with the Debian package to install; nothing is skipped.
 */
import { startPostgres, type PostgresService } from "../../e2e/services/postgres";
import { startRedis, type RedisService } from "../../e2e/services/redis";
import { LocalStack } from "../../e2e/services/stack";

export interface SharedServices {
    readonly pg: PostgresService;
    readonly redis: RedisService;
    /** Services a test file started for itself (e.g. to stop them), torn down after the run. */
    readonly stack: LocalStack;
}

let shared: SharedServices | undefined;

export function services(): SharedServices {
    if (!shared) throw new Error("shared services are not started (is test/setup.ts in .mocharc.json require?)");
    return shared;
}

export const mochaHooks = {
    async beforeAll(this: Mocha.Context): Promise<void> {
        this.timeout(60_000);
        const stack = new LocalStack();
        try {
            const pg = stack.add(await startPostgres());
            const redis = stack.add(await startRedis());
            shared = { pg, redis, stack };
        } catch (err) {
            await stack.stopAll().catch(() => undefined);
            throw err;
        }
    },
    async afterAll(this: Mocha.Context): Promise<void> {
        this.timeout(60_000);
        await shared?.stack.stopAll();
        shared = undefined;
    },
};
