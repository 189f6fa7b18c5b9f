import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface PlatformKeyArgs {
    /** Alias suffix shown in the console: `alias/<aliasName>`. */
    readonly aliasName: string;
    readonly region: string;
}

/**
 * The stack's customer-managed KMS key for data at rest: log groups, SNS topics, secrets, EFS, RDS,
 * ElastiCache, ECR. The key policy grants the AWS services that call KMS under their own principal:
 * CloudWatch Logs (scoped to this account's log groups) and CloudWatch alarms publishing to
 * encrypted SNS topics; without the latter, alarms fail to publish silently. Other services use the
 * key on behalf of IAM principals of this account (the root statement delegates to IAM).
 */
export function platformKey(name: string, args: PlatformKeyArgs, parent?: pulumi.Resource, resourceOpts: pulumi.CustomResourceOptions = {}): { key: aws.kms.Key; alias: aws.kms.Alias } {
    const identity = aws.getCallerIdentityOutput({}, { parent, provider: resourceOpts.provider });
    const policy = identity.accountId.apply((account) =>
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
            ],
        }),
    );
    const opts = { ...resourceOpts, ...(parent ? { parent } : {}) };
    const key = new aws.kms.Key(name, {
        description: `Koronet ${args.aliasName}: data at rest (logs, topics, secrets, storage)`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy,
    }, opts);
    const alias = new aws.kms.Alias(`${name}-alias`, { name: `alias/${args.aliasName}`, targetKeyId: key.keyId }, opts);
    return { key, alias };
}
