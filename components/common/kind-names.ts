/**
 * Kind suffixes: the one rule for logical names that two kinds of resource would share (issue 16).
 *
 * Rule: a logical name names one kind of custom resource. Where a name is about one resource and
 * others exist for it (its security group, its role, its secret's version), the resource the name
 * is about keeps it and each of the others takes its kind's suffix from {@link KIND_SUFFIXES}:
 * `web-alb` (the load balancer) and `web-alb-sg`, `web-task` (the task definition) and
 * `web-task-role`, `alerting-slack-webhook` (the secret) and `alerting-slack-webhook-version`.
 * Components (`koronet:*`) count against custom resources, not against each other: a part may
 * wrap the EcsService it composes under its own name (`monitoring-prometheus` is the Prometheus part
 * and its EcsService, `web` the MonitoredService and its EcsService), the same thing at two levels,
 * neither with a physical counterpart; renaming one would rename every child whose name derives from
 * it. A custom resource never shares a component's name, so a name in the plan tree or in
 * `pulumi stack --show-urns` points at one AWS object. test/common/kind-names.test.ts holds both stacks to it.
 *
 * Identity: a new logical name is a new URN, and `pulumi up` replaces what no alias claims
 * (https://www.pulumi.com/docs/iac/concepts/options/aliases/: "add the old name to the list of
 * aliases"); {@link kindNamed} adds `{ name: <old> }` to every alias the options already carry.
 * Physical names: an auto-named resource matched to its old state through the alias keeps the name
 * it was created with, because the bridge's AutoName reads the previously allocated name from the
 * prior state (pulumi/pulumi-terraform-bridge PR #1321, a GitHub PR, not a doc; names computed by
 * the program, e.g. a Secret's `name`, do not depend on the logical name at all).
 */
import type * as pulumi from "@pulumi/pulumi";

/** The suffix of each kind that exists for another resource; the Pulumi type each stands for in the comment. */
export const KIND_SUFFIXES = {
    /** aws:ec2/securityGroup:SecurityGroup (matches the existing `alerting-alertmanager-sg`). */
    securityGroup: "sg",
    /** aws:lb/targetGroup:TargetGroup. */
    targetGroup: "tg",
    /** aws:iam/role:Role (matches the existing `alerting-notifier-role`, `secret-follower-role`). */
    role: "role",
    /** aws:secretsmanager/secretVersion:SecretVersion. */
    secretVersion: "version",
    /** random:index/randomPassword:RandomPassword: the generated value a secret holds. */
    randomPassword: "random",
    /** aws:ec2/launchTemplate:LaunchTemplate. */
    launchTemplate: "launch-template",
    /** aws:efs/accessPoint:AccessPoint. */
    accessPoint: "access-point",
    /** aws:efs/backupPolicy:BackupPolicy. */
    backupPolicy: "backup-policy",
    /** aws:cloudwatch/eventRule:EventRule. */
    eventRule: "rule",
} as const;

export type SuffixedKind = keyof typeof KIND_SUFFIXES;

/** The Pulumi type of each kind in {@link KIND_SUFFIXES}. */
const KIND_TYPES: Readonly<Record<SuffixedKind, string>> = {
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    targetGroup: "aws:lb/targetGroup:TargetGroup",
    role: "aws:iam/role:Role",
    secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
    randomPassword: "random:index/randomPassword:RandomPassword",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    accessPoint: "aws:efs/accessPoint:AccessPoint",
    backupPolicy: "aws:efs/backupPolicy:BackupPolicy",
    eventRule: "aws:cloudwatch/eventRule:EventRule",
};

/**
 * `name` without its kind's suffix when it carries the suffix of `type`'s kind, else `undefined`:
 * the name a kind-suffixed resource may have been deployed under, whose ID and auto-name it keeps.
 */
export function unsuffixedName(type: string, name: string): string | undefined {
    for (const [kind, t] of Object.entries(KIND_TYPES) as [SuffixedKind, string][]) {
        const suffix = `-${KIND_SUFFIXES[kind]}`;
        if (t === type && name.endsWith(suffix)) return name.slice(0, -suffix.length);
    }
    return undefined;
}

/** `${base}-${suffix of kind}`. */
export function kindName(base: string, kind: SuffixedKind): string {
    return `${base}-${KIND_SUFFIXES[kind]}`;
}

/**
 * The logical name of a `kind` resource that was deployed as `base`, and its options: every alias
 * `opts` carries (a move to a new parent) also renamed from `base`, plus `{ name: base }` under the
 * current parent.
 */
export function kindNamed<O extends pulumi.CustomResourceOptions>(base: string, kind: SuffixedKind, opts: O): { name: string; opts: O } {
    const moves = (opts.aliases ?? []).map((a) => {
        // A URN, Output or Promise alias would need resolving to rename; none is passed here today.
        if (typeof a !== "object" || a === null || "apply" in a || "then" in a)
            throw new Error(`kindNamed(${base}): only plain alias specs ({ parent, name, ... }) can be renamed along`);
        return { ...a, name: base };
    });
    return { name: kindName(base, kind), opts: { ...opts, aliases: [{ name: base }, ...moves] } };
}
