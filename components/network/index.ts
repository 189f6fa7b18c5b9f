import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";

export interface NetworkArgs {
    /** VPC CIDR block. */
    readonly cidrBlock: string;
    /** Number of availability zones to spread subnets over. */
    readonly availabilityZones: number;
    /** `single` NAT gateway (cost-lean) or `onePerAz` (an AZ outage keeps egress for the others). */
    readonly natGateways: "single" | "onePerAz";
}

/**
 * The stack's VPC: public subnets for the load balancer only, private subnets (egress through NAT)
 * for every task and data store. Built with awsx, which saves real work here and has nothing the
 * tests must inspect beyond the IDs it outputs.
 */
export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly privateSubnetIds: pulumi.Output<string[]>;
    public readonly publicSubnetIds: pulumi.Output<string[]>;
    public readonly cidrBlock: string;

    constructor(name: string, args: NetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:network:Network", name, {}, opts);
        const vpc = new awsx.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: args.cidrBlock,
                numberOfAvailabilityZones: args.availabilityZones,
                enableDnsHostnames: true,
                enableDnsSupport: true,
                natGateways: { strategy: args.natGateways === "onePerAz" ? awsx.ec2.NatGatewayStrategy.OnePerAz : awsx.ec2.NatGatewayStrategy.Single },
                subnetStrategy: awsx.ec2.SubnetAllocationStrategy.Auto,
                subnetSpecs: [
                    { type: awsx.ec2.SubnetType.Public, cidrMask: 22 },
                    { type: awsx.ec2.SubnetType.Private, cidrMask: 20 },
                ],
            },
            { parent: this },
        );
        this.vpcId = vpc.vpcId;
        this.privateSubnetIds = vpc.privateSubnetIds;
        this.publicSubnetIds = vpc.publicSubnetIds;
        this.cidrBlock = args.cidrBlock;
        this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, publicSubnetIds: this.publicSubnetIds });
    }
}
