/**
 * The PagerDuty forwarder (`koronet:alerting.notifications.pagerduty.enabled`): a Lambda on the
 * critical and pipeline topics that opens and resolves PagerDuty incidents (Events API v2) with the
 * routing key from Secrets Manager, which Alertmanager's task reads too. A component, so that
 * turning PagerDuty off removes one node of the plan and everything it owns.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PAGERDUTY_ENV } from "../../functions/src/contract";
import { bundleFunction } from "../common/lambda";
import { notificationFunction, partSecret, subscribeFunction, type DeliveryStore, type SecretSource } from "./notification-lambda";
import { AlertingPart, type PartContext } from "./part";

export interface PagerDutyForwarderArgs extends PartContext {
    /** Where the routing (integration) key comes from. */
    readonly routingKey: SecretSource;
    /** The topics that page: `critical` and `pipeline`. */
    readonly topicArns: { readonly critical: pulumi.Output<string>; readonly pipeline: pulumi.Output<string> };
    readonly store: DeliveryStore;
    readonly logRetentionDays: number;
}

export class PagerDutyForwarder extends AlertingPart {
    public readonly functionName: pulumi.Output<string>;
    public readonly routingKeySecretArn: pulumi.Output<string>;
    /** The key's version: Alertmanager's task injects it and starts only once it has a value. */
    public readonly routingKeySecretVersion: aws.secretsmanager.SecretVersion;
    public readonly logGroupName: pulumi.Output<string>;
    /** Secrets operators must fill (`external` routing key). */
    public readonly secretsToFill: Record<string, pulumi.Output<string>> = {};

    constructor(name: string, args: PagerDutyForwarderArgs, opts: pulumi.ComponentResourceOptions & { readonly parent: pulumi.Resource }) {
        super("koronet:alerting:PagerDutyForwarder", name, opts);
        const key = partSecret(this, args, "pagerduty-routing-key", "PagerDuty Events API v2 routing (integration) key", args.routingKey);
        if (key.toFill !== undefined) this.secretsToFill["pagerduty-routing-key"] = key.toFill;
        const { fn, logGroupName } = notificationFunction(this, args, {
            key: "pagerduty",
            code: bundleFunction("pagerduty"),
            timeout: 60,
            logRetentionDays: args.logRetentionDays,
            failedQueueArn: args.store.failedQueue.arn,
            env: {
                [PAGERDUTY_ENV.routingKeySecretArn]: key.secret.arn,
                [PAGERDUTY_ENV.deliveryTable]: args.store.table.name,
            },
            statements: [
                { Sid: "ReadRoutingKey", Action: "secretsmanager:GetSecretValue", Resource: key.secret.arn },
                { Sid: "DeliveryRecords", Action: "dynamodb:PutItem", Resource: args.store.table.arn },
            ],
        });
        subscribeFunction(this, args, "pagerduty", fn, { critical: args.topicArns.critical, pipeline: args.topicArns.pipeline });
        this.functionName = fn.name;
        this.routingKeySecretArn = key.secret.arn;
        this.routingKeySecretVersion = key.version;
        this.logGroupName = logGroupName;
        this.registerOutputs({ functionName: this.functionName, logGroupName: this.logGroupName, secretsToFill: this.secretsToFill });
    }
}
