/**
 * Creation order: AWS's ordering needs over the plan's `dependsOn` (services after the capacity-provider
 * association and their listener, EFS users after mount targets, subscriptions after their permissions,
 * ...). Pulumi creates resources in parallel as soon as what they wait for exists, so an API call that
 * needs another resource to exist succeeds only if a chain of `dependsOn` says so. Waiting is
 * transitive: A waits for B and B for C means A waits for C.
 *
 * Each rule names what AWS requires (the doc or the documented error it models), finds the resources
 * in the graph that satisfy the requirement (matched by the values both sides carry, or by the graph
 * when a value is unknown), and reports when the subject waits for none of them. Unknown means silent:
 * a subject without `dependsOn`, or one that waits through a resource whose `dependsOn` is unknown,
 * is reported only if the requirement could not be met whatever the unknown part holds.
 */
import { HEARTBEAT_METRIC, HEARTBEAT_NAMESPACE } from "../functions/src/contract";
import { containersOf, key, list, ofType, type PolicyContext, type PolicyResource, type Rule } from "./model";

const SERVICE = "aws:ecs/service:Service";
const CLUSTER = "aws:ecs/cluster:Cluster";
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const ASSOCIATION = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders";
const LISTENER = "aws:lb/listener:Listener";
const LISTENER_RULE = "aws:lb/listenerRule:ListenerRule";
const TARGET_GROUP = "aws:lb/targetGroup:TargetGroup";
const FILE_SYSTEM = "aws:efs/fileSystem:FileSystem";
const MOUNT_TARGET = "aws:efs/mountTarget:MountTarget";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const PERMISSION = "aws:lambda/permission:Permission";
const FUNCTION = "aws:lambda/function:Function";
const METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm";
const SECRET = "aws:secretsmanager/secret:Secret";
const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_CLUSTER = "aws:rds/cluster:Cluster";
const SCALABLE_TARGET = "aws:appautoscaling/target:Target";
const SCALING_POLICY = "aws:appautoscaling/policy:Policy";

// ── The wait graph ───────────────────────────────────────────────────────────────────────────

/** Everything a resource waits for, directly or through what it waits for. */
export interface Waits {
    readonly keys: ReadonlySet<string>;
    /** False when a resource on the way has unknown `dependsOn`: `keys` may then be missing some. */
    readonly complete: boolean;
}

/** Who waits for whom, for one context's resources. */
export class WaitGraph {
    private readonly byKey = new Map<string, PolicyResource>();
    private readonly memo = new Map<string, Waits | undefined>();

    constructor(resources: readonly PolicyResource[]) {
        for (const r of resources) this.byKey.set(key(r), r);
    }

    get(k: string): PolicyResource | undefined {
        return this.byKey.get(k);
    }

    /** The resources `r` waits for directly, `undefined` when its `dependsOn` is unknown. */
    direct(r: PolicyResource): PolicyResource[] | undefined {
        return r.dependsOn?.map((d) => this.byKey.get(d)).filter((x): x is PolicyResource => x !== undefined);
    }

    /** Transitive closure of `r`'s `dependsOn`; `undefined` when `r`'s own is unknown. */
    waitsFor(r: PolicyResource): Waits | undefined {
        const k = key(r);
        if (this.memo.has(k)) return this.memo.get(k);
        let result: Waits | undefined;
        if (r.dependsOn !== undefined) {
            const seen = new Set<string>();
            let complete = true;
            const todo = [...r.dependsOn];
            for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
                if (seen.has(next) || next === k) continue;
                seen.add(next);
                const dep = this.byKey.get(next);
                // A name outside the graph (a hand-edited plan) is a leaf: nothing more to follow.
                if (dep === undefined) continue;
                if (dep.dependsOn === undefined) complete = false;
                else todo.push(...dep.dependsOn);
            }
            result = { keys: seen, complete };
        }
        this.memo.set(k, result);
        return result;
    }
}

const graphs = new WeakMap<readonly PolicyResource[], WaitGraph>();

/** The wait graph of a context, built once per resource list. */
function waitGraph(ctx: PolicyContext): WaitGraph {
    let g = graphs.get(ctx.resources);
    if (!g) {
        g = new WaitGraph(ctx.resources);
        graphs.set(ctx.resources, g);
    }
    return g;
}

/**
 * The rule shape of this family: for each subject, each requirement lists the resources that would
 * satisfy it; the subject must wait for at least one. `candidates` empty means nothing in the stack
 * can satisfy it, reported with `missing`; `undefined` means the rule cannot tell, and says nothing.
 */
interface Requirement {
    /** What is needed, for the message: "the capacity-provider association listing FARGATE". */
    readonly what: string;
    readonly candidates: readonly PolicyResource[] | undefined;
    /** Message when no resource in the stack satisfies it. @default "no such resource in the stack" */
    readonly missing?: string;
}

function orderRule(
    spec: Omit<Rule, "check"> & {
        types: readonly string[];
        requirements(r: PolicyResource, ctx: PolicyContext, g: WaitGraph): Requirement[];
        consequence: string;
    },
): Rule {
    const { types, requirements, consequence, ...rest } = spec;
    return {
        ...rest,
        check: (ctx) => {
            const g = waitGraph(ctx);
            return ofType(ctx, ...types).flatMap((resource) => {
                const waits = g.waitsFor(resource);
                if (waits === undefined) return [];
                return requirements(resource, ctx, g).flatMap((req) => {
                    if (req.candidates === undefined) return [];
                    if (req.candidates.some((c) => waits.keys.has(key(c)))) return [];
                    if (req.candidates.length === 0)
                        return [{ resource, message: `${req.what}: ${req.missing ?? "no such resource in the stack"}; ${consequence}` }];
                    if (!waits.complete) return [];
                    return [{ resource, message: `does not wait for ${req.what} (${req.candidates.map(key).join(", ")}); ${consequence}` }];
                });
            });
        },
    };
}

// ── Matching values across resources ─────────────────────────────────────────────────────────

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** `a` and `b` may be the same value: equal, or either unknown. */
const mayEqual = (a: unknown, b: unknown): boolean => a === undefined || b === undefined || a === b;

/**
 * Whether `r` may carry the physical name `value` in its `field`: the name it sets, a name its
 * `namePrefix` starts, or Pulumi's auto-name (the logical name, plus `-` and seven random characters
 * in a real deployment: https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming).
 */
export function namedAs(r: PolicyResource, field: string, value: string): boolean {
    const set = r.inputs[field];
    if (typeof set === "string") return set === value;
    if (set !== undefined) return false;
    const prefix = str(r.inputs.namePrefix);
    if (prefix !== undefined) return value.startsWith(prefix);
    return value === r.name || (value.startsWith(`${r.name}-`) && /^[a-z0-9]{7}$/.test(value.slice(r.name.length + 1)));
}

/** The last path segment of an ARN or the value itself: `arn:...:cluster/web` and `web` both name `web`. */
const shortName = (v: string): string => v.split(/[:/]/).pop() ?? v;

// ── Rules ─────────────────────────────────────────────────────────────────────────────────────

interface Strategy {
    capacityProvider?: unknown;
}

/** Task definitions a service runs: the ones it waits for directly (its `taskDefinition` input). */
function taskDefinitionsOf(service: PolicyResource, g: WaitGraph): PolicyResource[] | undefined {
    return g.direct(service)?.filter((d) => d.type === TASK_DEFINITION);
}

const capacityProviders = orderRule({
    // "A capacity provider must be associated with a cluster before being specified in a capacity
    // provider strategy" (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-capacity-providers.html);
    // "Only capacity providers that are already associated with a cluster and have an ACTIVE or
    // UPDATING status can be used in a capacity provider strategy" (API_CapacityProviderStrategyItem).
    // Without a strategy or a launch type, CreateService uses the cluster's default strategy
    // (API_CreateService, capacityProviderStrategy), which the association also sets. A launch type
    // (the DAEMON services: launchType EC2) needs no association.
    id: "ecs-service-waits-for-capacity-providers",
    reason: "A service placed by capacity providers is created after its cluster's capacity-provider association (CreateService fails before it).",
    types: [SERVICE],
    consequence: "CreateService fails for a capacity provider not yet associated with the cluster",
    requirements: (svc, ctx, g) => {
        if (svc.inputs.launchType !== undefined) return [];
        const associations = ofType(ctx, ASSOCIATION).filter((a) => clusterMatches(str(a.inputs.clusterName), str(svc.inputs.cluster)));
        const raw = svc.inputs.capacityProviderStrategies;
        if (raw !== undefined && !Array.isArray(raw)) return [];
        const strategies = (raw ?? []) as Strategy[];
        if (strategies.length === 0) {
            // Created before the association, the service keeps the placement it got without one.
            const defaults = associations.filter(
                (a) => a.inputs.defaultCapacityProviderStrategies === undefined || list(a.inputs.defaultCapacityProviderStrategies as unknown[]).length > 0,
            );
            return [
                {
                    what: "the association that sets its cluster's default capacity provider strategy (it has neither a strategy nor a launch type)",
                    candidates: defaults.length ? defaults : undefined,
                },
            ];
        }
        // A cluster made elsewhere may have its association made elsewhere.
        const ownsCluster = g.direct(svc)?.some((d) => d.type === CLUSTER) ?? false;
        return strategies
            .map((s) => str(s.capacityProvider))
            .filter((p): p is string => p !== undefined)
            .map((provider) => {
                const candidates = associations.filter(
                    (a) =>
                        a.inputs.capacityProviders === undefined ||
                        (Array.isArray(a.inputs.capacityProviders) && a.inputs.capacityProviders.includes(provider)),
                );
                return {
                    what: `the capacity-provider association listing ${provider}`,
                    candidates: candidates.length === 0 && !ownsCluster ? undefined : candidates,
                    missing: `no aws:ecs/clusterCapacityProviders in the stack associates ${provider} with the service's cluster`,
                };
            });
    },
});

/** A cluster name and a service's `cluster` (an ARN or a name) may name the same cluster. */
function clusterMatches(name: string | undefined, cluster: string | undefined): boolean {
    return name === undefined || cluster === undefined || shortName(name) === shortName(cluster);
}

interface Action {
    type?: unknown;
    targetGroupArn?: unknown;
    forward?: { targetGroups?: { arn?: unknown }[] };
}

/** Listeners and listener rules that may forward to `targetGroupArn` (an unknown action may). */
function forwardersTo(ctx: PolicyContext, targetGroupArn: string): PolicyResource[] {
    const forwards = (a: Action) => {
        if (a.type === undefined) return true;
        if (a.type !== "forward") return false;
        if (a.targetGroupArn !== undefined) return a.targetGroupArn === targetGroupArn;
        if (a.forward === undefined) return true;
        return (a.forward.targetGroups ?? []).some((t) => mayEqual(t.arn, targetGroupArn));
    };
    const anyForwards = (actions: unknown) => !Array.isArray(actions) || (actions as Action[]).some(forwards);
    return [
        ...ofType(ctx, LISTENER).filter((l) => anyForwards(l.inputs.defaultActions)),
        ...ofType(ctx, LISTENER_RULE).filter((l) => anyForwards(l.inputs.actions)),
    ];
}

const listener = orderRule({
    // CreateService with a target group that no listener or rule uses fails with "The target group
    // with targetGroupArn ... does not have an associated load balancer" (the target group is attached
    // to a load balancer only through a listener or rule): widely reported, e.g.
    // https://github.com/hashicorp/terraform/issues/32908 (a GitHub issue; ECS documents the
    // load balancer, target group and listener as prerequisites in https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb.html).
    id: "ecs-service-waits-for-listener",
    reason: "A load-balanced service is created after a listener or listener rule forwards to its target group.",
    types: [SERVICE],
    consequence: "CreateService fails while the target group has no associated load balancer",
    requirements: (svc, ctx, g) => {
        const lbs = svc.inputs.loadBalancers;
        if (!Array.isArray(lbs)) return [];
        const ownsTargetGroup = g.direct(svc)?.some((d) => d.type === TARGET_GROUP);
        return (lbs as { targetGroupArn?: unknown }[])
            .map((lb) => str(lb.targetGroupArn))
            .filter((t): t is string => t !== undefined)
            .map((tg) => {
                const candidates = forwardersTo(ctx, tg);
                // A target group made elsewhere may be attached elsewhere: only one made here must be attached here.
                return {
                    what: `a listener or listener rule forwarding to ${/:targetgroup\/([^/]+)/.exec(tg)?.[1] ?? tg}`,
                    candidates: candidates.length === 0 && !ownsTargetGroup ? undefined : candidates,
                };
            });
    },
});

interface EfsVolume {
    name?: string;
    efsVolumeConfiguration?: { fileSystemId?: unknown };
}

const efsMountTargets = orderRule({
    // A task mounts EFS through the mount target in its subnet's Availability Zone; without one the
    // mount fails ("Failed to resolve fs-....efs....amazonaws.com - check that your file system ID is
    // correct", ResourceInitializationError) and the task stops:
    // https://docs.aws.amazon.com/efs/latest/ug/troubleshooting-efs-mounting.html and
    // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/efs-volumes.html ("mount targets in
    // each Availability Zone" the tasks run in). A service starts tasks as soon as it is created, so it
    // waits for every mount target of every file system its task definition mounts.
    id: "ecs-service-waits-for-efs-mount-targets",
    reason: "A service whose tasks mount EFS is created after every mount target of that file system.",
    types: [SERVICE],
    consequence: "a task placed in an Availability Zone without its mount target cannot mount the volume and stops",
    requirements: (svc, ctx, g) =>
        (taskDefinitionsOf(svc, g) ?? []).flatMap((td) => {
            const volumes = ((td.inputs.volumes as EfsVolume[] | undefined) ?? []).filter((v) => v.efsVolumeConfiguration !== undefined);
            const tdFileSystems = g.direct(td)?.filter((d) => d.type === FILE_SYSTEM) ?? [];
            return volumes.flatMap((v) => {
                const fsId = str(v.efsVolumeConfiguration?.fileSystemId);
                const sameFs = (mt: PolicyResource) => {
                    const mtFs = str(mt.inputs.fileSystemId);
                    if (fsId !== undefined && mtFs !== undefined) return fsId === mtFs;
                    return (g.direct(mt) ?? []).some((d) => tdFileSystems.includes(d));
                };
                const targets = ofType(ctx, MOUNT_TARGET).filter(sameFs);
                const label = `volume ${v.name ?? "?"} (${fsId ?? "file system"})`;
                if (targets.length === 0) {
                    // A file system made here needs its mount targets here; one made elsewhere is not ours to judge.
                    return tdFileSystems.length > 0
                        ? [{ what: `a mount target of ${label}`, candidates: [], missing: "the file system has no aws:efs/mountTarget in the stack" }]
                        : [];
                }
                return targets.map((mt) => ({ what: `mount target ${mt.name} of ${label}`, candidates: [mt] }));
            });
        }),
});

/** `endpoint` (a function ARN, maybe qualified) may be the function a permission names (name or ARN). */
function sameFunction(permissionFunction: unknown, endpoint: string): boolean {
    const f = str(permissionFunction);
    if (f === undefined) return true;
    const name = (s: string) => (s.startsWith("arn:") ? (s.split(":")[6] ?? s) : (s.split(":")[0] ?? s));
    return name(f) === name(endpoint);
}

const snsLambdaPermission = orderRule({
    // SNS invokes a Lambda endpoint only if the function's resource-based policy allows
    // sns.amazonaws.com (https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html,
    // https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html). A lambda
    // subscription is live as soon as it exists, and a delivery refused for a client-side reason (no
    // permission) is not retried: it is dropped unless the subscription has a dead-letter queue
    // (https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html). So the permission comes first.
    id: "sns-lambda-subscription-waits-for-permission",
    reason: "An SNS subscription to a Lambda function is created after the permission that lets that topic invoke it.",
    types: [SUBSCRIPTION],
    consequence: "messages published before the permission exists are refused by Lambda and dropped (client-side errors are not retried)",
    requirements: (sub, ctx, g) => {
        if (sub.inputs.protocol !== "lambda") return [];
        const endpoint = str(sub.inputs.endpoint);
        const topic = sub.inputs.topic;
        const candidates = ofType(ctx, PERMISSION).filter(
            (p) =>
                mayEqual(p.inputs.principal, "sns.amazonaws.com") &&
                (p.inputs.action === undefined || p.inputs.action === "lambda:InvokeFunction" || p.inputs.action === "lambda:*") &&
                (endpoint === undefined || sameFunction(p.inputs.function, endpoint)) &&
                mayEqual(p.inputs.sourceArn, topic),
        );
        // A function made elsewhere may carry its permission elsewhere.
        const ownsFunction = g.direct(sub)?.some((d) => d.type === FUNCTION);
        return [
            {
                what: `the Lambda permission for sns.amazonaws.com from ${shortName(String(topic ?? "its topic"))} to invoke ${shortName(endpoint ?? "the function")}`,
                candidates: candidates.length === 0 && !ownsFunction ? undefined : candidates,
                missing: "no aws:lambda/permission in the stack lets this topic invoke the function",
            },
        ];
    },
});

/** Alarm names (or ARNs) a composite alarm's rule reads, per the AlarmRule grammar of API_PutCompositeAlarm. */
export function alarmsInRule(rule: string): string[] {
    const names: string[] = [];
    const unquote = (s: string) =>
        s
            .trim()
            .replace(/^"(.*)"$/s, "$1")
            .replace(/^'(.*)'$/s, "$1")
            .trim();
    for (const m of rule.matchAll(/\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*("[^"]*"|'[^']*'|[^()\s]+)\s*\)/g)) names.push(unquote(m[1] ?? ""));
    for (const m of rule.matchAll(/\bAT_LEAST\s*\([^,]+,[^,]+,\s*\(([^)]*)\)\s*\)/g))
        names.push(
            ...(m[1] ?? "")
                .split(",")
                .map(unquote)
                .filter((n) => n !== ""),
        );
    return [...new Set(names)];
}

const compositeAlarms = orderRule({
    // PutCompositeAlarm rejects a rule naming an alarm that does not exist yet ("Could not save the
    // composite alarm as alarms [...] in the alarm rule do not exist":
    // https://github.com/awsdocs/aws-cloudformation-user-guide/issues/911, a GitHub issue); the rule
    // and the actions suppressor name alarms by name or ARN
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html).
    id: "composite-alarm-waits-for-its-alarms",
    reason: "A composite alarm is created after every alarm its rule and actions suppressor name.",
    types: [COMPOSITE_ALARM],
    consequence: "PutCompositeAlarm rejects a rule naming an alarm that does not exist yet",
    requirements: (composite, ctx) => {
        const rule = str(composite.inputs.alarmRule);
        const suppressor = str((composite.inputs.actionsSuppressor as { alarm?: unknown } | undefined)?.alarm);
        const named = [...(rule === undefined ? [] : alarmsInRule(rule)), ...(suppressor === undefined ? [] : [suppressor])];
        return [...new Set(named)].map((ref) => {
            const name = ref.startsWith("arn:") ? (ref.split(":alarm:")[1] ?? ref) : ref;
            const alarms = [
                ...ofType(ctx, METRIC_ALARM).filter((a) => namedAs(a, "name", name)),
                ...ofType(ctx, COMPOSITE_ALARM).filter((a) => a !== composite && namedAs(a, "alarmName", name)),
            ];
            // An alarm the stack does not make may already exist: not ours to judge.
            return { what: `alarm ${name}`, candidates: alarms.length ? alarms : undefined };
        });
    },
});

const deploymentAlarms = orderRule({
    // ECS reads the state of each `deploymentConfiguration.alarms.alarmNames` alarm while a deployment
    // runs and fails (and rolls back) the deployment when one is in ALARM
    // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html,
    // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentAlarms.html). Neither
    // page says whether CreateService/UpdateService check that the alarms exist; a deployment that
    // starts before its alarm is created is not guarded by it. So the service waits for every
    // deployment alarm the stack makes.
    id: "ecs-service-waits-for-deployment-alarms",
    reason: "A service is created (and updated) after every CloudWatch alarm it names as a deployment alarm.",
    types: [SERVICE],
    consequence: "its first deployment runs before the alarm exists, unguarded by it (or CreateService refuses the name)",
    requirements: (svc, ctx) => {
        const cfg = svc.inputs.alarms as { alarmNames?: unknown; enable?: unknown } | undefined;
        if (cfg === undefined || cfg.enable === false || !Array.isArray(cfg.alarmNames)) return [];
        return (cfg.alarmNames as unknown[])
            .map(str)
            .filter((n): n is string => n !== undefined)
            .map((name) => {
                const alarms = [
                    ...ofType(ctx, METRIC_ALARM).filter((a) => namedAs(a, "name", name)),
                    ...ofType(ctx, COMPOSITE_ALARM).filter((a) => namedAs(a, "alarmName", name)),
                ];
                // An alarm the stack does not make may already exist: not ours to judge.
                return { what: `deployment alarm ${name}`, candidates: alarms.length ? alarms : undefined };
            });
    },
});

/** The metrics only the Watchdog chain (Prometheus → Alertmanager → notifier or heartbeat topic) makes. */
function isHeartbeatMetric(alarm: PolicyResource): boolean | undefined {
    const ns = alarm.inputs.namespace;
    const metric = alarm.inputs.metricName;
    if (ns === undefined || metric === undefined) return undefined;
    if (ns === HEARTBEAT_NAMESPACE && metric === HEARTBEAT_METRIC) return true;
    // Without a notifier, Alertmanager publishes the Watchdog to a topic nobody reads; its publish count is the heartbeat.
    const topic = str((alarm.inputs.dimensions as { TopicName?: unknown } | undefined)?.TopicName);
    return ns === "AWS/SNS" && metric === "NumberOfMessagesPublished" && (topic === undefined || topic.endsWith("-heartbeat")) ? true : false;
}

/** ECS services whose task definition runs a container named `container`. */
function servicesRunning(ctx: PolicyContext, g: WaitGraph, container: string): PolicyResource[] {
    return ofType(ctx, SERVICE).filter((svc) => (taskDefinitionsOf(svc, g) ?? []).some((td) => (containersOf(td) ?? []).some((c) => c.name === container)));
}

const heartbeatSenders = orderRule({
    // A new alarm starts in INSUFFICIENT_DATA; with missing data treated as breaching, an evaluation
    // range without any data point is ALARM, and that transition runs the alarm's actions
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html).
    // The heartbeat alarm names none of its senders in its inputs: created at the start of a first
    // deploy, it pages minutes before Prometheus and Alertmanager run. Their services wait for steady
    // state (`aws ecs wait services-stable`), so waiting for them means both run.
    id: "heartbeat-alarm-waits-for-its-senders",
    reason: "An alarm on the Watchdog heartbeat that treats missing data as breaching is created after the Prometheus and Alertmanager services.",
    types: [METRIC_ALARM],
    consequence: "on a first deploy it sees no heartbeat before they run, goes to ALARM and pages",
    requirements: (alarm, ctx, g) => {
        if (alarm.inputs.treatMissingData !== "breaching" || isHeartbeatMetric(alarm) !== true) return [];
        const actions = alarm.inputs.alarmActions;
        if (alarm.inputs.actionsEnabled === false || (Array.isArray(actions) && actions.length === 0)) return [];
        return ["prometheus", "alertmanager"].map((container) => {
            const services = servicesRunning(ctx, g, container);
            // A stack without that service (Amazon Managed Prometheus, an Alertmanager elsewhere) is not ours to judge.
            return { what: `the ECS service running ${container}`, candidates: services.length ? services : undefined };
        });
    },
});

interface SecretRef {
    name?: string;
    valueFrom?: string;
}

/**
 * The secret a `valueFrom` names, from `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 chars>`
 * optionally followed by `:<json-key>:<version-stage>:<version-id>`
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html).
 * `undefined` for anything else (SSM parameters, unknown values).
 */
export function secretNameOf(valueFrom: string): { name: string; suffixed: boolean } | undefined {
    const parts = valueFrom.split(":");
    if (parts[0] !== "arn" || parts[2] !== "secretsmanager" || parts[5] !== "secret" || !parts[6]) return undefined;
    const m = /^(.+)-[A-Za-z0-9]{6}$/.exec(parts[6]);
    return m?.[1] ? { name: m[1], suffixed: true } : { name: parts[6], suffixed: false };
}

const secretValues = orderRule({
    // ECS reads each `secrets[].valueFrom` when a task starts (GetSecretValue on the AWSCURRENT
    // version); a secret with no value has no AWSCURRENT version, GetSecretValue answers
    // ResourceNotFoundException, and the task stops with ResourceInitializationError
    // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html,
    // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html).
    // So a secret the stack creates needs a SecretVersion the service waits for; an RDS-managed master
    // secret gets its value from RDS, so the service waits for the database instead.
    id: "ecs-service-secrets-have-values",
    reason: "Every Secrets Manager secret a service's containers inject has a value (a SecretVersion, or RDS) before the service starts tasks.",
    types: [SERVICE],
    consequence: "a task whose secret has no AWSCURRENT value cannot start (ResourceInitializationError)",
    requirements: (svc, ctx, g) => {
        const refs = (taskDefinitionsOf(svc, g) ?? []).flatMap((td) =>
            (containersOf(td) ?? []).flatMap((c) => ((c as { secrets?: SecretRef[] }).secrets ?? []).map((s) => ({ container: c.name, ...s }))),
        );
        const seen = new Set<string>();
        return refs.flatMap((ref) => {
            const parsed = ref.valueFrom === undefined ? undefined : secretNameOf(ref.valueFrom);
            if (parsed === undefined || seen.has(parsed.name)) return [];
            seen.add(parsed.name);
            const where = `secret ${parsed.name} (${ref.container}: ${ref.name})`;
            if (parsed.name.startsWith("rds!")) {
                // RDS-managed master user secrets are named rds!db-... / rds!cluster-...
                // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html).
                const dbs = [...ofType(ctx, RDS_INSTANCE), ...ofType(ctx, RDS_CLUSTER)].filter((d) => d.inputs.manageMasterUserPassword !== false);
                return [{ what: `the RDS database that manages ${where}`, candidates: dbs.length ? dbs : undefined }];
            }
            const secrets = ofType(ctx, SECRET).filter((s) => namedAs(s, "name", parsed.name));
            // A secret the stack does not create is not ours to judge.
            if (secrets.length === 0) return [];
            const versions = ofType(ctx, SECRET_VERSION).filter((v) => v.dependsOn === undefined || secrets.some((s) => v.dependsOn?.includes(key(s))));
            return [
                {
                    what: `a SecretVersion of ${where}`,
                    candidates: versions,
                    missing: "the stack gives this secret no value (no aws:secretsmanager/secretVersion)",
                },
            ];
        });
    },
});

const lambdaLogGroup = orderRule({
    // Lambda writes to loggingConfig.logGroup, or to /aws/lambda/<function name> by default, and
    // creates the group itself if it does not exist when the function first logs
    // (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html): such a
    // group has no KMS key and never expires, and the stack's own LogGroup then fails to create
    // (ResourceAlreadyExistsException). So a function waits for the log group it writes to.
    id: "lambda-waits-for-its-log-group",
    reason: "A Lambda function is created after the stack's log group it writes to (else Lambda creates it: unencrypted, kept forever).",
    types: [FUNCTION],
    consequence: "Lambda may create the group itself first (no KMS key, no retention) and the stack's LogGroup then fails to create",
    requirements: (f, ctx) => {
        const named = str((f.inputs.loggingConfig as { logGroup?: unknown } | undefined)?.logGroup);
        const functionName = str(f.inputs.name);
        const logGroup = named ?? (functionName === undefined ? undefined : `/aws/lambda/${functionName}`);
        if (logGroup === undefined) return [];
        const groups = ofType(ctx, LOG_GROUP).filter((lg) => namedAs(lg, "name", logGroup));
        // A group the stack does not make is either made elsewhere or made by Lambda: not an ordering question.
        return [{ what: `log group ${logGroup}`, candidates: groups.length ? groups : undefined }];
    },
});

interface LogConfiguration {
    logDriver?: string;
    options?: Record<string, string>;
}

const serviceLogGroups = orderRule({
    // The awslogs driver writes to an existing group unless awslogs-create-group is "true"; otherwise
    // the container fails to start ("ResourceNotFoundException: The specified log group does not
    // exist"): https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html.
    id: "ecs-service-waits-for-log-groups",
    reason: "A service is created after the log groups its containers' awslogs driver writes to.",
    types: [SERVICE],
    consequence: "a container whose awslogs group does not exist yet fails to start",
    requirements: (svc, ctx, g) =>
        (taskDefinitionsOf(svc, g) ?? []).flatMap((td) =>
            (containersOf(td) ?? []).flatMap((c) => {
                const log = (c as { logConfiguration?: LogConfiguration }).logConfiguration;
                const group = log?.logDriver === "awslogs" && log.options?.["awslogs-create-group"] !== "true" ? log.options?.["awslogs-group"] : undefined;
                if (group === undefined) return [];
                const groups = ofType(ctx, LOG_GROUP).filter((lg) => namedAs(lg, "name", group));
                return groups.length ? [{ what: `log group ${group} (container ${c.name})`, candidates: groups }] : [];
            }),
        ),
});

const listenerRuleListener = orderRule({
    // CreateRule needs the listener to exist (ListenerNotFound):
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateRule.html.
    id: "listener-rule-waits-for-listener",
    reason: "A listener rule is created after the listener it is added to.",
    types: [LISTENER_RULE],
    consequence: "CreateRule fails with ListenerNotFound",
    requirements: (rule, ctx) => {
        const listeners = ofType(ctx, LISTENER);
        // A listener's ARN ends in its logical name only offline (the mocks'); otherwise any listener may be it.
        const arn = str(rule.inputs.listenerArn);
        const named = arn === undefined ? [] : listeners.filter((l) => l.name === shortName(arn));
        const candidates = named.length ? named : listeners;
        return [{ what: `its listener${arn ? ` ${shortName(arn)}` : ""}`, candidates: candidates.length ? candidates : undefined }];
    },
});

const scalingPolicyTarget = orderRule({
    // "You cannot create a scaling policy until you have registered the resource as a scalable
    // target" (ObjectNotFoundException):
    // https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html.
    id: "scaling-policy-waits-for-scalable-target",
    reason: "An Application Auto Scaling policy is created after the scalable target it scales.",
    types: [SCALING_POLICY],
    consequence: "PutScalingPolicy fails with ObjectNotFoundException until the scalable target is registered",
    requirements: (policy, ctx) => {
        const same = (t: PolicyResource) =>
            (["serviceNamespace", "resourceId", "scalableDimension"] as const).every((f) => mayEqual(t.inputs[f], policy.inputs[f]));
        return [
            {
                what: `the scalable target ${str(policy.inputs.resourceId) ?? ""}`.trimEnd(),
                candidates: ofType(ctx, SCALABLE_TARGET).filter(same),
                missing: "no aws:appautoscaling/target in the stack registers it",
            },
        ];
    },
});

export const ORDER_RULES: readonly Rule[] = [
    capacityProviders,
    listener,
    efsMountTargets,
    snsLambdaPermission,
    compositeAlarms,
    secretValues,
    lambdaLogGroup,
    serviceLogGroups,
    listenerRuleListener,
    scalingPolicyTarget,
    deploymentAlarms,
    heartbeatSenders,
];
