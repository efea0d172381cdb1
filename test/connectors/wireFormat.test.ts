import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { checkHdfsDirectory } from "../../connectors/hdfsDirectory/inputs";
import { checkConnector } from "../../connectors/kafkaConnector/inputs";
import { checkTopic } from "../../connectors/kafkaTopic/inputs";
import { ksqlSourceProvider } from "../../connectors/ksql/provider";
import { withoutUndefined } from "../../connectors/wire";
import { FakeKsqlDb } from "../fakes/ksqldb";

// The dynamic-provider host sends every provider result to the engine as a protobuf Struct;
// mocks never do. These run results through the same conversion, with only required inputs
// given, so optional fields are absent (the case the real engine tripped over).
const toStruct = (v: unknown) => Struct.fromJavaScript(v as Record<string, never>);

describe("provider results survive the engine's Struct conversion", () => {
    it("documents the rule: an undefined field throws, and withoutUndefined removes it", () => {
        assert.throws(() => toStruct({ a: "x", b: undefined }), /Unexpected struct type/);
        assert.deepEqual(toStruct(withoutUndefined({ a: "x", b: undefined })).toJavaScript(), {
            a: "x",
        });
    });

    it("HdfsDirectory check without owner or group", () => {
        const r = checkHdfsDirectory({
            webhdfsUrl: "http://localhost:9870",
            path: "/x",
            user: "hdfs",
        });
        assert.deepEqual(r.failures, []);
        assert.doesNotThrow(() => toStruct(r.inputs));
    });

    it("KafkaConnector check with only the required inputs", () => {
        const r = checkConnector({
            connectUrl: "http://localhost:8083",
            name: "c",
            config: { "connector.class": "X" },
        });
        assert.deepEqual(r.failures ?? [], []);
        assert.doesNotThrow(() => toStruct(r.inputs));
    });

    it("KafkaTopic check with only the required inputs", () => {
        const r = checkTopic({
            bootstrapServers: "localhost:9092",
            name: "t",
            partitions: 1,
            replicationFactor: 1,
        });
        assert.deepEqual(r.failures ?? [], []);
        assert.doesNotThrow(() => toStruct(r.inputs));
    });

    describe("KsqlStream against the ksqlDB fake", () => {
        let fake: FakeKsqlDb;
        before(async () => {
            fake = await FakeKsqlDb.start({ topics: ["INGESTION"] });
        });
        after(() => fake.close());

        it("check, create and read of a derived stream without columns, select or groupBy", async () => {
            const p = ksqlSourceProvider;
            await p.create((await p.check!({}, baseStream(fake.url))).inputs);
            const checked = await p.check!(
                {},
                {
                    ksqlUrl: fake.url,
                    kind: "STREAM",
                    name: "SENSOR_ID_1",
                    from: "STREAM_INGESTION",
                    where: "EXTRACTJSONFIELD(PAYLOAD, '$.sensor_id') = '1'",
                },
            );
            assert.doesNotThrow(() => toStruct(checked.inputs));
            const created = await p.create(checked.inputs);
            assert.doesNotThrow(() => toStruct(created.outs));
            const read = await p.read!(created.id, created.outs);
            assert.doesNotThrow(() => toStruct(read.props));
            assert.doesNotThrow(() => toStruct(read.inputs));
        });
    });
});

function baseStream(url: string): Record<string, unknown> {
    return {
        ksqlUrl: url,
        kind: "STREAM",
        name: "STREAM_INGESTION",
        topic: "INGESTION",
        valueFormat: "JSON",
        columns: [{ name: "PAYLOAD", type: "STRING" }],
    };
}
