/**
 * Public surface of the Slack notifier Lambda. The alerting component ships `bundleNotifier()` as
 * the function's code and uses the conventions below when it creates alarms, the dedupe table,
 * the heartbeat alarm and the IAM policy.
 */
export { bundleNotifier, NOTIFIER_ENTRY, NOTIFIER_HANDLER, NOTIFIER_RUNTIME, type BundleOptions } from "./bundle";
export {
    DEDUPE_TABLE_SCHEMA,
    DRILL_LABELS,
    DRILL_METRIC,
    formatAlarmDescription,
    HEARTBEAT_DIMENSION,
    HEARTBEAT_METRIC,
    HEARTBEAT_NAMESPACE,
    isUnsetSecret,
    NOTIFIER_ENV,
    NOTIFIER_IAM_ACTIONS,
    normaliseSeverity,
    parseAlarmDescription,
    SEVERITIES,
    UNSET_SECRET_PLACEHOLDER,
    WATCHDOG_ALERT_NAME,
    type AlarmDescriptionParts,
    type Severity,
} from "./convention";
export { createNotifier, DEFAULT_DELIVERY_BUDGET_MS, type LambdaContextLike, type Notifier, type NotifierDeps } from "./notifier";
export type { Clock } from "./clock";
export type { DedupeStore } from "./dedupe";
export { deliveryKey, inMemoryDeliveryLog, type DeliveryChannel, type DeliveryLog, type DeliveryRecord, type DeliverySubject } from "./deliveries";
export type { HeartbeatPublisher } from "./heartbeat";
export type { SecretGetter } from "./secrets";
export type { DeliveryOptions } from "./slack";
export type { SlackMessage } from "./format";
export type { AlertmanagerPayload, CloudWatchAlarm, FunctionUrlEvent, FunctionUrlResult, SnsEvent } from "./events";
export { startLocalServer, type LocalServer, type LocalServerOptions } from "./local-server";
