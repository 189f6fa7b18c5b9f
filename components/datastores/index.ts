import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { DataStoresConfig } from "../../config/schema";
import type { EcsPlacement } from "../common";
import { dataStoreIds, ecsService } from "../common";
import { CLOUD_MAP_NAMES } from "../contracts";
import { ContainerImage } from "../image";

import { DATA_UID, POSTGRES_IMAGE_CONTEXT, POSTGRES_IMAGES, REDIS_IMAGE } from "./images";

export { POSTGRES_IMAGES, REDIS_IMAGE, POSTGRES_IMAGE_CONTEXT } from "./images";

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
export class DataStores extends pulumi.ComponentResource {
    public readonly mode: "ecs" | "managed";
    public readonly postgres: PostgresConnection;
    public readonly redis: RedisConnection;
    /** Secrets Manager ARNs a client's execution role must read (no JSON-key suffix). */
    public readonly secretArns: pulumi.Output<string>[];
    public readonly postgresSecurityGroupId: pulumi.Output<string>;
    public readonly redisSecurityGroupId: pulumi.Output<string>;
    /** RDS instance identifier (`managed`). */
    public readonly rdsInstanceId?: pulumi.Output<string>;
    /** ElastiCache replication group ID (`managed`). */
    public readonly replicationGroupId?: pulumi.Output<string>;
    /** Log groups operators read: the data-store tasks' (`ecs`) or the Redis slow log (`managed`). */
    public readonly logGroupNames: Record<string, pulumi.Output<string>>;
    /** ECS service names (`ecs`). */
    public readonly postgresServiceName?: pulumi.Output<string>;
    public readonly redisServiceName?: pulumi.Output<string>;
    private readonly name: string;

    constructor(name: string, args: DataStoresArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:datastores:DataStores", name, {}, opts);
        this.name = name;
        this.mode = args.config.mode;
        const parent = { parent: this };

        const pgSg = new aws.ec2.SecurityGroup(
            `${name}-postgres`,
            {
                vpcId: args.vpcId,
                description: `PostgreSQL ${POSTGRES_PORT}: only from the web server and the postgres exporter`,
            },
            parent,
        );
        const redisSg = new aws.ec2.SecurityGroup(
            `${name}-redis`,
            {
                vpcId: args.vpcId,
                description: `Redis ${REDIS_PORT}: only from the web server and the redis exporter`,
            },
            parent,
        );
        this.postgresSecurityGroupId = pgSg.id;
        this.redisSecurityGroupId = redisSg.id;

        const redisToken = new random.RandomPassword(`${name}-redis-token`, { length: 48, special: false }, parent);
        const redisSecret = this.secret("redis-auth", "Redis AUTH token", redisToken.result, args);

        if (args.config.mode === "managed") {
            const m = this.managed(name, args, pgSg, redisSg, redisToken.result);
            this.postgres = m.postgres;
            this.redis = { ...m.redis, passwordValueFrom: redisSecret.arn };
            this.secretArns = [m.postgresSecretArn, redisSecret.arn];
            this.rdsInstanceId = m.rdsInstanceId;
            this.replicationGroupId = m.replicationGroupId;
            // RDS creates /aws/rds/instance/<id>/postgresql itself when the log export is on.
            this.logGroupNames = { redisSlowLog: m.redisSlowLogGroupName, postgres: pulumi.interpolate`/aws/rds/instance/${m.rdsInstanceId}/postgresql` };
        } else {
            const pgPassword = new random.RandomPassword(`${name}-postgres-password`, { length: 32, special: false }, parent);
            const pgSecret = this.secret("postgres-password", "PostgreSQL password", pgPassword.result, args);
            const e = this.inCluster(name, args, pgSg, redisSg, pgSecret.arn, redisSecret.arn);
            this.postgres = {
                host: pulumi.output(`postgres.${e.namespace}`),
                port: POSTGRES_PORT,
                database: args.config.postgres.databaseName,
                username: args.config.postgres.username,
                passwordValueFrom: pgSecret.arn,
                passwordSecretArn: pgSecret.arn,
                sslMode: "disable",
            };
            this.redis = { host: pulumi.output(`redis.${e.namespace}`), port: REDIS_PORT, tls: false, passwordValueFrom: redisSecret.arn };
            this.secretArns = [pgSecret.arn, redisSecret.arn];
            this.postgresServiceName = e.postgresServiceName;
            this.redisServiceName = e.redisServiceName;
            this.logGroupNames = { postgres: e.postgresLogGroupName, redis: e.redisLogGroupName };
        }

        this.registerOutputs({
            postgresHost: this.postgres.host,
            redisHost: this.redis.host,
            postgresSecurityGroupId: this.postgresSecurityGroupId,
            redisSecurityGroupId: this.redisSecurityGroupId,
        });
    }

    /** Admits `securityGroupId` to PostgreSQL and/or Redis. `key` names the client stably. */
    allowClient(key: string, securityGroupId: pulumi.Input<string>, stores: readonly ("postgres" | "redis")[] = ["postgres", "redis"]): void {
        for (const store of stores) {
            new aws.vpc.SecurityGroupIngressRule(
                `${this.name}-${store}-from-${key}`,
                {
                    securityGroupId: store === "postgres" ? this.postgresSecurityGroupId : this.redisSecurityGroupId,
                    referencedSecurityGroupId: securityGroupId,
                    ipProtocol: "tcp",
                    fromPort: store === "postgres" ? POSTGRES_PORT : REDIS_PORT,
                    toPort: store === "postgres" ? POSTGRES_PORT : REDIS_PORT,
                    description: `${store} from ${key}`,
                },
                { parent: this },
            );
        }
    }

    /**
     * Egress of a data-store task's security group. The AWS provider removes the default allow-all
     * egress rule of every security group it creates, so a group without egress rules lets its tasks
     * send nothing: no image pull, no secret, no log line, no EFS mount.
     * https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group
     * (NOTE on Egress rules). The tasks need HTTPS to the internet (Docker Hub, Secrets Manager,
     * CloudWatch Logs: this VPC has no interface endpoints) and whatever `extra` names; nothing wider.
     * DNS needs no rule: security groups do not filter traffic to the Amazon DNS server.
     * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html
     * Standalone rules (the group has no inline egress), so the EFS rule can reference a group
     * created after this one.
     */
    private allowTaskEgress(
        name: string,
        store: "postgres" | "redis",
        sg: aws.ec2.SecurityGroup,
        extra: readonly { key: string; port: number; to: pulumi.Input<string>; description: string }[],
    ): void {
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-${store}-to-https`,
            {
                securityGroupId: sg.id,
                cidrIpv4: "0.0.0.0/0",
                ipProtocol: "tcp",
                fromPort: 443,
                toPort: 443,
                description: "HTTPS: image registry, Secrets Manager, CloudWatch Logs",
            },
            { parent: this },
        );
        for (const e of extra) {
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-${store}-to-${e.key}`,
                {
                    securityGroupId: sg.id,
                    referencedSecurityGroupId: e.to,
                    ipProtocol: "tcp",
                    fromPort: e.port,
                    toPort: e.port,
                    description: e.description,
                },
                { parent: this },
            );
        }
    }

    /**
     * A secret and its value. Its ARN is handed out through the version (`secretArn`, the secret's
     * ARN once a value exists), so whatever injects it waits for the value: a task whose secret has
     * no AWSCURRENT version cannot start.
     */
    private secret(key: string, description: string, value: pulumi.Input<string>, args: DataStoresArgs): { readonly arn: pulumi.Output<string> } {
        const secret = new aws.secretsmanager.Secret(
            `${this.name}-${key}`,
            {
                name: `${args.namePrefix}/${key}`,
                description,
                kmsKeyId: args.placement.kmsKeyArn,
                recoveryWindowInDays: 7,
            },
            { parent: this },
        );
        const version = new aws.secretsmanager.SecretVersion(`${this.name}-${key}`, { secretId: secret.id, secretString: value }, { parent: this });
        return { arn: version.secretArn };
    }

    private managed(name: string, args: DataStoresArgs, pgSg: aws.ec2.SecurityGroup, redisSg: aws.ec2.SecurityGroup, authToken: pulumi.Output<string>) {
        const parent = { parent: this };
        const pg = args.config.postgres;
        const kms = args.placement.kmsKeyArn;
        const subnetGroup = new aws.rds.SubnetGroup(`${name}-db`, { subnetIds: args.privateSubnetIds }, parent);
        const params = new aws.rds.ParameterGroup(
            `${name}-postgres${pg.version}`,
            {
                family: `postgres${pg.version}`,
                description: "Koronet: TLS only, slow-query logging, pg_stat_statements",
                parameters: [
                    { name: "rds.force_ssl", value: "1" },
                    { name: "log_min_duration_statement", value: "500" },
                    { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
                    { name: "pg_stat_statements.track", value: "top" },
                ],
            },
            parent,
        );
        const monitoringRole = new aws.iam.Role(
            `${name}-rds-monitoring`,
            {
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "monitoring.rds.amazonaws.com" }, Action: "sts:AssumeRole" }],
                }),
                managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"],
            },
            parent,
        );
        const db = new aws.rds.Instance(
            `${name}-postgres`,
            {
                identifier: dataStoreIds.postgresInstance(args.namePrefix),
                engine: "postgres",
                engineVersion: pg.version,
                autoMinorVersionUpgrade: true,
                instanceClass: pg.managed.instanceClass,
                allocatedStorage: pg.managed.allocatedStorageGiB,
                maxAllocatedStorage: pg.managed.maxAllocatedStorageGiB,
                storageType: "gp3",
                storageEncrypted: true,
                kmsKeyId: kms,
                multiAz: pg.managed.multiAz,
                dbName: pg.databaseName,
                username: pg.username,
                manageMasterUserPassword: true,
                masterUserSecretKmsKeyId: kms,
                port: POSTGRES_PORT,
                dbSubnetGroupName: subnetGroup.name,
                vpcSecurityGroupIds: [pgSg.id],
                parameterGroupName: params.name,
                publiclyAccessible: false,
                backupRetentionPeriod: pg.managed.backupRetentionDays,
                deletionProtection: pg.managed.deletionProtection,
                skipFinalSnapshot: false,
                finalSnapshotIdentifier: `${args.namePrefix}-postgres-final`,
                copyTagsToSnapshot: true,
                performanceInsightsEnabled: true,
                performanceInsightsKmsKeyId: kms,
                monitoringInterval: 60,
                monitoringRoleArn: monitoringRole.arn,
                enabledCloudwatchLogsExports: ["postgresql"],
                caCertIdentifier: RDS_CA_CERT_IDENTIFIER,
            },
            { parent: this, protect: pg.managed.deletionProtection },
        );

        const r = args.config.redis.managed;
        const cacheSubnets = new aws.elasticache.SubnetGroup(`${name}-cache`, { subnetIds: args.privateSubnetIds }, parent);
        const slowLog = new aws.cloudwatch.LogGroup(`${name}-redis-slowlog`, { retentionInDays: args.placement.logRetentionDays, kmsKeyId: kms }, parent);
        const failover = r.nodes >= 2;
        const group = new aws.elasticache.ReplicationGroup(
            `${name}-redis`,
            {
                replicationGroupId: dataStoreIds.redisReplicationGroup(args.namePrefix),
                description: "Koronet cache and sessions",
                engine: "redis",
                engineVersion: r.engineVersion,
                nodeType: r.nodeType,
                numCacheClusters: r.nodes,
                automaticFailoverEnabled: failover,
                multiAzEnabled: failover,
                port: REDIS_PORT,
                subnetGroupName: cacheSubnets.name,
                securityGroupIds: [redisSg.id],
                atRestEncryptionEnabled: true,
                kmsKeyId: kms,
                transitEncryptionEnabled: true,
                authToken,
                authTokenUpdateStrategy: "ROTATE",
                snapshotRetentionLimit: failover ? 7 : 1,
                autoMinorVersionUpgrade: true,
                logDeliveryConfigurations: [{ destination: slowLog.name, destinationType: "cloudwatch-logs", logFormat: "json", logType: "slow-log" }],
            },
            parent,
        );

        const postgresSecretArn = db.masterUserSecrets.apply((s) => {
            const arn = s?.[0]?.secretArn;
            if (!arn) throw new Error("RDS did not report a managed master user secret (manageMasterUserPassword)");
            return arn;
        });
        return {
            postgres: {
                host: db.address,
                port: POSTGRES_PORT,
                database: pg.databaseName,
                username: pg.username,
                passwordValueFrom: pulumi.interpolate`${postgresSecretArn}:password::`,
                passwordSecretArn: postgresSecretArn,
                sslMode: "verify-full" as const,
            },
            redis: { host: group.primaryEndpointAddress, port: REDIS_PORT, tls: true },
            postgresSecretArn,
            rdsInstanceId: db.identifier,
            replicationGroupId: group.replicationGroupId,
            redisSlowLogGroupName: slowLog.name,
        };
    }

    private inCluster(
        name: string,
        args: DataStoresArgs,
        pgSg: aws.ec2.SecurityGroup,
        redisSg: aws.ec2.SecurityGroup,
        pgSecretArn: pulumi.Output<string>,
        redisSecretArn: pulumi.Output<string>,
    ) {
        const parent = { parent: this };
        const pg = args.config.postgres;
        const namespace = args.placement.namespaceId;
        if (namespace === undefined) throw new Error("DataStores: `placement.namespaceId` is required in `ecs` mode (Cloud Map discovery)");

        const efsSg = new aws.ec2.SecurityGroup(
            `${name}-pgdata`,
            {
                vpcId: args.vpcId,
                description: "PostgreSQL data (EFS): NFS only from the PostgreSQL task",
                ingress: [{ protocol: "tcp", fromPort: 2049, toPort: 2049, securityGroups: [pgSg.id], description: "NFS from PostgreSQL" }],
            },
            parent,
        );
        this.allowTaskEgress(name, "postgres", pgSg, [
            { key: "nfs", port: 2049, to: efsSg.id, description: "NFS to the data file system (EFS mount targets)" },
        ]);
        this.allowTaskEgress(name, "redis", redisSg, []);
        const fs = new aws.efs.FileSystem(
            `${name}-pgdata`,
            {
                encrypted: true,
                kmsKeyId: args.placement.kmsKeyArn,
                performanceMode: "generalPurpose",
                throughputMode: "elastic",
            },
            parent,
        );
        const mountTargets = Array.from(
            { length: args.subnetCount },
            (_, i) =>
                new aws.efs.MountTarget(
                    `${name}-pgdata-${i}`,
                    {
                        fileSystemId: fs.id,
                        subnetId: pulumi.output(args.privateSubnetIds).apply((ids) => ids[i] as string),
                        securityGroups: [efsSg.id],
                    },
                    parent,
                ),
        );
        new aws.efs.BackupPolicy(`${name}-pgdata`, { fileSystemId: fs.id, backupPolicy: { status: "ENABLED" } }, parent);
        const accessPoint = new aws.efs.AccessPoint(
            `${name}-pgdata`,
            {
                fileSystemId: fs.id,
                posixUser: { uid: DATA_UID, gid: DATA_UID },
                rootDirectory: { path: "/pgdata", creationInfo: { ownerUid: DATA_UID, ownerGid: DATA_UID, permissions: "700" } },
            },
            parent,
        );

        // The pinned upstream image with its writable directories declared as VOLUMEs (postgres-image/Dockerfile).
        const image = new ContainerImage(
            `${name}-postgres-image`,
            {
                context: POSTGRES_IMAGE_CONTEXT,
                platform: args.platform ?? "linux/amd64",
                kmsKeyArn: args.placement.kmsKeyArn,
                buildArgs: { POSTGRES_IMAGE: POSTGRES_IMAGES[pg.version] },
            },
            parent,
        );
        const postgres = ecsService(
            `${name}-postgres`,
            {
                placement: args.placement,
                cpu: pg.ecs.cpu,
                memory: pg.ecs.memory,
                securityGroupIds: [pgSg.id],
                discoveryName: CLOUD_MAP_NAMES.postgres,
                desiredCount: 1,
                deployment: { minimumHealthyPercent: 0, maximumPercent: 100 },
                secretArns: [pgSecretArn],
                // A task mounts EFS through the mount target in its Availability Zone: none may be missing when tasks start.
                dependsOn: mountTargets,
                taskRoleStatements: [
                    {
                        Sid: "MountPgData",
                        Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                        Resource: fs.arn,
                        Condition: { StringEquals: { "elasticfilesystem:AccessPointArn": accessPoint.arn } },
                    },
                ],
                volumes: [
                    {
                        name: "pgdata",
                        efsVolumeConfiguration: {
                            fileSystemId: fs.id,
                            transitEncryption: "ENABLED",
                            authorizationConfig: { accessPointId: accessPoint.id, iam: "ENABLED" },
                        },
                    },
                    { name: "pgrun" },
                    { name: "tmp" },
                ],
                containers: [
                    {
                        name: "postgres",
                        image: image.imageRef,
                        user: `${DATA_UID}:${DATA_UID}`,
                        portMappings: [{ containerPort: POSTGRES_PORT, name: "postgres" }],
                        environment: [
                            { name: "POSTGRES_USER", value: pg.username },
                            { name: "POSTGRES_DB", value: pg.databaseName },
                            { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
                        ],
                        secrets: [{ name: "POSTGRES_PASSWORD", valueFrom: pgSecretArn }],
                        command: [
                            "postgres",
                            "-c",
                            "shared_preload_libraries=pg_stat_statements",
                            "-c",
                            "log_min_duration_statement=500",
                            "-c",
                            "max_connections=100",
                        ],
                        mountPoints: [
                            { sourceVolume: "pgdata", containerPath: "/var/lib/postgresql/data" },
                            { sourceVolume: "pgrun", containerPath: "/var/run/postgresql" },
                            { sourceVolume: "tmp", containerPath: "/tmp" },
                        ],
                        healthCheck: {
                            command: ["CMD-SHELL", `pg_isready -U ${pg.username} -d ${pg.databaseName} -h 127.0.0.1`],
                            interval: 10,
                            timeout: 5,
                            retries: 3,
                            startPeriod: 60,
                        },
                        stopTimeout: 120,
                    },
                ],
            },
            this,
        );

        const redisMemoryMb = Math.floor(args.config.redis.ecs.memory * 0.75);
        const redis = ecsService(
            `${name}-redis`,
            {
                placement: args.placement,
                cpu: args.config.redis.ecs.cpu,
                memory: args.config.redis.ecs.memory,
                securityGroupIds: [redisSg.id],
                discoveryName: CLOUD_MAP_NAMES.redis,
                desiredCount: 1,
                secretArns: [redisSecretArn],
                volumes: [{ name: "data" }],
                containers: [
                    {
                        name: "redis",
                        image: REDIS_IMAGE,
                        user: `${DATA_UID}:${DATA_UID}`,
                        portMappings: [{ containerPort: REDIS_PORT, name: "redis" }],
                        secrets: [{ name: "REDIS_PASSWORD", valueFrom: redisSecretArn }],
                        // The password goes in through stdin (`redis-server -`), never on the command line.
                        entryPoint: ["sh", "-c"],
                        command: [
                            `printf 'requirepass "%s"\\nsave ""\\nappendonly no\\nmaxmemory ${redisMemoryMb}mb\\nmaxmemory-policy allkeys-lru\\ndir /data\\n' "$REDIS_PASSWORD" | exec redis-server -`,
                        ],
                        mountPoints: [{ sourceVolume: "data", containerPath: "/data" }],
                        healthCheck: {
                            command: ["CMD-SHELL", 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli ping | grep -q PONG'],
                            interval: 10,
                            timeout: 5,
                            retries: 3,
                            startPeriod: 10,
                        },
                    },
                ],
            },
            this,
        );

        return {
            namespace: args.placement.namespaceName ?? "",
            postgresServiceName: postgres.service.name,
            redisServiceName: redis.service.name,
            postgresLogGroupName: postgres.logGroup.name,
            redisLogGroupName: redis.logGroup.name,
        };
    }
}
