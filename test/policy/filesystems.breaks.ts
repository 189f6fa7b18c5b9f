/** Broken graphs for the rules of policy/filesystems.ts: one case per rule id (run by rules.test.ts). */
import { POSTGRES_IMAGES } from "../../components/datastores/images";
import { editContainers, mutate, type Breaks } from "./mutate";

const TD = "aws:ecs/taskDefinition:TaskDefinition";

export const FILESYSTEM_BREAKS: Breaks = {
    // A container nobody described: what it writes, and as whom, is unknown.
    "container-filesystem-facts": {
        stack: "dev",
        breakIt: (r) =>
            mutate(
                r,
                TD,
                (i) =>
                    editContainers(i, (c) => {
                        c.push({ name: "debug-shell", image: "busybox:1.36.1", user: "1000:1000", readonlyRootFilesystem: true, essential: false });
                    }),
                "web-task",
            ),
    },
    // Today's dev PostgreSQL: the upstream image, whose /var/run/postgresql is no VOLUME, so the
    // task volume over it is root 0755 and the postmaster (uid 999) cannot create its socket.
    "container-writes-writable": {
        stack: "dev",
        breakIt: (r) =>
            mutate(
                r,
                TD,
                (i) =>
                    editContainers(i, (c) => {
                        const pg = c.find((x) => x.name === "postgres");
                        if (!pg) throw new Error("no postgres container");
                        pg.image = POSTGRES_IMAGES["15"];
                    }),
                "data-postgres-task",
            ),
    },
};
