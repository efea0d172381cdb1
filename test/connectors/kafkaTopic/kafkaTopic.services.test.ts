import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { ConfigResourceTypes, Kafka, logLevel, type Admin } from "kafkajs";
import {
    checkTopic,
    kafkaTopicProvider as provider,
    type TopicInputs,
} from "../../../connectors/kafkaTopic/resource";

const KAFKA_BOOTSTRAP = process.env.KAFKA_BOOTSTRAP;
const skip = KAFKA_BOOTSTRAP
    ? false
    : "KAFKA_BOOTSTRAP is not set: run through `npm run test:services`, which starts Kafka locally";
if (skip) console.log(`# skipping KafkaTopic real-service tests: ${skip}`);

function desired(over: Record<string, unknown>): TopicInputs {
    const res = checkTopic({ bootstrapServers: KAFKA_BOOTSTRAP, replicationFactor: 1, ...over });
    assert.deepEqual(res.failures, []);
    return res.inputs as TopicInputs;
}

void describe("KafkaTopic against a real Kafka broker (kafkajs 2.2.4)", { skip }, () => {
    let kafka: Kafka;
    let admin: Admin;

    async function liveConfigs(
        name: string,
    ): Promise<Record<string, { value: string; source: number }>> {
        const res = await admin.describeConfigs({
            includeSynonyms: false,
            resources: [{ type: ConfigResourceTypes.TOPIC, name }],
        });
        return Object.fromEntries(
            res.resources[0].configEntries.map((c) => [
                c.configName,
                { value: c.configValue, source: Number(c.configSource) },
            ]),
        );
    }

    async function partitions(name: string): Promise<number> {
        const meta = await admin.fetchTopicMetadata({ topics: [name] });
        return meta.topics[0].partitions.length;
    }

    async function exists(name: string): Promise<boolean> {
        return (await admin.listTopics()).includes(name);
    }

    before(async () => {
        kafka = new Kafka({
            clientId: "topic-tests",
            brokers: [KAFKA_BOOTSTRAP!],
            logLevel: logLevel.NOTHING,
        });
        admin = kafka.admin();
        await admin.connect();
    });
    after(async () => {
        await admin?.disconnect();
    });

    void describe("lifecycle", () => {
        let outs: TopicInputs;
        const args = {
            name: "tp-readings",
            partitions: 3,
            config: { "retention.ms": 3_600_000, "cleanup.policy": "delete" },
        };

        void it("creates the topic with its partitions and declared configs", async () => {
            const res = await provider.create(desired(args));
            assert.equal(res.id, "tp-readings");
            outs = res.outs as TopicInputs;
            assert.equal(outs.partitions, 3);
            assert.equal(outs.replicationFactor, 1);
            assert.deepEqual(outs.config, {
                "cleanup.policy": "delete",
                "retention.ms": "3600000",
            });
            assert.equal(await partitions("tp-readings"), 3);
            assert.equal((await liveConfigs("tp-readings"))["retention.ms"].value, "3600000");
        });

        void it("carries messages: produce and consume through kafkajs against the broker", async () => {
            const producer = kafka.producer();
            await producer.connect();
            await producer.send({
                topic: "tp-readings",
                messages: [{ key: "sensor-1", value: "42.5" }],
            });
            await producer.disconnect();
            const consumer = kafka.consumer({ groupId: "tp-readings-test" });
            await consumer.connect();
            await consumer.subscribe({ topic: "tp-readings", fromBeginning: true });
            const got: string[] = [];
            await consumer.run({
                eachMessage: ({ message }) => {
                    got.push(`${message.key?.toString()}=${message.value?.toString()}`);
                    return Promise.resolve();
                },
            });
            const end = Date.now() + 30_000;
            while (got.length === 0 && Date.now() < end)
                await new Promise((r) => setTimeout(r, 200));
            await consumer.disconnect();
            assert.deepEqual(got, ["sensor-1=42.5"]);
        });

        void it("reads back only declared configs, so broker defaults are not drift", async () => {
            const read = await provider.read!("tp-readings", outs);
            assert.deepEqual((read.props as TopicInputs).config, outs.config);
            const diff = await provider.diff!(
                "tp-readings",
                read.props as TopicInputs,
                desired(args),
            );
            assert.equal(diff.changes, false);
        });

        void it("updates configs incrementally, keeping a config set by someone else", async () => {
            await admin.alterConfigs({
                validateOnly: false,
                resources: [
                    {
                        type: ConfigResourceTypes.TOPIC,
                        name: "tp-readings",
                        configEntries: [
                            { name: "retention.ms", value: "3600000" },
                            { name: "cleanup.policy", value: "delete" },
                            { name: "segment.bytes", value: "2097152" },
                        ],
                    },
                ],
            });
            const news = desired({ ...args, config: { "retention.ms": 7_200_000 } });
            const diff = await provider.diff!("tp-readings", outs, news);
            assert.equal(diff.changes, true);
            outs = (await provider.update!("tp-readings", outs, news)).outs as TopicInputs;
            assert.deepEqual(outs.config, { "retention.ms": "7200000" });
            const live = await liveConfigs("tp-readings");
            assert.equal(live["retention.ms"].value, "7200000");
            assert.equal(live["segment.bytes"].value, "2097152");
            assert.equal(live["segment.bytes"].source, 1);
            // No longer declared: back to the broker default, no longer a topic-level config.
            assert.notEqual(live["cleanup.policy"].source, 1);
        });

        void it("increases partitions in place", async () => {
            const news = desired({ ...args, partitions: 5, config: { "retention.ms": 7_200_000 } });
            outs = (await provider.update!("tp-readings", outs, news)).outs as TopicInputs;
            assert.equal(outs.partitions, 5);
            assert.equal(await partitions("tp-readings"), 5);
        });

        void it("refuses a partition decrease and a replication-factor change at preview", async () => {
            const base = { ...args, config: { "retention.ms": 7_200_000 } };
            await assert.rejects(
                provider.diff!("tp-readings", outs, desired({ ...base, partitions: 2 })),
                /^Error: topic tp-readings: partitions cannot decrease \(5 -> 2\)\. Kafka cannot do this without deleting the topic and its data/,
            );
            await assert.rejects(
                provider.diff!(
                    "tp-readings",
                    outs,
                    desired({ ...base, partitions: 5, replicationFactor: 2 }),
                ),
                /replicationFactor cannot change in place \(1 -> 2\)/,
            );
            assert.equal(await partitions("tp-readings"), 5);
        });

        void it("shows a config changed out of band as drift after a read", async () => {
            const current = await liveConfigs("tp-readings");
            const dynamic = Object.entries(current).filter(([, c]) => c.source === 1);
            await admin.alterConfigs({
                validateOnly: false,
                resources: [
                    {
                        type: ConfigResourceTypes.TOPIC,
                        name: "tp-readings",
                        configEntries: dynamic.map(([name, c]) => ({
                            name,
                            value: name === "retention.ms" ? "60000" : c.value,
                        })),
                    },
                ],
            });
            const read = await provider.read!("tp-readings", outs);
            const props = read.props as TopicInputs;
            assert.equal(props.config["retention.ms"], "60000");
            const news = desired({ ...args, partitions: 5, config: { "retention.ms": 7_200_000 } });
            assert.equal((await provider.diff!("tp-readings", props, news)).changes, true);
            outs = (await provider.update!("tp-readings", props, news)).outs as TopicInputs;
            assert.equal((await liveConfigs("tp-readings"))["retention.ms"].value, "7200000");
        });

        void it("deletes the topic, and a second delete succeeds", async () => {
            await provider.delete!("tp-readings", outs);
            assert.equal(await exists("tp-readings"), false);
            await provider.delete!("tp-readings", outs);
        });

        void it("reports a topic deleted out of band as gone", async () => {
            const created = (await provider.create(desired({ name: "tp-gone", partitions: 1 })))
                .outs as TopicInputs;
            await admin.deleteTopics({ topics: ["tp-gone"] });
            const end = Date.now() + 30_000;
            while ((await exists("tp-gone")) && Date.now() < end)
                await new Promise((r) => setTimeout(r, 200));
            const read = await provider.read!("tp-gone", created);
            assert.equal(read.id, "");
        });
    });

    void describe("ownership", () => {
        void it("refuses an existing topic unless adoptExisting, then manages it", async () => {
            await admin.createTopics({
                topics: [{ topic: "tp-existing", numPartitions: 1, replicationFactor: 1 }],
            });
            await assert.rejects(provider.create(desired({ name: "tp-existing", partitions: 2 })), {
                message:
                    "topic tp-existing already exists and is not managed by this stack; set adoptExisting: true to manage it",
            });
            const res = await provider.create(
                desired({
                    name: "tp-existing",
                    partitions: 2,
                    adoptExisting: true,
                    config: { "retention.ms": 1000 },
                }),
            );
            const outs = res.outs as TopicInputs;
            assert.equal(outs.partitions, 2);
            assert.deepEqual(outs.config, { "retention.ms": "1000" });
            await provider.delete!("tp-existing", outs);
            assert.equal(await exists("tp-existing"), false);
        });

        void it("leaves the topic in Kafka on delete when retainOnDelete is set", async () => {
            const outs = (
                await provider.create(
                    desired({ name: "tp-retained", partitions: 1, retainOnDelete: true }),
                )
            ).outs as TopicInputs;
            await provider.delete!("tp-retained", outs);
            assert.equal(await exists("tp-retained"), true);
            await admin.deleteTopics({ topics: ["tp-retained"] });
        });
    });
});
