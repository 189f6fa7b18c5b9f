import { strict as assert } from "node:assert";
import { environmentOf, evaluate, RULES } from "../../policy/rules";
import { stackGraph } from "../harness";
import { editContainers, mutate, withResource, type Breaks } from "./mutate";
import { FILESYSTEM_BREAKS } from "./filesystems.breaks";
import { KEY_BREAKS } from "./keys.breaks";
import { MESSAGE_BREAKS } from "./messages.breaks";
import { ORDER_BREAKS } from "./order.breaks";
import { REACHABILITY_BREAKS } from "./reachability.breaks";
import { RUNTIME_BREAKS } from "./runtimes.breaks";
import { SECRET_BREAKS } from "./secrets.breaks";

const TD = "aws:ecs/taskDefinition:TaskDefinition";
const ROLE = "aws:iam/role:Role";

/** One deliberately broken resource per rule: each rule must catch its case. */
const CORE_BREAKS: Breaks = {
    "rds-encrypted": {
        stack: "prod",
        breakIt: (r) =>
            mutate(r, "aws:rds/instance:Instance", (i) => {
                i.storageEncrypted = false;
            }),
    },
    "elasticache-encrypted-at-rest": {
        stack: "prod",
        breakIt: (r) =>
            mutate(r, "aws:elasticache/replicationGroup:ReplicationGroup", (i) => {
                delete i.atRestEncryptionEnabled;
            }),
    },
    "efs-encrypted": {
        stack: "dev",
        breakIt: (r) =>
            mutate(r, "aws:efs/fileSystem:FileSystem", (i) => {
                i.encrypted = false;
            }),
    },
    "sns-encrypted": { stack: "dev", breakIt: (r) => withResource(r, { type: "aws:sns/topic:Topic", name: "plain-topic", inputs: {} }) },
    "sqs-encrypted": { stack: "dev", breakIt: (r) => withResource(r, { type: "aws:sqs/queue:Queue", name: "plain-queue", inputs: {} }) },
    "log-group-kms": {
        stack: "dev",
        breakIt: (r) =>
            mutate(r, "aws:cloudwatch/logGroup:LogGroup", (i) => {
                delete i.kmsKeyId;
            }),
    },
    "secret-kms": {
        stack: "dev",
        breakIt: (r) =>
            mutate(r, "aws:secretsmanager/secret:Secret", (i) => {
                delete i.kmsKeyId;
            }),
    },
    "ecr-scan-immutable": {
        stack: "dev",
        breakIt: (r) =>
            mutate(r, "aws:ecr/repository:Repository", (i) => {
                i.imageTagMutability = "MUTABLE";
            }),
    },
    "ebs-encrypted-imdsv2": {
        stack: "dev",
        breakIt: (r) =>
            mutate(r, "aws:ec2/launchTemplate:LaunchTemplate", (i) => {
                i.metadataOptions = { httpTokens: "optional" };
            }),
    },
    "elasticache-in-transit": {
        stack: "prod",
        breakIt: (r) =>
            mutate(r, "aws:elasticache/replicationGroup:ReplicationGroup", (i) => {
                i.transitEncryptionEnabled = false;
            }),
    },
    "https-modern-tls": {
        stack: "prod",
        breakIt: (r) =>
            withResource(r, {
                type: "aws:lb/listener:Listener",
                name: "old-tls",
                inputs: { protocol: "HTTPS", port: 443, sslPolicy: "ELBSecurityPolicy-2016-08", loadBalancerArn: "x" },
            }),
    },
    "http-redirects-to-https": {
        stack: "prod",
        breakIt: (r) => {
            // An HTTPS listener appears, but the existing HTTP listener still forwards instead of redirecting.
            const http = r.find((x) => x.type === "aws:lb/listener:Listener" && x.inputs.protocol === "HTTP");
            if (!http) throw new Error("no HTTP listener");
            const { resources } = withResource(r, {
                type: "aws:lb/listener:Listener",
                name: "https",
                inputs: { protocol: "HTTPS", port: 443, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", loadBalancerArn: http.inputs.loadBalancerArn },
            });
            return { resources, target: `${http.type}::${http.name}` };
        },
    },
    "alb-drops-invalid-headers": {
        stack: "dev",
        breakIt: (r) =>
            mutate(r, "aws:lb/loadBalancer:LoadBalancer", (i) => {
                i.dropInvalidHeaderFields = false;
            }),
    },
    "world-ingress-only-http": {
        stack: "dev",
        breakIt: (r) =>
            mutate(
                r,
                "aws:ec2/securityGroup:SecurityGroup",
                (i) => {
                    i.ingress = [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] }];
                },
                "data-postgres-sg",
            ),
    },
    "no-public-ip-on-tasks": {
        stack: "dev",
        breakIt: (r) =>
            mutate(r, "aws:ecs/service:Service", (i) => {
                (i.networkConfiguration as Record<string, unknown>).assignPublicIp = true;
            }),
    },
    "rds-not-public": {
        stack: "prod",
        breakIt: (r) =>
            mutate(r, "aws:rds/instance:Instance", (i) => {
                i.publiclyAccessible = true;
            }),
    },
    "containers-not-privileged": {
        stack: "dev",
        breakIt: (r) =>
            mutate(
                r,
                TD,
                (i) =>
                    editContainers(i, (c) => {
                        c[0]!.privileged = true;
                    }),
                "web-task",
            ),
    },
    "containers-read-only-root": {
        stack: "dev",
        breakIt: (r) =>
            mutate(
                r,
                TD,
                (i) =>
                    editContainers(i, (c) => {
                        c[0]!.readonlyRootFilesystem = false;
                    }),
                "web-task",
            ),
    },
    "containers-non-root": {
        stack: "dev",
        breakIt: (r) =>
            mutate(
                r,
                TD,
                (i) =>
                    editContainers(i, (c) => {
                        c[0]!.user = "root";
                    }),
                "web-task",
            ),
    },
    "host-mounts-read-only": {
        stack: "dev",
        breakIt: (r) =>
            mutate(
                r,
                TD,
                (i) => {
                    i.volumes = [...((i.volumes as unknown[]) ?? []), { name: "docker-sock", hostPath: "/var/run/docker.sock" }];
                    editContainers(i, (c) => {
                        c[0]!.mountPoints = [{ sourceVolume: "docker-sock", containerPath: "/var/run/docker.sock" }];
                    });
                },
                "web-task",
            ),
    },
    "host-pid-only-node-exporter": {
        stack: "dev",
        breakIt: (r) =>
            mutate(
                r,
                TD,
                (i) => {
                    i.pidMode = "host";
                },
                "web-task",
            ),
    },
    "host-rootfs-reader-in-host-pid": {
        stack: "dev",
        breakIt: (r) =>
            mutate(
                r,
                TD,
                (i) => {
                    delete i.pidMode;
                },
                "monitoring-node-exporter-task",
            ),
    },
    "secrets-only-via-ecs-secrets": {
        stack: "dev",
        breakIt: (r) =>
            mutate(
                r,
                TD,
                (i) =>
                    editContainers(i, (c) => {
                        (c[0]!.environment as unknown[]).push({ name: "DATABASE_PASSWORD", value: "hunter2" });
                    }),
                "web-task",
            ),
    },
    "iam-no-wildcards": {
        stack: "dev",
        breakIt: (r) =>
            mutate(
                r,
                ROLE,
                (i) => {
                    i.inlinePolicies = [
                        { name: "oops", policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }) },
                    ];
                },
                "web-task-role",
            ),
    },
    "log-group-retention": {
        stack: "dev",
        breakIt: (r) =>
            mutate(r, "aws:cloudwatch/logGroup:LogGroup", (i) => {
                delete i.retentionInDays;
            }),
    },
    "circuit-breaker-rollback": {
        stack: "dev",
        breakIt: (r) =>
            mutate(r, "aws:ecs/service:Service", (i) => {
                i.deploymentCircuitBreaker = { enable: true, rollback: false };
            }),
    },
    "alarms-have-actions": {
        stack: "dev",
        breakIt: (r) => withResource(r, { type: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "silent", inputs: { alarmActions: [] } }),
    },
    "prod-rds-resilient": {
        stack: "prod",
        breakIt: (r) =>
            mutate(r, "aws:rds/instance:Instance", (i) => {
                i.multiAz = false;
            }),
    },
    "prod-cache-resilient": {
        stack: "prod",
        breakIt: (r) =>
            mutate(r, "aws:elasticache/replicationGroup:ReplicationGroup", (i) => {
                i.automaticFailoverEnabled = false;
            }),
    },
    "prod-no-ecs-data-stores": {
        stack: "prod",
        breakIt: (r) => withResource(r, { type: "aws:efs/fileSystem:FileSystem", name: "pgdata", inputs: { encrypted: true, kmsKeyId: "k" } }),
    },
    "prod-alb-deletion-protection": {
        stack: "prod",
        breakIt: (r) =>
            mutate(r, "aws:lb/loadBalancer:LoadBalancer", (i) => {
                i.enableDeletionProtection = false;
            }),
    },
    // The notifier handed the PagerDuty routing key without the permission to read it.
    "prod-two-tasks": {
        stack: "prod",
        breakIt: (r) =>
            mutate(
                r,
                "aws:ecs/service:Service",
                (i) => {
                    i.desiredCount = 1;
                },
                "web-svc",
            ),
    },
};

/** Every rule family brings its own broken cases (test/policy/<family>.breaks.ts). */
const BREAKS: Breaks = {
    ...CORE_BREAKS,
    ...REACHABILITY_BREAKS,
    ...KEY_BREAKS,
    ...ORDER_BREAKS,
    ...FILESYSTEM_BREAKS,
    ...RUNTIME_BREAKS,
    ...MESSAGE_BREAKS,
    ...SECRET_BREAKS,
};

describe("guardrails", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: every resource passes every rule`, async () => {
            const g = await stackGraph(stack);
            assert.equal(environmentOf(g.resources), stack);
            assert.deepEqual(evaluate({ environment: stack, resources: g.resources }), []);
        });
    }

    it("every rule has an id, a one-line reason, and a test that breaks it", () => {
        const ids = RULES.map((r) => r.id);
        assert.equal(new Set(ids).size, ids.length, "rule ids are unique");
        for (const rule of RULES) {
            assert.match(rule.reason, /^\S[^\n]{10,160}\.$/, `${rule.id} reason is one line`);
            assert.ok(BREAKS[rule.id], `rule ${rule.id} has no broken-resource case in this test`);
        }
    });

    for (const rule of RULES) {
        const brk = BREAKS[rule.id];
        if (!brk) continue;
        it(`${rule.id}${rule.securityHub ? ` (${rule.securityHub})` : ""} catches a deliberately broken resource`, async () => {
            const g = await stackGraph(brk.stack);
            const { resources, target } = brk.breakIt(g.resources);
            const violations = evaluate({ environment: brk.stack, resources }).filter((v) => v.rule === rule.id);
            assert.ok(
                violations.some((v) => v.resource === target),
                `expected ${rule.id} on ${target}, got ${JSON.stringify(violations)}`,
            );
        });
    }

    it("prod-only rules stay quiet in dev", async () => {
        const g = await stackGraph("dev");
        const { resources } = mutate(g.resources, "aws:lb/loadBalancer:LoadBalancer", (i) => {
            i.enableDeletionProtection = false;
        });
        assert.deepEqual(
            evaluate({ environment: "dev", resources }).filter((v) => v.rule.startsWith("prod-")),
            [],
        );
    });

    it("a symptom alarm heard only through its suppressible wrapper composite goes silent when the wrapper loses its actions", async () => {
        const g = await stackGraph("dev");
        const wrapper = g.resources.find((r) => r.type === "aws:cloudwatch/compositeAlarm:CompositeAlarm" && r.inputs.actionsSuppressor !== undefined);
        assert.ok(wrapper, "the dev graph has a suppressible wrapper composite");
        const { resources } = mutate(
            g.resources,
            wrapper.type,
            (i) => {
                i.alarmActions = [];
            },
            wrapper.name,
        );
        const silent = evaluate({ environment: "dev", resources })
            .filter((v) => v.rule === "alarms-have-actions")
            .map((v) => v.resource);
        const symptom = /ALARM\("([^"]+)"\)/.exec(String(wrapper.inputs.alarmRule))?.[1];
        assert.ok(silent.includes(`${wrapper.type}::${wrapper.name}`));
        assert.ok(
            silent.some(
                (r) =>
                    r.startsWith("aws:cloudwatch/metricAlarm:MetricAlarm::") && g.resources.find((x) => `${x.type}::${x.name}` === r)?.inputs.name === symptom,
            ),
            `the symptom ${symptom} is reported silent: ${silent.join(", ")}`,
        );
    });

    it("the host exporters are the only containers allowed to be privileged", async () => {
        const g = await stackGraph("dev");
        const { resources } = mutate(
            g.resources,
            TD,
            (i) =>
                editContainers(i, (c) => {
                    c[0]!.name = "cadvisor";
                    c[0]!.privileged = true;
                }),
            "web-task",
        );
        assert.deepEqual(
            evaluate({ environment: "dev", resources }).filter((v) => v.rule === "containers-not-privileged"),
            [],
        );
    });
});
