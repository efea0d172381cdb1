import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import axios from "axios";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import {
    flumeAgentConfig,
    type FlumeAgentDefinition,
    type FlumeAgentSpec,
} from "../../../components/platform/flume";
import { javaClasspath, serviceEnv } from "../../../scripts/services/control";
import { hadoopXml } from "../../../scripts/services/hdfs";
import {
    isAlive,
    launch,
    stopProcess,
    type RunningProcess,
} from "../../../scripts/services/process";
import { readState, updateState } from "../../../scripts/services/state";
import { freePort, runCommand } from "../../../scripts/services/util";
import { eventually } from "../../helpers/eventually";
import { webhdfsCall } from "../../helpers/webhdfs";

const env = serviceEnv();
const skip =
    !env.kafka || !env.hdfs
        ? "KAFKA_BOOTSTRAP, WEBHDFS_URL and HDFS_URL are not set: run through `npm run test:services`"
        : false;
if (skip) console.log(`# flume.services: skipped — ${skip}`);

const ROOT = join(__dirname, "../../..");
const AGENT_SCRIPT = join(ROOT, "components/platform/flume/flume-agent.sh");
const run = randomBytes(4).toString("hex");
const http = axios.create({ timeout: 30_000, validateStatus: () => true });
let work = "";
const agents: RunningProcess[] = [];
let classpath = "";

const kafka = (): Kafka =>
    new Kafka({
        clientId: `flume-it-${run}`,
        brokers: [env.kafka!.bootstrap],
        logLevel: logLevel.NOTHING,
    });

const webhdfs = (method: "GET" | "PUT", path: string, op: string, query = "") =>
    webhdfsCall(env.hdfs!.webhdfsUrl, env.hdfs!.user, method, path, op, query);

/** Closed files of `dir` (Flume's open files start with `_`) and their line counts. */
async function landedLines(
    dir: string,
): Promise<{ files: string[]; open: string[]; lines: string[] }> {
    const listing = JSON.parse(String(await webhdfs("GET", dir, "LISTSTATUS"))) as {
        FileStatuses: { FileStatus: { pathSuffix: string; type: string }[] };
    };
    const names = listing.FileStatuses.FileStatus.filter((f) => f.type === "FILE").map(
        (f) => f.pathSuffix,
    );
    const files = names.filter((n) => !n.startsWith("_"));
    const lines: string[] = [];
    for (const file of files) {
        // OPEN redirects to the DataNode; axios follows it.
        const text = String(await webhdfs("GET", `${dir}/${file}`, "OPEN"));
        lines.push(...text.split("\n").filter((l) => l.length > 0));
    }
    return { files, open: names.filter((n) => n.startsWith("_")), lines };
}

/** Starts `agent` with the image's entrypoint script, the Maven classpath and a local conf dir. */
async function startAgent(
    agent: FlumeAgentSpec,
    label: string,
    secretEnv: Record<string, string> = {},
): Promise<{ proc: RunningProcess; metrics: string }> {
    const dir = join(work, label);
    const conf = join(dir, "conf");
    mkdirSync(conf, { recursive: true });
    writeFileSync(join(dir, "flume.conf"), flumeAgentConfig(agent));
    // The pod mounts the Hdfs component's ConfigMap here: the client's defaultFS and replication
    // (a replication above the DataNode count makes the sink rotate files on every batch).
    writeFileSync(join(conf, "core-site.xml"), hadoopXml({ "fs.defaultFS": env.hdfs!.url }));
    writeFileSync(join(conf, "hdfs-site.xml"), hadoopXml({ "dfs.replication": 1 }));
    copyFileSync(join(ROOT, "components/platform/flume/log4j2.xml"), join(conf, "log4j2.xml"));
    const port = await freePort();
    const state = process.env.SERVICES_STATE ? readState(process.env.SERVICES_STATE) : undefined;
    const proc = launch(
        {
            name: `flume-${label}`,
            command: "sh",
            args: [AGENT_SCRIPT, agent.name, join(dir, "flume.conf")],
            env: {
                FLUME_CLASSPATH: `${conf}:${classpath}`,
                FLUME_MONITORING_PORT: String(port),
                HADOOP_USER_NAME: "flume",
                JAVA_OPTS: "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
            },
            logFile: join(state?.logsDir ?? dir, `flume-${label}.log`),
        },
        secretEnv,
    );
    agents.push(proc);
    if (process.env.SERVICES_STATE) {
        updateState(process.env.SERVICES_STATE, (s) => ({
            ...s,
            processes: { ...s.processes, [proc.name]: proc },
        }));
    }
    const metrics = `http://127.0.0.1:${port}/metrics`;
    await eventually(
        `${proc.name} metrics at ${metrics}`,
        async () => {
            if (!isAlive(proc.pid)) throw new Error(`${proc.name} exited; see ${proc.logFile}`);
            const res = await http.get(metrics);
            return res.status === 200 ? true : undefined;
        },
        90_000,
    );
    return { proc, metrics };
}

async function counter(metrics: string, component: string, name: string): Promise<number> {
    const res = await http.get<Record<string, Record<string, string>>>(metrics);
    return Number(res.data[component]?.[name] ?? 0);
}

before(async () => {
    if (skip) return;
    work = mkdtempSync(join(tmpdir(), "flume-it-"));
    classpath = await javaClasspath("flume");
});

after(async () => {
    for (const proc of agents) await stopProcess(proc, 15_000);
    if (work) rmSync(work, { recursive: true, force: true });
});

void describe("Flume cars agent (seed 002: Kafka -> HDFS /Cars)", { skip }, () => {
    void it("lands every produced record in HDFS exactly once", { timeout: 300_000 }, async (t) => {
        const topic = `car-transactions-logs-${run}`;
        const parent = `/flume-it-${run}`;
        const target = `${parent}/Cars`;
        await webhdfs("PUT", target, "MKDIRS");
        // The pod writes as HADOOP_USER_NAME=flume (the component's default hdfsUser).
        await webhdfs("PUT", target, "SETOWNER", "&owner=flume&group=flume");

        const admin = kafka().admin();
        await admin.connect();
        await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
        await admin.disconnect();

        const producer = kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
        await producer.connect();
        const record = (i: number) =>
            JSON.stringify({ transaction_id: `${run}-${i}`, car_brand: "Toyota", n: i });
        const before = 300;
        const total = 500;
        // Produced before the agent exists: the new consumer group starts from the earliest offset.
        await producer.send({
            topic,
            messages: Array.from({ length: before }, (_, i) => ({ value: record(i) })),
        });

        const definition: FlumeAgentDefinition = {
            name: "cars",
            source: { type: "kafka", topics: [topic], batchSize: 100, batchDurationMillis: 500 },
            channel: { type: "memory" },
            sink: { type: "hdfs", path: target, rollIntervalSeconds: 5, batchSize: 100 },
        };
        const { metrics } = await startAgent(
            { ...definition, kafkaBootstrapServers: env.kafka!.bootstrap },
            "cars",
        );
        await producer.send({
            topic,
            messages: Array.from({ length: total - before }, (_, i) => ({
                value: record(before + i),
            })),
        });
        await producer.disconnect();

        await eventually(
            `${total} events drained by the HDFS sink`,
            async () =>
                (await counter(metrics, "SINK.sink", "EventDrainSuccessCount")) >= total
                    ? true
                    : undefined,
            120_000,
        );
        // rollInterval 5 s: every file is closed (renamed without "_") shortly after the drain.
        const landed = await eventually(
            "all HDFS files closed",
            async () => {
                const l = await landedLines(target);
                return l.open.length === 0 && l.lines.length >= total ? l : undefined;
            },
            60_000,
        );
        t.diagnostic(
            `landed ${landed.lines.length} records in ${landed.files.length} files under ${target}`,
        );
        console.log(
            `# flume cars: produced ${total}, landed ${landed.lines.length} lines in ${landed.files.length} files`,
        );
        assert.equal(landed.lines.length, total);
        const ids = new Set(
            landed.lines.map((l) => (JSON.parse(l) as { transaction_id: string }).transaction_id),
        );
        assert.equal(ids.size, total);
        for (let i = 0; i < total; i++) assert.ok(ids.has(`${run}-${i}`), `record ${i} missing`);
        assert.ok(
            landed.files.every((f) => /^events\.\d+\.txt$/.test(f)),
            landed.files.join(", "),
        );

        const status = JSON.parse(String(await webhdfs("GET", target, "GETFILESTATUS"))) as {
            FileStatus: { owner: string };
        };
        assert.equal(status.FileStatus.owner, "flume");
    });
});

async function topicRecords(
    topic: string,
    expected: number,
    client: Kafka = kafka(),
): Promise<string[]> {
    const consumer = client.consumer({ groupId: `flume-it-count-${run}-${topic}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const values: string[] = [];
    await consumer.run({
        eachMessage: ({ message }) => {
            values.push(String(message.value));
            return Promise.resolve();
        },
    });
    try {
        await eventually(
            `${expected} records on ${topic}`,
            () => Promise.resolve(values.length >= expected ? true : undefined),
            120_000,
        );
        // A little longer, so that duplicates would show up too.
        await new Promise((r) => setTimeout(r, 3_000));
    } finally {
        await consumer.disconnect();
    }
    return values;
}

async function highWatermark(topic: string): Promise<number> {
    const admin = kafka().admin();
    await admin.connect();
    try {
        const offsets = await admin.fetchTopicOffsets(topic);
        return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    } finally {
        await admin.disconnect();
    }
}

void describe(
    "Flume unorganized agent (seed 003: HTTP -> file channel -> Kafka UNORGANIZED)",
    { skip },
    () => {
        void it(
            "delivers every POSTed event to the topic, also across a crash while Kafka is unreachable",
            { timeout: 300_000 },
            async (t) => {
                const topic = `UNORGANIZED-${run}`;
                const admin = kafka().admin();
                await admin.connect();
                await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
                await admin.disconnect();

                const port = await freePort();
                const channelDir = join(work, "unorganized-channel");
                const definition: FlumeAgentDefinition = {
                    name: "unorganized",
                    source: { type: "http", port, bind: "127.0.0.1" },
                    channel: { type: "file", directory: channelDir },
                    sink: { type: "kafka", topic },
                };
                const post = async (from: number, count: number): Promise<void> => {
                    const events = Array.from({ length: count }, (_, i) => ({
                        headers: { source: "legacy-dump" },
                        body: `unorganized line ${run}-${from + i} , with; odd | text`,
                    }));
                    const res = await http.post(`http://127.0.0.1:${port}/`, events);
                    assert.equal(
                        res.status,
                        200,
                        `POST returned ${res.status}: ${String(res.data)}`,
                    );
                };

                // First life: Kafka unreachable, so accepted events can only be in the file channel.
                const nowhere = `127.0.0.1:${await freePort()}`;
                const first = await startAgent(
                    { ...definition, kafkaBootstrapServers: nowhere },
                    "unorganized-1",
                );
                await eventually(
                    "HTTP source listening",
                    async () =>
                        (await http.post(`http://127.0.0.1:${port}/`, [])).status === 200
                            ? true
                            : undefined,
                    60_000,
                );
                for (let batch = 0; batch < 10; batch++) await post(batch * 10, 10);
                // Every accepted event was committed to the file channel before the POST returned.
                assert.equal(
                    await counter(first.metrics, "CHANNEL.channel", "EventPutSuccessCount"),
                    100,
                );
                // SIGKILL: no graceful shutdown, no channel checkpoint on the way out.
                process.kill(-first.proc.pid, "SIGKILL");
                await eventually(
                    "agent killed",
                    () => Promise.resolve(isAlive(first.proc.pid) ? undefined : true),
                    10_000,
                );
                assert.equal(await highWatermark(topic), 0);

                // Second life: same channel directory (the PVC), Kafka reachable (config fixed).
                await startAgent(
                    { ...definition, kafkaBootstrapServers: env.kafka!.bootstrap },
                    "unorganized-2",
                );
                await eventually(
                    "HTTP source listening again",
                    async () =>
                        (await http.post(`http://127.0.0.1:${port}/`, [])).status === 200
                            ? true
                            : undefined,
                    60_000,
                );
                for (let batch = 10; batch < 20; batch++) await post(batch * 10, 10);

                const values = await topicRecords(topic, 200);
                t.diagnostic(
                    `POSTed 200 events (100 before a SIGKILL), ${values.length} records on ${topic}`,
                );
                console.log(
                    `# flume unorganized: POSTed 200 (100 buffered across SIGKILL), ${values.length} records on ${topic}`,
                );
                assert.equal(values.length, 200);
                assert.equal(new Set(values).size, 200);
                for (let i = 0; i < 200; i++) {
                    assert.ok(
                        values.includes(`unorganized line ${run}-${i} , with; odd | text`),
                        `event ${i} missing`,
                    );
                }
                assert.equal(await highWatermark(topic), 200);
            },
        );
    },
);

/** A Kafka 4.0 KRaft node whose only client listener is SASL_PLAINTEXT/PLAIN (the prod stack's mode). */
async function startSaslKafka(users: Record<string, string>): Promise<string> {
    const dir = join(work, "kafka-sasl");
    mkdirSync(join(dir, "data"), { recursive: true });
    const [brokerPort, controllerPort] = [await freePort(), await freePort()];
    const jaasUsers = Object.entries(users)
        .map(([user, password]) => `user_${user}="${password}"`)
        .join(" ");
    const props: Record<string, string | number> = {
        "process.roles": "broker,controller",
        "node.id": 1,
        "controller.quorum.voters": `1@127.0.0.1:${controllerPort}`,
        listeners: `SASL_PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
        "advertised.listeners": `SASL_PLAINTEXT://127.0.0.1:${brokerPort}`,
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "SASL_PLAINTEXT",
        "listener.security.protocol.map": "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
        "sasl.enabled.mechanisms": "PLAIN",
        "sasl.mechanism.inter.broker.protocol": "PLAIN",
        "listener.name.sasl_plaintext.plain.sasl.jaas.config":
            `org.apache.kafka.common.security.plain.PlainLoginModule required ` +
            `username="admin" password="${users.admin}" ${jaasUsers};`,
        "log.dirs": join(dir, "data"),
        "offsets.topic.replication.factor": 1,
        "offsets.topic.num.partitions": 3,
        "transaction.state.log.replication.factor": 1,
        "transaction.state.log.min.isr": 1,
        "share.coordinator.state.topic.replication.factor": 1,
        "share.coordinator.state.topic.min.isr": 1,
        "group.initial.rebalance.delay.ms": 0,
    };
    const propsFile = join(dir, "server.properties");
    // Holds the test broker's throwaway passwords: readable by this user only.
    writeFileSync(
        propsFile,
        Object.entries(props)
            .map(([k, v]) => `${k}=${v}`)
            .join("\n") + "\n",
        { mode: 0o600 },
    );
    const kafkaClasspath = await javaClasspath("kafka");
    const format = await runCommand("java", [
        "-cp",
        kafkaClasspath,
        "kafka.tools.StorageTool",
        "format",
        "--cluster-id",
        randomBytes(16).toString("base64url"),
        "--config",
        propsFile,
    ]);
    assert.equal(format.code, 0, format.stdout + format.stderr);
    const state = process.env.SERVICES_STATE ? readState(process.env.SERVICES_STATE) : undefined;
    const proc = launch({
        name: "kafka-sasl",
        command: "java",
        args: [
            "-Xmx384m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            kafkaClasspath,
            "kafka.Kafka",
            propsFile,
        ],
        logFile: join(state?.logsDir ?? dir, "kafka-sasl.log"),
    });
    agents.push(proc);
    if (process.env.SERVICES_STATE) {
        updateState(process.env.SERVICES_STATE, (s) => ({
            ...s,
            processes: { ...s.processes, [proc.name]: proc },
        }));
    }
    const bootstrap = `127.0.0.1:${brokerPort}`;
    await eventually(
        `SASL broker at ${bootstrap}`,
        async () => {
            if (!isAlive(proc.pid)) throw new Error(`kafka-sasl exited; see ${proc.logFile}`);
            const admin = saslKafka(bootstrap, "admin", users.admin).admin();
            await admin.connect();
            try {
                return (await admin.describeCluster()).brokers.length > 0 ? true : undefined;
            } finally {
                await admin.disconnect();
            }
        },
        90_000,
    );
    return bootstrap;
}

const saslKafka = (bootstrap: string, username: string, password: string): Kafka =>
    new Kafka({
        clientId: `flume-it-sasl-${run}`,
        brokers: [bootstrap],
        logLevel: logLevel.NOTHING,
        sasl: { mechanism: "plain", username, password },
        retry: { retries: 2 },
    });

void describe("Flume agents against SASL/PLAIN Kafka (prod stack)", { skip }, () => {
    void it(
        "authenticates the Kafka source and sink with the password from the environment only",
        { timeout: 300_000 },
        async (t) => {
            const users = {
                admin: randomBytes(12).toString("hex"),
                ingest: randomBytes(12).toString("hex"),
            };
            const bootstrap = await startSaslKafka(users);
            const [from, to] = [`Cars-${run}`, `Cars-copy-${run}`];
            const admin = saslKafka(bootstrap, "admin", users.admin).admin();
            await admin.connect();
            await admin.createTopics({
                topics: [
                    { topic: from, numPartitions: 2 },
                    { topic: to, numPartitions: 1 },
                ],
            });
            await admin.disconnect();

            const agent: FlumeAgentSpec = {
                name: "relay",
                kafkaBootstrapServers: bootstrap,
                kafkaSasl: { protocol: "SASL_PLAINTEXT", username: "ingest" },
                source: { type: "kafka", topics: [from], batchSize: 50, batchDurationMillis: 500 },
                channel: { type: "memory", transactionCapacity: 100 },
                sink: { type: "kafka", topic: to },
            };
            const conf = flumeAgentConfig(agent);
            assert.ok(!conf.includes(users.ingest), "password in flume.conf");
            await startAgent(agent, "relay", { KAFKA_SASL_PASSWORD: users.ingest });

            const producer = saslKafka(bootstrap, "ingest", users.ingest).producer({
                createPartitioner: Partitioners.DefaultPartitioner,
            });
            await producer.connect();
            await producer.send({
                topic: from,
                messages: Array.from({ length: 150 }, (_, i) => ({ value: `sasl-${run}-${i}` })),
            });
            await producer.disconnect();

            const values = await topicRecords(
                to,
                150,
                saslKafka(bootstrap, "ingest", users.ingest),
            );
            t.diagnostic(`relayed ${values.length} of 150 records through SASL/PLAIN`);
            console.log(
                `# flume relay (SASL/PLAIN source and sink): produced 150, ${values.length} on ${to}`,
            );
            assert.equal(values.length, 150);
            assert.equal(new Set(values).size, 150);
        },
    );
});
