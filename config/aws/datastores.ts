/**
 * Managed data-store vocabularies: RDS instance classes, PostgreSQL major versions, ElastiCache
 * node types and Redis OSS engine versions, and the words PostgreSQL reserves. Closed lists for the
 * same reason as `ec2.ts`: a class AWS does not have fails only at `pulumi up`, and one without a
 * price would shrink the cost estimate silently (`cost/prices-eu-west-1.json` prices every entry;
 * a test holds that). The memory figures feed the RDS alarms (`components/alerting/targets.ts`).
 *
 * Sources:
 * - RDS classes and memory: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Summary.html
 * - RDS for PostgreSQL versions: https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html
 * - ElastiCache node types and memory: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html
 * - ElastiCache Redis OSS versions: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/supported-engine-versions.html
 * - Master username / DB name rules: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
 *   ("Can't be a reserved word for the chosen database engine")
 * - PostgreSQL reserved key words: https://www.postgresql.org/docs/current/sql-keywords-appendix.html
 *   (every word marked "reserved" or "reserved (can be function or type)" in the PostgreSQL column)
 */

/** RDS instance class → memory (GiB). All Graviton or x86 classes RDS for PostgreSQL 15 and 16 run on. */
export const RDS_INSTANCE_CLASSES: Readonly<Record<string, { readonly memoryGiB: number }>> = {
    "db.t4g.micro": { memoryGiB: 1 },
    "db.t4g.small": { memoryGiB: 2 },
    "db.t4g.medium": { memoryGiB: 4 },
    "db.t4g.large": { memoryGiB: 8 },
    "db.m6g.large": { memoryGiB: 8 },
    "db.r6g.large": { memoryGiB: 16 },
    "db.r6g.xlarge": { memoryGiB: 32 },
};

/** PostgreSQL major versions: RDS offers both, and `ecs` mode pins an image for each (components/datastores). */
export const POSTGRES_VERSIONS = ["15", "16"] as const;

/** ElastiCache node type → memory (GiB). */
export const ELASTICACHE_NODE_TYPES: Readonly<Record<string, { readonly memoryGiB: number }>> = {
    "cache.t4g.micro": { memoryGiB: 0.5 },
    "cache.t4g.small": { memoryGiB: 1.37 },
    "cache.t4g.medium": { memoryGiB: 3.09 },
    "cache.r6g.large": { memoryGiB: 13.07 },
    "cache.r7g.large": { memoryGiB: 13.07 },
};

/** Redis OSS engine versions ElastiCache offers for a replication group with TLS and AUTH. */
export const REDIS_ENGINE_VERSIONS = ["7.0", "7.1"] as const;

/** Words PostgreSQL reserves: not usable as a role (master username) or database name. */
const POSTGRES_RESERVED_WORDS: ReadonlySet<string> = new Set([
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
]);

/**
 * Names RDS keeps for itself: the `rdsadmin` role and database, and the `rds_*` roles; PostgreSQL
 * reserves role names starting with `pg_` (https://www.postgresql.org/docs/current/sql-createrole.html).
 */
export function reservedIdentifierReason(name: string, kind: "username" | "databaseName"): string | undefined {
    if (POSTGRES_RESERVED_WORDS.has(name)) return `"${name}" is a PostgreSQL reserved word`;
    if (name === "rdsadmin") return `"rdsadmin" is reserved by RDS`;
    if (kind === "username" && name.startsWith("rds_")) return `role names starting with rds_ are reserved by RDS`;
    if (kind === "username" && name.startsWith("pg_")) return `role names starting with pg_ are reserved by PostgreSQL`;
    if (kind === "databaseName" && (name === "template0" || name === "template1")) return `"${name}" is a PostgreSQL template database`;
    return undefined;
}
