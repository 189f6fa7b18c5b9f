/**
 * Alertmanager's gossip cluster: the port, the peer timeout per timing profile and the `--cluster.*`
 * flags of one replica (docs/high-availability.md).
 */
import type { TimingProfile } from "../catalog";
import { PORTS } from "../../contracts";

/**
 * Gossip port between Alertmanager replicas, TCP and UDP (memberlist: "Both UDP and TCP are needed
 * in alertmanager 0.15 and higher for the cluster to work", README v0.25.0, High Availability).
 */
export const ALERTMANAGER_CLUSTER_PORT = PORTS.alertmanagerCluster;

/**
 * `--cluster.peer-timeout` per profile: how long the replica at position n waits, n times over,
 * before it checks the notification log and sends what no earlier replica has sent
 * (https://prometheus.io/docs/alerting/latest/high_availability/, "Peer Position-Based Wait").
 * Two bounds:
 * - above a delivery (production 5 s), so the next replica finds the first one's log entry;
 * - (replicas − 1) × peer timeout + a delivery below the group interval. A replica compares the
 *   alerts it read at its flush with the log entry as it is after its wait; when another replica's
 *   next flush (one group interval later) has logged a RESOLVED meanwhile, the stale FIRING reads as
 *   new and is sent again, then RESOLVED once more (the mechanism of
 *   https://github.com/prometheus/alertmanager/issues/4008, which a maintainer calls a side effect of
 *   HA; notify/notify.go `DedupStage.needsUpdate`: a firing set that is not a subset of the entry's
 *   firing set is "new"). Alertmanager's default 15 s × 2 = 30 s equals production's 30 s group
 *   interval: the last replica's check races the first one's next flush.
 * Production 10 s: 2 × 10 s + 5 s = 25 s < 30 s. Test 2 s against the HA e2e's 6 s group interval:
 * the same 1/3 ratio (2 × 2 s + 1 s = 5 s < 6 s); `npm run bench:alerts` measures the rest
 * (docs/high-availability.md).
 */
export const ALERTMANAGER_PEER_TIMEOUT: Readonly<Record<TimingProfile, string>> = {
    production: "10s",
    test: "2s",
};

export interface AlertmanagerClusterInput {
    /**
     * `host:port` peers: a name that resolves to every replica (Cloud Map A records
     * `alertmanager.<namespace>`) or addresses. Alertmanager joins every address a name resolves to,
     * and resolves it again every 15 s to join replicas that appeared since (cluster/cluster.go
     * `resolvePeers`, `refresh`, v0.25.0).
     */
    readonly peers: readonly string[];
    /** `--cluster.listen-address`. @default `0.0.0.0:9094` */
    readonly listenAddress?: string;
    /** `--cluster.advertise-address` (an IP and port: peers reach this replica there). @default none: the image's entrypoint finds the task's address */
    readonly advertiseAddress?: string;
    /** @default "production" */
    readonly profile?: TimingProfile;
    /** Overrides the profile's `--cluster.peer-timeout` (benchmarks). */
    readonly peerTimeout?: string;
}

/** The `--cluster.*` flags of one replica. Single instances pass `--cluster.listen-address=` instead (no gossip listener). */
export function alertmanagerClusterArgs(input: AlertmanagerClusterInput): string[] {
    if (input.peers.length === 0) throw new Error("alertmanager cluster: `peers` must name at least one host:port");
    for (const p of [
        ...input.peers,
        ...(input.listenAddress !== undefined ? [input.listenAddress] : []),
        ...(input.advertiseAddress !== undefined ? [input.advertiseAddress] : []),
    ]) {
        if (!/^[^\s:]+:\d+$/.test(p)) throw new Error(`alertmanager cluster: "${p}" must be host:port`);
    }
    return [
        `--cluster.listen-address=${input.listenAddress ?? `0.0.0.0:${ALERTMANAGER_CLUSTER_PORT}`}`,
        ...(input.advertiseAddress !== undefined ? [`--cluster.advertise-address=${input.advertiseAddress}`] : []),
        ...input.peers.map((p) => `--cluster.peer=${p}`),
        `--cluster.peer-timeout=${input.peerTimeout ?? ALERTMANAGER_PEER_TIMEOUT[input.profile ?? "production"]}`,
    ];
}
