/**
 * `koronet:monitoring.grafana`: Grafana's own internet-facing load balancer admits public CIDRs only
 * (it never sees another source address), takes an optional certificate, and registers nothing on
 * a bad value.
 */
import { strict as assert } from "node:assert";
import { nonPublicRangeOf } from "../../config/monitoring";
import { configErrorOf, graphWith } from "../harness";

describe("koronet:monitoring.grafana", () => {
    for (const [cidr, what] of [
        ["10.0.0.0/8", "10.0.0.0/8 (private (RFC 1918))"],
        ["172.20.0.0/16", "172.16.0.0/12 (private (RFC 1918))"],
        ["192.168.1.0/24", "192.168.0.0/16 (private (RFC 1918))"],
        ["100.64.0.0/16", "100.64.0.0/10 (carrier-grade NAT (RFC 6598))"],
        ["127.0.0.1/32", "127.0.0.0/8 (loopback)"],
        ["169.254.169.254/32", "169.254.0.0/16 (link-local)"],
    ] as const) {
        it(`rejects ${cidr}: an internet-facing load balancer never sees such a source`, async () => {
            const { error, registered } = await configErrorOf("dev", {
                overrides: { "koronet:monitoring": { grafana: { allowedCidrs: ["203.0.113.0/24", cidr] } } },
            });
            assert.equal(registered, 0, "nothing registered");
            const p = error.problems.find((x) => x.key === "koronet:monitoring.grafana.allowedCidrs.1");
            assert.ok(p, JSON.stringify(error.problems));
            assert.match(
                p.message,
                new RegExp(
                    `^got "${cidr.replace(/\./g, "\\.")}"; lies in ${what.replace(/[().]/g, "\\$&")}; Grafana's load balancer is internet-facing and only sees public source addresses`,
                ),
            );
        });
    }

    it("accepts public CIDRs and 0.0.0.0/0 (the default), and CIDRs that merely contain a private range", () => {
        for (const c of ["0.0.0.0/0", "203.0.113.7/32", "8.0.0.0/7", "172.32.0.0/16", "100.128.0.0/9"]) assert.equal(nonPublicRangeOf(c), undefined, c);
    });

    it("rejects a certificate that is not an ACM ARN", async () => {
        const { error } = await configErrorOf("prod", {
            overrides: { "koronet:monitoring": { grafana: { certificateArn: "arn:aws:iam::123456789012:server-certificate/x" } } },
        });
        assert.match(error.message, /koronet:monitoring\.grafana\.certificateArn: got .*must be an ACM certificate ARN/);
    });

    it("rejects more CIDRs than the load balancer's security group can hold rules for", async () => {
        const many = Array.from({ length: 31 }, (_, i) => `203.0.${i}.0/24`);
        const { error } = await configErrorOf("dev", { overrides: { "koronet:monitoring": { grafana: { allowedCidrs: many } } } });
        assert.match(error.message, /koronet:monitoring\.grafana\.allowedCidrs: .*at most 30 CIDRs/);
    });

    it("narrows Grafana's load balancer to the stack's CIDRs without touching the app's", async () => {
        const g = await graphWith("dev", { overrides: { "koronet:monitoring": { grafana: { allowedCidrs: ["198.51.100.0/24"] } } } });
        const ingress = (name: string) =>
            (g.one("aws:ec2/securityGroup:SecurityGroup", name).inputs.ingress as { cidrBlocks: string[] }[]).flatMap((r) => r.cidrBlocks);
        assert.deepEqual(ingress("monitoring-grafana-alb-sg"), ["198.51.100.0/24"]);
        assert.deepEqual(ingress("web-alb-sg"), ["0.0.0.0/0"]);
    });
});
