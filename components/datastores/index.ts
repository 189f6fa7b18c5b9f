import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import { inClusterStores } from "./in-cluster";
import { managedStores } from "./managed";
import { POSTGRES_PORT, REDIS_PORT, type DataStoresArgs, type PostgresConnection, type RedisConnection } from "./types";
import { kindNamed } from "../common/kind-names";

export { POSTGRES_IMAGES } from "./images";

export { RDS_CA_CERT_IDENTIFIER, type DataStoresArgs, type PostgresConnection, type RedisConnection } from "./types";

export class DataStores extends pulumi.ComponentResource {
    public readonly mode: "ecs" | "managed";
    public readonly postgres: PostgresConnection;
    public readonly redis: RedisConnection;
    /** Secrets Manager ARNs a client's execution role must read (no JSON-key suffix). */
    public readonly secretArns: pulumi.Output<string>[];
    public readonly postgresSecurityGroupId: pulumi.Output<string>;
    public readonly redisSecurityGroupId: pulumi.Output<string>;
    /** RDS instance identifier (`managed`). */
    public readonly rdsInstanceId?: pulumi.Output<string>;
    /** ElastiCache replication group ID (`managed`). */
    public readonly replicationGroupId?: pulumi.Output<string>;
    /** Log groups operators read: the data-store tasks' (`ecs`) or the Redis slow log (`managed`). */
    public readonly logGroupNames: Record<string, pulumi.Output<string>>;
    /** ECS service names (`ecs`). */
    public readonly postgresServiceName?: pulumi.Output<string>;
    public readonly redisServiceName?: pulumi.Output<string>;
    private readonly name: string;

    constructor(name: string, args: DataStoresArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:datastores:DataStores", name, {}, opts);
        this.name = name;
        this.mode = args.config.mode;
        const parent = { parent: this };

        const pgSgName = kindNamed(`${name}-postgres`, "securityGroup", parent);
        const pgSg = new aws.ec2.SecurityGroup(
            pgSgName.name,
            {
                vpcId: args.vpcId,
                description: `PostgreSQL ${POSTGRES_PORT}: only from the web server and the postgres exporter`,
            },
            pgSgName.opts,
        );
        const redisSgName = kindNamed(`${name}-redis`, "securityGroup", parent);
        const redisSg = new aws.ec2.SecurityGroup(
            redisSgName.name,
            {
                vpcId: args.vpcId,
                description: `Redis ${REDIS_PORT}: only from the web server and the redis exporter`,
            },
            redisSgName.opts,
        );
        this.postgresSecurityGroupId = pgSg.id;
        this.redisSecurityGroupId = redisSg.id;

        const redisToken = new random.RandomPassword(`${name}-redis-token`, { length: 48, special: false }, parent);
        const redisSecret = this.secret("redis-auth", "Redis AUTH token", redisToken.result, args);

        if (args.config.mode === "managed") {
            const m = managedStores(this, name, args, pgSg, redisSg, redisToken.result);
            this.postgres = m.postgres;
            this.redis = { ...m.redis, passwordValueFrom: redisSecret.arn };
            this.secretArns = [m.postgresSecretArn, redisSecret.arn];
            this.rdsInstanceId = m.rdsInstanceId;
            this.replicationGroupId = m.replicationGroupId;
            // RDS creates /aws/rds/instance/<id>/postgresql itself when the log export is on.
            this.logGroupNames = { redisSlowLog: m.redisSlowLogGroupName, postgres: pulumi.interpolate`/aws/rds/instance/${m.rdsInstanceId}/postgresql` };
        } else {
            const pgPasswordName = kindNamed(`${name}-postgres-password`, "randomPassword", parent);
            const pgPassword = new random.RandomPassword(pgPasswordName.name, { length: 32, special: false }, pgPasswordName.opts);
            const pgSecret = this.secret("postgres-password", "PostgreSQL password", pgPassword.result, args);
            const e = inClusterStores(this, name, args, pgSg, redisSg, pgSecret.arn, redisSecret.arn);
            this.postgres = {
                host: pulumi.output(`postgres.${e.namespace}`),
                port: POSTGRES_PORT,
                database: args.config.postgres.databaseName,
                username: args.config.postgres.username,
                passwordValueFrom: pgSecret.arn,
                passwordSecretArn: pgSecret.arn,
                sslMode: "disable",
            };
            this.redis = { host: pulumi.output(`redis.${e.namespace}`), port: REDIS_PORT, tls: false, passwordValueFrom: redisSecret.arn };
            this.secretArns = [pgSecret.arn, redisSecret.arn];
            this.postgresServiceName = e.postgresServiceName;
            this.redisServiceName = e.redisServiceName;
            this.logGroupNames = { postgres: e.postgresLogGroupName, redis: e.redisLogGroupName };
        }

        this.registerOutputs({
            postgresHost: this.postgres.host,
            redisHost: this.redis.host,
            postgresSecurityGroupId: this.postgresSecurityGroupId,
            redisSecurityGroupId: this.redisSecurityGroupId,
        });
    }

    /** Admits `securityGroupId` to PostgreSQL and/or Redis. `key` names the client stably. */
    allowClient(key: string, securityGroupId: pulumi.Input<string>, stores: readonly ("postgres" | "redis")[] = ["postgres", "redis"]): void {
        for (const store of stores) {
            new aws.vpc.SecurityGroupIngressRule(
                `${this.name}-${store}-from-${key}`,
                {
                    securityGroupId: store === "postgres" ? this.postgresSecurityGroupId : this.redisSecurityGroupId,
                    referencedSecurityGroupId: securityGroupId,
                    ipProtocol: "tcp",
                    fromPort: store === "postgres" ? POSTGRES_PORT : REDIS_PORT,
                    toPort: store === "postgres" ? POSTGRES_PORT : REDIS_PORT,
                    description: `${store} from ${key}`,
                },
                { parent: this },
            );
        }
    }

    /**
     * A secret and its value. Its ARN is handed out through the version (`secretArn`, the secret's
     * ARN once a value exists), so whatever injects it waits for the value: a task whose secret has
     * no AWSCURRENT version cannot start.
     */
    private secret(key: string, description: string, value: pulumi.Input<string>, args: DataStoresArgs): { readonly arn: pulumi.Output<string> } {
        const secret = new aws.secretsmanager.Secret(
            `${this.name}-${key}`,
            {
                name: `${args.namePrefix}/${key}`,
                description,
                kmsKeyId: args.placement.kmsKeyArn,
                recoveryWindowInDays: 7,
            },
            { parent: this },
        );
        const v = kindNamed(`${this.name}-${key}`, "secretVersion", { parent: this });
        const version = new aws.secretsmanager.SecretVersion(v.name, { secretId: secret.id, secretString: value }, v.opts);
        return { arn: version.secretArn };
    }
}
