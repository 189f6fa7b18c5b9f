/** Broken graphs for the rules of policy/runtimes.ts: one case per rule id (run by rules.test.ts). */
import { editContainers, mutate, type Breaks } from "./mutate";

export const RUNTIME_BREAKS: Breaks = {
    // Today's defect: the notifier on nodejs20.x, whose function create is blocked since 2026-08-31.
    "lambda-runtime-creatable": {
        stack: "dev",
        breakIt: (r) =>
            mutate(
                r,
                "aws:lambda/function:Function",
                (i) => {
                    i.runtime = "nodejs20.x";
                },
                "alerting-notifier",
            ),
    },
    // PostgreSQL 13 reached end of life on 2025-11-13.
    "base-image-supported": {
        stack: "dev",
        breakIt: (r) =>
            mutate(
                r,
                "aws:ecs/taskDefinition:TaskDefinition",
                (i) =>
                    editContainers(i, (c) => {
                        c[0]!.image = "postgres:13.18-bookworm";
                    }),
                "data-postgres-task",
            ),
    },
};
