import * as assert from "node:assert/strict";

import { HEALTH_STATUS, MAX_RESULTS, isDnsName, labelName, parseRequest, targetGroups } from "../src/discover";
import { loadConfig } from "../src/main";

const task = (id: string, ip: string, extra: Record<string, string> = {}) => ({
    InstanceId: id,
    NamespaceName: "prod.koronet.internal",
    ServiceName: "koronet",
    HealthStatus: "HEALTHY",
    Attributes: { AWS_INSTANCE_IPV4: ip, ECS_SERVICE_NAME: "web-svc", AVAILABILITY_ZONE: "eu-west-1b", ...extra },
});

describe("target groups from Cloud Map instances", () => {
    it("one group per instance, at the URL's port, labelled with the instance (task) ID and every attribute, sorted by ID", () => {
        const { groups, skipped } = targetGroups([task("b2", "10.0.1.2"), task("a1", "10.0.1.1")], { port: 9464 });
        assert.deepEqual(skipped, []);
        assert.deepEqual(
            groups.map((g) => g.targets),
            [["10.0.1.1:9464"], ["10.0.1.2:9464"]],
        );
        assert.deepEqual(groups[0]!.labels, {
            __meta_cloudmap_namespace: "prod.koronet.internal",
            __meta_cloudmap_service: "koronet",
            __meta_cloudmap_instance_id: "a1",
            __meta_cloudmap_health_status: "HEALTHY",
            __meta_cloudmap_attribute_aws_instance_ipv4: "10.0.1.1",
            __meta_cloudmap_attribute_ecs_service_name: "web-svc",
            __meta_cloudmap_attribute_availability_zone: "eu-west-1b",
        });
    });

    it("takes an SRV registration's AWS_INSTANCE_PORT when the URL names no port (host-network daemons)", () => {
        const { groups } = targetGroups([task("t1", "10.0.2.9", { AWS_INSTANCE_PORT: "9100" })]);
        assert.deepEqual(
            groups.map((g) => g.targets),
            [["10.0.2.9:9100"]],
        );
    });

    it("skips, and says why, an instance without an address or a port", () => {
        const { groups, skipped } = targetGroups([{ InstanceId: "x", Attributes: {} }, task("y", "10.0.0.9")]);
        assert.equal(groups.length, 0);
        assert.deepEqual(
            skipped.map((s) => s.instanceId),
            ["x", "y"],
        );
        assert.match(skipped[0]!.reason, /no AWS_INSTANCE_IPV4/);
        assert.match(skipped[1]!.reason, /no port/);
    });

    it("brackets an IPv6-only address", () => {
        assert.deepEqual(targetGroups([{ InstanceId: "v6", Attributes: { AWS_INSTANCE_IPV6: "2001:db8::1" } }], { port: 9464 }).groups[0]!.targets, [
            "[2001:db8::1]:9464",
        ]);
    });

    it("fails open like a multivalue DNS answer, and asks for the API's maximum", () => {
        assert.equal(HEALTH_STATUS, "HEALTHY_OR_ELSE_ALL");
        assert.equal(MAX_RESULTS, 1000);
    });

    it("makes label names Prometheus accepts", () => {
        assert.equal(labelName("AWS_INSTANCE_IPV4"), "aws_instance_ipv4");
        assert.equal(labelName("my.attr-1"), "my_attr_1");
    });
});

describe("requests", () => {
    it("reads namespace, service and port from /v1/cloudmap/<namespace>/<service>?port=", () => {
        assert.deepEqual(parseRequest("/v1/cloudmap/prod.koronet.internal/koronet?port=9464"), {
            kind: "targets",
            namespace: "prod.koronet.internal",
            service: "koronet",
            port: 9464,
        });
        assert.deepEqual(parseRequest("/v1/cloudmap/dev.koronet.internal/node-exporter"), {
            kind: "targets",
            namespace: "dev.koronet.internal",
            service: "node-exporter",
        });
        assert.deepEqual(parseRequest("/healthz"), { kind: "healthz" });
    });

    it("refuses other paths, bad names and bad ports with the reason", () => {
        assert.deepEqual(parseRequest("/v1/cloudmap/prod.koronet.internal"), {
            kind: "error",
            status: 404,
            message: "no such path: /v1/cloudmap/prod.koronet.internal (targets are at /v1/cloudmap/<namespace>/<service>?port=<port>)",
        });
        assert.match(JSON.stringify(parseRequest("/v1/cloudmap/Prod_Ns/koronet")), /namespace \\"Prod_Ns\\" is not a DNS name/);
        assert.match(JSON.stringify(parseRequest("/v1/cloudmap/prod.koronet.internal/a.b")), /service \\"a.b\\" is not a DNS label/);
        for (const p of ["0", "65536", "x", "-1"])
            assert.equal((parseRequest(`/v1/cloudmap/prod.koronet.internal/koronet?port=${p}`) as { status?: number }).status, 400, p);
        assert.ok(isDnsName("prod.koronet.internal") && !isDnsName("prod..internal"));
    });
});

describe("configuration", () => {
    const env = { CLOUDMAP_NAMESPACE: "prod.koronet.internal", AWS_REGION: "eu-west-1" };
    it("defaults to 127.0.0.1:9099 and notices an endpoint override", () => {
        assert.deepEqual(loadConfig(env), { namespace: "prod.koronet.internal", region: "eu-west-1", host: "127.0.0.1", port: 9099, endpointOverride: false });
        assert.equal(loadConfig({ ...env, AWS_ENDPOINT_URL_SERVICEDISCOVERY: "http://127.0.0.1:1" }).endpointOverride, true);
    });
    it("names the variable that is wrong", () => {
        assert.throws(() => loadConfig({ AWS_REGION: "eu-west-1" }), /`CLOUDMAP_NAMESPACE` must be a Cloud Map namespace name/);
        assert.throws(() => loadConfig({ ...env, AWS_REGION: "" }), /`AWS_REGION` must be an AWS region/);
        assert.throws(() => loadConfig({ ...env, LISTEN_PORT: "99999" }), /`LISTEN_PORT` must be a TCP port 0\.\.65535, got "99999"/);
    });
});
