/**
 * IPv4 CIDR arithmetic for the config checks: host bits, VPC sizes, and whether the subnets the
 * network component asks awsx for fit the VPC.
 *
 * Sources:
 * - VPC IPv4 CIDR blocks: between /16 and /28 (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html).
 * - awsx `SubnetAllocationStrategy.Auto` (pulumi/pulumi-awsx, awsx/ec2/subnetDistributorNew.ts):
 *   the VPC is split into one block per AZ of prefix `vpcPrefix + ceil(log2(AZs))`; each AZ's
 *   subnets are laid out in spec order, each aligned to its own size, and awsx refuses layouts
 *   whose subnets exceed the AZ block ("Subnets are too large for VPC").
 */
export const VPC_CIDR_SOURCE = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html";
export const AWSX_SUBNETS_SOURCE = "pulumi/pulumi-awsx awsx/ec2/subnetDistributorNew.ts (getSubnetSpecs)";

/** Prefix lengths of the subnets components/network asks awsx for in every AZ, in order. */
export const SUBNET_PREFIXES = { public: 22, private: 20 } as const;

export interface Cidr {
    readonly address: number;
    readonly prefix: number;
}

export function parseCidr(value: string): Cidr | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    return { address: octets.reduce((acc, o) => acc * 256 + o, 0), prefix };
}

function formatAddress(n: number): string {
    return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** The network address of `c` (host bits cleared), as a CIDR string. */
export function networkOf(c: Cidr): string {
    const size = 2 ** (32 - c.prefix);
    return `${formatAddress(Math.floor(c.address / size) * size)}/${c.prefix}`;
}

export function hasHostBits(c: Cidr): boolean {
    return c.address % 2 ** (32 - c.prefix) !== 0;
}

/** The largest VPC prefix (smallest VPC) in which awsx can lay out the subnets for `azs` zones. */
export function largestVpcPrefixFor(azs: number): number {
    const perAz = alignedAzSize();
    const azBits = Math.ceil(Math.log2(azs));
    return 32 - Math.log2(perAz) - azBits;
}

/** Addresses one AZ block must hold: the public /22, then the private /20 aligned to its size. */
function alignedAzSize(): number {
    let end = 0;
    for (const prefix of [SUBNET_PREFIXES.public, SUBNET_PREFIXES.private]) {
        const size = 2 ** (32 - prefix);
        end = Math.ceil(end / size) * size + size;
    }
    return 2 ** Math.ceil(Math.log2(end));
}
