/** Plan sections of the alerting pipeline: routing per severity and each alert's worst-case time to notify. */
import { parseStackConfig } from "../../config";
import { stackAlertSettings } from "../../config/alerts";
import { routingSection, timeToNotifySection } from "../../components/alerting/report";
import { physicalName } from "../../components/common";
import { PROJECT } from "../../config";
import { readStackConfig } from "./stack-file";
import type { OfflineRun } from "./run";

type Section = (run: OfflineRun) => string | undefined;

const config = (run: OfflineRun) => parseStackConfig(readStackConfig(run.stack)).config;

export const alertingSections: readonly Section[] = [
    (run) => routingSection(config(run).alerting),
    (run) => {
        const c = config(run);
        return timeToNotifySection({
            namePrefix: physicalName({ project: PROJECT, stack: run.stack }),
            alerting: c.alerting,
            settings: stackAlertSettings(c),
            monitoringEnabled: c.monitoring.enabled,
            dataStoreMode: c.dataStores.mode,
            cacheNodes: c.dataStores.redis.managed.nodes,
        });
    },
];
