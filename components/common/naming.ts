/** Physical names people read (alarms, topics, dashboards, log groups): built once, here. */
export interface NameContext {
    readonly project: string;
    readonly stack: string;
}

/** `${project}-${stack}-${parts...}`, e.g. `koronet-prod-web-cpu-high`. */
export function physicalName(ctx: NameContext, ...parts: string[]): string {
    return [ctx.project, ctx.stack, ...parts].join("-");
}

/** Tags every resource of the platform carries (set through the provider's defaultTags). */
export function standardTags(ctx: NameContext & { environment: string }): Record<string, string> {
    return { Project: ctx.project, Stack: ctx.stack, Environment: ctx.environment, ManagedBy: "pulumi" };
}

/** The stack's Cloud Map private DNS namespace, `<stack>.<project>.internal` (the stack is one label of it). */
export function cloudMapNamespace(ctx: NameContext): string {
    return `${ctx.stack}.${ctx.project}.internal`;
}

/**
 * Identifiers of the managed data stores (`koronet:dataStores.mode` managed), from the stack's name
 * prefix `<project>-<stack>` ({@link physicalName} with no parts): what RDS and ElastiCache are told
 * to call them, and what dashboards, alarms and Prometheus' `instance` label name them by.
 */
export const dataStoreIds = {
    postgresInstance: (namePrefix: string): string => `${namePrefix}-postgres`,
    redisReplicationGroup: (namePrefix: string): string => `${namePrefix}-redis`,
    /** The replication group's member clusters, `<group>-001`, `<group>-002`, … (why: components/alerting/targets.ts). */
    redisCacheClusters: (replicationGroupId: string, nodes: number): string[] => Array.from({ length: nodes }, (_, n) => `${replicationGroupId}-${String(n + 1).padStart(3, "0")}`),
};
