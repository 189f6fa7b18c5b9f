/** Broken graphs for the rules of policy/order.ts: one case per rule id (run by rules.test.ts). */
import type { PolicyResource } from "../../policy/model";
import type { Breaks, BrokenGraph, Resources } from "./mutate";

const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;

/**
 * A copy of `resources` in which `from` (type, name; or several) no longer wait for the resources
 * `drop` selects; `target` is the resource the rule must then report (default: the first of `from`).
 */
function dropWait(
    resources: readonly PolicyResource[],
    from: [string, string] | [string, string][],
    drop: (dep: PolicyResource) => boolean,
    target?: [string, string],
): BrokenGraph {
    const copy = structuredClone(resources) as Resources;
    const byKey = new Map(copy.map((r) => [key(r), r]));
    const subjects = (Array.isArray(from[0]) ? from : [from]) as [string, string][];
    for (const [type, name] of subjects) {
        const subject = copy.find((r) => r.type === type && r.name === name);
        if (!subject?.dependsOn) throw new Error(`no ${type} ${name} with dependsOn to break`);
        const kept = subject.dependsOn.filter((d) => {
            const dep = byKey.get(d);
            return dep === undefined || !drop(dep);
        });
        if (kept.length === subject.dependsOn.length) throw new Error(`${type} ${name} waits for nothing the break drops`);
        (subject as { dependsOn: readonly string[] }).dependsOn = kept;
    }
    const [type, name] = target ?? subjects[0] ?? ["", ""];
    return { resources: copy, target: `${type}::${name}` };
}

/** A copy of `resources` without the resource `type` `name` (what waited for it now names nothing in the graph). */
export function without(resources: readonly PolicyResource[], type: string, name: string, target: [string, string]): BrokenGraph {
    const copy = (structuredClone(resources) as Resources).filter((r) => !(r.type === type && r.name === name));
    if (copy.length !== resources.length - 1) throw new Error(`no ${type} ${name} to remove`);
    return { resources: copy, target: `${target[0]}::${target[1]}` };
}

const SERVICE = "aws:ecs/service:Service";
const TD = "aws:ecs/taskDefinition:TaskDefinition";
const ROLE = "aws:iam/role:Role";

export const ORDER_BREAKS: Breaks = {
    // Defect 3 as it was: the web service created without waiting for the association.
    "ecs-service-waits-for-capacity-providers": {
        stack: "dev",
        breakIt: (r) => dropWait(r, [SERVICE, "web-svc"], (d) => d.type === "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"),
    },
    "ecs-service-waits-for-listener": { stack: "dev", breakIt: (r) => dropWait(r, [SERVICE, "web-svc"], (d) => d.type === "aws:lb/listener:Listener") },
    // Defect 14 as it was, for one of the two mount targets.
    "ecs-service-waits-for-efs-mount-targets": { stack: "dev", breakIt: (r) => dropWait(r, [SERVICE, "data-postgres-svc"], (d) => d.name === "data-pgdata-1") },
    "sns-lambda-subscription-waits-for-permission": {
        stack: "dev",
        breakIt: (r) =>
            dropWait(r, ["aws:sns/topicSubscription:TopicSubscription", "alerting-notifier-critical"], (d) => d.type === "aws:lambda/permission:Permission"),
    },
    "composite-alarm-waits-for-its-alarms": {
        stack: "dev",
        breakIt: (r) =>
            dropWait(
                r,
                ["aws:cloudwatch/compositeAlarm:CompositeAlarm", "alerting-HighErrorRate-notify"],
                (d) => d.inputs.name === "koronet-dev-HighErrorRate",
            ),
    },
    // Grafana's admin password secret created empty, as the external secrets are.
    "ecs-service-secrets-have-values": {
        stack: "dev",
        breakIt: (r) => without(r, "aws:secretsmanager/secretVersion:SecretVersion", "monitoring-grafana-admin-version", [SERVICE, "monitoring-grafana-svc"]),
    },
    // The function (and its role's policy, which names the group's ARN) no longer wait for the group.
    "lambda-waits-for-its-log-group": {
        stack: "dev",
        breakIt: (r) =>
            dropWait(
                r,
                [
                    ["aws:lambda/function:Function", "alerting-notifier"],
                    [ROLE, "alerting-notifier-role"],
                ],
                (d) => d.type === "aws:cloudwatch/logGroup:LogGroup",
            ),
    },
    "ecs-service-waits-for-log-groups": {
        stack: "dev",
        breakIt: (r) =>
            dropWait(
                r,
                [
                    [TD, "web-task"],
                    [ROLE, "web-execution"],
                ],
                (d) => d.name === "web-logs",
                [SERVICE, "web-svc"],
            ),
    },
    // No stack adds listener rules today: a rule on the web listener that does not wait for it.
    "listener-rule-waits-for-listener": {
        stack: "dev",
        breakIt: (r) => {
            const listener = r.find((x) => x.type === "aws:lb/listener:Listener" && x.name === "web-http");
            if (!listener) throw new Error("no web-http listener");
            const rule: PolicyResource = {
                type: "aws:lb/listenerRule:ListenerRule",
                name: "early-rule",
                inputs: { listenerArn: `arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/${listener.name}`, priority: 5 },
                dependsOn: [],
            };
            return { resources: [...(structuredClone(r) as Resources), rule], target: `${rule.type}::${rule.name}` };
        },
    },
    "scaling-policy-waits-for-scalable-target": {
        stack: "dev",
        breakIt: (r) => dropWait(r, ["aws:appautoscaling/policy:Policy", "web-cpu-target"], (d) => d.type === "aws:appautoscaling/target:Target"),
    },
    // The order before this issue: the web service created first, its 5xx alarm after it.
    // The heartbeat alarm as it was: created at the start of a first deploy, before Alertmanager runs.
    "heartbeat-alarm-waits-for-its-senders": {
        stack: "prod",
        breakIt: (r) =>
            dropWait(
                r,
                ["aws:cloudwatch/metricAlarm:MetricAlarm", "alerting-watchdog-heartbeat"],
                (d) => d.type === SERVICE && d.name === "alerting-alertmanager-svc",
            ),
    },
    "ecs-service-waits-for-deployment-alarms": {
        stack: "prod",
        breakIt: (r) =>
            dropWait(r, [SERVICE, "web-svc"], (d) => d.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && d.inputs.name === "koronet-prod-HighErrorRate"),
    },
};
