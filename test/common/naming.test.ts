/**
 * One naming module builds every alerting physical name (components/common/naming.ts). `config/`
 * may not import from `components/` (one-way imports, issue 16), so config/aws/names.ts states the
 * longest name of each kind on its own, to check stack names against AWS limits before any resource
 * exists; this test holds the two equal, so a name changed in one place fails here until the other
 * follows.
 */
import { strict as assert } from "node:assert";
import { NAME_RULES } from "../../config/aws/names";
import { alertingNames, physicalName } from "../../components/common/naming";

/** The longest alerting name of each kind, as the naming module builds it. */
const BUILT: Readonly<Record<string, (project: string, stack: string) => string>> = {
    "Lambda function name": (p, s) => alertingNames(physicalName({ project: p, stack: s })).function("pagerduty"),
    "SQS queue name": (p, s) => alertingNames(physicalName({ project: p, stack: s })).failedNotificationsQueue,
    "SNS topic name": (p, s) => alertingNames(physicalName({ project: p, stack: s })).topic("email-critical"),
    "DynamoDB table name": (p, s) => alertingNames(physicalName({ project: p, stack: s })).deliveryTable,
    "Secrets Manager secret name": (p, s) => alertingNames(physicalName({ project: p, stack: s })).secret("pagerduty-routing-key"),
    "CloudWatch Logs log group name": (p, s) => alertingNames(physicalName({ project: p, stack: s })).functionLogGroup("pagerduty"),
};

describe("naming: config/aws/names.ts states the alerting names the naming module builds", () => {
    for (const [what, built] of Object.entries(BUILT)) {
        it(`${what}: the longest name config checks is the one built`, () => {
            const rule = NAME_RULES.find((r) => r.what === what);
            assert.ok(rule, `config/aws/names.ts has no rule for ${what}`);
            for (const [p, s] of [
                ["koronet", "prod"],
                ["acme", "a-long-stack-name"],
            ] as const)
                assert.equal(rule.longest(p, s), built(p, s));
        });
    }

    it("every rule naming an alerting resource is held equal above", () => {
        const alerting = NAME_RULES.filter((r) => r.longest("p", "s").includes("alerting")).map((r) => r.what);
        assert.deepEqual(
            alerting.filter((w) => !(w in BUILT)),
            [],
        );
    });

    it("builds the names the alerting pipeline was deployed with", () => {
        const n = alertingNames(physicalName({ project: "koronet", stack: "prod" }));
        assert.equal(n.topic("critical"), "koronet-prod-alerting-critical");
        assert.equal(n.topicArn("heartbeat", "eu-west-1", "123456789012"), "arn:aws:sns:eu-west-1:123456789012:koronet-prod-alerting-heartbeat");
        assert.equal(n.catalogAlarm("KoronetDown"), "koronet-prod-KoronetDown");
        assert.equal(n.pipelineAlarm("watchdog-heartbeat"), "koronet-prod-alerting-watchdog-heartbeat");
        assert.equal(n.drillAlarm("warning"), "koronet-prod-alerting-DRILL-warning");
        assert.equal(n.everyAlarm, "koronet-prod-*");
        assert.equal(n.function("notifier"), "koronet-prod-alerting-notifier");
        assert.equal(n.functionLogGroup("notifier"), "/aws/lambda/koronet-prod-alerting-notifier");
        assert.equal(n.failedNotificationsQueue, "koronet-prod-alerting-failed-notifications");
        assert.equal(n.deliveryTable, "koronet-prod-alerting-notifier-dedupe");
        assert.equal(n.secret("slack-webhook"), "koronet-prod/alerting/slack-webhook");
        assert.equal(n.chatbotConfiguration, "koronet-prod-alerts");
        assert.equal(n.taskEventsLogGroup, "/aws/events/koronet-prod/ecs-tasks");
        assert.equal(n.taskEventsFilter("restarted"), "koronet-prod-restarted-tasks");
    });
});
