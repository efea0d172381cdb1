import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as net from "node:net";
import {
    checkTopic,
    explainKafkaError,
    diffTopic,
    kafkaTopicProvider,
    mergeTopicConfigs,
    type TopicInputs,
} from "../../../connectors/kafkaTopic/resource";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function topic(over: Partial<TopicInputs> = {}): TopicInputs {
    return {
        bootstrapServers: "kafka:9092",
        name: "power-readings",
        partitions: 3,
        replicationFactor: 1,
        config: { "retention.ms": "86400000", "cleanup.policy": "delete" },
        retainOnDelete: false,
        adoptExisting: false,
        allowDestructiveReplace: false,
        ssl: false,
        timeoutSeconds: 60,
        providerVersion: "1",
        ...over,
    };
}

void describe("checkTopic", () => {
    void it("normalizes config values to strings and fills defaults", () => {
        const res = checkTopic({
            bootstrapServers: "a:9092,b:9092",
            name: "t",
            partitions: 6,
            replicationFactor: 3,
            config: { "retention.ms": 3600000, "unclean.leader.election.enable": false },
        });
        assert.deepEqual(res.failures, []);
        assert.deepEqual(res.inputs, {
            bootstrapServers: "a:9092,b:9092",
            name: "t",
            partitions: 6,
            replicationFactor: 3,
            config: { "retention.ms": "3600000", "unclean.leader.election.enable": "false" },
            retainOnDelete: false,
            adoptExisting: false,
            allowDestructiveReplace: false,
            ssl: false,
            timeoutSeconds: 60,
            providerVersion: "1",
        });
    });

    void it("lists every invalid input", () => {
        const res = checkTopic({
            bootstrapServers: "kafka",
            name: "bad name!",
            partitions: 0,
            replicationFactor: 1.5,
            config: { x: { nested: true } },
            timeoutSeconds: -1,
        });
        assert.deepEqual(res.failures, [
            { property: "name", reason: "topic name must be 1-249 of [a-zA-Z0-9._-]" },
            {
                property: "bootstrapServers",
                reason: "bootstrapServers must be host:port[,host:port...]",
            },
            { property: "partitions", reason: "partitions must be an integer of at least 1" },
            {
                property: "replicationFactor",
                reason: "replicationFactor must be an integer of at least 1",
            },
            { property: "config.x", reason: "config value must be a string, number or boolean" },
            { property: "timeoutSeconds", reason: "timeoutSeconds must be a positive number" },
        ]);
    });

    void it("accepts unknown values during preview", () => {
        const res = checkTopic({
            bootstrapServers: UNKNOWN,
            name: "t",
            partitions: UNKNOWN,
            replicationFactor: 1,
        });
        assert.deepEqual(res.failures, []);
    });
});

void describe("diffTopic", () => {
    const table: [string, Partial<TopicInputs>, Partial<TopicInputs>, string[], string[]][] = [
        ["nothing for an unchanged topic", {}, {}, [], []],
        ["a partition increase", {}, { partitions: 6 }, ["partitions"], []],
        [
            "a changed config",
            {},
            { config: { "retention.ms": "1000", "cleanup.policy": "delete" } },
            ["config.retention.ms"],
            [],
        ],
        [
            "a config no longer declared",
            {},
            { config: { "retention.ms": "86400000" } },
            ["config.cleanup.policy"],
            [],
        ],
        ["a rename as a replacement", {}, { name: "other" }, [], ["name"]],
        ["retainOnDelete as an update", {}, { retainOnDelete: true }, ["retainOnDelete"], []],
        [
            "a partition decrease as a replacement when allowed",
            {},
            { partitions: 1, allowDestructiveReplace: true },
            [],
            ["partitions"],
        ],
        [
            "an RF change as a replacement when allowed",
            {},
            { replicationFactor: 3, allowDestructiveReplace: true },
            [],
            ["replicationFactor"],
        ],
        [
            "unknown partitions in preview as a change",
            {},
            { partitions: UNKNOWN as unknown as number },
            ["partitions"],
            [],
        ],
    ];
    for (const [what, olds, news, changes, replaces] of table) {
        void it(`reports ${what}`, () => {
            assert.deepEqual(diffTopic(topic(olds), topic(news)), { changes, replaces });
        });
    }

    void it("refuses a partition decrease with a clear error", () => {
        assert.throws(() => diffTopic(topic({ partitions: 6 }), topic({ partitions: 3 })), {
            message:
                "topic power-readings: partitions cannot decrease (6 -> 3). Kafka cannot do this " +
                "without deleting the topic and its data; set allowDestructiveReplace: true to " +
                "replace it, or keep the current values.",
        });
    });

    void it("refuses a replication-factor change with a clear error", () => {
        assert.throws(() => diffTopic(topic(), topic({ replicationFactor: 3 })), {
            message:
                "topic power-readings: replicationFactor cannot change in place (1 -> 3). Kafka " +
                "cannot do this without deleting the topic and its data; set " +
                "allowDestructiveReplace: true to replace it, or keep the current values.",
        });
    });

    void it("refuses through the provider's diff so the preview fails", async () => {
        await assert.rejects(
            kafkaTopicProvider.diff!("t", topic({ partitions: 6 }), topic({ partitions: 3 })),
            /partitions cannot decrease \(6 -> 3\)/,
        );
    });

    void it("asks for delete-before-replace on rename", async () => {
        const res = await kafkaTopicProvider.diff!("t", topic(), topic({ name: "renamed" }));
        assert.deepEqual(res, { changes: true, replaces: ["name"], deleteBeforeReplace: true });
    });
});

void describe("mergeTopicConfigs", () => {
    void it("keeps configs set by others, drops keys no longer declared, sets declared ones", () => {
        const merged = mergeTopicConfigs(
            { "retention.ms": "1", "segment.bytes": "1048576", "cleanup.policy": "delete" },
            { "retention.ms": "1", "cleanup.policy": "delete" },
            { "retention.ms": "2" },
        );
        assert.deepEqual(merged, { "retention.ms": "2", "segment.bytes": "1048576" });
    });
});

void describe("KafkaTopic connection errors", () => {
    const hint =
        "Config key: kafka.externalNodePort (localhost:30092). Is the kind cluster running?";

    void it("fails fast naming the bootstrap servers, the config key and a hint when no broker answers", async () => {
        const srv = net.createServer();
        await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
        const port = (srv.address() as net.AddressInfo).port;
        await new Promise<void>((r) => srv.close(() => r()));
        const p = topic({ bootstrapServers: `127.0.0.1:${port}`, endpointHint: hint });
        const err = await kafkaTopicProvider.create(p).then(
            () => assert.fail("expected a failure"),
            (e: Error) => e,
        );
        assert.match(
            err.message,
            new RegExp(
                `^topic power-readings: cannot reach Kafka at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED, no answer within \\d+s\\)\\. ${hint.replace(/[().?]/g, "\\$&")} \\[KafkaJSNumberOfRetriesExceeded: Connection error: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\]$`,
            ),
        );
    });

    const connectionError = Object.assign(
        new Error("Connection error: getaddrinfo ENOTFOUND kafka-controller-0.kafka-headless"),
        { name: "KafkaJSNumberOfRetriesExceeded", cause: { name: "KafkaJSConnectionError" } },
    );
    const cases: [string, unknown, number | undefined, string][] = [
        [
            "an advertised broker this machine cannot reach",
            connectionError,
            undefined,
            `topic power-readings: kafka:9092 answered, but a broker from the cluster metadata did not (Connection error: getaddrinfo ENOTFOUND kafka-controller-0.kafka-headless): the brokers' advertised listener for this machine must resolve and be reachable from here, or the broker went away. ${hint}`,
        ],
        [
            "a broker error with its type",
            Object.assign(new Error("Topic with this name already exists"), {
                name: "KafkaJSProtocolError",
                type: "TOPIC_ALREADY_EXISTS",
            }),
            undefined,
            "topic power-readings at kafka:9092: KafkaJSProtocolError: TOPIC_ALREADY_EXISTS: Topic with this name already exists",
        ],
    ];
    for (const [label, error, connectMs, message] of cases) {
        void it(`explains ${label}`, () => {
            const e = explainKafkaError(topic({ endpointHint: hint }), error, connectMs);
            assert.equal((e as Error).message, message);
        });
    }

    void it("passes errors that are not kafkajs' through unchanged", () => {
        const e = new TypeError("boom");
        assert.equal(explainKafkaError(topic(), e, 1000), e);
    });
});
