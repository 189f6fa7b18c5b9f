/** An error with an HTTP status and a stable machine-readable `code`, rendered as a JSON body. */
export class HttpError extends Error {
    constructor(
        readonly statusCode: number,
        readonly code: string,
        message: string,
        readonly details?: unknown,
    ) {
        super(message);
        this.name = "HttpError";
    }
}

export type Dependency = "postgres" | "redis";

/** A dependency is unreachable or overloaded: the request gets 503 and the process carries on. */
export class DependencyUnavailableError extends HttpError {
    constructor(
        readonly dependency: Dependency,
        override readonly cause: unknown,
    ) {
        super(503, "dependency_unavailable", `${dependency} is unavailable, retry later`, { dependency });
        this.name = "DependencyUnavailableError";
    }
}
