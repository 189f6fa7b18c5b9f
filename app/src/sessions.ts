import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

import type { Database } from "./db";
import { HttpError } from "./errors";
import type { RedisStore } from "./redis";

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;
const KEY_LENGTH = 32;

async function hashPassword(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await scryptAsync(password, salt, KEY_LENGTH);
    return `scrypt:${salt.toString("base64")}:${key.toString("base64")}`;
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
    const [scheme, salt, key] = stored.split(":");
    if (scheme !== "scrypt" || salt === undefined || key === undefined) return false;
    const expected = Buffer.from(key, "base64");
    const actual = await scryptAsync(password, Buffer.from(salt, "base64"), expected.length);
    return timingSafeEqual(actual, expected);
}

// Spent on unknown usernames so response time does not reveal which usernames exist.
const DUMMY_HASH = hashPassword(randomBytes(16).toString("hex"));

export interface Session {
    readonly userId: number;
    readonly username: string;
    readonly expiresAt: string;
}

/** Sorted set of live sessions scored by expiry (ms): the source of `koronet_active_sessions`. */
const ACTIVE_SET = "sessions:active";
/** Keys hold a hash of the token, so a Redis dump yields no usable token. */
const sessionKey = (token: string): string => `session:${createHash("sha256").update(token).digest("hex")}`;

export class Sessions {
    constructor(
        private readonly db: Database,
        private readonly redis: RedisStore,
        private readonly ttlSeconds: number,
    ) {}

    async createUser(username: string, password: string): Promise<{ id: number; username: string }> {
        const hash = await hashPassword(password);
        const rows = await this.db.query<{ id: string }>(
            "user_insert",
            "INSERT INTO users (username, password_hash) VALUES ($1, $2) ON CONFLICT (username) DO NOTHING RETURNING id",
            [username, hash],
        );
        if (rows.length === 0) throw new HttpError(409, "username_taken", `username "${username}" is already taken`);
        return { id: Number(rows[0]!.id), username };
    }

    /** Check credentials and store a session in Redis with a TTL. */
    async signIn(username: string, password: string): Promise<{ token: string; session: Session }> {
        const rows = await this.db.query<{ id: string; password_hash: string }>("user_select", "SELECT id, password_hash FROM users WHERE username = $1", [
            username,
        ]);
        const user = rows[0];
        const ok = await verifyPassword(password, user?.password_hash ?? (await DUMMY_HASH));
        if (!user || !ok) throw new HttpError(401, "invalid_credentials", "unknown username or wrong password");

        const token = randomBytes(32).toString("base64url");
        const expiresMs = Date.now() + this.ttlSeconds * 1000;
        const session: Session = { userId: Number(user.id), username, expiresAt: new Date(expiresMs).toISOString() };
        const key = sessionKey(token);
        await this.redis.run("session_create", async (c) => {
            const results = await c.multi().set(key, JSON.stringify(session), "EX", this.ttlSeconds).zadd(ACTIVE_SET, expiresMs, key).exec();
            const failed = results?.find(([err]) => err);
            if (!results || failed) throw failed?.[0] ?? new Error("MULTI aborted");
        });
        return { token, session };
    }

    /** The session behind a bearer token; 401 when missing, expired or signed out. */
    async authenticate(authorization: string | undefined): Promise<{ token: string; session: Session }> {
        const token = /^Bearer\s+([\w-]{20,200})$/i.exec(authorization ?? "")?.[1];
        if (!token) throw new HttpError(401, "unauthenticated", "send Authorization: Bearer <token> from POST /api/sessions");
        const raw = await this.redis.run("session_get", (c) => c.get(sessionKey(token)));
        if (raw === null) throw new HttpError(401, "unauthenticated", "session expired or signed out");
        return { token, session: JSON.parse(raw) as Session };
    }

    async signOut(token: string): Promise<void> {
        const key = sessionKey(token);
        await this.redis.run("session_delete", (c) => c.multi().del(key).zrem(ACTIVE_SET, key).exec());
    }

    /**
     * Sessions alive now, across every replica and restart: expired members are pruned first, since
     * Redis expires the session keys but not their entries in the set.
     */
    async countActive(): Promise<number> {
        return this.redis.run("session_count", async (c) => {
            const results = await c.multi().zremrangebyscore(ACTIVE_SET, "-inf", Date.now()).zcard(ACTIVE_SET).exec();
            const [err, count] = results?.[1] ?? [new Error("MULTI aborted"), 0];
            if (err) throw err;
            return Number(count);
        });
    }
}
