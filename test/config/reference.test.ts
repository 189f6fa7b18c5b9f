/**
 * docs/configuration.md is generated from the schema and cannot go stale: it must equal what
 * `npm run docs:config` writes, and name every key the schema accepts.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { CONCERNS, PROJECT, stackConfigSchema } from "../../config";
import { ALERT_IDS } from "../../components/alerting/catalog";
import { REFERENCE_FILE, renderConfigReference } from "../../scripts/config-docs";

type Json = Record<string, unknown>;

function leafKeys(s: Json, p: string[], out: string[]): void {
    if (p[p.length - 1] === "alerts") return void out.push(p.join("."));
    if (Array.isArray(s.oneOf)) return void out.push(p.join("."));
    if (s.type === "object" && s.properties) {
        for (const [k, child] of Object.entries(s.properties as Record<string, Json>)) leafKeys(child, [...p, k], out);
        return;
    }
    out.push(p.join("."));
}

describe("configuration reference (docs/configuration.md)", () => {
    const committed = readFileSync(REFERENCE_FILE, "utf8");

    it("is what `npm run docs:config` generates from the schema (run it when this fails)", () => {
        assert.equal(committed, renderConfigReference());
    });

    it("documents every key with its type, defaults per environment and the command that sets it", () => {
        const schema = z.toJSONSchema(stackConfigSchema, { unrepresentable: "any" }) as Json;
        const keys: string[] = [];
        for (const c of CONCERNS) leafKeys((schema.properties as Record<string, Json>)[c] as Json, [c], keys);
        assert.ok(keys.length > 40, `${keys.length} keys`);
        for (const k of keys) {
            const section = committed.split(`### \`${PROJECT}:${k}\``)[1]?.split("\n### ")[0];
            assert.ok(section, `${k} has a section`);
            if (k.endsWith("alerts")) continue;
            assert.match(section, /- default: dev .* · prod /, `${k}: defaults`);
            assert.match(section, /- set: `pulumi config set --path /, `${k}: command`);
        }
        for (const id of ALERT_IDS) assert.match(committed, new RegExp(`\\| ${id} \\|`), id);
    });
});
