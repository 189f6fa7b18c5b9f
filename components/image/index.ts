import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

export interface ContainerImageArgs {
    /** Build context directory, relative to the project root (where Pulumi runs the program). */
    readonly context: string;
    /** Target platform. @default "linux/amd64" */
    readonly platform?: "linux/amd64" | "linux/arm64";
    /** KMS key encrypting the repository. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Untagged/old images kept. @default 20 */
    readonly keepImages?: number;
    /** Dockerfile `ARG` values (e.g. the pinned base image); part of the tag, so other args are other bits. @default none */
    readonly buildArgs?: Readonly<Record<string, string>>;
}

/**
 * An image built from this repository with @pulumi/docker and pushed to its own ECR repository
 * (scan on push, immutable tags, KMS encryption). The tag is a hash of the build context, so an
 * unchanged context never rebuilds or repushes and an immutable tag is never reused for new bits.
 */
export class ContainerImage extends pulumi.ComponentResource {
    /** `repository@sha256:...`: what task definitions must reference. */
    public readonly imageRef: pulumi.Output<string>;
    public readonly repositoryUrl: pulumi.Output<string>;
    public readonly repositoryArn: pulumi.Output<string>;
    public readonly tag: string;

    constructor(name: string, args: ContainerImageArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("koronet:image:ContainerImage", name, {}, opts);
        const keep = args.keepImages ?? 20;
        const repo = new aws.ecr.Repository(
            `${name}-repo`,
            {
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.kmsKeyArn }],
                forceDelete: false,
            },
            { parent: this },
        );
        new aws.ecr.LifecyclePolicy(
            `${name}-lifecycle`,
            {
                repository: repo.name,
                policy: JSON.stringify({
                    rules: [
                        {
                            rulePriority: 1,
                            description: `keep the newest ${keep} images`,
                            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
                            action: { type: "expire" },
                        },
                    ],
                }),
            },
            { parent: this },
        );

        this.tag = contextHash(args.context, args.buildArgs);
        const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repo.registryId }, { parent: this });
        const image = new docker.Image(
            `${name}-image`,
            {
                imageName: pulumi.interpolate`${repo.repositoryUrl}:${this.tag}`,
                build: {
                    context: args.context,
                    dockerfile: `${args.context}/Dockerfile`,
                    platform: args.platform ?? "linux/amd64",
                    args: args.buildArgs ? { ...args.buildArgs } : undefined,
                },
                registry: { server: repo.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) },
            },
            { parent: this },
        );

        this.imageRef = image.repoDigest;
        this.repositoryUrl = repo.repositoryUrl;
        this.repositoryArn = repo.arn;
        this.registerOutputs({ imageRef: this.imageRef, repositoryUrl: this.repositoryUrl, repositoryArn: this.repositoryArn });
    }
}

const IGNORED = new Set(["node_modules", ".git", "dist", "coverage"]);

/** Stable hash of a build context's files (names and contents) and build args, ignoring build outputs. */
function contextHash(dir: string, buildArgs: Readonly<Record<string, string>> = {}): string {
    const hash = createHash("sha256");
    for (const [k, v] of Object.entries(buildArgs).sort(([a], [b]) => a.localeCompare(b))) hash.update(`ARG ${k}=${v}`).update("\0");
    const walk = (d: string) => {
        for (const entry of readdirSync(d).sort()) {
            if (IGNORED.has(entry)) continue;
            const full = path.join(d, entry);
            if (statSync(full).isDirectory()) walk(full);
            else hash.update(path.relative(dir, full)).update("\0").update(readFileSync(full)).update("\0");
        }
    };
    walk(dir);
    return hash.digest("hex").slice(0, 16);
}
