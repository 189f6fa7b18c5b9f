/**
 * What operators need from every stack's outputs (issue 6): where the app and Grafana are, where
 * Prometheus answers inside the VPC, which SNS topics alarms go to, where the dashboards are and
 * which log groups to read. Checked against the graph, so a new topic, dashboard or log group that
 * is not exported fails here.
 */
import { strict as assert } from "node:assert";
import { stackGraph, type Graph } from "../harness";

/** Every string inside an output value (outputs may be strings or maps of strings). */
function strings(v: unknown): string[] {
    if (typeof v === "string") return [v];
    if (Array.isArray(v)) return v.flatMap(strings);
    if (v && typeof v === "object") return Object.values(v).flatMap(strings);
    return [];
}

function physicalName(r: { name: string; inputs: Record<string, unknown> }): string {
    return typeof r.inputs.name === "string" ? r.inputs.name : r.name;
}

/** The outputs whose key matches `pattern`, as one list of strings. */
function outputsMatching(outputs: Record<string, unknown>, pattern: RegExp): string[] {
    return Object.entries(outputs)
        .filter(([k]) => pattern.test(k))
        .flatMap(([, v]) => strings(v));
}

const REQUIRED = ["appUrl", "grafanaUrl", "prometheusAddress", "alertTopicArns", "cloudwatchDashboardUrl"] as const;

for (const stack of ["dev", "prod"]) {
    describe(`stack outputs: ${stack}`, function () {
        this.timeout(60_000);
        let g: Graph;
        before(async () => {
            g = await stackGraph(stack);
        });

        it("exports everything operators need", () => {
            const missing = REQUIRED.filter((k) => g.outputs[k] === undefined);
            assert.deepEqual(missing, [], `missing outputs: ${missing.join(", ")} (have: ${Object.keys(g.outputs).sort().join(", ")})`);
        });

        it("appUrl is the load balancer's URL", () => {
            const alb = g.one("aws:lb/loadBalancer:LoadBalancer", "web-alb");
            assert.ok(alb);
            assert.match(String(g.outputs.appUrl), /^https?:\/\/web-alb-[^/]+\.elb\.amazonaws\.com\/?$/);
        });

        it("grafanaUrl is the root of Grafana's own load balancer", () => {
            assert.match(String(g.outputs.grafanaUrl), /^https?:\/\/monitoring-grafana-alb-[^/]+\.elb\.amazonaws\.com\/?$/);
        });

        it("prometheusAddress is Prometheus's internal (Cloud Map) address on 9090", () => {
            assert.match(String(g.outputs.prometheusAddress), new RegExp(`^(http://)?[a-z0-9-]+\\.${stack}\\.koronet\\.internal:9090/?$`));
        });

        it("alertTopicArns names every SNS topic, critical and warning included", () => {
            const arns = g.outputs.alertTopicArns as Record<string, string> | undefined;
            assert.ok(arns && typeof arns === "object");
            for (const severity of ["critical", "warning"]) assert.match(String(arns[severity]), /^arn:aws:sns:/, severity);
            const exported = strings(arns);
            for (const t of g.ofType("aws:sns/topic:Topic"))
                assert.ok(
                    exported.some((a) => a.endsWith(`:${physicalName(t)}`)),
                    `topic ${t.name} exported`,
                );
        });

        it("dashboard outputs link every CloudWatch dashboard", () => {
            const urls = outputsMatching(g.outputs, /dashboard/i);
            assert.ok(urls.length > 0);
            for (const u of urls) assert.match(u, /^https:\/\/.*console\.aws\.amazon\.com\/cloudwatch\/.*dashboards/);
            for (const d of g.ofType("aws:cloudwatch/dashboard:Dashboard")) {
                const name = String(d.inputs.dashboardName ?? d.name);
                assert.ok(
                    urls.some((u) => u.includes(name)),
                    `dashboard ${name} linked`,
                );
            }
        });

        it("log group outputs name every CloudWatch log group", () => {
            const exported = outputsMatching(g.outputs, /logGroup/i);
            const missing = g
                .ofType("aws:cloudwatch/logGroup:LogGroup")
                .map(physicalName)
                .filter((n) => !exported.includes(n));
            assert.deepEqual(missing, [], `log groups not in any *logGroup* output: ${missing.join(", ")}`);
        });
    });
}
