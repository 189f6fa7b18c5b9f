/**
 * The configuration acceptance table (issue 12): every stack file a team might write that AWS would
 * refuse, that would deploy something broken, or whose message used to mislead. Each case runs the
 * real program offline (the same path as `npm run plan`) and must be either
 * - rejected before any resource is registered, with a message naming the key, the value as
 *   written, what is allowed and the command that fixes it, and no stack trace; or
 * - made valid by design, with the plan showing the behaviour that makes it valid.
 */
import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { ConfigError, formatConfigProblems, parseStackConfig, type ConfigProblem, type RawStackConfig } from "../../config";
import { APP_PROBE_ROUTES } from "../../config/schema";
import { PROJECT_ROOT, readStackConfig } from "../../scripts/offline/stack-file";
import { runOffline } from "../../scripts/offline/run";
import { Graph, graphWith } from "../harness";

/** The committed stack file of `stack` with `overrides` layered on (objects merge). */
function raw(stack: string, overrides: Record<string, unknown> = {}, secrets: Record<string, string> = {}): RawStackConfig {
    return readStackConfig(stack, { overrides, secrets });
}

const DEV_FILE = readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8");
const PROD_FILE = readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8");

interface Rejected {
    readonly name: string;
    readonly stack?: string;
    readonly overrides?: Record<string, unknown>;
    readonly secrets?: Record<string, string>;
    /** A whole stack file instead of the committed one (written to a temporary project root). */
    readonly file?: string;
    /** The problem's key, exactly. */
    readonly key: string;
    /** Its message. */
    readonly message: RegExp;
    /** Its fix command. @default a `pulumi config ...` command */
    readonly fix?: RegExp;
}

const PAGERDUTY_KEY = "a".repeat(32);
const SLACK_URL = "https://hooks.slack.com/services/T1/B1/abc";

const REJECTED: readonly Rejected[] = [
    // ── AWS vocabularies ──────────────────────────────────────────────────────────────────────
    {
        name: "an EC2 instance type AWS does not have",
        overrides: { "koronet:cluster": { ec2: { instanceType: "t3.humongous" } } },
        key: "koronet:cluster.ec2.instanceType",
        message: /^got "t3\.humongous"; allowed EC2 instance types \(x86_64, priced in cost\/\): t3\.micro, .*m6i\.large/,
        fix: /pulumi config set --path koronet:cluster\.ec2\.instanceType t3\.medium --stack dev/,
    },
    {
        name: "an arm64 instance type for the x86_64 ECS-optimised AMI",
        overrides: { "koronet:cluster": { ec2: { instanceType: "t4g.medium" } } },
        key: "koronet:cluster.ec2.instanceType",
        message: /^got "t4g\.medium", an arm64 \(AWS Graviton\) type; the EC2 capacity boots the x86_64 ECS-optimised Amazon Linux 2023 AMI/,
    },
    {
        name: "an EC2 instance too small for Prometheus and the daemons",
        overrides: { "koronet:cluster": { ec2: { instanceType: "t3.small" } } },
        key: "koronet:cluster.ec2.instanceType",
        message: /^got "t3\.small" \(2048 MiB, about 1843 MiB registered for tasks\); one instance must hold Prometheus \(1536 MiB\)/,
    },
    {
        name: "an ElastiCache node type AWS does not have",
        stack: "prod",
        overrides: { "koronet:dataStores": { redis: { managed: { nodeType: "cache.zz1.large" } } } },
        key: "koronet:dataStores.redis.managed.nodeType",
        message: /^got "cache\.zz1\.large"; allowed ElastiCache node types \(priced in cost\/\): cache\.t4g\.micro/,
    },
    {
        name: "an unknown RDS class (used to be a raw error with a trace after 100+ resources)",
        stack: "prod",
        overrides: { "koronet:dataStores": { postgres: { managed: { instanceClass: "db.t9.huge" } } } },
        key: "koronet:dataStores.postgres.managed.instanceClass",
        message: /^got "db\.t9\.huge"; allowed RDS instance classes \(priced in cost\/\): db\.t4g\.micro/,
        fix: /--path koronet:dataStores\.postgres\.managed\.instanceClass db\.r6g\.large --stack prod/,
    },
    {
        name: "a PostgreSQL version without an RDS engine and an ECS image",
        overrides: { "koronet:dataStores": { postgres: { version: 14 } } },
        key: "koronet:dataStores.postgres.version",
        message: /^got 14; allowed PostgreSQL major versions: 15, 16$/,
    },
    {
        name: "a Redis version ElastiCache does not offer",
        overrides: { "koronet:dataStores": { redis: { managed: { engineVersion: "6.0" } } } },
        key: "koronet:dataStores.redis.managed.engineVersion",
        message: /^got "6\.0"; allowed Redis OSS versions: 7\.0, 7\.1$/,
    },
    {
        name: "a region that does not exist",
        overrides: { "aws:region": "eu-middle-9" },
        key: "aws:region",
        message: /^got "eu-middle-9" \(not a commercial AWS Region\); allowed: us-east-1, .*eu-west-1/,
        fix: /pulumi config set aws:region <region> --stack dev/,
    },
    {
        name: "a GovCloud region (another partition)",
        overrides: { "aws:region": "us-gov-west-1" },
        key: "aws:region",
        message: /GovCloud and China Regions are other AWS partitions, and the program writes arn:aws: ARNs/,
    },
    {
        name: "more availability zones than the region offers",
        overrides: { "aws:region": "us-west-1", "koronet:network": { availabilityZones: 3 } },
        key: "koronet:network.availabilityZones",
        message: /^got 3; us-west-1 offers every account 2 availability zones \(allowed: 1\.\.2;/,
    },
    {
        name: "a certificate from another region",
        overrides: { "koronet:service": { certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc-123" } },
        key: "koronet:service.certificateArn",
        message: /^got a certificate in us-east-1; an Application Load Balancer uses ACM certificates of its own Region only, so it must be in eu-west-1/,
    },
    {
        name: "a PostgreSQL reserved word as master username",
        overrides: { "koronet:dataStores": { postgres: { username: "user" } } },
        key: "koronet:dataStores.postgres.username",
        message: /^got "user"; "user" is a PostgreSQL reserved word/,
    },
    {
        name: "an RDS-reserved role name",
        overrides: { "koronet:dataStores": { postgres: { username: "rdsadmin" } } },
        key: "koronet:dataStores.postgres.username",
        message: /"rdsadmin" is reserved by RDS/,
    },
    {
        name: "a pg_ role name",
        overrides: { "koronet:dataStores": { postgres: { username: "pg_app" } } },
        key: "koronet:dataStores.postgres.username",
        message: /role names starting with pg_ are reserved by PostgreSQL/,
    },
    {
        name: "a reserved word as database name",
        overrides: { "koronet:dataStores": { postgres: { databaseName: "select" } } },
        key: "koronet:dataStores.postgres.databaseName",
        message: /^got "select"; "select" is a PostgreSQL reserved word/,
    },
    {
        name: "a storage ceiling RDS refuses (< 110 % of allocated)",
        stack: "prod",
        overrides: { "koronet:dataStores": { postgres: { managed: { allocatedStorageGiB: 100, maxAllocatedStorageGiB: 105 } } } },
        key: "koronet:dataStores.postgres.managed.maxAllocatedStorageGiB",
        message: /^got 105; RDS needs the autoscaling ceiling at least 10% above allocatedStorageGiB \(100\), so allowed: 110\.\.65536/,
    },
    {
        name: "a CloudWatch period only high-resolution metrics have",
        overrides: { "koronet:alerting": { alerts: { HighErrorRate: { cloudwatch: { periodSeconds: 30 } } } } },
        key: "koronet:alerting.alerts.HighErrorRate.cloudwatch.periodSeconds",
        message: /CloudWatch evaluates 30-second periods only on high-resolution metrics/,
    },

    // ── Names after every prefix and suffix ───────────────────────────────────────────────────
    {
        name: "a stack name too long for the ElastiCache replication group id",
        stack: "a234567890b234567890c234567",
        file: `config:\n  aws:region: eu-west-1\n  koronet:environment: dev\n`,
        key: 'stack "a234567890b234567890c234567"',
        message:
            /makes the ElastiCache replication group id koronet-a234567890b234567890c234567-redis 41 characters; AWS allows at most 40 \(https:\/\/docs\.aws\.amazon\.com\/AmazonElastiCache\/.*\); stack names here may have at most 26 characters/,
        fix: /^pulumi stack rename <name: at most 26 lowercase letters, digits, hyphens>/,
    },
    {
        name: "a stack name with characters AWS names cannot carry",
        stack: "My_Stack",
        file: `config:\n  aws:region: eu-west-1\n  koronet:environment: dev\n`,
        key: 'stack "My_Stack"',
        message:
            /has characters AWS names built from it cannot carry: .*allowed stack names: lowercase letters, digits and single hyphens, at most 26 characters/,
    },

    // ── CIDRs and duplicates ──────────────────────────────────────────────────────────────────
    {
        name: "a VPC that is the whole of 10/8",
        overrides: { "koronet:network": { cidrBlock: "10.0.0.0/8" } },
        key: "koronet:network.cidrBlock",
        message: /^got "10\.0\.0\.0\/8"; a VPC's IPv4 block must be \/16 to \/28/,
    },
    {
        name: "a VPC CIDR with host bits set",
        overrides: { "koronet:network": { cidrBlock: "10.40.0.1/16" } },
        key: "koronet:network.cidrBlock",
        message: /^got "10\.40\.0\.1\/16", which has host bits set; allowed: its network address 10\.40\.0\.0\/16/,
        fix: /--path koronet:network\.cidrBlock 10\.40\.0\.0\/16 --stack dev/,
    },
    {
        name: "a VPC too small for the subnets awsx lays out",
        stack: "prod",
        overrides: { "koronet:network": { cidrBlock: "10.50.0.0/18" } },
        key: "koronet:network.cidrBlock",
        message:
            /^got "10\.50\.0\.0\/18"; 3 availability zones each need a public \/22 and a private \/20 .* so the VPC must be \/17 or larger \(allowed prefixes: \/16\.\.\/17\)/,
    },
    {
        name: "a load-balancer CIDR with host bits",
        overrides: { "koronet:service": { allowedCidrs: ["203.0.113.7/24"] } },
        key: "koronet:service.allowedCidrs.0",
        message: /^got "203\.0\.113\.7\/24", which has host bits set .* allowed: its network address 203\.0\.113\.0\/24/,
        fix: /--path 'koronet:service\.allowedCidrs\[0\]' 203\.0\.113\.0\/24/,
    },
    {
        name: "a duplicate load-balancer CIDR",
        overrides: { "koronet:service": { allowedCidrs: ["0.0.0.0/0", "0.0.0.0/0"] } },
        key: "koronet:service.allowedCidrs.1",
        message: /^got "0\.0\.0\.0\/0" twice; each CIDR may appear once/,
        fix: /pulumi config rm --path 'koronet:service\.allowedCidrs\[1\]' --stack dev/,
    },
    {
        name: "a duplicate email address",
        overrides: { "koronet:alerting": { notifications: { email: { critical: ["a@koronet.example", "A@koronet.example"] } } } },
        key: "koronet:alerting.notifications.email.critical.1",
        message: /^got "A@koronet\.example" twice; each address may appear once per list/,
    },

    // ── Alerts that could never fire or never stop ────────────────────────────────────────────
    {
        name: "a rate window shorter than two scrapes at a 60 s scrape interval",
        overrides: { "koronet:monitoring": { prometheus: { scrapeIntervalSeconds: 60 } }, "koronet:alerting": { alerts: { HighCpuUsage: { window: "1m" } } } },
        key: "koronet:alerting.alerts.HighCpuUsage.window",
        message: /^1m holds fewer than 2 scrapes \(scrape interval 60s\); allowed ≥ 2m$/,
    },
    {
        name: "Container Insights off while alarms read its metrics",
        overrides: { "koronet:cluster": { containerInsights: "disabled" } },
        key: "koronet:cluster.containerInsights",
        message:
            /^got "disabled", but KoronetDown, DiskSpaceLow, ServiceTasksMissing, the Prometheus and Alertmanager task-count alarms read ECS\/ContainerInsights metrics; .* would alarm forever; allowed: enhanced, enabled/,
    },
    {
        name: "monitoring off while CloudWatch alarms read the sidecars' metrics",
        overrides: { "koronet:monitoring": { enabled: false } },
        key: "koronet:monitoring.enabled",
        message:
            /^got false, but the CloudWatch alarms of DatabaseConnectionFailures, RedisDown, CacheMissRateHigh read the web server's metrics \(Koronet\/App\)/,
    },
    {
        name: "nobody notified at all",
        overrides: { "koronet:alerting": { notifications: { slack: { mode: "off" }, email: { critical: [], warning: [] } } } },
        key: "koronet:alerting.notifications",
        message: /^nobody is notified: slack\.mode is "off", both email lists are empty and pagerduty\.enabled is false/,
    },

    // ── What prod promises ────────────────────────────────────────────────────────────────────
    {
        name: "prod with monitoring off",
        stack: "prod",
        overrides: { "koronet:monitoring": { enabled: false } },
        key: "koronet:monitoring.enabled",
        message: /^got false; prod runs the monitoring layer: the README promises Prometheus alerts/,
    },
    {
        name: "prod with one NAT gateway",
        stack: "prod",
        overrides: { "koronet:network": { natGateways: "single" } },
        key: "koronet:network.natGateways",
        message: /^got "single"; prod keeps a NAT gateway per availability zone .*README fault row F6.* \(allowed: onePerAz\)/,
        fix: /--path koronet:network\.natGateways onePerAz --stack prod/,
    },
    {
        name: "prod with data stores as ECS tasks",
        stack: "prod",
        overrides: { "koronet:dataStores": { mode: "ecs" } },
        key: "koronet:dataStores.mode",
        message: /^got "ecs"; prod runs PostgreSQL and Redis managed/,
    },
    {
        name: "prod where nobody hears about the notification path failing",
        stack: "prod",
        overrides: { "koronet:alerting": { notifications: { email: { critical: [] }, pagerduty: { enabled: false } } } },
        key: "koronet:alerting.notifications",
        message: /^nobody hears about failures of the notification path itself/,
    },
    {
        name: "prod with one availability zone",
        stack: "prod",
        overrides: { "koronet:network": { availabilityZones: 1 } },
        key: "koronet:network.availabilityZones",
        message: /^got 1; prod needs at least 2 availability zones \(allowed: 2\.\.6\)/,
        fix: /--path koronet:network\.availabilityZones 3 --stack prod/,
    },
    {
        name: "prod database without Multi-AZ",
        stack: "prod",
        overrides: { "koronet:dataStores": { postgres: { managed: { multiAz: false } } } },
        key: "koronet:dataStores.postgres.managed.multiAz",
        message: /^got false; prod needs a Multi-AZ database/,
    },
    {
        name: "prod with a single Alertmanager",
        stack: "prod",
        overrides: { "koronet:alerting": { alertmanager: { replicas: 1 } } },
        key: "koronet:alerting.alertmanager.replicas",
        message: /^got 1; prod runs an Alertmanager cluster so one can be lost or replaced without losing a notification \(allowed: 2\.\.5\)$/,
    },
    {
        name: "prod with a single Prometheus",
        stack: "prod",
        overrides: { "koronet:monitoring": { prometheus: { replicas: 1 } } },
        key: "koronet:monitoring.prometheus.replicas",
        message: /^got 1; prod runs a Prometheus pair so one can be lost or replaced without a gap in alerting \(allowed: 2\.\.3\)$/,
    },

    // ── Replicas: room and zones ──────────────────────────────────────────────────────────────
    {
        name: "a Prometheus pair on one container instance",
        overrides: { "koronet:monitoring": { prometheus: { replicas: 2 } } },
        key: "koronet:monitoring.prometheus.replicas",
        message:
            /^got 2, but koronet:cluster\.ec2\.minSize is 1: each Prometheus replica runs on a container instance of its own \(placement constraint distinctInstance\); allowed: 1\.\.1, or raise koronet:cluster\.ec2\.minSize/,
        fix: /^pulumi config set --path koronet:cluster\.ec2\.minSize 2 --stack dev$/,
    },
    {
        name: "an Alertmanager cluster in one zone",
        overrides: { "koronet:network": { availabilityZones: 1 }, "koronet:alerting": { alertmanager: { replicas: 3 } } },
        key: "koronet:alerting.alertmanager.replicas",
        message:
            /^got 3, but koronet:network\.availabilityZones is 1: Alertmanager tasks are spread across zones so that losing one zone leaves one running, and one zone cannot do that; allowed: 1, or at least 2 availability zones$/,
        fix: /^pulumi config set --path koronet:network\.availabilityZones 2 --stack dev$/,
    },
    {
        name: "more Alertmanagers than allowed",
        overrides: { "koronet:alerting": { alertmanager: { replicas: 7 } } },
        key: "koronet:alerting.alertmanager.replicas",
        message: /^got 7; allowed: whole numbers 1\.\.5 \(tasks\)$/,
    },

    // ── Secrets ───────────────────────────────────────────────────────────────────────────────
    {
        name: "a malformed secure: value",
        file: `${DEV_FILE}  koronet:pagerdutyRoutingKey:\n    secure: "not ciphertext!"\n`,
        key: "koronet:pagerdutyRoutingKey",
        message: /^secure: got "not ciphertext!", not Pulumi ciphertext/,
        fix: /^pulumi config set --secret koronet:pagerdutyRoutingKey <value>/,
    },
    {
        name: "secure: 12345 (a number, not plain text)",
        file: `${DEV_FILE}  koronet:pagerdutyRoutingKey:\n    secure: 12345\n`,
        key: "koronet:pagerdutyRoutingKey",
        message: /^secure: got the number 12345, not Pulumi ciphertext/,
    },
    {
        name: "a Slack secret while webhookUrlFrom is external (silently ignored before)",
        secrets: { "koronet:slackWebhookUrl": SLACK_URL },
        key: "koronet:slackWebhookUrl",
        message: /^is set, but koronet:alerting\.notifications\.slack\.webhookUrlFrom is "external" .* so it would be ignored/,
        fix: /--path koronet:alerting\.notifications\.slack\.webhookUrlFrom config --stack dev {3}or {3}pulumi config rm koronet:slackWebhookUrl --stack dev/,
    },
    {
        name: "a PagerDuty secret while routingKeyFrom is external",
        stack: "prod",
        secrets: { "koronet:pagerdutyRoutingKey": PAGERDUTY_KEY },
        key: "koronet:pagerdutyRoutingKey",
        message: /routingKeyFrom is "external"/,
    },
    {
        name: "a PagerDuty secret while PagerDuty is off",
        secrets: { "koronet:pagerdutyRoutingKey": PAGERDUTY_KEY },
        key: "koronet:pagerdutyRoutingKey",
        message: /pagerduty\.enabled is false, so it would be ignored/,
    },
    {
        name: "a secret given in plain text",
        overrides: { "koronet:slackWebhookUrl": SLACK_URL },
        key: "koronet:slackWebhookUrl",
        message: /^is set in plain text; it must be a secret$/,
        fix: /^pulumi config set --secret koronet:slackWebhookUrl <value> --stack dev$/,
    },
    {
        name: "a required secret missing",
        stack: "prod",
        overrides: { "koronet:alerting": { notifications: { pagerduty: { routingKeyFrom: "config" } } } },
        key: "koronet:pagerdutyRoutingKey",
        message: /^missing; required because koronet:alerting\.notifications\.pagerduty\.routingKeyFrom is `config`/,
    },
    {
        name: "a malformed secret (value redacted)",
        secrets: { "koronet:pagerdutyRoutingKey": "not-a-key" },
        key: "koronet:pagerdutyRoutingKey",
        message: /^\[secret\] is not a 32-character PagerDuty/,
    },

    // ── Stack files the offline tools cannot read as the CLI would ────────────────────────────
    {
        name: "Pulumi ESC environments (used to be silently ignored offline)",
        file: `environment:\n  - koronet/dev\n${DEV_FILE}`,
        key: "Pulumi.dev.yaml: environment",
        message: /^imports Pulumi ESC environments \(\["koronet\/dev"\]\); the offline tools cannot resolve them/,
    },
    {
        name: "a duplicate YAML key",
        file: `${DEV_FILE}  aws:region: eu-west-2\n`,
        key: "Pulumi.dev.yaml:11:3",
        message: /^a key appears twice in one mapping; YAML allows each key once: "aws:region: eu-west-2" \(YAML: DUPLICATE_KEY\)/,
    },
    {
        name: "a tab indenting YAML",
        file: `config:\n\taws:region: eu-west-1\n`,
        key: "Pulumi.dev.yaml:2:1",
        message: /^tabs cannot indent YAML; indent with spaces/,
    },
    {
        name: ".inf where a number is expected (used to read as null)",
        file: `${DEV_FILE}  koronet:service:\n    desiredCount: .inf\n`,
        key: "koronet:service.desiredCount",
        message: /^got \.inf, which is not a number any setting accepts/,
    },
    {
        name: ".nan where a number is expected",
        file: `${DEV_FILE}  koronet:service:\n    desiredCount: .nan\n`,
        key: "koronet:service.desiredCount",
        message: /^got \.nan/,
    },

    // ── Messages that used to mislead ─────────────────────────────────────────────────────────
    {
        name: "a number too large (one message, no 2^53)",
        overrides: { "koronet:service": { desiredCount: 1e20 } },
        key: "koronet:service.desiredCount",
        message: /^got 100000000000000000000; allowed: whole numbers 1\.\.50 \(tasks\)$/,
    },
    {
        name: "a flat key from `pulumi config set` without --path",
        overrides: { "koronet:service.desiredCount": "2" },
        key: "koronet:service.desiredCount",
        message: /^is a flat key: `pulumi config set` without `--path` stored "service\.desiredCount" as one key name/,
        fix: /^pulumi config rm koronet:service\.desiredCount --stack dev && pulumi config set --path koronet:service\.desiredCount 2 --stack dev$/,
    },
    {
        name: "image.ref without source: ref",
        overrides: { "koronet:service": { image: { ref: "ghcr.io/koronet/web:1.2.3" } } },
        key: "koronet:service.image.ref",
        message: /^ref belongs to `source: ref`, but koronet:service\.image\.source is "build" \(the default\)/,
        fix: /--path koronet:service\.image\.source ref --stack dev/,
    },
    {
        name: "a missing web build context (used to fail mid-run with ENOENT)",
        overrides: { "koronet:service": { image: { context: "no-such-folder" } } },
        key: "koronet:service.image.context",
        message: /^got "no-such-folder"; must be a folder inside the project holding a Dockerfile/,
    },

    // ── Key-level validation (kept) ───────────────────────────────────────────────────────────
    {
        name: "unknown key in a concern",
        overrides: { "koronet:service": { replicas: 3 } },
        key: "koronet:service.replicas",
        message: /^unknown key; allowed here: .*desiredCount/,
        fix: /^pulumi config rm --path koronet:service\.replicas --stack dev$/,
    },
    {
        name: "unknown top-level key",
        overrides: { "koronet:servce": { port: 3000 } },
        key: "koronet:servce",
        message: /^unknown key; allowed keys: .*koronet:service/,
    },
    {
        name: "port out of range",
        overrides: { "koronet:service": { port: 80 } },
        key: "koronet:service.port",
        message: /^got 80; allowed: whole numbers 1024\.\.65535 \(TCP port\)$/,
        fix: /--path koronet:service\.port 3000 --stack dev$/,
    },
    {
        name: "[issue 13 #9] metrics port equal to the web port (it would be on the load balancer)",
        overrides: { "koronet:service": { metricsPort: 3000 } },
        key: "koronet:service.metricsPort",
        message: /^got 3000; must differ from port \(3000\): the metrics port is kept off the load balancer$/,
    },
    {
        name: "[issue 13 #9] a health-check path that is not a probe route (its requests would count as users)",
        overrides: { "koronet:service": { healthCheckPath: "/api/items" } },
        key: "koronet:service.healthCheckPath",
        message: /^got "\/api\/items"; allowed probe routes of the web server \(it keeps them out of its request metrics\): \/healthz, \/readyz$/,
    },
    {
        name: "wrong type",
        overrides: { "koronet:service": { desiredCount: "two" } },
        key: "koronet:service.desiredCount",
        message: /^got "two", not a number; allowed: whole numbers 1\.\.50/,
    },
    {
        name: "desired count below min",
        overrides: { "koronet:service": { minCount: 2, desiredCount: 1 } },
        key: "koronet:service.desiredCount",
        message: /^got 1; must be >= minCount \(2\)/,
    },
    {
        name: "invalid CIDR",
        overrides: { "koronet:service": { allowedCidrs: ["10.0.0.0/33"] } },
        key: "koronet:service.allowedCidrs.0",
        message: /^got "10\.0\.0\.0\/33"; must be an IPv4 CIDR block/,
    },
    {
        name: "unknown data-store mode",
        overrides: { "koronet:dataStores": { mode: "sqlite" } },
        key: "koronet:dataStores.mode",
        message: /^got "sqlite"; allowed: ecs, managed$/,
    },
    {
        name: "malformed image reference",
        overrides: { "koronet:service": { image: { source: "ref", ref: "koronet:latest" } } },
        key: "koronet:service.image.ref",
        message: /^got "koronet:latest"; must be a pinned image reference/,
    },
    {
        name: "log retention not a CloudWatch value",
        overrides: { "koronet:service": { logRetentionDays: 10 } },
        key: "koronet:service.logRetentionDays",
        message: /^got 10; must be a CloudWatch Logs retention value: one of 1, 3, 5, 7, 14/,
    },
    {
        name: "Fargate memory that does not fit the CPU",
        overrides: { "koronet:service": { size: { cpu: 256, memory: 4096 } } },
        key: "koronet:service.size.memory",
        message: /^got 4096; with cpu 256 Fargate allows memory 512, 1024, 2048 MiB/,
    },
    { name: "invalid region shape", overrides: { "aws:region": "europe" }, key: "aws:region", message: /^got "europe"; must be an AWS region/ },
    { name: "unknown environment", overrides: { "koronet:environment": "staging" }, key: "koronet:environment", message: /^got "staging"; allowed: dev, prod/ },
    {
        name: "alert threshold out of range",
        overrides: { "koronet:alerting": { alerts: { HighErrorRate: { threshold: 150 } } } },
        key: "koronet:alerting.alerts.HighErrorRate.threshold",
        message: /^got 150; 150 is out of range; allowed 0\.1\.\.100 \(percent\)/,
    },
    {
        name: "alert threshold of the wrong type",
        overrides: { "koronet:alerting": { alerts: { HighCpuUsage: { threshold: "80" } } } },
        key: "koronet:alerting.alerts.HighCpuUsage.threshold",
        message: /^got "80"; "80" is not a number; allowed 1\.\.100/,
    },
    {
        name: "unknown alert id",
        overrides: { "koronet:alerting": { alerts: { HighErorRate: { threshold: 5 } } } },
        key: "koronet:alerting.alerts.HighErorRate",
        message: /^unknown alert id "HighErorRate"; allowed: KoronetDown, .*HighErrorRate/,
    },
    {
        name: "alert window shorter than two scrapes",
        stack: "prod",
        overrides: { "koronet:alerting": { alerts: { HighCpuUsage: { window: "10s" } } } },
        key: "koronet:alerting.alerts.HighCpuUsage.window",
        message: /^10s holds fewer than 2 scrapes \(scrape interval 15s\); allowed ≥ 30s/,
    },
    {
        name: "a concern that is not a mapping",
        overrides: { "koronet:network": "10.0.0.0/16" },
        key: "koronet:network",
        message: /^got "10\.0\.0\.0\/16"; must be an object/,
    },
];

/** Runs a case through the program offline; returns the ConfigError and how many resources were registered. */
async function reject(c: Rejected): Promise<{ error: ConfigError; registered: number }> {
    const stack = c.stack ?? "dev";
    let root: string | undefined;
    if (c.file !== undefined) {
        root = mkdtempSync(path.join(tmpdir(), "koronet-config-"));
        writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), c.file);
    }
    try {
        await runOffline(stack, { ...(root ? { root } : {}), overrides: c.overrides ?? {}, secrets: c.secrets ?? {} });
    } catch (err) {
        if (err instanceof ConfigError) return { error: err, registered: (err as ConfigError & { capturedBefore?: number }).capturedBefore ?? 0 };
        throw err;
    } finally {
        if (root) rmSync(root, { recursive: true, force: true });
    }
    throw new Error(`${c.name}: the program accepted the config`);
}

describe("stack configuration", function () {
    this.timeout(60_000);

    describe("committed stack files", () => {
        it("dev validates and takes the cost-lean defaults", () => {
            const { config } = parseStackConfig(raw("dev"));
            assert.equal(config.environment, "dev");
            assert.equal(config.network.availabilityZones, 2);
            assert.equal(config.network.natGateways, "single");
            assert.equal(config.dataStores.mode, "ecs");
            assert.equal(config.service.port, 3000);
        });

        it("prod validates and takes the resilient defaults", () => {
            const { config } = parseStackConfig(raw("prod"));
            assert.equal(config.environment, "prod");
            assert.equal(config.network.availabilityZones, 3);
            assert.equal(config.network.natGateways, "onePerAz");
            assert.equal(config.dataStores.mode, "managed");
            assert.equal(config.dataStores.postgres.managed.multiAz, true);
            assert.ok(config.service.minCount >= 2);
        });

        it("a stack file sets only what differs: overrides merge into the environment defaults", () => {
            const { config } = parseStackConfig(raw("dev", { "koronet:service": { desiredCount: 2 } }));
            assert.equal(config.service.desiredCount, 2);
            assert.equal(config.service.size.cpu, 256, "untouched keys keep their defaults");
        });
    });

    describe("rejected before any resource is registered: key, value as written, what is allowed, the fix, no trace", () => {
        for (const c of REJECTED) {
            it(c.name, async () => {
                const { error, registered } = await reject(c);
                assert.equal(registered, 0, "no resource registered");
                const found = error.problems.find((p) => p.key === c.key);
                assert.ok(found, `no problem for key ${c.key}; got:\n${error.message}`);
                assert.match(found.message, c.message);
                assert.match(found.fix ?? "", c.fix ?? /^(pulumi (config|stack) |edit |copy )/, `fix of ${c.key}`);
                assert.match(error.message, new RegExp(`^Invalid configuration for stack "${(c.stack ?? "dev").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}":\n`));
                assert.doesNotMatch(error.message, /\n\s+at /, "no stack trace in the message");
                assert.equal(error.stackName, c.stack ?? "dev");
                assert.ok(error.stack?.startsWith("ConfigError: Invalid configuration"), "Error.stack is the error's own, not the stack name");
            });
        }

        it("never echoes a secret's value", async () => {
            const { error } = await reject({ name: "secret", secrets: { "koronet:pagerdutyRoutingKey": "s3cr3t-value-xyz" }, key: "", message: /./ });
            assert.ok(!error.message.includes("s3cr3t-value-xyz"));
        });

        it("lists every problem at once, including those of checks that need the rest of the config valid (prod rules, cross-key checks)", async () => {
            const { error } = await reject({
                name: "many",
                stack: "prod",
                overrides: {
                    "koronet:network": { availabilityZones: 1, natGateways: "single" },
                    "koronet:cluster": { ec2: { instanceType: "t3.humongous" } },
                    "koronet:service": { port: 80, allowedCidrs: ["10.0.0.1/8"] },
                },
                key: "",
                message: /./,
            });
            assert.deepEqual(
                error.problems.map((p) => p.key),
                [
                    "koronet:cluster.ec2.instanceType",
                    "koronet:service.port",
                    "koronet:network.availabilityZones",
                    "koronet:service.allowedCidrs.0",
                    "koronet:network.natGateways",
                ],
            );
        });

        it("formats each problem with its fix on the next line", () => {
            const problems: ConfigProblem[] = [
                {
                    key: "koronet:network.availabilityZones",
                    message: "got 1; prod needs at least 2 availability zones (allowed: 2..6)",
                    fix: "pulumi config set --path koronet:network.availabilityZones 3 --stack prod",
                },
            ];
            assert.equal(
                formatConfigProblems("prod", problems),
                [
                    'Invalid configuration for stack "prod":',
                    "  - koronet:network.availabilityZones: got 1; prod needs at least 2 availability zones (allowed: 2..6)",
                    "      fix: pulumi config set --path koronet:network.availabilityZones 3 --stack prod",
                ].join("\n"),
            );
        });
    });

    describe("made valid by design", () => {
        /** The rendered files the Prometheus image is built from in this plan. */
        function prometheusContext(g: Graph): { config: Record<string, any>; rules: Record<string, any> } {
            const image = g
                .ofType("docker:index/image:Image")
                .find((i) => /\/prometheus(-[0-9a-f]{12})?$/.test(String((i.inputs.build as { context?: string }).context)));
            const dir = path.join(PROJECT_ROOT, String((image?.inputs.build as { context: string }).context));
            return {
                config: parse(readFileSync(path.join(dir, "prometheus.yml"), "utf8")) as Record<string, any>,
                rules: parse(readFileSync(path.join(dir, "rules", "koronet-alerts.rules.yml"), "utf8")) as Record<string, any>,
            };
        }
        const alertRule = (rules: Record<string, any>, id: string) => (rules.groups[0].rules as { alert?: string; expr: string }[]).find((r) => r.alert === id);

        it('postgres.version: 16 as a YAML number is the string "16" (pulumi config set --path stores a number too)', async () => {
            const g = await graphWith("prod", { overrides: { "koronet:dataStores": { postgres: { version: 16 } } } });
            const db = g.one("aws:rds/instance:Instance");
            assert.equal(db.inputs.engineVersion, "16");
            assert.equal(g.one("aws:rds/parameterGroup:ParameterGroup").inputs.family, "postgres16");
        });

        it('engineVersion: 7.0 as a YAML number (7) is "7.0"', async () => {
            const g = await graphWith("prod", { overrides: { "koronet:dataStores": { redis: { managed: { engineVersion: 7.0 } } } } });
            assert.equal(g.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs.engineVersion, "7.0");
        });

        it("image.platform linux/arm64: the web server's Fargate task runs on ARM64 (it was pinned to X86_64)", async () => {
            const g = await graphWith("dev", { overrides: { "koronet:service": { image: { platform: "linux/arm64" } } } });
            assert.deepEqual(g.one("aws:ecs/taskDefinition:TaskDefinition", "web-task").inputs.runtimePlatform, {
                operatingSystemFamily: "LINUX",
                cpuArchitecture: "ARM64",
            });
            const build = g.one("docker:index/image:Image", "web-image-image").inputs.build as { platform: string };
            assert.equal(build.platform, "linux/arm64");
            for (const td of g.ofType("aws:ecs/taskDefinition:TaskDefinition").filter((t) => t.name !== "web-task" && t.inputs.runtimePlatform !== undefined)) {
                assert.equal((td.inputs.runtimePlatform as { cpuArchitecture: string }).cpuArchitecture, "X86_64", `${td.name} keeps its x86 images`);
            }
        });

        it("a pinned ref image built for arm64 says so, and its tasks follow", async () => {
            const g = await graphWith("dev", {
                overrides: { "koronet:service": { image: { source: "ref", ref: "ghcr.io/koronet/web:1.2.3", platform: "linux/arm64" } } },
            });
            assert.equal(
                (g.one("aws:ecs/taskDefinition:TaskDefinition", "web-task").inputs.runtimePlatform as { cpuArchitecture: string }).cpuArchitecture,
                "ARM64",
            );
        });

        it("scrape interval 60 s: default rate windows grow to hold 4 scrapes, so every alert can still fire", async () => {
            const g = await graphWith("dev", { overrides: { "koronet:monitoring": { prometheus: { scrapeIntervalSeconds: 60 } } } });
            const { config, rules } = prometheusContext(g);
            assert.equal(config.global.scrape_interval, "1m");
            assert.match(alertRule(rules, "HighCpuUsage")?.expr ?? "", /rate4m/);
            const recorded = (rules.groups[0].rules as { record?: string; expr: string }[]).filter((r) => r.record !== undefined);
            for (const r of recorded)
                for (const m of r.expr.matchAll(/\[(\d+)([smh])\]/g))
                    assert.ok(Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as "s"] >= 4 * 60, `${r.record}: ${m[0]} holds 4 scrapes`);
        });

        it("the evaluation interval is the rule group's interval", async () => {
            const g = await graphWith("dev", { overrides: { "koronet:monitoring": { prometheus: { evaluationIntervalSeconds: 30 } } } });
            const { config, rules } = prometheusContext(g);
            assert.equal(rules.groups[0].interval, "30s");
            assert.equal(config.global.evaluation_interval, "30s");
        });

        it("a custom service.allowedCidrs stands on its own: Grafana has its own load balancer and CIDRs (it was blamed on Grafana's default)", async () => {
            const g = await graphWith("dev", { overrides: { "koronet:service": { allowedCidrs: ["203.0.113.0/24"] } } });
            const albs = g.ofType("aws:lb/loadBalancer:LoadBalancer");
            assert.equal(albs.length, 2, "the web server's and Grafana's");
            const webSg = g.one("aws:ec2/securityGroup:SecurityGroup", "web-alb-sg");
            const cidrs = [
                ...((webSg.inputs.ingress as { cidrBlocks?: string[] }[] | undefined) ?? []).flatMap((r) => r.cidrBlocks ?? []),
                ...g
                    .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                    .filter((r) => String(r.inputs.securityGroupId).includes("web-alb"))
                    .map((r) => String(r.inputs.cidrIpv4)),
            ];
            assert.deepEqual([...new Set(cidrs)], ["203.0.113.0/24"]);
        });

        it("custom web and metrics ports: the load balancer forwards to the web port, Prometheus scrapes the metrics port the tasks serve /metrics on", async () => {
            const g = await graphWith("dev", { overrides: { "koronet:service": { port: 8080, metricsPort: 9500 } } });
            const job = (prometheusContext(g).config.scrape_configs as { job_name: string; http_sd_configs?: { url: string }[] }[]).find(
                (j) => j.job_name === "koronet",
            );
            assert.match(job?.http_sd_configs?.[0]?.url ?? "", /\/koronet\?port=9500$/);
            assert.equal(g.one("aws:lb/targetGroup:TargetGroup", "web-targets").inputs.port, 8080);
            const web = g.containers(g.one("aws:ecs/taskDefinition:TaskDefinition", "web-task")).find((c) => c.name === "web");
            assert.deepEqual(
                web?.portMappings?.map((p) => p.containerPort),
                [8080, 9500],
            );
            assert.deepEqual([g.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "web-tasks-from-prometheus").inputs.fromPort], [9500]);
        });

        it("the load balancer's health-check path is one of the app's probe routes, which it counts apart from users (app/src/metrics.ts PROBE_ROUTES)", () => {
            const app = readFileSync(path.join(__dirname, "..", "..", "app", "src", "metrics.ts"), "utf8");
            const routes = /export const PROBE_ROUTES = \[([^\]]*)\]/
                .exec(app)?.[1]
                ?.split(",")
                .map((r) => r.trim().replace(/^"|"$/g, ""));
            assert.deepEqual(routes, [...APP_PROBE_ROUTES]);
        });

        it("valid ciphertext in secure: values is accepted (passphrase v1: and base64 providers)", () => {
            const root = mkdtempSync(path.join(tmpdir(), "koronet-config-"));
            try {
                writeFileSync(
                    path.join(root, "Pulumi.prod.yaml"),
                    `${PROD_FILE}  koronet:pagerdutyRoutingKey:\n    secure: v1:ZmFrZW5vbmNl:ZW5jcnlwdGVkdmFsdWU=\n  koronet:slackWebhookUrl:\n    secure: AAABAHhG8sZ2cmVhbGx5ZW5jcnlwdGVk\n`,
                );
                const r = readStackConfig("prod", { root });
                assert.ok(r.secretKeys.has("koronet:pagerdutyRoutingKey") && r.secretKeys.has("koronet:slackWebhookUrl"));
            } finally {
                rmSync(root, { recursive: true, force: true });
            }
        });
    });

    describe("a third environment needs nothing but its stack file", () => {
        let root: string;
        before(() => {
            root = mkdtempSync(path.join(tmpdir(), "koronet-staging-"));
            writeFileSync(
                path.join(root, "Pulumi.staging.yaml"),
                "config:\n  aws:region: eu-west-1\n  koronet:environment: prod\n  koronet:alerting:\n    notifications:\n      email:\n        critical: [oncall@koronet.example]\n",
            );
        });
        after(() => rmSync(root, { recursive: true, force: true }));

        it("plans with prod's rules, and its images build from folders the program rendered for it", async () => {
            assert.ok(!existsSync(path.join(PROJECT_ROOT, "rendered", "staging")), "nothing committed for staging");
            const g = new Graph(await runOffline("staging", { root }));
            assert.ok(g.resources.length > 100);
            assert.equal(g.one("aws:rds/instance:Instance").inputs.identifier, "koronet-staging-postgres");
            const contexts = g
                .ofType("docker:index/image:Image")
                .map((i) => String((i.inputs.build as { context: string }).context))
                .filter((c) => c.startsWith(".build/"));
            assert.deepEqual(contexts.map((c) => c.replace(/^\.build\/staging\/([a-z-]+)-[0-9a-f]{12}$/, "$1")).sort(), [
                "grafana",
                "postgres-exporter",
                "prometheus",
            ]);
            for (const c of contexts) assert.ok(existsSync(path.join(PROJECT_ROOT, c, "Dockerfile")), `${c}/Dockerfile exists`);
            const promDir = contexts.find((c) => /\/prometheus-[0-9a-f]{12}$/.test(c)) as string;
            assert.match(readFileSync(path.join(PROJECT_ROOT, promDir, "prometheus.yml"), "utf8"), /stack: staging/);
        });
    });
});
