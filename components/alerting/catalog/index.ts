/**
 * The alert catalog, as data over small machinery:
 * - types.ts      shapes of entries, targets, alarm specs, resolved alerts
 * - timings.ts    pipeline and per-severity timings (from config/alert-vocabulary.ts)
 * - contracts.ts  job labels, the app's namespace, task-event metrics, traffic floors
 * - promql.ts     PromQL building blocks and recording-rule names
 * - metrics.ts    CloudWatch metrics per resource, each named once
 * - entries/      the alerts, grouped by availability, traffic (errors, latency) and saturation
 * - catalog.ts    entries merged with their tuning (config/alert-tuning.ts)
 * - resolve.ts    the catalog with a stack's overrides applied
 *
 * Pure: no resources, no I/O.
 */
export * from "./types";
export * from "./timings";
export * from "./contracts";
export { ALERT_IDS, SEVERITIES, TIMING_PROFILES } from "../../../config/alert-vocabulary";
export { ALERT_CATALOG } from "./catalog";
export { rdsFreeStorageFloor } from "./entries/saturation";
export { AlertSettingsError, placeholderTargets, resolveAlerts, runbookUrl } from "./resolve";
