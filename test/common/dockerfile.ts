/**
 * What our Dockerfiles make of the directories that matter: a small interpreter over the
 * instructions (parsed by dockerfile-ast, RUN lines tokenised by shell-quote) that follows the
 * commands our Dockerfiles use to set owners and modes — `mkdir`, `chown`, `chmod`, `install -d`,
 * `COPY --from=<stage> --chown` — plus `USER`, `VOLUME`, `ARG` and stages. Anything it does not
 * understand leaves a directory's owner or mode unknown, and the facts test then fails saying so:
 * it never guesses.
 */
import { DockerfileParser } from "dockerfile-ast";
import { parse as parseShell } from "shell-quote";

export interface DirectoryState {
    uid?: number;
    gid?: number;
    mode?: number;
}

export interface Stage {
    readonly name?: string;
    /** The FROM reference, with ARGs substituted. */
    readonly base: string;
    /** Directories this Dockerfile set something on, by absolute path. */
    readonly dirs: Map<string, DirectoryState>;
    /** The last USER, verbatim (`undefined`: the base image's). */
    user?: string;
    /** VOLUMEs this stage declares (not the base image's). */
    readonly volumes: string[];
}

export interface DockerfileAnalysis {
    readonly stages: Stage[];
    readonly final: Stage;
    /** Global ARG defaults (before the first FROM), after build args. */
    readonly args: Readonly<Record<string, string>>;
}

export interface AnalyzeOptions {
    readonly buildArgs?: Readonly<Record<string, string>>;
    /** Account names used in USER/chown/install, to numeric ids. */
    readonly accounts?: Readonly<Record<string, number>>;
}

const clean = (p: string) => (p.length > 1 ? p.replace(/\/+$/, "") : p);
const under = (path: string, root: string) => path === root || path.startsWith(root === "/" ? "/" : `${root}/`);

export function analyzeDockerfile(text: string, opts: AnalyzeOptions = {}): DockerfileAnalysis {
    const accounts: Record<string, number> = { root: 0, ...opts.accounts };
    const id = (s: string, what: string): number => {
        if (/^\d+$/.test(s)) return Number(s);
        const n = accounts[s];
        if (n === undefined) throw new Error(`unknown ${what} "${s}" (give it in the image's accounts)`);
        return n;
    };
    const owner = (spec: string): { uid: number; gid: number } => {
        const [u = "", g] = spec.split(":");
        const uid = id(u, "user");
        return { uid, gid: g === undefined || g === "" ? uid : id(g, "group") };
    };
    const octal = (s: string): number => {
        if (!/^[0-7]{3,4}$/.test(s)) throw new Error(`mode "${s}" is not octal: write modes as numbers so they can be checked`);
        return parseInt(s, 8);
    };

    const args: Record<string, string> = {};
    const expand = (s: string, scope: Record<string, string>) =>
        s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => scope[(a ?? b) as string] ?? "");
    const stages: Stage[] = [];
    let stage: Stage | undefined;

    const set = (path: string, change: DirectoryState, recursive = false) => {
        if (!stage) throw new Error("instruction before FROM");
        const p = clean(path);
        const targets = recursive ? [...stage.dirs.keys()].filter((k) => under(k, p)) : [];
        if (!targets.includes(p)) targets.push(p);
        for (const t of targets) stage.dirs.set(t, { ...stage.dirs.get(t), ...change });
    };
    const currentUser = () => (stage?.user === undefined ? { uid: 0, gid: 0 } : owner(stage.user));

    for (const ins of DockerfileParser.parse(text).getInstructions()) {
        const keyword = ins.getKeyword();
        const content = ins.getArgumentsContent() ?? "";
        if (keyword === "ARG" && !stage) {
            const [name = "", ...rest] = content.split("=");
            args[name] = opts.buildArgs?.[name] ?? rest.join("=");
            continue;
        }
        if (keyword === "FROM") {
            const [ref = "", as, name] = expand(content, args).split(/\s+/);
            const parent = stages.find((s) => s.name === ref);
            stage = {
                name: as?.toUpperCase() === "AS" ? name : undefined,
                base: parent ? parent.base : ref,
                dirs: new Map(parent ? [...parent.dirs].map(([k, v]) => [k, { ...v }]) : []),
                user: parent?.user,
                volumes: [],
            };
            stages.push(stage);
            continue;
        }
        if (!stage) continue;
        switch (keyword) {
            case "USER":
                stage.user = content.trim();
                break;
            case "VOLUME": {
                const list = content.trim().startsWith("[") ? (JSON.parse(content) as string[]) : content.trim().split(/\s+/);
                stage.volumes.push(...list.map(clean));
                break;
            }
            case "RUN":
                for (const argv of commands(content)) run(argv);
                break;
            case "COPY": {
                const flags = Object.fromEntries(
                    (ins as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] })
                        .getFlags()
                        .map((f) => [f.getName(), f.getValue() ?? ""]),
                );
                const parts = content.split(/\s+/).filter((p) => p !== "" && !p.startsWith("--"));
                const dest = parts.pop() ?? "";
                const from = stages.find((s) => s.name === flags.from);
                for (const src of parts) {
                    // Only directories the source stage tracks are followed; the top of the copy is
                    // not (an existing destination keeps its owner and mode).
                    const root = clean(src);
                    const copied = from ? [...from.dirs].filter(([p]) => p !== root && under(p, root)) : [];
                    if (copied.length > 0 && flags.chown === undefined)
                        throw new Error(`COPY --from=${flags.from} ${src} without --chown: the owner of its directories would depend on the builder`);
                    const chown = flags.chown !== undefined ? owner(flags.chown) : undefined;
                    for (const [p, state] of copied) {
                        const target = clean(`${clean(dest)}/${p.slice(root.length + 1)}`.replace(/^\/\//, "/"));
                        stage.dirs.set(target, { ...state, ...chown });
                    }
                }
                break;
            }
            default:
                break;
        }
    }
    if (!stage) throw new Error("no FROM in the Dockerfile");
    return { stages, final: stage, args };

    function run(argv: string[]): void {
        const [cmd, ...rest] = argv;
        const flagsAndPaths = (known: Record<string, boolean>) => {
            const flags: Record<string, string | true> = {};
            const paths: string[] = [];
            for (let i = 0; i < rest.length; i++) {
                const a = rest[i] as string;
                if (a.startsWith("-")) {
                    const [k, v] = a.split("=");
                    const key = k as string;
                    if (!(key in known)) throw new Error(`${cmd}: option ${key} is not understood`);
                    flags[key] = known[key] ? (v ?? (rest[++i] as string)) : true;
                } else paths.push(a);
            }
            return { flags, paths };
        };
        switch (cmd) {
            case "mkdir": {
                const { flags, paths } = flagsAndPaths({ "-p": false, "-m": true, "--mode": true, "--parents": false });
                const m = flags["-m"] ?? flags["--mode"];
                for (const p of paths) if (!stage!.dirs.has(clean(p))) set(p, { ...currentUser(), mode: typeof m === "string" ? octal(m) : 0o755 });
                break;
            }
            case "chown": {
                const { flags, paths } = flagsAndPaths({ "-R": false, "--recursive": false });
                const [spec, ...targets] = paths;
                for (const p of targets) set(p, owner(spec as string), flags["-R"] === true || flags["--recursive"] === true);
                break;
            }
            case "chmod": {
                const { flags, paths } = flagsAndPaths({ "-R": false, "--recursive": false });
                const [mode, ...targets] = paths;
                for (const p of targets) set(p, { mode: octal(mode as string) }, flags["-R"] === true || flags["--recursive"] === true);
                break;
            }
            case "install": {
                const { flags, paths } = flagsAndPaths({
                    "-d": false,
                    "--directory": false,
                    "-o": true,
                    "--owner": true,
                    "-g": true,
                    "--group": true,
                    "-m": true,
                    "--mode": true,
                    "-v": false,
                    "--verbose": false,
                });
                if (flags["-d"] !== true && flags["--directory"] !== true) break;
                const user = currentUser();
                const o = flags["-o"] ?? flags["--owner"];
                const g = flags["-g"] ?? flags["--group"];
                const m = flags["-m"] ?? flags["--mode"];
                for (const p of paths) {
                    set(p, {
                        uid: typeof o === "string" ? id(o, "user") : user.uid,
                        gid: typeof g === "string" ? id(g, "group") : user.gid,
                        mode: typeof m === "string" ? octal(m) : 0o755,
                    });
                }
                break;
            }
            default:
                break;
        }
    }
}

/** The simple commands of a RUN line: argv lists split at `&&`, `||`, `;` and `|`, each cut at a redirect. */
function commands(line: string): string[][] {
    const out: string[][] = [];
    let current: string[] = [];
    let redirected = false;
    for (const token of parseShell(line)) {
        if (typeof token === "object" && "op" in token) {
            if (["&&", "||", ";", "|"].includes(token.op)) {
                if (current.length) out.push(current);
                current = [];
                redirected = false;
            } else redirected = true;
            continue;
        }
        if (!redirected && typeof token === "string") current.push(token);
    }
    if (current.length) out.push(current);
    return out;
}
