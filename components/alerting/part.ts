/**
 * A part of the Alerting component (topics, Slack notifier, PagerDuty forwarder, catalog alarms,
 * pipeline watchers): a component under Alerting whose direct children sat directly under Alerting
 * until issue 16 split it.
 *
 * Identity: a child's URN is its parent's qualified type chain plus its own type and name
 * (https://www.pulumi.com/docs/iac/concepts/resources/names/#urns), so a resource moved from
 * `Alerting$Topic` to `Alerting$Topics$Topic` is a new URN, and `pulumi up` would create it anew and
 * delete the old one unless an alias claims the old URN
 * (https://www.pulumi.com/docs/iac/concepts/options/aliases/). The alias goes on each direct child,
 * `{ parent: <Alerting> }`: an alias on the part itself could only rename the part's own segment
 * (children inherit `<alias of part>$<type>::<name>`, never a chain without the part), and aliasing
 * the part to Alerting's own URN would claim one URN twice. scripts/offline/identity.ts computes
 * both as the engine does; test/delivery/identity.test.ts proves every deployed URN is still claimed.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AlertingNames } from "../common/naming";

export abstract class AlertingPart extends pulumi.ComponentResource {
    /** Where this part's children used to sit: the Alerting component. */
    private readonly formerParent: pulumi.Resource;

    constructor(type: `koronet:alerting:${string}`, name: string, opts: pulumi.ComponentResourceOptions & { readonly parent: pulumi.Resource }) {
        super(type, name, {}, opts);
        this.formerParent = opts.parent;
    }

    /** Options of a direct child: parented here, and still the resource it was under Alerting. Public for the helpers that build children of a part (lambda.ts). */
    childOpts(opts: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
        return { ...opts, parent: this, aliases: [{ parent: this.formerParent }] };
    }
}

/** What every part is built with. */
export interface PartContext {
    /** The children's logical names start with this: Alerting's own name, so each keeps the name it was deployed with. */
    readonly logicalPrefix: string;
    readonly names: AlertingNames;
    /** Customer-managed KMS key for topics, queues, table, secrets and logs. */
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly tags: Readonly<Record<string, string>>;
}
