/**
 * The container-filesystem facts of the images we build (components/common/filesystems.ts) are
 * what their Dockerfiles make: owners, modes, VOLUMEs and USER, derived here from the Dockerfiles
 * themselves, so neither can change without the other.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import {
    AGENT_IMAGE_CONTEXT,
    AGENT_PATHS,
    AGENT_UID,
    CONTAINER_FILESYSTEMS,
    IMAGE_FACTS,
    NODE_REPORT_DIR,
    type ImageFacts,
} from "../../components/common/filesystems";
import { POSTGRES_IMAGE_CONTEXT, POSTGRES_IMAGES } from "../../components/datastores/images";
import { IMAGES } from "../../components/monitoring/images";
import { graphWith, stackGraph } from "../harness";
import { analyzeDockerfile, type DockerfileAnalysis } from "./dockerfile";

type Built = ImageFacts & { dockerfile: NonNullable<ImageFacts["dockerfile"]> };
const BUILT = (Object.entries(IMAGE_FACTS) as [string, ImageFacts][]).filter((e): e is [string, Built] => e[1].dockerfile !== undefined);

const analyze = (facts: Built, text = readFileSync(facts.dockerfile.path, "utf8")): DockerfileAnalysis =>
    analyzeDockerfile(text, { buildArgs: facts.dockerfile.buildArgs, accounts: facts.accounts });

/** Every way `facts` and the Dockerfile disagree (empty when they agree). */
function drift(facts: Built, a: DockerfileAnalysis): string[] {
    const problems: string[] = [];
    const f = a.final;
    const declared = new Set(f.volumes);
    for (const d of facts.directories) {
        if (d.upstream !== undefined) continue;
        const got = f.dirs.get(d.path);
        const want = `${d.uid}:${d.gid} ${d.mode.toString(8)}`;
        const have = got ? `${got.uid ?? "?"}:${got.gid ?? "?"} ${got.mode?.toString(8) ?? "?"}` : "not set by the Dockerfile";
        if (!got || got.uid !== d.uid || got.gid !== d.gid || got.mode !== d.mode) problems.push(`${d.path}: facts say ${want}, the Dockerfile makes ${have}`);
        if (d.volume !== declared.has(d.path))
            problems.push(`${d.path}: facts say ${d.volume ? "" : "no "}VOLUME, the Dockerfile ${declared.has(d.path) ? "declares" : "does not declare"} one`);
    }
    for (const v of declared) {
        if (!facts.directories.some((d) => d.path === v && d.volume)) problems.push(`VOLUME ${v} is not in the facts`);
    }
    if (f.user === undefined) problems.push("the Dockerfile sets no USER");
    else {
        const [u = "", g] = f.user.split(":");
        const uid = /^\d+$/.test(u) ? Number(u) : facts.accounts?.[u as keyof typeof facts.accounts];
        if (uid !== facts.user.uid || (g !== undefined && Number(g) !== facts.user.gid))
            problems.push(`USER ${f.user}, facts say ${facts.user.uid}:${facts.user.gid}`);
    }
    return problems;
}

describe("container filesystem facts match the Dockerfiles we build", () => {
    for (const [key, facts] of BUILT) {
        it(`${key} (${facts.dockerfile.path}): owners, modes, VOLUMEs and USER`, () => {
            assert.deepEqual(drift(facts, analyze(facts)), []);
        });
    }

    it("a Dockerfile drifting from its facts is caught: a VOLUME dropped, a mode widened, a user changed", () => {
        const grafana = IMAGE_FACTS.grafana as Built;
        const text = readFileSync(grafana.dockerfile.path, "utf8");
        const noVolume = drift(grafana, analyze(grafana, text.replace(/^VOLUME .*$/m, 'VOLUME ["/tmp"]')));
        assert.deepEqual(noVolume, ["/var/lib/grafana: facts say VOLUME, the Dockerfile does not declare one"]);
        const wider = drift(grafana, analyze(grafana, text.replace("chmod 0770 /var/lib/grafana", "chmod 0777 /var/lib/grafana")));
        assert.deepEqual(wider, ["/var/lib/grafana: facts say 472:0 770, the Dockerfile makes 472:0 777"]);
        const user = drift(grafana, analyze(grafana, text.replace(/^USER 472$/m, "USER 1000")));
        assert.deepEqual(user, ["USER 1000, facts say 472:0"]);
    });

    it("the interpreter refuses what it cannot judge instead of guessing", () => {
        assert.throws(() => analyzeDockerfile("FROM x\nRUN chmod u+w /data\n"), /mode "u\+w" is not octal/);
        assert.throws(() => analyzeDockerfile("FROM x AS a\nRUN mkdir -p /l/d\nFROM y\nCOPY --from=a /l/ /opt/\n"), /without --chown/);
        assert.throws(() => analyzeDockerfile("FROM x\nRUN chown app /data\n"), /unknown user "app"/);
        const unknown = analyzeDockerfile("FROM x\nRUN chmod 0755 /data && some-tool --fix /data\nVOLUME /data\n").final.dirs.get("/data");
        assert.deepEqual(unknown, { mode: 0o755 }, "the owner stays unknown, so a fact about it fails");
    });

    describe("the images built from them are the pinned ones", () => {
        it("the CloudWatch agent image derives from the pinned agent, as the agent's own non-root user", () => {
            const a = analyze(IMAGE_FACTS["cloudwatch-agent"] as Built);
            assert.equal(a.final.base, IMAGES.cloudwatchAgent);
            assert.equal(a.final.user, `${AGENT_UID}:${AGENT_UID}`);
            assert.deepEqual([...a.final.volumes].sort(), Object.values(AGENT_PATHS).sort(), "every directory the sidecars mount is a VOLUME");
            assert.equal((IMAGE_FACTS["cloudwatch-agent"] as Built).dockerfile.path, `${AGENT_IMAGE_CONTEXT}/Dockerfile`);
        });

        it("the Grafana image derives from the pinned Grafana", () => {
            assert.equal(analyze(IMAGE_FACTS.grafana as Built).final.base, IMAGES.grafana);
        });

        it("the PostgreSQL image is built per configured major version from the pinned upstream image", async () => {
            const pg = IMAGE_FACTS.postgres as Built;
            assert.equal(pg.dockerfile.path, `${POSTGRES_IMAGE_CONTEXT}/Dockerfile`);
            for (const ref of Object.values(POSTGRES_IMAGES)) {
                assert.equal(analyzeDockerfile(readFileSync(pg.dockerfile.path, "utf8"), { buildArgs: { POSTGRES_IMAGE: ref } }).final.base, ref);
            }
            for (const version of ["15", "16"] as const) {
                const g =
                    version === "15" ? await stackGraph("dev") : await graphWith("dev", { overrides: { "koronet:dataStores": { postgres: { version } } } });
                const image = g.one("docker:index/image:Image", "data-postgres-image-image");
                const build = image.inputs.build as { context: string; args?: Record<string, string> };
                assert.equal(build.context, POSTGRES_IMAGE_CONTEXT);
                assert.deepEqual(build.args, { POSTGRES_IMAGE: POSTGRES_IMAGES[version] }, `version ${version}`);
            }
        });

        it("the web image makes the Node report directory the web container writes, owned by node", () => {
            const web = IMAGE_FACTS.web as Built;
            assert.ok(CONTAINER_FILESYSTEMS.web!.writes.some((w) => w.path === NODE_REPORT_DIR));
            assert.deepEqual(analyze(web).final.dirs.get(NODE_REPORT_DIR), { uid: 1000, gid: 1000, mode: 0o755 });
        });
    });
});
