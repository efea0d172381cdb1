import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkTopic, diffTopic, type TopicInputs } from "../../../connectors/kafkaTopic/inputs";

describe("KafkaTopic TLS CA", () => {
    const base = checkTopic({
        bootstrapServers: "kafka.ingest.svc.cluster.local:9092",
        name: "Cars",
        partitions: 3,
        replicationFactor: 3,
        ssl: true,
        ca: "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n",
    }).inputs as TopicInputs;

    it("keeps the CA through check and updates (never replaces) the topic when it changes", () => {
        assert.match(base.ca!, /BEGIN CERTIFICATE/);
        assert.deepEqual(diffTopic(base, { ...base }), { changes: [], replaces: [] });
        const rotated = { ...base, ca: base.ca!.replace("A", "B") };
        assert.deepEqual(diffTopic(base, rotated), { changes: ["ca"], replaces: [] });
    });
});
