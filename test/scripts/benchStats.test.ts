import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseProducerPerformance, rate } from "../../scripts/bench/producer";
import { fmtSummary, pool, ratio, ratioLine, rotation, summarize } from "../../scripts/bench/stats";

void describe("bench statistics", () => {
    void it("summarizes min/median/max of an odd and an even count, unsorted input", () => {
        assert.deepEqual(summarize([3, 1, 2]), { min: 1, median: 2, max: 3, n: 3 });
        assert.deepEqual(summarize([10, 4, 8, 2]), { min: 2, median: 6, max: 10, n: 4 });
        assert.deepEqual(summarize([5]), { min: 5, median: 5, max: 5, n: 1 });
    });

    void it("does not reorder the caller's samples", () => {
        const xs = [3, 1, 2];
        summarize(xs);
        assert.deepEqual(xs, [3, 1, 2]);
    });

    void it("refuses no samples and non-finite samples", () => {
        assert.throws(() => summarize([]), /no samples/);
        assert.throws(() => summarize([1, Number.NaN]), /non-finite/);
    });

    void it("takes the ratio of the medians, not of the means or extremes", () => {
        const value = summarize([30, 10, 1000]); // median 30
        const base = summarize([10, 12, 1]); // median 10
        assert.equal(ratio(value, base), 3);
        assert.equal(ratioLine("connectors-create", value, base), "ratio connectors-create: 3.00");
        assert.equal(ratio(value, summarize([0, 0, 0])), undefined);
        assert.equal(ratioLine("x", value, summarize([0])), "ratio x: n/a");
    });

    void it("alternates two contenders and rotates three", () => {
        assert.deepEqual(
            [0, 1, 2].map((r) => rotation(["a", "b"], r)),
            [
                ["a", "b"],
                ["b", "a"],
                ["a", "b"],
            ],
        );
        assert.deepEqual(
            [0, 1, 2].map((r) => rotation(["a", "b", "c"], r)[0]),
            ["a", "b", "c"],
        );
        assert.deepEqual(rotation([], 5), []);
    });

    void it("formats min/median/max", () => {
        assert.equal(fmtSummary(summarize([1.234, 2, 3]), "s"), "1.23/2.00/3.00 s");
        assert.equal(
            fmtSummary(summarize([51234.4, 60000, 70000.6]), "records/s", 0),
            "51234/60000/70001 records/s",
        );
    });

    void it("pool keeps input order and never exceeds its limit", async () => {
        let running = 0;
        let peak = 0;
        const out = await pool([5, 1, 4, 2, 3], 2, async (x) => {
            running++;
            peak = Math.max(peak, running);
            await new Promise((r) => setTimeout(r, x));
            running--;
            return x * 10;
        });
        assert.deepEqual(out, [50, 10, 40, 20, 30]);
        assert.equal(peak, 2);
        await assert.rejects(
            pool([1], 0, () => Promise.resolve(1)),
            /limit/,
        );
    });

    void it("reads ProducerPerformance's final summary line, not a progress line", () => {
        const stdout = [
            "211602 records sent, 42320.4 records/sec (41.33 MB/sec), 723.6 ms avg latency, 1288.0 ms max latency.",
            "1000000 records sent, 28662.3 records/sec (27.99 MB/sec), 934.30 ms avg latency, 3125.00 ms max latency, 818 ms 50th, 1890 ms 95th, 2958 ms 99th, 3080 ms 99.9th.",
        ].join("\n");
        assert.deepEqual(parseProducerPerformance(stdout), { records: 1_000_000, perSec: 28662.3 });
        assert.throws(() => parseProducerPerformance("log4j noise\n"), /no ProducerPerformance/);
        assert.equal(rate({ records: 1000, seconds: 4 }), 250);
    });
});
