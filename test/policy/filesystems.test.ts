/**
 * Container filesystems (policy/filesystems.ts) on the real graphs, each case broken one way: the
 * defects issue 11 found (today's images on empty Fargate task volumes), and each kind of mount the
 * rule models (EFS access point, EC2 Docker volume, read-only mount, tmpfs, root).
 */
import { strict as assert } from "node:assert";
import { CONTAINER_FILESYSTEMS, IMAGE_FACTS, canWrite, imageKeyOf } from "../../components/common/filesystems";
import { POSTGRES_IMAGES, REDIS_IMAGE } from "../../components/datastores/images";
import { IMAGES } from "../../components/monitoring/images";
import { evaluate, type PolicyResource } from "../../policy/rules";
import { stackGraph } from "../harness";
import { editContainers, mutate } from "./mutate";

const TD = "aws:ecs/taskDefinition:TaskDefinition";

async function violations(
    stack: "dev" | "prod",
    change: (r: readonly PolicyResource[]) => { resources: PolicyResource[] },
    rule = "container-writes-writable",
): Promise<string[]> {
    const g = await stackGraph(stack);
    return evaluate({ environment: stack, resources: change(g.resources).resources })
        .filter((v) => v.rule === rule)
        .map((v) => `${v.resource}: ${v.message}`);
}

const container = (name: string, edit: (c: Record<string, unknown>) => void) => (i: Record<string, unknown>) =>
    editContainers(i, (cs) => {
        const c = cs.find((x) => x.name === name);
        if (!c) throw new Error(`no container ${name}`);
        edit(c);
    });

describe("container filesystems", () => {
    describe("the defects of issue 11, as the plan would have run them", () => {
        it("today's web image (no VOLUME /tmp, like its node base): the node user cannot write its diagnostic reports", async () => {
            const v = await violations("dev", (r) =>
                mutate(
                    r,
                    TD,
                    container("web", (c) => {
                        c.image = "node:20.19.5-bookworm-slim";
                    }),
                    "web-task",
                ),
            );
            assert.equal(v.length, 1);
            assert.match(
                v[0]!,
                /web \(uid 1000, gid 1000\) cannot write \/tmp\/node-reports .*task volume tmp at \/tmp, which the image does not declare as a VOLUME — owner 0:0, mode 0755/,
            );
        });

        it("today's PostgreSQL image: uid 999 cannot create its socket in /var/run/postgresql (PGDATA on EFS is fine)", async () => {
            const v = await violations("dev", (r) =>
                mutate(
                    r,
                    TD,
                    container("postgres", (c) => {
                        c.image = POSTGRES_IMAGES["15"];
                    }),
                    "data-postgres-task",
                ),
            );
            assert.equal(v.length, 1);
            assert.match(v[0]!, /postgres \(uid 999, gid 999\) cannot write \/var\/run\/postgresql/);
            assert.doesNotMatch(v[0]!, /pgdata/, "PGDATA is on the EFS access point owned by 999");
        });

        it("today's CloudWatch agent sidecars: the upstream scratch image as user 10001 cannot write etc, var, logs or /tmp", async () => {
            const v = await violations("dev", (r) =>
                mutate(
                    r,
                    TD,
                    (i) =>
                        editContainers(i, (cs) => {
                            for (const c of cs.filter((x) => x.name === "cloudwatch-agent" || x.name === "app-metrics")) c.image = IMAGES.cloudwatchAgent;
                        }),
                    "web-task",
                ),
            );
            assert.equal(v.length, 1);
            for (const sidecar of ["cloudwatch-agent", "app-metrics"]) {
                for (const dir of ["etc", "var", "logs/state"])
                    assert.match(v[0]!, new RegExp(`${sidecar} \\(uid 10001, gid 10001\\) cannot write /opt/aws/amazon-cloudwatch-agent/${dir}`));
                assert.match(v[0]!, new RegExp(`${sidecar} \\(uid 10001, gid 10001\\) cannot write /tmp `));
            }
        });

        it("Grafana under another user: /var/lib/grafana (472:0, 0770) is not its to write; /tmp (1777) still is", async () => {
            const v = await violations("prod", (r) =>
                mutate(
                    r,
                    TD,
                    container("grafana", (c) => {
                        c.user = "1000:1000";
                    }),
                    "monitoring-grafana-task",
                ),
            );
            assert.equal(v.length, 1);
            assert.match(v[0]!, /grafana \(uid 1000, gid 1000\) cannot write \/var\/lib\/grafana .* — owner 472:0, mode 0770/);
            assert.doesNotMatch(v[0]!, /cannot write \/tmp/);
        });
    });

    describe("each kind of mount", () => {
        it("EFS: the access point's POSIX user is who writes, whatever the container runs as", async () => {
            const other = await violations("dev", (r) =>
                mutate(r, "aws:efs/accessPoint:AccessPoint", (i) => {
                    i.posixUser = { uid: 1000, gid: 1000 };
                }),
            );
            assert.match(
                other.join("\n"),
                /postgres \(uid 1000, gid 1000\) cannot write \/var\/lib\/postgresql\/data\/pgdata .*EFS pgdata .* — owner 999:999, mode 0700/,
            );
            const asRoot = await violations("dev", (r) =>
                mutate(
                    r,
                    TD,
                    container("postgres", (c) => {
                        c.user = "1234:1234";
                    }),
                    "data-postgres-task",
                ),
            );
            assert.doesNotMatch(asRoot.join("\n"), /pgdata/, "the container's own user does not matter on the access point");
            const noAccessPoint = await violations("dev", (r) =>
                mutate(
                    r,
                    TD,
                    (i) => {
                        for (const vol of i.volumes as { efsVolumeConfiguration?: { authorizationConfig?: unknown } }[]) {
                            if (vol.efsVolumeConfiguration) delete vol.efsVolumeConfiguration.authorizationConfig;
                        }
                    },
                    "data-postgres-task",
                ),
            );
            assert.match(
                noAccessPoint.join("\n"),
                /postgres \(uid 999, gid 999\) cannot write \/var\/lib\/postgresql\/data\/pgdata .*no access point: the file system's root\) — owner 0:0, mode 0755/,
            );
        });

        it("EC2 Docker volume: populated from the image's directory, so the TSDB is nobody's (65534), not another user's", async () => {
            const v = await violations("dev", (r) =>
                mutate(
                    r,
                    TD,
                    container("prometheus", (c) => {
                        c.user = "1000:1000";
                    }),
                    "monitoring-prometheus-task",
                ),
            );
            assert.match(
                v.join("\n"),
                /cannot write \/prometheus .*Docker volume tsdb at \/prometheus, populated from the image's \/prometheus — owner 65534:65534, mode 0755/,
            );
            assert.match(v.join("\n"), /cannot write \/run\/prometheus .*task volume run at \/run\/prometheus, populated from the image's VOLUME/);
        });

        it("a mount marked read-only is not written, whoever owns it", async () => {
            const v = await violations("dev", (r) =>
                mutate(
                    r,
                    TD,
                    container("redis", (c) => {
                        (c.mountPoints as { readOnly?: boolean }[])[0]!.readOnly = true;
                    }),
                    "data-redis-task",
                ),
            );
            assert.match(v.join("\n"), /redis writes \/data .*: data is mounted read-only at \/data/);
        });

        it("nothing mounted: the path is on the read-only root filesystem", async () => {
            const v = await violations("dev", (r) =>
                mutate(
                    r,
                    TD,
                    container("redis", (c) => {
                        c.mountPoints = [];
                    }),
                    "data-redis-task",
                ),
            );
            assert.match(v.join("\n"), /redis writes \/data .*: nothing is mounted there: the root filesystem is read-only/);
        });

        it("tmpfs: writable (mode 1777) on EC2, rejected on Fargate", async () => {
            const onEc2 = await violations("dev", (r) =>
                mutate(
                    r,
                    TD,
                    container("prometheus", (c) => {
                        c.mountPoints = (c.mountPoints as { containerPath: string }[]).filter((m) => m.containerPath !== "/run/prometheus");
                        c.linuxParameters = { ...(c.linuxParameters as object), tmpfs: [{ containerPath: "/run/prometheus", size: 16 }] };
                    }),
                    "monitoring-prometheus-task",
                ),
            );
            assert.deepEqual(onEc2, []);
            const onFargate = await violations("dev", (r) =>
                mutate(
                    r,
                    TD,
                    container("grafana", (c) => {
                        c.mountPoints = (c.mountPoints as { containerPath: string }[]).filter((m) => m.containerPath !== "/tmp");
                        c.linuxParameters = { ...(c.linuxParameters as object), tmpfs: [{ containerPath: "/tmp", size: 16 }] };
                    }),
                    "monitoring-grafana-task",
                ),
            );
            assert.match(onFargate.join("\n"), /grafana writes \/tmp .*: tmpfs at \/tmp, which Fargate does not support/);
        });

        it("uid 0 writes any writable mount, but only a named root exception may run as uid 0", async () => {
            const writes = await violations("dev", (r) =>
                mutate(
                    r,
                    TD,
                    container("postgres", (c) => {
                        c.user = "0:0";
                        c.image = POSTGRES_IMAGES["15"];
                    }),
                    "data-postgres-task",
                ),
            );
            assert.deepEqual(writes, []);
            const facts = await violations(
                "dev",
                (r) =>
                    mutate(
                        r,
                        TD,
                        container("postgres", (c) => {
                            c.user = "0:0";
                        }),
                        "data-postgres-task",
                    ),
                "container-filesystem-facts",
            );
            assert.match(facts.join("\n"), /postgres: runs as uid 0 but is not a named root exception/);
            const cadvisor = await violations("dev", (r) => ({ resources: [...r] }), "container-filesystem-facts");
            assert.deepEqual(cadvisor, [], "cAdvisor runs as root with its reason on record");
        });
    });

    describe("what the plan does not tell", () => {
        it("an image the plan cannot name yet (an unknown output) is judged by the image its facts name", async () => {
            const v = await violations("dev", (r) =>
                mutate(
                    r,
                    TD,
                    container("postgres", (c) => {
                        delete c.image;
                    }),
                    "data-postgres-task",
                ),
            );
            assert.deepEqual(v, []);
        });

        it("an image nobody described is reported, not guessed", async () => {
            const v = await violations(
                "dev",
                (r) =>
                    mutate(
                        r,
                        TD,
                        container("redis", (c) => {
                            c.image = "redis:7.4.0-bookworm";
                        }),
                        "data-redis-task",
                    ),
                "container-filesystem-facts",
            );
            assert.match(v.join("\n"), /redis: runs redis:7\.4\.0-bookworm, an image with no filesystem facts/);
        });

        it("an access point the plan cannot resolve (a real preview's ids) leaves the EFS write unjudged", async () => {
            const v = await violations("dev", (r) =>
                mutate(
                    r,
                    TD,
                    (i) => {
                        for (const vol of i.volumes as { efsVolumeConfiguration?: { authorizationConfig: { accessPointId: unknown } } }[]) {
                            if (vol.efsVolumeConfiguration) vol.efsVolumeConfiguration.authorizationConfig.accessPointId = "fsap-0123456789abcdef0";
                        }
                    },
                    "data-postgres-task",
                ),
            );
            assert.deepEqual(v, []);
        });
    });

    describe("the model", () => {
        it("names every image reference the platform pins, and only one image per reference", () => {
            for (const ref of [
                ...Object.values(POSTGRES_IMAGES),
                REDIS_IMAGE,
                IMAGES.cloudwatchAgent,
                IMAGES.nodeExporter,
                IMAGES.cadvisor,
                IMAGES.redisExporter,
            ]) {
                assert.ok(imageKeyOf(ref), `${ref} has facts`);
            }
            assert.equal(imageKeyOf("123456789012.dkr.ecr.eu-west-1.amazonaws.com/monitoring-postgres-exporter-image-repo@sha256:0"), "postgres-exporter");
            assert.equal(imageKeyOf("123456789012.dkr.ecr.eu-west-1.amazonaws.com/data-postgres-image-repo-1a2b3c4@sha256:0"), "postgres");
            assert.equal(imageKeyOf("123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-telemetry-agent-image-repo@sha256:0"), "cloudwatch-agent");
        });

        it("every container's declared image exists, and every image a container runs has a source (our Dockerfile or upstream's)", () => {
            for (const [name, c] of Object.entries(CONTAINER_FILESYSTEMS)) assert.ok(IMAGE_FACTS[c.image], `${name} → ${c.image}`);
            for (const [key, f] of Object.entries(IMAGE_FACTS)) {
                const facts = f as { dockerfile?: unknown; upstream?: string };
                assert.ok(facts.dockerfile !== undefined || /^https:\/\//.test(facts.upstream ?? ""), `${key} cites where its facts come from`);
            }
        });

        it("permission arithmetic: owner, group and other bits, and root", () => {
            const dir = { uid: 472, gid: 0, mode: 0o770 };
            assert.equal(canWrite({ uid: 472, gid: 472 }, dir), true);
            assert.equal(canWrite({ uid: 1000, gid: 0 }, dir), true, "group root may write a 0770 directory");
            assert.equal(canWrite({ uid: 1000, gid: 1000 }, dir), false);
            assert.equal(canWrite({ uid: 0, gid: 0 }, { uid: 5, gid: 5, mode: 0o700 }), true);
            assert.equal(canWrite({ uid: 1000, gid: 1000 }, { uid: 0, gid: 0, mode: 0o1777 }), true);
            assert.equal(canWrite({ uid: 999, gid: 999 }, { uid: 999, gid: 999, mode: 0o500 }), false, "the owner without w is refused");
        });
    });
});
