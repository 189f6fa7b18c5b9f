/** Broken graphs for the rules of policy/keys.ts: one case per rule id (run by rules.test.ts). */
import type { PolicyResource } from "../../policy/rules";
import { mutate, withResource, type Breaks, type Resources } from "./mutate";

const KEY = "aws:kms/key:Key";

/** A copy of the graph whose platform key policy lacks the statement `sid`. */
export function withoutStatement(resources: readonly PolicyResource[], sid: string): Resources {
    return mutate(
        resources,
        KEY,
        (i) => {
            const doc = JSON.parse(String(i.policy)) as { Statement: { Sid?: string }[] };
            const kept = doc.Statement.filter((s) => s.Sid !== sid);
            if (kept.length === doc.Statement.length) throw new Error(`the key policy has no statement ${sid}`);
            i.policy = JSON.stringify({ ...doc, Statement: kept });
        },
        "platform-key",
    ).resources;
}

const breakBy = (sid: string, target: string) => (r: readonly PolicyResource[]) => ({ resources: withoutStatement(r, sid), target });

export const KEY_BREAKS: Breaks = {
    "kms-logs-principal": { stack: "dev", breakIt: breakBy("CloudWatchLogsEncrypt", "aws:cloudwatch/logGroup:LogGroup::web-logs") },
    "kms-alarm-topics-principal": { stack: "prod", breakIt: breakBy("CloudWatchAlarmsPublishToEncryptedTopics", "aws:sns/topic:Topic::alerting-critical") },
    // Today's defect 2: the key policy does not name Auto Scaling's service-linked role.
    "kms-autoscaling-service-role": {
        stack: "dev",
        breakIt: (r) => ({
            resources: withoutStatement(withoutStatement(r, "AutoScalingUsesKeyForEncryptedVolumes"), "AutoScalingAttachesPersistentResources"),
            target: "aws:autoscaling/group:Group::cluster-instances",
        }),
    },
    // No EventBridge rule targets a topic today: one that does finds the key closed to events.amazonaws.com.
    "kms-service-publishers": {
        stack: "dev",
        breakIt: (r) =>
            withResource(r, {
                type: "aws:cloudwatch/eventTarget:EventTarget",
                name: "task-stopped-to-critical",
                inputs: { rule: "task-stopped", arn: "arn:aws:sns:eu-west-1:123456789012:koronet-dev-alerting-critical" },
            }),
    },
    "kms-account-delegation": { stack: "prod", breakIt: breakBy("AccountAdministers", `${KEY}::platform-key`) },
};
