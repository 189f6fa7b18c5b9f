/**
 * prometheus.yml, rendered from plain data. Pure: no resources, no I/O.
 *
 * Targets come from Cloud Map, which ECS registers tasks into (Prometheus has no ECS discovery of its
 * own). Services that can run more than 8 tasks — the web server (autoscaled) and the host daemons
 * (one per container instance) — are read through Cloud Map's DiscoverInstances API by the discovery
 * sidecar in the Prometheus task (cloudmap-sd/, `http_sd_configs`): a DNS answer for a multivalue
 * name holds at most 8 records
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-multivalue.html), so
 * `dns_sd_configs` would scrape a random 8 of them, a different 8 each refresh. Single-task services
 * (the data-store exporters) and Alertmanager (a few replicas) stay on DNS, which needs no
 * credentials and no sidecar; the policy rule `reach-dns-discovery-at-most-8` holds them to ≤ 8 tasks.
 * The same renderer takes static `127.0.0.1` targets so the end-to-end tests run the configuration
 * the stacks deploy with only the addresses changed.
 *
 * Jobs and their `job` labels are the contract of docs/CONTRACTS.md (`koronet`, `postgres`, `redis`,
 * `node`, `cadvisor`, `prometheus`, `alertmanager`).
 */
import { stringify } from "yaml";
import { PIPELINE_TIMINGS, formatPromDuration, type TimingProfile } from "../../alerting/catalog";
import { CLOUD_MAP_NAMES, JOBS, PORTS, SCRAPE_JOBS, type ScrapeJob } from "../../contracts";

export { SCRAPE_JOBS, type ScrapeJob };

/**
 * Cloud Map service names (`<name>.<namespace>`), ports and discovery of each job. `via: "api"`:
 * the discovery sidecar (DiscoverInstances, every task); `via: "dns"`: `dns_sd_configs` (at most 8).
 */
export const DISCOVERY: Readonly<
    Record<Exclude<ScrapeJob, "prometheus">, { readonly name: string; readonly port: number; readonly record: "A" | "SRV"; readonly via: "api" | "dns" }>
> = {
    // The web server registers as `koronet` (components/service); A records, awsvpc; autoscaled
    // (prod up to 12 tasks). Scraped on its metrics port (`koronet:service.metricsPort`).
    koronet: { name: CLOUD_MAP_NAMES.web, port: 9464, record: "A", via: "api" },
    postgres: { name: CLOUD_MAP_NAMES.postgresExporter, port: PORTS.postgresExporter, record: "A", via: "dns" },
    redis: { name: CLOUD_MAP_NAMES.redisExporter, port: PORTS.redisExporter, record: "A", via: "dns" },
    // Host-network DAEMON services register SRV records (ECS: host mode needs container name + port);
    // one task per container instance (up to koronet:cluster.ec2.maxSize).
    node: { name: CLOUD_MAP_NAMES.nodeExporter, port: PORTS.nodeExporter, record: "SRV", via: "api" },
    cadvisor: { name: CLOUD_MAP_NAMES.cadvisor, port: PORTS.cadvisor, record: "SRV", via: "api" },
    alertmanager: { name: CLOUD_MAP_NAMES.alertmanager, port: PORTS.alertmanager, record: "A", via: "dns" },
};

/** The discovery sidecar's address as Prometheus, in the same task, reaches it. */
const DISCOVERY_SIDECAR_URL = `http://127.0.0.1:${PORTS.cloudmapSd}`;

/**
 * The sidecar URL listing a Cloud Map service's tasks (cloudmap-sd/: `/v1/cloudmap/<ns>/<service>`).
 * A records carry no port: the URL names the job's. SRV registrations carry their own
 * (`AWS_INSTANCE_PORT`), which the sidecar uses when the URL names none, as a DNS SRV answer would.
 */
function cloudMapSdUrl(base: string, namespace: string, service: string, port?: number): string {
    return `${base}/v1/cloudmap/${namespace}/${service}${port === undefined ? "" : `?port=${port}`}`;
}

/** Where the rule files live relative to prometheus.yml (also inside the image). */
export const RULES_DIR = "rules";
/** Token in the rendered remote_write URL that the image's entrypoint replaces with the workspace ID. */
export const AMP_WORKSPACE_PLACEHOLDER = "AMP_WORKSPACE_ID";

/** Token the image's entrypoint replaces with this task's identity (`task-<task id>`), the value of the `replica` label. */
export const PROMETHEUS_REPLICA_PLACEHOLDER = "PROMETHEUS_REPLICA";

/** External label that tells the replicas of a Prometheus pair apart; dropped from alerts. */
const REPLICA_LABEL = "replica";

export type PrometheusTargets =
    /**
     * Cloud Map: `<service>.<namespace>` for each job, through the discovery sidecar at `discoveryUrl`
     * (@default DISCOVERY_SIDECAR_URL) or DNS (`DISCOVERY[job].via`). `jobs`: only these (@default all).
     */
    | { readonly kind: "cloudMap"; readonly namespace: string; readonly discoveryUrl?: string; readonly jobs?: readonly ScrapeJob[] }
    /** Fixed addresses (end-to-end tests on 127.0.0.1). Jobs left out are not scraped. */
    | { readonly kind: "static"; readonly addresses: Readonly<Partial<Record<ScrapeJob, readonly string[]>>> };

export interface PrometheusConfigInput {
    /** Timing profile: `production` (what stacks deploy) or `test` (1 s everywhere). @default "production" */
    readonly profile?: TimingProfile;
    /** Scrape interval for the production profile. @default the catalog's production scrape interval (15 s) */
    readonly scrapeIntervalSeconds?: number;
    /** Global evaluation interval for the production profile (the rule group sets its own). @default 15 */
    readonly evaluationIntervalSeconds?: number;
    readonly targets: PrometheusTargets;
    /** The web server's metrics port (Cloud Map targets). @default DISCOVERY.koronet.port (9464) */
    readonly webMetricsPort?: number;
    /**
     * What `instance` means for the data-store exporters: the store they watch, not the exporter's
     * address (an alert "PostgresDown on 10.0.3.7:9187" helps nobody).
     * @default the exporter's address
     */
    readonly dataStoreInstances?: { readonly postgres?: string; readonly redis?: string };
    /** Rule files, relative to the folder holding prometheus.yml. @default none */
    readonly ruleFiles?: readonly string[];
    /** Labels added to every series and alert leaving this Prometheus (`stack`, `environment`). @default none */
    readonly externalLabels?: Readonly<Record<string, string>>;
    /** remote_write to Amazon Managed Service for Prometheus with SigV4 (task role credentials). @default off */
    readonly remoteWrite?: { readonly region: string; readonly workspaceId: string };
    /**
     * This server is one replica of a set (a Prometheus pair): the external label `replica` takes
     * this value, and is dropped from alerts so that every replica's alert is the same alert to
     * Alertmanager; remote_write sends it as Amazon Managed Prometheus's `__replica__`, with
     * `cluster` = `haCluster`, so AMP keeps one copy of each series. @default a single server
     */
    readonly replica?: { readonly value: string; readonly haCluster: string };
}

/** Pure checks; errors name the field. */
export function validatePrometheusConfigInput(input: PrometheusConfigInput): void {
    if (input.replica !== undefined && (!/^[A-Za-z0-9_.-]+$/.test(input.replica.value) || !/^[A-Za-z0-9_.-]+$/.test(input.replica.haCluster))) {
        throw new Error(
            `prometheus config: \`replica.value\` and \`replica.haCluster\` must be label values of letters, digits, _ . -, got ${JSON.stringify(input.replica)}`,
        );
    }
    if (input.replica !== undefined && input.externalLabels?.[REPLICA_LABEL] !== undefined)
        throw new Error(`prometheus config: \`externalLabels.${REPLICA_LABEL}\` is set by \`replica\`; set one of them`);
    if (input.targets.kind === "cloudMap" && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(input.targets.namespace)) {
        throw new Error(`prometheus config: \`targets.namespace\` must be a DNS name such as dev.koronet.internal, got "${input.targets.namespace}"`);
    }
    for (const [field, v] of [
        ["scrapeIntervalSeconds", input.scrapeIntervalSeconds],
        ["evaluationIntervalSeconds", input.evaluationIntervalSeconds],
    ] as const) {
        if (v !== undefined && (!Number.isInteger(v) || v < 1))
            throw new Error(`prometheus config: \`${field}\` must be a whole number of seconds ≥ 1, got ${v}`);
    }
    if (input.targets.kind === "static") {
        for (const [job, addrs] of Object.entries(input.targets.addresses)) {
            if (!(SCRAPE_JOBS as readonly string[]).includes(job))
                throw new Error(`prometheus config: \`targets.addresses.${job}\` is not a job; jobs: ${SCRAPE_JOBS.join(", ")}`);
            for (const a of addrs ?? [])
                if (!/^[^\s:]+:\d+$/.test(a)) throw new Error(`prometheus config: \`targets.addresses.${job}\` entry "${a}" must be host:port`);
        }
    }
}

interface ScrapeConfig {
    job_name: string;
    metrics_path?: string;
    static_configs?: { targets: string[] }[];
    dns_sd_configs?: { names: string[]; type: "A" | "SRV"; port?: number; refresh_interval: string }[];
    http_sd_configs?: { url: string; refresh_interval: string }[];
    relabel_configs?: Record<string, unknown>[];
}

/** The prometheus.yml document as an object. */
export function prometheusConfig(input: PrometheusConfigInput): Record<string, unknown> {
    validatePrometheusConfigInput(input);
    const profile = input.profile ?? "production";
    const t = PIPELINE_TIMINGS[profile];
    const scrape = profile === "test" ? t.scrapeIntervalSeconds : (input.scrapeIntervalSeconds ?? t.scrapeIntervalSeconds);
    const evaluation = profile === "test" ? t.evaluationIntervalSeconds : (input.evaluationIntervalSeconds ?? 15);
    // Scrapes must finish before the next one starts; 10 s is Prometheus' own default cap.
    const timeout = Math.min(scrape, 10);
    const refresh = formatPromDuration(profile === "test" ? 5 : 30);

    const targetsOf = (job: ScrapeJob): Pick<ScrapeConfig, "static_configs" | "dns_sd_configs" | "http_sd_configs" | "relabel_configs"> | undefined => {
        if (input.targets.kind === "static") {
            const addrs = input.targets.addresses[job];
            return addrs && addrs.length > 0 ? { static_configs: [{ targets: [...addrs] }] } : undefined;
        }
        if (input.targets.jobs !== undefined && !input.targets.jobs.includes(job)) return undefined;
        if (job === "prometheus") return { static_configs: [{ targets: [`localhost:${PORTS.prometheus}`] }] };
        const d = job === JOBS.koronet && input.webMetricsPort !== undefined ? { ...DISCOVERY.koronet, port: input.webMetricsPort } : DISCOVERY[job];
        const ns = input.targets.namespace;
        const name = `${d.name}.${ns}`;
        if (d.via === "api") {
            const url = cloudMapSdUrl(input.targets.discoveryUrl ?? DISCOVERY_SIDECAR_URL, ns, d.name, d.record === "A" ? d.port : undefined);
            return {
                http_sd_configs: [{ url, refresh_interval: refresh }],
                // Host daemons: name the host by its task (ECS's Cloud Map instance ID), not its IP.
                ...(d.record === "SRV"
                    ? { relabel_configs: [{ source_labels: ["__meta_cloudmap_instance_id"], target_label: "instance", replacement: `$1:${d.port}` }] }
                    : {}),
            };
        }
        return d.record === "A"
            ? { dns_sd_configs: [{ names: [name], type: "A", port: d.port, refresh_interval: refresh }] }
            : {
                  dns_sd_configs: [{ names: [name], type: "SRV", refresh_interval: refresh }],
                  // SRV targets are `<task id>.<service>.<namespace>`: name the host by its task, not its IP.
                  relabel_configs: [
                      {
                          source_labels: ["__meta_dns_srv_record_target"],
                          regex: `([^.]+)\\..*`,
                          target_label: "instance",
                          replacement: `$1:${d.port}`,
                      },
                  ],
              };
    };

    const storeInstance = (job: "postgres" | "redis"): Record<string, unknown>[] => {
        const v = input.dataStoreInstances?.[job];
        return v === undefined ? [] : [{ target_label: "instance", replacement: v }];
    };

    const scrapeConfigs: ScrapeConfig[] = [];
    for (const job of SCRAPE_JOBS) {
        const targets = targetsOf(job);
        if (targets === undefined) continue;
        const relabel = [...(targets.relabel_configs ?? []), ...(job === "postgres" || job === "redis" ? storeInstance(job) : [])];
        scrapeConfigs.push({
            job_name: job,
            ...(job === JOBS.koronet ? { metrics_path: "/metrics" } : {}),
            ...(targets.static_configs ? { static_configs: targets.static_configs } : {}),
            ...(targets.dns_sd_configs ? { dns_sd_configs: targets.dns_sd_configs } : {}),
            ...(targets.http_sd_configs ? { http_sd_configs: targets.http_sd_configs } : {}),
            ...(relabel.length > 0 ? { relabel_configs: relabel } : {}),
        });
    }

    const am =
        input.targets.kind === "static"
            ? (input.targets.addresses.alertmanager ?? []).length > 0
                ? { static_configs: [{ targets: [...(input.targets.addresses.alertmanager ?? [])] }] }
                : undefined
            : input.targets.jobs !== undefined && !input.targets.jobs.includes("alertmanager")
              ? undefined
              : {
                    dns_sd_configs: [
                        {
                            names: [`${DISCOVERY.alertmanager.name}.${input.targets.namespace}`],
                            type: "A",
                            port: DISCOVERY.alertmanager.port,
                            refresh_interval: refresh,
                        },
                    ],
                };

    const externalLabels = { ...input.externalLabels, ...(input.replica ? { [REPLICA_LABEL]: input.replica.value } : {}) };
    // "Alert relabeling is applied after external labels. One use for this is ensuring a HA pair of
    // Prometheus servers with different external labels send identical alerts."
    // (https://prometheus.io/docs/prometheus/latest/configuration/configuration/#alert_relabel_configs)
    const alertRelabel = input.replica ? { alert_relabel_configs: [{ action: "labeldrop", regex: REPLICA_LABEL }] } : {};
    // "Write relabeling is applied after external labels" (same page, <remote_write>). AMP keeps one
    // copy of series that carry `cluster` and `__replica__`, and strips `__replica__`
    // (https://docs.aws.amazon.com/prometheus/latest/userguide/Send-high-availability-data.html).
    const writeRelabel = input.replica
        ? {
              write_relabel_configs: [
                  { source_labels: [REPLICA_LABEL], target_label: "__replica__" },
                  { action: "labeldrop", regex: REPLICA_LABEL },
                  { target_label: "cluster", replacement: input.replica.haCluster },
              ],
          }
        : {};

    return {
        global: {
            scrape_interval: formatPromDuration(scrape),
            scrape_timeout: formatPromDuration(timeout),
            evaluation_interval: formatPromDuration(evaluation),
            ...(Object.keys(externalLabels).length > 0 ? { external_labels: externalLabels } : {}),
        },
        ...(am ? { alerting: { ...alertRelabel, alertmanagers: [{ api_version: "v2", timeout: "10s", ...am }] } } : {}),
        ...((input.ruleFiles ?? []).length > 0 ? { rule_files: [...(input.ruleFiles ?? [])] } : {}),
        scrape_configs: scrapeConfigs,
        ...(input.remoteWrite
            ? {
                  remote_write: [
                      {
                          url: `https://aps-workspaces.${input.remoteWrite.region}.amazonaws.com/workspaces/${input.remoteWrite.workspaceId}/api/v1/remote_write`,
                          sigv4: { region: input.remoteWrite.region },
                          // AMP's documented recommendations: bigger batches, bounded shards.
                          queue_config: { max_samples_per_send: 1000, max_shards: 200, capacity: 2500 },
                          ...writeRelabel,
                      },
                  ],
              }
            : {}),
    };
}

/** prometheus.yml text with a header saying where it comes from. */
export function renderPrometheusConfig(input: PrometheusConfigInput): string {
    const header =
        `# Generated by components/monitoring/prometheus/config.ts (timing profile: ${input.profile ?? "production"}).\n` +
        `# Do not edit: change the renderer or the stack's koronet:monitoring, then run \`npm run render\`.\n`;
    return header + stringify(prometheusConfig(input), { lineWidth: 0 });
}
