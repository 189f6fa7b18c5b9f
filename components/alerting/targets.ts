/**
 * Dimension values and instance facts the catalog's CloudWatch alarms need, derived from what the
 * stack deployed. Pure apart from carrying Outputs through.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ManagedDataStoreTargets } from "./catalog";
import { RDS_INSTANCE_CLASSES } from "../../config/aws/datastores";

const GiB = 1024 ** 3;

/**
 * Memory of an RDS instance class in bytes, from the vocabulary config validates against
 * (config/aws/datastores.ts), so a class config accepts always has a size here.
 */
export function rdsMemoryBytes(instanceClass: string): number {
    const gib = RDS_INSTANCE_CLASSES[instanceClass]?.memoryGiB;
    if (gib === undefined) {
        throw new Error(
            `\`instanceClass\` ${JSON.stringify(instanceClass)} is not in config/aws/datastores.ts; known: ${Object.keys(RDS_INSTANCE_CLASSES).join(", ")}`,
        );
    }
    return gib * GiB;
}

/**
 * RDS for PostgreSQL's default `max_connections`: LEAST(DBInstanceClassMemory / 9531392, 5000).
 * DBInstanceClassMemory is somewhat below the class's nominal memory (the OS and RDS processes
 * reserve some), so this slightly overestimates the limit and the connections-% alarm fires a
 * little late rather than early; the parameter group does not override it.
 */
function rdsDefaultMaxConnections(memoryBytes: number): number {
    return Math.min(Math.floor(memoryBytes / 9531392), 5000);
}

export interface ManagedTargetsInput {
    readonly rdsInstanceId: pulumi.Input<string>;
    readonly instanceClass: string;
    readonly allocatedStorageGiB: number;
    readonly replicationGroupId: pulumi.Input<string>;
    /** Nodes of the replication group (primary + replicas). */
    readonly cacheNodes: number;
}

/**
 * Managed data-store targets. ElastiCache names the member clusters of a cluster-mode-disabled
 * replication group `<group>-001`, `<group>-002`, … in creation order.
 */
export function managedDataStoreTargets(
    i: ManagedTargetsInput,
    interpolate: (s: TemplateStringsArray, ...v: pulumi.Input<string>[]) => pulumi.Output<string>,
): ManagedDataStoreTargets {
    const memoryBytes = rdsMemoryBytes(i.instanceClass);
    return {
        mode: "managed",
        rds: { instanceId: i.rdsInstanceId, maxConnections: rdsDefaultMaxConnections(memoryBytes), allocatedStorageGiB: i.allocatedStorageGiB, memoryBytes },
        elasticache: {
            cacheClusterIds: Array.from({ length: i.cacheNodes }, (_, n) => interpolate`${i.replicationGroupId}-${String(n + 1).padStart(3, "0")}`),
        },
    };
}
