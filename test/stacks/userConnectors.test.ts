import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { recorded, settle } from "../helpers/mocks";
import { runStack } from "../helpers/stack";

// A stack that declares its own connector and overrides the HDFS sinks' config, as seed 004
// (JDBC source → Kafka → S3) would.
describe("dev stack with user connectors and sink overrides", () => {
    before(async () => {
        await runStack("dev", {
            overrides: {
                "ingest-platform:pipelines": {
                    powerGrid: { sensors: ["7"] },
                    sinkConfig: { "flush.size": "100" },
                    connectors: [
                        {
                            name: "SOURCE_POSTGRES",
                            state: "PAUSED",
                            config: {
                                "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
                                "connection.password": "${env:POSTGRES_PASSWORD}",
                                mode: "incrementing",
                            },
                        },
                    ],
                },
            },
        });
        for (
            let i = 0;
            i < 40 && !recorded.some((r) => r.name === "connector-SOURCE_POSTGRES");
            i++
        )
            await settle();
    });

    it("declares the user's connector with its state, through the kind Connect URL", () => {
        const c = recorded.find((r) => r.name === "connector-SOURCE_POSTGRES");
        assert.ok(c, "connector registered");
        assert.equal(c.inputs.name, "SOURCE_POSTGRES");
        assert.equal(c.inputs.state, "PAUSED");
        assert.equal(c.inputs.connectUrl, "http://localhost:30083");
        assert.equal(
            (c.inputs.config as Record<string, string>)["connection.password"],
            "${env:POSTGRES_PASSWORD}",
        );
    });

    it("merges the sink overrides into every HDFS sink and routes only the configured sensor", () => {
        const sinks = recorded.filter(
            (r) => r.name === "hdfs-sink-unorganized" || r.name.startsWith("sensor-routing-sink-"),
        );
        assert.deepEqual(sinks.map((s) => s.name).sort(), [
            "hdfs-sink-unorganized",
            "sensor-routing-sink-7",
        ]);
        for (const s of sinks)
            assert.equal((s.inputs.config as Record<string, string>)["flush.size"], "100");
    });
});
