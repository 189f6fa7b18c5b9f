/**
 * What both commands set up from the command line: the stack's outputs, AWS clients for its region,
 * and (when the stack has Grafana) a lazily signed-in Grafana proxy.
 */
import { awsClients, type AwsClients } from "./clients";
import { GrafanaProxy, grafanaPassword } from "./grafana";
import { loadStackOutputs, OutputsError, type StackOutputs } from "./outputs";

export interface Session {
    readonly outputs: StackOutputs;
    readonly aws: AwsClients;
    readonly grafana?: () => Promise<GrafanaProxy>;
}

/** Grafana's proxy for these outputs, signing in with the admin password read from Secrets Manager on first use. */
export function grafanaFor(outputs: StackOutputs, aws: AwsClients): (() => Promise<GrafanaProxy>) | undefined {
    const g = outputs.verification.grafana;
    if (g === undefined) return undefined;
    let proxy: Promise<GrafanaProxy> | undefined;
    return () =>
        (proxy ??= grafanaPassword(aws.secrets, g.adminPasswordSecretArn).then(
            (password) =>
                new GrafanaProxy({
                    url: g.url,
                    user: g.adminUser,
                    password,
                    prometheusUid: g.prometheusDatasourceUid,
                    alertmanagerUid: g.alertmanagerDatasourceUid,
                }),
        ));
}

async function openSession(opts: { readonly stack: string; readonly outputsFile?: string }): Promise<Session> {
    const outputs = await loadStackOutputs({ stack: opts.stack, file: opts.outputsFile });
    const aws = awsClients(outputs.verification.region);
    return { outputs, aws, grafana: grafanaFor(outputs, aws) };
}

/**
 * `openSession` for a command line (`verify`, `drill`): `--stack` is required, and outputs that
 * cannot be read are a usage problem (`usage` builds the command's usage error), not a crash.
 */
export async function openCommandSession(values: { readonly stack?: string; readonly outputs?: string }, usage: (message: string) => Error): Promise<Session> {
    if (!values.stack) throw usage("--stack is required (the stack whose outputs to read)");
    try {
        return await openSession({ stack: values.stack, outputsFile: values.outputs });
    } catch (e) {
        if (e instanceof OutputsError) throw usage(e.message);
        throw e;
    }
}
