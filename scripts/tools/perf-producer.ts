/**
 * `npm run perf-producer -- --kafka 127.0.0.1:9092 --records 100000`: figures for the shared
 * producer against the seeds' pattern (one record, then wait for it: produce + flush per record),
 * same broker, same record size, acks=all; prints records/s, the ratio and peak RSS. `--client
 * kafkajs` measures the kafkajs send path instead of the wire one. `npm run bench` runs the same
 * comparison with Kafka's ProducerPerformance beside it.
 */
import { Kafka, logLevel } from "kafkajs";
import { positiveInt, runTool, toolCommand } from "./lib/cli";
import { CRC32C_IMPLEMENTATION } from "./lib/kafkaWire";
import { BatchingProducer } from "./lib/producer";

const program = toolCommand(
    "perf-producer",
    "Measure the shared producer against the seeds' produce-then-flush pattern",
)
    .requiredOption("--kafka <servers>", "bootstrap servers")
    .option("--records <n>", "records for the batched producer", positiveInt, 100_000)
    .option("--seed-records <n>", "records for the seed pattern (slow)", positiveInt, 3_000)
    .option("--size <bytes>", "record value size", positiveInt, 1024)
    .option("--batch <n>", "records per send", positiveInt, 1000)
    .option("--in-flight <n>", "sends in flight", positiveInt, 4)
    .option("--partitions <n>", "partitions of the scratch topics", positiveInt, 3)
    .option("--no-idempotence", "batched producer without idempotence")
    .option("--compression <codec>", "gzip or none", "none")
    .option("--client <client>", "wire (the default) or kafkajs", "wire");

runTool(async () => {
    program.parse();
    const o = program.opts<{
        kafka: string;
        records: number;
        seedRecords: number;
        size: number;
        batch: number;
        inFlight: number;
        partitions: number;
        idempotence: boolean;
        compression: "gzip" | "none";
        client: "wire" | "kafkajs";
    }>();
    if (o.client !== "wire" && o.client !== "kafkajs") {
        throw new Error(`--client must be wire or kafkajs, not "${String(o.client)}"`);
    }
    const kafka = new Kafka({
        clientId: "perf-producer",
        brokers: o.kafka.split(","),
        logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    const suffix = Date.now().toString(36);
    const topics = [`perf-batched-${suffix}`, `perf-seed-${suffix}`];
    await admin.createTopics({
        topics: topics.map((topic) => ({ topic, numPartitions: o.partitions })),
        waitForLeaders: true,
    });
    const value = "x".repeat(o.size);
    let peakRss = process.memoryUsage().rss;
    const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    try {
        const p = new BatchingProducer({
            kafka: { value: o.kafka, source: "flag --kafka" },
            topic: topics[0],
            batchRecords: o.batch,
            inFlight: o.inFlight,
            idempotent: o.idempotence,
            compression: o.compression,
            client: o.client,
        });
        await p.connect();
        let t = process.hrtime.bigint();
        for (let i = 0; i < o.records; i++) await p.send({ key: String(i % 1000), value });
        await p.close();
        const batchedRate = o.records / (Number(process.hrtime.bigint() - t) / 1e9);

        const seed = kafka.producer({ idempotent: false });
        await seed.connect();
        t = process.hrtime.bigint();
        for (let i = 0; i < o.seedRecords; i++) {
            await seed.send({
                topic: topics[1],
                acks: -1,
                messages: [{ key: String(i % 1000), value }],
            });
        }
        await seed.disconnect();
        const seedRate = o.seedRecords / (Number(process.hrtime.bigint() - t) / 1e9);
        console.log(
            `batched producer: ${Math.round(batchedRate)} records/s (${o.records} × ${o.size} B, batch ${o.batch}, ${o.inFlight} in flight, idempotence ${o.idempotence ? "on" : "off"}, ${o.compression}, client ${o.client}${o.client === "wire" ? `, CRC-32C ${CRC32C_IMPLEMENTATION}` : ""})`,
        );
        console.log(
            `seed pattern (send + wait per record): ${Math.round(seedRate)} records/s (${o.seedRecords} records)`,
        );
        console.log(`ratio batched/seed: ${(batchedRate / seedRate).toFixed(1)}`);
        console.log(`peak RSS: ${(peakRss / 1024 / 1024).toFixed(0)} MiB`);
    } finally {
        clearInterval(sample);
        await admin.deleteTopics({ topics }).catch(() => undefined);
        await admin.disconnect();
    }
});
