/**
 * What the README promises and code can check: CI runs the README's test command, and every row of
 * the fault table is backed by at least one test tagged with its id (`[F3]` in a test title, or
 * `faultRow: "F3"` on an end-to-end scenario), in the unit suites, app/ or e2e/.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");

function filesUnder(dir: string, keep: (f: string) => boolean): string[] {
    const out: string[] = [];
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) {
            if (e.name !== "node_modules" && e.name !== "fixtures") out.push(...filesUnder(rel, keep));
        } else if (keep(rel)) out.push(rel);
    }
    return out;
}

/** Fault-table rows: `| F3 | ... |` lines under the "Fault behaviour" heading. */
function faultRows(readme: string): Map<string, string> {
    const start = readme.search(/^## Fault behaviour/m);
    assert.ok(start >= 0, 'README has a "## Fault behaviour" section');
    const rest = readme.slice(start);
    const end = rest.slice(3).search(/^## /m);
    const section = end < 0 ? rest : rest.slice(0, end + 3);
    return new Map([...section.matchAll(/^\| (F\d+) \| ([^|]+)\|/gm)].map((m) => [m[1] as string, (m[2] as string).trim()]));
}

/** Row ids tagged in test sources, with where. */
function taggedRows(): Map<string, string[]> {
    const sources = [
        ...filesUnder("test", (f) => f.endsWith(".test.ts")),
        ...filesUnder("app/test", (f) => f.endsWith(".test.ts")),
        ...filesUnder("e2e", (f) => f.endsWith(".ts")),
    ];
    const tags = new Map<string, string[]>();
    const add = (id: string, where: string) => tags.set(id, [...(tags.get(id) ?? []), where]);
    for (const f of sources) {
        const text = read(f);
        for (const m of text.matchAll(/it\(\s*[`"']\[(F\d+(?:\/F\d+)*)\]/g)) for (const id of (m[1] as string).split("/")) add(id, f);
        for (const m of text.matchAll(/faultRow: "(F\d+)"/g)) add(m[1] as string, f);
    }
    return tags;
}

describe("README", () => {
    const readme = read("README.md");

    it("gives the test command on its first screen, and CI runs exactly that", () => {
        const firstScreen = readme.split("\n").slice(0, 60).join("\n");
        assert.match(firstScreen, /```sh\nnpm test\n```/);
        assert.match(firstScreen, /pulumi up --stack dev/);
        assert.match(firstScreen, /npm run plan -- --stack dev/);
        assert.match(read(".ci/run"), /^npm test$/m);
        assert.equal(JSON.parse(read("package.json")).scripts.test, "bash scripts/test.sh");
    });

    it("backs every fault-table row with a tagged test, and tags only rows that exist", () => {
        const rows = faultRows(readme);
        assert.ok(rows.size >= 8, `only ${rows.size} fault rows`);
        const tags = taggedRows();
        const unbacked = [...rows.keys()].filter((id) => !tags.has(id));
        assert.deepEqual(unbacked, [], `rows without a test: ${unbacked.map((id) => `${id} (${rows.get(id)})`).join(", ")}`);
        const unknown = [...tags.keys()].filter((id) => !rows.has(id));
        assert.deepEqual(unknown, [], `tests tagged with rows the README lacks: ${unknown.map((id) => `${id} in ${tags.get(id)?.join(", ")}`).join("; ")}`);
    });
});
