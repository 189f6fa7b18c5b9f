import type { Logger } from "pino";
import type { Pool, PoolClient } from "pg";

/** Ordered schema changes. Append only: never edit or reorder one that has shipped. */
export const MIGRATIONS: ReadonlyArray<{ readonly version: number; readonly name: string; readonly sql: string }> = [
    {
        version: 1,
        name: "users",
        sql: `CREATE TABLE users (
            id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            username      text NOT NULL UNIQUE,
            password_hash text NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT now()
        )`,
    },
    {
        version: 2,
        name: "items",
        sql: `CREATE TABLE items (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name        text NOT NULL,
            description text NOT NULL DEFAULT '',
            owner_id    bigint NOT NULL REFERENCES users (id),
            created_at  timestamptz NOT NULL DEFAULT now(),
            updated_at  timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX items_owner_id_idx ON items (owner_id)`,
    },
];

/** Arbitrary constant identifying "koronet schema migrations" among advisory locks. */
const MIGRATION_LOCK_KEY = 727_001;

/**
 * Apply pending migrations in one transaction under a transaction-scoped advisory lock, so replicas
 * starting together apply each migration exactly once (the others wait, then find nothing to do).
 * Returns the versions this call applied.
 */
export async function migrate(pool: Pick<Pool, "connect">, log: Logger): Promise<number[]> {
    const client = await pool.connect();
    try {
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
        await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
            version    integer PRIMARY KEY,
            name       text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )`);
        const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_migrations");
        const done = new Set(rows.map((r) => r.version));
        const applied: number[] = [];
        for (const m of MIGRATIONS) {
            if (done.has(m.version)) continue;
            await client.query(m.sql);
            await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
            applied.push(m.version);
        }
        await enableQueryStatistics(client, log);
        await client.query("COMMIT");
        if (applied.length > 0) log.info({ applied }, "schema migrations applied");
        return applied;
    } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
    } finally {
        client.release();
    }
}

/**
 * Best effort, inside the migration transaction (under its lock, behind a savepoint): the
 * slow-query dashboards and postgres_exporter's custom queries read `pg_stat_statements`, which
 * both deployment modes preload (shared_preload_libraries). Creating it needs a superuser (ECS mode)
 * or rds_superuser (RDS); where the app's role lacks that, the schema still migrates and the app
 * runs without query statistics.
 */
export async function enableQueryStatistics(client: Pick<PoolClient, "query">, log: Pick<Logger, "warn">): Promise<boolean> {
    await client.query("SAVEPOINT query_statistics");
    try {
        await client.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        await client.query("RELEASE SAVEPOINT query_statistics");
        return true;
    } catch (err) {
        await client.query("ROLLBACK TO SAVEPOINT query_statistics");
        log.warn({ err: (err as Error).message }, "pg_stat_statements not enabled: slow-query statistics unavailable");
        return false;
    }
}
