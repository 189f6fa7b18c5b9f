/**
 * The one composition every environment runs: network → cluster → data stores → web server, wired
 * together. Environments differ only by their validated config (Pulumi.<stack>.yaml + defaults).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { LoadedConfig } from "../config";
import { withAlertDefaults } from "../config/alerts";
import { Alerting, managedDataStoreTargets } from "../components/alerting";
import { Cluster } from "../components/cluster";
import { physicalName, platformKey, standardTags, type EcsPlacement } from "../components/common";
import { DataStores } from "../components/datastores";
import { ContainerImage } from "../components/image";
import { Network } from "../components/network";
import { MonitoredService } from "../components/service";

export interface Environment {
    readonly outputs: Record<string, pulumi.Input<unknown>>;
}

export function deployEnvironment(cfg: LoadedConfig): Environment {
    const ctx = { project: cfg.project, stack: cfg.stack, environment: cfg.environment };
    const prefix = physicalName(ctx);
    const provider = new aws.Provider("aws", { region: cfg.region as aws.Region, defaultTags: { tags: standardTags(ctx) } });
    const opts: pulumi.ComponentResourceOptions = { providers: { aws: provider } };

    const { key } = platformKey("platform-key", { aliasName: `${prefix}-platform`, region: cfg.region }, undefined, { provider });

    const network = new Network("network", cfg.network, opts);
    const cluster = new Cluster("cluster", {
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        containerInsights: cfg.cluster.containerInsights,
        ec2: cfg.cluster.ec2,
        namespace: `${cfg.stack}.${cfg.project}.internal`,
        kmsKeyArn: key.arn,
    }, opts);

    const placement: EcsPlacement = {
        clusterArn: cluster.clusterArn,
        region: cfg.region,
        privateSubnetIds: network.privateSubnetIds,
        kmsKeyArn: key.arn,
        logRetentionDays: cfg.service.logRetentionDays,
        namespaceId: cluster.namespaceId,
        namespaceName: cluster.namespaceName,
    };

    const dataStores = new DataStores("data", {
        config: cfg.dataStores,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        subnetCount: cfg.network.availabilityZones,
        placement,
        namePrefix: prefix,
    }, opts);

    const image = cfg.service.image.source === "build"
        ? new ContainerImage("web-image", {
            // Relative: Pulumi runs in the project root, and the plan must not depend on the checkout path.
            context: cfg.service.image.context,
            platform: cfg.service.image.platform,
            kmsKeyArn: key.arn,
        }, opts).imageRef
        : pulumi.output(cfg.service.image.ref);

    const service = new MonitoredService("web", {
        placement,
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        image,
        port: cfg.service.port,
        cpu: cfg.service.size.cpu,
        memory: cfg.service.size.memory,
        desiredCount: cfg.service.desiredCount,
        minCount: cfg.service.minCount,
        maxCount: cfg.service.maxCount,
        targetCpuPercent: cfg.service.targetCpuPercent,
        healthCheckPath: cfg.service.healthCheckPath,
        certificateArn: cfg.service.certificateArn,
        allowedCidrs: cfg.service.allowedCidrs,
        deletionProtection: cfg.service.deletionProtection,
        postgres: dataStores.postgres,
        redis: dataStores.redis,
        secretArns: dataStores.secretArns,
    }, opts);
    dataStores.allowClient("web", service.securityGroupId);

    const pg = cfg.dataStores.postgres.managed;
    const alerting = new Alerting("alerting", {
        config: cfg.alerting,
        alerts: withAlertDefaults(cfg.environment, cfg.alerting.alerts),
        namePrefix: prefix,
        region: cfg.region,
        kmsKeyArn: key.arn,
        secrets: cfg.secrets,
        targets: {
            loadBalancerArnSuffix: service.loadBalancerArnSuffix,
            targetGroupArnSuffix: service.targetGroupArnSuffix,
            clusterName: cluster.clusterName,
            serviceName: service.serviceName,
            dataStores: cfg.dataStores.mode === "managed"
                ? managedDataStoreTargets({
                    rdsInstanceId: dataStores.rdsInstanceId as pulumi.Output<string>,
                    instanceClass: pg.instanceClass,
                    allocatedStorageGiB: pg.allocatedStorageGiB,
                    replicationGroupId: dataStores.replicationGroupId as pulumi.Output<string>,
                    cacheNodes: cfg.dataStores.redis.managed.nodes,
                }, pulumi.interpolate)
                : { mode: "ecs" },
        },
        clusterName: cluster.clusterName,
        containerInsights: cfg.cluster.containerInsights,
        logRetentionDays: cfg.service.logRetentionDays,
        // Alertmanager exists for Prometheus; without the monitoring layer there is nothing to route.
        alertmanager: cfg.monitoring.enabled ? { placement, vpcId: network.vpcId } : undefined,
    }, opts);

    return {
        outputs: {
            appUrl: service.url,
            clusterName: cluster.clusterName,
            serviceName: service.serviceName,
            webLogGroup: service.logGroupName,
            dataStoreMode: cfg.dataStores.mode,
            postgresHost: dataStores.postgres.host,
            redisHost: dataStores.redis.host,
            kmsKeyArn: key.arn,
            alertTopicArns: alerting.topicArns,
            notifierFunctionName: alerting.notifierFunctionName,
            alertmanagerAddress: alerting.alertmanagerAddress,
            alertingSecretsToFill: alerting.secretsToFill,
        },
    };
}
