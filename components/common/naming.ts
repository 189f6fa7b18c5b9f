/** Physical names people read (alarms, topics, dashboards, log groups): built once, here. */
export interface NameContext {
    readonly project: string;
    readonly stack: string;
}

/** `${project}-${stack}-${parts...}`, e.g. `koronet-prod-web-cpu-high`. */
export function physicalName(ctx: NameContext, ...parts: string[]): string {
    return [ctx.project, ctx.stack, ...parts].join("-");
}

/** Tags every resource of the platform carries (set through the provider's defaultTags). */
export function standardTags(ctx: NameContext & { environment: string }): Record<string, string> {
    return { Project: ctx.project, Stack: ctx.stack, Environment: ctx.environment, ManagedBy: "pulumi" };
}
