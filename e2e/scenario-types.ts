/**
 * The shapes of a fault scenario and its result (a leaf: scenarios.ts and the per-issue scenario
 * modules it spreads in both import these, and neither imports the other's types).
 */
import type { AlertId } from "../components/alerting/catalog";
import type { LoadGenerator } from "./load";
import type { Pipeline } from "./pipeline";

export interface ScenarioContext {
    readonly pipeline: Pipeline;
    readonly load: LoadGenerator;
}

/** An alert a scenario must raise. */
export interface ExpectedAlert {
    readonly alert: AlertId;
    /** Strings the Slack message must contain (e.g. `job=koronet`). */
    readonly mentions?: readonly string[];
}

export interface Scenario {
    readonly id: string;
    readonly title: string;
    /** Row of the README's fault table this scenario backs, e.g. "F8". */
    readonly faultRow?: string;
    /** The alert measured; `also` are further alerts the fault must raise. */
    readonly expect: ExpectedAlert;
    readonly also?: readonly ExpectedAlert[];
    /**
     * Alerts the fault also raises in Prometheus that Alertmanager must inhibit while the expected
     * alert fires (alertmanager/config.ts `INHIBIT_RULES`): each must be firing in Prometheus and held
     * by Alertmanager as suppressed (inhibitedBy) before the heal, and no FIRING message of it may reach
     * Slack or PagerDuty until then.
     */
    readonly suppressed?: readonly AlertId[];
    /** Put the fault in place; resolves once it is in effect. */
    inject(ctx: ScenarioContext): Promise<void>;
    /** Remove it; resolves once healed, optionally with the moment the fault ended (default: when it resolves). */
    heal(ctx: ScenarioContext): Promise<number | void>;
    /** Extra time the fault needs before it can be noticed (e.g. Slack's outage). @default 0 */
    readonly extraNotifySeconds?: number;
    /** Checks of its own after healing; return problems. */
    verify?(ctx: ScenarioContext, result: ScenarioResult): Promise<{ readonly problems: string[]; readonly notes: string[] }>;
}

/** Timings of one expected alert. */
export interface AlertTiming {
    readonly alert: AlertId;
    readonly severity: string;
    /** Alertmanager receiver named in the Slack message (= the route taken). */
    readonly route: string | undefined;
    /** Seconds from the fault to the first Slack message; undefined if none arrived by the deadline. */
    readonly firingSeconds: number | undefined;
    /** Seconds from the heal to the resolved Slack message. */
    readonly resolvedSeconds: number | undefined;
    /** PagerDuty trigger/resolve, seconds (critical alerts). */
    readonly pagerdutyTriggerSeconds?: number;
    readonly pagerdutyResolveSeconds?: number;
    readonly deadlines: { readonly notify: number; readonly resolved: number };
}

export interface ScenarioResult {
    readonly id: string;
    readonly title: string;
    readonly primary: AlertTiming;
    readonly also: readonly AlertTiming[];
    /** Other alerts notified while the scenario ran (side effects of the fault, e.g. 5xx while PostgreSQL is down). */
    readonly sideAlerts: readonly string[];
    /** Requests to Slack that were refused while it failed (the Slack outage scenario). */
    readonly refusedSlackRequests: number;
    /** Seconds waited for earlier alerts to clear before injecting. */
    readonly quietWaitSeconds: number;
    readonly problems: readonly string[];
    /** Observations that are not failures (e.g. a transient alert Slack never saw). */
    readonly notes: readonly string[];
    /** The scenario's `suppressed` alerts as observed (seconds from the fault until Alertmanager held them inhibited). */
    readonly suppressed?: readonly SuppressedObservation[];
}

export interface SuppressedObservation {
    readonly alert: AlertId;
    /** Seconds from the fault until Alertmanager reported it suppressed by an inhibition; undefined if never. */
    readonly inhibitedSeconds: number | undefined;
    /** Alert names of the inhibiting (source) alerts Alertmanager named. */
    readonly inhibitedBy: readonly string[];
}
