/**
 * `npm run car-transactions -- --count 1000`: seed 002's generator. Car transactions as JSON to
 * the `Cars` topic, which the Flume agent drains into HDFS `/Cars`.
 */
import {
    kafkaEndpoint,
    paced,
    positiveInt,
    positiveNumber,
    producerSettings,
    runTool,
    toolCommand,
    withKafkaOptions,
    type KafkaOptions,
} from "./lib/cli";
import { carTransaction } from "./lib/generators";
import { BatchingProducer } from "./lib/producer";

const program = withKafkaOptions(
    toolCommand("car-transactions", "Produce seed 002 car transactions (JSON) to the Cars topic"),
    "Cars",
)
    .option("--count <n>", "transactions to produce", positiveInt, 1000)
    .option(
        "--rate <per-second>",
        "pace them (the seed sent one every 2 s); default: as fast as Kafka takes them",
        positiveNumber,
    )
    .option("--json", "print the summary as JSON");

runTool(async () => {
    program.parse();
    const o = program.opts<KafkaOptions & { count: number; rate?: number; json?: boolean }>();
    const producer = new BatchingProducer(
        producerSettings(o, await kafkaEndpoint(o), "car-transactions"),
    );
    await producer.connect();
    const start = Date.now();
    try {
        // Unkeyed as in the seed: transactions spread over the partitions.
        await paced(o.count, o.rate, (_) =>
            producer.send({ key: null, value: JSON.stringify(carTransaction()) }),
        );
    } finally {
        await producer.close();
    }
    const seconds = (Date.now() - start) / 1000;
    if (o.json)
        console.log(JSON.stringify({ topic: o.topic, records: producer.stats.records, seconds }));
    else
        console.log(
            `produced ${producer.stats.records} car transactions to ${o.topic} in ${seconds.toFixed(1)} s`,
        );
});
