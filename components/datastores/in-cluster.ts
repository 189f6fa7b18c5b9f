/**
 * `ecs` mode: PostgreSQL (data on EFS) and Redis as ECS services found through Cloud Map, with their
 * security-group egress. Children of the DataStores component (`owner`), as they were when these were
 * its methods: same URNs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ecsService } from "../common";
import { CLOUD_MAP_NAMES } from "../contracts";
import { ContainerImage } from "../image";
import { DATA_UID, POSTGRES_IMAGE_CONTEXT, POSTGRES_IMAGES, REDIS_IMAGE } from "./images";
import { POSTGRES_PORT, REDIS_PORT, type DataStoresArgs } from "./types";
import { kindNamed } from "../common/kind-names";

export function inClusterStores(
    owner: pulumi.Resource,
    name: string,
    args: DataStoresArgs,
    pgSg: aws.ec2.SecurityGroup,
    redisSg: aws.ec2.SecurityGroup,
    pgSecretArn: pulumi.Output<string>,
    redisSecretArn: pulumi.Output<string>,
) {
    const parent = { parent: owner };
    const pg = args.config.postgres;
    const namespace = args.placement.namespaceId;
    if (namespace === undefined) throw new Error("DataStores: `placement.namespaceId` is required in `ecs` mode (Cloud Map discovery)");

    const efsSgName = kindNamed(`${name}-pgdata`, "securityGroup", parent);
    const efsSg = new aws.ec2.SecurityGroup(
        efsSgName.name,
        {
            vpcId: args.vpcId,
            description: "PostgreSQL data (EFS): NFS only from the PostgreSQL task",
            ingress: [{ protocol: "tcp", fromPort: 2049, toPort: 2049, securityGroups: [pgSg.id], description: "NFS from PostgreSQL" }],
        },
        efsSgName.opts,
    );
    allowTaskEgress(owner, name, "postgres", pgSg, [{ key: "nfs", port: 2049, to: efsSg.id, description: "NFS to the data file system (EFS mount targets)" }]);
    allowTaskEgress(owner, name, "redis", redisSg, []);
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
    const backupPolicyName = kindNamed(`${name}-pgdata`, "backupPolicy", parent);
    new aws.efs.BackupPolicy(backupPolicyName.name, { fileSystemId: fs.id, backupPolicy: { status: "ENABLED" } }, backupPolicyName.opts);
    const accessPointName = kindNamed(`${name}-pgdata`, "accessPoint", parent);
    const accessPoint = new aws.efs.AccessPoint(
        accessPointName.name,
        {
            fileSystemId: fs.id,
            posixUser: { uid: DATA_UID, gid: DATA_UID },
            rootDirectory: { path: "/pgdata", creationInfo: { ownerUid: DATA_UID, ownerGid: DATA_UID, permissions: "700" } },
        },
        accessPointName.opts,
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
        owner,
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
        owner,
    );

    return {
        namespace: args.placement.namespaceName ?? "",
        postgresServiceName: postgres.service.name,
        redisServiceName: redis.service.name,
        postgresLogGroupName: postgres.logGroup.name,
        redisLogGroupName: redis.logGroup.name,
    };
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
function allowTaskEgress(
    owner: pulumi.Resource,
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
        { parent: owner },
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
            { parent: owner },
        );
    }
}
