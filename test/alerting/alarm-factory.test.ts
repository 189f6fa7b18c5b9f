/**
 * The one alarm factory (components/alerting/alarm-factory.ts) rebuilds the pipeline's hand-built
 * alarms exactly: the watchers' heartbeat alarm of the real dev plan, from the words and timing the
 * alerting component gives it today, comes out input for input (actions aside, which the caller adds).
 * That is the call the pipeline alarms should make (issue 16 item 5).
 */
import { strict as assert } from "node:assert";
import { metricAlarmArgs } from "../../components/alerting/alarm-factory";
import { parseStackConfig } from "../../config";
import { readStackConfig } from "../../scripts/offline/stack-file";
import { stackGraph, type Graph } from "../harness";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

/** JSON round trip: the plan's inputs are plain data. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe("alarm factory", function () {
    this.timeout(120_000);
    let g: Graph;
    before(async () => {
        g = await stackGraph("dev");
    });

    it("rebuilds the watchdog heartbeat alarm of the dev plan input for input", () => {
        const planned = g.ofType(ALARM).find((a) => a.inputs.name === "koronet-dev-alerting-watchdog-heartbeat");
        assert.ok(planned, "the dev plan has the heartbeat alarm");
        const { alarmActions, okActions, ...inputs } = planned.inputs as Record<string, unknown>;
        assert.ok(alarmActions && okActions);
        const config = parseStackConfig(readStackConfig("dev")).config;
        const args = metricAlarmArgs({
            name: "koronet-dev-alerting-watchdog-heartbeat",
            severity: "critical",
            summary: "Alerting heartbeat lost: Prometheus, Alertmanager or the notifier is broken — Prometheus alerts are not being delivered",
            details:
                "No Watchdog heartbeat (the notifier's WatchdogHeartbeat metric) for 3 minutes. Missing data is breaching: silence is the failure. Check the Prometheus and Alertmanager tasks and the notifier's logs.",
            runbookUrl: `${config.alerting.runbookBaseUrl.replace(/\/+$/, "")}/AlertingPipeline.md`,
            timing: { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 3 },
            measurement: {
                metric: { namespace: "Koronet/Alerting", metricName: "WatchdogHeartbeat", dimensions: { Stack: "koronet-dev" }, statistic: "Sum" },
                comparisonOperator: "LessThanThreshold",
                threshold: 1,
                treatMissingData: "breaching",
            },
            tags: { ...(planned.inputs.tags as Record<string, string>) },
        });
        assert.deepEqual(plain(args), plain(inputs));
    });
});
