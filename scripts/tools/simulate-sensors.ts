/**
 * `npm run simulate-sensors -- --sensors 6 --seconds 60`: seed 003's sources. N sensors, each at
 * its own sample rate, produce the seed's envelope to `INGESTION`, keyed by sensor id.
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
import { BatchingProducer } from "./lib/producer";
import { sensorRates, sensorRecord } from "./lib/sensors";

interface Options extends KafkaOptions {
    sensors: number;
    ids?: string;
    rates?: string;
    seconds?: number;
    count?: number;
    json?: boolean;
}

const program = withKafkaOptions(
    toolCommand(
        "simulate-sensors",
        "Produce seed 003 sensor readings to INGESTION, one sample rate per sensor, keyed by sensor id",
    ),
    "INGESTION",
)
    .option("--sensors <n>", "sensors 1..n (the dev stack routes 1-6)", positiveInt, 6)
    .option("--ids <list>", "comma-separated sensor ids instead of 1..n")
    .option(
        "--rates <hz>",
        "comma-separated sample rates (Hz), cycled over the sensors",
        "1,2,5,10",
    )
    .option("--seconds <s>", "run this long (default 10 unless --count)", positiveNumber)
    .option(
        "--count <n>",
        "readings per sensor, as fast as Kafka takes them (ignores rates)",
        positiveInt,
    )
    .option("--json", "print the summary as JSON");

runTool(async () => {
    program.parse();
    const o = program.opts<Options>();
    const ids = o.ids
        ? o.ids
              .split(",")
              .map((s) => s.trim())
              .filter((s) => s !== "")
        : Array.from({ length: o.sensors }, (_, i) => String(i + 1));
    const rates = o.rates!.split(",").map((r) => positiveNumber(r.trim()));
    const producer = new BatchingProducer(
        producerSettings(o, await kafkaEndpoint(o), "simulate-sensors"),
    );
    await producer.connect();
    const start = Date.now();
    const until =
        o.count !== undefined ? Number.POSITIVE_INFINITY : start + (o.seconds ?? 10) * 1000;
    const perSensor: Record<string, number> = {};
    try {
        await Promise.all(
            sensorRates(ids, rates).map(async ({ id, hz }) => {
                perSensor[id] = await paced(
                    o.count ?? Number.MAX_SAFE_INTEGER,
                    o.count !== undefined ? undefined : hz,
                    (seq) =>
                        producer.send(
                            sensorRecord(id, seq, 500 + Math.round(Math.random() * 1000)),
                        ),
                    until,
                );
            }),
        );
    } finally {
        await producer.close();
    }
    const seconds = (Date.now() - start) / 1000;
    const summary = { topic: o.topic, records: producer.stats.records, seconds, perSensor };
    if (o.json) console.log(JSON.stringify(summary));
    else {
        console.log(
            `produced ${summary.records} readings to ${o.topic} in ${seconds.toFixed(1)} s: ` +
                Object.entries(perSensor)
                    .map(([id, n]) => `sensor ${id} ${n}`)
                    .join(", "),
        );
    }
});
