/**
 * Grafana provisioning files: the Prometheus datasource and a file provider that loads the
 * generated dashboards. Baked into the Grafana image, so dashboards are code, not click-ops
 * (`allowUiUpdates: false`; edits in the UI cannot be saved over them).
 *
 * Pure: returns YAML text.
 */
import { stringify } from "yaml";
import { CLOUD_MAP_NAMES, PORTS } from "../../contracts";
import { PROMETHEUS_DATASOURCE_UID } from "./dashboards";

/** Where the image puts the dashboards JSON (the provider reads this folder). */
const DASHBOARDS_DIR = "/var/lib/grafana-dashboards";
/** Folder under which Grafana shows them. */
const DASHBOARD_FOLDER = "Koronet";

export interface GrafanaProvisioningInput {
    /** Prometheus base URL, e.g. `http://prometheus.dev.koronet.internal:9090`. */
    readonly prometheusUrl: string;
    /** Prometheus scrape interval in seconds (Grafana's minimum step, and `$__rate_interval`'s base). */
    readonly scrapeIntervalSeconds: number;
    /** Alertmanager base URL, e.g. `http://alertmanager.dev.koronet.internal:9093`. @default no Alertmanager data source */
    readonly alertmanagerUrl?: string;
}

/**
 * UID of the provisioned Alertmanager data source. Operators reach Alertmanager through it (Grafana's
 * alerting UI, and its data-source proxy: `npm run drill` posts its test alert to
 * `/api/datasources/proxy/uid/alertmanager/api/v2/alerts`); Alertmanager itself has no public address.
 */
export const ALERTMANAGER_DATASOURCE_UID = "alertmanager";
/** Grafana's admin user (`GF_SECURITY_ADMIN_USER`); its password is in Secrets Manager. */
export const GRAFANA_ADMIN_USER = "admin";

/** Prometheus URL of a Cloud Map namespace. */
export function prometheusUrl(namespace: string): string {
    return `http://${CLOUD_MAP_NAMES.prometheus}.${namespace}:${PORTS.prometheus}`;
}

export function renderDatasources(input: GrafanaProvisioningInput): string {
    return stringify(
        {
            apiVersion: 1,
            datasources: [
                {
                    name: "Prometheus",
                    uid: PROMETHEUS_DATASOURCE_UID,
                    type: "prometheus",
                    access: "proxy",
                    url: input.prometheusUrl,
                    isDefault: true,
                    editable: false,
                    jsonData: { timeInterval: `${input.scrapeIntervalSeconds}s`, httpMethod: "POST" },
                },
                ...(input.alertmanagerUrl !== undefined
                    ? [
                          {
                              name: "Alertmanager",
                              uid: ALERTMANAGER_DATASOURCE_UID,
                              type: "alertmanager",
                              access: "proxy",
                              url: input.alertmanagerUrl,
                              editable: false,
                              // Prometheus's Alertmanager (not Mimir's): API paths without an `/alertmanager` prefix.
                              jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
                          },
                      ]
                    : []),
            ],
        },
        { lineWidth: 0 },
    );
}

export function renderDashboardProviders(): string {
    return stringify(
        {
            apiVersion: 1,
            providers: [
                {
                    name: "koronet",
                    folder: DASHBOARD_FOLDER,
                    type: "file",
                    disableDeletion: true,
                    allowUiUpdates: false,
                    updateIntervalSeconds: 60,
                    options: { path: DASHBOARDS_DIR },
                },
            ],
        },
        { lineWidth: 0 },
    );
}
