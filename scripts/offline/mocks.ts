/**
 * Pulumi mocks that stand in for AWS: every resource gets the outputs a real `pulumi up` would give
 * it (ARNs, ARN suffixes, DNS names, endpoints), so the program's wiring resolves exactly as it
 * would against the cloud. An invoke nobody taught the mocks fails loudly rather than returning
 * `undefined` (awsx's remote components taught us what silent `undefined`s cost).
 */
import type * as pulumi from "@pulumi/pulumi";

const MOCK_ACCOUNT = "123456789012";

export class OfflineMocks implements pulumi.runtime.Mocks {
    /**
     * The logical name a resource was deployed under, when an alias renames it (`{ name: <old> }`).
     * The engine matches such a resource to its old state, so it keeps its ID, and an auto-named
     * one keeps its physical name: the bridge's AutoName reuses the name in the prior state
     * (pulumi/pulumi-terraform-bridge PR #1321, a GitHub PR). The offline IDs and auto-names below
     * derive from the logical name, so they derive from the old one here, as AWS would keep them.
     */
    formerName: (type: string, name: string) => string | undefined = () => undefined;

    constructor(private readonly region: string) {}

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const logical = this.formerName(args.type, args.name) ?? args.name;
        const physical = typeof args.inputs.name === "string" ? args.inputs.name : logical;
        const arn = this.arnFor(args.type, physical);
        // A secret's ID is its ARN, as the provider reports it (`pulumi import` takes the ARN).
        const id = args.type === "aws:secretsmanager/secret:Secret" ? arn : `${logical}-id`;
        const state: Record<string, unknown> = { ...args.inputs, name: physical, arn, ...this.extra(args, physical) };
        return { id, state };
    }

    call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/offline`, userId: "OFFLINE", id: MOCK_ACCOUNT };
            case "aws:index/getRegion:getRegion":
                return { name: this.region, region: this.region, id: this.region, description: this.region, endpoint: `ec2.${this.region}.amazonaws.com` };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws", reverseDnsPrefix: "com.amazonaws" };
            case "aws:index/getAvailabilityZones:getAvailabilityZones": {
                const names = ["a", "b", "c", "d", "e", "f"].map((s) => `${this.region}${s}`);
                return { names, zoneIds: names.map((_, i) => `euw1-az${i + 1}`), id: this.region };
            }
            case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
                return {
                    userName: "AWS",
                    password: "offline-ecr-token",
                    authorizationToken: "offline",
                    proxyEndpoint: `https://${MOCK_ACCOUNT}.dkr.ecr.${this.region}.amazonaws.com`,
                    id: this.region,
                };
            case "aws:iam/getPolicyDocument:getPolicyDocument":
                return { json: JSON.stringify(policyDocumentFromInputs(args.inputs)), id: "policy" };
            default:
                throw new Error(`Offline mocks: no answer for invoke ${args.token}; teach scripts/offline/mocks.ts what AWS would return`);
        }
    }

    private arnFor(type: string, physical: string): string {
        const [pkg, mod] = type.split(":");
        if (pkg !== "aws") return `arn:offline:${type}:${physical}`;
        const service = (mod ?? "").split("/")[0] ?? "";
        const r = this.region;
        const a = MOCK_ACCOUNT;
        switch (service) {
            case "iam":
                return `arn:aws:iam::${a}:${type.endsWith(":Role") ? "role" : type.endsWith(":Policy") ? "policy" : "instance-profile"}/${physical}`;
            case "sns":
                return `arn:aws:sns:${r}:${a}:${physical}`;
            case "sqs":
                return `arn:aws:sqs:${r}:${a}:${physical}`;
            case "secretsmanager":
                return `arn:aws:secretsmanager:${r}:${a}:secret:${physical}-AbCdEf`;
            case "cloudwatch":
                if (type.endsWith(":EventRule")) return `arn:aws:events:${r}:${a}:rule/${physical}`;
                return type.endsWith(":LogGroup") ? `arn:aws:logs:${r}:${a}:log-group:${physical}` : `arn:aws:cloudwatch:${r}:${a}:alarm:${physical}`;
            case "lambda":
                return `arn:aws:lambda:${r}:${a}:function:${physical}`;
            case "s3":
                return `arn:aws:s3:::${physical}`;
            default:
                return `arn:aws:${service}:${r}:${a}:${lowerFirst(type.split(":")[2] ?? "resource")}/${physical}`;
        }
    }

    private extra(args: pulumi.runtime.MockResourceArgs, physical: string): Record<string, unknown> {
        const r = this.region;
        const i = args.inputs;
        switch (args.type) {
            case "awsx:ec2:Vpc": {
                const azs = Number(i.numberOfAvailabilityZones ?? (i.availabilityZoneNames as unknown[] | undefined)?.length ?? 3);
                const ids = (kind: string) => Array.from({ length: azs }, (_, n) => `subnet-${kind}${n}`);
                return { vpcId: `vpc-${args.name}`, privateSubnetIds: ids("private"), publicSubnetIds: ids("public"), isolatedSubnetIds: [] };
            }
            case "aws:lb/loadBalancer:LoadBalancer":
                return { arnSuffix: `app/${physical}/0123456789abcdef`, dnsName: `${physical}-1234567890.${r}.elb.amazonaws.com`, zoneId: "Z32O12XQLNTSW2" };
            case "aws:lb/targetGroup:TargetGroup":
                return { arnSuffix: `targetgroup/${physical}/0123456789abcdef` };
            case "aws:ecr/repository:Repository":
                return { repositoryUrl: `${MOCK_ACCOUNT}.dkr.ecr.${r}.amazonaws.com/${physical}`, registryId: MOCK_ACCOUNT };
            case "aws:rds/instance:Instance":
                return {
                    address: `${physical}.abcdefgh.${r}.rds.amazonaws.com`,
                    endpoint: `${physical}.abcdefgh.${r}.rds.amazonaws.com:5432`,
                    port: 5432,
                    identifier: i.identifier ?? physical,
                    masterUserSecrets: [
                        {
                            secretArn: `arn:aws:secretsmanager:${r}:${MOCK_ACCOUNT}:secret:rds!db-${physical}-AbCdEf`,
                            kmsKeyId: "mock-key",
                            secretStatus: "active",
                        },
                    ],
                };
            case "aws:elasticache/replicationGroup:ReplicationGroup":
                return {
                    primaryEndpointAddress: `master.${physical}.abcdef.${r}.cache.amazonaws.com`,
                    readerEndpointAddress: `replica.${physical}.abcdef.${r}.cache.amazonaws.com`,
                    replicationGroupId: i.replicationGroupId ?? physical,
                    memberClusters: [`${physical}-001`, `${physical}-002`],
                };
            case "aws:kms/key:Key":
                return { keyId: `key-${args.name}` };
            case "aws:iam/serviceLinkedRole:ServiceLinkedRole": {
                // IAM names the role after the service, e.g. AWSServiceRoleForAutoScaling_<suffix>,
                // under the path /aws-service-role/<service>/.
                const service = String(i.awsServiceName);
                const base = SERVICE_LINKED_ROLE_NAMES[service] ?? `AWSServiceRoleFor${service.split(".")[0]}`;
                const roleName = i.customSuffix ? `${base}_${String(i.customSuffix)}` : base;
                return {
                    name: roleName,
                    path: `/aws-service-role/${service}/`,
                    arn: `arn:aws:iam::${MOCK_ACCOUNT}:role/aws-service-role/${service}/${roleName}`,
                };
            }
            case "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace":
                return { hostedZone: `Z${args.name.toUpperCase().replace(/[^A-Z0-9]/g, "")}` };
            case "aws:secretsmanager/secretVersion:SecretVersion":
                // `secretArn` (and the deprecated `arn`) is the ARN of the secret it versions.
                return typeof i.secretId === "string" && i.secretId.startsWith("arn:") ? { secretArn: i.secretId, arn: i.secretId } : {};
            case "aws:efs/fileSystem:FileSystem":
                return { dnsName: `fs-${args.name}.efs.${r}.amazonaws.com` };
            case "aws:lambda/function:Function":
                return {
                    invokeArn: `arn:aws:apigateway:${r}:lambda:path/2015-03-31/functions/arn:aws:lambda:${r}:${MOCK_ACCOUNT}:function:${physical}/invocations`,
                };
            case "aws:lambda/functionUrl:FunctionUrl":
                return { functionUrl: `https://${args.name}.lambda-url.${r}.on.aws/` };
            case "random:index/randomPassword:RandomPassword":
                return { result: "offline-generated-password" };
            case "docker:index/image:Image":
                return { repoDigest: `${String(i.imageName).split(":")[0]}@sha256:${"0".repeat(64)}` };
            case "aws:amp/workspace:Workspace":
                return { prometheusEndpoint: `https://aps-workspaces.${r}.amazonaws.com/workspaces/ws-${args.name}/` };
            default:
                return {};
        }
    }
}

/** Role names IAM gives service-linked roles, by service principal (where not derivable). */
const SERVICE_LINKED_ROLE_NAMES: Record<string, string> = {
    "autoscaling.amazonaws.com": "AWSServiceRoleForAutoScaling",
};

function lowerFirst(s: string): string {
    return s.charAt(0).toLowerCase() + s.slice(1);
}

interface StatementInput {
    sid?: string;
    effect?: string;
    actions?: string[];
    resources?: string[];
    principals?: { type: string; identifiers: string[] }[];
    conditions?: { test: string; variable: string; values: string[] }[];
}

/** The JSON `aws.iam.getPolicyDocument` would render, for the statements the program uses. */
function policyDocumentFromInputs(inputs: { statements?: StatementInput[] }): unknown {
    return {
        Version: "2012-10-17",
        Statement: (inputs.statements ?? []).map((s) => ({
            ...(s.sid ? { Sid: s.sid } : {}),
            Effect: s.effect ?? "Allow",
            Action: s.actions,
            Resource: s.resources,
            ...(s.principals ? { Principal: Object.fromEntries(s.principals.map((p) => [p.type, p.identifiers])) } : {}),
            ...(s.conditions
                ? {
                      Condition: s.conditions.reduce<Record<string, Record<string, string[]>>>(
                          (acc, c) => ({ ...acc, [c.test]: { ...acc[c.test], [c.variable]: c.values } }),
                          {},
                      ),
                  }
                : {}),
        })),
    };
}
