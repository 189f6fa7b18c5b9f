/**
 * Alertmanager on ECS (Fargate), registered in Cloud Map as `alertmanager.<namespace>` so Prometheus
 * finds every task at `alertmanager.<namespace>:9093` (one A record per task). The image is the
 * pinned upstream one plus an entrypoint (image/entrypoint.sh) that writes ECS-injected secrets to
 * 0600 files on an ephemeral task volume; the rendered config arrives in `ALERTMANAGER_CONFIG` (it
 * holds no secret).
 *
 * With `replicas` > 1 the tasks form one gossip cluster (https://prometheus.io/docs/alerting/latest/high_availability/):
 * peers found through the same Cloud Map name on 9094, gossip admitted between the tasks only (TCP
 * and UDP, the security group referencing itself), each task advertising its own awsvpc address
 * (the entrypoint reads it from the task metadata endpoint), spread across zones, deployed one task
 * at a time with the old ones still running (the new one joins the cluster and takes its state
 * before an old one stops). Every Prometheus sends every alert to every task (dns_sd A records);
 * the cluster notifies once.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ecsService, type ContainerSecret, type EcsPlacement, type PolicyStatement } from "../../common";
import { ContainerImage } from "../../image";
import type { Severity } from "../catalog";
import { CLOUD_MAP_NAMES, PORTS } from "../../contracts";
import {
    ALERTMANAGER_CONFIG_ENV,
    ALERTMANAGER_PATHS,
    ALERTMANAGER_SECRET_FILES,
    alertmanagerClusterArgs,
    notifierPagerDutyUrl,
    renderAlertmanagerConfig,
    type AlertmanagerReceivers,
} from "./config";
import { audienceTopicKey } from "./stack";

export * from "./config";
export { renderStackAlertmanagerConfig } from "./stack";

/** Build context of the image, relative to the project root (where Pulumi runs the program). */
const ALERTMANAGER_IMAGE_CONTEXT = "components/alerting/alertmanager/image";

export interface AlertmanagerArgs {
    readonly placement: EcsPlacement;
    readonly vpcId: pulumi.Input<string>;
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly region: string;
    /** @default "linux/amd64" */
    readonly platform?: "linux/amd64" | "linux/arm64";
    /** Slack and heartbeat through the notifier's Function URL, with the bearer token secret. */
    readonly notifier?: { readonly url: pulumi.Input<string>; readonly tokenSecretArn: pulumi.Input<string> };
    /** Slack through AWS Chatbot: publish to these Chatbot-only topics, one per severity. */
    readonly chatbotTopicArns?: Readonly<Record<Severity, pulumi.Input<string>>>;
    /** Email: publish to these email-only topics (severities without addresses have none). */
    readonly emailTopicArns?: Readonly<Partial<Record<Severity, pulumi.Input<string>>>>;
    /**
     * PagerDuty for critical through the notifier's `/pagerduty` webhook (its per-occurrence dedupe:
     * exactly once behind the cluster). Needs `notifier`; Alertmanager then holds no routing key.
     */
    readonly pagerdutyViaNotifier?: boolean;
    /** PagerDuty for critical sent by Alertmanager itself (no notifier: Chatbot mode), with the routing key secret. */
    readonly pagerdutyRoutingKeySecretArn?: pulumi.Input<string>;
    /**
     * Resources that give the injected secrets a value (their SecretVersions). ECS fails a task
     * whose secret has no AWSCURRENT version, so the service waits for them. @default []
     */
    readonly secretValues?: readonly pulumi.Resource[];
    /** Heartbeat topic when there is no notifier. One of `notifier` / `heartbeatTopicArn` is required. */
    readonly heartbeatTopicArn?: pulumi.Input<string>;
    /** Task size. @default 256 CPU units, 512 MiB */
    readonly cpu?: number;
    readonly memory?: number;
    /** Tasks; more than one form a gossip cluster (`koronet:alerting.alertmanager.replicas`). @default 1 */
    readonly replicas?: number;
}

/**
 * Deployment bounds of `replicas` tasks. One: 100 %/200 % (the new task starts before the old one
 * stops). A cluster: never below `replicas`, one extra task at a time (ECS rounds maximumPercent
 * down: ⌊n × (100 + ⌈100/n⌉) / 100⌋ = n + 1), so a deploy replaces the tasks one by one while the
 * others keep notifying, and old and new tasks, clustered, never notify twice.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html
 */
export function alertmanagerDeployment(replicas: number): { minimumHealthyPercent: number; maximumPercent: number } {
    return replicas <= 1
        ? { minimumHealthyPercent: 100, maximumPercent: 200 }
        : { minimumHealthyPercent: 100, maximumPercent: 100 + Math.ceil(100 / replicas) };
}

/** Pure validation; errors name the argument. */
export function validateAlertmanagerArgs(
    args: Pick<
        AlertmanagerArgs,
        "notifier" | "heartbeatTopicArn" | "chatbotTopicArns" | "placement" | "replicas" | "pagerdutyViaNotifier" | "pagerdutyRoutingKeySecretArn"
    >,
): string[] {
    const problems: string[] = [];
    if ((args.notifier === undefined) === (args.heartbeatTopicArn === undefined))
        problems.push("exactly one of `notifier` and `heartbeatTopicArn` carries the Watchdog heartbeat");
    if (args.notifier !== undefined && args.chatbotTopicArns !== undefined)
        problems.push("`notifier` and `chatbotTopicArns` are exclusive: Slack goes through one of them");
    if (args.pagerdutyViaNotifier === true && args.notifier === undefined)
        problems.push("`pagerdutyViaNotifier` needs `notifier`: PagerDuty goes through the notifier's URL");
    if (args.pagerdutyViaNotifier === true && args.pagerdutyRoutingKeySecretArn !== undefined)
        problems.push(
            "`pagerdutyViaNotifier` and `pagerdutyRoutingKeySecretArn` are exclusive: PagerDuty is sent by the notifier or by Alertmanager, not both",
        );
    if (args.placement.namespaceId === undefined || args.placement.namespaceName === undefined)
        problems.push("`placement.namespaceId` and `placement.namespaceName` are required: Prometheus finds Alertmanager through Cloud Map");
    if (args.replicas !== undefined && (!Number.isInteger(args.replicas) || args.replicas < 1))
        problems.push(`\`replicas\` must be a whole number ≥ 1, got ${args.replicas}`);
    return problems;
}

export class Alertmanager extends pulumi.ComponentResource {
    /** `alertmanager.<namespace>:9093`. */
    public readonly address: string;
    public readonly securityGroupId: pulumi.Output<string>;
    public readonly serviceName: pulumi.Output<string>;
    /** The ECS service itself: what waits for Alertmanager to run (the heartbeat alarm) depends on it. */
    public readonly service: aws.ecs.Service;
    public readonly taskRoleArn: pulumi.Output<string>;
    public readonly logGroupName: pulumi.Output<string>;
    /** Tasks it runs. */
    public readonly replicas: number;
    /** The rendered alertmanager.yml as deployed. */
    public readonly renderedConfig: pulumi.Output<string>;

    private readonly name: string;
    private readonly snsTargets: ReadonlySet<string>;

    constructor(name: string, args: AlertmanagerArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:alerting:Alertmanager", name, {}, opts);
        const problems = validateAlertmanagerArgs(args);
        if (problems.length > 0) throw new Error(`Invalid Alertmanager arguments:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = name;
        const parent = { parent: this };
        const p = args.placement;

        const replicas = args.replicas ?? 1;
        this.replicas = replicas;
        const clustered = replicas > 1;
        const gossip = ["tcp", "udp"] as const;
        const sg = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: clustered
                    ? `Alertmanager ${PORTS.alertmanager}: only from Prometheus; gossip ${PORTS.alertmanagerCluster} between its tasks; out to HTTPS (notifier URL, SNS, PagerDuty, ECR, Secrets Manager)`
                    : `Alertmanager ${PORTS.alertmanager}: only from Prometheus; out to HTTPS (notifier URL, SNS, PagerDuty, ECR, Secrets Manager)`,
                egress: [
                    {
                        protocol: "tcp",
                        fromPort: 443,
                        toPort: 443,
                        cidrBlocks: ["0.0.0.0/0"],
                        description: "HTTPS to AWS APIs, the notifier Function URL and PagerDuty",
                    },
                    // Gossip to the other tasks only: the group itself is the peer.
                    ...(clustered
                        ? gossip.map((protocol) => ({
                              protocol,
                              fromPort: PORTS.alertmanagerCluster,
                              toPort: PORTS.alertmanagerCluster,
                              self: true,
                              description: `Alertmanager gossip (${protocol.toUpperCase()}) to the other tasks`,
                          }))
                        : []),
                ],
            },
            parent,
        );
        if (clustered) {
            // Ingress is standalone everywhere on this group (allowClient): gossip from the group itself.
            for (const protocol of gossip) {
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-gossip-${protocol}`,
                    {
                        securityGroupId: sg.id,
                        referencedSecurityGroupId: sg.id,
                        ipProtocol: protocol,
                        fromPort: PORTS.alertmanagerCluster,
                        toPort: PORTS.alertmanagerCluster,
                        description: `Alertmanager gossip (${protocol.toUpperCase()}) from the other tasks`,
                    },
                    parent,
                );
            }
        }

        const image = new ContainerImage(
            `${name}-image`,
            { context: ALERTMANAGER_IMAGE_CONTEXT, platform: args.platform ?? "linux/amd64", kmsKeyArn: args.kmsKeyArn },
            parent,
        );

        const topicsUsed: { key: string; arn: pulumi.Input<string> }[] = [
            ...Object.entries(args.chatbotTopicArns ?? {}).map(([k, arn]) => ({ key: audienceTopicKey("chatbot", k as Severity), arn })),
            ...Object.entries(args.emailTopicArns ?? {})
                .filter((e): e is [string, pulumi.Input<string>] => e[1] !== undefined)
                .map(([k, arn]) => ({ key: audienceTopicKey("email", k as Severity), arn })),
            ...(args.heartbeatTopicArn !== undefined ? [{ key: "heartbeat", arn: args.heartbeatTopicArn }] : []),
        ];
        this.snsTargets = new Set(topicsUsed.map((t) => t.key));

        const secrets: ContainerSecret[] = [];
        const secretArns: pulumi.Input<string>[] = [];
        if (args.notifier !== undefined) {
            secrets.push({ name: "NOTIFIER_TOKEN", valueFrom: args.notifier.tokenSecretArn });
            secretArns.push(args.notifier.tokenSecretArn);
        }
        if (args.pagerdutyRoutingKeySecretArn !== undefined) {
            secrets.push({ name: "PAGERDUTY_ROUTING_KEY", valueFrom: args.pagerdutyRoutingKeySecretArn });
            secretArns.push(args.pagerdutyRoutingKeySecretArn);
        }

        const all = (r: Readonly<Partial<Record<Severity, pulumi.Input<string>>>> | undefined) =>
            r === undefined
                ? pulumi.output(undefined)
                : pulumi
                      .all([r.critical, r.warning])
                      .apply(([critical, warning]) => ({ ...(critical !== undefined ? { critical } : {}), ...(warning !== undefined ? { warning } : {}) }));
        this.renderedConfig = pulumi
            .all([args.notifier?.url, all(args.chatbotTopicArns), all(args.emailTopicArns), args.heartbeatTopicArn])
            .apply(([notifierUrl, chatbot, email, heartbeatTopic]) => {
                const receivers: AlertmanagerReceivers = {
                    ...(notifierUrl !== undefined ? { notifier: { url: notifierUrl, tokenFile: ALERTMANAGER_SECRET_FILES.NOTIFIER_TOKEN } } : {}),
                    ...(chatbot !== undefined ? { chatbot: { region: args.region, topicArns: chatbot as Record<Severity, string> } } : {}),
                    ...(email !== undefined ? { email: { region: args.region, topicArns: email } } : {}),
                    ...(args.pagerdutyViaNotifier === true && notifierUrl !== undefined
                        ? { pagerduty: { kind: "webhook", url: notifierPagerDutyUrl(notifierUrl), tokenFile: ALERTMANAGER_SECRET_FILES.NOTIFIER_TOKEN } }
                        : args.pagerdutyRoutingKeySecretArn !== undefined
                          ? { pagerduty: { kind: "direct", routingKeyFile: ALERTMANAGER_SECRET_FILES.PAGERDUTY_ROUTING_KEY } }
                          : {}),
                    heartbeat:
                        notifierUrl !== undefined
                            ? { kind: "webhook", url: notifierUrl, tokenFile: ALERTMANAGER_SECRET_FILES.NOTIFIER_TOKEN }
                            : { kind: "sns", region: args.region, topicArn: heartbeatTopic as string },
                };
                return renderAlertmanagerConfig({ profile: "production", receivers });
            });

        const taskRoleStatements: PolicyStatement[] =
            topicsUsed.length > 0
                ? [
                      { Sid: "PublishNotifications", Action: "sns:Publish", Resource: topicsUsed.map((t) => t.arn) },
                      // The topics are KMS-encrypted: publishing needs a data key.
                      { Sid: "EncryptForTopics", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: args.kmsKeyArn },
                  ]
                : [];

        const discoveryName = CLOUD_MAP_NAMES.alertmanager;
        const svc = ecsService(
            name,
            {
                placement: p,
                cpu: args.cpu ?? 256,
                memory: args.memory ?? 512,
                securityGroupIds: [sg.id],
                discoveryName,
                ...(clustered ? { desiredCount: replicas, deployment: alertmanagerDeployment(replicas), spread: {} } : {}),
                secretArns,
                taskRoleStatements,
                volumes: [{ name: "run" }, { name: "data" }],
                containers: [
                    {
                        name: "alertmanager",
                        image: image.imageRef,
                        // The upstream image's user (nobody); stated here so the task definition shows it.
                        user: "65534:65534",
                        portMappings: [
                            { containerPort: PORTS.alertmanager, protocol: "tcp", name: "alertmanager" },
                            ...(clustered
                                ? gossip.map((protocol) => ({ containerPort: PORTS.alertmanagerCluster, protocol, name: `gossip-${protocol}` }))
                                : []),
                        ],
                        environment: [{ name: ALERTMANAGER_CONFIG_ENV, value: this.renderedConfig }],
                        // The peers: every task behind the Cloud Map name. The entrypoint adds this task's own
                        // address (--cluster.advertise-address) from the task metadata endpoint.
                        ...(clustered
                            ? { command: alertmanagerClusterArgs({ peers: [`${discoveryName}.${p.namespaceName as string}:${PORTS.alertmanagerCluster}`] }) }
                            : {}),
                        secrets,
                        mountPoints: [
                            { sourceVolume: "run", containerPath: "/run/alertmanager" },
                            { sourceVolume: "data", containerPath: ALERTMANAGER_PATHS.storage },
                        ],
                        healthCheck: {
                            command: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${PORTS.alertmanager}/-/healthy`],
                            interval: 15,
                            timeout: 5,
                            retries: 3,
                            startPeriod: 15,
                        },
                        stopTimeout: 30,
                    },
                ],
                dependsOn: [...(args.secretValues ?? [])],
            },
            this,
        );

        this.address = `${discoveryName}.${p.namespaceName as string}:${PORTS.alertmanager}`;
        this.securityGroupId = sg.id;
        this.serviceName = svc.service.name;
        this.service = svc.service;
        this.taskRoleArn = svc.taskRole.arn;
        this.logGroupName = svc.logGroup.name;
        this.registerOutputs({
            logGroupName: this.logGroupName,
            address: this.address,
            securityGroupId: this.securityGroupId,
            serviceName: this.serviceName,
            taskRoleArn: this.taskRoleArn,
            renderedConfig: this.renderedConfig,
        });
    }

    /** Whether Alertmanager publishes to the topic with this key (`email-critical`, `chatbot-warning`, `heartbeat`, ...). */
    publishesTo(topicKey: string): boolean {
        return this.snsTargets.has(topicKey);
    }

    /** Admits a client (Prometheus) on 9093. */
    allowClient(clientName: string, securityGroupId: pulumi.Input<string>): void {
        new aws.vpc.SecurityGroupIngressRule(
            `${this.name}-from-${clientName}`,
            {
                securityGroupId: this.securityGroupId,
                referencedSecurityGroupId: securityGroupId,
                ipProtocol: "tcp",
                fromPort: PORTS.alertmanager,
                toPort: PORTS.alertmanager,
                description: `Alertmanager from ${clientName}`,
            },
            { parent: this },
        );
    }
}
