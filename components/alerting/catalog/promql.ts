/** PromQL building blocks of the catalog's rules: selectors, recording-rule names, matchers. Pure strings. */
import { JOBS } from "./contracts";
import type { RecordingRule } from "./types";

export const sel = (metric: string, matchers: string): string => `${metric}{${matchers}}`;
export const job = (j: string): string => `job="${j}"`;
/** `… or on() vector(0)`: an aggregate that exists even when no input series does. */
export const orZero = (expr: string): string => `(${expr} or on() vector(0))`;
/** Prometheus float literal without exponent noise. */
export const num = (n: number): string => String(Number(n.toFixed(6)));

export const httpRate = (w: string): string => `koronet:http_requests:rate${w}`;
export const http5xxRate = (w: string): string => `koronet:http_5xx_requests:rate${w}`;
export const http5xxPercent = (w: string): string => `koronet:http_5xx_requests:percent_rate${w}`;
export const httpP99 = (w: string): string => `koronet:http_request_duration_seconds:p99_rate${w}`;
export const cacheLookupRate = (w: string): string => `koronet:cache_lookups:rate${w}`;
export const cacheMissPercent = (w: string): string => `koronet:cache_misses:percent_rate${w}`;
export const redisLookupRate = (w: string): string => `koronet:redis_keyspace_lookups:rate${w}`;
export const redisMissPercent = (w: string): string => `koronet:redis_keyspace_misses:percent_rate${w}`;
export const nodeCpuPercent = (w: string): string => `koronet:node_cpu_used:percent_rate${w}`;
export const NODE_MEMORY_PERCENT = "koronet:node_memory_used:percent";
export const CONTAINER_MEMORY_PERCENT = "koronet:container_memory_used:percent";
export const NODE_FS_FREE_PERCENT = "koronet:node_filesystem_free:percent";

export function httpRateRule(w: string): RecordingRule {
    return { record: httpRate(w), expr: `sum(rate(${sel("koronet_http_requests_total", job(JOBS.koronet))}[${w}]))` };
}

/** Real filesystems only: pseudo and container-layer mounts come and go and are not "the disk". */
export const FS_MATCHERS = `${job(JOBS.node)},fstype!~"tmpfs|ramfs|devtmpfs|overlay|squashfs|nsfs|autofs|fuse.*",mountpoint!~"/(run|proc|sys|dev)($|/.*)"`;
export const CADVISOR_ECS = `${job(JOBS.cadvisor)},container_label_com_amazonaws_ecs_container_name!=""`;
