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
} from "../../../functions/src/contract/convention";
export { createNotifier, DEFAULT_DELIVERY_BUDGET_MS, type LambdaContextLike, type Notifier, type NotifierDeps } from "../../../functions/src/notifier/notifier";
export type { Clock } from "../../../functions/src/shared/clock";
export type { DedupeStore } from "../../../functions/src/notifier/dedupe";
export { deliveryKey, inMemoryDeliveryLog, type DeliveryChannel, type DeliveryLog, type DeliveryRecord, type DeliverySubject } from "../../../functions/src/shared/deliveries";
export type { HeartbeatPublisher } from "../../../functions/src/notifier/heartbeat";
export type { SecretGetter } from "../../../functions/src/shared/secrets";
export type { DeliveryOptions } from "../../../functions/src/notifier/slack";
export type { SlackMessage } from "../../../functions/src/notifier/format";
export type { AlertmanagerPayload, CloudWatchAlarm, FunctionUrlEvent, FunctionUrlResult, SnsEvent } from "../../../functions/src/notifier/events";
export { startLocalServer, type LocalServer, type LocalServerOptions } from "../../../functions/src/notifier/local-server";
