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

/** Real clients for `region`, with the default credential chain (AWS_PROFILE, environment, OIDC role). */
export function awsClients(region: string): AwsClients {
    const cfg = { region, maxAttempts: 4 };
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
