import { strict as assert } from "node:assert";
import { SCRAPE_JOBS, validatePrometheusConfigInput, type PrometheusConfigInput } from "../../components/monitoring/prometheus/config";

const cloudMap = { kind: "cloudMap", namespace: "dev.koronet.internal" } as const;

describe("prometheus.yml input: every bad field rejected before rendering, naming the field", () => {
    it("accepts the stacks' shape: Cloud Map targets, one replica of a pair", () => {
        assert.doesNotThrow(() => validatePrometheusConfigInput({ targets: cloudMap, replica: { value: "task-1", haCluster: "koronet-dev" } }));
    });

    const cases: readonly (readonly [string, PrometheusConfigInput, string])[] = [
        [
            "a replica value that is no label value",
            { targets: cloudMap, replica: { value: "task 1", haCluster: "koronet-dev" } },
            'prometheus config: `replica.value` and `replica.haCluster` must be label values of letters, digits, _ . -, got {"value":"task 1","haCluster":"koronet-dev"}',
        ],
        [
            "the replica label set twice",
            { targets: cloudMap, replica: { value: "a", haCluster: "c" }, externalLabels: { replica: "b" } },
            "prometheus config: `externalLabels.replica` is set by `replica`; set one of them",
        ],
        [
            "a namespace that is no DNS name",
            { targets: { kind: "cloudMap", namespace: "koronet" } },
            'prometheus config: `targets.namespace` must be a DNS name such as dev.koronet.internal, got "koronet"',
        ],
        [
            "a fractional scrape interval",
            { targets: cloudMap, scrapeIntervalSeconds: 7.5 },
            "prometheus config: `scrapeIntervalSeconds` must be a whole number of seconds ≥ 1, got 7.5",
        ],
        [
            "a zero evaluation interval",
            { targets: cloudMap, evaluationIntervalSeconds: 0 },
            "prometheus config: `evaluationIntervalSeconds` must be a whole number of seconds ≥ 1, got 0",
        ],
        [
            "a static target for no job",
            { targets: { kind: "static", addresses: { nope: ["127.0.0.1:1"] } as never } },
            `prometheus config: \`targets.addresses.nope\` is not a job; jobs: ${SCRAPE_JOBS.join(", ")}`,
        ],
        [
            "a static target without a port",
            { targets: { kind: "static", addresses: { [SCRAPE_JOBS[0]]: ["127.0.0.1"] } } },
            `prometheus config: \`targets.addresses.${SCRAPE_JOBS[0]}\` entry "127.0.0.1" must be host:port`,
        ],
    ];
    for (const [what, input, message] of cases) it(`rejects ${what}`, () => assert.throws(() => validatePrometheusConfigInput(input), { message }));
});
