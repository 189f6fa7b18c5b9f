/**
 * Physical names the program builds from the project and stack names, with the limits AWS puts on
 * each. A stack name that makes any of them too long or gives it characters AWS refuses is
 * rejected before any resource exists, naming the limit (`stackNameProblems`).
 *
 * Each entry is the longest name of its kind the program builds (`test/config/names.test.ts` checks
 * every name of the kind in the dev and prod plans against it, so the table cannot fall behind).
 */
export interface NameRule {
    /** What carries the name, as AWS calls it. */
    readonly what: string;
    /** The longest name of this kind for a project and stack. */
    readonly longest: (project: string, stack: string) => string;
    /** Plan resource type and input holding the name (for the test that keeps this table honest). */
    readonly planned: { readonly type: string; readonly input: string };
    readonly max: number;
    /** Characters AWS allows, as a regex over the whole name. */
    readonly allowed: RegExp;
    readonly allowedText: string;
    readonly source: string;
}

const LOWER_HYPHEN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const LOWER_HYPHEN_TEXT = "lowercase letters, digits and single hyphens, starting with a letter";

export const NAME_RULES: readonly NameRule[] = [
    {
        what: "ElastiCache replication group id",
        longest: (p, s) => `${p}-${s}-redis`,
        planned: { type: "aws:elasticache/replicationGroup:ReplicationGroup", input: "replicationGroupId" },
        max: 40,
        allowed: LOWER_HYPHEN,
        allowedText: LOWER_HYPHEN_TEXT,
        source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html",
    },
    {
        what: "RDS DB instance identifier",
        longest: (p, s) => `${p}-${s}-postgres`,
        planned: { type: "aws:rds/instance:Instance", input: "identifier" },
        max: 63,
        allowed: LOWER_HYPHEN,
        allowedText: LOWER_HYPHEN_TEXT,
        source: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
    },
    {
        what: "RDS final snapshot identifier",
        longest: (p, s) => `${p}-${s}-postgres-final`,
        planned: { type: "aws:rds/instance:Instance", input: "finalSnapshotIdentifier" },
        max: 255,
        allowed: LOWER_HYPHEN,
        allowedText: LOWER_HYPHEN_TEXT,
        source: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html",
    },
    {
        what: "Lambda function name",
        longest: (p, s) => `${p}-${s}-alerting-pagerduty`,
        planned: { type: "aws:lambda/function:Function", input: "name" },
        max: 64,
        allowed: /^[A-Za-z0-9_-]+$/,
        allowedText: "letters, digits, hyphens and underscores",
        source: "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
    },
    {
        what: "SQS queue name",
        longest: (p, s) => `${p}-${s}-alerting-failed-notifications`,
        planned: { type: "aws:sqs/queue:Queue", input: "name" },
        max: 80,
        allowed: /^[A-Za-z0-9_-]+$/,
        allowedText: "letters, digits, hyphens and underscores",
        source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
    },
    {
        what: "Amazon Managed Service for Prometheus workspace alias",
        longest: (p, s) => `${p}-${s}-prometheus`,
        planned: { type: "aws:amp/workspace:Workspace", input: "alias" },
        max: 100,
        allowed: /^[A-Za-z0-9_.:/-]+$/,
        allowedText: "letters, digits and _ . : / -",
        source: "https://docs.aws.amazon.com/prometheus/latest/APIReference/API_CreateWorkspace.html",
    },
    {
        what: "CloudWatch alarm name",
        longest: (p, s) => `${p}-${s}-DatabaseConnectionFailures-elasticache-node6`,
        planned: { type: "aws:cloudwatch/metricAlarm:MetricAlarm", input: "name" },
        max: 255,
        allowed: /^[\x20-\x7e]+$/,
        allowedText: "printable ASCII",
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
    },
    {
        what: "CloudWatch dashboard name",
        longest: (p, s) => `${p}-${s}-overview`,
        planned: { type: "aws:cloudwatch/dashboard:Dashboard", input: "dashboardName" },
        max: 255,
        allowed: /^[A-Za-z0-9_-]+$/,
        allowedText: "letters, digits, hyphens and underscores",
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html",
    },
    {
        what: "SNS topic name",
        longest: (p, s) => `${p}-${s}-alerting-email-critical`,
        planned: { type: "aws:sns/topic:Topic", input: "name" },
        max: 256,
        allowed: /^[A-Za-z0-9_-]+$/,
        allowedText: "letters, digits, hyphens and underscores",
        source: "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
    },
    {
        what: "DynamoDB table name",
        longest: (p, s) => `${p}-${s}-alerting-notifier-dedupe`,
        planned: { type: "aws:dynamodb/table:Table", input: "name" },
        max: 255,
        allowed: /^[A-Za-z0-9_.-]+$/,
        allowedText: "letters, digits and _ . -",
        source: "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html",
    },
    {
        what: "Secrets Manager secret name",
        longest: (p, s) => `${p}-${s}/alerting/pagerduty-routing-key`,
        planned: { type: "aws:secretsmanager/secret:Secret", input: "name" },
        max: 512,
        allowed: /^[A-Za-z0-9/_+=.@-]+$/,
        allowedText: "letters, digits and /_+=.@-",
        source: "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html",
    },
    {
        what: "CloudWatch Logs log group name",
        longest: (p, s) => `/aws/lambda/${p}-${s}-alerting-pagerduty`,
        planned: { type: "aws:cloudwatch/logGroup:LogGroup", input: "name" },
        max: 512,
        allowed: /^[A-Za-z0-9_./#-]+$/,
        allowedText: "letters, digits and _ . / # -",
        source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
    },
    {
        what: "KMS alias",
        longest: (p, s) => `alias/${p}-${s}-platform`,
        planned: { type: "aws:kms/alias:Alias", input: "name" },
        max: 256,
        allowed: /^alias\/[A-Za-z0-9/_-]+$/,
        allowedText: "alias/ then letters, digits, / _ -",
        source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
    },
    {
        what: "Cloud Map namespace DNS label",
        // The stack is one label of `<stack>.<project>.internal`.
        longest: (_p, s) => s,
        planned: { type: "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", input: "name" },
        max: 63,
        allowed: /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
        allowedText: "lowercase letters, digits and hyphens, not starting or ending with a hyphen",
        source: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html",
    },
];

/** What a stack name may look like: what every name above can carry in its place. */
const STACK_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** The longest stack name every rule allows for `project`. */
export function maxStackNameLength(project: string): { readonly length: number; readonly rule: NameRule } {
    let best: { length: number; rule: NameRule } | undefined;
    for (const rule of NAME_RULES) {
        const fixed = rule.longest(project, "").length;
        const length = rule.max - fixed;
        if (best === undefined || length < best.length) best = { length, rule };
    }
    return best as { length: number; rule: NameRule };
}

/** Problems a stack name causes, as sentences (empty when every name fits). */
export function stackNameProblems(project: string, stack: string): string[] {
    const problems: string[] = [];
    const { length: max } = maxStackNameLength(project);
    if (!STACK_NAME.test(stack)) {
        problems.push(
            `stack name ${JSON.stringify(stack)} has characters AWS names built from it cannot carry: RDS identifiers, ElastiCache ids and DNS labels allow ${LOWER_HYPHEN_TEXT}; allowed stack names: lowercase letters, digits and single hyphens, at most ${max} characters`,
        );
        return problems;
    }
    for (const rule of NAME_RULES) {
        const name = rule.longest(project, stack);
        if (name.length > rule.max) {
            problems.push(
                `stack name ${JSON.stringify(stack)} (${stack.length} characters) makes the ${rule.what} ${name} ${name.length} characters; AWS allows at most ${rule.max} (${rule.source}); stack names here may have at most ${max} characters`,
            );
        } else if (!rule.allowed.test(name)) {
            problems.push(
                `stack name ${JSON.stringify(stack)} makes the ${rule.what} ${name}, which AWS refuses: allowed ${rule.allowedText} (${rule.source})`,
            );
        }
    }
    return problems;
}
