/**
 * The wire producer's encoding checked against kafkajs's independent implementation: CRC-32C,
 * Kafka's murmur2 key partitioning, and record batches byte for byte (uncompressed) or decoded
 * back to the same records (gzip).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import { Partitioners, type PartitionMetadata } from "kafkajs";
import {
    crc32c,
    crc32cJs,
    encodeRecordBatch,
    keyPartition,
    murmur2,
} from "../../../scripts/tools/lib/kafkaWire";

const load = createRequire(require.resolve("kafkajs"));
const kjsCrc = load("./src/protocol/recordBatch/crc32C") as (b: Buffer) => number;
const kjsMurmur2 = load("./src/producer/partitioners/default/murmur2") as (k: string) => number;
const Long = load("./src/utils/long") as { fromValue(v: number | bigint | string): unknown };
const { RecordBatch: KjsRecordBatch } = load("./src/protocol/recordBatch/v0") as {
    RecordBatch: (o: object) => Promise<{ buffer: Buffer }>;
};
const KjsRecord = load("./src/protocol/recordBatch/record/v0") as (o: object) => unknown;
const KjsDecoder = load("./src/protocol/decoder") as new (b: Buffer) => unknown;
const decodeBatch = load("./src/protocol/recordBatch/v0/decoder") as (d: unknown) => Promise<{
    records: { key: Buffer | null; value: Buffer; offset: string }[];
    producerId: string;
    producerEpoch: number;
    firstSequence: number;
}>;

const records = [
    { key: "sensor-1", value: "x".repeat(1024) },
    { key: null, value: '{"a":1}' },
    { key: "ключ", value: "значение €" },
    { key: "", value: "" },
    ...Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: `v${"y".repeat(i)}` })),
];

void describe("kafkaWire encoding", () => {
    void it("computes CRC-32C like kafkajs (and the standard check value)", () => {
        assert.equal(crc32c(Buffer.from("123456789")), 0xe3069283);
        assert.equal(crc32cJs(Buffer.from("123456789")), 0xe3069283);
        for (const n of [0, 1, 7, 8, 9, 63, 1000, 65_537]) {
            const b = randomBytes(n);
            assert.equal(crc32cJs(b), kjsCrc(b), `JS, ${n} bytes`);
            assert.equal(crc32c(b), kjsCrc(b), `default, ${n} bytes`);
        }
        const b = randomBytes(100);
        assert.equal(crc32c(b, 3, 97), kjsCrc(b.subarray(3, 97)));
        assert.equal(crc32cJs(b, 3, 97), kjsCrc(b.subarray(3, 97)));
    });

    void it("hashes keys to the same partitions as kafkajs's default (Java-compatible) partitioner", () => {
        const partitioner = Partitioners.DefaultPartitioner();
        const meta = Array.from({ length: 7 }, (_, p) => ({
            partitionId: p,
            leader: 0,
        })) as unknown as PartitionMetadata[];
        for (let i = 0; i < 3000; i++) {
            const key = i % 3 === 0 ? String(i) : `sensor-${i}-é-${"k".repeat(i % 13)}`;
            assert.equal(murmur2(Buffer.from(key)), kjsMurmur2(key), key);
            assert.equal(
                keyPartition(key, 7),
                partitioner({ topic: "t", partitionMetadata: meta, message: { key, value: "" } }),
                key,
            );
        }
    });

    void it("encodes an uncompressed batch byte for byte as kafkajs does", async () => {
        const ts = 1_700_000_000_123;
        for (const identity of [undefined, { producerId: 4242n, epoch: 3 }]) {
            const ours = await encodeRecordBatch(records, {
                identity,
                baseSequence: 77,
                timestamp: ts,
            });
            const theirs = await KjsRecordBatch({
                firstTimestamp: ts,
                maxTimestamp: ts,
                partitionLeaderEpoch: -1,
                lastOffsetDelta: records.length - 1,
                producerId: Long.fromValue(identity ? 4242 : -1),
                producerEpoch: identity ? 3 : -1,
                firstSequence: identity ? 77 : -1,
                records: records.map((r, i) =>
                    KjsRecord({
                        key: r.key === null ? null : Buffer.from(r.key),
                        value: Buffer.from(r.value),
                        offsetDelta: i,
                        timestampDelta: 0,
                    }),
                ),
            });
            assert.ok(ours.equals(theirs.buffer), `identity ${identity ? "set" : "none"}`);
        }
    });

    void it("gzip batches decode to the same records, with the producer id and sequence", async () => {
        const ours = await encodeRecordBatch(records, {
            identity: { producerId: 99n, epoch: 1 },
            baseSequence: 5,
            compression: "gzip",
        });
        const batch = await decodeBatch(new KjsDecoder(ours));
        assert.equal(batch.producerId, "99");
        assert.equal(batch.producerEpoch, 1);
        assert.equal(batch.firstSequence, 5);
        assert.deepEqual(
            batch.records.map((r) => [
                r.key === null ? null : r.key.toString(),
                r.value.toString(),
            ]),
            records.map((r) => [r.key, r.value]),
        );
        assert.deepEqual(
            batch.records.map((r) => Number(r.offset)),
            records.map((_, i) => i),
        );
    });
});
