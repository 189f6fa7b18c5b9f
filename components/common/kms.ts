import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface PlatformKeyArgs {
    /** Alias suffix shown in the console: `alias/<aliasName>`. */
    readonly aliasName: string;
    readonly region: string;
    /**
     * Service-linked roles of EC2 Auto Scaling that launch instances with volumes encrypted by this
     * key. Each must exist before the key (KMS rejects a policy naming a missing principal); passing
     * the role's ARN output makes the key wait for it. @default none
     */
    readonly autoScalingServiceRoleArns?: readonly pulumi.Input<string>[];
}

/** Actions EC2 Auto Scaling's service-linked role needs on a customer-managed key for encrypted EBS. */
export const AUTOSCALING_KEY_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"] as const;

/**
 * The stack's customer-managed KMS key for data at rest: log groups, SNS topics, secrets, EFS, RDS,
 * ElastiCache, ECR. The key policy grants the AWS services that call KMS under their own principal:
 * CloudWatch Logs (scoped to this account's log groups) and CloudWatch alarms publishing to
 * encrypted SNS topics; without the latter, alarms fail to publish silently. EC2 Auto Scaling's
 * service-linked role gets the two statements its guide requires (use, and grants for AWS resources),
 * or instances with encrypted volumes fail to launch:
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
 * Other services use the key on behalf of IAM principals of this account (the root statement
 * delegates to IAM). `policy/keys.ts` checks every such user against the policy.
 */
export function platformKey(
    name: string,
    args: PlatformKeyArgs,
    parent?: pulumi.Resource,
    resourceOpts: pulumi.CustomResourceOptions = {},
): { key: aws.kms.Key; alias: aws.kms.Alias } {
    const identity = aws.getCallerIdentityOutput({}, { parent, provider: resourceOpts.provider });
    const asgRoles = pulumi.all([...(args.autoScalingServiceRoleArns ?? [])]);
    const policy = pulumi.all([identity.accountId, asgRoles]).apply(([account, asgRoleArns]) =>
        JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
                {
                    Sid: "CloudWatchLogsEncrypt",
                    Effect: "Allow",
                    Principal: { Service: `logs.${args.region}.amazonaws.com` },
                    Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                    Resource: "*",
                    Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${args.region}:${account}:log-group:*` } },
                },
                {
                    Sid: "CloudWatchAlarmsPublishToEncryptedTopics",
                    Effect: "Allow",
                    Principal: { Service: "cloudwatch.amazonaws.com" },
                    Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                    Resource: "*",
                    Condition: { StringEquals: { "aws:SourceAccount": account } },
                },
                ...(asgRoleArns.length > 0
                    ? [
                          {
                              Sid: "AutoScalingUsesKeyForEncryptedVolumes",
                              Effect: "Allow",
                              Principal: { AWS: asgRoleArns },
                              Action: [...AUTOSCALING_KEY_ACTIONS],
                              Resource: "*",
                          },
                          {
                              Sid: "AutoScalingAttachesPersistentResources",
                              Effect: "Allow",
                              Principal: { AWS: asgRoleArns },
                              Action: "kms:CreateGrant",
                              Resource: "*",
                              Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
                          },
                      ]
                    : []),
            ],
        }),
    );
    const opts = { ...resourceOpts, ...(parent ? { parent } : {}) };
    const key = new aws.kms.Key(
        name,
        {
            description: `Koronet ${args.aliasName}: data at rest (logs, topics, secrets, storage)`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy,
        },
        opts,
    );
    const alias = new aws.kms.Alias(`${name}-alias`, { name: `alias/${args.aliasName}`, targetKeyId: key.keyId }, opts);
    return { key, alias };
}
