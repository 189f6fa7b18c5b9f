/**
 * The AWS SDK v3 clients `verify` and `drill` use, one per service, for one region. Injected, so
 * tests and the end-to-end run hand in mocked clients (aws-sdk-client-mock) instead.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECSClient } from "@aws-sdk/client-ecs";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";

export interface AwsClients {
    readonly ecs: ECSClient;
    readonly cloudwatch: CloudWatchClient;
    readonly sqs: SQSClient;
    readonly lambda: LambdaClient;
    readonly secrets: SecretsManagerClient;
    readonly dynamodb: DynamoDBClient;
    readonly sns: SNSClient;
}

/**
 * Clients for `region`: with the default credential chain (AWS_PROFILE, environment, OIDC role), or
 * the credentials given (the end-to-end run's fake account, whose clients are mocked).
 */
export function awsClients(region: string, credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string }): AwsClients {
    const cfg = { region, maxAttempts: 4, ...(credentials !== undefined ? { credentials } : {}) };
    return {
        ecs: new ECSClient(cfg),
        cloudwatch: new CloudWatchClient(cfg),
        sqs: new SQSClient(cfg),
        lambda: new LambdaClient(cfg),
        secrets: new SecretsManagerClient(cfg),
        dynamodb: new DynamoDBClient(cfg),
        sns: new SNSClient(cfg),
    };
}
