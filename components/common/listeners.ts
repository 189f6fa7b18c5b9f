import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** TLS policy for HTTPS listeners: TLS 1.3 with TLS 1.2 fallback, no legacy ciphers. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** A front load balancer's ingress: HTTP (and HTTPS with a certificate) from each allowed CIDR, one rule each. */
export function frontIngress(https: boolean, allowedCidrs: readonly string[]): aws.types.input.ec2.SecurityGroupIngress[] {
    return [80, ...(https ? [443] : [])].flatMap((port) =>
        allowedCidrs.map((cidr) => ({
            protocol: "tcp",
            fromPort: port,
            toPort: port,
            cidrBlocks: [cidr],
            description: `${port === 443 ? "HTTPS" : "HTTP"} from ${cidr}`,
        })),
    );
}

/**
 * The front listeners of a public load balancer: with a certificate, HTTPS on 443 forwards and HTTP
 * on 80 only redirects to it (301); without one, HTTP on 80 forwards. Returns the listener clients
 * use, the one services and rules must wait for. Logical names: `<name>-http`, `<name>-https`.
 */
export function frontListeners(
    name: string,
    args: { loadBalancerArn: pulumi.Input<string>; targetGroupArn: pulumi.Input<string>; certificateArn?: pulumi.Input<string> },
    opts: pulumi.CustomResourceOptions,
): aws.lb.Listener {
    const forward = { type: "forward", targetGroupArn: args.targetGroupArn };
    const https = args.certificateArn !== undefined;
    const http = new aws.lb.Listener(
        `${name}-http`,
        {
            loadBalancerArn: args.loadBalancerArn,
            port: 80,
            protocol: "HTTP",
            defaultActions: [https ? { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } } : forward],
        },
        opts,
    );
    if (!https) return http;
    return new aws.lb.Listener(
        `${name}-https`,
        {
            loadBalancerArn: args.loadBalancerArn,
            port: 443,
            protocol: "HTTPS",
            sslPolicy: TLS_POLICY,
            certificateArn: args.certificateArn,
            defaultActions: [forward],
        },
        opts,
    );
}
