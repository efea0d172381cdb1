/**
 * The real program (index.ts) under the real Pulumi engine, against real local services: Kafka,
 * Kafka Connect and HDFS from the services harness, and the ksqlDB REST fake (no ksqlDB server
 * runs here). The stack is pipelines-only (`kubernetes.enabled: false`): the Kubernetes provider
 * plugin cannot be built here (see scripts/engine/tools.ts), so the program declares only the
 * Pipelines component — topics, HDFS directories, connectors and ksqlDB streams — whose dynamic
 * providers the engine hosts in `pulumi-resource-pulumi-nodejs`.
 *
 * Sequence: up; preview (no changes); refresh; preview (no changes); one connector config key
 * changed → preview shows exactly that update, then up; a connector deleted behind Pulumi's back →
 * refresh drops it, up restores it; the secret config never reaches state in plaintext; destroy →
 * Connect, ksqlDB, Kafka and HDFS hold nothing of the stack. Each step's wall time is printed.
 *
 *   SERVICES=kafka,connect,hdfs node --import tsx scripts/services/run.ts -- \
 *       node --import tsx --test --test-reporter=spec test/engine/program.ts
 */
import { type EngineEvent, type Stack } from "@pulumi/pulumi/automation";
import * as yaml from "js-yaml";
import { Kafka, logLevel } from "kafkajs";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
    existsSync,
    mkdirSync,
    mkdtempSync,
    readFileSync,
    readdirSync,
    rmSync,
    statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { serviceEnv } from "../../scripts/services/control";
import { pulumiCliVersion, repoRoot } from "../../scripts/engine/tools";
import { FakeKsqlDb } from "../fakes/ksqldb";
import { plaintextOccurrences } from "../helpers/mocks";
import { changed, timed, until } from "./steps";
import { cliEnv as engineEnv, engineStack } from "../../scripts/engine/stack";
import { destroyLeftover, printTimings, setSecretConfig } from "./workspace";

const project = "ingest-platform";
const stackName = "local";
// The seed pipelines' own (powerGrid, carsToHdfs) plus one of the stack's own additions.
const extraTopic = "engine-extra";
const extraDirectory = "/engine-extra";
const topics = ["INGESTION", "UNORGANIZED", "Cars", extraTopic];
const directories = ["/unorganized", "/grid-wattage", "/old-telemetry", "/Cars", extraDirectory];
const connectors = ["hdfs-sink-unorganized", "hdfs-sink-sensor-1", "hdfs-sink-sensor-2"];
const userConnector = "engine-sink";
const streams = ["STREAM_INGESTION", "SENSOR_ID_1", "SENSOR_ID_2"];

/** The fields of a checkpoint resource the assertions read. */
interface StateResource {
    readonly urn: string;
    readonly type: string;
    readonly custom?: boolean;
}

/** A dynamic resource of the checkpoint, with the inputs and outputs that hold `__provider`. */
interface DynamicResource extends StateResource {
    readonly inputs?: Record<string, unknown>;
    readonly outputs?: Record<string, unknown>;
}

/** `config set-all --json` entries for structured (object) values; never used for secrets. */
function objectConfig(values: Record<string, object>): string {
    const entries = Object.entries(values).map(([key, v]) => [
        `${project}:${key}`,
        { value: JSON.stringify(v), objectValue: v, secret: false },
    ]);
    return JSON.stringify(Object.fromEntries(entries));
}

/**
 * The real entry point as an inline program. index.ts declares its resources when it is loaded,
 * so each engine operation loads it afresh (its imports stay cached: they hold no state).
 */
function realProgram(): () => Promise<Record<string, unknown>> {
    const entry = require.resolve(join(repoRoot, "index.ts"));
    return () => {
        delete require.cache[entry];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return Promise.resolve({ ...(require(entry) as Record<string, unknown>) });
    };
}

/** Keys whose values differ between two objects (compared as JSON). */
function differingKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

async function http(method: string, url: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(url, { method });
    const text = await res.text();
    let body: unknown = text;
    try {
        body = JSON.parse(text);
    } catch {
        // not JSON: keep the text
    }
    return { status: res.status, body };
}

void describe(`engine: index.ts pipelines-only (pulumi ${pulumiCliVersion}, local services)`, () => {
    const env = serviceEnv();
    let ksql: FakeKsqlDb;
    let stack: Stack;
    let work: string;
    let destroyed = false;
    const secret = `engine-secret-${randomBytes(12).toString("hex")}`;
    const kafka = new Kafka({
        clientId: "engine-program-test",
        brokers: (env.kafka?.bootstrap ?? "").split(","),
        logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();

    const connectUrl = () => env.connect!.url;
    const webhdfs = (path: string, op: string) =>
        `${env.hdfs!.webhdfsUrl}/webhdfs/v1${path}?op=${op}&user.name=${env.hdfs!.user}`;
    const connectorNames = async () =>
        (await http("GET", `${connectUrl()}/connectors`)).body as string[];
    const listStreams = async () =>
        ((await ksql.execute("LIST STREAMS;"))[0].streams as { name: string }[]).map((s) => s.name);
    const stateResources = async () =>
        ((await stack.exportStack()).deployment as { resources?: StateResource[] }).resources ?? [];

    /** The stack's structured config, kept here so a later full write repeats earlier changes. */
    const stackSettings = (ksqlUrl: string) => ({
        kubernetes: { enabled: false },
        kafka: { externalBootstrapServers: env.kafka!.bootstrap, replicas: 1 },
        connect: { url: env.connect!.url },
        ksqldb: { url: ksqlUrl },
        hdfs: {
            webhdfsUrl: `${env.hdfs!.webhdfsUrl}/webhdfs/v1`,
            rpcUrl: env.hdfs!.url,
            // SETOWNER to the layout's owners (connect, sqoop, flume) needs the superuser.
            adminUser: env.hdfs!.user,
        },
        pipelines: {
            topics: [{ name: extraTopic, partitions: 3, config: {} }],
            directories: [{ path: extraDirectory, permission: "755", owner: "connect" }],
            powerGrid: { sensors: ["1", "2"] },
            // The local worker has no Confluent HDFS plugin: the HDFS sinks run as FileStreamSinks
            // (which ignore the HDFS keys), so every connector really starts on the worker.
            sinkConfig: {
                "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                file: join(work, "hdfs-sinks.txt"),
            },
            connectors: [
                {
                    name: userConnector,
                    config: {
                        "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                        "tasks.max": "1",
                        topics: "Cars",
                        file: join(work, "cars-1.txt"),
                        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
                    },
                },
            ],
        },
    });
    let settings: ReturnType<typeof stackSettings>;

    before(async () => {
        assert.ok(
            env.kafka && env.connect && env.hdfs,
            "Kafka, Connect and HDFS must be running: run this file through " +
                "`SERVICES=kafka,connect,hdfs node --import tsx scripts/services/run.ts -- ...`",
        );
        await admin.connect();
        // The fake does not see Kafka: it is told that the stack's source topic exists.
        ksql = await FakeKsqlDb.start({ topics: ["INGESTION"] });
        work = mkdtempSync(join(tmpdir(), "ingest-engine-program-"));
        // Neither the file:// backend nor LocalWorkspace creates its directory.
        mkdirSync(join(work, "state"));
        mkdirSync(join(work, "project"));
        // The dynamic-provider host resolves @pulumi/pulumi and kafkajs from its cwd.
        const cliEnv = engineEnv(join(work, "state"), true);
        // The repository's own project file: its config declarations (types, secret) apply.
        const projectSettings = yaml.load(readFileSync(join(repoRoot, "Pulumi.yaml"), "utf8"));
        stack = await timed("stack init", () =>
            engineStack({
                stackName,
                projectName: project,
                program: realProgram(),
                workDir: join(work, "project"),
                env: cliEnv,
                projectSettings,
            }),
        );
        settings = stackSettings(ksql.url);
        await stack.workspace.setAllConfigJson(stackName, objectConfig(settings));
        setSecretConfig(cliEnv, join(work, "project"), stackName, "postgresPassword", secret);
        assert.equal((await stack.getConfig(`${project}:postgresPassword`)).secret, true);
    });

    after(async () => {
        await destroyLeftover(stack, destroyed);
        await admin.disconnect();
        await ksql?.close();
        if (work) rmSync(work, { recursive: true, force: true });
        printTimings("engine program timings");
    });

    void it("up creates topics, directories, connectors and streams on the real services", async () => {
        const res = await timed("up", () => stack.up({ onOutput: () => undefined }));
        const created = changed(res.summary.resourceChanges ?? {});
        const resources = await stateResources();
        const custom = resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers"));
        // 4 topics, 5 directories, 4 connectors, 3 streams; plus the stack and 4 components
        // (cars-to-hdfs, power-grid, sensor-routing, custom).
        assert.equal(custom.length, 16);
        assert.deepEqual(created, { create: custom.length + 5 });
        assert.deepEqual(
            (res.outputs.pipelineConnectors.value as string[]).sort(),
            [...connectors, userConnector].sort(),
        );

        const live = await connectorNames();
        for (const name of [...connectors, userConnector]) {
            assert.ok(live.includes(name), `Connect lacks ${name}`);
            const status = await http("GET", `${connectUrl()}/connectors/${name}/status`);
            const body = status.body as { connector: { state: string } };
            assert.equal(body.connector.state, "RUNNING", name);
        }
        assert.deepEqual((await listStreams()).sort(), [...streams].sort());
        const described = await admin.fetchTopicMetadata({ topics });
        for (const t of described.topics) assert.equal(t.partitions.length, 3, t.name);
        for (const dir of directories) {
            const st = await http("GET", webhdfs(dir, "GETFILESTATUS"));
            assert.equal(st.status, 200, dir);
            const fs = (st.body as { FileStatus: { type: string; owner: string } }).FileStatus;
            assert.equal(fs.type, "DIRECTORY");
            assert.equal(
                fs.owner,
                dir === "/old-telemetry" ? "sqoop" : dir === "/Cars" ? "flume" : "connect",
            );
        }
        // The user connector really moves data: a record on Cars lands in its file.
        const producer = kafka.producer();
        await producer.connect();
        await producer.send({ topic: "Cars", messages: [{ value: "car-1 at the gate" }] });
        await producer.disconnect();
        const file = join(work, "cars-1.txt");
        await until("the record in the sink file", () =>
            Promise.resolve(existsSync(file) && readFileSync(file, "utf8").includes("car-1")),
        );
    });

    void it("keeps each dynamic resource's provider code within 4 KiB of state", async () => {
        const { deployment } = await stack.exportStack();
        const dynamic = (deployment as { resources?: DynamicResource[] }).resources?.filter((r) =>
            r.type.startsWith("pulumi-nodejs:dynamic/"),
        );
        assert.equal(dynamic?.length, 16);
        // The engine keeps `__provider` in the inputs and again in the outputs.
        for (const r of dynamic ?? []) {
            const bytes = [r.inputs?.__provider, r.outputs?.__provider].map((v) =>
                typeof v === "string" ? JSON.stringify(v).length : 0,
            );
            assert.ok(bytes[0] + bytes[1] <= 4096, `${r.urn}: ${bytes.join(" + ")} B`);
        }
        console.log(
            `# state: ${JSON.stringify(deployment).length} B for ${dynamic?.length} dynamic ` +
                `resources; __provider ${JSON.stringify(dynamic?.[0]?.inputs?.__provider).length} B`,
        );
    });

    void it("previews no changes after up", async () => {
        const res = await timed("preview", () => stack.preview({ expectNoChanges: true }));
        assert.deepEqual(changed(res.changeSummary), {});
    });

    void it("refreshes without finding drift", async () => {
        const res = await timed("refresh", () => stack.refresh({ onOutput: () => undefined }));
        assert.deepEqual(changed(res.summary.resourceChanges ?? {}), {});
    });

    void it("previews no changes after refresh", async () => {
        const res = await timed("preview after refresh", () =>
            stack.preview({ expectNoChanges: true }),
        );
        assert.deepEqual(changed(res.changeSummary), {});
    });

    void it("shows exactly one update for one changed connector key, and applies it", async () => {
        const file2 = join(work, "cars-2.txt");
        await stack.setConfig(
            `pipelines.connectors[0].config.file`,
            { value: file2, secret: false },
            true,
        );
        settings.pipelines.connectors[0].config.file = file2;
        const stored = await stack.getConfig(`${project}:pipelines`);
        assert.deepEqual(JSON.parse(stored.value), settings.pipelines);
        const events: EngineEvent[] = [];
        const res = await timed("preview one change", () =>
            stack.preview({ onEvent: (e) => void events.push(e) }),
        );
        assert.deepEqual(changed(res.changeSummary), { update: 1 });
        const steps = events.flatMap((e) =>
            e.resourcePreEvent && e.resourcePreEvent.metadata.op !== "same"
                ? [e.resourcePreEvent.metadata]
                : [],
        );
        // The engine hands the default dynamic provider the whole stack config as its inputs,
        // so any config change updates it (in place: a replace would replace every resource).
        const provider = steps.filter((m) =>
            m.urn.endsWith("::pulumi:providers:pulumi-nodejs::default"),
        );
        assert.deepEqual(
            provider.map((m) => m.op),
            ["update"],
        );
        const resources = steps.filter((m) => !provider.includes(m));
        assert.deepEqual(
            resources.map((m) => [m.op, m.urn.replace(/^.*::/, "")]),
            [["update", `connector-${userConnector}`]],
        );
        // Dynamic providers report no per-key diff; compare the step's old and new inputs.
        const before = resources[0].old?.inputs ?? {};
        const after = resources[0].new?.inputs ?? {};
        assert.deepEqual(differingKeys(before, after), ["config"]);
        assert.deepEqual(
            differingKeys(
                before.config as Record<string, unknown>,
                after.config as Record<string, unknown>,
            ),
            ["file"],
        );

        const up = await timed("up one change", () => stack.up({ onOutput: () => undefined }));
        assert.deepEqual(changed(up.summary.resourceChanges ?? {}), { update: 1 });
        const cfg = await http("GET", `${connectUrl()}/connectors/${userConnector}/config`);
        assert.equal((cfg.body as Record<string, string>).file, file2);
    });

    void it("grows a topic and changes a directory's permission in place", async () => {
        settings.pipelines.topics[0].partitions = 4;
        settings.pipelines.directories[0].permission = "750";
        await stack.workspace.setAllConfigJson(stackName, objectConfig(settings));
        const preview = await timed("preview two changes", () => stack.preview());
        assert.deepEqual(changed(preview.changeSummary), { update: 2 });

        const up = await timed("up two changes", () => stack.up({ onOutput: () => undefined }));
        assert.deepEqual(changed(up.summary.resourceChanges ?? {}), { update: 2 });
        const [extra] = (await admin.fetchTopicMetadata({ topics: [extraTopic] })).topics;
        assert.equal(extra.partitions.length, 4);
        const st = await http("GET", webhdfs(extraDirectory, "GETFILESTATUS"));
        assert.equal(
            (st.body as { FileStatus: { permission: string } }).FileStatus.permission,
            "750",
        );
        const again = await timed("preview after updates", () =>
            stack.preview({ expectNoChanges: true }),
        );
        assert.deepEqual(changed(again.changeSummary), {});
    });

    void it("refresh sees a connector deleted behind Pulumi's back, and up restores it", async () => {
        const urn = (await stateResources()).find((r) =>
            r.urn.endsWith(`::connector-${userConnector}`),
        )?.urn;
        assert.ok(urn, "the user connector is not in the state");
        const del = await http("DELETE", `${connectUrl()}/connectors/${userConnector}`);
        assert.equal(del.status, 204);
        await until("Connect to forget the connector", async () =>
            (await connectorNames()).every((n) => n !== userConnector),
        );

        const refresh = await timed("refresh after delete", () =>
            stack.refresh({ onOutput: () => undefined }),
        );
        assert.deepEqual(changed(refresh.summary.resourceChanges ?? {}), { delete: 1 });
        assert.ok(!(await stateResources()).some((r) => r.urn === urn), "still in the state");

        const up = await timed("up restores", () => stack.up({ onOutput: () => undefined }));
        assert.deepEqual(changed(up.summary.resourceChanges ?? {}), { create: 1 });
        assert.ok((await connectorNames()).includes(userConnector));
        assert.ok((await stateResources()).some((r) => r.urn === urn));
    });

    void it("refresh sees a directory and a stream removed out of band, and up restores them", async () => {
        const removed = ["hdfs-dir-cars", "sensor-routing-stream-2"];
        const del = await http("DELETE", webhdfs("/Cars", "DELETE"));
        assert.equal(del.status, 200);
        await ksql.execute("DROP STREAM SENSOR_ID_2;");

        const refresh = await timed("refresh after removals", () =>
            stack.refresh({ onOutput: () => undefined }),
        );
        assert.deepEqual(changed(refresh.summary.resourceChanges ?? {}), { delete: 2 });
        const names = (await stateResources()).map((r) => r.urn.replace(/^.*::/, ""));
        assert.deepEqual(
            removed.filter((n) => names.includes(n)),
            [],
        );

        const up = await timed("up restores both", () => stack.up({ onOutput: () => undefined }));
        assert.deepEqual(changed(up.summary.resourceChanges ?? {}), { create: 2 });
        const st = await http("GET", webhdfs("/Cars", "GETFILESTATUS"));
        assert.equal((st.body as { FileStatus: { owner: string } }).FileStatus.owner, "flume");
        assert.deepEqual((await listStreams()).sort(), [...streams].sort());
    });

    void it("keeps the secret config out of state: wrapped in the export, absent on disk", async () => {
        // exportStack() runs `stack export --show-secrets`: secrets come back decrypted, but
        // still inside their secret wrappers.
        const exported = await stack.exportStack();
        // The engine gives the default dynamic provider the whole config, the secret included.
        assert.ok(JSON.stringify(exported).includes(secret), "the export lacks the secret");
        assert.deepEqual(plaintextOccurrences(exported, [secret]), []);
        const roots = [join(work, "state"), join(work, "project")];
        let files = 0;
        for (const root of roots) {
            for (const file of readdirSync(root, { recursive: true, encoding: "utf8" })) {
                const path = join(root, file);
                if (!statSync(path).isFile()) continue;
                files++;
                assert.equal(
                    readFileSync(path, "utf8").includes(secret),
                    false,
                    `${path} holds the secret in plaintext`,
                );
            }
        }
        assert.ok(files > 3, "the backend wrote no checkpoint");
    });

    void it("destroy leaves no connector, stream, topic or directory of the stack", async () => {
        const res = await timed("destroy", () => stack.destroy({ onOutput: () => undefined }));
        destroyed = true;
        // What up created: 16 custom resources, the stack and 4 components.
        assert.deepEqual(changed(res.summary.resourceChanges ?? {}), { delete: 21 });
        assert.deepEqual(await stateResources(), []);
        const live = await connectorNames();
        for (const name of [...connectors, userConnector]) {
            assert.ok(!live.includes(name), `Connect still has ${name}`);
        }
        assert.deepEqual(await listStreams(), []);
        const left = await admin.listTopics();
        assert.deepEqual(
            topics.filter((t) => left.includes(t)),
            [],
        );
        for (const dir of directories) {
            assert.equal((await http("GET", webhdfs(dir, "GETFILESTATUS"))).status, 404, dir);
        }
    });
});
