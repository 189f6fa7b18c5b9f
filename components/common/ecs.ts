/**
 * One way to run a service on the cluster: log group, task definition, ECS service and (optionally)
 * a Cloud Map registration, with the platform's defaults: private subnets, no public IP, deployment
 * circuit breaker with rollback, least-privilege roles, secrets only through ECS `secrets`.
 * Every ECS service in the platform (web server, data stores, monitoring) is made here.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awslogs, containerDefinitions, hardened, type ContainerDefinition } from "./containers";
import { assumeRolePolicy, policyDocument, type PolicyStatement } from "./iam";
import { kindNamed } from "./kind-names";

export interface EcsPlacement {
    readonly clusterArn: pulumi.Input<string>;
    /**
     * The cluster's capacity-provider association. Every service placed by a capacity provider
     * strategy waits for it: "A capacity provider must be associated with a cluster before being
     * specified in a capacity provider strategy"
     * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-capacity-providers.html).
     */
    readonly capacityProviders: pulumi.Resource;
    readonly region: string;
    readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** KMS key for the log group. */
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly logRetentionDays: number;
    /** Cloud Map namespace to register into when `discoveryName` is set. */
    readonly namespaceId?: pulumi.Input<string>;
    /** Its DNS name, e.g. `dev.koronet.internal`. */
    readonly namespaceName?: string;
    /** Collects every service placed here, for the stack's outputs (`verify` compares them with what ECS runs). @default none */
    readonly deployed?: DeployedServices;
}

export interface EcsServiceArgs {
    readonly placement: EcsPlacement;
    /** Containers; each gets the hardened defaults and the service's log group. */
    readonly containers: readonly ContainerDefinition[];
    /** Task size (Fargate) or reservation (EC2). */
    readonly cpu: number;
    readonly memory: number;
    readonly securityGroupIds: pulumi.Input<string>[];
    /** `FARGATE` (default) or an EC2 capacity provider name (for host-level needs). */
    readonly launch?:
        | { readonly kind: "fargate" }
        | { readonly kind: "ec2"; readonly capacityProvider: pulumi.Input<string>; readonly networkMode: "awsvpc" | "host" };
    /** `REPLICA` (default) or `DAEMON` (one task per container instance, EC2 only). */
    readonly schedulingStrategy?: "REPLICA" | "DAEMON";
    /**
     * Task `pidMode`: `host` shares the EC2 instance's process namespace (host-level exporters only;
     * Security Hub ECS.3 flags it). @default each container's own namespace
     */
    readonly pidMode?: "host" | "task";
    /** @default 1 */
    readonly desiredCount?: number;
    /** Deployment bounds; single-writer services (PostgreSQL) use 0/100 so two never overlap. @default 100/200 */
    readonly deployment?: { readonly minimumHealthyPercent: number; readonly maximumPercent: number };
    /** Register the tasks in Cloud Map as `<discoveryName>.<namespace>` (A records). */
    readonly discoveryName?: string;
    /**
     * The Cloud Map service made beforehand with {@link discoveryService} (same logical name), for a
     * service whose registry others need before the ECS service exists. @default made here from `discoveryName`
     */
    readonly discovery?: aws.servicediscovery.Service;
    /** Load balancer target group to register the given container port with. */
    readonly loadBalancer?: { readonly targetGroupArn: pulumi.Input<string>; readonly containerName: string; readonly containerPort: number };
    readonly healthCheckGracePeriodSeconds?: number;
    /** Statements for the task role (what the containers' code may call). */
    readonly taskRoleStatements?: readonly PolicyStatement[];
    /** Secrets the execution role must read to inject `secrets` (ARNs, without JSON-key suffixes). */
    readonly secretArns?: readonly pulumi.Input<string>[];
    /** Task volumes (EFS, host bind mounts, ephemeral). */
    readonly volumes?: aws.types.input.ecs.TaskDefinitionVolume[];
    /** Resources the service waits for (e.g. a listener before target registration). */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** Fargate CPU architecture; must match the images' platform. @default "X86_64" */
    readonly architecture?: "X86_64" | "ARM64";
    /**
     * A fixed physical service name (people and alarm dimensions read it). With one, a replacement
     * deletes the old service first: two services of one cluster cannot share a name.
     * @default Pulumi's auto-name
     */
    readonly physicalName?: string;
    /**
     * CloudWatch metric alarms that fail (and roll back) a deployment that raises them: ECS
     * deployment alarms. Pass the alarm resources' `name` outputs, so the service waits for them.
     * @default none (the circuit breaker alone judges deployments)
     */
    readonly deploymentAlarmNames?: readonly pulumi.Input<string>[];
    /**
     * Spread the service's replicas so that losing one instance or one Availability Zone leaves the
     * others: across zones (EC2: the `spread` strategies on the zone, then the instance; Fargate
     * spreads across zones by itself and takes no placement settings,
     * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement.html), rebalanced
     * after a zone returns, and with `distinctInstances` (EC2 only) each task on a container instance
     * of its own (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PlacementConstraint.html).
     * @default ECS's placement, no rebalancing unless behind a load balancer
     */
    readonly spread?: { readonly distinctInstances?: boolean };
}

export interface EcsServiceResult {
    readonly service: aws.ecs.Service;
    readonly taskDefinition: aws.ecs.TaskDefinition;
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly taskRole: aws.iam.Role;
    readonly executionRole: aws.iam.Role;
    readonly discovery?: aws.servicediscovery.Service;
}

/** The Cloud Map service `<discoveryName>.<namespace>` of the ECS service `name` (`${name}-discovery`); none without a namespace. */
export function discoveryService(
    name: string,
    p: EcsPlacement,
    discoveryName: string,
    networkMode: "awsvpc" | "host",
    parent: pulumi.Resource,
    aliases?: pulumi.ResourceOptions["aliases"],
): aws.servicediscovery.Service | undefined {
    if (!p.namespaceId) return undefined;
    return new aws.servicediscovery.Service(
        `${name}-discovery`,
        {
            name: discoveryName,
            dnsConfig: {
                namespaceId: p.namespaceId,
                dnsRecords: [{ type: networkMode === "awsvpc" ? "A" : "SRV", ttl: 10 }],
                routingPolicy: "MULTIVALUE",
            },
            healthCheckCustomConfig: { failureThreshold: 1 },
        },
        { parent, ...(aliases ? { aliases } : {}) },
    );
}

/**
 * The options of a resource that moved from `formerParent` to `parent` (issue 16): same name, new
 * parent, and the alias that tells the engine it is the resource it knew under `formerParent`
 * (https://www.pulumi.com/docs/iac/concepts/options/aliases/). A new level of components between a
 * resource and its old parent needs the alias on the resource itself: an alias on the new component
 * only renames the component's own URN, under which its children never were
 * (scripts/offline/identity.ts, `inheritedChildAlias`).
 */
export function moved(parent: pulumi.Resource, formerParent: pulumi.Resource | undefined): pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions {
    return formerParent === undefined ? { parent } : { parent, aliases: [{ parent: formerParent }] };
}

export interface EcsServiceOptions extends pulumi.ComponentResourceOptions {
    /**
     * Where this service's resources sat before they had an `EcsService` of their own (the
     * component that called `ecsService(name, args, parent)`): each keeps its identity through an
     * alias to it. @default none (a service that never existed without the component)
     */
    readonly formerParent?: pulumi.Resource;
}

/**
 * One ECS service as a component (`koronet:common:EcsService`), so the plan tree nests per service:
 * log group, roles, task definition, Cloud Map registration and service, each named `${name}-*`.
 */
export class EcsService extends pulumi.ComponentResource implements EcsServiceResult {
    public readonly service: aws.ecs.Service;
    public readonly taskDefinition: aws.ecs.TaskDefinition;
    public readonly logGroup: aws.cloudwatch.LogGroup;
    public readonly taskRole: aws.iam.Role;
    public readonly executionRole: aws.iam.Role;
    public readonly discovery?: aws.servicediscovery.Service;

    constructor(name: string, args: EcsServiceArgs, opts: EcsServiceOptions = {}) {
        const { formerParent, ...componentOpts } = opts;
        const launch = args.launch ?? { kind: "fargate" as const };
        // Checked before the component registers: bad arguments leave nothing half-made.
        if (args.spread?.distinctInstances && launch.kind === "fargate")
            throw new Error(`ecsService ${name}: \`spread.distinctInstances\` needs EC2 capacity (Fargate takes no placement constraints)`);
        if (args.spread !== undefined && (args.schedulingStrategy ?? "REPLICA") === "DAEMON")
            throw new Error(`ecsService ${name}: \`spread\` is for REPLICA services (a DAEMON runs on every instance)`);
        super("koronet:common:EcsService", name, {}, componentOpts);
        const child = moved(this, formerParent);
        const p = args.placement;
        const networkMode = launch.kind === "fargate" ? "awsvpc" : launch.networkMode;

        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            {
                retentionInDays: p.logRetentionDays,
                kmsKeyId: p.kmsKeyArn,
            },
            child,
        );

        const executionStatements: PolicyStatement[] = [
            { Sid: "Logs", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${logGroup.arn}:*` },
            // GetAuthorizationToken has no resource-level permissions: AWS requires "*".
            { Sid: "EcrAuth", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            {
                Sid: "EcrPull",
                Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
                Resource: "arn:aws:ecr:*:*:repository/*",
            },
        ];
        if ((args.secretArns ?? []).length > 0) {
            executionStatements.push({ Sid: "InjectSecrets", Action: "secretsmanager:GetSecretValue", Resource: [...(args.secretArns ?? [])] });
            executionStatements.push({ Sid: "DecryptSecrets", Action: "kms:Decrypt", Resource: p.kmsKeyArn });
        }
        const executionRole = new aws.iam.Role(
            `${name}-execution`,
            {
                assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com"),
                inlinePolicies: [{ name: "execution", policy: policyDocument(executionStatements) }],
            },
            child,
        );
        const taskRoleName = kindNamed(`${name}-task`, "role", child);
        const taskRole = new aws.iam.Role(
            taskRoleName.name,
            {
                assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com"),
                inlinePolicies: (args.taskRoleStatements ?? []).length > 0 ? [{ name: "task", policy: policyDocument(args.taskRoleStatements ?? []) }] : [],
            },
            taskRoleName.opts,
        );

        const containers = args.containers.map((c) => hardened({ ...c, logConfiguration: c.logConfiguration ?? awslogs(logGroup.name, p.region, c.name) }));
        const taskDefinition = new aws.ecs.TaskDefinition(
            `${name}-task`,
            {
                family: name,
                networkMode,
                requiresCompatibilities: [launch.kind === "fargate" ? "FARGATE" : "EC2"],
                cpu: String(args.cpu),
                memory: String(args.memory),
                executionRoleArn: executionRole.arn,
                taskRoleArn: taskRole.arn,
                runtimePlatform: launch.kind === "fargate" ? { operatingSystemFamily: "LINUX", cpuArchitecture: args.architecture ?? "X86_64" } : undefined,
                containerDefinitions: containerDefinitions(containers),
                volumes: args.volumes,
                pidMode: args.pidMode,
            },
            child,
        );

        const discovery = args.discovery ?? (args.discoveryName ? discoveryService(name, p, args.discoveryName, networkMode, this, child.aliases) : undefined);

        const strategy = args.schedulingStrategy ?? "REPLICA";
        const port = args.containers.flatMap((c) => c.portMappings ?? [])[0];
        const alarmNames = args.deploymentAlarmNames ?? [];
        const service = new aws.ecs.Service(
            `${name}-svc`,
            {
                ...(args.physicalName !== undefined ? { name: args.physicalName } : {}),
                cluster: p.clusterArn,
                taskDefinition: taskDefinition.arn,
                schedulingStrategy: strategy,
                desiredCount: strategy === "DAEMON" ? undefined : (args.desiredCount ?? 1),
                capacityProviderStrategies:
                    strategy === "DAEMON"
                        ? undefined
                        : [{ capacityProvider: launch.kind === "fargate" ? "FARGATE" : launch.capacityProvider, weight: 1, base: 0 }],
                launchType: strategy === "DAEMON" ? "EC2" : undefined,
                networkConfiguration:
                    networkMode === "awsvpc" ? { subnets: p.privateSubnetIds, securityGroups: args.securityGroupIds, assignPublicIp: false } : undefined,
                deploymentCircuitBreaker: { enable: true, rollback: true },
                // ECS watches these alarms from the first new task to the end of a bake time it computes from
                // the alarms' settings; one in ALARM fails the deployment and rolls it back to the last
                // COMPLETED one. Metric alarms only (the API names "CloudWatch metric alarms"), rolling
                // update (ECS deployment controller) only:
                // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html,
                // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentAlarms.html.
                alarms: alarmNames.length > 0 ? { alarmNames: [...alarmNames], enable: true, rollback: true } : undefined,
                deploymentMinimumHealthyPercent: args.deployment?.minimumHealthyPercent ?? (strategy === "DAEMON" ? 0 : 100),
                deploymentMaximumPercent: args.deployment?.maximumPercent ?? (strategy === "DAEMON" ? 100 : 200),
                loadBalancers: args.loadBalancer
                    ? [
                          {
                              targetGroupArn: args.loadBalancer.targetGroupArn,
                              containerName: args.loadBalancer.containerName,
                              containerPort: args.loadBalancer.containerPort,
                          },
                      ]
                    : undefined,
                healthCheckGracePeriodSeconds: args.loadBalancer ? (args.healthCheckGracePeriodSeconds ?? 30) : undefined,
                // After an AZ outage, ECS moves tasks back so they are spread again (explicit: an existing
                // service that never set it is treated as DISABLED on update).
                availabilityZoneRebalancing: strategy === "REPLICA" && (args.loadBalancer || args.spread) ? "ENABLED" : undefined,
                orderedPlacementStrategies:
                    args.spread && launch.kind === "ec2"
                        ? [
                              { type: "spread", field: "attribute:ecs.availability-zone" },
                              { type: "spread", field: "instanceId" },
                          ]
                        : undefined,
                placementConstraints: args.spread?.distinctInstances ? [{ type: "distinctInstance" }] : undefined,
                serviceRegistries: discovery
                    ? networkMode === "awsvpc"
                        ? { registryArn: discovery.arn }
                        : { registryArn: discovery.arn, containerName: args.containers[0]?.name, containerPort: port?.containerPort }
                    : undefined,
                propagateTags: "SERVICE",
                enableEcsManagedTags: true,
                // `pulumi up` fails unless the service becomes healthy: the provider waits until the new
                // deployment completes (its ECS service deployment turns SUCCESSFUL, or running == desired
                // with one deployment) and fails on a deployment that stops or rolls back (STOPPED,
                // ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED: the circuit breaker's or a deployment alarm's), or
                // when the create/update timeout (20 min) runs out. Without it a first deployment that never
                // starts (the circuit breaker has nothing to roll back to) reports success at zero tasks.
                // But the failed update's inputs stay in the state (terraform-plugin-sdk v2 keeps them when
                // Update errors: https://github.com/hashicorp/terraform-plugin-sdk/issues/476, a GitHub
                // issue), so the next `pulumi up` sees no diff and ends green on the rolled-back revision:
                // `npm run verify` compares the deployed task definition (stack output `ecsServices`) with
                // the PRIMARY deployment's (docs/delivery.md, "After pulumi up").
                // Provider doc (`wait_for_steady_state`, Timeouts):
                // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ecs_service
                // Behaviour on failure read from the provider source (GitHub, not a doc):
                // https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/ecs/service.go (statusServiceWaitForStable, findDeploymentStatus)
                waitForSteadyState: true,
            },
            {
                ...child,
                // DAEMON services use the EC2 launch type, which needs no association.
                dependsOn: [...(args.dependsOn ?? []), ...(strategy === "DAEMON" ? [] : [p.capacityProviders])],
                ignoreChanges: strategy === "REPLICA" && args.loadBalancer ? ["desiredCount"] : [],
                ...(args.physicalName !== undefined ? { deleteBeforeReplace: true } : {}),
            },
        );

        this.service = service;
        this.taskDefinition = taskDefinition;
        this.logGroup = logGroup;
        this.taskRole = taskRole;
        this.executionRole = executionRole;
        this.discovery = discovery;
        p.deployed?.add(name, this);
        this.registerOutputs({});
    }
}

/**
 * The resources of one ECS service, named `${name}-*`, in an {@link EcsService} under `parent`; each
 * keeps the identity it had as a direct child of `parent` (before the component existed).
 */
export function ecsService(name: string, args: EcsServiceArgs, parent: pulumi.Resource): EcsServiceResult {
    return new EcsService(name, args, { parent, formerParent: parent });
}

/** What the stack deployed for one ECS service: the name ECS knows it by and the revision it must run. */
export interface DeployedService {
    readonly serviceName: string;
    readonly taskDefinitionArn: string;
}

/**
 * Every ECS service of a stack, by the name it was placed under (`web`, `monitoring-prometheus`, ...).
 * Exported as the `ecsServices` output: after `pulumi up`, each must run exactly that task
 * definition, or ECS rolled the deployment back (scripts/verify.ts).
 */
export class DeployedServices {
    private readonly services = new Map<string, EcsServiceResult>();

    add(name: string, result: EcsServiceResult): void {
        if (this.services.has(name)) throw new Error(`DeployedServices: a service named \`${name}\` was placed twice`);
        this.services.set(name, result);
    }

    get names(): string[] {
        return [...this.services.keys()].sort();
    }

    /** `{ <name>: { serviceName, taskDefinitionArn } }`, sorted by name. */
    output(): pulumi.Output<Record<string, DeployedService>> {
        const entries = [...this.services.entries()].sort(([a], [b]) => a.localeCompare(b));
        return pulumi
            .all(
                entries.map(([k, r]) =>
                    pulumi
                        .all([r.service.name, r.taskDefinition.arn])
                        .apply(([serviceName, taskDefinitionArn]): [string, DeployedService] => [k, { serviceName, taskDefinitionArn }]),
                ),
            )
            .apply((pairs) => Object.fromEntries(pairs));
    }
}
