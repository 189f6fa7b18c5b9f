/**
 * How a bad configuration reads under the real Pulumi CLI. The CLI runs the program through the
 * Node language runtime of @pulumi/pulumi (`cmd/run`), which reports an uncaught error to the
 * engine's `Log` RPC; the CLI prints those messages under the stack's diagnostics. There is no
 * Pulumi CLI here, so this test plays the engine and the resource monitor (two small gRPC servers
 * on 127.0.0.1 speaking Pulumi's own protocol definitions) and runs the unmodified runtime on the
 * real program: what the engine receives is what `pulumi up` shows.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { PROJECT_ROOT } from "../../scripts/offline/stack-file";

/* eslint-disable @typescript-eslint/no-require-imports */
const resourceGrpc = require("@pulumi/pulumi/proto/resource_grpc_pb");
const resourcePb = require("@pulumi/pulumi/proto/resource_pb");
const engineGrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
const enginePb = require("@pulumi/pulumi/proto/engine_pb");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

type Call = { request: any };
type Callback = (err: grpc.ServiceError | null, value?: unknown) => void;

interface EngineLog {
    readonly severity: number;
    readonly message: string;
}

/** Fake engine + resource monitor; collects every Log message the runtime sends. */
async function startFakeEngine(): Promise<{ address: string; logs: EngineLog[]; stop: () => void }> {
    const logs: EngineLog[] = [];
    const server = new grpc.Server();
    const stackUrn = "urn:pulumi:dev::koronet::pulumi:pulumi:Stack::koronet-dev";
    server.addService(engineGrpc.EngineService, {
        log: (call: Call, cb: Callback) => {
            logs.push({ severity: call.request.getSeverity(), message: call.request.getMessage() });
            cb(null, new Empty());
        },
        getRootResource: (_: Call, cb: Callback) => cb(null, new enginePb.GetRootResourceResponse().setUrn(stackUrn)),
        setRootResource: (_: Call, cb: Callback) => cb(null, new enginePb.SetRootResourceResponse()),
        startDebugging: (_: Call, cb: Callback) => cb(null, new Empty()),
        requirePulumiVersion: (_: Call, cb: Callback) => cb(null, new enginePb.RequirePulumiVersionResponse()),
    });
    const unimplemented = (_: Call, cb: Callback) =>
        cb({
            code: grpc.status.UNIMPLEMENTED,
            name: "UNIMPLEMENTED",
            message: "fake monitor",
            details: "",
            metadata: new grpc.Metadata(),
        } as grpc.ServiceError);
    server.addService(resourceGrpc.ResourceMonitorService, {
        getDeploymentInfo: unimplemented,
        supportsFeature: (_: Call, cb: Callback) => cb(null, new resourcePb.SupportsFeatureResponse().setHassupport(false)),
        invoke: unimplemented,
        call: unimplemented,
        readResource: unimplemented,
        registerResource: (call: Call, cb: Callback) => {
            const r = call.request;
            cb(
                null,
                new resourcePb.RegisterResourceResponse().setUrn(`urn:pulumi:dev::koronet::${r.getType()}::${r.getName()}`).setId("").setObject(new Struct()),
            );
        },
        registerResourceOutputs: (_: Call, cb: Callback) => cb(null, new Empty()),
        registerStackTransform: unimplemented,
        registerStackInvokeTransform: unimplemented,
        registerResourceHook: unimplemented,
        registerErrorHook: unimplemented,
        registerPackage: unimplemented,
        signalAndWaitForShutdown: (_: Call, cb: Callback) => cb(null, new Empty()),
    });
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    return { address: `127.0.0.1:${port}`, logs, stop: () => server.forceShutdown() };
}

/** Runs the real program under @pulumi/pulumi's Node runtime with `config`; returns the engine's logs and the exit code. */
async function runUnderPulumi(stack: string, config: Record<string, string>): Promise<{ logs: EngineLog[]; code: number | null; stderr: string }> {
    // `code` is null when the runtime was stopped after logging the error (as the CLI stops it).
    const engine = await startFakeEngine();
    const dir = mkdtempSync(path.join(tmpdir(), "koronet-runtime-"));
    // The CLI would register ts-node for a TypeScript project; this shim loads the program with tsx.
    const shim = path.join(dir, "program.js");
    writeFileSync(
        shim,
        `require(${JSON.stringify(require.resolve("tsx/cjs"))});\nmodule.exports = require(${JSON.stringify(path.join(PROJECT_ROOT, "index.ts"))});\n`,
    );
    try {
        const child = spawn(
            process.execPath,
            [
                require.resolve("@pulumi/pulumi/cmd/run"),
                `--monitor=${engine.address}`,
                `--engine=${engine.address}`,
                "--project=koronet",
                `--stack=${stack}`,
                `--pwd=${PROJECT_ROOT}`,
                `--root-directory=${PROJECT_ROOT}`,
                shim,
            ],
            {
                cwd: PROJECT_ROOT,
                env: { ...process.env, PULUMI_CONFIG: JSON.stringify(config), PULUMI_CONFIG_SECRET_KEYS: "[]" },
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
        // The CLI ends the language host once the program has failed; stop it as soon as the error is logged.
        const deadline = Date.now() + 170_000;
        let code: number | null | undefined;
        void exited.then((c) => (code = c));
        while (code === undefined && Date.now() < deadline && !engine.logs.some((l) => l.severity === enginePb.LogSeverity.ERROR))
            await new Promise((r) => setTimeout(r, 100));
        if (code === undefined) child.kill("SIGKILL");
        await exited;
        return { logs: engine.logs, code: code ?? null, stderr };
    } finally {
        engine.stop();
        rmSync(dir, { recursive: true, force: true });
    }
}

describe("a bad configuration under Pulumi's Node runtime (what `pulumi up` prints)", function () {
    this.timeout(240_000);

    it("is logged to the engine as one error: the problems, their fixes, no stack trace, nothing else", async () => {
        const { logs, stderr } = await runUnderPulumi("prod", {
            "aws:region": "eu-west-1",
            "koronet:service": JSON.stringify({ port: 80 }),
            "koronet:cluster": JSON.stringify({ ec2: { instanceType: "t3.humongous" } }),
        });
        const errors = logs.filter((l) => l.severity === enginePb.LogSeverity.ERROR);
        assert.equal(errors.length, 1, JSON.stringify(logs, null, 2));
        assert.equal(
            errors[0]?.message,
            [
                'Invalid configuration for stack "prod":',
                '  - koronet:cluster.ec2.instanceType: got "t3.humongous"; allowed EC2 instance types (x86_64, priced in cost/): t3.micro, t3.small, t3.medium, t3.large, t3.xlarge, t3.2xlarge, t3a.medium, t3a.large, m5.large, m6i.large, c5.large',
                "      fix: pulumi config set --path koronet:cluster.ec2.instanceType t3.large --stack prod",
                "  - koronet:service.port: got 80; allowed: whole numbers 1024..65535 (TCP port)",
                "      fix: pulumi config set --path koronet:service.port 3000 --stack prod",
            ].join("\n"),
        );
        assert.doesNotMatch(stderr, /\n\s+at /, "nothing printed around it either");
    });
});
