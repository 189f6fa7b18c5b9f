/**
 * The web server's CloudWatch agent sidecars (`WebTelemetry`, created before the web server because
 * its task definition carries them), and the pinned ECS service name they label metrics with.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AGENT_IMAGE_CONTEXT } from "../common/filesystems";
import type { ContainerDefinition, EcsPlacement, PolicyStatement } from "../common";
import { ContainerImage } from "../image";
import { webSidecars, WEB_DIAGNOSTICS_ENV } from "./sidecars";

export interface WebTelemetryArgs {
    readonly placement: EcsPlacement;
    /** Image platform. @default "linux/amd64" */
    readonly platform?: "linux/amd64" | "linux/arm64";
    readonly clusterName: pulumi.Input<string>;
    /** Physical name the web server's ECS service gets (EcsService `physicalName`): the `ServiceName` dimension. */
    readonly serviceName: string;
    /** The web server's metrics port, which the app-metrics sidecar scrapes on localhost. */
    readonly metricsPort: number;
}

/**
 * The CloudWatch agent sidecars of the web server (sidecars.ts) with their log groups. Hand
 * `sidecars`, `sidecarVolumes`, `sidecarTaskRoleStatements` and `environment` to `MonitoredService`.
 */
export class WebTelemetry extends pulumi.ComponentResource {
    public readonly sidecars: ContainerDefinition[];
    public readonly sidecarVolumes: string[];
    public readonly sidecarTaskRoleStatements: PolicyStatement[];
    /** Web server environment that makes Node write diagnostic reports for the logs sidecar. */
    public readonly environment: Readonly<Record<string, string>> = WEB_DIAGNOSTICS_ENV;
    public readonly logGroupNames: Record<"fileLogs" | "appMetricsEmf", pulumi.Output<string>>;

    constructor(name: string, args: WebTelemetryArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:monitoring:WebTelemetry", name, {}, opts);
        const p = args.placement;
        const group = (suffix: string) =>
            new aws.cloudwatch.LogGroup(`${name}-${suffix}`, { retentionInDays: p.logRetentionDays, kmsKeyId: p.kmsKeyArn }, { parent: this });
        const files = group("file-logs");
        const emf = group("app-metrics");
        const agentImage = new ContainerImage(
            `${name}-agent-image`,
            { context: AGENT_IMAGE_CONTEXT, platform: args.platform ?? "linux/amd64", kmsKeyArn: p.kmsKeyArn },
            { parent: this },
        );
        const s = webSidecars({
            agentImage: agentImage.imageRef,
            region: p.region,
            clusterName: args.clusterName,
            serviceName: args.serviceName,
            metricsPort: args.metricsPort,
            fileLogGroupName: files.name,
            fileLogGroupArn: files.arn,
            emfLogGroupName: emf.name,
            emfLogGroupArn: emf.arn,
        });
        this.sidecars = s.containers;
        this.sidecarVolumes = s.volumes;
        this.sidecarTaskRoleStatements = s.taskRoleStatements;
        this.logGroupNames = { fileLogs: files.name, appMetricsEmf: emf.name };
        this.registerOutputs({ logGroupNames: this.logGroupNames });
    }
}
