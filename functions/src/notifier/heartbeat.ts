/** The Watchdog heartbeat: a CloudWatch metric whose alarm treats missing data as breaching. */
import { PutMetricDataCommand, StandardUnit, type CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { HEARTBEAT_DIMENSION, HEARTBEAT_METRIC, HEARTBEAT_NAMESPACE } from "../contract/convention";

export interface HeartbeatPublisher {
    /** Records one heartbeat. Rejects if it could not be recorded. */
    publish(): Promise<void>;
}

/** Publishes `Koronet/Alerting` `WatchdogHeartbeat{Stack=<stack>}` = 1. */
export function cloudWatchHeartbeat(client: CloudWatchClient, stackName: string, now: () => number = Date.now): HeartbeatPublisher {
    return {
        publish: async () => {
            await client.send(
                new PutMetricDataCommand({
                    Namespace: HEARTBEAT_NAMESPACE,
                    MetricData: [
                        {
                            MetricName: HEARTBEAT_METRIC,
                            Dimensions: [{ Name: HEARTBEAT_DIMENSION, Value: stackName }],
                            Timestamp: new Date(now()),
                            Value: 1,
                            Unit: StandardUnit.Count,
                        },
                    ],
                }),
            );
        },
    };
}
