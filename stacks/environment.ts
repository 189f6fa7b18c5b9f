/**
 * The one composition every environment runs: network → cluster → data stores → web server, wired
 * together. Environments differ only by their validated config (Pulumi.<stack>.yaml + defaults).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { LoadedConfig } from "../config";
import { Alerting, managedDataStoreTargets } from "../components/alerting";
import type { EcsServiceTarget } from "../components/alerting/catalog";
import { Cluster, autoScalingServiceLinkedRole } from "../components/cluster";
import { cloudMapNamespace, dataStoreIds, DeployedServices, physicalName, platformKey, standardTags, type EcsPlacement } from "../components/common";
import { DataStores } from "../components/datastores";
import { ContainerImage } from "../components/image";
import { Network } from "../components/network";
import { SecretFollower } from "../components/secret-follower";
import { MonitoredService } from "../components/service";
import {
    ALERTMANAGER_DATASOURCE_UID,
    GRAFANA_ADMIN_USER,
    MonitoringLayer,
    PROMETHEUS_DATASOURCE_UID,
    WebTelemetry,
    expectedPrometheus,
} from "../components/monitoring";
import { HOST_TASKS } from "../config/host-tasks";
import { stackAlertSettings } from "../config/alerts";
import { writeBuildContexts } from "./build-contexts";

export interface Environment {
    readonly outputs: Record<string, pulumi.Input<unknown>>;
}

/** What is valid but worth telling whoever deploys (printed as Pulumi warnings on every run). */
export function environmentWarnings(cfg: Pick<LoadedConfig, "environment" | "service" | "monitoring">): string[] {
    const warnings: string[] = [];
    if (cfg.environment === "prod" && cfg.service.certificateArn === undefined) {
        warnings.push("prod serves the app over plain HTTP: set koronet:service.certificateArn to an ACM certificate to serve HTTPS and redirect HTTP");
    }
    if (cfg.environment === "prod" && cfg.monitoring.enabled && cfg.monitoring.grafana.certificateArn === undefined) {
        warnings.push(
            "prod serves Grafana's sign-in over plain HTTP: set koronet:monitoring.grafana.certificateArn to an ACM certificate to serve HTTPS and redirect HTTP",
        );
    }
    return warnings;
}

function required<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new Error(`deployEnvironment: ${what} is missing`);
    return value;
}

export function deployEnvironment(cfg: LoadedConfig): Environment {
    for (const w of environmentWarnings(cfg)) void pulumi.log.warn(w);
    const ctx = { project: cfg.project, stack: cfg.stack, environment: cfg.environment };
    const prefix = physicalName(ctx);
    const provider = new aws.Provider("aws", { region: cfg.region as aws.Region, defaultTags: { tags: standardTags(ctx) } });
    const opts: pulumi.ComponentResourceOptions = { providers: { aws: provider } };

    // Created before the key, whose policy names it (a key policy naming a missing principal is rejected).
    const asgServiceRole = autoScalingServiceLinkedRole("asg-service-role", prefix, { provider });
    const { key } = platformKey(
        "platform-key",
        {
            aliasName: `${prefix}-platform`,
            region: cfg.region,
            autoScalingServiceRoleArns: [asgServiceRole.arn],
        },
        undefined,
        { provider },
    );

    const network = new Network("network", cfg.network, opts);
    const cluster = new Cluster(
        "cluster",
        {
            vpcId: network.vpcId,
            privateSubnetIds: network.privateSubnetIds,
            containerInsights: cfg.cluster.containerInsights,
            ec2: cfg.cluster.ec2,
            namespace: cloudMapNamespace(ctx),
            kmsKeyArn: key.arn,
            autoScalingServiceRoleArn: asgServiceRole.arn,
        },
        opts,
    );

    // Every ECS service placed below: the `ecsServices` output, what `npm run verify` compares with what ECS runs.
    const deployed = new DeployedServices();
    const placement: EcsPlacement = {
        deployed,
        clusterArn: cluster.clusterArn,
        capacityProviders: cluster.capacityProviders,
        region: cfg.region,
        privateSubnetIds: network.privateSubnetIds,
        kmsKeyArn: key.arn,
        logRetentionDays: cfg.service.logRetentionDays,
        namespaceId: cluster.namespaceId,
        namespaceName: cluster.namespaceName,
    };

    const dataStores = new DataStores(
        "data",
        {
            config: cfg.dataStores,
            vpcId: network.vpcId,
            privateSubnetIds: network.privateSubnetIds,
            subnetCount: cfg.network.availabilityZones,
            placement,
            namePrefix: prefix,
        },
        opts,
    );

    const image =
        cfg.service.image.source === "build"
            ? new ContainerImage(
                  "web-image",
                  {
                      // Relative: Pulumi runs in the project root, and the plan must not depend on the checkout path.
                      context: cfg.service.image.context,
                      platform: cfg.service.image.platform,
                      kmsKeyArn: key.arn,
                  },
                  opts,
              ).imageRef
            : pulumi.output(cfg.service.image.ref);

    // The web server's ECS service gets a fixed physical name: the app-metrics sidecar labels metrics
    // with it, and the alarms that name it (ServiceName dimension) exist before the service does.
    const webServiceName = "web-svc";
    const telemetry = cfg.monitoring.enabled
        ? new WebTelemetry(
              "web-telemetry",
              { placement, clusterName: cluster.clusterName, serviceName: webServiceName, metricsPort: cfg.service.metricsPort },
              opts,
          )
        : undefined;

    const service = new MonitoredService(
        "web",
        {
            placement,
            vpcId: network.vpcId,
            publicSubnetIds: network.publicSubnetIds,
            image,
            port: cfg.service.port,
            metricsPort: cfg.service.metricsPort,
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
            secretArns: [dataStores.redis.passwordValueFrom],
            sidecars: telemetry?.sidecars,
            sidecarVolumes: telemetry?.sidecarVolumes,
            sidecarTaskRoleStatements: telemetry?.sidecarTaskRoleStatements,
            environment: telemetry?.environment,
            // The tasks run on the CPU the image was built for (Fargate: X86_64 or ARM64); the sidecars' images are multi-arch.
            architecture: (cfg.service.image.platform ?? "linux/amd64") === "linux/arm64" ? "ARM64" : "X86_64",
            serviceName: webServiceName,
        },
        opts,
    );
    // Creation order from here: the web service's load-balancer front (above), then what watches it
    // (monitoring, alerting: its deployment alarms read the load balancer's metrics), then the ECS
    // service itself (runService, below), which names those alarms and so waits for them.
    dataStores.allowClient("web", service.securityGroupId);

    const monitoring = cfg.monitoring.enabled
        ? new MonitoringLayer(
              "monitoring",
              {
                  config: cfg.monitoring,
                  placement: { ...placement, namespaceName: cluster.namespaceName, namespaceArn: cluster.namespaceArn },
                  vpcId: network.vpcId,
                  clusterName: cluster.clusterName,
                  ec2CapacityProviderName: cluster.ec2CapacityProviderName,
                  instanceSecurityGroupId: cluster.instanceSecurityGroupId,
                  renderedDir: `rendered/${cfg.stack}`,
                  // Rendered now, from this stack's config: a new stack needs nothing but its stack file.
                  buildContexts: writeBuildContexts(cfg.project, cfg.stack, cfg),
                  prometheusSize: HOST_TASKS.prometheus,
                  namePrefix: prefix,
                  // A TSDB cap well below the instance volume, so a full TSDB cannot fill the host.
                  prometheusRetentionSizeGb: Math.floor(cfg.cluster.ec2.rootVolumeGiB / 4),
                  dataStores: {
                      postgres: dataStores.postgres,
                      redis: dataStores.redis,
                      secretArns: dataStores.secretArns,
                      cloudwatch:
                          cfg.dataStores.mode === "managed"
                              ? pulumi
                                    .all([dataStores.rdsInstanceId as pulumi.Output<string>, dataStores.replicationGroupId as pulumi.Output<string>])
                                    .apply(([rdsInstanceId, replicationGroupId]) => ({
                                        mode: "managed" as const,
                                        rdsInstanceId,
                                        replicationGroupId,
                                        // ElastiCache names a cluster-mode-disabled group's nodes <group>-001, -002, … (targets.ts).
                                        cacheClusterIds: dataStoreIds.redisCacheClusters(replicationGroupId, cfg.dataStores.redis.managed.nodes),
                                    }))
                              : pulumi
                                    .all([dataStores.postgresServiceName as pulumi.Output<string>, dataStores.redisServiceName as pulumi.Output<string>])
                                    .apply(([postgresServiceName, redisServiceName]) => ({ mode: "ecs" as const, postgresServiceName, redisServiceName })),
                  },
                  publicSubnetIds: network.publicSubnetIds,
                  loadBalancerDeletionProtection: cfg.service.deletionProtection,
                  web: {
                      serviceName: service.serviceName,
                      metricsPort: cfg.service.metricsPort,
                      discoveryServiceArn: required(service.discoveryServiceArn, "the web server's Cloud Map service (the placement names a namespace)"),
                      loadBalancerArnSuffix: service.loadBalancerArnSuffix,
                      targetGroupArnSuffix: service.targetGroupArnSuffix,
                  },
              },
              opts,
          )
        : undefined;
    if (monitoring) {
        service.allowMetricsScraper("prometheus", monitoring.prometheusSecurityGroupId, monitoring.appScrapePort);
        dataStores.allowClient("postgres-exporter", monitoring.postgresExporterSecurityGroupId, ["postgres"]);
        dataStores.allowClient("redis-exporter", monitoring.redisExporterSecurityGroupId, ["redis"]);
    }

    const pg = cfg.dataStores.postgres.managed;
    // Every ECS service of the stack, for the per-service alarms (memory, running vs desired, crash
    // loops); the Alerting component adds its own Alertmanager.
    const services: EcsServiceTarget[] = [
        { key: "web", serviceName: service.serviceName, scheduling: "replica", description: "the web server" },
        ...(cfg.dataStores.mode === "ecs"
            ? [
                  {
                      key: "postgres",
                      serviceName: dataStores.postgresServiceName as pulumi.Output<string>,
                      scheduling: "replica" as const,
                      description: "PostgreSQL (ECS)",
                  },
                  {
                      key: "redis",
                      serviceName: dataStores.redisServiceName as pulumi.Output<string>,
                      scheduling: "replica" as const,
                      description: "Redis (ECS)",
                  },
              ]
            : []),
        ...(monitoring
            ? [
                  { key: "prometheus", serviceName: monitoring.serviceNames.prometheus, scheduling: "replica" as const, description: "Prometheus" },
                  { key: "grafana", serviceName: monitoring.serviceNames.grafana, scheduling: "replica" as const, description: "Grafana" },
                  {
                      key: "postgres-exporter",
                      serviceName: monitoring.serviceNames.postgresExporter,
                      scheduling: "replica" as const,
                      description: "the Postgres exporter",
                  },
                  {
                      key: "redis-exporter",
                      serviceName: monitoring.serviceNames.redisExporter,
                      scheduling: "replica" as const,
                      description: "the Redis exporter",
                  },
                  {
                      key: "node-exporter",
                      serviceName: monitoring.serviceNames.nodeExporter,
                      scheduling: "daemon" as const,
                      description: "node exporter (DAEMON)",
                  },
                  { key: "cadvisor", serviceName: monitoring.serviceNames.cadvisor, scheduling: "daemon" as const, description: "cAdvisor (DAEMON)" },
              ]
            : []),
    ];
    const alerting = new Alerting(
        "alerting",
        {
            config: cfg.alerting,
            alertSettings: stackAlertSettings(cfg),
            namePrefix: prefix,
            region: cfg.region,
            kmsKeyArn: key.arn,
            secrets: cfg.secrets,
            targets: {
                loadBalancerArnSuffix: service.loadBalancerArnSuffix,
                targetGroupArnSuffix: service.targetGroupArnSuffix,
                clusterName: cluster.clusterName,
                serviceName: service.serviceName,
                services,
                dataStores:
                    cfg.dataStores.mode === "managed"
                        ? managedDataStoreTargets(
                              {
                                  rdsInstanceId: dataStores.rdsInstanceId as pulumi.Output<string>,
                                  instanceClass: pg.instanceClass,
                                  allocatedStorageGiB: pg.allocatedStorageGiB,
                                  replicationGroupId: dataStores.replicationGroupId as pulumi.Output<string>,
                                  cacheNodes: cfg.dataStores.redis.managed.nodes,
                              },
                              pulumi.interpolate,
                          )
                        : { mode: "ecs" },
            },
            clusterName: cluster.clusterName,
            clusterArn: cluster.clusterArn,
            containerInsights: cfg.cluster.containerInsights,
            logRetentionDays: cfg.service.logRetentionDays,
            // Alertmanager exists for Prometheus; without the monitoring layer there is nothing to route.
            alertmanager: monitoring ? { placement, vpcId: network.vpcId } : undefined,
            watchedServices: monitoring
                ? { prometheus: { serviceName: monitoring.serviceNames.prometheus, description: "Prometheus", desired: cfg.monitoring.prometheus.replicas } }
                : {},
            heartbeatSenders: monitoring ? [monitoring.prometheusService] : [],
        },
        opts,
    );
    if (monitoring) {
        alerting.allowAlertmanagerClient("prometheus", monitoring.prometheusSecurityGroupId);
        // Operators (and `npm run drill`) reach Alertmanager through Grafana's Alertmanager data source.
        alerting.allowAlertmanagerClient("grafana", monitoring.grafanaSecurityGroupId);
    }

    // A rollout that raises the web service's 5xx or latency alarm is failed and rolled back by ECS.
    const web = service.runService({ deploymentAlarmNames: alerting.deploymentAlarmNames });

    // ECS injects secrets only at task start: this redeploys a service when a secret it injects is
    // filled (`put-secret-value` over a placeholder) or rotated (RDS's managed master password).
    const secretFollower = new SecretFollower(
        "secret-follower",
        {
            namePrefix: prefix,
            region: cfg.region,
            clusterArn: cluster.clusterArn,
            clusterName: cluster.clusterName,
            secretNamePrefix: prefix,
            secretArns: dataStores.secretArns,
            kmsKeyArn: key.arn,
            logRetentionDays: cfg.service.logRetentionDays,
            alarmTopicArn: alerting.topicArns.pipeline,
            runbookBaseUrl: cfg.alerting.runbookBaseUrl,
        },
        opts,
    );

    return {
        outputs: {
            appUrl: service.url,
            clusterName: cluster.clusterName,
            serviceName: web.serviceName,
            webLogGroup: web.logGroupName,
            dataStoreMode: cfg.dataStores.mode,
            postgresHost: dataStores.postgres.host,
            redisHost: dataStores.redis.host,
            dataStoreLogGroups: dataStores.logGroupNames,
            kmsKeyArn: key.arn,
            // Alarm topics, the heartbeat topic and Alertmanager's email/Chatbot topics.
            alertTopicArns: { ...alerting.topicArns, ...alerting.audienceTopicArns },
            // Chatbot mode has no notifier Lambda.
            ...(alerting.notifierFunctionName ? { notifierFunctionName: alerting.notifierFunctionName } : {}),
            alertmanagerAddress: alerting.alertmanagerAddress,
            alertingSecretsToFill: alerting.secretsToFill,
            alertingLogGroups: { ...alerting.logGroupNames, secretFollower: secretFollower.logGroupName },
            ...(monitoring && telemetry
                ? {
                      grafanaUrl: monitoring.grafanaUrl,
                      prometheusAddress: monitoring.prometheusAddress,
                      cloudwatchDashboardUrl: monitoring.cloudwatchDashboardUrl,
                      monitoringLogGroups: { ...monitoring.logGroupNames, ...telemetry.logGroupNames },
                  }
                : {}),
            // What `npm run verify` and `npm run drill` read (docs/delivery.md, "After pulumi up").
            verification: pulumi.output({
                region: cfg.region,
                healthCheckPath: cfg.service.healthCheckPath,
                ecsServices: deployed.output(),
                deploymentAlarms: { [webServiceName]: alerting.deploymentAlarmNames },
                alarmNames: alerting.alarmNames,
                alarmsExpectingData: alerting.alarmsExpectingData,
                drillAlarms: alerting.drillAlarmNames,
                notifierFunctionName: alerting.notifierFunctionName,
                pagerdutyFunctionName: alerting.pagerdutyFunctionName,
                deliveryTable: alerting.deliveryTableName,
                failedNotificationsQueue: alerting.failedNotificationsQueueName,
                ...(monitoring
                    ? {
                          grafana: {
                              url: monitoring.grafanaUrl,
                              adminUser: GRAFANA_ADMIN_USER,
                              adminPasswordSecretArn: monitoring.grafanaAdminSecretArn,
                              prometheusDatasourceUid: PROMETHEUS_DATASOURCE_UID,
                              alertmanagerDatasourceUid: ALERTMANAGER_DATASOURCE_UID,
                          },
                          prometheus: expectedPrometheus({ project: cfg.project, stack: cfg.stack, config: cfg }),
                      }
                    : {}),
            }),
        },
    };
}
