/**
 * Physical names people read (alarms, topics, functions, tables, log groups): built once, here, from
 * (project, stack). A leaf module: it imports nothing, so anything may import it. `config/` may not
 * import from `components/` (one-way imports, issue 16), so `config/aws/names.ts` states the longest
 * name of each kind with its AWS limit on its own; `test/common/naming.test.ts` holds the two equal.
 */
export interface NameContext {
    readonly project: string;
    readonly stack: string;
}

/** `${project}-${stack}-${parts...}`, e.g. `koronet-prod-web-cpu-high`; with no parts, the stack's name prefix. */
export function physicalName(ctx: NameContext, ...parts: string[]): string {
    return [ctx.project, ctx.stack, ...parts].join("-");
}

/** Tags every resource of the platform carries (set through the provider's defaultTags). */
export function standardTags(ctx: NameContext & { environment: string }): Record<string, string> {
    return { Project: ctx.project, Stack: ctx.stack, Environment: ctx.environment, ManagedBy: "pulumi" };
}

/** Every physical name of the alerting pipeline. */
export interface AlertingNames {
    /** The stack's prefix itself: the notifier's stack name and the heartbeat and drill metrics' dimension value. */
    readonly prefix: string;
    /** SNS topic `<prefix>-alerting-<key>` (`critical`, `pipeline`, `email-warning`, `heartbeat`, ...). */
    topic(key: string): string;
    /** ARN of {@link topic} in an account and region (what Alertmanager's rendered config names). */
    topicArn(key: string, region: string, accountId: string): string;
    /** A catalog alarm or composite, `<prefix>-<AlertId>[-<target>]`. */
    catalogAlarm(key: string): string;
    /** Matches the name of every alarm above (`aws:SourceArn` conditions). */
    readonly everyAlarm: string;
    /** An alarm on the pipeline itself (watchers, pipeline failures), `<prefix>-alerting-<key>`. */
    pipelineAlarm(key: string): string;
    /** A fire-drill alarm, upper case on purpose: SNS writes the email subject from the alarm name, so the subject says DRILL. */
    drillAlarm(severity: string): string;
    /** Lambda function `<prefix>-alerting-<key>` (`notifier`, `pagerduty`). */
    function(key: string): string;
    /** The log group Lambda writes {@link function}'s logs to. */
    functionLogGroup(key: string): string;
    /** The Lambdas' on-failure queue. */
    readonly failedNotificationsQueue: string;
    /** The notifier's dedupe claims and both Lambdas' delivery records (its first user named it). */
    readonly deliveryTable: string;
    /** Secrets Manager secret `<prefix>/alerting/<key>`. */
    secret(key: string): string;
    /** AWS Chatbot Slack channel configuration. */
    readonly chatbotConfiguration: string;
    /** Log group of the ECS task state-change events. */
    readonly taskEventsLogGroup: string;
    /** Metric filter over {@link taskEventsLogGroup}. */
    taskEventsFilter(key: string): string;
}

/** The alerting names of a stack whose prefix is `physicalName(ctx)` (`${project}-${stack}`). */
export function alertingNames(prefix: string): AlertingNames {
    const own = (key: string) => `${prefix}-alerting-${key}`;
    return {
        prefix,
        topic: own,
        topicArn: (key, region, accountId) => `arn:aws:sns:${region}:${accountId}:${own(key)}`,
        catalogAlarm: (key) => `${prefix}-${key}`,
        everyAlarm: `${prefix}-*`,
        pipelineAlarm: own,
        drillAlarm: (severity) => own(`DRILL-${severity}`),
        function: own,
        functionLogGroup: (key) => `/aws/lambda/${own(key)}`,
        failedNotificationsQueue: own("failed-notifications"),
        deliveryTable: own("notifier-dedupe"),
        secret: (key) => `${prefix}/alerting/${key}`,
        chatbotConfiguration: `${prefix}-alerts`,
        taskEventsLogGroup: `/aws/events/${prefix}/ecs-tasks`,
        taskEventsFilter: (key) => `${prefix}-${key}-tasks`,
    };
}

/** The stack's Cloud Map private DNS namespace, `<stack>.<project>.internal` (the stack is one label of it). */
export function cloudMapNamespace(ctx: NameContext): string {
    return `${ctx.stack}.${ctx.project}.internal`;
}

/**
 * Identifiers of the managed data stores (`koronet:dataStores.mode` managed), from the stack's name
 * prefix `<project>-<stack>` ({@link physicalName} with no parts): what RDS and ElastiCache are told
 * to call them, and what dashboards, alarms and Prometheus' `instance` label name them by.
 */
export const dataStoreIds = {
    postgresInstance: (namePrefix: string): string => `${namePrefix}-postgres`,
    redisReplicationGroup: (namePrefix: string): string => `${namePrefix}-redis`,
    /** The replication group's member clusters, `<group>-001`, `<group>-002`, … (why: components/alerting/targets.ts). */
    redisCacheClusters: (replicationGroupId: string, nodes: number): string[] =>
        Array.from({ length: nodes }, (_, n) => `${replicationGroupId}-${String(n + 1).padStart(3, "0")}`),
};
