import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import axios from "axios";
import { Kafka, logLevel } from "kafkajs";
import { flumeAgentConfig, type FlumeAgentDefinition } from "../../../components/platform/flume";
import { javaClasspath, serviceEnv } from "../../../scripts/services/control";
import { hadoopXml } from "../../../scripts/services/hdfs";
import {
    isAlive,
    launch,
    stopProcess,
    type RunningProcess,
} from "../../../scripts/services/process";
import { readState, updateState } from "../../../scripts/services/state";
import { freePort } from "../../../scripts/services/util";
import { eventually } from "../../helpers/eventually";
import { runTool } from "../../helpers/tools";
import { webhdfsCall } from "../../helpers/webhdfs";

const env = serviceEnv();
const skip =
    !env.kafka || !env.connect || !env.hdfs
        ? "KAFKA_BOOTSTRAP, CONNECT_URL and WEBHDFS_URL are not set: run through `npm run test:services`"
        : false;
if (skip) console.log(`# landing.services: skipped — ${skip}`);

const ROOT = join(__dirname, "../../..");
const run = randomBytes(4).toString("hex");
const http = axios.create({ timeout: 30_000, validateStatus: () => true });
let work = "";
let agent: RunningProcess | undefined;
const agents: RunningProcess[] = [];
const connectors: string[] = [];

const webhdfs = (method: "GET" | "PUT", path: string, op: string, query = "") =>
    webhdfsCall(env.hdfs!.webhdfsUrl, env.hdfs!.user, method, path, op, query);

interface LandingJson {
    ok: boolean;
    targets: {
        label: string;
        files: number;
        records: number | null;
        ok: boolean;
        notes: string[];
    }[];
}

const checkLanding = (args: string[]) =>
    runTool("check-landing", [
        "--webhdfs",
        env.hdfs!.webhdfsUrl,
        "--connect",
        env.connect!.url,
        "--interval",
        "2",
        ...args,
    ]);

/** A Flume agent started from the image's entrypoint as the pod does. */
async function startAgent(def: FlumeAgentDefinition): Promise<RunningProcess> {
    const dir = join(work, `flume-${def.name}`);
    const conf = join(dir, "conf");
    mkdirSync(conf, { recursive: true });
    writeFileSync(
        join(dir, "flume.conf"),
        flumeAgentConfig({ ...def, kafkaBootstrapServers: env.kafka!.bootstrap }),
    );
    writeFileSync(join(conf, "core-site.xml"), hadoopXml({ "fs.defaultFS": env.hdfs!.url }));
    writeFileSync(join(conf, "hdfs-site.xml"), hadoopXml({ "dfs.replication": 1 }));
    copyFileSync(join(ROOT, "components/platform/flume/log4j2.xml"), join(conf, "log4j2.xml"));
    const port = await freePort();
    const state = process.env.SERVICES_STATE ? readState(process.env.SERVICES_STATE) : undefined;
    const proc = launch({
        name: `flume-${def.name}-${run}`,
        command: "sh",
        args: [
            join(ROOT, "components/platform/flume/flume-agent.sh"),
            def.name,
            join(dir, "flume.conf"),
        ],
        env: {
            FLUME_CLASSPATH: `${conf}:${await javaClasspath("flume")}`,
            FLUME_MONITORING_PORT: String(port),
            HADOOP_USER_NAME: "flume",
            JAVA_OPTS: "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
        },
        logFile: join(state?.logsDir ?? dir, `flume-${def.name}-${run}.log`),
    });
    if (process.env.SERVICES_STATE) {
        updateState(process.env.SERVICES_STATE, (s) => ({
            ...s,
            processes: { ...s.processes, [proc.name]: proc },
        }));
    }
    await eventually(
        `${proc.name} metrics`,
        async () => {
            if (!isAlive(proc.pid)) throw new Error(`${proc.name} exited; see ${proc.logFile}`);
            return (await http.get(`http://127.0.0.1:${port}/metrics`)).status === 200
                ? true
                : undefined;
        },
        90_000,
    );
    return proc;
}

before(() => {
    if (skip) return;
    work = mkdtempSync(join(tmpdir(), "landing-it-"));
});

after(async () => {
    if (agent) await stopProcess(agent, 15_000);
    for (const a of agents) await stopProcess(a, 15_000);
    for (const name of connectors) await http.delete(`${env.connect!.url}/connectors/${name}`);
    if (work) rmSync(work, { recursive: true, force: true });
});

/** Creates `topic` on the harness's Kafka and waits for its leaders. */
async function createTopic(topic: string, numPartitions: number): Promise<void> {
    const admin = new Kafka({
        clientId: `landing-it-${run}`,
        brokers: [env.kafka!.bootstrap],
        logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
        await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
    } finally {
        await admin.disconnect();
    }
}

void describe("check-landing on real services", { skip }, () => {
    void it(
        "passes when car-transactions landed through Flume, fails with a report once the pipeline is stopped",
        { timeout: 420_000 },
        async (t) => {
            const topic = `Cars-${run}`;
            const target = `/landing-it-${run}/Cars`;
            await webhdfs("PUT", target, "MKDIRS");
            await webhdfs("PUT", target, "SETOWNER", "&owner=flume&group=flume");
            await createTopic(topic, 3);

            // A sink connector on the same topic stands for "the pipeline's connector": its state
            // is part of the report.
            const connector = `landing-it-${run}`;
            connectors.push(connector);
            const put = await http.put(`${env.connect!.url}/connectors/${connector}/config`, {
                "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                topics: topic,
                file: join(work, "cars.txt"),
                "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            });
            assert.equal(put.status, 201, JSON.stringify(put.data));

            agent = await startAgent({
                name: "cars",
                source: {
                    type: "kafka",
                    topics: [topic],
                    batchSize: 100,
                    batchDurationMillis: 500,
                },
                channel: { type: "memory" },
                sink: { type: "hdfs", path: target, rollIntervalSeconds: 3, batchSize: 100 },
            });
            const produced = await runTool("car-transactions", [
                "--kafka",
                env.kafka!.bootstrap,
                "--topic",
                topic,
                "--count",
                "300",
                "--json",
            ]);
            assert.equal(produced.code, 0, produced.stderr);
            assert.equal((JSON.parse(produced.stdout) as { records: number }).records, 300);

            const spec = `cars=hdfs-lines:${target}@${connector}`;
            const pass = await checkLanding([
                "--target",
                spec,
                "--expect",
                "cars=300",
                "--timeout",
                "150",
                "--json",
            ]);
            assert.equal(pass.code, 0, `${pass.stdout}\n${pass.stderr}`);
            const landed = JSON.parse(pass.stdout) as LandingJson;
            assert.equal(landed.ok, true);
            assert.equal(landed.targets[0].records, 300);
            assert.ok(landed.targets[0].files >= 1);
            assert.deepEqual(landed.targets[0].notes, []);

            // Stop the pipeline: the Flume agent goes, the connector is paused; then more data.
            await stopProcess(agent, 15_000);
            agent = undefined;
            assert.equal(
                (
                    await http.put(`${env.connect!.url}/connectors/${connector}/pause`, undefined, {
                        headers: { "Content-Type": "application/json" },
                    })
                ).status,
                202,
            );
            await eventually("connector paused", async () => {
                const s = await http.get<{ connector: { state: string } }>(
                    `${env.connect!.url}/connectors/${connector}/status`,
                );
                return s.data.connector.state === "PAUSED" ? true : undefined;
            });
            const more = await runTool("car-transactions", [
                "--kafka",
                env.kafka!.bootstrap,
                "--topic",
                topic,
                "--count",
                "200",
            ]);
            assert.equal(more.code, 0, more.stderr);

            const fail = await checkLanding([
                "--target",
                spec,
                "--expect",
                "cars=500",
                "--timeout",
                "10",
            ]);
            assert.equal(fail.code, 1, fail.stdout);
            t.diagnostic(`check-landing report:\n${fail.stdout}`);
            const report = fail.stdout.trim().split("\n");
            assert.match(
                report[0],
                new RegExp(
                    `^MISSING cars\\s+300 records in \\d+ file\\(s\\) at hdfs-lines ${target} \\(expected ≥ 500\\)$`,
                ),
            );
            assert.match(
                report[1],
                new RegExp(`- connector ${connector} is PAUSED, task 0 PAUSED$`),
            );
            assert.match(report.at(-1)!, /^1 of 1 target\(s\) missing after \d+ s: cars$/);
        },
    );

    void it(
        "counts HDFS sink files by their offsets and skips +tmp and +logs",
        { timeout: 120_000 },
        async () => {
            const dir = `/landing-it-${run}/sales`;
            const put = async (path: string) => {
                const url = `${env.hdfs!.webhdfsUrl}/webhdfs/v1${path}?op=CREATE&overwrite=true&user.name=${env.hdfs!.user}`;
                // The NameNode redirects to the DataNode, which answers 201 Created.
                const res = await http.put(url, "{}\n", {
                    headers: { "Content-Type": "application/octet-stream" },
                });
                assert.equal(res.status, 201, String(res.data));
            };
            await put(`${dir}/transactions/partition=0/transactions+0+0000000000+0000000009.json`);
            await put(`${dir}/transactions/partition=1/transactions+1+0000000000+0000000004.json`);
            await put(`${dir}/+tmp/transactions/partition=0/5c1d-tmp.json`);
            await put(`${dir}/+logs/transactions/0/log`);
            const res = await checkLanding([
                "--target",
                `sales=hdfs-sink:${dir}`,
                "--timeout",
                "0",
                "--json",
            ]);
            assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
            const t = (JSON.parse(res.stdout) as LandingJson).targets[0];
            assert.equal(t.files, 2);
            assert.equal(t.records, 15);
        },
    );

    void it(
        "names the endpoint and its flag when WebHDFS cannot be reached",
        { timeout: 60_000 },
        async () => {
            const port = await freePort();
            const res = await runTool("check-landing", [
                "--webhdfs",
                `http://127.0.0.1:${port}`,
                "--target",
                "x=hdfs-sink:/x",
                "--timeout",
                "0",
            ]);
            assert.equal(res.code, 1);
            assert.match(
                res.stdout,
                new RegExp(
                    `- cannot reach WebHDFS at http://127.0.0.1:${port} \\(from flag --webhdfs\\): .*ECONNREFUSED`,
                ),
            );
        },
    );

    void it(
        "send-text posts lines through the seed 003 Flume HTTP source onto UNORGANIZED",
        { timeout: 240_000 },
        async () => {
            const topic = `UNORGANIZED-${run}`;
            // Declared first, as the pipeline does: a consumer subscribing to a topic the Flume
            // producer has not auto-created yet fails with UNKNOWN_TOPIC_OR_PARTITION (seen on a
            // loaded CI machine).
            await createTopic(topic, 1);
            const port = await freePort();
            agents.push(
                await startAgent({
                    name: "unorganized",
                    source: { type: "http", port, bind: "127.0.0.1" },
                    channel: { type: "memory" },
                    sink: { type: "kafka", topic },
                }),
            );
            await eventually("HTTP source listening", async () =>
                (await http.post(`http://127.0.0.1:${port}/`, [])).status === 200
                    ? true
                    : undefined,
            );
            const lines = Array.from(
                { length: 250 },
                (_, i) => `legacy note ${run}-${i}, "quoted"; odd | text`,
            );
            const file = join(work, "notes.txt");
            writeFileSync(file, `${lines.join("\n")}\n\n`);
            const res = await runTool("send-text", [
                file,
                "--url",
                `http://127.0.0.1:${port}`,
                "--json",
            ]);
            assert.equal(res.code, 0, res.stderr);
            assert.deepEqual(JSON.parse(res.stdout), { lines: 250, requests: 3 });

            const consumer = new Kafka({
                clientId: `landing-it-${run}`,
                brokers: [env.kafka!.bootstrap],
                logLevel: logLevel.NOTHING,
            }).consumer({ groupId: `landing-it-${run}` });
            const got: string[] = [];
            await consumer.connect();
            await consumer.subscribe({ topic, fromBeginning: true });
            await consumer.run({
                eachMessage: ({ message }) => {
                    got.push(String(message.value));
                    return Promise.resolve();
                },
            });
            await eventually(
                "250 lines on the topic",
                () => Promise.resolve(got.length >= 250 ? true : undefined),
                90_000,
            );
            await consumer.disconnect();
            assert.deepEqual([...got].sort(), [...lines].sort());
        },
    );
});
