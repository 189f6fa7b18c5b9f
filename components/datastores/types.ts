/** The data stores' ports, connection shapes and arguments: shared by the component (index.ts) and its two modes (managed.ts, in-cluster.ts). */
import type * as pulumi from "@pulumi/pulumi";
import type { DataStoresConfig } from "../../config/schema";
import type { EcsPlacement } from "../common";

export const POSTGRES_PORT = 5432;
export const REDIS_PORT = 6379;

export interface DataStoresArgs {
    readonly config: DataStoresConfig;
    readonly vpcId: pulumi.Input<string>;
    readonly privateSubnetIds: pulumi.Input<string[]>;
    /** Number of private subnets (one EFS mount target each); a plain number decides resources. */
    readonly subnetCount: number;
    /** Cluster placement for `ecs` mode. */
    readonly placement: EcsPlacement;
    /** Readable name prefix (`koronet-dev`) for identifiers people see. */
    readonly namePrefix: string;
    /** Platform of the PostgreSQL image built for `ecs` mode. @default "linux/amd64" */
    readonly platform?: "linux/amd64" | "linux/arm64";
}

/**
 * How a client connects to PostgreSQL. The password is never in plain config: containers get it as
 * an ECS secret (`passwordValueFrom`) or, to follow rotation, read it themselves from
 * `passwordSecretArn` with their task role.
 */
export interface PostgresConnection {
    readonly host: pulumi.Output<string>;
    readonly port: number;
    readonly database: string;
    readonly username: string;
    /** The password's reference in ECS's `secrets[].valueFrom` form (ARN, with `:password::` for RDS's JSON secret). */
    readonly passwordValueFrom: pulumi.Output<string>;
    /** The secret holding it (no JSON key), for IAM. */
    readonly passwordSecretArn: pulumi.Output<string>;
    /**
     * `verify-full` for RDS (TLS enforced by `rds.force_ssl`; certificate from the RDS CA of the
     * region, named by {@link RDS_CA_CERT_IDENTIFIER}), `disable` inside the VPC in `ecs` mode.
     */
    readonly sslMode: "verify-full" | "disable";
}

/** The CA that signs the RDS instance's certificate (clients trust the region's RDS CA bundle). */
export const RDS_CA_CERT_IDENTIFIER = "rds-ca-rsa2048-g1";

export interface RedisConnection {
    readonly host: pulumi.Output<string>;
    readonly port: number;
    /** TLS in transit (ElastiCache); `rediss://` URLs. */
    readonly tls: boolean;
    readonly passwordValueFrom: pulumi.Output<string>;
}

/**
 * PostgreSQL (5432) and Redis (6379) in one of two modes:
 * - `ecs`: containers in the cluster as the architecture draws them, reached through Cloud Map.
 *   PostgreSQL's data lives on an EFS access point, because ECS-managed EBS volumes attached to a
 *   service's tasks are deleted when the task stops, and the database must outlive task replacement.
 *   PostgreSQL supports NFS data directories mounted `hard` (as ECS mounts EFS); the service runs one
 *   task with deployments at 0%/100% so two postmasters never share the directory. Redis is a cache
 *   and keeps no data.
 * - `managed`: RDS PostgreSQL (Multi-AZ, encrypted, backups, deletion protection, password managed
 *   by RDS in Secrets Manager) and an ElastiCache Redis replication group (failover, TLS, encryption
 *   at rest, auth token).
 * Security groups admit 5432/6379 only from clients added with `allowClient`.
 */
