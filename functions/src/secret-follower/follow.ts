/**
 * The secret follower's decisions, pure: which ECS services must start fresh tasks because a
 * secret they inject changed after their current deployment began.
 *
 * ECS injects `secrets` only when a task starts: "If the secret is subsequently updated or rotated,
 * the container will not receive the updated value automatically. You must either launch a new task
 * or [...] use the Force new deployment option"
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html).
 * So a secret filled after the first deploy (`put-secret-value` over the placeholder), or rotated by
 * RDS (the managed master password, every 7 days by default), reaches running services only through
 * a new deployment. `LastChangedDate` (DescribeSecret) moves on every change of the secret — value,
 * rotation, also metadata such as tags: a metadata change costs one needless redeploy, never a
 * missed one. A forced deployment's createdAt is later than the change, so each change redeploys
 * a service once.
 */

/** A service as DescribeServices and DescribeTaskDefinition show it. */
export interface ServiceView {
    readonly arn: string;
    readonly name: string;
    /** `ACTIVE`, `DRAINING`, `INACTIVE`. */
    readonly status: string;
    /** createdAt of the PRIMARY deployment: the tasks it starts read the secrets of that moment or later. */
    readonly primaryDeploymentCreatedAt?: Date;
    /** `secrets[].valueFrom` of every container of its task definition. */
    readonly secretRefs: readonly string[];
}

export interface Redeploy {
    readonly serviceArn: string;
    readonly serviceName: string;
    readonly reason: string;
}

/**
 * The Secrets Manager secret a `valueFrom` names, as DescribeSecret takes it: the full ARN without
 * the `:json-key:version-stage:version-id` suffix ECS allows, or a name as given. Parameter Store
 * references are not Secrets Manager secrets (undefined).
 */
export function secretIdOf(valueFrom: string): string | undefined {
    if (valueFrom.startsWith("arn:")) {
        const parts = valueFrom.split(":");
        if (parts[2] !== "secretsmanager" || parts[5] !== "secret" || parts.length < 7) return undefined;
        return parts.slice(0, 7).join(":");
    }
    return valueFrom.startsWith("/") ? undefined : valueFrom;
}

/** The distinct secrets the services inject. */
export function secretsToCheck(services: readonly ServiceView[]): string[] {
    return [...new Set(services.flatMap((s) => s.secretRefs.map(secretIdOf).filter((id): id is string => id !== undefined)))].sort();
}

/**
 * Services whose PRIMARY deployment began before one of their secrets last changed. A service
 * without an ACTIVE status or a PRIMARY deployment, or a secret whose change date is unknown, is
 * left alone (nothing to compare).
 */
export function servicesToRedeploy(services: readonly ServiceView[], lastChanged: ReadonlyMap<string, Date | undefined>): Redeploy[] {
    const out: Redeploy[] = [];
    for (const s of services) {
        const deployedAt = s.primaryDeploymentCreatedAt;
        if (s.status !== "ACTIVE" || deployedAt === undefined) continue;
        const changed = [...new Set(s.secretRefs.map(secretIdOf))]
            .filter((id): id is string => id !== undefined)
            .map((id) => ({ id, at: lastChanged.get(id) }))
            .filter((c): c is { id: string; at: Date } => c.at !== undefined && c.at.getTime() > deployedAt.getTime())
            .sort((a, b) => a.id.localeCompare(b.id));
        if (changed.length === 0) continue;
        const what = changed.map((c) => `${c.id} changed ${c.at.toISOString()}`).join(", ");
        out.push({ serviceArn: s.arn, serviceName: s.name, reason: `${what}; PRIMARY deployment began ${deployedAt.toISOString()}` });
    }
    return out;
}
