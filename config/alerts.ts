/**
 * Schema of `koronet:alerting` → `alerts`: a stack's tuning of the alert catalog
 * (components/alerting/catalog/), from the alert vocabulary and tuning (config/alert-vocabulary.ts,
 * config/alert-tuning.ts): config imports nothing from components. Self-contained: embed `alertOverridesSchema` under
 * `alerting.alerts` in the stack schema. Strict: an unknown alert id or key is rejected; every
 * message names what was given and what is allowed, e.g.
 * `alerting.alerts.HighCpuUsage.threshold: 150 is out of range; allowed 1..100 (percent)`.
 *
 * ```yaml
 * koronet:alerting:
 *   alerts:
 *     HighCpuUsage: { threshold: 85, for: 5m }
 *     UnusualTraffic: { enabled: false }
 *     HighErrorRate: { severity: warning, cloudwatch: { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 } }
 * ```
 */
import { z } from "zod";
import { ALERT_IDS, PROM_DURATION, isValidCloudWatchPeriod, type AlertId, type AlertOverrides, type PrometheusIntervals } from "./alert-vocabulary";
import { ALERT_TUNING, alertSettingProblems, type AlertTuning } from "./alert-tuning";
import type { ConfigProblem } from "./types";

export type { AlertOverrides } from "./alert-vocabulary";

/** Where the section sits in the stack config; prefixes messages. */
const ALERTS_CONFIG_PATH = "alerting.alerts";

const promDuration = z.string({ error: (iss) => `${JSON.stringify(iss.input)} is not a Prometheus duration; allowed e.g. 30s, 5m, 1h` }).check((ctx) => {
    if (!PROM_DURATION.test(ctx.value)) {
        ctx.issues.push({ code: "custom", input: ctx.value, message: `${JSON.stringify(ctx.value)} is not a Prometheus duration; allowed e.g. 30s, 5m, 1h` });
    }
});

const positiveInt = (what: string, max: number) =>
    z.number({ error: (iss) => `${JSON.stringify(iss.input)} is not a number; allowed ${what} 1..${max}` }).check((ctx) => {
        if (!Number.isInteger(ctx.value) || ctx.value < 1 || ctx.value > max) {
            ctx.issues.push({ code: "custom", input: ctx.value, message: `${ctx.value} is not allowed; allowed ${what} 1..${max}` });
        }
    });

const cloudwatchSchema = z
    .strictObject(
        {
            /**
             * Seconds per datapoint: a multiple of 60. CloudWatch takes 10 and 30 only for high-resolution
             * metrics, and every metric the catalog's alarms read is published at 1-minute resolution
             * (AWS vended metrics, Container Insights, the app's EMF metrics), so such an alarm would
             * never have data (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#high-resolution-alarms).
             * @default per severity (60)
             */
            periodSeconds: z.number({ error: (iss) => `${JSON.stringify(iss.input)} is not a number; allowed a multiple of 60 up to 86400` }).check((ctx) => {
                if (ctx.value === 10 || ctx.value === 30) {
                    ctx.issues.push({
                        code: "custom",
                        input: ctx.value,
                        message: `${ctx.value} is not allowed: CloudWatch evaluates ${ctx.value}-second periods only on high-resolution metrics, and this alert's metrics have 1-minute resolution, so the alarm would never have data; allowed a multiple of 60 up to 86400`,
                    });
                } else if (!isValidCloudWatchPeriod(ctx.value) || ctx.value > 86400) {
                    ctx.issues.push({ code: "custom", input: ctx.value, message: `${ctx.value} is not allowed; allowed a multiple of 60 up to 86400` });
                }
            }),
            /** N datapoints evaluated. @default critical 1, warning 3 */
            evaluationPeriods: positiveInt("whole numbers", 1440),
            /** M of N breaching datapoints that raise the alarm. @default critical 1, warning 2 */
            datapointsToAlarm: positiveInt("whole numbers", 1440),
        },
        { error: unknownKeys("periodSeconds, evaluationPeriods, datapointsToAlarm") },
    )
    .partial()
    .check((ctx) => {
        const { evaluationPeriods: n, datapointsToAlarm: m } = ctx.value;
        if (n !== undefined && m !== undefined && m > n) {
            ctx.issues.push({ code: "custom", input: m, path: ["datapointsToAlarm"], message: `${m} is more than evaluationPeriods (${n}); allowed 1..${n}` });
        }
    });

function unknownKeys(allowed: string) {
    return (iss: { code?: string; keys?: string[] }) =>
        iss.code === "unrecognized_keys"
            ? `unknown key${(iss.keys?.length ?? 0) > 1 ? "s" : ""} ${iss.keys?.map((k) => JSON.stringify(k)).join(", ")}; allowed: ${allowed}`
            : undefined;
}

/** The override schema of one alert: only the keys that make sense for it. */
function alertSchema(def: AlertTuning) {
    const t = def.threshold;
    const full = {
        /** `false` removes the alert's Prometheus rule and CloudWatch alarms. @default true */
        enabled: z.boolean({ error: (iss) => `${JSON.stringify(iss.input)} is not allowed; allowed true or false` }),
        /** In the alert's unit, within its allowed range. @default the catalog's */
        threshold: z.number({ error: (iss) => `${JSON.stringify(iss.input)} is not a number; allowed ${t?.min}..${t?.max} (${t?.unit})` }).check((ctx) => {
            if (t !== undefined && (!Number.isFinite(ctx.value) || ctx.value < t.min || ctx.value > t.max)) {
                ctx.issues.push({ code: "custom", input: ctx.value, message: `${ctx.value} is out of range; allowed ${t.min}..${t.max} (${t.unit})` });
            }
        }),
        /** Prometheus `for` (production profile). @default per severity/alert in the catalog */
        for: promDuration,
        /** Range of rate()/increase() (production profile). @default 1m */
        window: promDuration,
        /** Routing: critical pages, warning does not. @default the catalog's */
        severity: z.enum(["critical", "warning"], { error: (iss) => `${JSON.stringify(iss.input)} is not allowed; allowed critical or warning` }),
        /** CloudWatch alarm timing. @default per severity in the catalog */
        cloudwatch: cloudwatchSchema,
    };
    // Only the keys that mean something for this alert: no threshold on a binary alert, no
    // severity on the Watchdog, no CloudWatch timing where there is no alarm.
    const keys = (Object.keys(full) as (keyof typeof full)[]).filter(
        (k) =>
            (k !== "threshold" || t !== undefined) &&
            ((k !== "for" && k !== "window") || def.prometheus !== undefined) &&
            (k !== "severity" || def.severity !== "none") &&
            (k !== "cloudwatch" || def.cloudwatch !== undefined),
    );
    const shape = Object.fromEntries(keys.map((k) => [k, full[k]])) as typeof full;
    return z.strictObject(shape, { error: unknownKeys(keys.join(", ")) }).partial();
}

const perAlert = Object.fromEntries(ALERT_IDS.map((id) => [id, alertSchema(ALERT_TUNING[id]).optional()])) as {
    [K in AlertId]: z.ZodOptional<ReturnType<typeof alertSchema>>;
};

/** `koronet:alerting` → `alerts`: per-alert overrides keyed by alert id. */
export const alertOverridesSchema = z.strictObject(perAlert, {
    error: (iss) =>
        iss.code === "unrecognized_keys"
            ? `unknown alert id${(iss.keys?.length ?? 0) > 1 ? "s" : ""} ${iss.keys?.map((k: string) => JSON.stringify(k)).join(", ")}; allowed: ${ALERT_IDS.join(", ")}`
            : undefined,
});

// Compile-time proof that the schema's output fits the hand-written type the catalog reads.
const _schemaFitsType: (x: z.infer<typeof alertOverridesSchema>) => AlertOverrides = (x) => x;
void _schemaFitsType;

/** What the alert catalog is resolved with for a stack (the catalog's `ResolveSettings` takes it as is). */
export interface StackAlertSettings {
    /** The stack's `alerts` section, validated. */
    readonly alerts: AlertOverrides;
    readonly runbookBaseUrl: string;
    readonly prometheusIntervals: PrometheusIntervals;
}

/** The catalog settings of a validated stack: its alert overrides (environment defaults already
 * merged in by `loadConfig`), runbook base and Prometheus intervals. Plan, render, the
 * time-to-notify report and the alerting component all resolve the catalog with exactly this. */
export function stackAlertSettings(config: {
    readonly alerting: { readonly alerts?: AlertOverrides; readonly runbookBaseUrl: string };
    readonly monitoring: { readonly prometheus: { readonly scrapeIntervalSeconds: number; readonly evaluationIntervalSeconds: number } };
}): StackAlertSettings {
    const p = config.monitoring.prometheus;
    return {
        alerts: config.alerting.alerts ?? {},
        runbookBaseUrl: config.alerting.runbookBaseUrl,
        prometheusIntervals: { scrapeIntervalSeconds: p.scrapeIntervalSeconds, evaluationIntervalSeconds: p.evaluationIntervalSeconds },
    };
}

/** Formats a zod error of this schema as `alerting.alerts.<path>: <message>` lines. */
export function formatAlertIssues(error: z.ZodError, prefix: string = ALERTS_CONFIG_PATH): string[] {
    return error.issues.map((i) => `${[prefix, ...i.path.map(String)].join(".")}: ${i.message}`);
}

/** Validates a raw `alerts` section; throws one Error listing every problem. */
export function parseAlertOverrides(raw: unknown): AlertOverrides {
    const r = alertOverridesSchema.safeParse(raw ?? {});
    if (!r.success)
        throw new Error(
            `Invalid alert configuration:\n${formatAlertIssues(r.error)
                .map((l) => `  - ${l}`)
                .join("\n")}`,
        );
    return r.data;
}

/**
 * What the schema cannot judge one key at a time (e.g. a rate window holding fewer than two scrapes
 * of the stack's scrape interval, datapointsToAlarm over a default evaluationPeriods), as config
 * problems, so the program stops before registering any resource. The alert catalog resolves with
 * the same function (`effectiveAlertSettings`), so what passes here resolves there.
 */
export function validateAlertCatalog(settings: StackAlertSettings): ConfigProblem[] {
    return alertSettingProblems(settings.alerts, settings.prometheusIntervals, ALERT_IDS).map((p) => ({ key: `koronet:${p.key}`, message: p.message }));
}

/**
 * Enabled alerts whose CloudWatch alarms read a metric namespace, for a data-store mode (the
 * tuning's `cloudwatch.reads`, which the catalog test holds to the alarm generators).
 */
export function alertsReadingNamespace(settings: StackAlertSettings, dataStores: { readonly mode: "ecs" | "managed" }, namespace: string): AlertId[] {
    if (validateAlertCatalog(settings).length > 0) return []; // validateAlertCatalog reports why
    return ALERT_IDS.filter(
        (id) => (settings.alerts[id]?.enabled ?? true) && ((ALERT_TUNING[id] as AlertTuning).cloudwatch?.reads[dataStores.mode] ?? []).includes(namespace),
    );
}
