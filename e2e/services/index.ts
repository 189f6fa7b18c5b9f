/**
 * Real local services on 127.0.0.1 for tests and benchmarks, using node builtins only.
 * One module per service; `LocalStack` tears them down in reverse order, and process-exit hooks clean
 * up anything left if a run crashes. Add a new single-process service as a module
 * exporting a subclass of `ProcessService` (it only says how to launch the process, with `startProcess`).
 */
export { MissingBinaryError, findOnPath, findPostgresBinDir } from "./binaries";
export { freePort, probeHttp, probeTcp } from "./net";
export { PostgresService, startPostgres, type PostgresOptions } from "./postgres";
export {
    cleanupAllSync,
    isPidAlive,
    makeTempDir,
    onPidTracking,
    removeTempDir,
    runCommand,
    sleep,
    startProcess,
    stopPid,
    waitForPidExit,
    type ExitInfo,
    type ManagedProcess,
    type PidListener,
    type StartProcessOptions,
    type StopPidOptions,
} from "./process";
export { RedisService, startRedis, type RedisOptions } from "./redis";
export { LocalStack, type LocalService } from "./stack";
export { ProcessService } from "./process-service";
export { AlertmanagerService, startAlertmanager, type AlertmanagerOptions } from "./alertmanager";
export {
    ExporterService,
    startNodeExporter,
    startNodeExporterOnHost,
    withListenAddress,
    startPostgresExporter,
    startRedisExporter,
    type NodeExporterOnHostOptions,
    type NodeExporterOptions,
    type PostgresExporterOptions,
    type RedisExporterOptions,
} from "./exporters";
export { EcsHost, HostContainer, loopDevicesOf, requireEcsHostSupport, type DaemonOptions, type EcsHostOptions, type VolumeSpace } from "./ecs-host";
export { RunGuard, RUNS_ROOT, processStartTime, sweepStaleRuns } from "./guard";
export { PrometheusService, startPrometheus, type PromSample, type PrometheusOptions } from "./prometheus";
export { FakePagerDuty, FakeSlack, parseSlackNotice, type PagerDutyEvent, type Received, type SlackBody, type SlackNotice } from "./receivers";
export { APP_DIR, WebServerService, startWebServer, type WebServerOptions } from "./webserver";
export { NetLab, requireNetLabSupport, type NetHost } from "./netns";
export { WebhookTap, type TappedRequest, type WebhookPayload } from "./webhook-tap";
export { FakeCloudMap, type FakeInstance } from "./cloudmap";
export { CLOUDMAP_SD_DIR, CloudMapSdService, type CloudMapSdOptions } from "./cloudmap-sd";
