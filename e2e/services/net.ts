import * as net from "node:net";

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it from the ephemeral range). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/**
 * Open a TCP connection, optionally write `send`, and resolve true when the reply contains `expect`
 * (or, without `expect`, as soon as the connection opens). Never rejects; bounded by `timeoutMs`.
 */
export function probeTcp(port: number, opts: { host?: string; send?: string; expect?: string; timeoutMs?: number } = {}): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host: opts.host ?? "127.0.0.1", port });
        let received = "";
        const done = (ok: boolean): void => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(opts.timeoutMs ?? 1_000, () => done(false));
        socket.once("error", () => done(false));
        socket.once("connect", () => {
            if (opts.expect === undefined) return done(true);
            if (opts.send !== undefined) socket.write(opts.send);
        });
        socket.on("data", (chunk) => {
            received += chunk.toString("utf8");
            if (opts.expect !== undefined && received.includes(opts.expect)) done(true);
        });
        socket.once("end", () => done(false));
    });
}

/** Resolve true when an HTTP GET on 127.0.0.1:`port``path` answers with a status in `okStatuses`. */
export async function probeHttp(port: number, path: string, okStatuses: readonly number[] = [200], timeoutMs = 1_000, host = "127.0.0.1"): Promise<boolean> {
    try {
        const res = await fetch(`http://${host}:${port}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
        await res.arrayBuffer();
        return okStatuses.includes(res.status);
    } catch {
        return false;
    }
}
