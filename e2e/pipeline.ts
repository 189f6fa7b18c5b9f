/**
 * The whole monitoring and alerting pipeline on 127.0.0.1, from Debian packages and this repository:
 *
 *   PostgreSQL, Redis ← Koronet web server (app/) ← load
 *        ↑                  ↑
 *   postgres_exporter, redis_exporter, node_exporter, web server /metrics
 *                                       (node_exporter as ECS runs it, on a modelled instance: ecs-host.ts)
 *        ↑ scrape
 *   Prometheus (prometheus.yml + rules rendered by components/monitoring, timing profile `test`)
 *        ↓ alerts
 *   Alertmanager (alertmanager.yml rendered by components/alerting/alertmanager)
 *        ↓ webhook + bearer token            ↓ Events API v2 (critical)
 *   notifier local server (the real handler) → fake Slack        fake PagerDuty
 *        ↓ Watchdog
 *   heartbeat recorder
 *
 * Only addresses (static 127.0.0.1 targets, receiver URLs, secret file paths) differ from what the
 * stacks deploy. node_exporter runs in the container its task definition describes, on an instance
 * whose root volume is a small filesystem of fixed size (`ecsHost`), so disk alerts see what they
 * would see in AWS. Everything lives under one run folder (see services/guard.ts) and is stopped in
 * reverse order by {@link Pipeline.stop}.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

import {
    ALERTMANAGER_CLUSTER_PORT,
    alertmanagerClusterArgs,
    notifierHttpBudgetMs,
    notifierPagerDutyUrl,
    renderAlertmanagerConfig,
} from "../components/alerting/alertmanager/config";
import { PIPELINE_TIMINGS, type TimingProfile } from "../components/alerting/catalog";
import { startLocalServer, type LocalServer } from "../functions/src/notifier/local-server";
import type { DeliveryLog } from "../functions/src/shared/deliveries";
import type { HeartbeatPublisher } from "../functions/src/notifier/heartbeat";
import type { Logger } from "../functions/src/shared/log";
import { renderPostgresQueries } from "../components/monitoring/postgres-exporter/queries";
import { RULES_DIR, renderPrometheusConfig, type PrometheusConfigInput } from "../components/monitoring/prometheus/config";
import { renderPrometheusRules } from "../components/monitoring/prometheus/rules";
import {
    type AlertmanagerService,
    EcsHost,
    type ExporterService,
    type HostContainer,
    FakePagerDuty,
    FakeSlack,
    LocalStack,
    type PostgresService,
    type PrometheusService,
    type RedisService,
    RunGuard,
    sleep,
    startAlertmanager,
    startNodeExporterOnHost,
    startPostgres,
    startPostgresExporter,
    startPrometheus,
    startRedis,
    startRedisExporter,
    startWebServer,
    type WebServerService,
} from "./services";
import { NetLab, type NetHost } from "./services/netns";
import { WebhookTap } from "./services/webhook-tap";
import { APP_DIR } from "./services/webserver";

/** The slice of node-postgres the pipeline uses (loaded from app/node_modules, the app's own driver). */
export interface PgClient {
    connect(): Promise<void>;
    query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
    end(): Promise<void>;
    on(event: "error", listener: (err: Error) => void): void;
}
type PgClientCtor = new (config: { connectionString: string; application_name?: string }) => PgClient;
const pg = createRequire(path.join(APP_DIR, "package.json"))("pg") as { Client: PgClientCtor };

/** PostgreSQL `max_connections` of the run: low, so "connections exhausted" is cheap to cause. */
export const PG_MAX_CONNECTIONS = 20;
/** Items seeded for the cache scenarios: ids 1..HOT_ITEMS are the hot set, the rest are cold. */
export const SEEDED_ITEMS = 5000;
export const HOT_ITEMS = 20;
const LOAD_USER = { username: "e2e-load", password: "e2e-load-password-1" };
/**
 * The web server's own PostgreSQL role, as in AWS (the stack's `koronet` user), not the superuser:
 * superusers bypass the connection limits ordinary roles meet (superuser_reserved_connections), and
 * the faults of issue 13 break only the app's access (its password, its connection slots) while the
 * exporter's superuser connection keeps PostgresDown quiet.
 */
export const APP_DB_ROLE = { user: "koronet_app", password: "koronet-app-password-1" } as const;

/** prod's topology (issue 15): an Alertmanager cluster and Prometheus replicas. */
export interface PipelineTopology {
    /**
     * Alertmanagers. Above 1: a gossip cluster with the stacks' cluster flags, each replica on a host
     * of a network lab (services/netns.ts: its own address, 9093/9094 like an awsvpc task), peers
     * found through one name that resolves to every running replica (as Cloud Map's A records), plus
     * a spare host for deploys (a new replica starts before an old one stops). @default 1
     */
    readonly alertmanagers?: number;
    /** Prometheus servers, identical but for their `replica` label, each sending to every Alertmanager. @default 1 */
    readonly prometheus?: number;
    /** `--cluster.peer-timeout`. @default the profile's (ALERTMANAGER_PEER_TIMEOUT) */
    readonly peerTimeout?: string;
    /**
     * Prometheus's `--rules.alert.resend-delay`: a firing alert lives 4 × this at Alertmanager
     * unless re-sent. @default the profile's (test: 1 s, so a 4 s stall of a Prometheus on a loaded
     * machine expires its alerts; production: 15 s)
     */
    readonly resendDelaySeconds?: number;
    /**
     * Alertmanager's group_interval, seconds. @default the profile's (test: 1 s, shorter than the
     * time the two Prometheus servers disagree when an alert resolves; production: 30 s, longer)
     */
    readonly groupIntervalSeconds?: number;
    /** Alertmanager's group_wait, seconds. @default the profile's (test: 0 s; production: 10 s) */
    readonly groupWaitSeconds?: number;
}

/** The name the replicas find each other by (Cloud Map: `alertmanager.<namespace>`). */
const ALERTMANAGER_PEER_NAME = "alertmanager.e2e.koronet.internal";

export interface PipelineOptions {
    /** @default "test" */
    readonly profile?: TimingProfile;
    /** @default one Alertmanager and one Prometheus (dev's) */
    readonly topology?: PipelineTopology;
    /** Progress lines (startup steps). @default silent */
    readonly log?: (line: string) => void;
    /** More of the notifier as deployed (e2e/verify-drill.ts): delivery records, and a heartbeat published besides the local count. @default none */
    readonly notifier?: { readonly deliveries?: DeliveryLog; readonly heartbeat?: HeartbeatPublisher };
}

/** The fake PagerDuty's routing key (what the notifier reads from Secrets Manager when deployed). */
const E2E_ROUTING_KEY = "e2e0000000000000000000000000000e";

/** A notifier logger writing JSON lines to a file (keeps test output readable). */
function fileLogger(file: string): Logger {
    const write = (level: string, msg: string, fields?: Record<string, unknown>) =>
        fs.appendFileSync(file, `${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
    return { info: (m, f) => write("info", m, f), warn: (m, f) => write("warn", m, f), error: (m, f) => write("error", m, f) };
}

export class Pipeline {
    /** Heartbeats the notifier published (Watchdog), as `Date.now()` values. */
    readonly heartbeats: number[] = [];
    /** When the pipeline was fully started (Prometheus ready). */
    startedAt = 0;
    /** Credentials of the load's signed-in user. */
    sessionToken = "";

    private constructor(
        readonly profile: TimingProfile,
        readonly guard: RunGuard,
        readonly stack: LocalStack,
        readonly topology: PipelineTopology = {},
    ) {}

    pg!: PostgresService;
    redis!: RedisService;
    web!: WebServerService;
    postgresExporter!: ExporterService;
    redisExporter!: ExporterService;
    /** The modelled ECS instance node_exporter watches (its root volume: `ecsHost.rootVolume()`). */
    ecsHost!: EcsHost;
    nodeExporter!: HostContainer;
    slack!: FakeSlack;
    pagerduty!: FakePagerDuty;
    notifier!: LocalServer;
    alertmanager!: AlertmanagerService;
    prometheus!: PrometheusService;
    /** Every Alertmanager (one unless the topology asks for a cluster). */
    alertmanagers: AlertmanagerService[] = [];
    /** Every Prometheus server (one unless the topology asks for replicas). */
    prometheusServers: PrometheusService[] = [];
    /** The cluster's network lab, its hosts (the last one spare) and the tap in front of the notifier. */
    lab?: NetLab;
    labHosts: NetHost[] = [];
    tap?: WebhookTap;
    notifierLogFile = "";
    private notifierExtras: NonNullable<PipelineOptions["notifier"]> = {};

    /** Start everything; on failure, whatever started is stopped again before the error propagates. */
    static async start(opts: PipelineOptions = {}): Promise<Pipeline> {
        const profile = opts.profile ?? "test";
        const log = opts.log ?? (() => undefined);
        const guard = RunGuard.start();
        if (guard.swept.length > 0) log(`cleaned up after earlier runs: ${guard.swept.join("; ")}`);
        const p = new Pipeline(profile, guard, new LocalStack(), opts.topology);
        p.notifierExtras = opts.notifier ?? {};
        try {
            await p.startAll(log);
        } catch (err) {
            await p.stop().catch(() => undefined);
            throw err;
        }
        return p;
    }

    private async startAll(log: (line: string) => void): Promise<void> {
        const s = this.stack;
        const t0 = Date.now();
        const step = (what: string) => log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);

        // Data stores. pg_stat_statements as both data-store modes configure it (exporter queries read it).
        [this.pg, this.redis] = await Promise.all([
            startPostgres({ settings: { shared_preload_libraries: "'pg_stat_statements'", max_connections: String(PG_MAX_CONNECTIONS) } }).then((x) =>
                s.add(x),
            ),
            startRedis().then((x) => s.add(x)),
        ]);
        await this.sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        // The app owns its database (PostgreSQL 15: CREATE on schema public is the owner's), so its
        // migrations run as they do in AWS.
        await this.sql(`CREATE ROLE ${APP_DB_ROLE.user} LOGIN PASSWORD '${APP_DB_ROLE.password}'`);
        await this.sql(`ALTER DATABASE ${this.pg.database} OWNER TO ${APP_DB_ROLE.user}`);
        step(`postgres :${this.pg.port}, redis :${this.redis.port}`);

        this.web = s.add(
            await startWebServer({
                databaseUrl: `postgres://${APP_DB_ROLE.user}@127.0.0.1:${this.pg.port}/${this.pg.database}`,
                databasePassword: APP_DB_ROLE.password,
                redisUrl: this.redis.url,
                cacheTmpdir: this.guard.systemTmpdir,
                env: { FAULT_INJECTION: "true" },
            }),
        );
        step(`web server :${this.web.port}`);
        await this.seed();

        const dsn = `postgresql://postgres:${encodeURIComponent(this.pg.password)}@127.0.0.1:${this.pg.port}/${this.pg.database}`;
        [this.postgresExporter, this.redisExporter, this.nodeExporter] = await Promise.all([
            startPostgresExporter({ dataSourceName: dsn, queriesYaml: renderPostgresQueries() }).then((x) => s.add(x)),
            startRedisExporter({ redisUrl: this.redis.url }).then((x) => s.add(x)),
            EcsHost.start().then(async (host) => {
                this.ecsHost = s.add(host);
                return s.add(await startNodeExporterOnHost(host));
            }),
        ]);
        step("exporters");

        this.slack = s.add(await FakeSlack.start());
        this.pagerduty = s.add(await FakePagerDuty.start());
        const token = `e2e-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
        this.notifierLogFile = path.join(this.guard.dir, "notifier.log");
        const notifier = await startLocalServer({
            slackWebhookUrl: this.slack.webhookUrl,
            token,
            heartbeat: {
                publish: async () => {
                    this.heartbeats.push(Date.now());
                    await this.notifierExtras.heartbeat?.publish();
                },
            },
            ...(this.notifierExtras.deliveries !== undefined ? { deliveries: this.notifierExtras.deliveries } : {}),
            log: fileLogger(this.notifierLogFile),
            // As deployed: the notifier answers Alertmanager before Alertmanager's notify timeout.
            // PagerDuty through the notifier (its per-occurrence dedupe), to the fake PagerDuty wherever it listens.
            notifier: {
                httpDeliveryBudgetMs: notifierHttpBudgetMs(this.profile),
                pagerduty: { getRoutingKey: async () => E2E_ROUTING_KEY, url: () => this.pagerduty.eventsUrl },
            },
        });
        this.notifier = notifier;
        s.add({ name: "notifier", dispose: () => notifier.close() });
        step("fake Slack, fake PagerDuty, notifier");

        if ((this.topology.alertmanagers ?? 1) > 1 || (this.topology.prometheus ?? 1) > 1) return this.startReplicated(step, token);

        // The receivers the Alerting component gives Alertmanager in `slack.mode: lambda` with
        // PagerDuty on (components/alerting/alertmanager/stack.ts), with local URLs and files.
        this.alertmanager = s.add(
            await startAlertmanager({
                secrets: { "notifier-token": token, "pagerduty-routing-key": "e2e0000000000000000000000000000e" },
                config: ({ secretsDir }) =>
                    renderAlertmanagerConfig({
                        profile: this.profile,
                        receivers: {
                            notifier: { url: notifier.url, tokenFile: path.join(secretsDir, "notifier-token") },
                            pagerduty: { kind: "webhook", url: notifierPagerDutyUrl(notifier.url), tokenFile: path.join(secretsDir, "notifier-token") },
                            heartbeat: { kind: "webhook", url: notifier.url, tokenFile: path.join(secretsDir, "notifier-token") },
                        },
                    }),
            }),
        );
        step(`alertmanager :${this.alertmanager.port}`);

        const rules = renderPrometheusRules({ profile: this.profile });
        this.prometheus = s.add(
            await startPrometheus({
                // As deployed (--rules.alert.resend-delay from the profile's pipeline timings).
                resendDelay: `${PIPELINE_TIMINGS[this.profile].resendDelaySeconds}s`,
                files: { [`${RULES_DIR}/${rules.fileName}`]: rules.content },
                config: ({ port }) => this.prometheusYaml(port, [this.alertmanager.target]),
            }),
        );
        this.alertmanagers = [this.alertmanager];
        this.prometheusServers = [this.prometheus];
        this.startedAt = Date.now();
        step(`prometheus :${this.prometheus.port}`);
    }

    // ── prod's topology (issue 15): Alertmanager cluster, Prometheus replicas ────────────────────

    /** The Alertmanager configuration of this pipeline (the stacks' receivers with local URLs). */
    private alertmanagerYaml(secretsDir: string, notifierUrl: string): string {
        return renderAlertmanagerConfig({
            profile: this.profile,
            timings: {
                ...(this.topology.groupIntervalSeconds !== undefined ? { groupInterval: `${this.topology.groupIntervalSeconds}s` } : {}),
                ...(this.topology.groupWaitSeconds !== undefined ? { groupWait: `${this.topology.groupWaitSeconds}s` } : {}),
            },
            receivers: {
                notifier: { url: notifierUrl, tokenFile: path.join(secretsDir, "notifier-token") },
                pagerduty: { kind: "webhook", url: notifierPagerDutyUrl(notifierUrl), tokenFile: path.join(secretsDir, "notifier-token") },
                heartbeat: { kind: "webhook", url: notifierUrl, tokenFile: path.join(secretsDir, "notifier-token") },
            },
        });
    }

    /** prometheus.yml of this pipeline, for Alertmanagers at `alertmanagers`. */
    private prometheusYaml(port: number, alertmanagers: readonly string[], replica?: PrometheusConfigInput["replica"]): string {
        return renderPrometheusConfig({
            profile: this.profile,
            targets: {
                kind: "static",
                addresses: {
                    koronet: [this.web.metricsTarget],
                    postgres: [this.postgresExporter.target],
                    redis: [this.redisExporter.target],
                    node: [this.nodeExporter.target],
                    prometheus: [`127.0.0.1:${port}`],
                    alertmanager: [...alertmanagers],
                },
            },
            dataStoreInstances: { postgres: `127.0.0.1:${this.pg.port}`, redis: `127.0.0.1:${this.redis.port}` },
            ruleFiles: [`${RULES_DIR}/*.yml`],
            externalLabels: { stack: "e2e", environment: "e2e" },
            ...(replica ? { replica } : {}),
        });
    }

    private async startReplicated(step: (what: string) => void, token: string): Promise<void> {
        const s = this.stack;
        const n = this.topology.alertmanagers ?? 1;
        const secrets = { "notifier-token": token, "pagerduty-routing-key": "e2e0000000000000000000000000000e" };
        if (n > 1) {
            // Alertmanagers on hosts of their own; PagerDuty and the notifier (through the tap) at this
            // machine's address in the lab.
            this.lab = s.add(await NetLab.start());
            const lab = this.lab;
            this.tap = s.add(await WebhookTap.start(this.notifier.url, lab.rootAddress));
            this.pagerduty = s.add(await FakePagerDuty.start({ host: lab.rootAddress }));
            for (let i = 1; i <= n + 1; i++) this.labHosts.push(await lab.addHost(`am${i}`, i));
            lab.publish(ALERTMANAGER_PEER_NAME, this.labHosts.slice(0, n));
            const tapUrl = this.tap.url;
            for (const host of this.labHosts.slice(0, n)) this.alertmanagers.push(s.add(await this.startLabAlertmanager(host, secrets, tapUrl)));
            step(
                `alertmanager cluster: ${this.alertmanagers.map((a) => a.target).join(", ")} (gossip ${ALERTMANAGER_PEER_NAME}:${ALERTMANAGER_CLUSTER_PORT}, lab ${lab.rootAddress}/24)`,
            );
        } else {
            this.alertmanagers = [
                s.add(await startAlertmanager({ secrets, config: ({ secretsDir }) => this.alertmanagerYaml(secretsDir, this.notifier.url) })),
            ];
        }
        this.alertmanager = this.alertmanagers[0] as AlertmanagerService;
        // Every Prometheus sends to every Alertmanager host, the spare included (as dns_sd would list a deploy's new task).
        const amTargets = n > 1 ? this.labHosts.map((h) => `${h.address}:9093`) : [this.alertmanager.target];
        const rules = renderPrometheusRules({ profile: this.profile });
        const m = this.topology.prometheus ?? 1;
        for (let i = 0; i < m; i++) {
            const replica = m > 1 ? { value: String.fromCharCode(97 + i), haCluster: "e2e" } : undefined;
            this.prometheusServers.push(
                s.add(
                    await startPrometheus({
                        resendDelay: `${this.topology.resendDelaySeconds ?? PIPELINE_TIMINGS[this.profile].resendDelaySeconds}s`,
                        files: { [`${RULES_DIR}/${rules.fileName}`]: rules.content },
                        config: ({ port }) => this.prometheusYaml(port, amTargets, replica),
                    }),
                ),
            );
        }
        this.prometheus = this.prometheusServers[0] as PrometheusService;
        this.startedAt = Date.now();
        step(`prometheus ${this.prometheusServers.map((x) => `:${x.port}`).join(", ")}`);
    }

    /** One cluster replica on `host`, with the stacks' cluster flags (its gossip address advertised, as the image's entrypoint does). */
    private startLabAlertmanager(host: NetHost, secrets: Record<string, string>, notifierUrl: string): Promise<AlertmanagerService> {
        return startAlertmanager({
            host,
            secrets,
            config: ({ secretsDir }) => this.alertmanagerYaml(secretsDir, notifierUrl),
            cluster: alertmanagerClusterArgs({
                peers: [`${ALERTMANAGER_PEER_NAME}:${ALERTMANAGER_CLUSTER_PORT}`],
                listenAddress: `${host.gossipAddress}:${ALERTMANAGER_CLUSTER_PORT}`,
                advertiseAddress: `${host.gossipAddress}:${ALERTMANAGER_CLUSTER_PORT}`,
                profile: this.profile,
                ...(this.topology.peerTimeout !== undefined ? { peerTimeout: this.topology.peerTimeout } : {}),
            }),
        });
    }

    /**
     * A deploy step as ECS runs it at 100 %/134 %: a new replica starts on the spare host with empty
     * storage and joins the cluster, then `old` stops (SIGTERM) and its host becomes the spare. The
     * peer name follows (Cloud Map registers the new task and drops the old one).
     */
    async rollAlertmanager(old: AlertmanagerService): Promise<AlertmanagerService> {
        const lab = this.lab;
        if (lab === undefined || this.tap === undefined) throw new Error("rollAlertmanager: this pipeline has no Alertmanager cluster");
        const busy = new Set(this.alertmanagers.map((a) => a.host?.name));
        const spare = this.labHosts.find((h) => !busy.has(h.name));
        if (spare === undefined) throw new Error("rollAlertmanager: no spare host");
        lab.publish(ALERTMANAGER_PEER_NAME, [...this.alertmanagers.map((a) => a.host as NetHost), spare]);
        const secrets = { "notifier-token": "", "pagerduty-routing-key": "" };
        for (const f of Object.keys(secrets)) secrets[f as keyof typeof secrets] = fs.readFileSync(path.join(old.secretsDir, f), "utf8");
        const fresh = this.stack.add(await this.startLabAlertmanager(spare, secrets, this.tap.url));
        this.alertmanagers.push(fresh);
        await old.stop();
        this.alertmanagers = this.alertmanagers.filter((a) => a !== old);
        lab.publish(
            ALERTMANAGER_PEER_NAME,
            this.alertmanagers.map((a) => a.host as NetHost),
        );
        if (this.alertmanager === old) this.alertmanager = this.alertmanagers[0] as AlertmanagerService;
        return fresh;
    }

    /** Pipeline timings of the profile (scrape, evaluation, group_wait, ...). */
    get timings() {
        return PIPELINE_TIMINGS[this.profile];
    }

    /** A new connection to the run's database (caller ends it). */
    async pgClient(applicationName = "koronet-e2e"): Promise<PgClient> {
        const client = new pg.Client({ connectionString: this.pg.url, application_name: applicationName });
        client.on("error", () => undefined);
        await client.connect();
        return client;
    }

    /** Run one statement on a short-lived connection. */
    async sql(statement: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
        const client = await this.pgClient();
        try {
            return (await client.query(statement, params)).rows;
        } finally {
            await client.end().catch(() => undefined);
        }
    }

    /** A user, a session for the load, and SEEDED_ITEMS items (hot set first). */
    private async seed(): Promise<void> {
        const creds = LOAD_USER;
        const post = async (p: string, body: unknown) => {
            const res = await fetch(`${this.web.url}${p}`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(body),
                signal: AbortSignal.timeout(10_000),
            });
            const json = (await res.json()) as Record<string, unknown>;
            if (res.status >= 300) throw new Error(`seeding: POST ${p} answered ${res.status} ${JSON.stringify(json)}`);
            return json;
        };
        const user = await post("/api/users", creds);
        await this.signIn();
        await this.sql("INSERT INTO items (name, description, owner_id) SELECT 'item ' || g, 'seeded by e2e', $1 FROM generate_series(1, $2) AS g", [
            user["id"],
            SEEDED_ITEMS,
        ]);
    }

    /**
     * Sign the load's user in again (Redis restarts lose sessions); updates {@link sessionToken}.
     * Retries while the web server reconnects to its data stores, up to `timeoutMs`.
     */
    async signIn(timeoutMs = 30_000): Promise<string> {
        const deadline = Date.now() + timeoutMs;
        let last = "";
        do {
            try {
                const res = await fetch(`${this.web.url}/api/sessions`, {
                    method: "POST",
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify(LOAD_USER),
                    signal: AbortSignal.timeout(10_000),
                });
                const json = (await res.json()) as Record<string, unknown>;
                if (res.status === 201) {
                    this.sessionToken = String(json["token"]);
                    return this.sessionToken;
                }
                last = `${res.status} ${JSON.stringify(json)}`;
            } catch (err) {
                last = (err as Error).message;
            }
            await sleep(250);
        } while (Date.now() < deadline);
        throw new Error(`sign-in did not succeed within ${timeoutMs} ms: ${last}`);
    }

    /**
     * Wait (bounded) until Prometheus has scraped every target once, and return when that was.
     * Prometheus applies discovered targets on a 5 s tick, so this is ~5 s + one scrape interval
     * after its start; rules are evaluated from the start, before any sample exists.
     */
    async waitForFirstScrapes(timeoutMs = 60_000): Promise<number> {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
            const data = await this.prometheus.api<{ activeTargets: Array<{ lastScrape: string; health: string }> }>("/api/v1/targets", { state: "active" });
            const scraped = data.activeTargets.filter((t) => t.health !== "unknown" && !t.lastScrape.startsWith("0001-"));
            if (data.activeTargets.length > 0 && scraped.length === data.activeTargets.length) return Date.now();
            await sleep(200);
        }
        throw new Error(`Prometheus did not scrape every target within ${timeoutMs} ms`);
    }

    /** Wait until the first Watchdog heartbeat arrived: Prometheus has discovered Alertmanager. */
    async waitForHeartbeat(timeoutMs: number): Promise<boolean> {
        const deadline = Date.now() + timeoutMs;
        while (this.heartbeats.length === 0 && Date.now() < deadline) await sleep(200);
        return this.heartbeats.length > 0;
    }

    /** Alerts Prometheus holds now (pending or firing), Watchdog excluded. */
    async activeAlerts(): Promise<Array<{ alertname: string; state: string; labels: Record<string, string> }>> {
        const data = await this.prometheus.api<{ alerts: Array<{ labels: Record<string, string>; state: string }> }>("/api/v1/alerts");
        return data.alerts
            .filter((a) => a.labels["alertname"] !== "Watchdog")
            .map((a) => ({ alertname: a.labels["alertname"] ?? "", state: a.state, labels: a.labels }));
    }

    /** Stop everything in reverse order and delete the run folder. */
    async stop(): Promise<void> {
        try {
            await this.stack.stopAll();
        } finally {
            this.guard.close();
        }
    }
}
