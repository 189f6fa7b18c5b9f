/**
 * EC2 instance types the cluster's EC2 capacity (Prometheus, node exporter, cAdvisor) may use.
 *
 * Why a closed list: a type AWS does not have (`t3.humongous`) fails only at `pulumi up`, and a
 * type without a price would make the cost estimate silently shrink. Every type here has its
 * architecture, size and an on-demand price in `cost/prices-eu-west-1.json` (a test holds that).
 * To add one: add it here with its facts and to the price table.
 *
 * Architecture: the launch template boots `ECS_OPTIMIZED_AMI`, the x86_64 ECS-optimised Amazon Linux
 * 2023 image (`/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended`; the arm64 image has
 * its own parameter, `.../amazon-linux-2023/arm64/recommended`), and the monitoring images are
 * built for linux/amd64. An arm64 (Graviton) type would boot an x86_64 AMI and fail to launch, so
 * only x86_64 types are offered. Sources:
 * - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/retrieve-ecs-optimized_AMI.html (AMI parameters per architecture)
 * - https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html (naming: `g` = AWS Graviton)
 * - https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html (vCPUs and memory)
 */
export interface Ec2InstanceType {
    readonly architecture: "x86_64";
    readonly vcpus: number;
    readonly memoryMiB: number;
}

export const EC2_INSTANCE_TYPES: Readonly<Record<string, Ec2InstanceType>> = {
    "t3.micro": { architecture: "x86_64", vcpus: 2, memoryMiB: 1024 },
    "t3.small": { architecture: "x86_64", vcpus: 2, memoryMiB: 2048 },
    "t3.medium": { architecture: "x86_64", vcpus: 2, memoryMiB: 4096 },
    "t3.large": { architecture: "x86_64", vcpus: 2, memoryMiB: 8192 },
    "t3.xlarge": { architecture: "x86_64", vcpus: 4, memoryMiB: 16384 },
    "t3.2xlarge": { architecture: "x86_64", vcpus: 8, memoryMiB: 32768 },
    "t3a.medium": { architecture: "x86_64", vcpus: 2, memoryMiB: 4096 },
    "t3a.large": { architecture: "x86_64", vcpus: 2, memoryMiB: 8192 },
    "m5.large": { architecture: "x86_64", vcpus: 2, memoryMiB: 8192 },
    "m6i.large": { architecture: "x86_64", vcpus: 2, memoryMiB: 8192 },
    "c5.large": { architecture: "x86_64", vcpus: 2, memoryMiB: 4096 },
};

/**
 * Whether an instance type name is an AWS Graviton (arm64) type: its family carries the `g`
 * processor letter (t4g, m6g, c7gn, r8g, ...) or is the first-generation a1.
 */
export function isGravitonType(type: string): boolean {
    const family = type.split(".")[0] ?? "";
    // <series letters><generation><attributes>: the attributes carry `g` for Graviton (m6g, c7gn, x2gd).
    const attributes = /^[a-z]+\d+([a-z-]*)$/.exec(family)?.[1];
    return family === "a1" || (attributes !== undefined && attributes.includes("g"));
}
