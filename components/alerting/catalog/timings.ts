/**
 * Timings of the alert pipeline. The per-severity defaults and the pipeline's own timings are part of
 * the alert vocabulary (config/alert-vocabulary.ts: the config validates overrides against them);
 * they are re-exported here for the catalog's readers.
 */
import type { TimingProfile } from "../../../config/alert-vocabulary";

export { CLOUDWATCH_TIMING_BY_SEVERITY, formatPromDuration, parsePromDuration, PIPELINE_TIMINGS, PROM_DURATION } from "../../../config/alert-vocabulary";

/** Baseline of UnusualTraffic: the last `range`, ending `offset` ago so an anomaly does not dilute its own baseline. */
export const UNUSUAL_TRAFFIC_BASELINE: Readonly<Record<TimingProfile, { readonly range: string; readonly offset: string }>> = {
    production: { range: "1h", offset: "10m" },
    test: { range: "2m", offset: "30s" },
};
