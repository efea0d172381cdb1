/**
 * Streams a sales CSV through csv-parse (never the whole file in memory) and yields, in file
 * order, each data row preprocessed or rejected with its line number and reason. Rows the CSV
 * parser cannot split (a stray quote) are rejected too, with the parser's message.
 */
import { parse, type CsvError } from "csv-parse";
import type { Readable } from "node:stream";
import { headerIndex, preprocessSalesRow, type SalesRecord } from "./sales";

/** A row that was not produced. */
export interface RejectedRow {
    /** 1-based line where the row starts (the header is line 1). */
    readonly line: number;
    readonly reason: string;
}

/** One parsed item: a record to produce or a rejected row. */
export type SalesItem =
    | { readonly line: number; readonly record: SalesRecord }
    | { readonly line: number; readonly rejected: RejectedRow };

/** Line where a record starts: its end line minus the line breaks inside it. */
export function startLine(endLine: number, raw: string): number {
    const body = raw.replace(/^(\r?\n)+/, "").replace(/\r?\n$/, "");
    return endLine - (body.match(/\n/g)?.length ?? 0);
}

/**
 * Yields every data row of `input`; `bytesRead()` (for progress) is the parser's position.
 * Throws when the header lacks a column.
 */
export function readSalesCsv(input: Readable): {
    items: AsyncGenerator<SalesItem>;
    bytesRead: () => number;
} {
    const skipped: RejectedRow[] = [];
    // After a stray quote the parser may trip again on the same line: one bad row, one report.
    let lastSkipLine = -1;
    const parser = parse({
        bom: true,
        info: true,
        raw: true,
        relax_column_count: true,
        skip_empty_lines: true,
        skip_records_with_error: true,
        on_skip: (err: CsvError | undefined) => {
            const line = typeof err?.lines === "number" ? err.lines : 0;
            const reason = (err?.message ?? "unparseable CSV").replace(/ at line \d+/, "");
            if (line === lastSkipLine) return undefined;
            lastSkipLine = line;
            skipped.push({ line, reason: `CSV: ${reason}` });
            return undefined;
        },
    });
    input.on("error", (err) => parser.destroy(err));
    input.pipe(parser);

    async function* items(): AsyncGenerator<SalesItem> {
        let at: ReturnType<typeof headerIndex> | undefined;
        let width = 0;
        const flushSkipped = function* (before: number): Generator<SalesItem> {
            while (skipped.length > 0 && skipped[0].line < before) {
                const r = skipped.shift()!;
                yield { line: r.line, rejected: r };
            }
        };
        for await (const chunk of parser) {
            const { record, info, raw } = chunk as {
                record: string[];
                info: { lines: number };
                raw: string;
            };
            const line = startLine(info.lines, raw);
            yield* flushSkipped(line);
            if (at === undefined) {
                at = headerIndex(record);
                if (typeof at === "string") throw new Error(`line ${line}: ${at}`);
                width = record.length;
                continue;
            }
            if (typeof at === "string") continue;
            const r = preprocessSalesRow(record, at, width);
            yield r.ok
                ? { line, record: r.record }
                : { line, rejected: { line, reason: r.reason } };
        }
        yield* flushSkipped(Number.POSITIVE_INFINITY);
    }
    return { items: items(), bytesRead: () => parser.info.bytes };
}
