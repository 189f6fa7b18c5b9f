/**
 * Cross-key checks a schema cannot express: AWS limits that depend on two settings (AZs per region,
 * subnets per VPC size, certificate region), settings that would make an alert unable to fire or
 * unable to stop, and what "prod" promises. Pure: a validated config in, problems out. Every
 * problem names the key, the value as written and what is allowed; `config/index.ts` adds the
 * command that fixes it.
 */
import { existsSync, statSync } from "node:fs";
import * as path from "node:path";
import type { ConfigProblem } from "./types";
import type { StackConfig } from "./stack-schema";
import { AZ_SOURCE, OTHER_PARTITION, REGIONS } from "./aws/regions";
import { EC2_INSTANCE_TYPES } from "./aws/ec2";
import { reservedIdentifierReason } from "./aws/datastores";
import { AWSX_SUBNETS_SOURCE, hasHostBits, largestVpcPrefixFor, networkOf, parseCidr, SUBNET_PREFIXES, VPC_CIDR_SOURCE } from "./aws/network";
import { HOST_TASKS, hostTasksMemoryMiB, REGISTERED_MEMORY_SHARE } from "./host-tasks";
import { alertsReadingNamespace, stackAlertSettings } from "./alerts";

const K = "koronet";
/** The project root: Pulumi runs the program here, and relative build contexts resolve against it. */
const PROJECT_ROOT = path.resolve(__dirname, "..");
const at = (...path: (string | number)[]) => `${K}:${path.join(".")}`;
const show = (v: unknown) => JSON.stringify(v);

export function crossKeyProblems(c: StackConfig, stack: string): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const add = (key: string, message: string, fix?: string) =>
        problems.push({ key, message, ...(fix !== undefined ? { fix: `${fix} --stack ${stack}` } : {}) });

    // ── Region and zones ──────────────────────────────────────────────────────────────────────
    const zones = REGIONS[c.region];
    if (zones === undefined) {
        const why = OTHER_PARTITION.test(c.region)
            ? "GovCloud and China Regions are other AWS partitions, and the program writes arn:aws: ARNs"
            : "not a commercial AWS Region";
        add("aws:region", `got ${show(c.region)} (${why}); allowed: ${Object.keys(REGIONS).join(", ")} (${AZ_SOURCE})`);
    } else if (c.network.availabilityZones > zones) {
        add(
            at("network", "availabilityZones"),
            `got ${c.network.availabilityZones}; ${c.region} offers every account ${zones} availability zones (allowed: 1..${zones}; ${AZ_SOURCE})`,
        );
    }

    // ── VPC and CIDRs ─────────────────────────────────────────────────────────────────────────
    const vpc = parseCidr(c.network.cidrBlock);
    if (vpc !== undefined) {
        const limit = largestVpcPrefixFor(c.network.availabilityZones);
        if (hasHostBits(vpc)) {
            add(
                at("network", "cidrBlock"),
                `got ${show(c.network.cidrBlock)}, which has host bits set; allowed: its network address ${networkOf(vpc)}`,
                `pulumi config set --path ${at("network", "cidrBlock")} ${networkOf(vpc)}`,
            );
        } else if (vpc.prefix < 16 || vpc.prefix > 28) {
            add(at("network", "cidrBlock"), `got ${show(c.network.cidrBlock)}; a VPC's IPv4 block must be /16 to /28 (${VPC_CIDR_SOURCE})`);
        } else if (vpc.prefix > limit) {
            add(
                at("network", "cidrBlock"),
                `got ${show(c.network.cidrBlock)}; ${c.network.availabilityZones} availability zones each need a public /${SUBNET_PREFIXES.public} and a private /${SUBNET_PREFIXES.private} (awsx lays them out per AZ, ${AWSX_SUBNETS_SOURCE}), so the VPC must be /${limit} or larger (allowed prefixes: /16../${limit})`,
            );
        }
    }
    const seen = new Set<string>();
    c.service.allowedCidrs.forEach((value, i) => {
        const parsed = parseCidr(value);
        if (parsed !== undefined && hasHostBits(parsed)) {
            add(
                at("service", "allowedCidrs", i),
                `got ${show(value)}, which has host bits set (a security group takes network addresses); allowed: its network address ${networkOf(parsed)}`,
                `pulumi config set --path '${at("service", "allowedCidrs")}[${i}]' ${networkOf(parsed)}`,
            );
        }
        if (seen.has(value))
            add(
                at("service", "allowedCidrs", i),
                `got ${show(value)} twice; each CIDR may appear once (a security group refuses a duplicate rule)`,
                `pulumi config rm --path '${at("service", "allowedCidrs")}[${i}]'`,
            );
        seen.add(value);
    });

    // ── Web image build context (read when the program runs: a missing folder would fail mid-way) ─
    const image = c.service.image;
    if (image.source === "build") {
        const dir = path.resolve(PROJECT_ROOT, image.context);
        const inside = !path.isAbsolute(image.context) && !path.relative(PROJECT_ROOT, dir).startsWith("..");
        if (!inside || !existsSync(dir) || !statSync(dir).isDirectory() || !existsSync(path.join(dir, "Dockerfile"))) {
            add(
                at("service", "image", "context"),
                `got ${show(image.context)}; must be a folder inside the project holding a Dockerfile (the web server's is "app")`,
                `pulumi config set --path ${at("service", "image", "context")} app`,
            );
        }
    }

    // ── Certificate ───────────────────────────────────────────────────────────────────────────
    const cert = c.service.certificateArn;
    if (cert !== undefined) {
        const certRegion = cert.split(":")[3];
        if (certRegion !== c.region) {
            add(
                at("service", "certificateArn"),
                `got a certificate in ${certRegion}; an Application Load Balancer uses ACM certificates of its own Region only, so it must be in ${c.region} (https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html)`,
            );
        }
    }

    // ── EC2 capacity ──────────────────────────────────────────────────────────────────────────
    const type = EC2_INSTANCE_TYPES[c.cluster.ec2.instanceType];
    if (type !== undefined && c.monitoring.enabled) {
        const usable = Math.floor(type.memoryMiB * REGISTERED_MEMORY_SHARE);
        if (usable < hostTasksMemoryMiB()) {
            add(
                at("cluster", "ec2", "instanceType"),
                `got ${show(c.cluster.ec2.instanceType)} (${type.memoryMiB} MiB, about ${usable} MiB registered for tasks); one instance must hold Prometheus (${HOST_TASKS.prometheus.memory} MiB), node exporter (${HOST_TASKS.nodeExporter.memory} MiB) and cAdvisor (${HOST_TASKS.cadvisor.memory} MiB); allowed: ${Object.entries(
                    EC2_INSTANCE_TYPES,
                )
                    .filter(([, t]) => t.memoryMiB * REGISTERED_MEMORY_SHARE >= hostTasksMemoryMiB())
                    .map(([n]) => n)
                    .join(", ")}`,
            );
        }
    }

    // ── Replicas: room for the placement, zones for the spread ────────────────────────────────
    // A replica in the same zone as its twin dies with it: more than one replica needs two zones
    // (prod's own rule already asks every prod stack for two zones: said once, there).
    const replicated: [string[], number, string][] = [
        [["alerting", "alertmanager", "replicas"], c.alerting.alertmanager.replicas, "Alertmanager tasks"],
        ...(c.monitoring.enabled
            ? [[["monitoring", "prometheus", "replicas"], c.monitoring.prometheus.replicas, "Prometheus servers"] as [string[], number, string]]
            : []),
    ];
    for (const [keyPath, replicas, what] of replicated) {
        if (replicas > 1 && c.network.availabilityZones < 2 && c.environment !== "prod") {
            add(
                at(...keyPath),
                `got ${replicas}, but koronet:network.availabilityZones is ${c.network.availabilityZones}: ${what} are spread across zones so that losing one zone leaves one running, and one zone cannot do that; allowed: 1, or at least 2 availability zones`,
                `pulumi config set --path ${at("network", "availabilityZones")} 2`,
            );
        }
    }
    // distinctInstance: each Prometheus on an instance of its own (its TSDB lives on that instance's
    // volume). The group keeps minSize instances; a replica beyond them would wait in PROVISIONING
    // for a scale-out (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PlacementConstraint.html).
    if (c.monitoring.enabled && c.monitoring.prometheus.replicas > c.cluster.ec2.minSize) {
        add(
            at("monitoring", "prometheus", "replicas"),
            `got ${c.monitoring.prometheus.replicas}, but koronet:cluster.ec2.minSize is ${c.cluster.ec2.minSize}: each Prometheus replica runs on a container instance of its own (placement constraint distinctInstance); allowed: 1..${c.cluster.ec2.minSize}, or raise koronet:cluster.ec2.minSize (and maxSize)`,
            `pulumi config set --path ${at("cluster", "ec2", "minSize")} ${c.monitoring.prometheus.replicas}`,
        );
    }

    // ── Data stores ───────────────────────────────────────────────────────────────────────────
    const pg = c.dataStores.postgres;
    for (const [field, kind] of [
        ["username", "username"],
        ["databaseName", "databaseName"],
    ] as const) {
        const why = reservedIdentifierReason(pg[field], kind);
        if (why !== undefined)
            add(
                at("dataStores", "postgres", field),
                `got ${show(pg[field])}; ${why} (https://www.postgresql.org/docs/current/sql-keywords-appendix.html); choose another name`,
            );
    }
    const ceiling = Math.ceil((pg.managed.allocatedStorageGiB * 11) / 10);
    if (pg.managed.maxAllocatedStorageGiB < ceiling) {
        add(
            at("dataStores", "postgres", "managed", "maxAllocatedStorageGiB"),
            `got ${pg.managed.maxAllocatedStorageGiB}; RDS needs the autoscaling ceiling at least 10% above allocatedStorageGiB (${pg.managed.allocatedStorageGiB}), so allowed: ${ceiling}..65536 (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html)`,
        );
    }

    // ── Notifications: someone must hear ──────────────────────────────────────────────────────
    const n = c.alerting.notifications;
    for (const list of ["critical", "warning"] as const) {
        const seenMail = new Set<string>();
        n.email[list].forEach((address, i) => {
            const k = address.toLowerCase();
            if (seenMail.has(k))
                add(
                    at("alerting", "notifications", "email", list, i),
                    `got ${show(address)} twice; each address may appear once per list (SNS keeps one subscription per address)`,
                    `pulumi config rm --path '${at("alerting", "notifications", "email", list)}[${i}]'`,
                );
            seenMail.add(k);
        });
    }
    const nobody = n.slack.mode === "off" && n.email.critical.length === 0 && n.email.warning.length === 0 && !n.pagerduty.enabled;
    if (nobody) {
        add(
            at("alerting", "notifications"),
            `nobody is notified: slack.mode is "off", both email lists are empty and pagerduty.enabled is false, so every alert would fire unheard; allowed: at least one of Slack (mode lambda or chatbot), an email address, PagerDuty`,
            `pulumi config set --path '${at("alerting", "notifications", "email", "critical")}[0]' <address>`,
        );
    }

    // ── Alerts that could never fire, or never stop ───────────────────────────────────────────
    const settings = stackAlertSettings(c);
    const dataStores = { mode: c.dataStores.mode, cacheNodes: c.dataStores.redis.managed.nodes };
    if (c.cluster.containerInsights === "disabled") {
        const readers = alertsReadingNamespace(settings, dataStores, "ECS/ContainerInsights");
        const watchers = c.monitoring.enabled ? ["the Prometheus and Alertmanager task-count alarms"] : [];
        const who = [...readers.map((id) => `${id}`), ...watchers];
        if (who.length > 0) {
            add(
                at("cluster", "containerInsights"),
                `got "disabled", but ${who.join(", ")} read ECS/ContainerInsights metrics; without them those alarms see missing data, which they treat as breaching, so they would alarm forever; allowed: enhanced, enabled (or turn those alerts off with koronet:alerting.alerts.<id>.enabled: false)`,
                `pulumi config set --path ${at("cluster", "containerInsights")} enhanced`,
            );
        }
    }
    if (!c.monitoring.enabled) {
        const blind = alertsReadingNamespace(settings, dataStores, "Koronet/App");
        if (blind.length > 0 && c.environment !== "prod") {
            add(
                at("monitoring", "enabled"),
                `got false, but the CloudWatch alarms of ${blind.join(", ")} read the web server's metrics (Koronet/App), which only the monitoring layer's app-metrics sidecar publishes; they could never fire; allowed: true, or also turn those alerts off (koronet:alerting.alerts.<id>.enabled: false)`,
                `pulumi config set --path ${at("monitoring", "enabled")} true`,
            );
        }
    }

    // ── What prod promises (README: fault table, data stores, monitoring) ─────────────────────
    if (c.environment === "prod") {
        if (!c.monitoring.enabled) {
            add(
                at("monitoring", "enabled"),
                `got false; prod runs the monitoring layer: the README promises Prometheus alerts (PostgresDown, RedisDown, TargetDown, the Watchdog heartbeat) and the time-to-notify targets assume them (allowed: true)`,
            );
        }
        if (c.network.natGateways === "single") {
            add(
                at("network", "natGateways"),
                `got "single"; prod keeps a NAT gateway per availability zone so an AZ outage leaves the others their egress (README fault row F6) (allowed: onePerAz)`,
            );
        }
        if (c.dataStores.mode === "ecs") {
            add(
                at("dataStores", "mode"),
                `got "ecs"; prod runs PostgreSQL and Redis managed (RDS Multi-AZ, ElastiCache with failover), as the README promises; single ECS tasks do not survive an AZ outage (allowed: managed)`,
            );
        }
        if (n.email.critical.length === 0 && !n.pagerduty.enabled) {
            add(
                at("alerting", "notifications"),
                `nobody hears about failures of the notification path itself: email.critical is empty and pagerduty.enabled is false (README fault rows F1, F2: the pipeline topic goes to critical email and PagerDuty); allowed: at least one critical email address or PagerDuty`,
                `pulumi config set --path '${at("alerting", "notifications", "email", "critical")}[0]' <address>`,
            );
        }
    }
    return problems;
}
