import { Redis } from "ioredis";
import type { Logger } from "pino";

import { DependencyUnavailableError } from "./errors";
import type { AppMetrics, RedisCommand } from "./metrics";

/**
 * The Redis client with metrics. Commands fail fast while disconnected (no offline queue, bounded
 * command timeout) so an outage turns into 503s or cache bypasses instead of requests piling up; the
 * client keeps reconnecting in the background.
 */
export class RedisStore {
    readonly client: Redis;
    private wasReady = false;
    private closing = false;

    constructor(
        url: string,
        private readonly metrics: AppMetrics,
        private readonly log: Logger,
    ) {
        this.client = new Redis(url, {
            enableOfflineQueue: false,
            maxRetriesPerRequest: 0,
            commandTimeout: 1_000,
            connectTimeout: 2_000,
            retryStrategy: (attempt) => Math.min(100 * attempt, 1_000),
            connectionName: "koronet-web",
        });
        this.client.on("ready", () => {
            this.wasReady = true;
            this.log.info("redis connected");
        });
        this.client.on("close", () => {
            if (this.wasReady && !this.closing) this.log.warn("redis connection lost; reconnecting");
            this.wasReady = false;
        });
        // Reconnect attempts emit an error each; the state changes above are what is worth logging.
        this.client.on("error", (err) => this.log.debug({ err: { message: err.message } }, "redis client error"));
    }

    get connected(): boolean {
        return this.client.status === "ready";
    }

    /** Run a command; a failure counts in `koronet_redis_errors_total{command}` and becomes a 503. */
    async run<T>(command: RedisCommand, fn: (client: Redis) => Promise<T>): Promise<T> {
        try {
            return await fn(this.client);
        } catch (err) {
            this.metrics.redisError(command);
            throw new DependencyUnavailableError("redis", err);
        }
    }

    async ping(): Promise<boolean> {
        if (!this.connected) return false;
        try {
            return (await this.run("ping", (c) => c.ping())) === "PONG";
        } catch {
            return false;
        }
    }

    async close(): Promise<void> {
        this.closing = true;
        try {
            if (this.connected) {
                await this.client.quit();
                return;
            }
        } catch {
            // fall through to a hard disconnect
        }
        this.client.disconnect();
    }
}
