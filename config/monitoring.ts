/** Schema of `koronet:monitoring`: the Prometheus/Grafana layer. */
import { z } from "zod";
import { cidr } from "./schema";

export const monitoringSchema = z.strictObject({
    /** Deploy the monitoring layer (Prometheus, Grafana, exporters, sidecars). */
    enabled: z.boolean(),
    prometheus: z.strictObject({
        /** Local TSDB retention in days. */
        retentionDays: z.number().int().min(1).max(90),
        scrapeIntervalSeconds: z.number().int().min(5).max(120),
        evaluationIntervalSeconds: z.number().int().min(5).max(120),
        /** remote_write to an Amazon Managed Service for Prometheus workspace. */
        remoteWrite: z.boolean(),
    }),
    grafana: z.strictObject({
        /** CIDRs allowed to reach Grafana through the load balancer; no open default. */
        allowedCidrs: z.array(cidr).min(1),
        /** Grafana tasks behind the load balancer (sticky sessions); prod runs 2 so one can fail. */
        replicas: z.number().int().min(1).max(4),
    }),
});

export type MonitoringConfig = z.infer<typeof monitoringSchema>;
