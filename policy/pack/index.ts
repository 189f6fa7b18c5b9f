/**
 * CrossGuard policy pack: the guardrails of `policy/rules.ts` for real previews,
 * `pulumi preview --stack prod --policy-pack policy/pack`. One source of truth: each rule becomes
 * one mandatory stack policy here, evaluated over the same `{ type, name, inputs, dependsOn }` view.
 */
import { PolicyPack, type StackValidationPolicy } from "@pulumi/policy";
import { environmentOf, RULES } from "../rules";
import { fromPack } from "./resources";

const policies: StackValidationPolicy[] = RULES.map((rule) => ({
    name: rule.id,
    description: `${rule.reason}${rule.securityHub ? ` (Security Hub ${rule.securityHub})` : ""}`,
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const resources = fromPack(args.resources);
        const environment = environmentOf(resources);
        if (environment === undefined) {
            reportViolation("cannot tell the stack's environment: the aws provider must carry an Environment default tag (dev|prod)");
            return;
        }
        if (rule.environments !== undefined && !rule.environments.includes(environment)) return;
        for (const v of rule.check({ environment, resources })) {
            const urn = args.resources.find((r) => r.type === v.resource.type && r.name === v.resource.name)?.urn;
            reportViolation(`${v.resource.type}::${v.resource.name}: ${v.message}`, urn);
        }
    },
}));

new PolicyPack("koronet-guardrails", { policies });
