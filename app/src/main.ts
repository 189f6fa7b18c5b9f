import { ConfigError, loadConfig } from "./config";
import { createLogger } from "./logger";
import { startServer } from "./server";

async function main(): Promise<void> {
    let config;
    try {
        config = loadConfig();
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        createLogger("info").fatal(err.message);
        process.exit(2);
    }
    const log = createLogger(config.logLevel);
    process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled promise rejection"));
    process.on("uncaughtException", (err) => {
        // State is unknown after an uncaught exception: exit and let the orchestrator restart us.
        log.fatal({ err }, "uncaught exception");
        process.exit(1);
    });

    const server = await startServer(config, log);

    let stopping = false;
    const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, "shutting down: draining in-flight requests");
        setTimeout(() => {
            log.error({ timeoutMs: config.shutdownTimeoutMs }, "shutdown timed out; exiting with requests in flight");
            process.exit(1);
        }, config.shutdownTimeoutMs).unref();
        try {
            await server.close();
            log.info("shutdown complete");
            process.exit(0);
        } catch (err) {
            log.error({ err }, "shutdown failed");
            process.exit(1);
        }
    };
    process.once("SIGTERM", () => void shutdown("SIGTERM"));
    process.once("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err: unknown) => {
    createLogger("info").fatal({ err }, "failed to start");
    process.exit(1);
});
