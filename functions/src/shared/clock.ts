/** Time, waiting and randomness, injectable so retries and pacing are testable without wall time. */
export interface Clock {
    /** Milliseconds since the epoch. */
    now(): number;
    sleep(ms: number): Promise<void>;
    /** Uniform in [0, 1), for backoff jitter. */
    random(): number;
}

export const systemClock: Clock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
    random: () => Math.random(),
};
