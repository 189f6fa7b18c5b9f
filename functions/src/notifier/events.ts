/**
 * Recognising and validating what arrives: SNS records carrying CloudWatch alarm state changes,
 * and Lambda Function URL requests (API Gateway v2 payload) carrying Alertmanager webhooks.
 * Validation is deliberately lenient (unknown fields pass, most fields optional): an alarm we can
 * partly read is rendered; only one we cannot read at all falls back to a raw message.
 */
import { z } from "zod";

const ALARM_STATES = ["ALARM", "OK", "INSUFFICIENT_DATA"] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

const dimensionSchema = z.looseObject({ name: z.string(), value: z.string() });

const metricDataQuerySchema = z.looseObject({
    Id: z.string(),
    Expression: z.string().nullish(),
    Label: z.string().nullish(),
    ReturnData: z.boolean().nullish(),
    MetricStat: z
        .looseObject({
            Metric: z.looseObject({
                Namespace: z.string().nullish(),
                MetricName: z.string().nullish(),
                Dimensions: z.array(dimensionSchema).nullish(),
            }),
            Period: z.number().nullish(),
            Stat: z.string().nullish(),
            Unit: z.string().nullish(),
        })
        .nullish(),
});

const triggerSchema = z.looseObject({
    MetricName: z.string().nullish(),
    Namespace: z.string().nullish(),
    StatisticType: z.string().nullish(),
    Statistic: z.string().nullish(),
    ExtendedStatistic: z.string().nullish(),
    Unit: z.string().nullish(),
    Dimensions: z.array(dimensionSchema).nullish(),
    Period: z.number().nullish(),
    EvaluationPeriods: z.number().nullish(),
    DatapointsToAlarm: z.number().nullish(),
    ComparisonOperator: z.string().nullish(),
    Threshold: z.number().nullish(),
    ThresholdMetricId: z.string().nullish(),
    TreatMissingData: z.string().nullish(),
    EvaluateLowSampleCountPercentile: z.string().nullish(),
    Metrics: z.array(metricDataQuerySchema).nullish(),
});

const triggeringChildSchema = z.union([
    z.string(),
    z.looseObject({
        Arn: z.string(),
        State: z.looseObject({ Value: z.string().nullish(), Timestamp: z.string().nullish() }).nullish(),
    }),
]);

/** The JSON CloudWatch publishes to SNS when a metric or composite alarm changes state. */
const cloudWatchAlarmSchema = z.looseObject({
    AlarmName: z.string().min(1),
    AlarmDescription: z.string().nullish(),
    AWSAccountId: z.string().nullish(),
    AlarmConfigurationUpdatedTimestamp: z.string().nullish(),
    NewStateValue: z.enum(ALARM_STATES),
    NewStateReason: z.string().nullish(),
    StateChangeTime: z.string().nullish(),
    /** Display name such as "US East (Ohio)", not a region code; the code comes from AlarmArn. */
    Region: z.string().nullish(),
    AlarmArn: z.string().nullish(),
    OldStateValue: z.string().nullish(),
    Trigger: triggerSchema.nullish(),
    AlarmRule: z.string().nullish(),
    TriggeringChildren: z.array(triggeringChildSchema).nullish(),
});
export type CloudWatchAlarm = z.infer<typeof cloudWatchAlarmSchema>;
export type AlarmTrigger = z.infer<typeof triggerSchema>;
export type MetricDataQuery = z.infer<typeof metricDataQuerySchema>;

const stringMap = z.record(z.string(), z.string());

const alertSchema = z.looseObject({
    status: z.enum(["firing", "resolved"]),
    labels: stringMap,
    annotations: stringMap.nullish(),
    startsAt: z.string().nullish(),
    endsAt: z.string().nullish(),
    generatorURL: z.string().nullish(),
    fingerprint: z.string().nullish(),
});

/** Alertmanager webhook payload, version 4. */
const alertmanagerPayloadSchema = z.looseObject({
    version: z.string().nullish(),
    groupKey: z.string().nullish(),
    truncatedAlerts: z.number().nullish(),
    status: z.enum(["firing", "resolved"]),
    receiver: z.string().nullish(),
    groupLabels: stringMap.nullish(),
    commonLabels: stringMap.nullish(),
    commonAnnotations: stringMap.nullish(),
    externalURL: z.string().nullish(),
    alerts: z.array(alertSchema),
});
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;
export type AlertmanagerAlert = z.infer<typeof alertSchema>;

/** The part of an SNS → Lambda record the notifier reads. */
export interface SnsRecord {
    readonly EventSource?: string;
    readonly Sns: {
        readonly MessageId: string;
        readonly Message: string;
        readonly Subject?: string | null;
        readonly TopicArn?: string;
        readonly Timestamp?: string;
    };
}
export interface SnsEvent {
    readonly Records: readonly SnsRecord[];
}

/** Lambda Function URL request (API Gateway HTTP API payload format 2.0). */
export interface FunctionUrlEvent {
    readonly version?: string;
    readonly rawPath?: string;
    readonly headers?: Record<string, string | undefined>;
    readonly requestContext: { readonly http: { readonly method: string; readonly path?: string }; readonly requestId?: string };
    readonly body?: string;
    readonly isBase64Encoded?: boolean;
}

/** Function URL response (payload format 2.0). */
export interface FunctionUrlResult {
    readonly statusCode: number;
    readonly headers?: Record<string, string>;
    readonly body?: string;
}

export type IncomingEvent =
    | { readonly kind: "sns"; readonly event: SnsEvent }
    | { readonly kind: "http"; readonly event: FunctionUrlEvent }
    | { readonly kind: "unknown"; readonly event: unknown };

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Decides which path an invocation takes. Anything unrecognised is still posted, raw. */
export function classifyEvent(event: unknown): IncomingEvent {
    if (isRecord(event)) {
        const records = event["Records"];
        if (
            Array.isArray(records) &&
            records.length > 0 &&
            records.every((r) => isRecord(r) && isRecord(r["Sns"]) && typeof r["Sns"]["Message"] === "string" && typeof r["Sns"]["MessageId"] === "string")
        ) {
            return { kind: "sns", event: event as unknown as SnsEvent };
        }
        const ctx = event["requestContext"];
        if (isRecord(ctx) && isRecord(ctx["http"]) && typeof ctx["http"]["method"] === "string") {
            return { kind: "http", event: event as unknown as FunctionUrlEvent };
        }
    }
    return { kind: "unknown", event };
}

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

function describeZodError(error: z.ZodError): string {
    return error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; ");
}

function parseJson(text: string): ParseResult<unknown> {
    try {
        return { ok: true, value: JSON.parse(text) as unknown };
    } catch (e) {
        return { ok: false, error: `not JSON (${(e as Error).message})` };
    }
}

/** Parses an SNS message body as a CloudWatch alarm notification. */
export function parseCloudWatchAlarm(message: string): ParseResult<CloudWatchAlarm> {
    const json = parseJson(message);
    if (!json.ok) return json;
    const parsed = cloudWatchAlarmSchema.safeParse(json.value);
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: `not a CloudWatch alarm notification (${describeZodError(parsed.error)})` };
}

/** Parses an HTTP body as an Alertmanager webhook payload. */
export function parseAlertmanagerPayload(body: string): ParseResult<AlertmanagerPayload> {
    const json = parseJson(body);
    if (!json.ok) return json;
    const parsed = alertmanagerPayloadSchema.safeParse(json.value);
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: `not an Alertmanager webhook payload (${describeZodError(parsed.error)})` };
}

/** Request body as text, decoding base64 when the Function URL marked it so. */
export function requestBody(event: FunctionUrlEvent): string {
    const body = event.body ?? "";
    return event.isBase64Encoded === true ? Buffer.from(body, "base64").toString("utf8") : body;
}

/** Case-insensitive header lookup (Function URLs lower-case names; the local server may not). */
export function header(event: FunctionUrlEvent, name: string): string | undefined {
    const wanted = name.toLowerCase();
    for (const [k, v] of Object.entries(event.headers ?? {})) {
        if (k.toLowerCase() === wanted) return v;
    }
    return undefined;
}
