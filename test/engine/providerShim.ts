/**
 * The thin serialized providers (connectors/providerRef.ts) under the real Pulumi engine, against
 * real Kafka, Connect and HDFS from the services harness and the ksqlDB fake: one resource of each
 * dynamic type, first created by the full serialized providers (what stacks created before hold),
 * then managed by the shims.
 *
 * The stack's work directory is a copy of the project's `connectors/` (with node_modules linked),
 * so the dynamic-provider host, which Pulumi starts there, finds the implementations in it and the
 * test can change them. The "old" program is the same copy with a providerRef.ts that returns the
 * implementation itself, which is what the constructors passed to Pulumi before the shims.
 *
 * Sequence: up with the full providers; an implementation-only change under them (what the engine
 * shows); preview and up with the shims over that state (no change); refresh; one update in place;
 * an implementation-only change under the shims (no change, `__provider` identical); destroy
 * (every service holds nothing of the stack). Prints `__provider` bytes per resource and each
 * step's wall time.
 *
 *   SERVICES=kafka,connect,hdfs node --import tsx scripts/services/run.ts -- \
 *       node --import tsx --test --test-reporter=spec test/engine/providerShim.ts
 */
import { type EngineEvent, type Stack } from "@pulumi/pulumi/automation";
import { Kafka, logLevel } from "kafkajs";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { serviceEnv } from "../../scripts/services/control";
import { pulumiCliVersion } from "../../scripts/engine/tools";
import { FakeKsqlDb } from "../fakes/ksqldb";
import { changed, timed } from "./steps";
import { cliEnv, engineStack } from "../../scripts/engine/stack";
import { FULL_PROVIDER_REF, destroyLeftover, printTimings, projectCopy } from "./workspace";

const project = "provider-shim";
const stackName = "local";
const topic = "shim-topic";
const directory = "/shim-dir";
const stream = "SHIM_STREAM";
const connector = "shim-sink";
/** Bytes of provider code allowed per dynamic resource in state: inputs and outputs copies. */
const STATE_BUDGET = 4096;

/** What the engine keeps of one resource in a checkpoint. */
interface StateResource {
    readonly urn: string;
    readonly type: string;
    readonly inputs?: Record<string, unknown>;
    readonly outputs?: Record<string, unknown>;
}

/** `__provider` bytes (JSON-escaped, as in the checkpoint) in a resource's inputs and outputs. */
function providerBytes(r: StateResource): { inputs: number; outputs: number } {
    const bytes = (v: unknown) => (typeof v === "string" ? JSON.stringify(v).length : 0);
    return { inputs: bytes(r.inputs?.__provider), outputs: bytes(r.outputs?.__provider) };
}

async function http(method: string, url: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(url, { method });
    const text = await res.text();
    try {
        return { status: res.status, body: JSON.parse(text) as unknown };
    } catch {
        return { status: res.status, body: text };
    }
}

void describe(`engine: thin serialized providers (pulumi ${pulumiCliVersion}, local services)`, () => {
    const env = serviceEnv();
    let ksql: FakeKsqlDb;
    let stack: Stack;
    let work: string;
    /** Copy of the project the stack runs in (the host's cwd), and the "old" program's copy. */
    let thin: string;
    let full: string;
    let destroyed = false;
    let partitions = 1;
    const kafka = new Kafka({
        clientId: "engine-provider-shim-test",
        brokers: (env.kafka?.bootstrap ?? "").split(","),
        logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    const webhdfs = (path: string, op: string) =>
        `${env.hdfs!.webhdfsUrl}/webhdfs/v1${path}?op=${op}&user.name=${env.hdfs!.user}`;
    const state = async () =>
        ((await stack.exportStack()).deployment as { resources?: StateResource[] }).resources ?? [];
    const dynamic = async () =>
        (await state()).filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));

    /** Declares one resource of each dynamic type from the `connectors/` of `root`. */
    function program(root: string): () => Promise<Record<string, unknown>> {
        return async () => {
            // Fresh modules per operation, so a changed implementation is what gets serialized.
            for (const k of Object.keys(require.cache)) {
                if (k.startsWith(root)) delete require.cache[k];
            }
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const c = require(
                join(root, "connectors", "index.ts"),
            ) as typeof import("../../connectors");
            const t = new c.KafkaTopic(`topic-${topic}`, {
                bootstrapServers: env.kafka!.bootstrap,
                name: topic,
                partitions,
                replicationFactor: 1,
            });
            new c.HdfsDirectory(`dir-shim`, {
                webhdfsUrl: `${env.hdfs!.webhdfsUrl}/webhdfs/v1`,
                path: directory,
                user: env.hdfs!.user,
                permission: partitions > 1 ? "750" : "755",
            });
            new c.KsqlStream(`stream-shim`, {
                ksqlUrl: ksql.url,
                name: stream,
                topic: "INGESTION",
                valueFormat: "JSON",
                columns: [{ name: "payload", type: "STRING" }],
            });
            new c.KafkaConnector(
                `connector-${connector}`,
                {
                    connectUrl: env.connect!.url,
                    name: connector,
                    config: {
                        "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                        "tasks.max": "1",
                        topics: "shim-topic",
                        file: join(work, "sink.txt"),
                    },
                },
                { dependsOn: [t] },
            );
            return Promise.resolve({});
        };
    }

    /** Changes code (not behaviour) of every implementation module under `root`. */
    function changeImplementations(root: string, mark: string): void {
        for (const file of [
            "kafkaTopic/resource.ts",
            "hdfsDirectory/resource.ts",
            "ksql/provider.ts",
            "kafkaConnector/resource.ts",
        ]) {
            const path = join(root, "connectors", file);
            writeFileSync(
                path,
                `${readFileSync(path, "utf8")}\nexport const implementationMark${mark} = "${mark}";\n`,
            );
        }
    }

    before(async () => {
        assert.ok(
            env.kafka && env.connect && env.hdfs,
            "Kafka, Connect and HDFS must be running: run this file through " +
                "`SERVICES=kafka,connect,hdfs node --import tsx scripts/services/run.ts -- ...`",
        );
        await admin.connect();
        ksql = await FakeKsqlDb.start({ topics: ["INGESTION"] });
        work = mkdtempSync(join(tmpdir(), "ingest-engine-shim-"));
        mkdirSync(join(work, "state"));
        thin = join(work, "project");
        full = join(work, "full");
        for (const root of [thin, full]) projectCopy(root);
        writeFileSync(join(full, "connectors", "providerRef.ts"), FULL_PROVIDER_REF);
        stack = await engineStack({
            stackName,
            projectName: project,
            program: program(full),
            workDir: thin,
            env: cliEnv(join(work, "state"), false),
        });
    });

    after(async () => {
        await destroyLeftover(stack, destroyed);
        await admin.disconnect();
        await ksql?.close();
        if (work) rmSync(work, { recursive: true, force: true });
        printTimings("engine provider-shim timings", 34);
    });

    void it("up with the full serialized providers (the state stacks hold today)", async () => {
        const res = await timed("up (full providers)", () =>
            stack.up({ onOutput: () => undefined }),
        );
        assert.deepEqual(changed(res.summary.resourceChanges ?? {}), { create: 5 });
        for (const r of await dynamic()) {
            const b = providerBytes(r);
            console.log(
                `# full ${r.type}: __provider ${b.inputs} B in inputs, ${b.outputs} B in outputs`,
            );
            assert.ok(b.inputs > 8192, `${r.type} was created with a full provider`);
        }
    });

    void it("under the full providers, an implementation-only change previews as no change", async () => {
        changeImplementations(full, "Full");
        const events: EngineEvent[] = [];
        const res = await timed("preview impl change (full)", () =>
            stack.preview({ onEvent: (e) => void events.push(e) }),
        );
        // __provider is an input, but the host asks the new provider's diff, which compares
        // declared keys only: the step is `same`, and the state keeps the old text.
        assert.deepEqual(changed(res.changeSummary), {});
        const ops = events.flatMap((e) =>
            e.resourcePreEvent ? [e.resourcePreEvent.metadata.op] : [],
        );
        assert.ok(
            ops.every((op) => op === "same"),
            ops.join(","),
        );
    });

    void it("the shims take over that state: preview and up change nothing", async () => {
        stack.workspace.program = program(thin);
        const preview = await timed("preview (shims over full state)", () =>
            stack.preview({ expectNoChanges: true }),
        );
        assert.deepEqual(changed(preview.changeSummary), {});
        const up = await timed("up (shims over full state)", () =>
            stack.up({ onOutput: () => undefined }),
        );
        assert.deepEqual(changed(up.summary.resourceChanges ?? {}), {});
        for (const r of await dynamic()) {
            const b = providerBytes(r);
            console.log(
                `# migrated ${r.type}: __provider ${b.inputs} B in inputs, ${b.outputs} B in outputs`,
            );
            assert.ok(b.inputs <= STATE_BUDGET / 2, `${r.type}: ${b.inputs} B in inputs`);
        }
        const refresh = await timed("refresh (shims over full state)", () =>
            stack.refresh({ onOutput: () => undefined }),
        );
        assert.deepEqual(changed(refresh.summary.resourceChanges ?? {}), {});
    });

    void it("updates in place through the shims, which then hold the whole state", async () => {
        partitions = 2;
        const up = await timed("up two updates (shims)", () =>
            stack.up({ onOutput: () => undefined }),
        );
        assert.deepEqual(changed(up.summary.resourceChanges ?? {}), { update: 2 });
        const [t] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
        assert.equal(t.partitions.length, 2);
        const st = await http("GET", webhdfs(directory, "GETFILESTATUS"));
        assert.equal(
            (st.body as { FileStatus: { permission: string } }).FileStatus.permission,
            "750",
        );
        for (const r of await dynamic()) {
            if (!/KafkaTopic|HdfsDirectory/.test(r.type)) continue;
            const b = providerBytes(r);
            assert.ok(b.inputs + b.outputs <= STATE_BUDGET, `${r.type}: ${b.inputs + b.outputs} B`);
        }
    });

    void it("an implementation-only change under the shims changes nothing, not even __provider", async () => {
        const beforeChange = Object.fromEntries(
            (await dynamic()).map((r) => [r.urn, r.inputs?.__provider]),
        );
        changeImplementations(thin, "Thin");
        const preview = await timed("preview impl change (shims)", () =>
            stack.preview({ expectNoChanges: true }),
        );
        assert.deepEqual(changed(preview.changeSummary), {});
        const up = await timed("up impl change (shims)", () =>
            stack.up({ onOutput: () => undefined }),
        );
        assert.deepEqual(changed(up.summary.resourceChanges ?? {}), {});
        const afterChange = Object.fromEntries(
            (await dynamic()).map((r) => [r.urn, r.inputs?.__provider]),
        );
        assert.deepEqual(afterChange, beforeChange);
    });

    void it("destroy deletes everything, through the old outputs' code where no update replaced it", async () => {
        const res = await timed("destroy", () => stack.destroy({ onOutput: () => undefined }));
        destroyed = true;
        assert.deepEqual(changed(res.summary.resourceChanges ?? {}), { delete: 5 });
        assert.ok(!(await admin.listTopics()).includes(topic), "the topic is left");
        assert.equal((await http("GET", webhdfs(directory, "GETFILESTATUS"))).status, 404);
        const names = (await http("GET", `${env.connect!.url}/connectors`)).body as string[];
        assert.ok(!names.includes(connector), "the connector is left");
        const listed = (await ksql.execute("LIST STREAMS;"))[0].streams as { name: string }[];
        assert.deepEqual(
            listed.map((s) => s.name),
            [],
        );
    });
});
