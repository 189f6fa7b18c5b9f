/** Docker HEALTHCHECK: exit 0 when GET /healthz on this container answers 200 within 2 s. */
import { get } from "node:http";

const port = Number(process.env.PORT ?? 3000);
const req = get({ host: "127.0.0.1", port, path: "/healthz", timeout: 2_000 }, (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on("timeout", () => req.destroy(new Error("timeout")));
req.on("error", () => process.exit(1));
