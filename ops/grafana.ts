/**
 * Prometheus and Alertmanager as an operator reaches them: through Grafana's data-source proxy
 * (`/api/datasources/proxy/uid/<uid>/<path>`), signed in as Grafana's admin. Neither has a public
 * address; Grafana's load balancer admits `koronet:monitoring.grafana.allowedCidrs`. The proxy
 * forwards any path of a Prometheus data source; for the Alertmanager data source, a POST needs
 * the Editor role (Grafana's alertmanager plugin.json routes), which the admin has
 * (https://grafana.com/docs/grafana/latest/developers/http_api/data_source/#data-source-proxy-calls).
 */
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

export interface GrafanaAccess {
    /** Grafana's root URL (the `grafanaUrl` output, with or without a trailing slash). */
    readonly url: string;
    readonly user: string;
    readonly password: string;
    readonly prometheusUid: string;
    readonly alertmanagerUid: string;
    /** @default 15000 */
    readonly timeoutMs?: number;
}

/** Why a call through Grafana failed, with what to do about it. */
export class GrafanaError extends Error {
    constructor(
        message: string,
        readonly next: string,
    ) {
        super(message);
        this.name = "GrafanaError";
    }
}

/** The admin password, read from its Secrets Manager secret. */
export async function grafanaPassword(secrets: SecretsManagerClient, secretArn: string): Promise<string> {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (out.SecretString === undefined || out.SecretString === "")
        throw new GrafanaError(`secret ${secretArn} has no value`, "the stack generates it: run pulumi up");
    return out.SecretString;
}

/** Prometheus's and Alertmanager's HTTP APIs, however they are reached (Grafana's proxy; a stub in tests). */
export interface DataSources {
    /** A Prometheus HTTP API call (`/api/v1/...`); returns `data`. */
    prometheus<T>(path: string, query?: Record<string, string>): Promise<T>;
    /** An Alertmanager API v2 call (`/api/v2/...`). */
    alertmanager<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T>;
}

export class GrafanaProxy implements DataSources {
    constructor(private readonly access: GrafanaAccess) {}

    private base(uid: string): string {
        return `${this.access.url.replace(/\/+$/, "")}/api/datasources/proxy/uid/${uid}`;
    }

    private async call<T>(uid: string, method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
        const url = `${this.base(uid)}${path}`;
        const auth = Buffer.from(`${this.access.user}:${this.access.password}`).toString("base64");
        let res: Response;
        try {
            res = await fetch(url, {
                method,
                headers: { authorization: `Basic ${auth}`, accept: "application/json", ...(body !== undefined ? { "content-type": "application/json" } : {}) },
                ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
                signal: AbortSignal.timeout(this.access.timeoutMs ?? 15_000),
            });
        } catch (e) {
            const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
            throw new GrafanaError(
                `Grafana at ${this.access.url} unreachable (${cause})`,
                "run from an address in koronet:monitoring.grafana.allowedCidrs (its load balancer admits only those), and check the Grafana service",
            );
        }
        const text = await res.text();
        if (res.status === 401 || res.status === 403) {
            throw new GrafanaError(
                `Grafana refused ${method} ${path} as ${this.access.user} (HTTP ${res.status})`,
                "check the admin password secret (the grafanaAdminSecretArn the stack exports) and Grafana's brute-force lockout (5 failures in 5 minutes)",
            );
        }
        if (res.status >= 300) {
            throw new GrafanaError(
                `${method} ${path} through Grafana's ${uid} data source answered HTTP ${res.status}: ${text.slice(0, 200)}`,
                `check that the ${uid} data source is provisioned and that its target answers (its ECS service, its security group)`,
            );
        }
        try {
            return (text === "" ? {} : JSON.parse(text)) as T;
        } catch {
            throw new GrafanaError(
                `${method} ${path} through Grafana answered something other than JSON: ${text.slice(0, 200)}`,
                "check Grafana's data source URL",
            );
        }
    }

    /** A Prometheus HTTP API call (`/api/v1/...`); returns `data`. */
    async prometheus<T>(path: string, query: Record<string, string> = {}): Promise<T> {
        const qs = new URLSearchParams(query).toString();
        const out = await this.call<{ status?: string; data?: T; error?: string }>(this.access.prometheusUid, "GET", `${path}${qs ? `?${qs}` : ""}`);
        if (out.status !== "success")
            throw new GrafanaError(`Prometheus ${path}: ${out.error ?? "no success status"}`, "check Prometheus (its ECS service and logs)");
        return out.data as T;
    }

    /** An Alertmanager API v2 call (`/api/v2/...`). */
    alertmanager<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
        return this.call<T>(this.access.alertmanagerUid, method, path, body);
    }
}
