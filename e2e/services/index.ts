/**
 * Real local services on 127.0.0.1 for tests and benchmarks, using node builtins only.
 * One module per service; `LocalStack` tears them down in reverse order, and process-exit hooks clean
 * up anything left if a run crashes. Add a new single-process service as a module
 * exporting a subclass of `ProcessService` (it only says how to launch the process, with `startProcess`).
 */
export { MissingBinaryError, findOnPath } from "./binaries";
export { freePort, probeHttp } from "./net";
export { PostgresService, startPostgres } from "./postgres";
export { sleep, startProcess, type ManagedProcess } from "./process";
export { RedisService, startRedis } from "./redis";
export { LocalStack } from "./stack";
export { AlertmanagerService, startAlertmanager } from "./alertmanager";
export { ExporterService, startNodeExporterOnHost, startPostgresExporter, startRedisExporter } from "./exporters";
export { EcsHost, HostContainer, loopDevicesOf } from "./ecs-host";
export { RunGuard } from "./guard";
export { PrometheusService, startPrometheus } from "./prometheus";
export { FakePagerDuty, FakeSlack, parseSlackNotice } from "./receivers";
export { WebServerService, startWebServer } from "./webserver";
export { FakeCloudMap } from "./cloudmap";
export { WebhookTap } from "./webhook-tap";
export { CloudMapSdService } from "./cloudmap-sd";
