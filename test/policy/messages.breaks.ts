/** Broken graphs for the rules of policy/messages.ts: one case per rule id (run by rules.test.ts). */
import { editContainers, mutate, type Breaks } from "./mutate";

const TD = "aws:ecs/taskDefinition:TaskDefinition";

export const MESSAGE_BREAKS: Breaks = {
    // The ECS task events' log group without the resource policy EventBridge writes through.
    "eventbridge-logs-target-has-resource-policy": {
        stack: "dev",
        breakIt: (r) => {
            const resources = structuredClone(r).filter((x) => x.type !== "aws:cloudwatch/logResourcePolicy:LogResourcePolicy") as typeof r;
            const target = resources.find((x) => x.type === "aws:cloudwatch/eventTarget:EventTarget" && x.name === "alerting-task-events-to-logs")!;
            return { resources: [...resources], target: `${target.type}::${target.name}` };
        },
    },
    // Today's defect: the notifier's subscription to the critical topic filters on an attribute
    // CloudWatch alarm notifications never carry.
    "sns-subscription-accepts-its-messages": {
        stack: "dev",
        breakIt: (r) =>
            mutate(
                r,
                "aws:sns/topicSubscription:TopicSubscription",
                (i) => {
                    i.filterPolicy = JSON.stringify({ source: [{ exists: false }] });
                },
                "alerting-notifier-critical",
            ),
    },
    // Alertmanager's email messages published to the critical alarm topic: its Lambdas would get text they cannot read.
    "sns-topic-one-message-kind": {
        stack: "dev",
        breakIt: (r) => {
            const { resources } = mutate(
                r,
                TD,
                (i) =>
                    editContainers(i, (c) => {
                        const env = c[0]!.environment as { name: string; value: string }[];
                        const config = env.find((e) => e.name === "ALERTMANAGER_CONFIG")!;
                        config.value = config.value.replaceAll("koronet-dev-alerting-email-critical", "koronet-dev-alerting-critical");
                    }),
                "alerting-alertmanager-task",
            );
            const topic = resources.find((x) => x.type === "aws:sns/topic:Topic" && x.name === "alerting-critical")!;
            return { resources, target: `${topic.type}::${topic.name}` };
        },
    },
};
