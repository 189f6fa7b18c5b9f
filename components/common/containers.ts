/**
 * Typed ECS container definitions (the JSON `aws.ecs.TaskDefinition.containerDefinitions` takes),
 * so every task in the platform gets logs, secrets and hardening the same way.
 */
import * as pulumi from "@pulumi/pulumi";

export interface ContainerSecret {
    /** Environment variable name inside the container. */
    readonly name: string;
    /** Secrets Manager ARN (optionally `:json-key::`) or SSM parameter ARN. */
    readonly valueFrom: pulumi.Input<string>;
}

export interface ContainerDefinition {
    name: string;
    image: pulumi.Input<string>;
    essential?: boolean;
    cpu?: number;
    memory?: number;
    memoryReservation?: number;
    user?: string;
    command?: pulumi.Input<string>[];
    entryPoint?: string[];
    portMappings?: { containerPort: number; hostPort?: number; protocol?: "tcp" | "udp"; name?: string }[];
    environment?: { name: string; value: pulumi.Input<string> }[];
    secrets?: ContainerSecret[];
    readonlyRootFilesystem?: boolean;
    privileged?: boolean;
    mountPoints?: { sourceVolume: string; containerPath: string; readOnly?: boolean }[];
    dependsOn?: { containerName: string; condition: "START" | "COMPLETE" | "SUCCESS" | "HEALTHY" }[];
    healthCheck?: { command: string[]; interval?: number; timeout?: number; retries?: number; startPeriod?: number };
    logConfiguration?: { logDriver: "awslogs"; options: Record<string, pulumi.Input<string>> };
    linuxParameters?: { initProcessEnabled?: boolean; capabilities?: { drop?: string[]; add?: string[] } };
    restartPolicy?: { enabled: boolean; restartAttemptPeriod?: number; ignoredExitCodes?: number[] };
    ulimits?: { name: string; softLimit: number; hardLimit: number }[];
    stopTimeout?: number;
}

/** awslogs options writing to `logGroupName` under `streamPrefix`. */
export function awslogs(logGroupName: pulumi.Input<string>, region: string, streamPrefix: string): ContainerDefinition["logConfiguration"] {
    return { logDriver: "awslogs", options: { "awslogs-group": logGroupName, "awslogs-region": region, "awslogs-stream-prefix": streamPrefix } };
}

/**
 * Hardened defaults every container starts from: not privileged, read-only root filesystem, all
 * Linux capabilities dropped, tini as PID 1 so signals reach the process. Containers that cannot
 * run this way opt out field by field, with a comment saying why.
 */
export function hardened(def: ContainerDefinition): ContainerDefinition {
    return {
        essential: true,
        privileged: false,
        readonlyRootFilesystem: true,
        ...def,
        linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] }, ...def.linuxParameters },
    };
}

export function containerDefinitions(defs: readonly ContainerDefinition[]): pulumi.Output<string> {
    return pulumi.jsonStringify(defs);
}
