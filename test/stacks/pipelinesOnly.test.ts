import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { recorded, settle } from "../helpers/mocks";
import { runStack } from "../helpers/stack";

// kubernetes.enabled = false: the stack brings its own Kafka, Connect, ksqlDB and HDFS (managed
// services, or the local processes of the engine tests); only the pipeline is declared.
describe("pipelines-only stack", () => {
    let program: Record<string, unknown>;
    before(async () => {
        program = await runStack("dev", {
            overrides: {
                "ingest-platform:kubernetes": { enabled: false },
                "ingest-platform:kafka": { externalBootstrapServers: "127.0.0.1:19092" },
                "ingest-platform:connect": { url: "http://127.0.0.1:18083" },
                "ingest-platform:ksqldb": { url: "http://127.0.0.1:18088" },
                "ingest-platform:hdfs": {
                    webhdfsUrl: "http://127.0.0.1:19870/webhdfs/v1",
                    rpcUrl: "hdfs://127.0.0.1:19000",
                },
                "ingest-platform:pipelines": { powerGrid: { sensors: ["1", "2"] } },
            },
        });
        for (
            let i = 0;
            i < 40 && recorded.filter((r) => r.type.startsWith("pulumi-nodejs")).length < 14;
            i++
        ) {
            await settle();
        }
    });

    it("registers no Kubernetes, Helm, Docker or AWS resource at all", () => {
        const platformTypes = recorded.filter((r) =>
            /^(kubernetes|pulumi:providers|docker|aws|random):/.test(r.type),
        );
        assert.deepEqual(platformTypes, []);
    });

    it("declares topics, directories, sinks and routing against the configured endpoints", () => {
        const byPrefix = (p: string) =>
            recorded
                .filter((r) => r.name.startsWith(p))
                .map((r) => r.name)
                .sort();
        assert.deepEqual(byPrefix("topic-"), [
            "topic-cars",
            "topic-ingestion",
            "topic-unorganized",
        ]);
        assert.equal(byPrefix("hdfs-dir-").length, 4);
        assert.deepEqual(byPrefix("sensor-routing"), [
            "sensor-routing",
            "sensor-routing-base",
            "sensor-routing-sink-1",
            "sensor-routing-sink-2",
            "sensor-routing-stream-1",
            "sensor-routing-stream-2",
        ]);
        const sink = recorded.find((r) => r.name === "hdfs-sink-unorganized")!;
        assert.equal(sink.inputs.connectUrl, "http://127.0.0.1:18083");
        assert.equal(
            (sink.inputs.config as Record<string, string>)["hdfs.url"],
            "hdfs://127.0.0.1:19000",
        );
        for (const t of recorded.filter((r) => r.name.startsWith("topic-"))) {
            assert.equal(t.inputs.bootstrapServers, "127.0.0.1:19092");
        }
        assert.equal(program.connectHostUrl, "http://127.0.0.1:18083");
    });
});
