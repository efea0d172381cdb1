import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import axios from "axios";
import { Kafka, logLevel } from "kafkajs";
import { serviceEnv } from "../../../scripts/services/control";
import { generateSales } from "../../../scripts/tools/lib/salesGen";
import { eventually } from "../../helpers/eventually";
import { runTool } from "../../helpers/tools";

const env = serviceEnv();
const skip =
    !env.kafka || !env.connect
        ? "KAFKA_BOOTSTRAP and CONNECT_URL are not set: run through `npm run test:services`"
        : false;
if (skip) console.log(`# producers.services: skipped — ${skip}`);

const ROOT = join(__dirname, "../../..");
const SAMPLE = join(ROOT, "data/sales-sample.csv");
const run = randomBytes(4).toString("hex");
const http = axios.create({ timeout: 30_000, validateStatus: () => true });
let work = "";
const connectors: string[] = [];

const kafka = () =>
    new Kafka({
        clientId: `tools-it-${run}`,
        brokers: [env.kafka!.bootstrap],
        logLevel: logLevel.NOTHING,
    });

async function createTopic(topic: string, partitions: number): Promise<void> {
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({
        topics: [{ topic, numPartitions: partitions }],
        waitForLeaders: true,
    });
    await admin.disconnect();
}

/** Every record of `topic` with its partition, read from the beginning. */
async function readAll(
    topic: string,
    expected: number,
): Promise<{ key: string; value: string; partition: number }[]> {
    const consumer = kafka().consumer({ groupId: `tools-it-${run}-${topic}` });
    const out: { key: string; value: string; partition: number }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
        eachMessage: ({ message, partition }) => {
            out.push({ key: String(message.key), value: String(message.value), partition });
            return Promise.resolve();
        },
    });
    await eventually(`${expected} records on ${topic}`, () =>
        Promise.resolve(out.length >= expected ? true : undefined),
    );
    await consumer.disconnect();
    return out;
}

before(() => {
    if (skip) return;
    work = mkdtempSync(join(tmpdir(), "tools-it-"));
});

after(async () => {
    for (const name of connectors) await http.delete(`${env.connect!.url}/connectors/${name}`);
    if (work) rmSync(work, { recursive: true, force: true });
});

void describe("produce-sales (seed 000) on real Kafka and Connect", { skip }, () => {
    void it(
        "lands every good row of the sample and reports each malformed row by line",
        { timeout: 240_000 },
        async () => {
            const topic = `transactions-${run}`;
            await createTopic(topic, 3);
            const expectedRejects = [
                ...generateSales(200, { seed: 1, malformedEvery: 25 }),
            ].flatMap((r) => (r.malformed ? [{ line: r.line, reason: r.malformed }] : []));

            const res = await runTool("produce-sales", [
                SAMPLE,
                "--kafka",
                env.kafka!.bootstrap,
                "--topic",
                topic,
                "--batch",
                "50",
                "--json",
            ]);
            assert.equal(res.code, 0, res.stderr);
            const summary = JSON.parse(res.stdout) as {
                records: number;
                rejected: { line: number; reason: string }[];
            };
            assert.equal(summary.records, 192);
            assert.deepEqual(summary.rejected, expectedRejects);
            assert.deepEqual(
                summary.rejected.map((r) => r.line),
                [29, 58, 86, 115, 143, 172, 200, 229],
            );

            // The seed's consumer is an HDFS sink; the local worker has FileStream, which writes one
            // line per record value: the line count is the number of records that landed.
            const file = join(work, "sales.jsonl");
            const name = `sales-file-sink-${run}`;
            connectors.push(name);
            const put = await http.put(`${env.connect!.url}/connectors/${name}/config`, {
                "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                "tasks.max": "1",
                topics: topic,
                file,
                "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            });
            assert.equal(put.status, 201, JSON.stringify(put.data));
            const lines = await eventually(
                "192 records in the FileStream sink's file",
                () => {
                    if (!existsSync(file)) return Promise.resolve(undefined);
                    const l = readFileSync(file, "utf8")
                        .split("\n")
                        .filter((x) => x !== "");
                    return Promise.resolve(l.length >= 192 ? l : undefined);
                },
                120_000,
            );
            assert.equal(lines.length, 192);
            const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
            assert.equal(new Set(records.map((r) => r.product_id)).size, 192);
            for (const r of records) {
                assert.equal(typeof r.discounted_price, "number");
                assert.equal(typeof r.actual_price, "number");
                assert.equal(typeof r.rating_count, "number");
            }

            const onTopic = await readAll(topic, 192);
            assert.equal(onTopic.length, 192);
            for (const m of onTopic) {
                assert.equal(m.key, (JSON.parse(m.value) as { product_id: string }).product_id);
            }
        },
    );
});

void describe("simulate-sensors (seed 003) on real Kafka", { skip }, () => {
    void it(
        "keys readings by sensor id: one partition per sensor, in order",
        { timeout: 180_000 },
        async () => {
            const topic = `INGESTION-${run}`;
            await createTopic(topic, 3);
            const res = await runTool("simulate-sensors", [
                "--kafka",
                env.kafka!.bootstrap,
                "--topic",
                topic,
                "--sensors",
                "6",
                "--count",
                "400",
                "--batch",
                "100",
                "--json",
            ]);
            assert.equal(res.code, 0, res.stderr);
            assert.equal((JSON.parse(res.stdout) as { records: number }).records, 2400);

            const records = await readAll(topic, 2400);
            assert.equal(records.length, 2400);
            const bySensor = new Map<string, { partition: number; seq: number }[]>();
            for (const r of records) {
                const envelope = JSON.parse(r.value) as {
                    payload: string;
                    correlation_id: string;
                    created_at: number;
                    schema_version: number;
                };
                const payload = JSON.parse(envelope.payload) as { sensor_id: string; seq: number };
                assert.equal(payload.sensor_id, r.key);
                assert.equal(envelope.schema_version, 1);
                assert.equal(typeof envelope.created_at, "number");
                bySensor.set(r.key, [
                    ...(bySensor.get(r.key) ?? []),
                    { partition: r.partition, seq: payload.seq },
                ]);
            }
            assert.deepEqual([...bySensor.keys()].sort(), ["1", "2", "3", "4", "5", "6"]);
            const partitions = new Set<number>();
            for (const [id, rs] of bySensor) {
                assert.equal(
                    new Set(rs.map((r) => r.partition)).size,
                    1,
                    `sensor ${id} spans partitions`,
                );
                partitions.add(rs[0].partition);
                assert.deepEqual(
                    rs.map((r) => r.seq),
                    Array.from({ length: 400 }, (_, i) => i),
                    `sensor ${id} out of order`,
                );
            }
            assert.ok(partitions.size > 1, "six keys all hashed to one partition");
        },
    );
});
