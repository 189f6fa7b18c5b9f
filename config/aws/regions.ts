/**
 * AWS Regions a Koronet stack may deploy to, with how many Availability Zones each offers to every
 * account. Data, with its sources; `config/index.ts` checks `aws:region` and
 * `koronet:network.availabilityZones` against it before any resource exists.
 *
 * Sources:
 * - Regions and their AZ IDs: https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html
 *   ("Each Region has at least three Availability Zones"; the AZ-ID tables per geography).
 * - Older accounts see fewer zones in a few Regions (us-west-1: two; ap-northeast-1: three of
 *   four); the counts below are the ones every account can use, so a stack never asks awsx for a
 *   zone `getAvailabilityZones` does not return.
 * - Only the `aws` partition: the program writes `arn:aws:` ARNs (components/common/ecs.ts,
 *   components/alerting), so GovCloud (`aws-us-gov`) and China (`aws-cn`) are not offered.
 *
 * Opt-in Regions (af-south-1, ap-east-1, me-south-1, ...) must be enabled in the account first;
 * that cannot be seen offline (docs/aws-behaviours.md).
 */
export const AZ_SOURCE = "https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html";

/** Region code → Availability Zones every account can use. */
export const REGIONS: Readonly<Record<string, number>> = {
    "us-east-1": 6,
    "us-east-2": 3,
    "us-west-1": 2,
    "us-west-2": 4,
    "af-south-1": 3,
    "ap-east-1": 3,
    "ap-south-1": 3,
    "ap-south-2": 3,
    "ap-southeast-1": 3,
    "ap-southeast-2": 3,
    "ap-southeast-3": 3,
    "ap-southeast-4": 3,
    "ap-southeast-5": 3,
    "ap-southeast-7": 3,
    "ap-northeast-1": 3,
    "ap-northeast-2": 4,
    "ap-northeast-3": 3,
    "ca-central-1": 3,
    "ca-west-1": 3,
    "eu-central-1": 3,
    "eu-central-2": 3,
    "eu-west-1": 3,
    "eu-west-2": 3,
    "eu-west-3": 3,
    "eu-south-1": 3,
    "eu-south-2": 3,
    "eu-north-1": 3,
    "il-central-1": 3,
    "me-south-1": 3,
    "me-central-1": 3,
    "mx-central-1": 3,
    "sa-east-1": 3,
};

/** Region codes of other partitions, recognised so the message can say why they are refused. */
export const OTHER_PARTITION = /^(us-gov-|cn-|us-iso)/;
