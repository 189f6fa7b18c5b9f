/**
 * Pinned upstream images of `ecs` mode and the build context of the PostgreSQL image derived from
 * them. A leaf module (no imports): the container-filesystem model and the policy rules read it.
 */

/** Upstream PostgreSQL images, by major version; the platform runs them through {@link POSTGRES_IMAGE_CONTEXT}. */
export const POSTGRES_IMAGES = { "15": "postgres:15.10-bookworm", "16": "postgres:16.6-bookworm" } as const;
export const REDIS_IMAGE = "redis:7.2.6-bookworm";
/** Build context of the PostgreSQL image (upstream + declared VOLUMEs), relative to the project root. */
export const POSTGRES_IMAGE_CONTEXT = "components/datastores/postgres-image";
/** uid/gid of the `postgres` and `redis` users in the official images. */
export const DATA_UID = 999;
