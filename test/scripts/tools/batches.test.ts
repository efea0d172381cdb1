import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    BATCH_OVERHEAD_BYTES,
    BatchBuilder,
    oversizeReason,
    RECORD_OVERHEAD_BYTES,
    recordBytes,
    splitBatches,
    type OutRecord,
} from "../../../scripts/tools/lib/batches";

const rec = (valueBytes: number, key: string | null = "k"): OutRecord => ({
    key,
    value: "x".repeat(valueBytes),
});

void describe("batch splitting", () => {
    void it("estimates a record's bytes from key, value and framing", () => {
        assert.equal(recordBytes(rec(100)), 1 + 100 + RECORD_OVERHEAD_BYTES);
        assert.equal(recordBytes({ key: null, value: "é" }), 2 + RECORD_OVERHEAD_BYTES);
    });

    void it("cuts batches at the record count", () => {
        const batches = splitBatches(
            Array.from({ length: 2500 }, () => rec(10)),
            {
                maxRecords: 1000,
                maxBytes: 1_000_000,
            },
        );
        assert.deepEqual(
            batches.map((b) => b.length),
            [1000, 1000, 500],
        );
    });

    void it("cuts batches so none exceeds the byte limit", () => {
        const maxBytes = 1_000_000;
        const records = Array.from({ length: 100 }, () => rec(100_000));
        const batches = splitBatches(records, { maxRecords: 1000, maxBytes });
        assert.equal(batches.flat().length, 100);
        for (const b of batches) {
            const bytes = b.reduce((n, r) => n + recordBytes(r), BATCH_OVERHEAD_BYTES);
            assert.ok(bytes <= maxBytes, `${bytes} > ${maxBytes}`);
        }
        // 100,033 bytes per record: 9 fit under 1,000,000 with the batch framing.
        assert.deepEqual(
            batches.map((b) => b.length),
            [...Array<number>(11).fill(9), 1],
        );
    });

    void it("keeps record order across batches", () => {
        const records = Array.from({ length: 30 }, (_, i) => ({ key: "s", value: String(i) }));
        const batches = splitBatches(records, { maxRecords: 7, maxBytes: 1_000_000 });
        assert.deepEqual(batches.flat(), records);
        assert.deepEqual(
            batches.map((b) => b.length),
            [7, 7, 7, 7, 2],
        );
    });

    void it("never puts more than maxRecords in a batch, even at 1", () => {
        const batches = splitBatches([rec(1), rec(1), rec(1)], { maxRecords: 1, maxBytes: 10_000 });
        assert.deepEqual(
            batches.map((b) => b.length),
            [1, 1, 1],
        );
    });

    void it("refuses a record that can never fit, naming its size", () => {
        const big = rec(1_000_000);
        assert.equal(
            oversizeReason(big, 1_000_000),
            `record of ${1 + 1_000_000 + RECORD_OVERHEAD_BYTES + BATCH_OVERHEAD_BYTES} bytes exceeds the 1000000-byte request limit`,
        );
        assert.equal(oversizeReason(rec(10), 1_000_000), undefined);
        assert.throws(() => new BatchBuilder({ maxRecords: 10, maxBytes: 1_000_000 }).add(big));
    });
});
