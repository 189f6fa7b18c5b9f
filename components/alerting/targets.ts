/**
 * Dimension values and instance facts the catalog's CloudWatch alarms need, derived from what the
 * stack deployed. Pure apart from carrying Outputs through.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ManagedDataStoreTargets } from "./catalog";

const GiB = 1024 ** 3;

/**
 * Memory of RDS instance classes, GiB (AWS instance type tables). Only the families a Koronet
 * stack may reasonably pick; an unknown class is an error, not a guess.
 */
const RDS_MEMORY_GIB: Readonly<Record<string, Readonly<Record<string, number>>>> = {
    t3: { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32 },
    t4g: { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32 },
    m5: { large: 8, xlarge: 16, "2xlarge": 32, "4xlarge": 64, "8xlarge": 128 },
    m6g: { large: 8, xlarge: 16, "2xlarge": 32, "4xlarge": 64, "8xlarge": 128 },
    m6i: { large: 8, xlarge: 16, "2xlarge": 32, "4xlarge": 64, "8xlarge": 128 },
    m7g: { large: 8, xlarge: 16, "2xlarge": 32, "4xlarge": 64, "8xlarge": 128 },
    r5: { large: 16, xlarge: 32, "2xlarge": 64, "4xlarge": 128, "8xlarge": 256 },
    r6g: { large: 16, xlarge: 32, "2xlarge": 64, "4xlarge": 128, "8xlarge": 256 },
    r6i: { large: 16, xlarge: 32, "2xlarge": 64, "4xlarge": 128, "8xlarge": 256 },
    r7g: { large: 16, xlarge: 32, "2xlarge": 64, "4xlarge": 128, "8xlarge": 256 },
};

/** Memory of an RDS instance class in bytes; throws naming the class when unknown. */
export function rdsMemoryBytes(instanceClass: string): number {
    const m = /^db\.([a-z0-9]+)\.([a-z0-9]+)$/.exec(instanceClass);
    const gib = m ? RDS_MEMORY_GIB[m[1] as string]?.[m[2] as string] : undefined;
    if (gib === undefined) {
        throw new Error(`\`instanceClass\` ${JSON.stringify(instanceClass)} has no known memory size for the RDS alarms; known: ${Object.entries(RDS_MEMORY_GIB).flatMap(([f, sizes]) => Object.keys(sizes).map((s) => `db.${f}.${s}`)).join(", ")}`);
    }
    return gib * GiB;
}

/**
 * RDS for PostgreSQL's default `max_connections`: LEAST(DBInstanceClassMemory / 9531392, 5000).
 * DBInstanceClassMemory is somewhat below the class's nominal memory (the OS and RDS processes
 * reserve some), so this slightly overestimates the limit and the connections-% alarm fires a
 * little late rather than early; the parameter group does not override it.
 */
export function rdsDefaultMaxConnections(memoryBytes: number): number {
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
export function managedDataStoreTargets(i: ManagedTargetsInput, interpolate: (s: TemplateStringsArray, ...v: pulumi.Input<string>[]) => pulumi.Output<string>): ManagedDataStoreTargets {
    const memoryBytes = rdsMemoryBytes(i.instanceClass);
    return {
        mode: "managed",
        rds: { instanceId: i.rdsInstanceId, maxConnections: rdsDefaultMaxConnections(memoryBytes), allocatedStorageGiB: i.allocatedStorageGiB, memoryBytes },
        elasticache: { cacheClusterIds: Array.from({ length: i.cacheNodes }, (_, n) => interpolate`${i.replicationGroupId}-${String(n + 1).padStart(3, "0")}`) },
    };
}
