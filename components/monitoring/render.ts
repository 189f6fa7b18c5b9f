/**
 * What `npm run render` writes for the monitoring layer, per stack, under `rendered/<stack>/`:
 * each folder is also the build context of the image that carries it, so what is reviewed is what
 * is deployed. Renderers are plain data → files; the script owns the writing.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { StackConfig } from "../../config";
import { stackAlertSettings } from "../../config/alerts";
import { cloudwatchDashboardBody } from "./cloudwatch/dashboard";
import { buildDashboards } from "./grafana/dashboards";
import { prometheusUrl, renderDashboardProviders, renderDatasources } from "./grafana/provisioning";
import { cloudMapNamespace, dataStoreIds, physicalName } from "../common/naming";
import { CLOUD_MAP_NAMES, PORTS } from "../contracts";
import { renderPostgresQueries, QUERIES_FILE_NAME } from "./postgres-exporter/queries";
import { RDS_CA_FILE_NAME, renderRdsCaBundle } from "./postgres-exporter/rds-ca";
import { parse } from "yaml";
import {
    AMP_WORKSPACE_PLACEHOLDER,
    PROMETHEUS_REPLICA_PLACEHOLDER,
    RULES_DIR,
    prometheusConfig,
    renderPrometheusConfig,
    type PrometheusConfigInput,
} from "./prometheus/config";
import { renderPrometheusRules } from "./prometheus/rules";

/** The repository folder holding the rendered files. */
export const RENDERED_ROOT = "rendered";

/** What a renderer knows about a stack. */
export interface RenderContext {
    readonly project: string;
    readonly stack: string;
    readonly config: StackConfig;
}

/** One file, relative to `rendered/<stack>/`. */
export interface RenderedFile {
    readonly path: string;
    readonly content: string;
}

export interface Renderer {
    readonly name: string;
    render(ctx: RenderContext): RenderedFile[];
}

/** The stack's Cloud Map namespace (components/common/naming.ts). */
function namespaceOf(ctx: Pick<RenderContext, "project" | "stack">): string {
    return cloudMapNamespace(ctx);
}

/** prometheus.yml input the stacks deploy (production profile, Cloud Map targets). */
function stackPrometheusInput(ctx: RenderContext): PrometheusConfigInput {
    const m = ctx.config.monitoring.prometheus;
    const ns = namespaceOf(ctx);
    const managed = ctx.config.dataStores.mode === "managed";
    const prefix = physicalName(ctx);
    return {
        profile: "production",
        scrapeIntervalSeconds: m.scrapeIntervalSeconds,
        evaluationIntervalSeconds: m.evaluationIntervalSeconds,
        targets: { kind: "cloudMap", namespace: ns },
        // Prometheus scrapes the web server's metrics port, which no target group registers.
        webMetricsPort: ctx.config.service.metricsPort,
        // The store each exporter watches: RDS/ElastiCache identifiers (components/datastores names
        // them `<project>-<stack>-postgres|redis`) or the in-cluster Cloud Map name.
        dataStoreInstances: managed
            ? { postgres: dataStoreIds.postgresInstance(prefix), redis: dataStoreIds.redisReplicationGroup(prefix) }
            : { postgres: `${CLOUD_MAP_NAMES.postgres}.${ns}:5432`, redis: `${CLOUD_MAP_NAMES.redis}.${ns}:6379` },
        ruleFiles: [`${RULES_DIR}/*.yml`],
        externalLabels: { stack: ctx.stack, environment: ctx.config.environment },
        ...(m.remoteWrite ? { remoteWrite: { region: ctx.config.region, workspaceId: AMP_WORKSPACE_PLACEHOLDER } } : {}),
        // A pair: each task fills in its own identity when it starts (the image's entrypoint).
        ...(m.replicas > 1 ? { replica: { value: PROMETHEUS_REPLICA_PLACEHOLDER, haCluster: prefix } } : {}),
    };
}

const asset = (...p: string[]) => readFileSync(path.join(__dirname, ...p), "utf8");

const prometheusRenderer: Renderer = {
    name: "prometheus",
    render: (ctx) => {
        // The stack's effective settings: environment alert defaults, scrape and evaluation intervals.
        const rules = renderPrometheusRules({ ...stackAlertSettings(ctx.config), profile: "production" });
        return [
            { path: "prometheus/Dockerfile", content: asset("prometheus", "image.Dockerfile") },
            { path: "prometheus/entrypoint.sh", content: asset("prometheus", "image", "entrypoint.sh") },
            { path: "prometheus/prometheus.yml", content: renderPrometheusConfig(stackPrometheusInput(ctx)) },
            { path: `prometheus/${RULES_DIR}/${rules.fileName}`, content: rules.content },
        ];
    },
};

const grafanaRenderer: Renderer = {
    name: "grafana",
    render: (ctx) => [
        { path: "grafana/Dockerfile", content: asset("grafana", "image.Dockerfile") },
        {
            path: "grafana/provisioning/datasources/prometheus.yml",
            content: renderDatasources({
                prometheusUrl: prometheusUrl(namespaceOf(ctx)),
                scrapeIntervalSeconds: ctx.config.monitoring.prometheus.scrapeIntervalSeconds,
                // The stack runs Alertmanager whenever it runs the monitoring layer (stacks/environment.ts).
                alertmanagerUrl: `http://${CLOUD_MAP_NAMES.alertmanager}.${namespaceOf(ctx)}:${PORTS.alertmanager}`,
            }),
        },
        { path: "grafana/provisioning/dashboards/koronet.yml", content: renderDashboardProviders() },
        ...Object.entries(buildDashboards()).map(([uid, d]) => ({ path: `grafana/dashboards/${uid}.json`, content: `${JSON.stringify(d, null, 2)}\n` })),
    ],
};

const postgresExporterRenderer: Renderer = {
    name: "postgres-exporter",
    render: (ctx) => [
        { path: "postgres-exporter/Dockerfile", content: asset("postgres-exporter", "image.Dockerfile") },
        { path: `postgres-exporter/${QUERIES_FILE_NAME}`, content: renderPostgresQueries() },
        { path: `postgres-exporter/${RDS_CA_FILE_NAME}`, content: renderRdsCaBundle(ctx.config.region) },
    ],
};

/** Placeholders for values that exist only after deployment. */
const DEPLOY_TIME = (name: string) => `{{${name}}}`;

const cloudwatchRenderer: Renderer = {
    name: "cloudwatch",
    render: (ctx) => {
        const body = cloudwatchDashboardBody({
            region: ctx.config.region,
            clusterName: DEPLOY_TIME("clusterName"),
            serviceName: DEPLOY_TIME("serviceName"),
            loadBalancerArnSuffix: DEPLOY_TIME("loadBalancerArnSuffix"),
            targetGroupArnSuffix: DEPLOY_TIME("targetGroupArnSuffix"),
            dataStores:
                ctx.config.dataStores.mode === "managed"
                    ? {
                          mode: "managed",
                          rdsInstanceId: dataStoreIds.postgresInstance(physicalName(ctx)),
                          replicationGroupId: dataStoreIds.redisReplicationGroup(physicalName(ctx)),
                          cacheClusterIds: dataStoreIds.redisCacheClusters(
                              dataStoreIds.redisReplicationGroup(physicalName(ctx)),
                              ctx.config.dataStores.redis.managed.nodes,
                          ),
                      }
                    : { mode: "ecs", postgresServiceName: DEPLOY_TIME("postgresServiceName"), redisServiceName: DEPLOY_TIME("redisServiceName") },
            monitoringServiceNames: [DEPLOY_TIME("prometheusServiceName"), DEPLOY_TIME("grafanaServiceName")],
        });
        return [{ path: "cloudwatch/dashboard.json", content: `${JSON.stringify(body, null, 2)}\n` }];
    },
};

/** What the deployed Prometheus must show (`npm run verify`): its scrape jobs and the alert rules it loads. */
export interface ExpectedPrometheus {
    readonly jobs: readonly string[];
    readonly alertRules: readonly string[];
}

/** The scrape jobs of the stack's prometheus.yml and the alerts of its rule file, from the same renderers. */
export function expectedPrometheus(ctx: RenderContext): ExpectedPrometheus {
    const config = prometheusConfig(stackPrometheusInput(ctx)) as { scrape_configs?: { job_name: string }[] };
    const rules = parse(renderPrometheusRules({ ...stackAlertSettings(ctx.config), profile: "production" }).content) as {
        groups?: { rules?: { alert?: string }[] }[];
    };
    return {
        jobs: (config.scrape_configs ?? []).map((c) => c.job_name).sort(),
        alertRules: [...new Set((rules.groups ?? []).flatMap((g) => (g.rules ?? []).flatMap((r) => (r.alert !== undefined ? [r.alert] : []))))].sort(),
    };
}

/** The monitoring layer's renderers, in order. */
export const MONITORING_RENDERERS: readonly Renderer[] = [prometheusRenderer, grafanaRenderer, postgresExporterRenderer, cloudwatchRenderer];
