/**
 * More web tasks than a DNS answer holds, discovered as the stacks discover them: N real web servers
 * (app/, each on its own loopback address as each ECS task has its own IP, API and metrics ports as
 * deployed), registered in a local Cloud Map stand-in (services/cloudmap.ts) the way ECS registers
 * tasks, the real discovery sidecar (cloudmap-sd/) reading it with its SDK client, and Prometheus
 * running the rendered prometheus.yml of the stacks (`targets.kind: "cloudMap"`, job `koronet` only,
 * timing profile `test`) with only the sidecar's address changed.
 *
 *   web server × N ← Prometheus ─http_sd→ cloudmap-sd ─DiscoverInstances→ Cloud Map stand-in
 *   (127.0.0.2…, :metrics)                                                  ↑ register / deregister
 */
import { PIPELINE_TIMINGS } from "../components/alerting/catalog";
import { DISCOVERY } from "../components/monitoring/prometheus/config";
import { renderPrometheusConfig } from "../components/monitoring/prometheus/config";
import {
    CloudMapSdService,
    FakeCloudMap,
    LocalStack,
    type PostgresService,
    type PrometheusService,
    type RedisService,
    RunGuard,
    freePort,
    sleep,
    startPostgres,
    startPrometheus,
    startRedis,
    startWebServer,
    type WebServerService,
} from "./services";

export const E2E_NAMESPACE = "e2e.koronet.internal";
/** The Cloud Map service the web server registers as (`koronet.<namespace>`). */
export const WEB_SERVICE = DISCOVERY.koronet.name;

export interface WebTask {
    /** Cloud Map instance ID (ECS: the task ID). */
    readonly id: string;
    readonly server: WebServerService;
}

export class DiscoveryRig {
    readonly tasks: WebTask[] = [];
    private next = 2;

    private constructor(
        readonly guard: RunGuard,
        readonly stack: LocalStack,
        readonly pg: PostgresService,
        readonly redis: RedisService,
        readonly cloudMap: FakeCloudMap,
        readonly sidecar: CloudMapSdService,
        readonly prometheus: PrometheusService,
        /** API and metrics ports, the same on every task (as in the task definition). */
        readonly ports: { readonly api: number; readonly metrics: number },
    ) {}

    /** Start everything with `count` web tasks registered; on failure, whatever started is stopped. */
    static async start(count: number, log: (line: string) => void = () => undefined): Promise<DiscoveryRig> {
        const guard = RunGuard.start();
        const stack = new LocalStack();
        try {
            const t0 = Date.now();
            const step = (what: string) => log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);
            const [pg, redis] = await Promise.all([startPostgres().then((x) => stack.add(x)), startRedis().then((x) => stack.add(x))]);
            const cloudMap = await FakeCloudMap.start();
            stack.add({ name: "cloud-map-stand-in", dispose: () => cloudMap.stop() });
            const sidecar = stack.add(await CloudMapSdService.start({ namespace: E2E_NAMESPACE, sdkEnv: cloudMap.sdkEnv(), cacheTmpdir: guard.systemTmpdir }));
            step(`postgres, redis, Cloud Map stand-in, discovery sidecar :${sidecar.port}`);
            const ports = { api: await freePort(), metrics: await freePort() };
            const profile = "test" as const;
            const prometheus = stack.add(
                await startPrometheus({
                    config: () =>
                        renderPrometheusConfig({
                            profile,
                            targets: { kind: "cloudMap", namespace: E2E_NAMESPACE, discoveryUrl: sidecar.url, jobs: ["koronet"] },
                            webMetricsPort: ports.metrics,
                            externalLabels: { stack: "e2e", environment: "e2e" },
                        }),
                    resendDelay: `${PIPELINE_TIMINGS[profile].resendDelaySeconds}s`,
                }),
            );
            step(`prometheus :${prometheus.port}`);
            const rig = new DiscoveryRig(guard, stack, pg, redis, cloudMap, sidecar, prometheus, ports);
            // The first start compiles the app (tsx cache); the others start together after it.
            await rig.addTask();
            await Promise.all(Array.from({ length: count - 1 }, () => rig.addTask()));
            step(`${count} web servers registered`);
            return rig;
        } catch (err) {
            await stack.stopAll().catch(() => undefined);
            guard.close();
            throw err;
        }
    }

    /** Starts a web server on the next loopback address and registers it, as ECS does when a task starts. */
    async addTask(): Promise<WebTask> {
        const host = `127.0.0.${this.next++}`;
        const server = this.stack.add(
            await startWebServer({
                host,
                port: this.ports.api,
                metricsPort: this.ports.metrics,
                databaseUrl: this.pg.urlWithoutPassword,
                databasePassword: this.pg.password,
                redisUrl: this.redis.url,
                cacheTmpdir: this.guard.systemTmpdir,
                env: { DB_POOL_MAX: "2" },
            }),
        );
        const id = `task-${host.split(".").pop()}`;
        this.cloudMap.register(E2E_NAMESPACE, WEB_SERVICE, { id, ipv4: host, attributes: { ECS_SERVICE_NAME: "web-svc" } });
        const task = { id, server };
        this.tasks.push(task);
        return task;
    }

    /** Deregisters a task (ECS does so first when it stops one) and stops its server. */
    async removeTask(task: WebTask): Promise<void> {
        this.cloudMap.deregister(E2E_NAMESPACE, WEB_SERVICE, task.id);
        this.tasks.splice(this.tasks.indexOf(task), 1);
        await task.server.stop();
    }

    /** The `host:metricsPort` Prometheus should scrape for the registered tasks. */
    expectedTargets(): string[] {
        return this.tasks.map((t) => t.server.metricsTarget).sort();
    }

    /** Active `koronet` targets Prometheus has, with their health. */
    async koronetTargets(): Promise<{ instance: string; health: string }[]> {
        return (await this.prometheus.targets())
            .filter((t) => t.job === "koronet")
            .map((t) => ({ instance: t.instance, health: t.health }))
            .sort((a, b) => a.instance.localeCompare(b.instance));
    }

    /**
     * Waits (bounded) until Prometheus scrapes exactly the registered tasks, every one up; returns the
     * milliseconds it took from `since`.
     */
    async waitForExactTargets(since: number, timeoutMs: number): Promise<number> {
        const deadline = Date.now() + timeoutMs;
        let last = "";
        while (Date.now() < deadline) {
            const want = this.expectedTargets();
            const have = await this.koronetTargets();
            if (have.length === want.length && have.every((t, i) => t.instance === want[i] && t.health === "up")) return Date.now() - since;
            last = JSON.stringify(have);
            await sleep(250);
        }
        throw new Error(`Prometheus did not scrape exactly ${JSON.stringify(this.expectedTargets())} within ${timeoutMs} ms; it has ${last}`);
    }

    async stop(): Promise<void> {
        try {
            await this.stack.stopAll();
        } finally {
            this.guard.close();
        }
    }
}
