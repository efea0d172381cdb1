/**
 * `npm run produce-users -- --count 500`: seed 001's publisher. Generated users (the shape the
 * seed's RandomUser transform produced, post code hashed) as JSON to `created_users`, keyed by
 * username; the S3 sink lands them in the data lake.
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
import { createdUser } from "./lib/generators";
import { BatchingProducer } from "./lib/producer";

const program = withKafkaOptions(
    toolCommand(
        "produce-users",
        "Produce seed 001 users (JSON) to created_users, keyed by username",
    ),
    "created_users",
)
    .option("--count <n>", "users to produce", positiveInt, 500)
    .option(
        "--rate <per-second>",
        "pace them; default: as fast as Kafka takes them",
        positiveNumber,
    )
    .option("--json", "print the summary as JSON");

runTool(async () => {
    program.parse();
    const o = program.opts<KafkaOptions & { count: number; rate?: number; json?: boolean }>();
    const producer = new BatchingProducer(
        producerSettings(o, await kafkaEndpoint(o), "produce-users"),
    );
    await producer.connect();
    const start = Date.now();
    try {
        await paced(o.count, o.rate, (i) => {
            const user = createdUser(i);
            return producer.send({ key: user.username, value: JSON.stringify(user) });
        });
    } finally {
        await producer.close();
    }
    const seconds = (Date.now() - start) / 1000;
    if (o.json)
        console.log(JSON.stringify({ topic: o.topic, records: producer.stats.records, seconds }));
    else
        console.log(
            `produced ${producer.stats.records} users to ${o.topic} in ${seconds.toFixed(1)} s`,
        );
});
