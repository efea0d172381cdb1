import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as vm from "node:vm";
import * as pulumi from "@pulumi/pulumi";
import {
    isSecretValue,
    one,
    plaintextOccurrences,
    resolve,
    settle,
    setupMocks,
} from "../../helpers/mocks";

setupMocks();

void describe("KafkaTopic resource", () => {
    void it("registers a dynamic resource with the topic's inputs and secret SASL credentials", async () => {
        const { KafkaTopic, KAFKA_TOPIC_PROVIDER_VERSION } =
            await import("../../../connectors/kafkaTopic/resource");
        const t = new KafkaTopic("readings", {
            bootstrapServers: pulumi.output("kafka:9092"),
            partitions: 6,
            replicationFactor: 3,
            config: { "retention.ms": 86400000 },
            retainOnDelete: true,
            sasl: { mechanism: "scram-sha-512", username: "admin", password: "kafka-pa55" },
        });
        await resolve(t.urn);
        await settle();
        const r = one("pulumi-nodejs:dynamic/ingest:KafkaTopic", "readings");
        assert.equal(r.inputs.name, "readings");
        assert.equal(r.inputs.bootstrapServers, "kafka:9092");
        assert.equal(r.inputs.partitions, 6);
        assert.equal(r.inputs.replicationFactor, 3);
        assert.deepEqual(r.inputs.config, { "retention.ms": 86400000 });
        assert.equal(r.inputs.retainOnDelete, true);
        assert.equal(r.inputs.providerVersion, KAFKA_TOPIC_PROVIDER_VERSION);
        assert.ok(isSecretValue(r.inputs.sasl), "sasl must be secret");
        assert.deepEqual(plaintextOccurrences(r.inputs, ["kafka-pa55"]), []);
    });

    void it("serializes the provider with nothing captured but module requires", async () => {
        const { kafkaTopicProvider } = await import("../../../connectors/kafkaTopic/resource");
        const sf = await pulumi.runtime.serializeFunction(() => kafkaTopicProvider);
        const requires = [...sf.text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
        assert.deepEqual([...new Set(requires)].sort(), ["kafkajs"]);
        const mod = { exports: {} as { handler: () => typeof kafkaTopicProvider } };
        const wrapper = vm.runInThisContext(
            `(function (exports, require, module) {\n${sf.text}\n})`,
        ) as (e: unknown, r: NodeJS.Require, m: unknown) => void;
        wrapper(mod.exports, require, mod);
        const res = await mod.exports.handler().check!(
            {},
            {
                bootstrapServers: "k:9092",
                name: "t",
                partitions: 1,
                replicationFactor: 1,
                config: { a: 1 },
            },
        );
        assert.deepEqual(res.failures, []);
        assert.deepEqual((res.inputs as { config: Record<string, string> }).config, { a: "1" });
    });
});
