/**
 * The stack's CloudWatch dashboard (`<namePrefix>-overview`, body: cloudwatch/dashboard.ts). A plain
 * function, not a component: it is one resource with nothing optional, and it stays where it always
 * was, a direct child of the layer (no move, no alias). Grafana's dashboards are files baked into
 * its image (grafana/dashboards.ts), not resources.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cloudwatchDashboardBody, type CloudWatchDataStores } from "./cloudwatch/dashboard";

export interface CloudWatchDashboardArgs {
    readonly region: string;
    readonly namePrefix: string;
    readonly clusterName: pulumi.Input<string>;
    readonly web: {
        readonly serviceName: pulumi.Input<string>;
        readonly loadBalancerArnSuffix: pulumi.Input<string>;
        readonly targetGroupArnSuffix: pulumi.Input<string>;
    };
    readonly dataStores: pulumi.Input<CloudWatchDataStores>;
    /** ECS service names of Prometheus and Grafana, in that order. */
    readonly monitoringServiceNames: readonly [pulumi.Input<string>, pulumi.Input<string>];
}

/** Creates the dashboard `${name}-dashboard` under `parent`; returns its console URL. */
export function cloudwatchDashboard(name: string, args: CloudWatchDashboardArgs, parent: pulumi.Resource): pulumi.Output<string> {
    const dashboardName = `${args.namePrefix}-overview`;
    new aws.cloudwatch.Dashboard(
        `${name}-dashboard`,
        {
            dashboardName,
            dashboardBody: pulumi
                .all([
                    args.clusterName,
                    args.web.serviceName,
                    args.web.loadBalancerArnSuffix,
                    args.web.targetGroupArnSuffix,
                    args.dataStores,
                    args.monitoringServiceNames[0],
                    args.monitoringServiceNames[1],
                ])
                .apply(([clusterName, serviceName, lb, tg, stores, promName, grafanaName]) =>
                    JSON.stringify(
                        cloudwatchDashboardBody({
                            region: args.region,
                            clusterName,
                            serviceName,
                            loadBalancerArnSuffix: lb,
                            targetGroupArnSuffix: tg,
                            dataStores: stores,
                            monitoringServiceNames: [promName, grafanaName],
                        }),
                    ),
                ),
        },
        { parent },
    );
    return pulumi.output(`https://${args.region}.console.aws.amazon.com/cloudwatch/home?region=${args.region}#dashboards:name=${dashboardName}`);
}
