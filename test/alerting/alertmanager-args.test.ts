import { strict as assert } from "node:assert";
import type * as pulumi from "@pulumi/pulumi";
import { validateAlertmanagerArgs } from "../../components/alerting/alertmanager";

type Args = Parameters<typeof validateAlertmanagerArgs>[0];

const placement: Args["placement"] = {
    clusterArn: "arn:aws:ecs:eu-west-1:111111111111:cluster/koronet-dev",
    // The validation reads only the Cloud Map fields: no resource behind this one.
    capacityProviders: {} as pulumi.Resource,
    region: "eu-west-1",
    privateSubnetIds: ["subnet-1"],
    kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/k",
    logRetentionDays: 30,
    namespaceId: "ns-1",
    namespaceName: "dev.koronet.internal",
};
const notifier = { url: "https://notifier.example/", tokenSecretArn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:t" };
const valid: Args = { placement, notifier };

describe("Alertmanager args: every contradiction rejected before any resource, naming the argument", () => {
    it("accepts the notifier carrying Slack, PagerDuty and the heartbeat", () => {
        assert.deepEqual(validateAlertmanagerArgs({ ...valid, pagerdutyViaNotifier: true, replicas: 2 }), []);
    });

    const cases: readonly (readonly [string, Args, string])[] = [
        ["no heartbeat carrier", { placement }, "exactly one of `notifier` and `heartbeatTopicArn` carries the Watchdog heartbeat"],
        [
            "two heartbeat carriers",
            { ...valid, heartbeatTopicArn: "arn:aws:sns:eu-west-1:111111111111:hb" },
            "exactly one of `notifier` and `heartbeatTopicArn` carries the Watchdog heartbeat",
        ],
        [
            "Slack through both the notifier and Chatbot",
            { ...valid, chatbotTopicArns: { critical: "arn:c", warning: "arn:w" } },
            "`notifier` and `chatbotTopicArns` are exclusive: Slack goes through one of them",
        ],
        [
            "PagerDuty through a notifier that is not there",
            { placement, heartbeatTopicArn: "arn:hb", pagerdutyViaNotifier: true },
            "`pagerdutyViaNotifier` needs `notifier`: PagerDuty goes through the notifier's URL",
        ],
        [
            "PagerDuty sent twice",
            { ...valid, pagerdutyViaNotifier: true, pagerdutyRoutingKeySecretArn: "arn:pd" },
            "`pagerdutyViaNotifier` and `pagerdutyRoutingKeySecretArn` are exclusive: PagerDuty is sent by the notifier or by Alertmanager, not both",
        ],
        [
            "no Cloud Map namespace",
            { ...valid, placement: { ...placement, namespaceName: undefined } },
            "`placement.namespaceId` and `placement.namespaceName` are required: Prometheus finds Alertmanager through Cloud Map",
        ],
        ["half a replica", { ...valid, replicas: 1.5 }, "`replicas` must be a whole number ≥ 1, got 1.5"],
        ["no replica", { ...valid, replicas: 0 }, "`replicas` must be a whole number ≥ 1, got 0"],
    ];
    for (const [what, args, message] of cases) it(`rejects ${what}`, () => assert.deepEqual(validateAlertmanagerArgs(args), [message]));
});
