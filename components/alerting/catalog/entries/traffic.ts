/** Traffic, errors and latency: what users get from the web server (5xx share, data-store failures seen by the app, p99 latency, traffic leaving its learned band). */
import { JOBS, MIN_TRAFFIC } from "../contracts";
import { appMetrics, loadBalancer, query, targetGroup } from "../metrics";
import { parsePromDuration, UNUSUAL_TRAFFIC_BASELINE } from "../timings";
import { http5xxPercent, http5xxRate, httpP99, httpRate, httpRateRule, job, num, orZero, sel } from "../promql";
import type { AlertEntries, CloudWatchAlarmSpec } from "../types";
import { NOT_BREACHING_SYMPTOM } from "./missing-data";

export const TRAFFIC_ALERTS: AlertEntries<"HighErrorRate" | "DatabaseConnectionFailures" | "HighResponseTime" | "UnusualTraffic"> = {
    HighErrorRate: {
        id: "HighErrorRate",
        summary: "More than {threshold}% of requests fail with HTTP 5xx",
        description:
            "The share of requests answered with a 5xx status is above the threshold (only judged above a minimum traffic). Look at the error logs and recent deploys; check the database and Redis alerts, which often explain it.",
        prometheus: {
            recordingRules: (c) => [
                httpRateRule(c.window),
                {
                    record: http5xxRate(c.window),
                    expr: `sum(rate(${sel("koronet_http_requests_total", `${job(JOBS.koronet)},status_code=~"5.."`)}[${c.window}]))`,
                },
                { record: http5xxPercent(c.window), expr: `100 * ${http5xxRate(c.window)} / ${httpRate(c.window)}` },
            ],
            expr: (c) => `${http5xxPercent(c.window)} > ${num(c.threshold)} and on() ${httpRate(c.window)} >= ${num(MIN_TRAFFIC.errorRateRps)}`,
            resultLabels: [],
        },
        cloudwatch: {
            alarms: (c) => {
                const t = c.targets;
                const minRequests = MIN_TRAFFIC.errorRateRps * c.periodSeconds;
                return [
                    {
                        measures:
                            "100 × (AWS/ApplicationELB HTTPCode_Target_5XX_Count + HTTPCode_ELB_5XX_Count) / (RequestCount + HTTPCode_ELB_5XX_Count), Sum per period",
                        metricQueries: [
                            query("requests", targetGroup(t).requestCount("Sum")),
                            query("target5xx", targetGroup(t).target5xxCount("Sum")),
                            // ELB-generated 5xx exist only per load balancer. 503s for "no target"
                            // are not in RequestCount, hence their addition to the denominator.
                            query("elb5xx", loadBalancer(c.targets).elb5xxCount("Sum")),
                            {
                                id: "errorRate",
                                label: "5xx share of requests (%)",
                                returnData: true,
                                expression:
                                    `IF((FILL(requests, 0) + FILL(elb5xx, 0)) >= ${num(minRequests)}, ` +
                                    `100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / (FILL(requests, 0) + FILL(elb5xx, 0)), 0)`,
                            },
                        ],
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: c.threshold,
                        treatMissingData: "notBreaching",
                        treatMissingDataReason: `${NOT_BREACHING_SYMPTOM} ALB publishes 5xx counts only when non-zero; FILL(…, 0) and the IF guard keep zero traffic from dividing by zero.`,
                    },
                ];
            },
        },
    },

    DatabaseConnectionFailures: {
        id: "DatabaseConnectionFailures",
        summary: "Web server cannot reach its data stores: over {threshold} PostgreSQL/Redis failures per minute",
        description:
            "The app reports failed PostgreSQL connection attempts / lost connections (by reason: auth, too_many_connections, timeout, refused, network, tls, lost) and failed Redis commands above the threshold. It counts from start-up (schema migrations connect the same way), so a wrong password or a security group that drops the traffic shows with no user traffic. Check the reason label, PostgresDown/RedisDown, security groups, credentials (secret rotation) and max_connections.",
        prometheus: {
            expr: (c) => {
                const perMinute = num(60 / c.windowSeconds);
                const db = orZero(`sum(increase(${sel("koronet_db_connection_errors_total", job(JOBS.koronet))}[${c.window}]))`);
                const redis = orZero(`sum(increase(${sel("koronet_redis_errors_total", job(JOBS.koronet))}[${c.window}]))`);
                const scale = perMinute === "1" ? "" : ` * ${perMinute}`;
                return `(${db} + ${redis})${scale} > ${num(c.threshold)}`;
            },
            resultLabels: [],
        },
        cloudwatch: {
            alarms: (c) => {
                const t = c.targets;
                const specs: CloudWatchAlarmSpec[] = [
                    {
                        variant: "app",
                        measures: "Koronet/App koronet_db_connection_errors_total (every reason) + koronet_redis_errors_total, Sum per minute",
                        metricQueries: [
                            query("dbErrors", appMetrics(t).dbConnectionErrors("Sum")),
                            query("redisErrors", appMetrics(t).redisErrors("Sum")),
                            {
                                id: "failuresPerMinute",
                                label: "data-store failures per minute",
                                returnData: true,
                                expression: `(FILL(dbErrors, 0) + FILL(redisErrors, 0)) * ${num(60 / c.periodSeconds)}`,
                            },
                        ],
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: c.threshold,
                        treatMissingData: "notBreaching",
                        treatMissingDataReason: `${NOT_BREACHING_SYMPTOM} The app publishes these counters while it runs.`,
                    },
                ];
                return specs;
            },
        },
    },

    HighResponseTime: {
        id: "HighResponseTime",
        summary: "Slow responses: p99 latency above {threshold} s",
        description:
            "The 99th percentile of request duration is above the threshold. Check slow queries and the database pool (waiting clients), Redis latency, CPU, and which routes are slow on the service dashboard.",
        prometheus: {
            recordingRules: (c) => [
                httpRateRule(c.window),
                {
                    record: httpP99(c.window),
                    expr: `histogram_quantile(0.99, sum by (le) (rate(${sel("koronet_http_request_duration_seconds_bucket", job(JOBS.koronet))}[${c.window}])))`,
                },
            ],
            expr: (c) => `${httpP99(c.window)} > ${num(c.threshold)} and on() ${httpRate(c.window)} >= ${num(MIN_TRAFFIC.latencyRps)}`,
            resultLabels: [],
        },
        cloudwatch: {
            alarms: (c) => [
                {
                    measures: "AWS/ApplicationELB TargetResponseTime p99 of the web server target group",
                    metric: targetGroup(c.targets).responseTimeP99(),
                    comparisonOperator: "GreaterThanThreshold",
                    threshold: c.threshold,
                    // "evaluate": with `ignore`, p99 needs ~1000 samples per period before it counts,
                    // which a small service never reaches; 2-of-3 absorbs the noise instead.
                    evaluateLowSampleCountPercentiles: "evaluate",
                    treatMissingData: "notBreaching",
                    treatMissingDataReason: `${NOT_BREACHING_SYMPTOM} TargetResponseTime has no datapoint without requests.`,
                },
            ],
        },
    },

    UnusualTraffic: {
        id: "UnusualTraffic",
        summary: "Unusual traffic: request rate more than {threshold} standard deviations from normal",
        description:
            "The request rate left its learned band (more than the threshold in standard deviations from the last hour, and by at least 25%), or it dropped to zero while the last hour never had a quiet minute. A drop can mean clients cannot reach us (DNS, certificates, upstream); a surge can be a campaign, a retry storm or abuse. Compare with the status-code and endpoint panels.",
        prometheus: {
            recordingRules: (c) => {
                const b = UNUSUAL_TRAFFIC_BASELINE[c.profile];
                const r = httpRate(c.window);
                return [
                    httpRateRule(c.window),
                    { record: `${r}:avg_baseline`, expr: `avg_over_time(${r}[${b.range}] offset ${b.offset})` },
                    { record: `${r}:stddev_baseline`, expr: `stddev_over_time(${r}[${b.range}] offset ${b.offset})` },
                    { record: `${r}:samples_baseline`, expr: `count_over_time(${r}[${b.range}] offset ${b.offset})` },
                    { record: `${r}:min_baseline`, expr: `min_over_time(${r}[${b.range}] offset ${b.offset})` },
                ];
            },
            expr: (c) => {
                const b = UNUSUAL_TRAFFIC_BASELINE[c.profile];
                const r = httpRate(c.window);
                const minSamples = Math.floor(parsePromDuration(b.range) / c.evaluationIntervalSeconds / 2);
                const dev = `abs(${r} - ${r}:avg_baseline)`;
                // Three conditions: far in standard deviations; far in absolute terms (≥ 25% of normal,
                // ≥ 0.5 req/s), so a flat baseline with zero spread does not alarm on noise; and a
                // baseline that covers at least half its range (new stacks, restarts).
                const band =
                    `${dev} > ${num(c.threshold)} * ${r}:stddev_baseline` +
                    ` and ${dev} > clamp_min(0.25 * ${r}:avg_baseline, 0.5)` +
                    ` and ${r}:samples_baseline >= ${minSamples}`;
                // Traffic gone: the rate is 0, or absent (tasks replaced since the last request have
                // no request series yet, and sum() of nothing is nothing, not 0). Only when the
                // baseline was clearly above zero the whole time — never a quiet minute, at least
                // 0.5 req/s on average — so a low-traffic stack's normal lulls stay quiet.
                const gone =
                    `${orZero(r)} == 0` +
                    ` and on() ${r}:min_baseline > 0 and on() ${r}:avg_baseline >= ${num(MIN_TRAFFIC.errorRateRps)}` +
                    ` and on() ${r}:samples_baseline >= ${minSamples}`;
                return `(${band}) or (${gone})`;
            },
            resultLabels: [],
        },
        cloudwatch: {
            alarms: (c) => [
                {
                    // FILL(requests, 0): the ALB publishes no RequestCount in a minute without
                    // requests, so without it traffic dropping to zero is missing data, never below
                    // the band. The band is learned on the filled series, whose lower edge is above
                    // zero only when traffic has been clearly above zero: a low-traffic stack whose
                    // quiet minutes are in its history is not paged for the next one. Anomaly
                    // detection on a metric-math expression: "You also can create anomaly detection
                    // alarms on single metrics and the outputs of metric math expressions"
                    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Anomaly_Detection_Alarm.html).
                    measures: "FILL(AWS/ApplicationELB RequestCount (Sum), 0) outside ANOMALY_DETECTION_BAND(requestsOrZero, threshold)",
                    metricQueries: [
                        query("requests", targetGroup(c.targets).requestCount("Sum"), { label: "requests" }),
                        { id: "requestsOrZero", label: "requests (0 when none)", returnData: true, expression: "FILL(requests, 0)" },
                        { id: "band", label: "expected band", returnData: true, expression: `ANOMALY_DETECTION_BAND(requestsOrZero, ${num(c.threshold)})` },
                    ],
                    comparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold",
                    thresholdMetricId: "band",
                    treatMissingData: "notBreaching",
                    treatMissingDataReason: `${NOT_BREACHING_SYMPTOM} With FILL a minute without requests is a 0, judged against the band; only a minute CloudWatch has no data at all for is missing.`,
                },
            ],
        },
    },
};
