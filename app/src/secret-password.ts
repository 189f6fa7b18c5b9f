/**
 * The database password, read from AWS Secrets Manager while the server runs.
 *
 * RDS rotates the master password it manages every 7 days by default
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html), and ECS
 * injects a secret into a container only when the container starts
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html):
 * an injected password stops opening connections a week after deploy. So the server reads the
 * secret itself and hands node-postgres a password function (pg calls it for every new connection:
 * pg/lib/client.js `_getPassword`), cached briefly and re-read at once when PostgreSQL refuses it
 * (SQLSTATE 28P01). Managed rotation "typically completes within one minute", and during it new
 * connections "may get the previous version"
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_managed.html): when
 * the current version still holds the refused password, the pending one is tried.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Logger } from "pino";

/** A secret reference in the form ECS takes for `secrets[].valueFrom`: the secret's ARN, optionally `:json-key::`. */
export interface SecretReference {
    /** The secret's ARN, without JSON key. */
    readonly arn: string;
    readonly region: string;
    /** Key of the password in the secret's JSON; absent: the whole secret string is the password. */
    readonly jsonKey?: string;
}

const ARN = /^(arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:[A-Za-z0-9/_+=.@!-]+)(?::([^:]*)(?::([^:]*)(?::([^:]*))?)?)?$/;

/** Parses `arn:aws:secretsmanager:<region>:<account>:secret:<name>[:<json-key>[:<version-stage>[:<version-id>]]]`; undefined when it is not one. */
export function parseSecretReference(value: string): SecretReference | { error: string } {
    const m = ARN.exec(value);
    if (!m) return { error: "is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>[:<json-key>::])" };
    const [, arn = "", region = "", jsonKey, stage, versionId] = m;
    if ((stage ?? "") !== "" || (versionId ?? "") !== "") {
        return { error: "names a version stage or version id; the server follows rotation itself, so give only the ARN and JSON key" };
    }
    return { arn, region, ...(jsonKey ? { jsonKey } : {}) };
}

export type VersionStage = "AWSCURRENT" | "AWSPENDING";

/** Reads the password held by one version stage of the secret; `undefined` when that stage does not exist. */
export type SecretReader = (stage: VersionStage) => Promise<string | undefined>;

/** A reader of `ref` through Secrets Manager (credentials and endpoint from the SDK's default chain: the ECS task role). */
export function secretsManagerReader(ref: SecretReference, client = new SecretsManagerClient({ region: ref.region })): SecretReader {
    return async (stage) => {
        let secret: string | undefined;
        try {
            secret = (await client.send(new GetSecretValueCommand({ SecretId: ref.arn, VersionStage: stage }))).SecretString;
        } catch (err) {
            // A stage with no version (no rotation in flight) is not an error.
            if ((err as { name?: string }).name === "ResourceNotFoundException" && stage === "AWSPENDING") return undefined;
            throw err;
        }
        if (secret === undefined) throw new Error(`secret ${ref.arn} (${stage}) has no string value`);
        if (ref.jsonKey === undefined) return secret;
        let parsed: unknown;
        try {
            parsed = JSON.parse(secret);
        } catch {
            throw new Error(`secret ${ref.arn} (${stage}) is not JSON, so it has no key "${ref.jsonKey}"`);
        }
        const value = (parsed as Record<string, unknown> | null)?.[ref.jsonKey];
        if (typeof value !== "string") throw new Error(`secret ${ref.arn} (${stage}) has no string "${ref.jsonKey}"`);
        return value;
    };
}

export interface RotatingPasswordOptions {
    /** How long a read password is used before reading again. */
    readonly cacheMs: number;
    readonly log: Logger;
    /** Clock, for tests. @default Date.now */
    readonly now?: () => number;
}

/**
 * The password for new connections: {@link get} for node-postgres, {@link refresh} after PostgreSQL
 * refused it. Concurrent reads share one request; a failed read keeps the last known password
 * (Secrets Manager unreachable must not take down a database that still accepts it).
 */
export class RotatingPassword {
    private value: string | undefined;
    private readAt = Number.NEGATIVE_INFINITY;
    private reading: Promise<string> | undefined;
    private refreshing: Promise<boolean> | undefined;
    private changes = 0;
    private readonly now: () => number;

    constructor(
        private readonly read: SecretReader,
        private readonly opts: RotatingPasswordOptions,
    ) {
        this.now = opts.now ?? Date.now;
    }

    /** Counts the times the password changed: a connection that failed under an older generation can simply retry. */
    get generation(): number {
        return this.changes;
    }

    /** The password, read again once `cacheMs` has passed. */
    async get(): Promise<string> {
        if (this.value !== undefined && this.now() - this.readAt < this.opts.cacheMs) return this.value;
        this.reading ??= this.read("AWSCURRENT")
            .then((v) => {
                if (v === undefined) throw new Error("the secret has no AWSCURRENT version");
                this.store(v);
                return v;
            })
            .catch((err: unknown) => {
                if (this.value === undefined) throw err;
                // Try again after another cache period, not on every new connection.
                this.readAt = this.now();
                this.opts.log.warn({ err: { message: (err as Error).message } }, "could not read the database password secret; keeping the last one");
                return this.value;
            })
            .finally(() => {
                this.reading = undefined;
            });
        return this.reading;
    }

    /**
     * PostgreSQL refused the password we hold: read the secret now (one read for all connections
     * refused together). When the current version still holds the refused password, a rotation is
     * in flight: take the pending version if there is one. Resolves whether the password changed.
     */
    refresh(): Promise<boolean> {
        this.refreshing ??= this.reread().finally(() => {
            this.refreshing = undefined;
        });
        return this.refreshing;
    }

    private async reread(): Promise<boolean> {
        const refused = this.value;
        let next = await this.read("AWSCURRENT").catch((err: unknown) => {
            this.opts.log.warn({ err: { message: (err as Error).message } }, "could not read the database password secret after PostgreSQL refused it");
            return undefined;
        });
        if (next === undefined || next === refused) {
            const pending = await this.read("AWSPENDING").catch(() => undefined);
            if (pending !== undefined) next = pending;
        }
        const changed = next !== undefined && next !== refused;
        if (changed) this.store(next as string);
        this.opts.log.info(
            { changed },
            changed
                ? "database password re-read after PostgreSQL refused it (rotated)"
                : "PostgreSQL refused the database password and the secret holds no other",
        );
        return changed;
    }

    private store(v: string): void {
        if (v !== this.value) this.changes++;
        this.value = v;
        this.readAt = this.now();
    }
}
