import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import {
    coerceNumber,
    headerIndex,
    parsePrice,
    preprocessSalesRow,
    SALES_COLUMNS,
} from "../../../scripts/tools/lib/sales";
import { readSalesCsv, startLine, type SalesItem } from "../../../scripts/tools/lib/salesCsv";
import { generateSales } from "../../../scripts/tools/lib/salesGen";

const SAMPLE = join(__dirname, "../../../data/sales-sample.csv");

async function collect(text: string): Promise<SalesItem[]> {
    const out: SalesItem[] = [];
    for await (const item of readSalesCsv(Readable.from([text])).items) out.push(item);
    return out;
}

const at = headerIndex([...SALES_COLUMNS]) as Map<(typeof SALES_COLUMNS)[number], number>;
const good = [
    "B07JW9H4J1",
    "Cable",
    "Computers",
    "₹399",
    "₹1,099",
    "64%",
    "4.2",
    "24,269",
    "about",
    "U1",
    "user",
    "R1",
    "title",
    "content",
    "img",
    "link",
];
const row = (i: number, v: string) => good.map((f, j) => (j === i ? v : f));

void describe("sales preprocessing (seed 000)", () => {
    for (const [text, want] of [
        ["₹1,099", 1099],
        ["₹399", 399],
        ["64%", 64],
        ["₹1,099.50", 1099.5],
        ["12", 12],
        ["N/A", undefined],
        ["", undefined],
        ["1.2.3", undefined],
    ] as const) {
        void it(`parses price ${JSON.stringify(text)} as ${String(want)}`, () => {
            assert.equal(parsePrice(text), want);
        });
    }

    for (const [text, want] of [
        ["4.2", 4.2],
        ["24,269", 24269],
        ["1,234,567", 1234567],
        ["|", undefined],
        ["", undefined],
        ["4.2x", undefined],
    ] as const) {
        void it(`coerces ${JSON.stringify(text)} to ${String(want)}`, () => {
            assert.equal(coerceNumber(text), want);
        });
    }

    void it("turns a good row into numbers, keeping the text columns", () => {
        const r = preprocessSalesRow(good, at, 16);
        assert.ok(r.ok);
        assert.equal(r.record.product_id, "B07JW9H4J1");
        assert.equal(r.record.discounted_price, 399);
        assert.equal(r.record.actual_price, 1099);
        assert.equal(r.record.discount_percentage, 64);
        assert.equal(r.record.rating, 4.2);
        assert.equal(r.record.rating_count, 24269);
        assert.equal(r.record.review_content, "content");
    });

    void it("coerces a non-numeric rating to null and an empty rating_count to 0", () => {
        const r = preprocessSalesRow(
            row(7, "").map((f, j) => (j === 6 ? "|" : f)),
            at,
            16,
        );
        assert.ok(r.ok);
        assert.equal(r.record.rating, null);
        assert.equal(r.record.rating_count, 0);
    });

    for (const [fields, reason] of [
        [good.slice(0, 15), "expected 16 fields, found 15"],
        [[...good, "x"], "expected 16 fields, found 17"],
        [row(0, "  "), "product_id is empty"],
        [row(3, ""), "discounted_price is empty"],
        [row(4, "N/A"), 'actual_price "N/A" is not a number'],
        [row(5, "lots%"), 'discount_percentage "lots%" is not a number'],
    ] as const) {
        void it(`rejects a row: ${reason}`, () => {
            assert.deepEqual(preprocessSalesRow(fields, at, 16), { ok: false, reason });
        });
    }

    void it("names the missing columns of a bad header", () => {
        assert.equal(
            headerIndex(["product_id", "product_name"]),
            `header lacks column(s) ${SALES_COLUMNS.slice(2).join(", ")}`,
        );
    });
});

void describe("sales CSV reader", () => {
    void it("computes a record's first line from its end line and raw text", () => {
        assert.equal(startLine(2, "1,2,3\n"), 2);
        assert.equal(startLine(5, '\n4,"x\ny",6\n'), 4);
        assert.equal(startLine(7, 'a,"b\nc\nd"\n'), 5);
    });

    void it("reports rows by the line they start on, across multi-line fields", async () => {
        const header = SALES_COLUMNS.join(",");
        const multi = row(13, "two\nlines").map((f) =>
            f.includes("\n") || f.includes(",") ? `"${f}"` : f,
        );
        const text = [
            header,
            multi.join(","),
            row(4, "N/A")
                .map((f) => (f.includes(",") ? `"${f}"` : f))
                .join(","),
            "",
        ].join("\n");
        const items = await collect(text);
        assert.deepEqual(
            items.map((i) =>
                "rejected" in i ? `${i.line}: ${i.rejected.reason}` : `${i.line}: ok`,
            ),
            ["2: ok", '4: actual_price "N/A" is not a number'],
        );
    });

    void it("rejects a row with a stray quote with the parser's reason and its line", async () => {
        const header = SALES_COLUMNS.join(",");
        const ok = good.map((f) => (f.includes(",") ? `"${f}"` : f)).join(",");
        const items = await collect(`${header}\n${ok}\n"B0"X,${ok.slice(11)}\n${ok}\n`);
        const rejected = items.flatMap((i) => ("rejected" in i ? [i.rejected] : []));
        assert.equal(rejected.length, 1);
        assert.equal(rejected[0].line, 3);
        assert.match(rejected[0].reason, /^CSV: Invalid Closing Quote/);
        assert.equal(items.filter((i) => "record" in i).length, 2);
    });

    void it("fails on a header without the dataset's columns", async () => {
        await assert.rejects(collect("a,b\n1,2\n"), /line 1: header lacks column\(s\) product_id/);
    });
});

void describe("synthetic sales CSV", () => {
    void it("rejects exactly the rows the generator made malformed, at their lines", async () => {
        const rows = [...generateSales(120, { seed: 7, malformedEvery: 10 })];
        const expected = rows.flatMap((r) => (r.malformed ? [`${r.line}: ${r.malformed}`] : []));
        const items = await collect(rows.map((r) => r.text).join(""));
        assert.deepEqual(
            items.flatMap((i) => ("rejected" in i ? [`${i.line}: ${i.rejected.reason}`] : [])),
            expected,
        );
        assert.equal(expected.length, 12);
        assert.equal(items.filter((i) => "record" in i).length, 108);
    });

    void it("is the same file for the same seed", () => {
        const a = [...generateSales(50, { seed: 3 })].map((r) => r.text).join("");
        const b = [...generateSales(50, { seed: 3 })].map((r) => r.text).join("");
        assert.equal(a, b);
    });

    void it("keeps the committed sample as generated (--rows 200 --malformed-every 25 --seed 1)", () => {
        const text = [...generateSales(200, { seed: 1, malformedEvery: 25 })]
            .map((r) => r.text)
            .join("");
        assert.equal(readFileSync(SAMPLE, "utf8"), text);
    });
});
