/**
 * `managed` mode: PostgreSQL on RDS (TLS only, verify-full with the region's RDS CA) and Redis on
 * ElastiCache (TLS, AUTH), each behind the security group the DataStores component made. Children of
 * the DataStores component (`owner`), as they were when this was one of its methods: same URNs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { dataStoreIds } from "../common";
import { POSTGRES_PORT, RDS_CA_CERT_IDENTIFIER, REDIS_PORT, type DataStoresArgs } from "./types";

export function managedStores(
    owner: pulumi.Resource,
    name: string,
    args: DataStoresArgs,
    pgSg: aws.ec2.SecurityGroup,
    redisSg: aws.ec2.SecurityGroup,
    authToken: pulumi.Output<string>,
) {
    const parent = { parent: owner };
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
        { parent: owner, protect: pg.managed.deletionProtection },
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
