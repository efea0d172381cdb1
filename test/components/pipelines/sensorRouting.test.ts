import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
    ofType,
    recorded,
    resolve,
    settle,
    setupMocks,
    type RecordedResource,
} from "../../helpers/mocks";

const STREAM = "pulumi-nodejs:dynamic/ingest:KsqlStream";
const CONNECTOR = "pulumi-nodejs:dynamic/ingest:KafkaConnector";
const mocks = {}; // no invokes or extra outputs needed
setupMocks(mocks);

const ARGS = {
    ksqlUrl: "http://ksqldb:8088",
    connectUrl: "http://connect:8083",
    hdfsUrl: "hdfs://namenode:9000",
};

/** Builds the component with these ids and returns what it registered. */
async function run(sensorIds: string[]): Promise<RecordedResource[]> {
    setupMocks(mocks);
    const { SensorRouting } = await import("../../../components/pipelines/sensorRouting");
    const routing = new SensorRouting("routing", {
        ...ARGS,
        sensorIds,
        ksqlEndpointHint: "Config key: ksqldb.url.",
    });
    await resolve(routing.urn);
    await Promise.all(Object.values(routing.sinkConnectors).map((c) => resolve(c.urn)));
    await settle();
    return [...recorded];
}

function key(r: RecordedResource): string {
    const { __provider, ...inputs } = r.inputs;
    void __provider;
    return `${r.type} ${r.name} ${JSON.stringify(inputs)}`;
}

describe("SensorRouting", () => {
    it("declares the base stream, one filtered stream and one HDFS sink per sensor", async () => {
        const resources = await run(["1", "2", "12"]);
        assert.deepEqual(
            resources
                .filter((r) => r.type === "ingest:components:SensorRouting")
                .map((r) => r.name),
            ["routing"],
        );
        const streams = ofType(STREAM);
        assert.deepEqual(
            streams.map((s) => s.name),
            ["routing-base", "routing-stream-1", "routing-stream-2", "routing-stream-12"],
        );
        const base = streams[0].inputs;
        assert.deepEqual(
            [base.kind, base.name, base.topic, base.valueFormat, base.ksqlUrl],
            ["STREAM", "STREAM_INGESTION", "INGESTION", "JSON", ARGS.ksqlUrl],
        );
        assert.deepEqual(base.columns, [
            { name: "PAYLOAD", type: "STRING" },
            { name: "CORRELATION_ID", type: "STRING" },
            { name: "CREATED_AT", type: "DOUBLE" },
            { name: "SCHEMA_VERSION", type: "INTEGER" },
        ]);
        for (const [i, id] of ["1", "2", "12"].entries()) {
            const s = streams[i + 1].inputs;
            assert.deepEqual(
                [s.kind, s.name, s.from, s.where, s.deleteTopic, s.endpointHint],
                [
                    "STREAM",
                    `SENSOR_ID_${id}`,
                    "STREAM_INGESTION",
                    `EXTRACTJSONFIELD(PAYLOAD, '$.sensor_id') = '${id}'`,
                    false,
                    "Config key: ksqldb.url.",
                ],
            );
            assert.deepEqual(s.streamsProperties, { "auto.offset.reset": "earliest" });
        }

        const sinks = ofType(CONNECTOR).filter((r) => r.inputs.connectUrl === ARGS.connectUrl);
        assert.deepEqual(
            sinks.map((c) => [c.name, c.inputs.name]),
            [
                ["routing-sink-1", "hdfs-sink-sensor-1"],
                ["routing-sink-2", "hdfs-sink-sensor-2"],
                ["routing-sink-12", "hdfs-sink-sensor-12"],
            ],
        );
        assert.deepEqual(sinks[0].inputs.config, {
            "connector.class": "io.confluent.connect.hdfs.HdfsSinkConnector",
            "tasks.max": "1",
            topics: "SENSOR_ID_1",
            "hdfs.url": "hdfs://namenode:9000",
            "flush.size": "3",
            "format.class": "io.confluent.connect.hdfs.json.JsonFormat",
            "topics.dir": "/grid-wattage/sensor01",
            "logs.dir": "/grid-wattage/sensor01/+logs",
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter.schemas.enable": "false",
        });
        assert.deepEqual(
            sinks.map((c) => [
                (c.inputs.config as Record<string, string>).topics,
                (c.inputs.config as Record<string, string>)["topics.dir"],
            ]),
            [
                ["SENSOR_ID_1", "/grid-wattage/sensor01"],
                ["SENSOR_ID_2", "/grid-wattage/sensor02"],
                ["SENSOR_ID_12", "/grid-wattage/sensor12"],
            ],
        );
        assert.equal(recorded.length, 1 + 4 + 3);
    });

    it("parents every child to the component", async () => {
        setupMocks(mocks);
        const { SensorRouting } = await import("../../../components/pipelines/sensorRouting");
        const routing = new SensorRouting("parented", { ...ARGS, sensorIds: ["7"] });
        const urns = await Promise.all(
            [routing.baseStream, routing.sensorStreams["7"], routing.sinkConnectors["7"]].map((r) =>
                resolve(r.urn),
            ),
        );
        for (const urn of urns)
            assert.match(urn, /::ingest:components:SensorRouting\$pulumi-nodejs:dynamic/);
        assert.equal(await resolve(routing.sensorStreams["7"].name), "SENSOR_ID_7");
    });

    it("changes exactly one stream and one connector when a sensor is added or removed", async () => {
        const before = new Set((await run(["1", "2", "3", "4", "5", "6"])).map(key));
        const after = new Set((await run(["1", "2", "3", "4", "6", "7"])).map(key));
        const removed = [...before]
            .filter((k) => !after.has(k))
            .map((k) => k.split(" ").slice(0, 2).join(" "));
        const added = [...after]
            .filter((k) => !before.has(k))
            .map((k) => k.split(" ").slice(0, 2).join(" "));
        assert.deepEqual(removed, [`${STREAM} routing-stream-5`, `${CONNECTOR} routing-sink-5`]);
        assert.deepEqual(added, [`${STREAM} routing-stream-7`, `${CONNECTOR} routing-sink-7`]);
    });

    it("rejects unusable sensor ids with every problem listed", async () => {
        setupMocks(mocks);
        const { SensorRouting } = await import("../../../components/pipelines/sensorRouting");
        assert.throws(
            () =>
                new SensorRouting("bad", { ...ARGS, sensorIds: ["1", "a-b", "01", "x", "X", ""] }),
            (e: unknown) => {
                assert.ok(e instanceof pulumi.ResourceError);
                assert.equal(
                    e.message,
                    "invalid sensorIds:\n" +
                        '  sensor id "a-b": use letters, digits and _ only\n' +
                        '  sensor id "01" duplicates "1" (SENSOR_ID_01, /sensor01)\n' +
                        '  sensor id "X" duplicates "x" (SENSOR_ID_X, /sensorX)\n' +
                        '  sensor id "": use letters, digits and _ only',
                );
                return true;
            },
        );
    });

    it("builds names, filters and directories with exported helpers", async () => {
        const { sensorFilter, sensorHdfsDir, sensorStreamName } =
            await import("../../../components/pipelines/sensorRouting");
        assert.equal(sensorStreamName("a1"), "SENSOR_ID_A1");
        assert.equal(sensorFilter("it's"), "EXTRACTJSONFIELD(PAYLOAD, '$.sensor_id') = 'it''s'");
        assert.equal(sensorHdfsDir("/grid-wattage", "3"), "/grid-wattage/sensor03");
        assert.equal(sensorHdfsDir("/grid-wattage", "123"), "/grid-wattage/sensor123");
        assert.equal(sensorHdfsDir("/w", "north"), "/w/sensornorth");
    });
});
