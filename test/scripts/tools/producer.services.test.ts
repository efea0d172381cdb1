/**
 * The shared tools producer on a real broker: per-key order and exactly-once delivery with many
 * sends in flight (wire client and kafkajs client), batches split under the broker's 1 MiB
 * message limit, and an idempotent resend of a batch that had landed written only once.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, it } from "node:test";
import { Kafka, logLevel } from "kafkajs";
import { serviceEnv } from "../../../scripts/services/control";
import { BatchingProducer } from "../../../scripts/tools/lib/producer";
import { encodeRecordBatch, WireConnection } from "../../../scripts/tools/lib/kafkaWire";
import { eventually } from "../../helpers/eventually";

const env = serviceEnv();
const skip = !env.kafka ? "KAFKA_BOOTSTRAP is not set: run through `npm run test:services`" : false;
if (skip) console.log(`# producer.services: skipped — ${skip}`);

const run = randomBytes(4).toString("hex");
const topics: string[] = [];
const kafka = () =>
    new Kafka({
        clientId: `producer-it-${run}`,
        brokers: [env.kafka!.bootstrap],
        logLevel: logLevel.NOTHING,
    });

async function createTopic(name: string, partitions: number): Promise<string> {
    const topic = `${name}-${run}`;
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({
        topics: [{ topic, numPartitions: partitions }],
        waitForLeaders: true,
    });
    await admin.disconnect();
    topics.push(topic);
    return topic;
}

/** Every record of `topic` in partition-offset order, once `expected` have arrived (and 1 s more). */
async function readAll(
    topic: string,
    expected: number,
): Promise<{ key: string | null; value: string; partition: number }[]> {
    const consumer = kafka().consumer({ groupId: `producer-it-${run}-${topic}` });
    const out: { key: string | null; value: string; partition: number }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
        eachMessage: ({ message, partition }) => {
            out.push({
                key: message.key === null ? null : message.key.toString(),
                value: message.value?.toString() ?? "",
                partition,
            });
            return Promise.resolve();
        },
    });
    await eventually(
        `${expected} records on ${topic}`,
        () => Promise.resolve(out.length >= expected ? true : undefined),
        120_000,
    );
    // Anything beyond `expected` (a duplicate) would arrive right behind.
    await new Promise((r) => setTimeout(r, 1_000));
    await consumer.disconnect();
    return out;
}

after(async () => {
    if (skip || topics.length === 0) return;
    const admin = kafka().admin();
    await admin.connect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
});

void describe("shared producer on real Kafka", { skip }, () => {
    for (const client of ["wire", "kafkajs"] as const) {
        void it(
            `${client}: keeps each key's records in order, each exactly once, with 8 sends in flight`,
            { timeout: 180_000 },
            async () => {
                const topic = await createTopic(`order-${client}`, 6);
                const p = new BatchingProducer({
                    kafka: { value: env.kafka!.bootstrap, source: "test" },
                    topic,
                    client,
                    batchRecords: 50,
                    inFlight: 8,
                    compression: client === "wire" ? "none" : "gzip",
                });
                await p.connect();
                const keys = 40;
                const total = 12_000;
                for (let i = 0; i < total; i++) {
                    const key = `key-${i % keys}`;
                    await p.send({
                        key,
                        value: JSON.stringify({ key, seq: Math.floor(i / keys) }),
                    });
                }
                await p.close();
                assert.equal(p.stats.records, total);
                assert.ok(p.stats.sends >= total / 50, `${p.stats.sends} sends`);

                const got = await readAll(topic, total);
                assert.equal(got.length, total, "no record lost or duplicated");
                const byKey = new Map<string, { seq: number; partition: number }[]>();
                for (const r of got) {
                    const v = JSON.parse(r.value) as { key: string; seq: number };
                    assert.equal(r.key, v.key);
                    byKey.set(v.key, [
                        ...(byKey.get(v.key) ?? []),
                        { seq: v.seq, partition: r.partition },
                    ]);
                }
                assert.equal(byKey.size, keys);
                const partitions = new Set<number>();
                for (const [key, rs] of byKey) {
                    assert.equal(
                        new Set(rs.map((r) => r.partition)).size,
                        1,
                        `${key} spans partitions`,
                    );
                    partitions.add(rs[0].partition);
                    assert.deepEqual(
                        rs.map((r) => r.seq),
                        rs.map((_, i) => i),
                        `${key} out of order or duplicated`,
                    );
                }
                assert.ok(partitions.size > 1, "all keys hashed to one partition");
            },
        );
    }

    void it(
        "splits sends to fit the broker's 1 MiB message limit (6 MB into one partition)",
        { timeout: 180_000 },
        async () => {
            const topic = await createTopic("split", 1);
            const p = new BatchingProducer({
                kafka: { value: env.kafka!.bootstrap, source: "test" },
                topic,
                batchRecords: 100_000,
                compression: "none",
            });
            await p.connect();
            const value = "v".repeat(2_000);
            for (let i = 0; i < 3_000; i++) await p.send({ key: String(i), value });
            await p.close();
            assert.equal(p.stats.records, 3_000);
            assert.ok(p.stats.sends >= 6, `${p.stats.sends} sends for 6 MB`);
            const got = await readAll(topic, 3_000);
            assert.equal(got.length, 3_000);
            assert.ok(got.every((r) => r.value === value));
        },
    );

    void it(
        "writes an idempotent batch once when it is sent again (a retry after a lost answer)",
        { timeout: 120_000 },
        async () => {
            const topic = await createTopic("resend", 1);
            const admin = kafka().admin();
            await admin.connect();
            const { brokers } = await admin.describeCluster();
            const meta = await admin.fetchTopicMetadata({ topics: [topic] });
            await admin.disconnect();
            const leader = brokers.find((b) => b.nodeId === meta.topics[0].partitions[0].leader)!;
            const conn = new WireConnection(leader.host, leader.port, "producer-it");
            try {
                await conn.ready;
                const identity = await conn.initProducerId();
                const records = Array.from({ length: 10 }, (_, i) => ({
                    key: `k${i}`,
                    value: `v${i}`,
                }));
                const batch = await encodeRecordBatch(records, { identity, baseSequence: 0 });
                const first = await conn.produce(topic, 0, batch, -1, 30_000);
                const again = await conn.produce(topic, 0, batch, -1, 30_000);
                assert.equal(first, 0);
                assert.ok(again === 0 || again === 46, `resend answered error ${again}`);
                const next = await encodeRecordBatch([{ key: "k10", value: "v10" }], {
                    identity,
                    baseSequence: 10,
                });
                assert.equal(await conn.produce(topic, 0, next, -1, 30_000), 0);
            } finally {
                conn.close();
            }
            const got = await readAll(topic, 11);
            assert.deepEqual(
                got.map((r) => r.value),
                Array.from({ length: 11 }, (_, i) => `v${i}`),
            );
        },
    );
});
