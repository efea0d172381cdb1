/**
 * `npm run generate-sales -- --rows 100000 --out sales.csv`: a synthetic sales CSV with the real
 * dataset's columns and some malformed rows, written as a stream (any size, flat memory).
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { nonNegativeInt, positiveInt, runTool, toolCommand } from "./lib/cli";
import { generateSales } from "./lib/salesGen";

const program = toolCommand(
    "generate-sales",
    "Write a synthetic Amazon-sales CSV (seed 000's columns) with malformed rows at known lines",
)
    .option("--rows <n>", "data rows", positiveInt, 1000)
    .option("--malformed-every <n>", "every n-th row is malformed (0 = none)", nonNegativeInt, 25)
    .option("--seed <n>", "random seed (same seed, same file)", nonNegativeInt, 1)
    .option("--out <file>", "output file (default: stdout)")
    .option("--list-malformed", "print the malformed rows' lines and reasons to stderr");

runTool(async () => {
    program.parse();
    const o = program.opts<{
        rows: number;
        malformedEvery: number;
        seed: number;
        out?: string;
        listMalformed?: boolean;
    }>();
    const out = o.out ? createWriteStream(o.out) : process.stdout;
    let bad = 0;
    for (const row of generateSales(o.rows, { seed: o.seed, malformedEvery: o.malformedEvery })) {
        if (row.malformed) {
            bad += 1;
            if (o.listMalformed) console.error(`line ${row.line}: ${row.malformed}`);
        }
        if (!out.write(row.text)) await once(out, "drain");
    }
    if (o.out) {
        out.end();
        await once(out, "finish");
        console.error(`wrote ${o.rows} rows (${bad} malformed) to ${o.out}`);
    }
});
