import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ContainerDefinition, EcsPlacement, PolicyStatement } from "../common";
import { discoveryService, ecsService, frontIngress, frontListeners } from "../common";
import { CLOUD_MAP_NAMES } from "../contracts";
import type { PostgresConnection, RedisConnection } from "../datastores";
import { kindNamed } from "../common/kind-names";

export { TLS_POLICY } from "../common";

export interface MonitoredServiceArgs {
    readonly placement: EcsPlacement;
    readonly vpcId: pulumi.Input<string>;
    readonly publicSubnetIds: pulumi.Input<string[]>;
    /** Image reference (digest-pinned when built here). */
    readonly image: pulumi.Input<string>;
    /** Container port of the API and the probes (architecture: 3000): what the load balancer forwards to. */
    readonly port: number;
    /**
     * The web server's metrics port (`METRICS_PORT`: `GET /metrics` only). No target group registers
     * it and the load balancer's group may not reach it; only scrapers admitted with
     * `allowMetricsScraper` (and the app-metrics sidecar on localhost) do.
     */
    readonly metricsPort: number;
    readonly cpu: number;
    readonly memory: number;
    readonly desiredCount: number;
    readonly minCount: number;
    readonly maxCount: number;
    /** Target-tracking autoscaling on average CPU, percent. */
    readonly targetCpuPercent: number;
    /** Path the load balancer checks; ECS replaces tasks that fail it, so keep it shallow (liveness). */
    readonly healthCheckPath: string;
    /** HTTPS listener with this ACM certificate; HTTP then only redirects. */
    readonly certificateArn?: string;
    /** CIDRs allowed to reach the load balancer's listeners. */
    readonly allowedCidrs: readonly string[];
    readonly deletionProtection: boolean;
    readonly postgres: PostgresConnection;
    readonly redis: RedisConnection;
    /** Secrets ECS injects into the tasks (the Redis AUTH token); the database password the server reads itself. */
    readonly secretArns: readonly pulumi.Input<string>[];
    /** Sidecar containers (CloudWatch agent, app-metrics) from the monitoring layer. @default none */
    readonly sidecars?: readonly ContainerDefinition[];
    /** Extra task volumes the sidecars need (shared log directory). @default none */
    readonly sidecarVolumes?: readonly string[];
    /** Task-role statements the sidecars need (PutMetricData, logs). @default none */
    readonly sidecarTaskRoleStatements?: readonly PolicyStatement[];
    /** Extra environment for the web server. @default none */
    readonly environment?: Readonly<Record<string, string>>;
    /** CPU architecture of the web server's image (and so of its Fargate tasks). @default "X86_64" */
    readonly architecture?: "X86_64" | "ARM64";
    /**
     * The ECS service's physical name. Fixed, so alarms and the app-metrics sidecar can name it
     * (`ServiceName` dimension) before the service exists, and the service can wait for them.
     */
    readonly serviceName: string;
}

export interface WebServiceRunArgs {
    /**
     * ECS deployment alarms: a rollout that raises one is failed and rolled back by ECS. Pass the
     * alarm resources' `name` outputs (the service then waits for them). @default none
     */
    readonly deploymentAlarmNames?: readonly pulumi.Input<string>[];
}

/** What `runService` created. */
export interface WebServiceRun {
    readonly serviceName: pulumi.Output<string>;
    readonly logGroupName: pulumi.Output<string>;
    /** The revision this deployment asks ECS to run. */
    readonly taskDefinitionArn: pulumi.Output<string>;
}

/**
 * The Koronet web server on Fargate behind an Application Load Balancer: health-checked target
 * group, deployment circuit breaker with rollback (and deployment alarms when given), target-tracking
 * autoscaling, its own log group, least-privilege roles. Credentials reach the container only as ECS
 * `secrets`. Built in two steps: the constructor makes the load-balancer front (security groups,
 * ALB, target group, listeners), `runService` the ECS service behind it.
 */
export class MonitoredService extends pulumi.ComponentResource {
    public readonly url: pulumi.Output<string>;
    public readonly dnsName: pulumi.Output<string>;
    public readonly loadBalancerArn: pulumi.Output<string>;
    public readonly loadBalancerArnSuffix: pulumi.Output<string>;
    public readonly targetGroupArnSuffix: pulumi.Output<string>;
    /** The listener clients use (HTTPS when a certificate is set); other rules attach here. */
    public readonly listenerArn: pulumi.Output<string>;
    public readonly loadBalancerSecurityGroupId: pulumi.Output<string>;
    /** Security group of the web server tasks. */
    public readonly securityGroupId: pulumi.Output<string>;
    /** The ECS service's physical name (`serviceName`), known before the service exists: alarm dimensions use it. */
    public readonly serviceName: pulumi.Output<string>;
    /** ARN of the Cloud Map service the tasks register in (`koronet.<namespace>`), when a namespace is given; known before the service exists. */
    public readonly discoveryServiceArn: pulumi.Output<string> | undefined;
    private readonly name: string;
    private readonly args: MonitoredServiceArgs;
    private readonly metricsPort: number;
    private readonly front: {
        targetGroupArn: pulumi.Output<string>;
        listener: aws.lb.Listener;
        taskSecurityGroupId: pulumi.Output<string>;
        discovery?: aws.servicediscovery.Service;
    };
    private running?: WebServiceRun;

    constructor(name: string, args: MonitoredServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:service:MonitoredService", name, {}, opts);
        validateServiceArgs(args);
        this.name = name;
        this.args = args;
        this.metricsPort = args.metricsPort;
        const parent = { parent: this };
        const https = args.certificateArn !== undefined;

        const albSgName = kindNamed(`${name}-alb`, "securityGroup", parent);
        const albSg = new aws.ec2.SecurityGroup(
            albSgName.name,
            {
                vpcId: args.vpcId,
                description: "Koronet load balancer: HTTP/HTTPS from the allowed CIDRs",
                ingress: frontIngress(https, args.allowedCidrs),
            },
            albSgName.opts,
        );
        // Ingress as standalone rules only (never inline next to them: the provider would remove the
        // standalone ones), so clients created later, such as Prometheus, can be admitted with
        // `allowMetricsScraper`.
        const taskSg = new aws.ec2.SecurityGroup(
            `${name}-tasks`,
            {
                vpcId: args.vpcId,
                // Unchanged when the metrics port moved off the API port: a new description replaces the group.
                description: `Koronet web server tasks: ${args.port} from the load balancer, metrics from the scrapers admitted by rule`,
                egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "data stores, AWS APIs" }],
            },
            parent,
        );
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-tasks-from-alb`,
            {
                securityGroupId: taskSg.id,
                referencedSecurityGroupId: albSg.id,
                ipProtocol: "tcp",
                fromPort: args.port,
                toPort: args.port,
                description: "web server from the load balancer",
            },
            parent,
        );
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-alb-to-tasks`,
            {
                securityGroupId: albSg.id,
                referencedSecurityGroupId: taskSg.id,
                ipProtocol: "tcp",
                fromPort: args.port,
                toPort: args.port,
                description: "load balancer to web server tasks",
            },
            parent,
        );

        const alb = new aws.lb.LoadBalancer(
            `${name}-alb`,
            {
                loadBalancerType: "application",
                internal: false,
                subnets: args.publicSubnetIds,
                securityGroups: [albSg.id],
                dropInvalidHeaderFields: true,
                enableDeletionProtection: args.deletionProtection,
                idleTimeout: 60,
            },
            parent,
        );
        const targetGroup = new aws.lb.TargetGroup(
            `${name}-targets`,
            {
                vpcId: args.vpcId,
                targetType: "ip",
                port: args.port,
                protocol: "HTTP",
                // The web server drains in-flight requests on SIGTERM; give it the time to.
                deregistrationDelay: 30,
                healthCheck: { path: args.healthCheckPath, matcher: "200", interval: 15, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 2 },
            },
            parent,
        );

        const listener = frontListeners(name, { loadBalancerArn: alb.arn, targetGroupArn: targetGroup.arn, certificateArn: args.certificateArn }, parent);

        this.dnsName = alb.dnsName;
        this.url = pulumi.interpolate`${https ? "https" : "http"}://${alb.dnsName}`;
        this.loadBalancerArn = alb.arn;
        this.loadBalancerArnSuffix = alb.arnSuffix;
        this.targetGroupArnSuffix = targetGroup.arnSuffix;
        this.listenerArn = listener.arn;
        this.loadBalancerSecurityGroupId = albSg.id;
        this.securityGroupId = taskSg.id;
        this.serviceName = pulumi.output(args.serviceName);
        // Made with the front, not with the ECS service: Prometheus's discovery (monitoring, built
        // before the service) reads its ARN. Same logical name and parent as ecsService would give it.
        const discovery = discoveryService(name, args.placement, CLOUD_MAP_NAMES.web, "awsvpc", this);
        this.discoveryServiceArn = discovery?.arn;
        this.front = { targetGroupArn: targetGroup.arn, listener, taskSecurityGroupId: taskSg.id, discovery };
        this.registerOutputs({
            url: this.url,
            dnsName: this.dnsName,
            loadBalancerArnSuffix: this.loadBalancerArnSuffix,
            targetGroupArnSuffix: this.targetGroupArnSuffix,
            listenerArn: this.listenerArn,
            securityGroupId: this.securityGroupId,
            serviceName: this.serviceName,
        });
    }

    /**
     * The second half: the web server's task definition, its ECS service and autoscaling, as
     * children of this component (their logical names and parent never change, so an existing stack
     * replaces nothing). Separate from the constructor so a stack can create what the service
     * names, such as its deployment alarms, between the load balancer and the service: alarms on
     * the load balancer's metrics need its ARN suffixes, and the service needs the alarms to exist.
     * Call it once.
     */
    runService(run: WebServiceRunArgs = {}): WebServiceRun {
        if (this.running !== undefined) throw new Error(`MonitoredService ${this.name}: \`runService\` was called twice`);
        const name = this.name;
        const args = this.args;
        const parent = { parent: this };
        const { targetGroupArn, listener, taskSecurityGroupId } = this.front;
        const pg = args.postgres;
        const redis = args.redis;
        // The server reads the database password from Secrets Manager itself, in both data-store
        // modes: RDS rotates its managed password every 7 days, and an ECS-injected secret is read
        // only when the task starts (docs/aws-behaviours.md, "Secrets"). Dev runs the same path so
        // a missing permission or a wrong reference shows there first.
        const databaseSecretStatements: PolicyStatement[] = [
            { Sid: "ReadDatabasePassword", Action: "secretsmanager:GetSecretValue", Resource: pg.passwordSecretArn },
            {
                Sid: "DecryptDatabasePassword",
                Action: "kms:Decrypt",
                Resource: args.placement.kmsKeyArn,
                Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${args.placement.region}.amazonaws.com` } },
            },
        ];
        // verify-full: the chain against the region's RDS CAs (shipped with the app), the name against the host.
        const tlsEnvironment = pg.sslMode === "verify-full" ? [{ name: "DATABASE_CA", value: `amazon-rds:${args.placement.region}` }] : [];
        const web = ecsService(
            name,
            {
                placement: args.placement,
                cpu: args.cpu,
                memory: args.memory,
                desiredCount: args.desiredCount,
                securityGroupIds: [taskSecurityGroupId],
                discoveryName: CLOUD_MAP_NAMES.web,
                discovery: this.front.discovery,
                loadBalancer: { targetGroupArn, containerName: "web", containerPort: args.port },
                healthCheckGracePeriodSeconds: 30,
                dependsOn: [listener],
                physicalName: args.serviceName,
                deploymentAlarmNames: run.deploymentAlarmNames,
                architecture: args.architecture,
                secretArns: args.secretArns,
                taskRoleStatements: [...databaseSecretStatements, ...(args.sidecarTaskRoleStatements ?? [])],
                volumes: [{ name: "tmp" }, ...(args.sidecarVolumes ?? []).map((v) => ({ name: v }))],
                containers: [
                    {
                        name: "web",
                        image: args.image,
                        // The image's `node` user; enforced here too so a careless image cannot run as root.
                        user: "1000:1000",
                        // The metrics port is mapped for the scrapers in the VPC (awsvpc: the task's ENI);
                        // the service registers only `port` with the target group.
                        portMappings: [
                            { containerPort: args.port, name: "http" },
                            { containerPort: args.metricsPort, name: "metrics" },
                        ],
                        environment: [
                            { name: "PORT", value: String(args.port) },
                            { name: "METRICS_PORT", value: String(args.metricsPort) },
                            { name: "NODE_ENV", value: "production" },
                            {
                                name: "DATABASE_URL",
                                value: pulumi.interpolate`postgres://${pg.username}@${pg.host}:${pg.port}/${pg.database}?sslmode=${pg.sslMode}`,
                            },
                            ...tlsEnvironment,
                            // A reference (the secret's ARN and JSON key), not the password.
                            { name: "DATABASE_PASSWORD_FROM", value: pg.passwordValueFrom },
                            { name: "REDIS_URL", value: pulumi.interpolate`${redis.tls ? "rediss" : "redis"}://${redis.host}:${redis.port}` },
                            ...Object.entries(args.environment ?? {}).map(([k, v]) => ({ name: k, value: v })),
                        ],
                        secrets: [{ name: "REDIS_PASSWORD", valueFrom: redis.passwordValueFrom }],
                        mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp" }],
                        healthCheck: {
                            command: [
                                "CMD",
                                "node",
                                "-e",
                                `fetch('http://127.0.0.1:${args.port}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
                            ],
                            interval: 15,
                            timeout: 5,
                            retries: 3,
                            startPeriod: 20,
                        },
                        stopTimeout: 30,
                    },
                    ...(args.sidecars ?? []),
                ],
            },
            this,
        );

        const scaling = new aws.appautoscaling.Target(
            `${name}-scaling`,
            {
                serviceNamespace: "ecs",
                scalableDimension: "ecs:service:DesiredCount",
                resourceId: pulumi.interpolate`service/${clusterNameFromArn(args.placement.clusterArn)}/${web.service.name}`,
                minCapacity: args.minCount,
                maxCapacity: args.maxCount,
            },
            parent,
        );
        new aws.appautoscaling.Policy(
            `${name}-cpu-target`,
            {
                policyType: "TargetTrackingScaling",
                serviceNamespace: scaling.serviceNamespace,
                scalableDimension: scaling.scalableDimension,
                resourceId: scaling.resourceId,
                targetTrackingScalingPolicyConfiguration: {
                    targetValue: args.targetCpuPercent,
                    predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
                    scaleInCooldown: 300,
                    scaleOutCooldown: 60,
                },
            },
            parent,
        );

        this.running = {
            serviceName: web.service.name,
            logGroupName: web.logGroup.name,
            taskDefinitionArn: web.taskDefinition.arn,
        };
        return this.running;
    }

    /**
     * Admits a metrics scraper (Prometheus) to the web server tasks on the port it scrapes (its
     * rendered scrape config), which must be the metrics port: admitting a scraper on the API port
     * would mean scrapes count as requests and `/metrics` lives where the load balancer reaches.
     */
    allowMetricsScraper(key: string, securityGroupId: pulumi.Input<string>, port: number): void {
        if (port !== this.metricsPort)
            throw new Error(
                `MonitoredService: \`allowMetricsScraper\` port ${port} is not the metrics port ${this.metricsPort}; scrapers read /metrics there only`,
            );
        new aws.vpc.SecurityGroupIngressRule(
            `${this.name}-tasks-from-${key}`,
            {
                securityGroupId: this.securityGroupId,
                referencedSecurityGroupId: securityGroupId,
                ipProtocol: "tcp",
                fromPort: port,
                toPort: port,
                description: `metrics scrape from ${key}`,
            },
            { parent: this },
        );
    }
}

/** Pure checks of the component's arguments; errors name the argument. */
export function validateServiceArgs(
    args: Pick<MonitoredServiceArgs, "minCount" | "maxCount" | "desiredCount" | "allowedCidrs" | "port" | "metricsPort">,
): void {
    if (args.minCount > args.desiredCount || args.desiredCount > args.maxCount) {
        throw new Error(
            `MonitoredService: \`desiredCount\` (${args.desiredCount}) must lie within \`minCount\`..\`maxCount\` (${args.minCount}..${args.maxCount})`,
        );
    }
    if (args.allowedCidrs.length === 0) throw new Error("MonitoredService: `allowedCidrs` must name who may reach the load balancer");
    if (args.port === 80 || args.port === 443) throw new Error("MonitoredService: `port` must not clash with the load balancer's listeners (80, 443)");
    if (args.metricsPort === args.port)
        throw new Error(`MonitoredService: \`metricsPort\` must differ from \`port\` (${args.port}): the metrics port is kept off the load balancer`);
}

/** `arn:aws:ecs:region:acct:cluster/NAME` → `NAME` (what Application Auto Scaling's resource ID wants). */
function clusterNameFromArn(arn: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.output(arn).apply((a) => a.split("/").pop() ?? a);
}
