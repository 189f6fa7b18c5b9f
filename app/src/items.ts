import type { Logger } from "pino";

import type { Database } from "./db";
import { DependencyUnavailableError, HttpError } from "./errors";
import type { AppMetrics } from "./metrics";
import type { RedisStore } from "./redis";

export interface Item {
    readonly id: number;
    readonly name: string;
    readonly description: string;
    readonly ownerId: number;
    readonly createdAt: string;
    readonly updatedAt: string;
}

interface ItemRow {
    id: string;
    name: string;
    description: string;
    owner_id: string;
    created_at: Date;
    updated_at: Date;
}

const COLUMNS = "id, name, description, owner_id, created_at, updated_at";
const CACHE = "items";
const cacheKey = (id: number): string => `item:${id}`;

function toItem(row: ItemRow): Item {
    return {
        id: Number(row.id),
        name: row.name,
        description: row.description,
        ownerId: Number(row.owner_id),
        createdAt: row.created_at.toISOString(),
        updatedAt: row.updated_at.toISOString(),
    };
}

/**
 * Items in PostgreSQL behind a Redis read-through cache. Reads survive a Redis outage (they go to
 * PostgreSQL and count a Redis error); writes invalidate the cached copy, and the TTL bounds
 * staleness if an invalidation is lost to an outage.
 */
export class Items {
    constructor(
        private readonly db: Database,
        private readonly redis: RedisStore,
        private readonly metrics: AppMetrics,
        private readonly cacheTtlSeconds: number,
        private readonly log: Logger,
    ) {}

    async get(id: number): Promise<Item> {
        const cached = await this.redis.run("cache_get", (c) => c.get(cacheKey(id))).catch((err: unknown) => this.cacheFailed(err));
        if (typeof cached === "string") {
            this.metrics.cacheHit(CACHE);
            return JSON.parse(cached) as Item;
        }
        const rows = await this.db.query<ItemRow>("item_select", `SELECT ${COLUMNS} FROM items WHERE id = $1`, [id]);
        const row = rows[0];
        if (!row) throw new HttpError(404, "not_found", `item ${id} does not exist`);
        const item = toItem(row);
        // A miss is only a miss when the cache answered; during an outage it is a Redis error instead.
        if (cached === null) {
            this.metrics.cacheMiss(CACHE);
            await this.redis
                .run("cache_set", (c) => c.set(cacheKey(id), JSON.stringify(item), "EX", this.cacheTtlSeconds))
                .catch((err: unknown) => this.cacheFailed(err));
        }
        return item;
    }

    async list(limit: number, offset: number): Promise<Item[]> {
        const rows = await this.db.query<ItemRow>("item_list", `SELECT ${COLUMNS} FROM items ORDER BY id LIMIT $1 OFFSET $2`, [limit, offset]);
        return rows.map(toItem);
    }

    async create(ownerId: number, name: string, description: string): Promise<Item> {
        const rows = await this.db.query<ItemRow>("item_insert", `INSERT INTO items (name, description, owner_id) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`, [
            name,
            description,
            ownerId,
        ]);
        return toItem(rows[0]!);
    }

    async update(ownerId: number, id: number, changes: { name?: string; description?: string }): Promise<Item> {
        const rows = await this.db.query<ItemRow>(
            "item_update",
            `UPDATE items SET name = COALESCE($3, name), description = COALESCE($4, description), updated_at = now()
             WHERE id = $1 AND owner_id = $2 RETURNING ${COLUMNS}`,
            [id, ownerId, changes.name ?? null, changes.description ?? null],
        );
        if (rows.length === 0) await this.explainMissing(id);
        await this.invalidate(id);
        return toItem(rows[0]!);
    }

    async delete(ownerId: number, id: number): Promise<void> {
        const rows = await this.db.query<{ id: string }>("item_delete", "DELETE FROM items WHERE id = $1 AND owner_id = $2 RETURNING id", [id, ownerId]);
        if (rows.length === 0) await this.explainMissing(id);
        await this.invalidate(id);
    }

    /** 404 or 403 for a write that matched no row. Always throws. */
    private async explainMissing(id: number): Promise<never> {
        const rows = await this.db.query("item_exists", "SELECT 1 FROM items WHERE id = $1", [id]);
        if (rows.length === 0) throw new HttpError(404, "not_found", `item ${id} does not exist`);
        throw new HttpError(403, "forbidden", `item ${id} belongs to another user`);
    }

    private async invalidate(id: number): Promise<void> {
        await this.redis.run("cache_del", (c) => c.del(cacheKey(id))).catch((err: unknown) => this.cacheFailed(err));
    }

    /** The write or read already succeeded in PostgreSQL; a cache failure must not fail the request. */
    private cacheFailed(err: unknown): undefined {
        const cause = err instanceof DependencyUnavailableError ? err.cause : err;
        this.log.warn({ err: { message: (cause as Error)?.message } }, "item cache unavailable; using PostgreSQL only");
        return undefined;
    }
}
