/**
 * Grafana (Fargate) behind a load balancer of its own, admitting `grafana.allowedCidrs`, and behind
 * Grafana's login. A load balancer of its own rather than a rule on the app's: its security group
 * and listeners are its own (the app's may stay open to the world while Grafana's is narrowed), its
 * traffic stays out of the app's load-balancer metrics (`HTTPCode_ELB_5XX_Count`, `RequestCount`),
 * and it is served at the root of its own host.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { MonitoringConfig } from "../../config/monitoring";
import { EcsService, frontIngress, frontListeners } from "../common";
import { PORTS } from "../contracts";
import { GRAFANA_ADMIN_USER } from "./grafana/provisioning";
import { EGRESS_ALL, partChild, partImage, type PartContext } from "./part";
import { kindNamed } from "../common/kind-names";

export interface GrafanaArgs {
    readonly config: MonitoringConfig["grafana"];
    /** `<project>-<stack>`: prefix of the admin secret's name. */
    readonly namePrefix: string;
    /** Public subnets for the internet-facing load balancer. */
    readonly publicSubnetIds: pulumi.Input<string[]>;
    readonly loadBalancerDeletionProtection: boolean;
}

export class Grafana extends pulumi.ComponentResource {
    public readonly url: pulumi.Output<string>;
    /** CloudWatch `LoadBalancer` dimension. */
    public readonly loadBalancerArnSuffix: pulumi.Output<string>;
    /** The tasks' security group: Prometheus and Alertmanager admit it. */
    public readonly securityGroupId: pulumi.Output<string>;
    /** Secrets Manager secret holding the admin password (user `GRAFANA_ADMIN_USER`). */
    public readonly adminSecretArn: pulumi.Output<string>;
    public readonly ecs: EcsService;

    constructor(ctx: PartContext, args: GrafanaArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:monitoring:Grafana", `${ctx.prefix}-grafana`, {}, opts);
        const name = ctx.prefix;
        const child = partChild(this, ctx);
        const cfg = args.config;
        const https = cfg.certificateArn !== undefined;

        const albSgName = kindNamed(`${name}-grafana-alb`, "securityGroup", child);
        const albSg = new aws.ec2.SecurityGroup(
            albSgName.name,
            {
                vpcId: ctx.vpcId,
                description: "Grafana load balancer: HTTP/HTTPS from grafana.allowedCidrs",
                ingress: frontIngress(https, cfg.allowedCidrs),
            },
            albSgName.opts,
        );
        const sgName = kindNamed(`${name}-grafana`, "securityGroup", child);
        const sg = new aws.ec2.SecurityGroup(
            sgName.name,
            {
                vpcId: ctx.vpcId,
                description: `Grafana ${PORTS.grafana}: only from the load balancer`,
                ingress: [
                    {
                        protocol: "tcp",
                        fromPort: PORTS.grafana,
                        toPort: PORTS.grafana,
                        securityGroups: [albSg.id],
                        description: "Grafana from its load balancer",
                    },
                ],
                egress: EGRESS_ALL,
            },
            sgName.opts,
        );
        // The load balancer's group declares no inline egress (it would be circular with Grafana's).
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-grafana-alb-to-grafana`,
            {
                securityGroupId: albSg.id,
                referencedSecurityGroupId: sg.id,
                ipProtocol: "tcp",
                fromPort: PORTS.grafana,
                toPort: PORTS.grafana,
                description: "load balancer to Grafana",
            },
            child,
        );

        const adminPasswordName = kindNamed(`${name}-grafana-admin`, "randomPassword", child);
        const adminPassword = new random.RandomPassword(adminPasswordName.name, { length: 32, special: false }, adminPasswordName.opts);
        const adminSecret = new aws.secretsmanager.Secret(
            `${name}-grafana-admin`,
            {
                name: `${args.namePrefix}/grafana-admin-password`,
                description: "Grafana admin password (user admin)",
                kmsKeyId: ctx.placement.kmsKeyArn,
                recoveryWindowInDays: 7,
            },
            child,
        );
        // Injected through the version's secretArn (the secret's ARN once it has a value), so Grafana waits for the value.
        const adminVersionName = kindNamed(`${name}-grafana-admin`, "secretVersion", child);
        const adminSecretArn = new aws.secretsmanager.SecretVersion(
            adminVersionName.name,
            { secretId: adminSecret.id, secretString: adminPassword.result },
            adminVersionName.opts,
        ).secretArn;
        const alb = new aws.lb.LoadBalancer(
            `${name}-grafana-alb`,
            {
                loadBalancerType: "application",
                internal: false,
                subnets: args.publicSubnetIds,
                securityGroups: [albSg.id],
                dropInvalidHeaderFields: true,
                enableDeletionProtection: args.loadBalancerDeletionProtection,
                idleTimeout: 60,
            },
            child,
        );
        const tgName = kindNamed(`${name}-grafana`, "targetGroup", child);
        const tg = new aws.lb.TargetGroup(
            tgName.name,
            {
                vpcId: ctx.vpcId,
                targetType: "ip",
                port: PORTS.grafana,
                protocol: "HTTP",
                deregistrationDelay: 15,
                // Grafana keeps login sessions per task (no shared database): keep a browser on one task.
                stickiness: { type: "lb_cookie", enabled: true, cookieDuration: 86400 },
                healthCheck: { path: "/api/health", matcher: "200", interval: 15, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
            },
            tgName.opts,
        );
        const listener = frontListeners(`${name}-grafana`, { loadBalancerArn: alb.arn, targetGroupArn: tg.arn, certificateArn: cfg.certificateArn }, child);
        const root = pulumi.interpolate`${https ? "https" : "http"}://${alb.dnsName}/`;
        this.ecs = new EcsService(
            `${name}-grafana`,
            {
                placement: ctx.placement,
                cpu: 256,
                memory: 512,
                desiredCount: cfg.replicas,
                securityGroupIds: [sg.id],
                loadBalancer: { targetGroupArn: tg.arn, containerName: "grafana", containerPort: PORTS.grafana },
                healthCheckGracePeriodSeconds: 60,
                dependsOn: [listener],
                secretArns: [adminSecretArn],
                volumes: [{ name: "data" }, { name: "tmp" }],
                containers: [
                    {
                        name: "grafana",
                        image: partImage(this, ctx, "grafana"),
                        user: "472:0",
                        portMappings: [{ containerPort: PORTS.grafana, name: "http" }],
                        environment: [
                            { name: "GF_SERVER_ROOT_URL", value: root },
                            // Reachable from the internet (allowedCidrs may be 0.0.0.0/0): the login is the guard.
                            { name: "GF_AUTH_ANONYMOUS_ENABLED", value: "false" },
                            { name: "GF_AUTH_DISABLE_LOGIN_FORM", value: "false" },
                            { name: "GF_USERS_ALLOW_SIGN_UP", value: "false" },
                            // Locks a user out after 5 failed logins in 5 minutes (Grafana's default, stated so it stays on).
                            { name: "GF_SECURITY_DISABLE_BRUTE_FORCE_LOGIN_PROTECTION", value: "false" },
                            { name: "GF_SECURITY_ADMIN_USER", value: GRAFANA_ADMIN_USER },
                            { name: "GF_SECURITY_COOKIE_SECURE", value: String(https) },
                            { name: "GF_ANALYTICS_REPORTING_ENABLED", value: "false" },
                            { name: "GF_ANALYTICS_CHECK_FOR_UPDATES", value: "false" },
                            { name: "GF_PATHS_DATA", value: "/var/lib/grafana" },
                            // Logs to stdout (awslogs) only: the default "console file" also writes
                            // /var/log/grafana, which is on the read-only root filesystem.
                            { name: "GF_LOG_MODE", value: "console" },
                        ],
                        secrets: [{ name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: adminSecretArn }],
                        mountPoints: [
                            { sourceVolume: "data", containerPath: "/var/lib/grafana" },
                            { sourceVolume: "tmp", containerPath: "/tmp" },
                        ],
                    },
                ],
            },
            { parent: this, formerParent: ctx.layer },
        );

        this.url = root;
        this.loadBalancerArnSuffix = alb.arnSuffix;
        this.securityGroupId = sg.id;
        this.adminSecretArn = adminSecret.arn;
        this.registerOutputs({ url: this.url, securityGroupId: this.securityGroupId });
    }
}
