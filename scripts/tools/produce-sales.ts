/**
 * `npm run produce-sales -- <csv>`: seed 000's producer. Streams the sales CSV, preprocesses each
 * row as the seed did, produces it as JSON keyed by `product_id` to `transactions`, and reports
 * every rejected row with its line number and reason.
 */
import { createReadStream, statSync } from "node:fs";
import { SingleBar, Presets } from "cli-progress";
import { oversizeReason, DEFAULT_MAX_BATCH_BYTES } from "./lib/batches";
import {
    formatBytes,
    kafkaEndpoint,
    producerSettings,
    runTool,
    toolCommand,
    withKafkaOptions,
    type KafkaOptions,
} from "./lib/cli";
import { BatchingProducer } from "./lib/producer";
import { readSalesCsv, type RejectedRow } from "./lib/salesCsv";

interface Options extends KafkaOptions {
    progress: boolean;
    json: boolean;
    maxListed: number;
}

/** What a run did; printed as text, or as JSON with `--json`. */
export interface SalesSummary {
    readonly file: string;
    readonly topic: string;
    readonly records: number;
    readonly bytes: number;
    readonly seconds: number;
    readonly recordsPerSecond: number;
    readonly rejected: RejectedRow[];
}

const program = withKafkaOptions(
    toolCommand("produce-sales", "Produce a sales CSV (seed 000) to Kafka, keyed by product_id"),
    "transactions",
)
    .argument("<csv>", "sales CSV with the Amazon dataset's columns (e.g. data/sales-sample.csv)")
    .option("--no-progress", "no progress bar (also off when stderr is not a terminal)")
    .option("--json", "print the summary as JSON")
    .option("--max-listed <n>", "rejected rows listed in the text summary", Number, 50);

runTool(async () => {
    program.parse();
    const file = program.args[0];
    const o = program.opts<Options>();
    const size = statSync(file).size;
    const kafka = await kafkaEndpoint(o);
    const bar =
        o.progress && process.stderr.isTTY
            ? new SingleBar(
                  {
                      format: "{bar} {percentage}% | {records} records, {rejected} rejected | {eta_formatted}",
                      hideCursor: true,
                  },
                  Presets.shades_classic,
              )
            : undefined;
    const producer = new BatchingProducer({
        ...producerSettings(o, kafka, "produce-sales"),
        onAck: () => bar?.update(csv.bytesRead(), { records: producer.stats.records }),
    });
    await producer.connect();
    const csv = readSalesCsv(createReadStream(file));
    const rejected: RejectedRow[] = [];
    const start = process.hrtime.bigint();
    bar?.start(size, 0, { records: 0, rejected: 0 });
    try {
        for await (const item of csv.items) {
            if ("rejected" in item) {
                rejected.push(item.rejected);
                bar?.update(csv.bytesRead(), { rejected: rejected.length });
                continue;
            }
            const out = { key: item.record.product_id, value: JSON.stringify(item.record) };
            const tooBig = oversizeReason(out, DEFAULT_MAX_BATCH_BYTES);
            if (tooBig) {
                rejected.push({ line: item.line, reason: tooBig });
                continue;
            }
            await producer.send(out);
        }
    } finally {
        await producer.close().finally(() => bar?.stop());
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const summary: SalesSummary = {
        file,
        topic: o.topic,
        records: producer.stats.records,
        bytes: producer.stats.bytes,
        seconds: Number(seconds.toFixed(3)),
        recordsPerSecond: Math.round(producer.stats.records / Math.max(seconds, 1e-9)),
        rejected,
    };
    if (o.json) {
        console.log(JSON.stringify(summary));
        return;
    }
    console.log(
        `produced ${summary.records} records (${formatBytes(summary.bytes)}) to ${o.topic} at ` +
            `${kafka.value} in ${summary.seconds} s (${summary.recordsPerSecond} records/s, ` +
            `${producer.stats.sends} sends)`,
    );
    console.log(`rejected ${rejected.length} row(s)${rejected.length > 0 ? ":" : ""}`);
    for (const r of rejected.slice(0, o.maxListed)) console.log(`  line ${r.line}: ${r.reason}`);
    if (rejected.length > o.maxListed) {
        console.log(`  … and ${rejected.length - o.maxListed} more (--json lists them all)`);
    }
});
