/** The whole stack's schema: every concern, plus what "prod" means. */
import { z } from "zod";
import { ENVIRONMENTS } from "./types";
import { clusterSchema, dataStoresSchema, networkSchema, serviceSchema } from "./schema";
import { monitoringSchema } from "./monitoring";
import { alertingSchema } from "./alerting";

/** AWS regions look like `eu-west-1`, `us-gov-west-1`, `ap-southeast-4` (the list is config/aws/regions.ts). */
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

export const stackConfigSchema = z
    .strictObject({
        environment: z.enum(ENVIRONMENTS),
        region: z.string({ error: "missing; set the stack's AWS Region" }).regex(REGION, { message: "must be an AWS region such as eu-west-1" }),
        network: networkSchema,
        cluster: clusterSchema,
        service: serviceSchema,
        dataStores: dataStoresSchema,
        monitoring: monitoringSchema,
        alerting: alertingSchema,
    })
    .superRefine((c, ctx) => {
        if (c.environment !== "prod") return;
        // Production rules: what "prod" means is fixed here, not left to each stack file.
        const need = (ok: boolean, path: (string | number)[], message: string) => {
            if (!ok) ctx.addIssue({ code: "custom", path, message });
        };
        need(c.network.availabilityZones >= 2, ["network", "availabilityZones"], "prod needs at least 2 availability zones (allowed: 2..6)");
        need(c.service.minCount >= 2, ["service", "minCount"], "prod needs at least 2 tasks so one AZ can fail (allowed: 2..50)");
        need(c.cluster.ec2.minSize >= 2, ["cluster", "ec2", "minSize"], "prod needs at least 2 container instances (allowed: 2..100)");
        // The Prometheus path survives the loss of any one part (README fault rows F3, F4).
        need(
            c.monitoring.prometheus.replicas >= 2,
            ["monitoring", "prometheus", "replicas"],
            "prod runs a Prometheus pair so one can be lost or replaced without a gap in alerting (allowed: 2..3)",
        );
        need(
            c.alerting.alertmanager.replicas >= 2,
            ["alerting", "alertmanager", "replicas"],
            "prod runs an Alertmanager cluster so one can be lost or replaced without losing a notification (allowed: 2..5)",
        );
        if (c.dataStores.mode === "managed") {
            need(c.dataStores.postgres.managed.multiAz, ["dataStores", "postgres", "managed", "multiAz"], "prod needs a Multi-AZ database (allowed: true)");
            need(
                c.dataStores.postgres.managed.deletionProtection,
                ["dataStores", "postgres", "managed", "deletionProtection"],
                "prod databases keep deletion protection (allowed: true)",
            );
            need(
                c.dataStores.postgres.managed.backupRetentionDays >= 7,
                ["dataStores", "postgres", "managed", "backupRetentionDays"],
                "prod keeps backups at least 7 days (allowed: 7..35)",
            );
            need(c.dataStores.redis.managed.nodes >= 2, ["dataStores", "redis", "managed", "nodes"], "prod needs a replica for failover (allowed: 2..6)");
        }
    });

export type StackConfig = z.infer<typeof stackConfigSchema>;
