/** Schema of `koronet:monitoring`: the Prometheus/Grafana layer. */
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { acmCertificateArn, cidr, int, isCidr } from "./schema";

/**
 * Source ranges an internet-facing load balancer never sees: its nodes have public addresses and
 * route requests from clients over the internet, so a source address is public (a client inside
 * the VPC arrives through the NAT gateway's public address).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html (Scheme)
 * RFC 1918 private, RFC 6598 shared (carrier-grade NAT), loopback, link-local.
 */
const NON_PUBLIC_RANGES: readonly { readonly cidr: string; readonly what: string }[] = [
    { cidr: "10.0.0.0/8", what: "private (RFC 1918)" },
    { cidr: "172.16.0.0/12", what: "private (RFC 1918)" },
    { cidr: "192.168.0.0/16", what: "private (RFC 1918)" },
    { cidr: "100.64.0.0/10", what: "carrier-grade NAT (RFC 6598)" },
    { cidr: "127.0.0.0/8", what: "loopback" },
    { cidr: "169.254.0.0/16", what: "link-local" },
];

/** The non-public range an IPv4 CIDR lies entirely inside, if any (`0.0.0.0/0` lies in none). */
export function nonPublicRangeOf(value: string): { cidr: string; what: string } | undefined {
    if (!isCidr(value)) return undefined;
    const [addr, bits] = ipaddr.IPv4.parseCIDR(value);
    return NON_PUBLIC_RANGES.find((r) => {
        const [net, netBits] = ipaddr.IPv4.parseCIDR(r.cidr);
        return bits >= netBits && addr.match(net, netBits);
    });
}

/**
 * Security-group rule quota: 60 inbound rules per group (adjustable), and each CIDR takes one rule
 * per listener port (80, and 443 with a certificate).
 * https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups
 */
const MAX_GRAFANA_CIDRS = 30;

const publicCidr = cidr.refine((c) => nonPublicRangeOf(c) === undefined, {
    error: (issue) => {
        const range = nonPublicRangeOf(String(issue.input));
        return `lies in ${range?.cidr} (${range?.what}); Grafana's load balancer is internet-facing and only sees public source addresses, so this would admit nobody: use the public egress addresses of your office or VPN, or 0.0.0.0/0 (Grafana's login guards it)`;
    },
});

export const monitoringSchema = z.strictObject({
    /** Deploy the monitoring layer (Prometheus, Grafana, exporters, sidecars). */
    enabled: z
        .boolean()
        .describe(
            "Deploy the monitoring layer (Prometheus, Grafana, exporters, the web server's metric sidecars). prod requires it; off, the alerts that read the sidecars' metrics must be turned off too.",
        ),
    prometheus: z.strictObject({
        /** Local TSDB retention in days. */
        retentionDays: int(1, 90, "days").describe("Local TSDB retention, days."),
        /** Scrape interval; rate windows and time-to-notify follow it (windows hold at least 4 scrapes). */
        scrapeIntervalSeconds: int(5, 120, "seconds").describe(
            "Scrape interval, seconds. Alert rate windows follow it: a default window holds at least 4 scrapes, an overridden one at least 2.",
        ),
        /** Rule evaluation interval: the alert rule group's `interval` and prometheus.yml's global one. */
        evaluationIntervalSeconds: int(5, 120, "seconds").describe(
            "Rule evaluation interval, seconds: the alert rule group's interval and prometheus.yml's global one.",
        ),
        /** remote_write to an Amazon Managed Service for Prometheus workspace. */
        remoteWrite: z.boolean().describe("remote_write to an Amazon Managed Service for Prometheus workspace."),
        /**
         * Identical Prometheus servers (same rules, same targets), each on a container instance of
         * its own (placement constraint `distinctInstance`), spread across AZs, each sending to every
         * Alertmanager; told apart by an external `replica` label that is dropped from alerts.
         */
        replicas: int(1, 3, "servers").describe(
            "Prometheus servers: identical replicas (same rules and targets), each on a container instance of its own and spread across availability zones, each sending every alert to every Alertmanager (prod: 2). Each needs its own instance: at most koronet:cluster.ec2.minSize.",
        ),
    }),
    grafana: z.strictObject({
        /**
         * Public CIDRs admitted to Grafana's own internet-facing load balancer (80, and 443 with a
         * certificate). Grafana's login (no anonymous access, no sign-up, brute-force protection)
         * guards it; stacks narrow this to their office or VPN egress addresses.
         * @default ["0.0.0.0/0"]
         */
        allowedCidrs: z
            .array(publicCidr)
            .min(1)
            .max(MAX_GRAFANA_CIDRS, {
                error: `at most ${MAX_GRAFANA_CIDRS} CIDRs: each takes one security-group rule per listener port, and a group holds 60 inbound rules`,
            }),
        /** ACM certificate for Grafana's load balancer: HTTPS (same TLS policy as the app), HTTP redirects. @default none (plain HTTP; prod warns) */
        certificateArn: acmCertificateArn.optional(),
        /** Grafana tasks behind the load balancer (sticky sessions); prod runs 2 so one can fail. */
        replicas: z.number().int().min(1).max(4),
    }),
});

export type MonitoringConfig = z.infer<typeof monitoringSchema>;
