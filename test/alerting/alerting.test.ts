import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { stackGraph, graphWith, parseJson, type Graph } from "../harness";
import type { PlannedResource } from "../../scripts/offline/run";
import { readStackConfig } from "../../scripts/offline/stack-file";
import { parseStackConfig } from "../../config";
import { stackAlertSettings } from "../../config/alerts";
import { resolveAlerts, type CloudWatchTargets, type EcsServiceTarget } from "../../components/alerting/catalog";
import { buildCloudWatchAlarms } from "../../components/alerting/cloudwatch-alarms";
import { renderPrometheusRules } from "../../components/monitoring/prometheus/rules";
import * as pulumi from "@pulumi/pulumi";
import { pipelineAudience, UNSET_SECRET_PLACEHOLDER, validateAlertingArgs } from "../../components/alerting";
import { main } from "../../stacks";

const T = {
    topic: "aws:sns/topic:Topic",
    sub: "aws:sns/topicSubscription:TopicSubscription",
    topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    composite: "aws:cloudwatch/compositeAlarm:CompositeAlarm",
    fn: "aws:lambda/function:Function",
    url: "aws:lambda/functionUrl:FunctionUrl",
    chatbot: "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration",
    key: "aws:kms/key:Key",
    taskDef: "aws:ecs/taskDefinition:TaskDefinition",
};

const topicArn = (stack: string, k: string) => `arn:aws:sns:eu-west-1:123456789012:koronet-${stack}-alerting-${k}`;
const subsOf = (g: Graph, stack: string, k: string) => g.ofType(T.sub).filter((s) => s.inputs.topic === topicArn(stack, k));
const fnArn = (stack: string, k: string) => `arn:aws:lambda:eu-west-1:123456789012:function:koronet-${stack}-alerting-${k}`;
const alarmsNamed = (g: Graph) => new Map(g.ofType(T.alarm).map((a) => [String(a.inputs.name), a]));

/** The stack's ECS services as stacks/environment.ts lists them (names are placeholders). */
function stackServices(c: ReturnType<typeof stackConfig>): EcsServiceTarget[] {
    const keys = [
        "web",
        ...(c.dataStores.mode === "ecs" ? ["postgres", "redis"] : []),
        ...(c.monitoring.enabled ? ["prometheus", "grafana", "postgres-exporter", "redis-exporter", "node-exporter", "cadvisor", "alertmanager"] : []),
    ];
    return keys.map((key) => ({ key, serviceName: "x", scheduling: key === "node-exporter" || key === "cadvisor" ? "daemon" : "replica", description: key }));
}

function stackConfig(stack: string) {
    return parseStackConfig(readStackConfig(stack)).config;
}

/** The definitions the catalog produces for a stack, with the graph's dimension values irrelevant to names and thresholds. */
function expectedAlarms(stack: string) {
    const c = stackConfig(stack);
    const targets = expectedTargets(stack);
    const alerts = resolveAlerts(stackAlertSettings(c));
    return { alerts, built: buildCloudWatchAlarms({ namePrefix: `koronet-${stack}`, targets, alerts }) };
}

function alertmanagerYaml(g: Graph): Record<string, any> {
    const td = g.one(T.taskDef, "alerting-alertmanager-task");
    const [c] = g.containers(td);
    const env = (c?.environment ?? []).find((e) => e.name === "ALERTMANAGER_CONFIG");
    assert.ok(env, "ALERTMANAGER_CONFIG is set");
    return parse(String(env.value)) as Record<string, any>;
}

for (const stack of ["dev", "prod"]) {
    describe(`alerting pipeline (${stack})`, () => {
        let g: Graph;
        before(async () => {
            g = await stackGraph(stack);
        });

        it("creates every catalog alert as a CloudWatch alarm with the stack's thresholds and timing", () => {
            const { built } = expectedAlarms(stack);
            const byName = alarmsNamed(g);
            assert.ok(built.alarms.length >= 8);
            for (const d of built.alarms) {
                const a = byName.get(String(d.args.name));
                assert.ok(a, `alarm ${String(d.args.name)} exists`);
                assert.equal(a.inputs.threshold, d.args.threshold, `${d.key} threshold`);
                assert.equal(a.inputs.evaluationPeriods, d.evaluationPeriods, `${d.key} evaluationPeriods`);
                assert.equal(a.inputs.datapointsToAlarm, d.datapointsToAlarm, `${d.key} datapointsToAlarm`);
                assert.equal(a.inputs.treatMissingData, d.treatMissingData, `${d.key} treatMissingData`);
                assert.equal(a.inputs.comparisonOperator, d.args.comparisonOperator);
                assert.match(String(a.inputs.alarmDescription), /^\[(critical|warning)\] .+\n[\s\S]*Runbook: https:\/\/\S+\.md$/);
            }
            const composites = g
                .ofType(T.composite)
                .map((c) => String(c.inputs.alarmName))
                .sort();
            assert.deepEqual(composites, built.composites.map((c) => String(c.args.alarmName)).sort());
        });

        it("gives every enabled catalog alert a CloudWatch alarm or a Prometheus rule, as the catalog defines it", () => {
            const { alerts, built } = expectedAlarms(stack);
            const rules = parse(renderPrometheusRules({ ...stackAlertSettings(stackConfig(stack)), profile: "production" }).content) as {
                groups: { rules: { alert?: string }[] }[];
            };
            const ruleNames = new Set(rules.groups.flatMap((grp) => grp.rules.map((r) => r.alert)).filter(Boolean));
            for (const a of alerts.filter((x) => x.enabled)) {
                if (a.prometheus !== undefined) assert.ok(ruleNames.has(a.id), `${a.id} has a Prometheus rule`);
                if (a.cloudwatch !== undefined && a.severity !== "none" && a.cloudwatch.alarms(expectedTargets(stack)).length > 0) {
                    assert.ok(
                        built.alarms.some((d) => d.alertId === a.id),
                        `${a.id} has a CloudWatch alarm`,
                    );
                }
                assert.ok(a.prometheus !== undefined || a.cloudwatch !== undefined, `${a.id} is watched somewhere`);
            }
        });

        it("[F9] encrypts every topic with the platform key, whose policy lets CloudWatch alarms use it", () => {
            const topics = g.ofType(T.topic);
            assert.ok(topics.length >= 3);
            const key = g.one(T.key, "platform-key");
            for (const t of topics) assert.equal(t.inputs.kmsMasterKeyId, "arn:aws:kms:eu-west-1:123456789012:key/platform-key", `${t.name} KMS`);
            const policy = parseJson<{
                Statement: { Principal?: { Service?: string }; Action: string[]; Condition?: Record<string, Record<string, string>> }[];
            }>(key.inputs.policy);
            const cw = policy.Statement.find((s) => s.Principal?.Service === "cloudwatch.amazonaws.com");
            assert.ok(cw, "key policy grants cloudwatch.amazonaws.com");
            assert.ok(cw.Action.includes("kms:Decrypt") && cw.Action.some((a) => a.startsWith("kms:GenerateDataKey")));
            assert.equal(cw.Condition?.StringEquals?.["aws:SourceAccount"], "123456789012");
        });

        it("lets only this stack's CloudWatch alarms publish to the alarm topics, and only Alertmanager's task role to its own topics, over TLS", () => {
            const alarmTopics = ["critical", "warning", "pipeline"].map((k) => topicArn(stack, k));
            for (const p of g.ofType(T.topicPolicy)) {
                const alarmTopic = alarmTopics.includes(String(p.inputs.arn));
                const principals = parseJson<{ Statement: { Effect: string; Principal: any }[] }>(p.inputs.policy)
                    .Statement.filter((s) => s.Effect === "Allow")
                    .map((s) => (s.Principal.Service !== undefined ? "cloudwatch" : "alertmanager"));
                assert.deepEqual(principals, [alarmTopic ? "cloudwatch" : "alertmanager"], `${p.name}: one kind of publisher`);
                const doc = parseJson<{ Statement: { Sid: string; Effect: string; Principal: any; Action: string; Condition?: any }[] }>(p.inputs.policy);
                const allows = doc.Statement.filter((s) => s.Effect === "Allow");
                for (const s of allows) {
                    assert.equal(s.Action, "sns:Publish");
                    assert.ok(
                        s.Principal.Service === "cloudwatch.amazonaws.com" || String(s.Principal.AWS).includes(":role/"),
                        `${p.name}: unexpected principal ${JSON.stringify(s.Principal)}`,
                    );
                    if (s.Principal.Service !== undefined) {
                        assert.equal(s.Condition.StringEquals["aws:SourceAccount"], "123456789012");
                        assert.equal(s.Condition.ArnLike["aws:SourceArn"], `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:koronet-${stack}-*`);
                    }
                }
                assert.ok(
                    doc.Statement.some((s) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false"),
                    `${p.name} denies plain HTTP`,
                );
            }
        });

        it("routes critical to Slack, email and (where enabled) PagerDuty, and warning to Slack and email only", () => {
            const c = stackConfig(stack);
            const crit = subsOf(g, stack, "critical");
            const warn = subsOf(g, stack, "warning");
            assert.ok(
                crit.some((s) => s.inputs.protocol === "lambda" && s.inputs.endpoint === fnArn(stack, "notifier")),
                "critical → notifier",
            );
            assert.ok(
                warn.some((s) => s.inputs.protocol === "lambda" && s.inputs.endpoint === fnArn(stack, "notifier")),
                "warning → notifier",
            );
            assert.deepEqual(
                crit
                    .filter((s) => s.inputs.protocol === "email")
                    .map((s) => s.inputs.endpoint)
                    .sort(),
                [...c.alerting.notifications.email.critical].sort(),
            );
            assert.deepEqual(
                warn
                    .filter((s) => s.inputs.protocol === "email")
                    .map((s) => s.inputs.endpoint)
                    .sort(),
                [...c.alerting.notifications.email.warning].sort(),
            );
            assert.equal(
                crit.some((s) => s.inputs.endpoint === fnArn(stack, "pagerduty")),
                c.alerting.notifications.pagerduty.enabled,
            );
            assert.ok(!warn.some((s) => s.inputs.endpoint === fnArn(stack, "pagerduty")), "warning never pages");
            // Routed by topic, never filtered: CloudWatch alarm notifications carry no message
            // attributes, and `"exists": false` matches only when some attribute is present.
            for (const s of g.ofType(T.sub)) assert.equal(s.inputs.filterPolicy, undefined, `${s.name} has no filter policy`);

            const am = alertmanagerYaml(g);
            const receiver = (n: string) => (am.receivers as any[]).find((r) => r.name === n);
            const pd = c.alerting.notifications.pagerduty.enabled;
            assert.ok(
                receiver("critical").webhook_configs?.length === (pd ? 2 : 1) && receiver("warning").webhook_configs?.length === 1,
                "Alertmanager → notifier for both (and its /pagerduty webhook for critical)",
            );
            // PagerDuty goes through the notifier's per-occurrence dedupe, never from Alertmanager directly.
            assert.equal(
                receiver("critical").webhook_configs.some((w: { url: string }) => w.url.endsWith("/pagerduty")),
                pd,
            );
            assert.equal(receiver("critical").pagerduty_configs, undefined);
            assert.equal(receiver("warning").pagerduty_configs, undefined);
            // Alertmanager's email goes to email-only topics, whose only subscribers are that severity's addresses.
            for (const sev of ["critical", "warning"] as const) {
                const addresses = c.alerting.notifications.email[sev];
                const sns = (receiver(sev).sns_configs ?? []) as { topic_arn: string; attributes?: unknown }[];
                assert.deepEqual(
                    sns.map((x) => x.topic_arn),
                    addresses.length > 0 ? [topicArn(stack, `email-${sev}`)] : [],
                    `${sev}: Alertmanager publishes to email-${sev} only when it has addresses`,
                );
                assert.ok(
                    sns.every((x) => x.attributes === undefined),
                    "no message attributes: nothing to tell apart",
                );
                const subs = subsOf(g, stack, `email-${sev}`);
                assert.deepEqual(subs.map((x) => [x.inputs.protocol, x.inputs.endpoint]).sort(), addresses.map((a) => ["email", a]).sort());
            }
            const alarmTopicArns = ["critical", "warning", "pipeline"].map((k) => topicArn(stack, k));
            assert.ok(
                !JSON.stringify(am).includes(`${topicArn(stack, "critical")}"`) &&
                    !alarmTopicArns.some((a) => (am.receivers as any[]).some((r) => (r.sns_configs ?? []).some((x: any) => x.topic_arn === a))),
                "Alertmanager never publishes to an alarm topic",
            );
        });

        it("gives every catalog alarm alarm and OK actions on its severity's topic, or a wrapper composite that has them", () => {
            const { built } = expectedAlarms(stack);
            const byName = alarmsNamed(g);
            const composites = new Map(g.ofType(T.composite).map((c) => [String(c.inputs.alarmName), c]));
            for (const d of built.alarms) {
                const a = byName.get(String(d.args.name)) as PlannedResource;
                if (d.notifyVia === "direct") {
                    assert.deepEqual(a.inputs.alarmActions, [topicArn(stack, d.severity)], `${d.key} alarmActions`);
                    assert.deepEqual(a.inputs.okActions, [topicArn(stack, d.severity)], `${d.key} okActions`);
                } else {
                    const w = composites.get(`koronet-${stack}-${d.key}-notify`);
                    assert.ok(w, `${d.key} has a wrapper composite`);
                    assert.deepEqual(w.inputs.alarmActions, [topicArn(stack, d.severity)]);
                    assert.deepEqual(w.inputs.okActions, [topicArn(stack, d.severity)]);
                    assert.equal((w.inputs.actionsSuppressor as { alarm: string }).alarm, `koronet-${stack}-ServiceUnhealthy`);
                }
            }
            for (const a of g.ofType(T.alarm)) {
                assert.ok(
                    (a.inputs.alarmActions as unknown[] | undefined)?.length ||
                        built.alarms.some((d) => d.args.name === a.inputs.name && d.notifyVia === "composite"),
                    `${String(a.inputs.name)} has actions`,
                );
                if ((a.inputs.alarmActions as unknown[] | undefined)?.length)
                    assert.deepEqual(a.inputs.okActions, a.inputs.alarmActions, `${String(a.inputs.name)} announces recovery`);
            }
        });

        it("makes the symptom wrappers wait for ServiceUnhealthy, which exists before them", () => {
            const unhealthy = g.one(T.composite, "alerting-ServiceUnhealthy");
            assert.match(String(unhealthy.inputs.alarmRule), /ALARM\("koronet-\w+-KoronetDown"\) OR ALARM\("koronet-\w+-NoHealthyTargets"\)/);
            assert.deepEqual(unhealthy.inputs.alarmActions, [], "ServiceUnhealthy explains, its causes notify");
        });

        it("[F1/F2/F7] routes the notifier's and forwarder's own failures around Slack", () => {
            const pipeline = topicArn(stack, "pipeline");
            assert.ok(!subsOf(g, stack, "pipeline").some((s) => s.inputs.endpoint === fnArn(stack, "notifier")), "no Slack on the pipeline topic");
            const byName = alarmsNamed(g);
            for (const k of ["notifier-errors", "notifier-url-5xx", "failed-notifications"]) {
                const a = byName.get(`koronet-${stack}-alerting-${k}`);
                assert.ok(a, k);
                assert.deepEqual(a.inputs.alarmActions, [pipeline]);
                assert.deepEqual(a.inputs.okActions, [pipeline]);
            }
            assert.equal(byName.get(`koronet-${stack}-alerting-notifier-url-5xx`)?.inputs.metricName, "Url5xxCount");
            assert.equal(byName.get(`koronet-${stack}-alerting-notifier-errors`)?.inputs.metricName, "Errors");
            assert.ok(pipelineAudience(stackConfig(stack).alerting).length > 0, "someone hears about pipeline failures");
            assert.ok(subsOf(g, stack, "pipeline").length > 0);
        });

        it("[F2/F3/F4] watches the watchers: heartbeat (missing = breaching) and Alertmanager's task count go straight to SNS", () => {
            const byName = alarmsNamed(g);
            const hb = byName.get(`koronet-${stack}-alerting-watchdog-heartbeat`);
            assert.ok(hb);
            assert.equal(hb.inputs.namespace, "Koronet/Alerting");
            assert.equal(hb.inputs.metricName, "WatchdogHeartbeat");
            assert.deepEqual(hb.inputs.dimensions, { Stack: `koronet-${stack}` });
            assert.equal(hb.inputs.treatMissingData, "breaching");
            assert.deepEqual(hb.inputs.alarmActions, [topicArn(stack, "critical")]);
            const tasks = byName.get(`koronet-${stack}-alerting-alertmanager-tasks`);
            assert.ok(tasks);
            assert.equal(tasks.inputs.namespace, "ECS/ContainerInsights");
            assert.equal(tasks.inputs.metricName, "RunningTaskCount");
            assert.equal(tasks.inputs.treatMissingData, "breaching");
            assert.deepEqual(tasks.inputs.alarmActions, [topicArn(stack, "critical")]);
        });

        it("[F2] deploys the notifier as the README asks: bundled, nodejs24.x, no reserved concurrency, 60 s, on-failure queue, dedupe table, token-protected URL", () => {
            const f = g.one(T.fn, "alerting-notifier");
            assert.equal(f.inputs.runtime, "nodejs24.x");
            assert.equal(f.inputs.handler, "index.handler");
            // Reserved concurrency fails on accounts with a small quota (Lambda keeps 100 unreserved)
            // and one unit answers 429 to bursts: no Lambda of the stack reserves any.
            for (const fn of g.ofType(T.fn)) assert.equal(fn.inputs.reservedConcurrentExecutions, undefined, fn.name);
            assert.equal(f.inputs.timeout, 60);
            assert.deepEqual((f.inputs.code as { entries: string[] }).entries, ["index.js"]);
            const env = (f.inputs.environment as { variables: Record<string, string> }).variables;
            const pagerduty = stackConfig(stack).alerting.notifications.pagerduty.enabled;
            assert.deepEqual(Object.keys(env).sort(), [
                "ALERTMANAGER_TOKEN_SECRET_ARN",
                "DEDUPE_TABLE",
                "HTTP_DELIVERY_BUDGET_MS",
                ...(pagerduty ? ["PAGERDUTY_ROUTING_KEY_SECRET_ARN"] : []),
                "SLACK_WEBHOOK_SECRET_ARN",
                "STACK_NAME",
            ]);
            // Answers Alertmanager (30 s per attempt at production settings) with time to spare.
            assert.equal(env["HTTP_DELIVERY_BUDGET_MS"], "25000");
            const inv = g.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "alerting-notifier-async");
            assert.equal(
                (inv.inputs.destinationConfig as any).onFailure.destination,
                `arn:aws:sqs:eu-west-1:123456789012:koronet-${stack}-alerting-failed-notifications`,
            );
            const q = g.one("aws:sqs/queue:Queue", "alerting-failed");
            assert.ok(q.inputs.kmsMasterKeyId);
            const table = g.one("aws:dynamodb/table:Table", "alerting-dedupe");
            assert.deepEqual(table.inputs.ttl, { attributeName: "expiresAt", enabled: true });
            assert.equal((table.inputs.serverSideEncryption as { enabled: boolean }).enabled, true);
            assert.equal(g.one(T.url, "alerting-notifier-url").inputs.authorizationType, "NONE");
            const logs = g.one("aws:cloudwatch/logGroup:LogGroup", "alerting-notifier-logs");
            assert.equal(logs.inputs.name, `/aws/lambda/koronet-${stack}-alerting-notifier`);
            assert.ok(logs.inputs.kmsKeyId && logs.inputs.retentionInDays);
            const role = g.one("aws:iam/role:Role", "alerting-notifier-role");
            const policy = parseJson<{ Statement: { Action: string | string[]; Resource: string | string[]; Condition?: any }[] }>(
                (role.inputs.inlinePolicies as { policy: string }[])[0]?.policy,
            );
            for (const s of policy.Statement) {
                const res = ([] as string[]).concat(s.Resource);
                if (res.includes("*")) {
                    assert.deepEqual(s.Action, ["cloudwatch:PutMetricData"]);
                    assert.equal(s.Condition.StringEquals["cloudwatch:namespace"], "Koronet/Alerting");
                }
            }
        });

        it("keeps Alertmanager's secrets in ECS secrets and files, never in its config or environment", () => {
            const td = g.one(T.taskDef, "alerting-alertmanager-task");
            const [c] = g.containers(td);
            assert.ok(c);
            const names = (c.secrets ?? []).map((s) => s.name).sort();
            // The notifier sends PagerDuty (it reads the routing key): Alertmanager holds only its token.
            assert.deepEqual(names, ["NOTIFIER_TOKEN"]);
            assert.deepEqual(
                (c.environment ?? []).map((e) => e.name),
                ["ALERTMANAGER_CONFIG"],
            );
            const am = alertmanagerYaml(g);
            assert.equal(am.receivers[0].webhook_configs[0].http_config.authorization.credentials_file, "/run/alertmanager/secrets/notifier-token");
            if (am.receivers[0].pagerduty_configs)
                assert.equal(am.receivers[0].pagerduty_configs[0].routing_key_file, "/run/alertmanager/secrets/pagerduty-routing-key");
            assert.equal(c.readonlyRootFilesystem, true);
        });

        it("registers Alertmanager in Cloud Map as alertmanager.<namespace>:9093 and exports the addresses operators need", () => {
            assert.equal(g.one("aws:servicediscovery/service:Service", "alerting-alertmanager-discovery").inputs.name, "alertmanager");
            assert.equal(g.outputs.alertmanagerAddress, `alertmanager.${stack}.koronet.internal:9093`);
            const c = stackConfig(stack);
            const emailTopics = (["critical", "warning"] as const).filter((sev) => c.alerting.notifications.email[sev].length > 0).map((sev) => `email-${sev}`);
            assert.deepEqual(Object.keys(g.outputs.alertTopicArns as object).sort(), ["critical", ...emailTopics, "pipeline", "warning"].sort());
            assert.equal(g.outputs.notifierFunctionName, `koronet-${stack}-alerting-notifier`);
            assert.ok(Object.keys(g.outputs.alertingSecretsToFill as object).includes("slack-webhook"), "external Slack webhook secret is listed to fill");
        });
    });
}

function expectedTargets(stack: string): CloudWatchTargets {
    const c = stackConfig(stack);
    return {
        loadBalancerArnSuffix: "x",
        targetGroupArnSuffix: "x",
        clusterName: "x",
        serviceName: "x",
        services: stackServices(c),
        dataStores:
            c.dataStores.mode === "managed"
                ? {
                      mode: "managed",
                      rds: { instanceId: "x", maxConnections: 1, allocatedStorageGiB: c.dataStores.postgres.managed.allocatedStorageGiB, memoryBytes: 1 },
                      elasticache: { cacheClusterIds: Array.from({ length: c.dataStores.redis.managed.nodes }, (_, i) => `x${i}`) },
                  }
                : { mode: "ecs" },
    };
}

describe("alerting pipeline: dev and prod differ by config only", () => {
    it("pages in prod, not in dev; prod watches RDS and ElastiCache and learns traffic; retention follows the stack", async () => {
        const [dev, prod] = await Promise.all([stackGraph("dev"), stackGraph("prod")]);
        assert.equal(dev.find(T.fn, "alerting-pagerduty"), undefined);
        assert.ok(prod.find(T.fn, "alerting-pagerduty"));
        const names = (g: Graph) => [...alarmsNamed(g).keys()];
        assert.ok(!names(dev).some((n) => /-rds|-elasticache/.test(n)));
        assert.ok(names(prod).some((n) => n.endsWith("DiskSpaceLow-rds")) && names(prod).some((n) => n.includes("elasticache-node2")));
        assert.ok(!names(dev).includes("koronet-dev-UnusualTraffic"));
        const ut = alarmsNamed(prod).get("koronet-prod-UnusualTraffic");
        assert.equal(ut?.inputs.comparisonOperator, "LessThanLowerOrGreaterThanUpperThreshold");
        assert.notEqual(
            dev.one("aws:cloudwatch/logGroup:LogGroup", "alerting-notifier-logs").inputs.retentionInDays,
            prod.one("aws:cloudwatch/logGroup:LogGroup", "alerting-notifier-logs").inputs.retentionInDays,
        );
    });

    it("applies a stack's threshold override to the alarm", async () => {
        const g = await graphWith("dev", {
            overrides: { "koronet:alerting": { alerts: { HighCpuUsage: { threshold: 90 }, CacheMissRateHigh: { enabled: false } } } },
        });
        const cpu = alarmsNamed(g).get("koronet-dev-HighCpuUsage-service");
        assert.equal(cpu?.inputs.threshold, 90);
        assert.equal(alarmsNamed(g).get("koronet-dev-CacheMissRateHigh"), undefined);
    });
});

describe("alerting pipeline: Chatbot mode", () => {
    let g: Graph;
    before(async () => {
        g = await graphWith("dev", {
            overrides: {
                "koronet:alerting": { notifications: { slack: { mode: "chatbot", chatbot: { workspaceId: "T0123456789", channelId: "C0123456789" } } } },
            },
        });
    });

    it("swaps the notifier Lambda for AWS Chatbot on the severity topics", () => {
        assert.equal(g.find(T.fn, "alerting-notifier"), undefined);
        assert.equal(g.ofType(T.url).length, 0);
        const chat = g.one(T.chatbot);
        // CloudWatch alarms come from the alarm topics, Alertmanager's custom notifications from its Chatbot-only topics.
        assert.deepEqual(chat.inputs.snsTopicArns, [
            topicArn("dev", "critical"),
            topicArn("dev", "warning"),
            topicArn("dev", "chatbot-critical"),
            topicArn("dev", "chatbot-warning"),
        ]);
        for (const k of ["chatbot-critical", "chatbot-warning"])
            assert.deepEqual(subsOf(g, "dev", k), [], `${k}: Chatbot is its only reader (no SNS subscription)`);
        assert.equal(chat.inputs.slackTeamId, "T0123456789");
        assert.equal(chat.inputs.slackChannelId, "C0123456789");
    });

    it("keeps the heartbeat without the notifier: Alertmanager publishes the Watchdog to a topic whose publish count is alarmed", () => {
        const hb = alarmsNamed(g).get("koronet-dev-alerting-watchdog-heartbeat");
        assert.equal(hb?.inputs.namespace, "AWS/SNS");
        assert.equal(hb?.inputs.metricName, "NumberOfMessagesPublished");
        assert.deepEqual(hb?.inputs.dimensions, { TopicName: "koronet-dev-alerting-heartbeat" });
        assert.equal(hb?.inputs.treatMissingData, "breaching");
        const am = alertmanagerYaml(g);
        const heartbeat = (am.receivers as any[]).find((r) => r.name === "heartbeat");
        assert.equal(heartbeat.sns_configs[0].topic_arn, topicArn("dev", "heartbeat"));
        const critical = (am.receivers as any[]).find((r) => r.name === "critical");
        assert.deepEqual(
            critical.sns_configs.map((s: any) => s.topic_arn),
            [topicArn("dev", "chatbot-critical"), topicArn("dev", "email-critical")],
        );
        // The task role may publish to exactly the topics it uses.
        const policy = parseJson<{ Statement: { Principal: any }[] }>(g.one(T.topicPolicy, "alerting-heartbeat-policy").inputs.policy);
        assert.ok(policy.Statement.some((s) => String(s.Principal?.AWS ?? "").includes("alerting-alertmanager-task")));
    });
});

describe("alerting pipeline: secrets", () => {
    const webhook = "https://hooks.slack.com/services/T00000000/B00000000/testOnlyWebhookSecret123";
    const routingKey = "abcdefabcdefabcdefabcdefSECRET99";

    it("never lets a secret value reach the plan in plain text (config-sourced secrets go only into Secrets Manager)", async () => {
        const g = await graphWith("prod", {
            overrides: {
                "koronet:alerting": { notifications: { slack: { webhookUrlFrom: "config" }, pagerduty: { enabled: true, routingKeyFrom: "config" } } },
            },
            secrets: { "koronet:slackWebhookUrl": webhook, "koronet:pagerdutyRoutingKey": routingKey },
        });
        const json = JSON.stringify({ resources: g.resources, outputs: g.outputs });
        for (const v of [webhook, routingKey, "offline-generated-password"]) assert.ok(!json.includes(v), `plain-text secret ${v.slice(0, 20)}… in the plan`);
        const versions = g.ofType("aws:secretsmanager/secretVersion:SecretVersion").filter((v) => String(v.name).startsWith("alerting-"));
        assert.deepEqual(versions.map((v) => v.name).sort(), [
            "alerting-alertmanager-token-version",
            "alerting-pagerduty-routing-key-version",
            "alerting-slack-webhook-version",
        ]);
        for (const v of versions) assert.equal(v.inputs.secretString, "[secret]");
        assert.deepEqual(g.outputs.alertingSecretsToFill, {}, "nothing left to fill in config mode");
    });

    it("in external mode gives each secret the placeholder, never reverted by `pulumi up`, and lists them for operators", async () => {
        const g = await stackGraph("prod");
        // A version for each (ECS can inject it at the first deploy); its value is checked below.
        for (const key of ["slack-webhook", "pagerduty-routing-key"]) g.one("aws:secretsmanager/secretVersion:SecretVersion", `alerting-${key}-version`);
        assert.equal(UNSET_SECRET_PLACEHOLDER, "UNSET: fill with aws secretsmanager put-secret-value");
        assert.deepEqual(Object.keys(g.outputs.alertingSecretsToFill as object).sort(), ["pagerduty-routing-key", "slack-webhook"]);
    });

    it("ignores later changes of a placeholder's value, and starts Alertmanager only after its secrets have values", async () => {
        // Resource options are not in the plan JSON: capture them with a stack transformation.
        const opts = new Map<string, pulumi.ResourceOptions>();
        const props = new Map<string, Record<string, unknown>>();
        const names = new Map<pulumi.Resource, string>();
        await graphWith("prod", {
            program: async () => {
                pulumi.runtime.registerStackTransformation((a) => {
                    opts.set(`${a.type}::${a.name}`, a.opts);
                    props.set(`${a.type}::${a.name}`, a.props);
                    names.set(a.resource, `${a.type}::${a.name}`);
                    return undefined;
                });
                return main();
            },
        });
        const V = "aws:secretsmanager/secretVersion:SecretVersion";
        const valueOf = (k: string) =>
            new Promise<unknown>((res) => void pulumi.output(props.get(k)?.secretString as pulumi.Input<string>).apply((v) => res(v)));
        for (const key of ["slack-webhook", "pagerduty-routing-key"]) {
            assert.equal(await valueOf(`${V}::alerting-${key}-version`), UNSET_SECRET_PLACEHOLDER, key);
            assert.deepEqual(opts.get(`${V}::alerting-${key}-version`)?.ignoreChanges, ["secretString"], key);
        }
        assert.equal(opts.get(`${V}::alerting-alertmanager-token-version`)?.ignoreChanges, undefined, "generated values stay managed");
        const deps = ([opts.get("aws:ecs/service:Service::alerting-alertmanager-svc")?.dependsOn].flat() as pulumi.Resource[]).map((r) => names.get(r));
        assert.ok(deps.includes(`${V}::alerting-alertmanager-token-version`), `Alertmanager waits for ${deps.join(", ")}`);
        assert.ok(!deps.includes(`${V}::alerting-pagerduty-routing-key-version`), "the routing key is the notifier's now: Alertmanager does not wait for it");
    });
});

describe("validateAlertingArgs", () => {
    const config = parseStackConfig(readStackConfig("dev")).config.alerting;
    it("rejects task-count alarms without Container Insights, naming the argument", () => {
        assert.deepEqual(
            validateAlertingArgs({ config, containerInsights: "disabled", watchedServices: { prometheus: { serviceName: "p", description: "Prometheus" } } }),
            [
                "`containerInsights` is disabled, but the running-task alarms (and KoronetDown) read ECS/ContainerInsights RunningTaskCount; enable it (koronet:cluster.containerInsights)",
            ],
        );
        assert.deepEqual(validateAlertingArgs({ config, containerInsights: "enhanced" }), []);
    });
});
