import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assumeRolePolicy } from "../common";
import { kindNamed } from "../common/kind-names";

export interface ClusterArgs {
    readonly vpcId: pulumi.Input<string>;
    readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** ECS Container Insights mode. */
    readonly containerInsights: "enhanced" | "enabled" | "disabled";
    /** EC2 capacity for DAEMON services (node exporter, cAdvisor) and Prometheus. */
    readonly ec2: { readonly instanceType: string; readonly minSize: number; readonly maxSize: number; readonly rootVolumeGiB: number };
    /** Private DNS namespace for Cloud Map service discovery, e.g. `dev.koronet.internal`. */
    readonly namespace: string;
    /** KMS key encrypting instance volumes. Its policy must let `autoScalingServiceRoleArn` use it (`platformKey` does). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /**
     * The EC2 Auto Scaling service-linked role the instance group launches with
     * (`autoScalingServiceLinkedRole`): the principal that creates the encrypted volumes.
     */
    readonly autoScalingServiceRoleArn: pulumi.Input<string>;
}

/** EC2 Auto Scaling's service principal; its service-linked roles live under this path. */
const AUTOSCALING_SERVICE = "autoscaling.amazonaws.com";

/**
 * A service-linked role for EC2 Auto Scaling with a custom suffix
 * (`AWSServiceRoleForAutoScaling_<suffix>`), for the stack's instance group to launch with.
 *
 * Why not the account's default `AWSServiceRoleForAutoScaling`: EC2 Auto Scaling launches encrypted
 * volumes as its service-linked role, which can use a customer-managed key only when the key policy
 * (or a grant) names it, and KMS rejects a key policy whose principal does not exist yet
 * (MalformedPolicyDocumentException). The default role is created by Auto Scaling on first use, so
 * in a fresh account it does not exist when the key is created, while creating it ourselves fails
 * in an account where it already exists. A suffixed role is ours: created here, named by the key
 * policy after it exists (the policy takes its ARN as an input), used by the group through
 * `serviceLinkedRoleArn`. Same permissions as the default role.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
 */
export function autoScalingServiceLinkedRole(name: string, suffix: string, opts: pulumi.CustomResourceOptions = {}): aws.iam.ServiceLinkedRole {
    // IAM role names end at 64 characters; the service prefix `AWSServiceRoleForAutoScaling_` takes 29.
    if (!/^[\w+=,.@-]{1,35}$/.test(suffix))
        throw new Error(`autoScalingServiceLinkedRole: \`suffix\` "${suffix}" must be 1-35 of [A-Za-z0-9_+=,.@-] (the role name is at most 64 characters)`);
    return new aws.iam.ServiceLinkedRole(
        name,
        {
            awsServiceName: AUTOSCALING_SERVICE,
            customSuffix: suffix,
            description: `EC2 Auto Scaling for ${suffix}: launches the ECS container instances with volumes encrypted by the stack's key`,
        },
        opts,
    );
}

/** The ECS-optimized Amazon Linux 2023 AMI, resolved by EC2 at launch (no AMI IDs kept in code). */
const ECS_OPTIMIZED_AMI = "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id";

/**
 * ECS cluster with Container Insights, Fargate (the default for tasks) and an EC2 capacity provider
 * (an Auto Scaling group of ECS-optimized instances) for what Fargate cannot run: DAEMON services
 * that read the host. Also owns the Cloud Map namespace tasks register into.
 */
export class Cluster extends pulumi.ComponentResource {
    public readonly clusterName: pulumi.Output<string>;
    public readonly clusterArn: pulumi.Output<string>;
    public readonly ec2CapacityProviderName: pulumi.Output<string>;
    /** Security group of the container instances; host-network daemons listen behind it. */
    public readonly instanceSecurityGroupId: pulumi.Output<string>;
    public readonly namespaceId: pulumi.Output<string>;
    /** ARN of the Cloud Map namespace (IAM: `servicediscovery:DiscoverInstances` names it). */
    public readonly namespaceArn: pulumi.Output<string>;
    public readonly namespaceName: string;
    public readonly autoScalingGroupName: pulumi.Output<string>;
    /**
     * The cluster's capacity-provider association (FARGATE, FARGATE_SPOT, the EC2 provider, the
     * default strategy). A service with a capacity provider strategy must wait for it: CreateService
     * fails for a provider not yet associated with the cluster.
     */
    public readonly capacityProviders: aws.ecs.ClusterCapacityProviders;

    constructor(name: string, args: ClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:cluster:Cluster", name, {}, opts);
        const parent = { parent: this };

        const cluster = new aws.ecs.Cluster(
            `${name}-ecs`,
            {
                settings: [{ name: "containerInsights", value: args.containerInsights }],
            },
            parent,
        );

        const instanceSgName = kindNamed(`${name}-instances`, "securityGroup", parent);
        const instanceSg = new aws.ec2.SecurityGroup(
            instanceSgName.name,
            {
                vpcId: args.vpcId,
                description: "ECS container instances (host-level daemons); ingress only from Prometheus, added by the monitoring layer",
                egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "ECS agent, image pulls, CloudWatch" }],
            },
            instanceSgName.opts,
        );

        const roleName = kindNamed(`${name}-instance`, "role", parent);
        const role = new aws.iam.Role(roleName.name, { assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com") }, roleName.opts);
        for (const [key, policyArn] of Object.entries({
            ecs: "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
            ssm: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        })) {
            new aws.iam.RolePolicyAttachment(`${name}-instance-${key}`, { role: role.name, policyArn }, parent);
        }
        const profile = new aws.iam.InstanceProfile(`${name}-instance`, { role: role.name }, parent);

        const userData = cluster.name.apply((clusterName) =>
            Buffer.from(
                [
                    "#!/bin/bash",
                    `echo ECS_CLUSTER=${clusterName} >> /etc/ecs/ecs.config`,
                    // Tasks in awsvpc mode must not reach the instance role's credentials.
                    "echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config",
                    "echo ECS_ENABLE_CONTAINER_METADATA=true >> /etc/ecs/ecs.config",
                ].join("\n"),
            ).toString("base64"),
        );

        const launchTemplateName = kindNamed(`${name}-instances`, "launchTemplate", parent);
        const launchTemplate = new aws.ec2.LaunchTemplate(
            launchTemplateName.name,
            {
                imageId: ECS_OPTIMIZED_AMI,
                instanceType: args.ec2.instanceType,
                iamInstanceProfile: { arn: profile.arn },
                vpcSecurityGroupIds: [instanceSg.id],
                userData,
                metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
                monitoring: { enabled: true },
                blockDeviceMappings: [
                    {
                        deviceName: "/dev/xvda",
                        ebs: {
                            volumeSize: args.ec2.rootVolumeGiB,
                            volumeType: "gp3",
                            encrypted: "true",
                            kmsKeyId: args.kmsKeyArn,
                            deleteOnTermination: "true",
                        },
                    },
                ],
                tagSpecifications: [{ resourceType: "instance", tags: { Name: `${name}-ecs-instance` } }],
            },
            launchTemplateName.opts,
        );

        const asg = new aws.autoscaling.Group(
            `${name}-instances`,
            {
                vpcZoneIdentifiers: args.privateSubnetIds,
                minSize: args.ec2.minSize,
                maxSize: args.ec2.maxSize,
                launchTemplate: { id: launchTemplate.id, version: "$Latest" },
                // Managed termination protection needs scale-in protection on the group.
                protectFromScaleIn: true,
                healthCheckType: "EC2",
                // The role that creates the instances' encrypted volumes; the key policy names it.
                serviceLinkedRoleArn: args.autoScalingServiceRoleArn,
                tags: [{ key: "AmazonECSManaged", value: "true", propagateAtLaunch: true }],
            },
            { parent: this, ignoreChanges: ["desiredCapacity"] },
        );

        const capacityProvider = new aws.ecs.CapacityProvider(
            `${name}-ec2`,
            {
                autoScalingGroupProvider: {
                    autoScalingGroupArn: asg.arn,
                    managedTerminationProtection: "ENABLED",
                    managedDraining: "ENABLED",
                    managedScaling: { status: "ENABLED", targetCapacity: 100, minimumScalingStepSize: 1, maximumScalingStepSize: 2 },
                },
            },
            parent,
        );

        this.capacityProviders = new aws.ecs.ClusterCapacityProviders(
            `${name}-capacity`,
            {
                clusterName: cluster.name,
                capacityProviders: ["FARGATE", "FARGATE_SPOT", capacityProvider.name],
                defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }],
            },
            parent,
        );

        const namespace = new aws.servicediscovery.PrivateDnsNamespace(
            `${name}-ns`,
            {
                name: args.namespace,
                vpc: args.vpcId,
                description: "Service discovery for the Koronet cluster (Prometheus finds its targets here)",
            },
            parent,
        );

        this.clusterName = cluster.name;
        this.clusterArn = cluster.arn;
        this.ec2CapacityProviderName = capacityProvider.name;
        this.instanceSecurityGroupId = instanceSg.id;
        this.namespaceId = namespace.id;
        this.namespaceArn = namespace.arn;
        this.namespaceName = args.namespace;
        this.autoScalingGroupName = asg.name;
        this.registerOutputs({
            clusterName: this.clusterName,
            clusterArn: this.clusterArn,
            ec2CapacityProviderName: this.ec2CapacityProviderName,
            instanceSecurityGroupId: this.instanceSecurityGroupId,
            namespaceId: this.namespaceId,
            namespaceArn: this.namespaceArn,
            autoScalingGroupName: this.autoScalingGroupName,
            capacityProviders: this.capacityProviders,
        });
    }
}
