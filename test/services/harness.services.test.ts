import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import axios from "axios";
import { ConfigResourceTypes, Kafka, logLevel, Partitioners } from "kafkajs";
import {
    javaClasspath,
    restartConnectWorker,
    serviceEnv,
    startExtraConnectWorker,
    startJava,
    stopExtraConnectWorker,
} from "../../scripts/services/control";
import { eventually } from "../helpers/eventually";

const env = serviceEnv();
const suffix = randomBytes(4).toString("hex");
const http = axios.create({ timeout: 30_000, validateStatus: () => true });

function kafkaClient(): Kafka {
    return new Kafka({
        clientId: "harness-test",
        brokers: [env.kafka!.bootstrap],
        logLevel: logLevel.NOTHING,
    });
}

async function produce(topic: string, values: string[]): Promise<void> {
    const producer = kafkaClient().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
        await producer.send({ topic, messages: values.map((value) => ({ value })) });
    } finally {
        await producer.disconnect();
    }
}

void describe("Kafka 4.0 broker", { skip: !env.kafka && "KAFKA_BOOTSTRAP is not set" }, () => {
    void it("delivers a produced record to a consumer group", { timeout: 60_000 }, async () => {
        const topic = `harness-roundtrip-${suffix}`;
        const admin = kafkaClient().admin();
        await admin.connect();
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
        await admin.disconnect();
        await produce(topic, ["grid reading 1"]);

        const consumer = kafkaClient().consumer({ groupId: `harness-${suffix}` });
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        const received = await new Promise<string>((resolve) => {
            void consumer.run({
                eachMessage: ({ message }) => {
                    resolve(String(message.value));
                    return Promise.resolve();
                },
            });
        });
        await consumer.disconnect();
        assert.equal(received, "grid reading 1");
    });

    void it(
        "serves the kafkajs 2.2.4 admin calls a topic provider needs, alterConfigs replacing all overrides",
        { timeout: 60_000 },
        async () => {
            const topic = `harness-admin-${suffix}`;
            const admin = kafkaClient().admin();
            await admin.connect();
            try {
                const created = await admin.createTopics({
                    topics: [
                        {
                            topic,
                            numPartitions: 1,
                            replicationFactor: 1,
                            configEntries: [
                                { name: "retention.ms", value: "3600000" },
                                { name: "cleanup.policy", value: "compact" },
                            ],
                        },
                    ],
                });
                assert.equal(created, true);
                assert.equal(await admin.createTopics({ topics: [{ topic }] }), false);

                const configs = async (): Promise<Record<string, string>> => {
                    const described = await admin.describeConfigs({
                        includeSynonyms: false,
                        resources: [
                            {
                                type: ConfigResourceTypes.TOPIC,
                                name: topic,
                                configNames: ["retention.ms", "cleanup.policy"],
                            },
                        ],
                    });
                    return Object.fromEntries(
                        described.resources[0].configEntries.map((e) => [
                            e.configName,
                            e.configValue,
                        ]),
                    );
                };
                assert.deepEqual(await configs(), {
                    "retention.ms": "3600000",
                    "cleanup.policy": "compact",
                });

                // AlterConfigs (kafkajs has no incremental variant) replaces the topic's whole
                // set of overrides: a key left out returns to its default.
                await admin.alterConfigs({
                    validateOnly: false,
                    resources: [
                        {
                            type: ConfigResourceTypes.TOPIC,
                            name: topic,
                            configEntries: [{ name: "retention.ms", value: "7200000" }],
                        },
                    ],
                });
                assert.deepEqual(await configs(), {
                    "retention.ms": "7200000",
                    "cleanup.policy": "delete",
                });

                await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] });
                const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
                assert.equal(metadata.topics[0].partitions.length, 3);

                await admin.deleteTopics({ topics: [topic] });
                await eventually("the topic to disappear", async () =>
                    (await admin.listTopics()).includes(topic) ? undefined : true,
                );
            } finally {
                await admin.disconnect();
            }
        },
    );

    void it("validates a topic without creating it when waitForLeaders is off", async () => {
        const topic = `harness-validate-${suffix}`;
        const admin = kafkaClient().admin();
        await admin.connect();
        try {
            const validated = await admin.createTopics({
                validateOnly: true,
                waitForLeaders: false,
                topics: [{ topic, numPartitions: 2 }],
            });
            assert.equal(validated, true);
            assert.equal((await admin.listTopics()).includes(topic), false);
        } finally {
            await admin.disconnect();
        }
    });

    void it("runs a JVM from a Maven classpath profile with startJava and stops it", async () => {
        const topic = `harness-startjava-${suffix}`;
        await produce(topic, ["from kafkajs to the console consumer"]);
        const consumer = await startJava({
            name: `console-consumer-${suffix}`,
            classpath: await javaClasspath("kafka"),
            mainClass: "org.apache.kafka.tools.consumer.ConsoleConsumer",
            args: [
                "--bootstrap-server",
                env.kafka!.bootstrap,
                "--topic",
                topic,
                "--from-beginning",
            ],
        });
        try {
            await eventually("the console consumer to print the record", () =>
                Promise.resolve(
                    existsSync(consumer.logFile) &&
                        readFileSync(consumer.logFile, "utf8").includes(
                            "from kafkajs to the console consumer",
                        )
                        ? true
                        : undefined,
                ),
            );
            assert.equal(consumer.isAlive(), true);
        } finally {
            await consumer.stop();
        }
        assert.equal(consumer.isAlive(), false);
    });
});

interface ConnectorStatus {
    connector: { state: string; worker_id: string };
    tasks: { id: number; state: string; worker_id: string }[];
}

void describe(
    "Kafka Connect distributed worker",
    { skip: !(env.connect && env.kafka) && "CONNECT_URL is not set" },
    () => {
        const connector = `harness-file-sink-${suffix}`;
        const topic = `harness-connect-${suffix}`;
        const dir = mkdtempSync(join(tmpdir(), "harness-connect-"));
        const secretsFile = join(dir, "paths.properties");
        const sinkFile = join(dir, "out", `${process.env.PGDATABASE ?? "no-pg"}.txt`);
        const url = (): string => env.connect!.url;

        const status = async (base: string): Promise<ConnectorStatus | undefined> => {
            const res = await http.get<ConnectorStatus>(`${base}/connectors/${connector}/status`);
            return res.status === 200 ? res.data : undefined;
        };
        const workersOf = (s: ConnectorStatus): string[] =>
            [...new Set([s.connector.worker_id, ...s.tasks.map((t) => t.worker_id)])].sort();
        const allRunning = (s: ConnectorStatus): boolean =>
            s.connector.state === "RUNNING" &&
            s.tasks.length === 2 &&
            s.tasks.every((t) => t.state === "RUNNING");
        const sinkLines = (): string[] =>
            existsSync(sinkFile) ? readFileSync(sinkFile, "utf8").split("\n").filter(Boolean) : [];
        const produceReading = (sensor: string, watts: number): Promise<void> =>
            produce(topic, [
                JSON.stringify({
                    schema: {
                        type: "struct",
                        fields: [
                            { field: "sensor", type: "string" },
                            { field: "watts", type: "int32" },
                        ],
                    },
                    payload: { sensor, watts },
                }),
            ]);

        before(() => mkdirSync(join(dir, "out")));
        after(async () => {
            await stopExtraConnectWorker();
            await http.delete(`${url()}/connectors/${connector}`);
            rmSync(dir, { recursive: true, force: true });
        });

        void it("answers GET / and lists the FileStream and JSON-capable plugins", async () => {
            const root = await http.get<{ version: string; kafka_cluster_id: string }>(`${url()}/`);
            assert.equal(root.status, 200);
            assert.equal(root.data.version, "4.0.0");
            const plugins = await http.get<{ class: string; type: string }[]>(
                `${url()}/connector-plugins`,
            );
            assert.equal(plugins.status, 200);
            const classes = plugins.data.map((p) => p.class);
            assert.ok(classes.includes("org.apache.kafka.connect.file.FileStreamSinkConnector"));
            assert.ok(classes.includes("org.apache.kafka.connect.file.FileStreamSourceConnector"));
        });

        void it(
            "runs a FileStream sink whose file path comes from ${file:...} and ${env:...} placeholders",
            { timeout: 120_000, skip: !process.env.PGDATABASE && "needs PGDATABASE in the worker" },
            async () => {
                writeFileSync(secretsFile, `sink.dir=${join(dir, "out")}\n`);
                const admin = kafkaClient().admin();
                await admin.connect();
                await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
                await admin.disconnect();

                const put = await http.put(`${url()}/connectors/${connector}/config`, {
                    "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                    "tasks.max": "2",
                    topics: topic,
                    file: `\${file:${secretsFile}:sink.dir}/\${env:PGDATABASE}.txt`,
                });
                assert.equal(put.status, 201, JSON.stringify(put.data));
                const stored = await http.get<Record<string, string>>(
                    `${url()}/connectors/${connector}/config`,
                );
                assert.equal(
                    stored.data.file,
                    `\${file:${secretsFile}:sink.dir}/\${env:PGDATABASE}.txt`,
                );

                await eventually("the connector and both tasks to run", async () => {
                    const s = await status(url());
                    return s && allRunning(s) ? s : undefined;
                });
                await produceReading("sensor01", 42);
                const lines = await eventually("the sink to write the record", () =>
                    Promise.resolve(sinkLines().length > 0 ? sinkLines() : undefined),
                );
                assert.deepEqual(lines, ["Struct{sensor=sensor01,watts=42}"]);
            },
        );

        void it(
            "spreads work over a second worker, takes it back when that worker stops, and survives a restart",
            { timeout: 300_000, skip: !process.env.PGDATABASE && "needs the sink connector above" },
            async () => {
                const main = (await status(url()))?.connector.worker_id;
                assert.ok(main, "connector status before the extra worker starts");

                const extra = await startExtraConnectWorker();
                assert.notEqual(extra.url, url());
                // A joining worker serves REST before it has read the config topic: wait for it.
                await eventually("the extra worker to list the connector", async () => {
                    const listed = await http.get<string[]>(`${extra.url}/connectors`);
                    return listed.status === 200 && listed.data.includes(connector)
                        ? true
                        : undefined;
                });
                const spread = await eventually(
                    "work to be spread over both workers",
                    async () => {
                        const s = await status(extra.url);
                        return s && allRunning(s) && workersOf(s).length === 2 ? s : undefined;
                    },
                    120_000,
                );
                assert.ok(workersOf(spread).includes(main));

                await stopExtraConnectWorker();
                const back = await eventually(
                    "everything to run on the main worker again",
                    async () => {
                        const s = await status(url());
                        return s && allRunning(s) && workersOf(s).length === 1 ? s : undefined;
                    },
                    120_000,
                );
                assert.deepEqual(workersOf(back), [main]);

                await restartConnectWorker();
                await eventually("the connector to run after the restart", async () => {
                    const s = await status(url());
                    return s && allRunning(s) ? s : undefined;
                });
                await produceReading("sensor02", 7);
                const lines = await eventually("the restarted sink to write the record", () =>
                    Promise.resolve(sinkLines().length >= 2 ? sinkLines() : undefined),
                );
                assert.deepEqual(lines, [
                    "Struct{sensor=sensor01,watts=42}",
                    "Struct{sensor=sensor02,watts=7}",
                ]);
            },
        );
    },
);

void describe("HDFS over WebHDFS", { skip: !env.hdfs && "WEBHDFS_URL is not set" }, () => {
    const base = (): string => `${env.hdfs!.webhdfsUrl}/webhdfs/v1`;
    const dir = `/harness-${suffix}`;
    const as = (user: string): string => `user.name=${user}`;

    after(async () => {
        await http.delete(`${base()}${dir}?op=DELETE&recursive=true&${as(env.hdfs!.user)}`);
    });

    void it("round-trips a file through MKDIRS, two-step CREATE and OPEN", async () => {
        const user = env.hdfs!.user;
        const mkdirs = await http.put<{ boolean: boolean }>(
            `${base()}${dir}/grid-wattage?op=MKDIRS&permission=755&${as(user)}`,
        );
        assert.equal(mkdirs.status, 200);
        assert.equal(mkdirs.data.boolean, true);

        const file = `${dir}/grid-wattage/sensor01.csv`;
        const step1 = await http.put(
            `${base()}${file}?op=CREATE&overwrite=false&${as(user)}`,
            null,
            {
                maxRedirects: 0,
            },
        );
        assert.equal(step1.status, 307);
        const location = new URL(String(step1.headers.location));
        assert.equal(location.hostname, "127.0.0.1");
        const content = "ts,watts\n2024-01-01T00:00:00Z,42\n";
        const step2 = await http.put(location.toString(), content, {
            headers: { "Content-Type": "application/octet-stream" },
        });
        assert.equal(step2.status, 201);

        const open = await http.get<string>(`${base()}${file}?op=OPEN&${as(user)}`, {
            responseType: "text",
        });
        assert.equal(open.status, 200);
        assert.equal(open.data, content);

        const stat = await http.get<{
            FileStatus: { length: number; owner: string; type: string };
        }>(`${base()}${file}?op=GETFILESTATUS&${as(user)}`);
        assert.equal(stat.data.FileStatus.type, "FILE");
        assert.equal(stat.data.FileStatus.length, Buffer.byteLength(content));
        assert.equal(stat.data.FileStatus.owner, user);
    });

    void it("enforces permissions: another user cannot write into a 755 directory", async () => {
        const user = env.hdfs!.user;
        await http.put(`${base()}${dir}/locked?op=MKDIRS&permission=755&${as(user)}`);
        const denied = await http.put<{ RemoteException: { exception: string } }>(
            `${base()}${dir}/locked/intruder?op=MKDIRS&${as("mallory")}`,
        );
        assert.equal(denied.status, 403);
        assert.equal(denied.data.RemoteException.exception, "AccessControlException");
    });
});

function psql(
    sql: string,
    password: string | undefined,
): Promise<{ code: number; stdout: string; stderr: string }> {
    const pg = env.postgres!;
    return new Promise((resolve, reject) => {
        const child = spawn(pg.psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "-c", sql], {
            env: {
                ...process.env,
                PGHOST: pg.host,
                PGPORT: String(pg.port),
                PGUSER: pg.user,
                PGDATABASE: pg.database,
                PGPASSWORD: password ?? "",
            },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
}

void describe("PostgreSQL", { skip: !env.postgres && "PGHOST/PGPASSWORD are not set" }, () => {
    void it("runs SQL in the telemetry database with password auth over TCP", async () => {
        const table = `readings_${suffix}`;
        const res = await psql(
            `CREATE TABLE ${table} (sensor text, watts int);` +
                `INSERT INTO ${table} VALUES ('sensor01', 42), ('sensor02', 7);` +
                `SELECT current_database() || ':' || sum(watts) FROM ${table};` +
                `DROP TABLE ${table};`,
            env.postgres!.password,
        );
        assert.equal(res.code, 0, res.stderr);
        assert.equal(res.stdout.trim(), "telemetry:49");
    });

    void it("rejects a wrong password", async () => {
        const res = await psql("SELECT 1", "not-the-password");
        assert.notEqual(res.code, 0);
        assert.match(res.stderr, /password authentication failed/);
    });
});
