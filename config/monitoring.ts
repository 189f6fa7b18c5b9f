/** Schema of `koronet:monitoring`: the Prometheus/Grafana layer. */
import { z } from "zod";
import { cidr, int } from "./schema";

export const monitoringSchema = z.strictObject({
    /** Deploy the monitoring layer (Prometheus, Grafana, exporters, sidecars). */
    enabled: z.boolean().describe("Deploy the monitoring layer (Prometheus, Grafana, exporters, the web server's metric sidecars). prod requires it; off, the alerts that read the sidecars' metrics must be turned off too."),
    prometheus: z.strictObject({
        /** Local TSDB retention in days. */
        retentionDays: int(1, 90, "days").describe("Local TSDB retention, days."),
        /** Scrape interval; rate windows and time-to-notify follow it (windows hold at least 4 scrapes). */
        scrapeIntervalSeconds: int(5, 120, "seconds").describe("Scrape interval, seconds. Alert rate windows follow it: a default window holds at least 4 scrapes, an overridden one at least 2."),
        /** Rule evaluation interval: the alert rule group's `interval` and prometheus.yml's global one. */
        evaluationIntervalSeconds: int(5, 120, "seconds").describe("Rule evaluation interval, seconds: the alert rule group's interval and prometheus.yml's global one."),
        /** remote_write to an Amazon Managed Service for Prometheus workspace. */
        remoteWrite: z.boolean().describe("remote_write to an Amazon Managed Service for Prometheus workspace."),
    }),
    grafana: z.strictObject({
        /** CIDRs allowed to reach Grafana through the load balancer; no open default. */
        allowedCidrs: z.array(cidr).min(1),
        /** Grafana tasks behind the load balancer (sticky sessions); prod runs 2 so one can fail. */
        replicas: z.number().int().min(1).max(4),
    }),
});

export type MonitoringConfig = z.infer<typeof monitoringSchema>;
