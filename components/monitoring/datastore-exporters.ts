/**
 * The Postgres and Redis exporters (Fargate), pointed at the stack's data-store mode, credentials
 * injected as ECS secrets. Each has a security group admitting Prometheus only; the data stores
 * admit these groups (`DataStores.allowClient`).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EcsService } from "../common";
import { CLOUD_MAP_NAMES, PORTS } from "../contracts";
import type { PostgresConnection, RedisConnection } from "../datastores";
import { IMAGES } from "./images";
import { EGRESS_ALL, partChild, partImage, type PartContext } from "./part";
import { QUERIES_PATH } from "./postgres-exporter/queries";
import { RDS_CA_PATH } from "./postgres-exporter/rds-ca";
import { kindNamed } from "../common/kind-names";

export interface DataStoreExportersArgs {
    readonly postgres: PostgresConnection;
    readonly redis: RedisConnection;
    /** Secrets the exporters' execution role reads (the data stores' credentials). */
    readonly secretArns: readonly pulumi.Input<string>[];
    /** Prometheus' security group: the only client admitted. */
    readonly prometheusSecurityGroupId: pulumi.Input<string>;
}

export class DataStoreExporters extends pulumi.ComponentResource {
    public readonly postgresExporter: EcsService;
    public readonly redisExporter: EcsService;
    public readonly postgresExporterSecurityGroupId: pulumi.Output<string>;
    public readonly redisExporterSecurityGroupId: pulumi.Output<string>;

    constructor(ctx: PartContext, args: DataStoreExportersArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:monitoring:DataStoreExporters", `${ctx.prefix}-datastore-exporters`, {}, opts);
        const name = ctx.prefix;
        const child = partChild(this, ctx);
        const exporterSg = (key: string, port: number, what: string) => {
            const sgName = kindNamed(`${name}-${key}`, "securityGroup", child);
            return new aws.ec2.SecurityGroup(
                sgName.name,
                {
                    vpcId: ctx.vpcId,
                    description: `${what} ${port}: only from Prometheus`,
                    ingress: [
                        {
                            protocol: "tcp",
                            fromPort: port,
                            toPort: port,
                            securityGroups: [args.prometheusSecurityGroupId],
                            description: `${what} from Prometheus`,
                        },
                    ],
                    egress: EGRESS_ALL,
                },
                sgName.opts,
            );
        };
        const pgSg = exporterSg("postgres-exporter", PORTS.postgresExporter, "Postgres exporter");
        const redisSg = exporterSg("redis-exporter", PORTS.redisExporter, "Redis exporter");
        const service = { parent: this, formerParent: ctx.layer };

        const pg = args.postgres;
        this.postgresExporter = new EcsService(
            `${name}-postgres-exporter`,
            {
                placement: ctx.placement,
                cpu: 256,
                memory: 512,
                securityGroupIds: [pgSg.id],
                discoveryName: CLOUD_MAP_NAMES.postgresExporter,
                secretArns: args.secretArns,
                containers: [
                    {
                        name: "postgres-exporter",
                        image: partImage(this, ctx, "postgres-exporter"),
                        user: "65534:65534",
                        portMappings: [{ containerPort: PORTS.postgresExporter, name: "metrics" }],
                        environment: [
                            // verify-full against the region's RDS CAs baked into the image: lib/pq's
                            // `require` would encrypt without checking whom it talks to.
                            {
                                name: "DATA_SOURCE_URI",
                                value: pulumi.interpolate`${pg.host}:${pg.port}/${pg.database}?sslmode=${pg.sslMode}${pg.sslMode === "verify-full" ? `&sslrootcert=${RDS_CA_PATH}` : ""}`,
                            },
                            { name: "DATA_SOURCE_USER", value: pg.username },
                        ],
                        // Injected at task start: after RDS rotates the password, the secret follower
                        // redeploys this service (docs/aws-behaviours.md, "Secrets").
                        secrets: [{ name: "DATA_SOURCE_PASS", valueFrom: pg.passwordValueFrom }],
                        command: [`--extend.query-path=${QUERIES_PATH}`, `--web.listen-address=:${PORTS.postgresExporter}`],
                    },
                ],
            },
            service,
        );
        const redis = args.redis;
        this.redisExporter = new EcsService(
            `${name}-redis-exporter`,
            {
                placement: ctx.placement,
                cpu: 256,
                memory: 512,
                securityGroupIds: [redisSg.id],
                discoveryName: CLOUD_MAP_NAMES.redisExporter,
                secretArns: args.secretArns,
                containers: [
                    {
                        name: "redis-exporter",
                        image: IMAGES.redisExporter,
                        user: "59000:59000",
                        portMappings: [{ containerPort: PORTS.redisExporter, name: "metrics" }],
                        environment: [
                            { name: "REDIS_ADDR", value: pulumi.interpolate`${redis.tls ? "rediss" : "redis"}://${redis.host}:${redis.port}` },
                            { name: "REDIS_EXPORTER_WEB_LISTEN_ADDRESS", value: `:${PORTS.redisExporter}` },
                        ],
                        secrets: [{ name: "REDIS_PASSWORD", valueFrom: redis.passwordValueFrom }],
                    },
                ],
            },
            service,
        );

        this.postgresExporterSecurityGroupId = pgSg.id;
        this.redisExporterSecurityGroupId = redisSg.id;
        this.registerOutputs({
            postgresExporterSecurityGroupId: this.postgresExporterSecurityGroupId,
            redisExporterSecurityGroupId: this.redisExporterSecurityGroupId,
        });
    }
}
