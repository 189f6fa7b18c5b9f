/**
 * `npm run drill` against mocked AWS SDK clients (the prod stack's plan: e2e/stand-ins/aws.ts) and a
 * stubbed Alertmanager: what it refuses before injecting anything, what it confirms, and how it
 * reads Alertmanager's routing. The whole path with real services runs in e2e/test/verify-drill.test.ts.
 */
import { strict as assert } from "node:assert";
import { parse, stringify } from "yaml";
import { renderStackAlertmanagerConfig } from "../../components/alerting/alertmanager/stack";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { deliveryKey } from "../../functions/src/contract";
import { parseStackConfig } from "../../config";
import { readStackConfig } from "../../scripts/offline/stack-file";
import { FakeAws } from "../../e2e/stand-ins/aws";
import { readDelivery, receiversFor, routeMatches, runDrill } from "../../ops/drill";
import type { DataSources } from "../../ops/grafana";
import { parseStackOutputs, type StackOutputs } from "../../ops/outputs";
import { stackGraph } from "../harness";

async function world(): Promise<{ outputs: StackOutputs; aws: FakeAws }> {
    const g = await stackGraph("prod");
    const outputs = parseStackOutputs(g.outputs, "the prod plan");
    const aws = FakeAws.fromStack(g.resources, outputs, { region: "eu-west-1", clusterName: outputs.clusterName, alarmReturnMs: 50 });
    return { outputs, aws };
}

/** An Alertmanager that only shows its configuration (the drill refuses before posting anything). */
const alertmanagerWith = (yaml: string): DataSources => ({
    prometheus: async () => {
        throw new Error("not expected");
    },
    alertmanager: async <T>(method: string, p: string) => {
        if (method === "GET" && p === "/api/v2/status") return { config: { original: yaml } } as T;
        throw new Error(`the drill should have refused before ${method} ${p}`);
    },
});

describe("npm run drill (mocked AWS SDK clients, the prod stack's plan)", function () {
    this.timeout(120_000);

    it("CloudWatch path: sets the warning drill alarm to ALARM, confirms Slack from the notifier's records and email from SNS figures, then the RESOLVED", async () => {
        const { outputs, aws } = await world();
        // Stand in for the notifier: when SNS hands it the alarm, it writes its delivery record.
        aws.handle(
            "lambda",
            (e) => e.endsWith(":koronet-prod-alerting-notifier"),
            async (m) => {
                const a = JSON.parse(m) as { AlarmName: string; NewStateValue: string };
                aws.items.set(deliveryKey("slack", { kind: "cloudwatch", alarmName: a.AlarmName, state: a.NewStateValue }), {
                    pk: { S: deliveryKey("slack", { kind: "cloudwatch", alarmName: a.AlarmName, state: a.NewStateValue }) },
                    channel: { S: "slack" },
                    deliveredAt: { N: String(Date.now()) },
                    subject: { S: a.AlarmName },
                });
            },
        );
        const r = await runDrill({ outputs, aws: aws.clients }, { path: "cloudwatch", timeoutSeconds: 20, pollMs: 20, id: "d-1", by: "test" });
        aws.close();
        assert.equal(r.refused, undefined);
        assert.deepEqual(
            r.steps.map((s) => [s.what, s.outcome]),
            [
                ["Slack FIRING", "delivered"],
                ["PagerDuty", "not paged"],
                ["Slack RESOLVED", "delivered"],
                ["email (SNS)", "delivered"],
            ],
        );
        assert.deepEqual(
            aws.published.map((p) => [p.alarmName, p.state]),
            [
                ["koronet-prod-alerting-DRILL-warning", "ALARM"],
                ["koronet-prod-alerting-DRILL-warning", "OK"],
            ],
        );
        assert.match(String(aws.alarms.get("koronet-prod-alerting-DRILL-warning")?.StateReason), /DRILL d-1|Threshold/);
        assert.match(r.steps[3]!.detail, /SNS counted 4 deliveries on koronet-prod-alerting-warning for 2 confirmed subscribers × 2 messages/);
    });

    it("names the email addresses that never confirmed their subscription (they get nothing)", async () => {
        const { outputs, aws } = await world();
        for (const s of aws.subscriptions) if (s.protocol === "email") s.confirmed = false;
        aws.handle(
            "lambda",
            () => true,
            async () => undefined,
        );
        const r = await runDrill(
            { outputs: { ...outputs, verification: { ...outputs.verification, deliveryTable: undefined } }, aws: aws.clients },
            { path: "cloudwatch", timeoutSeconds: 10, pollMs: 20 },
        );
        aws.close();
        const email = r.steps.find((s) => s.what === "email (SNS)");
        assert.equal(email?.outcome, "failed");
        assert.match(
            email!.detail,
            /every email subscription of koronet-prod-alerting-warning is pending confirmation; 1 address\(es\) never confirmed their subscription and get nothing: platform-team@koronet\.example/,
        );
        assert.equal(r.steps.find((s) => s.what === "Slack FIRING")?.outcome, "skipped", "no delivery records to read: says so instead of guessing");
    });

    it("refuses before injecting anything when the warning drill alarm would notify another topic, or the warning topic pages", async () => {
        const { outputs, aws } = await world();
        const alarm = aws.alarms.get("koronet-prod-alerting-DRILL-warning")!;
        alarm.AlarmActions = [...(alarm.AlarmActions ?? []), outputs.alertTopicArns["critical"]!];
        let r = await runDrill({ outputs, aws: aws.clients }, { path: "cloudwatch" });
        assert.match(
            r.refused ?? "",
            /koronet-prod-alerting-DRILL-warning would also notify arn:aws:sns:eu-west-1:123456789012:koronet-prod-alerting-critical/,
        );
        alarm.AlarmActions = [outputs.alertTopicArns["warning"]!];
        aws.subscribe({
            topicArn: outputs.alertTopicArns["warning"]!,
            protocol: "lambda",
            endpoint: "arn:aws:lambda:eu-west-1:123456789012:function:koronet-prod-alerting-pagerduty",
        });
        r = await runDrill({ outputs, aws: aws.clients }, { path: "cloudwatch" });
        assert.match(r.refused ?? "", /has the PagerDuty forwarder subscribed: a drill would page; not running without --page/);
        assert.deepEqual(aws.published, [], "nothing was injected");
        aws.close();
    });

    it("refuses the Prometheus path, before posting anything, when the running Alertmanager would route a drill without page=true to PagerDuty", async () => {
        const { outputs, aws } = await world();
        const c = parseStackConfig(readStackConfig("prod")).config;
        const deployed = parse(renderStackAlertmanagerConfig({ namePrefix: "koronet-prod", region: "eu-west-1", alerting: c.alerting })) as {
            route: { routes: unknown[] };
        };
        assert.deepEqual(
            receiversFor(deployed as Parameters<typeof receiversFor>[0], { alertname: "KoronetDrill", drill: "true", severity: "warning" }),
            ["drill"],
            "the deployed config: the drill route",
        );
        // An older or hand-edited config with a route that catches the drill first and pages.
        const paging = {
            ...deployed,
            route: { ...deployed.route, routes: [{ receiver: "critical", matchers: ['alertname=~"Koronet.*"'] }, ...deployed.route.routes] },
        };
        const r = await runDrill({ outputs, aws: aws.clients, grafana: alertmanagerWith(stringify(paging)) }, { path: "prometheus" });
        aws.close();
        assert.match(r.refused ?? "", /Alertmanager would send a drill alert without page="true" to critical, which pages: not running without --page/);
        assert.deepEqual(r.steps, []);
    });

    it("reads Alertmanager's matchers as Alertmanager does: =, !=, =~, !~ and the older match/match_re forms", () => {
        const l = { alertname: "KoronetDrill", drill: "true", severity: "warning" };
        assert.ok(routeMatches({ matchers: ['drill="true"', 'severity!="critical"'] }, l));
        assert.ok(routeMatches({ matchers: ['alertname=~"Koronet.*"'] }, l));
        assert.ok(!routeMatches({ matchers: ['alertname!~"Koronet.*"'] }, l));
        assert.ok(routeMatches({ match: { drill: "true" }, match_re: { severity: "warn.*" } }, l));
        assert.ok(!routeMatches({ matchers: ['page="true"'] }, l), "a missing label is the empty string");
        assert.deepEqual(
            receiversFor(
                {
                    route: {
                        receiver: "root",
                        routes: [
                            { receiver: "a", matchers: ['drill="true"'], continue: true },
                            { receiver: "b", matchers: ['severity="warning"'] },
                        ],
                    },
                },
                l,
            ),
            ["a", "b"],
            "continue: true goes on to the next route",
        );
    });
});

describe("npm run drill: reading a delivery record", () => {
    it("reads strongly consistent (the drill polls right after the delivery) and parses with the functions' contract", async () => {
        const client = new DynamoDBClient({ region: "eu-west-1" });
        const ddb = mockClient(client);
        const key = deliveryKey("slack", { kind: "cloudwatch", alarmName: "koronet-prod-alerting-DRILL-warning", state: "ALARM" });
        ddb.on(GetItemCommand).resolves({});
        ddb.on(GetItemCommand, { Key: { pk: { S: key } } }).resolves({
            Item: { pk: { S: key }, channel: { S: "slack" }, deliveredAt: { N: "1000" }, subject: { S: "koronet-prod-alerting-DRILL-warning" } },
        });
        assert.deepEqual(await readDelivery(client, "t", key), { key, channel: "slack", deliveredAt: 1000, subject: "koronet-prod-alerting-DRILL-warning" });
        assert.equal(ddb.commandCalls(GetItemCommand)[0]!.args[0].input.ConsistentRead, true);
        assert.equal(await readDelivery(client, "t", "delivery#slack#cloudwatch#other#ALARM"), undefined);
    });
});
