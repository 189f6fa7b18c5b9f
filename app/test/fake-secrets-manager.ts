/**
 * A stand-in for the AWS Secrets Manager endpoint on 127.0.0.1, speaking the service's JSON 1.1
 * protocol for GetSecretValue, so the app's real SDK client (request signing, error parsing) reads
 * from it. Point the SDK at it with `AWS_ENDPOINT_URL_SECRETS_MANAGER` (see {@link useFakeSecretsManager}).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type Stage = "AWSCURRENT" | "AWSPENDING";

export class FakeSecretsManager {
    /** Secret string per ARN and stage. */
    readonly versions = new Map<string, Partial<Record<Stage, string>>>();
    /** Every GetSecretValue answered, in order. */
    readonly calls: { secretId: string; stage: Stage }[] = [];
    /** When set, every request answers HTTP 500 (Secrets Manager unavailable). */
    failing = false;

    private constructor(
        private readonly server: Server,
        readonly url: string,
    ) {}

    static async start(): Promise<FakeSecretsManager> {
        let fake: FakeSecretsManager | undefined;
        const server = createServer((req, res) => {
            let body = "";
            req.on("data", (c: Buffer) => (body += c.toString("utf8")));
            req.on("end", () =>
                fake?.answer(req.headers["x-amz-target"], body, (status, payload) => {
                    res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
                    res.end(JSON.stringify(payload));
                }),
            );
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        fake = new FakeSecretsManager(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
        return fake;
    }

    /** Sets the JSON secret `{ username, password }` of `arn` at `stage` (the shape RDS keeps its master password in). */
    put(arn: string, stage: Stage, password: string | undefined): void {
        const v = this.versions.get(arn) ?? {};
        if (password === undefined) delete v[stage];
        else v[stage] = JSON.stringify({ username: "koronet", password });
        this.versions.set(arn, v);
    }

    private answer(target: string | string[] | undefined, body: string, send: (status: number, payload: unknown) => void): void {
        if (this.failing) return send(500, { __type: "InternalServiceError", message: "unavailable" });
        if (target !== "secretsmanager.GetSecretValue") return send(400, { __type: "InvalidRequestException", message: `unsupported ${String(target)}` });
        const { SecretId, VersionStage } = JSON.parse(body) as { SecretId: string; VersionStage?: Stage };
        const stage = VersionStage ?? "AWSCURRENT";
        this.calls.push({ secretId: SecretId, stage });
        const value = this.versions.get(SecretId)?.[stage];
        if (value === undefined)
            return send(400, {
                __type: "ResourceNotFoundException",
                message: `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
            });
        return send(200, {
            ARN: SecretId,
            Name: SecretId.split(":").pop(),
            SecretString: value,
            VersionId: `v-${this.calls.length}`,
            VersionStages: [stage],
            CreatedDate: Date.now() / 1000,
        });
    }

    stop(): Promise<void> {
        return new Promise((resolve) => this.server.close(() => resolve()));
    }
}

/** Points the AWS SDK at `fake` with throwaway credentials for the duration of a suite; returns the undo. */
export function useFakeSecretsManager(fake: FakeSecretsManager): () => void {
    const vars: Record<string, string> = {
        AWS_ENDPOINT_URL_SECRETS_MANAGER: fake.url,
        AWS_ACCESS_KEY_ID: "AKIAKORONETTEST",
        AWS_SECRET_ACCESS_KEY: "koronet-test-only",
        AWS_REGION: "eu-west-1",
    };
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    Object.assign(process.env, vars);
    return () => {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    };
}
