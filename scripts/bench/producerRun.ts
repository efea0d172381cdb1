/**
 * One producer run of the benchmark, in its own process so its peak RSS is its own:
 *
 *   node --import tsx scripts/bench/producerRun.ts <ours|seed> <bootstrap> <topic> <records> <bytes>
 *
 * `ours` is the shared tools producer (scripts/tools/lib/producer.ts) at its defaults but without
 * compression (as ProducerPerformance's defaults); `seed` is
 * the seeds' pattern (one record, then wait for its acknowledgement). Both acks=all, keyed records
 * of `bytes` bytes. Prints one JSON line: records, seconds, peak RSS in bytes.
 */
import { Kafka, logLevel } from "kafkajs";
import { BatchingProducer } from "../tools/lib/producer";

async function main(): Promise<void> {
    const [mode, bootstrap, topic, recordsArg, bytesArg] = process.argv.slice(2);
    const records = Number(recordsArg);
    const bytes = Number(bytesArg);
    if (
        !["ours", "seed"].includes(mode) ||
        !bootstrap ||
        !topic ||
        !(records > 0) ||
        !(bytes > 0)
    ) {
        throw new Error("usage: producerRun.ts <ours|seed> <bootstrap> <topic> <records> <bytes>");
    }
    // Like ProducerPerformance's payload: random upper-case letters, one value for every record.
    const value = Array.from({ length: bytes }, () =>
        String.fromCharCode(65 + Math.floor(Math.random() * 26)),
    ).join("");
    let peakRss = process.memoryUsage().rss;
    const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    let seconds: number;
    if (mode === "ours") {
        const p = new BatchingProducer({
            kafka: { value: bootstrap, source: "bench" },
            topic,
            clientId: "bench-ours",
            // ProducerPerformance's default; the tools' CLI defaults to gzip.
            compression: "none",
        });
        await p.connect();
        const t = process.hrtime.bigint();
        for (let i = 0; i < records; i++) await p.send({ key: String(i % 1000), value });
        await p.close();
        seconds = Number(process.hrtime.bigint() - t) / 1e9;
    } else {
        const kafka = new Kafka({
            clientId: "bench-seed",
            brokers: bootstrap.split(","),
            logLevel: logLevel.NOTHING,
        });
        const producer = kafka.producer();
        await producer.connect();
        const t = process.hrtime.bigint();
        for (let i = 0; i < records; i++) {
            await producer.send({ topic, acks: -1, messages: [{ key: String(i % 1000), value }] });
        }
        seconds = Number(process.hrtime.bigint() - t) / 1e9;
        await producer.disconnect();
    }
    clearInterval(sample);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    process.stdout.write(JSON.stringify({ records, seconds, peakRss }) + "\n");
}

main().then(
    () => process.exit(0),
    (err: unknown) => {
        process.stderr.write(
            `${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
        );
        process.exit(1);
    },
);
