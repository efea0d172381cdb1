import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { recorded, settle, setupMocks } from "../helpers/mocks";

// Dynamic providers are serialized into state. A provider method that touches the imported SDK
// module drags the SDK's config store (every stack config value, secrets decrypted) into the
// serialized text. This checks every provider with a secret in the stack config.
const SECRET = "stack-secret-value-that-must-not-leak";
setupMocks({
    config: { "ingest-platform:postgresPassword": SECRET, "ingest-platform:protect": "false" },
    secretKeys: ["ingest-platform:postgresPassword"],
});

const dynamicResources = () => recorded.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic"));

describe("serialized dynamic providers", () => {
    before(async () => {
        const { KafkaConnector } = await import("../../connectors/kafkaConnector/resource");
        const { HdfsDirectory } = await import("../../connectors/hdfsDirectory/resource");
        new KafkaConnector("c", {
            connectUrl: "http://localhost:8083",
            config: { "connector.class": "X" },
        });
        new HdfsDirectory("d", {
            webhdfsUrl: "http://localhost:9870/webhdfs/v1",
            path: "/x",
            user: "hadoop",
        });
        // Serializing a provider is asynchronous: wait for both registrations (bounded).
        for (let i = 0; i < 100 && dynamicResources().length < 2; i++) await settle();
    });

    it("serializes each provider without the config store or any secret", () => {
        const dynamic = dynamicResources();
        assert.deepEqual(dynamic.map((r) => r.name).sort(), ["c", "d"]);
        for (const r of dynamic) {
            const text = String(r.inputs.__provider);
            assert.ok(text.includes("exports.handler"), `${r.type} has a serialized provider`);
            assert.equal(text.includes(SECRET), false, `${r.type} leaks a secret config value`);
            assert.equal(
                /ingest-platform:postgresPassword/.test(text),
                false,
                `${r.type} captured the config store`,
            );
        }
    });
});
