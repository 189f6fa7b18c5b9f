/**
 * Secret follower Lambda (`index.handler` once bundled), run every 5 minutes by EventBridge: lists
 * the cluster's services, reads each task definition's `secrets[].valueFrom`, asks Secrets Manager
 * when each secret last changed, and forces a new deployment of every service that started before
 * a change of one of its secrets (follow.ts decides). It keeps going past a failing service or
 * secret and throws at the end, so the invocation counts as an error (its Errors alarm goes to the
 * pipeline topic) while every other service is still followed.
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, ListServicesCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SECRET_FOLLOWER_ENV } from "../contract/environment";
import { secretsToCheck, servicesToRedeploy, type Redeploy, type ServiceView } from "./follow";

export interface FollowerDeps {
    readonly ecs: Pick<ECSClient, "send">;
    readonly secrets: Pick<SecretsManagerClient, "send">;
    readonly cluster: string;
    /** @default JSON lines on console.log */
    readonly log?: (line: Record<string, unknown>) => void;
}

export interface FollowReport {
    readonly services: number;
    readonly secrets: number;
    readonly redeployed: readonly Redeploy[];
    readonly errors: readonly string[];
}

const message = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** One pass over the cluster. Never throws: failures are in `errors`. */
export async function follow(deps: FollowerDeps): Promise<FollowReport> {
    const log = deps.log ?? ((line) => console.log(JSON.stringify(line)));
    const errors: string[] = [];
    const arns: string[] = [];
    try {
        let nextToken: string | undefined;
        do {
            const page = await deps.ecs.send(new ListServicesCommand({ cluster: deps.cluster, maxResults: 100, nextToken }));
            arns.push(...(page.serviceArns ?? []));
            nextToken = page.nextToken;
        } while (nextToken !== undefined);
    } catch (e) {
        return { services: 0, secrets: 0, redeployed: [], errors: [`ListServices: ${message(e)}`] };
    }

    const services: ServiceView[] = [];
    const taskDefinitions = new Map<string, Promise<string[]>>();
    const secretRefsOf = (taskDefinition: string) => {
        let refs = taskDefinitions.get(taskDefinition);
        if (refs === undefined) {
            refs = deps.ecs
                .send(new DescribeTaskDefinitionCommand({ taskDefinition }))
                .then((out) =>
                    (out.taskDefinition?.containerDefinitions ?? []).flatMap((c) => (c.secrets ?? []).map((s) => s.valueFrom ?? "")).filter((v) => v !== ""),
                );
            taskDefinitions.set(taskDefinition, refs);
        }
        return refs;
    };
    // DescribeServices takes at most 10 services per call.
    for (let i = 0; i < arns.length; i += 10) {
        try {
            const out = await deps.ecs.send(new DescribeServicesCommand({ cluster: deps.cluster, services: arns.slice(i, i + 10) }));
            for (const f of out.failures ?? []) errors.push(`DescribeServices ${f.arn ?? "?"}: ${f.reason ?? "failed"}`);
            for (const s of out.services ?? []) {
                if (s.serviceArn === undefined || s.taskDefinition === undefined) continue;
                try {
                    services.push({
                        arn: s.serviceArn,
                        name: s.serviceName ?? s.serviceArn,
                        status: s.status ?? "UNKNOWN",
                        primaryDeploymentCreatedAt: s.deployments?.find((d) => d.status === "PRIMARY")?.createdAt,
                        secretRefs: await secretRefsOf(s.taskDefinition),
                    });
                } catch (e) {
                    errors.push(`DescribeTaskDefinition ${s.taskDefinition}: ${message(e)}`);
                }
            }
        } catch (e) {
            errors.push(`DescribeServices: ${message(e)}`);
        }
    }

    const ids = secretsToCheck(services);
    const lastChanged = new Map<string, Date | undefined>();
    for (const id of ids) {
        try {
            lastChanged.set(id, (await deps.secrets.send(new DescribeSecretCommand({ SecretId: id }))).LastChangedDate);
        } catch (e) {
            errors.push(`DescribeSecret ${id}: ${message(e)}`);
        }
    }

    const redeployed: Redeploy[] = [];
    for (const r of servicesToRedeploy(services, lastChanged)) {
        try {
            await deps.ecs.send(new UpdateServiceCommand({ cluster: deps.cluster, service: r.serviceArn, forceNewDeployment: true }));
            redeployed.push(r);
            log({ level: "info", msg: "forced a new deployment", service: r.serviceName, reason: r.reason });
        } catch (e) {
            errors.push(`UpdateService ${r.serviceName}: ${message(e)}`);
        }
    }
    for (const e of errors) log({ level: "error", msg: e });
    log({ level: "info", msg: "followed", services: services.length, secrets: ids.length, redeployed: redeployed.length, errors: errors.length });
    return { services: services.length, secrets: ids.length, redeployed, errors };
}

let clients: { ecs: ECSClient; secrets: SecretsManagerClient } | undefined;

/** EventBridge scheduled event in, report out; throws when any step failed (→ Errors metric). */
export async function handler(_event: unknown): Promise<FollowReport> {
    const cluster = process.env[SECRET_FOLLOWER_ENV.clusterArn];
    if (cluster === undefined || cluster === "") throw new Error(`env \`${SECRET_FOLLOWER_ENV.clusterArn}\` is required`);
    clients ??= { ecs: new ECSClient({}), secrets: new SecretsManagerClient({}) };
    const report = await follow({ ...clients, cluster });
    if (report.errors.length > 0) throw new Error(`secret follower: ${report.errors.length} failure(s): ${report.errors.join("; ")}`);
    return report;
}
