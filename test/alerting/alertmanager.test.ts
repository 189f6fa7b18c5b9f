import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { parseStackConfig } from "../../config";
import { readStackConfig } from "../../scripts/offline/stack-file";
import { findOnPath, MissingBinaryError } from "../../e2e/services";
import { INHIBIT_RULES } from "../../components/alerting/alertmanager/config";
import {
    ALERTMANAGER_TIMINGS,
    NOTIFIER_ANSWER_MARGIN_SECONDS,
    alertmanagerConfig,
    alertmanagerNotifyTimeoutSeconds,
    notifierHttpBudgetMs,
    renderAlertmanagerConfig,
    renderStackAlertmanagerConfig,
    validateAlertmanagerInput,
    type AlertmanagerConfigInput,
} from "../../components/alerting/alertmanager";
import { PIPELINE_TIMINGS, parsePromDuration } from "../../components/alerting/catalog";
import { DRILL_RECEIVER } from "../../components/alerting/alertmanager/config";
import { DRILL_LABELS } from "../../functions/src/contract";
import { receiversFor } from "../../ops/drill";

const AMTOOL_PACKAGE = "prometheus-alertmanager";

/** amtool, or a failure naming the Debian package. */
function amtool(): string {
    return findOnPath("amtool", AMTOOL_PACKAGE);
}

/** The e2e shape: local receivers, test profile. */
const local: AlertmanagerConfigInput = {
    profile: "test",
    receivers: {
        notifier: { url: "http://127.0.0.1:18080/alertmanager", tokenFile: "/tmp/koronet-e2e/notifier-token" },
        pagerduty: { kind: "webhook", url: "http://127.0.0.1:18080/alertmanager/pagerduty", tokenFile: "/tmp/koronet-e2e/notifier-token" },
        heartbeat: { kind: "webhook", url: "http://127.0.0.1:18080/alertmanager", tokenFile: "/tmp/koronet-e2e/notifier-token" },
    },
};

/** Without a notifier (Chatbot mode): Alertmanager calls PagerDuty itself. */
const direct: AlertmanagerConfigInput = {
    profile: "test",
    receivers: {
        chatbot: { region: "eu-west-1", topicArns: { critical: "arn:aws:sns:eu-west-1:123456789012:c", warning: "arn:aws:sns:eu-west-1:123456789012:w" } },
        pagerduty: { kind: "direct", routingKeyFile: "/tmp/koronet-e2e/pagerduty-key", url: "http://127.0.0.1:18081/v2/enqueue" },
        heartbeat: { kind: "sns", region: "eu-west-1", topicArn: "arn:aws:sns:eu-west-1:123456789012:h" },
    },
};

describe("alertmanager.yml (real amtool)", () => {
    let dir: string;
    before(() => {
        dir = mkdtempSync(path.join(tmpdir(), "koronet-am-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const files: Record<string, () => string> = {};
    for (const stack of ["dev", "prod"]) {
        const c = parseStackConfig(readStackConfig(stack)).config;
        files[`${stack} (production)`] = () => renderStackAlertmanagerConfig({ namePrefix: `koronet-${stack}`, region: c.region, alerting: c.alerting });
        files[`${stack} (chatbot mode)`] = () =>
            renderStackAlertmanagerConfig({
                namePrefix: `koronet-${stack}`,
                region: c.region,
                alerting: {
                    ...c.alerting,
                    notifications: {
                        ...c.alerting.notifications,
                        slack: { ...c.alerting.notifications.slack, mode: "chatbot", chatbot: { workspaceId: "T0123456789", channelId: "C0123456789" } },
                    },
                },
            });
    }
    files["local receivers (test profile)"] = () => renderAlertmanagerConfig(local);
    files["PagerDuty sent by Alertmanager (no notifier)"] = () => renderAlertmanagerConfig(direct);

    const write = (name: string, text: string) => {
        const f = path.join(dir, `${name.replace(/\W+/g, "-")}.yml`);
        writeFileSync(f, text);
        return f;
    };
    const route = (file: string, labels: string[]) =>
        execFileSync(amtool(), ["config", "routes", "test", `--config.file=${file}`, ...labels], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        }).trim();

    for (const [name, render] of Object.entries(files)) {
        it(`passes amtool check-config: ${name}`, () => {
            const out = execFileSync(amtool(), ["check-config", write(name, render())], { encoding: "utf8" });
            assert.match(out, /SUCCESS/);
        });

        it(`routes critical, warning, Watchdog and unlabelled alerts as designed: ${name}`, () => {
            const f = write(name, render());
            assert.equal(route(f, ["alertname=HighErrorRate", "severity=critical"]), "critical");
            assert.equal(route(f, ["alertname=HighCpuUsage", "severity=warning"]), "warning");
            assert.equal(route(f, ["alertname=Watchdog", "severity=none"]), "heartbeat");
            assert.equal(route(f, ["alertname=Something"]), "warning", "an alert without severity still reaches people");
            // --verify.receivers exits non-zero on a mismatch: the same assertion through amtool's own check.
            execFileSync(
                amtool(),
                ["config", "routes", "test", `--config.file=${f}`, "--verify.receivers=critical", "severity=critical", "alertname=RedisDown"],
                { stdio: ["ignore", "pipe", "pipe"] },
            );
        });

        it(`routes a fire drill away from PagerDuty unless it asks to page, whatever its severity: ${name}`, () => {
            const f = write(name, render());
            const drill = [`alertname=${DRILL_LABELS.alertname}`, `${DRILL_LABELS.drill}=true`, `${DRILL_LABELS.id}=d1`];
            assert.equal(route(f, [...drill, "severity=warning"]), DRILL_RECEIVER);
            assert.equal(route(f, [...drill, "severity=critical"]), DRILL_RECEIVER, "a critical drill without page=true does not page");
            assert.equal(route(f, [...drill, "severity=critical", `${DRILL_LABELS.page}=true`]), "critical", "--page takes the critical receiver");
            // The drill receiver is the warning audience: no PagerDuty in it, ever.
            const receivers = (parse(render()) as { receivers: { name: string; pagerduty_configs?: unknown[]; webhook_configs?: unknown[] }[] }).receivers;
            const drillReceiver = receivers.find((r) => r.name === DRILL_RECEIVER);
            const warning = receivers.find((r) => r.name === "warning");
            assert.equal(drillReceiver?.pagerduty_configs, undefined);
            assert.ok(!JSON.stringify(drillReceiver?.webhook_configs ?? []).includes("/pagerduty"), "no PagerDuty webhook in the drill receiver");
            assert.deepEqual({ ...drillReceiver, name: "warning" }, warning, "the drill reaches whoever a warning reaches");
            // ops/drill.ts reads the running config the same way before it injects anything.
            assert.deepEqual(
                receiversFor(parse(render()) as Parameters<typeof receiversFor>[0], { alertname: DRILL_LABELS.alertname, drill: "true", severity: "critical" }),
                [DRILL_RECEIVER],
            );
            assert.deepEqual(
                receiversFor(parse(render()) as Parameters<typeof receiversFor>[0], {
                    alertname: DRILL_LABELS.alertname,
                    drill: "true",
                    severity: "critical",
                    page: "true",
                }),
                ["critical"],
            );
        });
    }

    it("fails naming the Debian package when amtool is missing", () => {
        const saved = process.env.PATH;
        process.env.PATH = dir;
        try {
            assert.throws(
                () => findOnPath("amtool-definitely-missing", AMTOOL_PACKAGE),
                (e: unknown) => e instanceof MissingBinaryError && /prometheus-alertmanager/.test(e.message),
            );
        } finally {
            process.env.PATH = saved;
        }
    });
});

describe("alertmanager.yml content", () => {
    it("sends critical to Slack and PagerDuty as two webhooks to the notifier (each its own integration, retried apart); warning to Slack only; Watchdog to the heartbeat", () => {
        const c = alertmanagerConfig(local) as any;
        const r = (n: string) => c.receivers.find((x: any) => x.name === n);
        assert.equal(r("critical").webhook_configs.length, 2);
        assert.equal(r("critical").webhook_configs[0].http_config.authorization.credentials_file, "/tmp/koronet-e2e/notifier-token");
        assert.equal(r("critical").webhook_configs[1].url, "http://127.0.0.1:18080/alertmanager/pagerduty");
        assert.equal(r("critical").webhook_configs[1].send_resolved, true);
        assert.equal(r("critical").webhook_configs[1].http_config.authorization.credentials_file, "/tmp/koronet-e2e/notifier-token");
        assert.equal(r("critical").pagerduty_configs, undefined, "Alertmanager no longer calls PagerDuty itself");
        assert.equal(r("warning").webhook_configs.length, 1);
        assert.equal(r("warning").pagerduty_configs, undefined);
        assert.equal(r("heartbeat").webhook_configs[0].send_resolved, false);
        assert.deepEqual(c.inhibit_rules[0], {
            source_matchers: ['severity="critical"'],
            target_matchers: ['severity="warning"'],
            equal: ["alertname", "instance"],
        });
        assert.equal(c.inhibit_rules.length, INHIBIT_RULES.length);
    });

    it("without a notifier, Alertmanager sends PagerDuty itself (key file), critical only", () => {
        const c = alertmanagerConfig(direct) as any;
        const r = (n: string) => c.receivers.find((x: any) => x.name === n);
        assert.equal(r("critical").pagerduty_configs[0].routing_key_file, "/tmp/koronet-e2e/pagerduty-key");
        assert.equal(r("critical").pagerduty_configs[0].url, "http://127.0.0.1:18081/v2/enqueue");
        assert.equal(r("critical").webhook_configs, undefined);
        assert.equal(r("warning").pagerduty_configs, undefined);
    });

    it("uses the catalog's grouping timings and repeats beyond the notifier's 1 h dedupe", () => {
        for (const profile of ["production", "test"] as const) {
            const c = parse(renderAlertmanagerConfig({ ...local, profile })) as any;
            assert.equal(parsePromDuration(c.route.group_wait), PIPELINE_TIMINGS[profile].groupWaitSeconds);
            assert.equal(parsePromDuration(c.route.group_interval), PIPELINE_TIMINGS[profile].groupIntervalSeconds);
            assert.ok(parsePromDuration(c.route.repeat_interval) > 3600);
            const wd = c.route.routes[0];
            assert.equal(wd.receiver, "heartbeat");
            assert.equal(wd.repeat_interval, ALERTMANAGER_TIMINGS[profile].heartbeatRepeatInterval);
        }
        // Production: critical within 60 s needs group_wait small; resolved within 2 min needs group_interval well under it.
        assert.ok(parsePromDuration(ALERTMANAGER_TIMINGS.production.groupInterval) <= 60);
    });

    it("[F1] gives the notifier less time per request than Alertmanager waits for it, so a delivered message is recorded as sent", () => {
        // Otherwise Alertmanager cancels, the notifier posts anyway, Alertmanager's nflog never holds
        // the alert, and a recovery before the next retry is never announced.
        assert.equal(notifierHttpBudgetMs("production"), 25_000);
        assert.equal(notifierHttpBudgetMs("test"), 5_000);
        for (const profile of ["production", "test"] as const) {
            const c = parse(renderAlertmanagerConfig({ ...local, profile })) as any;
            const timeout = Math.max(parsePromDuration(c.route.group_interval), 10);
            assert.equal(alertmanagerNotifyTimeoutSeconds(profile), timeout);
            assert.ok(notifierHttpBudgetMs(profile) / 1000 + NOTIFIER_ANSWER_MARGIN_SECONDS <= timeout, profile);
        }
    });

    it("contains no secret values, only file paths", () => {
        const text = renderAlertmanagerConfig(local);
        assert.ok(!/routing_key:|service_key:|api_url:|credentials:|auth_password:/.test(text));
    });

    it("rejects bad input naming the field", () => {
        assert.deepEqual(
            validateAlertmanagerInput({
                receivers: { notifier: { url: "ftp://x", tokenFile: "token" }, heartbeat: { kind: "sns", region: "eu-west-1", topicArn: "arn" } },
            }),
            ['`receivers.notifier.url` must be an http(s) URL, got "ftp://x"', '`receivers.notifier.tokenFile` must be an absolute file path, got "token"'],
        );
    });
});
