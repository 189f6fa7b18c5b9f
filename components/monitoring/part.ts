/**
 * What every part of the monitoring layer (prometheus.ts, grafana.ts, host-exporters.ts,
 * datastore-exporters.ts) is given by the layer, and how a part's resources keep the names and
 * identities they had as direct children of `MonitoringLayer` (before issue 16 split it).
 */
import * as pulumi from "@pulumi/pulumi";
import { moved, type EcsPlacement } from "../common";
import { ContainerImage } from "../image";

export interface MonitoringPlacement extends EcsPlacement {
    readonly namespaceName: string;
    readonly namespaceArn: pulumi.Input<string>;
}

export interface PartContext {
    /** The layer's name: every resource of a part is `${prefix}-…`, as it was in the layer. */
    readonly prefix: string;
    /** The layer: the parent each resource had before the parts existed (its alias). */
    readonly layer: pulumi.Resource;
    readonly placement: MonitoringPlacement;
    readonly vpcId: pulumi.Input<string>;
    readonly platform: "linux/amd64" | "linux/arm64";
    /** Build context of an image folder (`prometheus`, `grafana`, `postgres-exporter`, or a package such as `cloudmap-sd`). */
    readonly buildContext: (folder: string) => string;
}

/** Options of a part's resource: the part as parent, the layer as alias. */
export function partChild(part: pulumi.Resource, ctx: PartContext): pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions {
    return moved(part, ctx.layer);
}

/** An image the part builds (`${prefix}-${key}-image`), from the build context `context`. */
export function partImage(part: pulumi.Resource, ctx: PartContext, key: string, context: string = ctx.buildContext(key)): pulumi.Output<string> {
    return new ContainerImage(`${ctx.prefix}-${key}-image`, { context, platform: ctx.platform, kmsKeyArn: ctx.placement.kmsKeyArn }, partChild(part, ctx))
        .imageRef;
}

/** Egress of the monitoring tasks' security groups. */
export const EGRESS_ALL = [
    { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "AWS APIs, image pulls, scrape and data-store traffic" },
];
