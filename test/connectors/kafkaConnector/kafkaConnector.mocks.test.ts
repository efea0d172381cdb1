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

const SECRET = "jdbc-pa55word";

void describe("KafkaConnector resource", () => {
    void it("registers a dynamic resource with secret sensitiveConfig and its defaults", async () => {
        const { KafkaConnector, KAFKA_CONNECTOR_PROVIDER_VERSION } =
            await import("../../../connectors/kafkaConnector/resource");
        const c = new KafkaConnector("pg-source", {
            connectUrl: pulumi.output("http://connect:8083"),
            config: { "connector.class": "FileStreamSource", "tasks.max": 1, topic: "raw" },
            sensitiveConfig: { "connection.password": SECRET },
            state: "PAUSED",
        });
        await resolve(c.urn);
        await settle();
        const r = one("pulumi-nodejs:dynamic/ingest:KafkaConnector", "pg-source");
        assert.equal(r.inputs.name, "pg-source");
        assert.equal(r.inputs.connectUrl, "http://connect:8083");
        assert.equal(r.inputs.state, "PAUSED");
        assert.equal(r.inputs.providerVersion, KAFKA_CONNECTOR_PROVIDER_VERSION);
        assert.deepEqual(r.inputs.config, {
            "connector.class": "FileStreamSource",
            "tasks.max": 1,
            topic: "raw",
        });
        assert.ok(isSecretValue(r.inputs.sensitiveConfig), "sensitiveConfig must be secret");
        assert.deepEqual(plaintextOccurrences(r.inputs, [SECRET]), []);
        assert.equal(typeof r.inputs.__provider, "string");
        assert.ok(!(r.inputs.__provider as string).includes(SECRET));
    });

    void it("keeps sensitiveConfig secret even when given as plain values", async () => {
        const { KafkaConnector } = await import("../../../connectors/kafkaConnector/resource");
        const c = new KafkaConnector("plain", {
            connectUrl: "http://connect:8083",
            name: "custom-name",
            config: { "connector.class": "FileStreamSink", topics: "t" },
            sensitiveConfig: { "s3.secret": "plain-given" },
        });
        await resolve(c.urn);
        await settle();
        const r = one("pulumi-nodejs:dynamic/ingest:KafkaConnector", "plain");
        assert.equal(r.inputs.name, "custom-name");
        assert.ok(isSecretValue(r.inputs.sensitiveConfig));
        assert.deepEqual(plaintextOccurrences(r.inputs, ["plain-given"]), []);
    });

    void it("serializes the provider with nothing captured but module requires", async () => {
        const { kafkaConnectorProvider } =
            await import("../../../connectors/kafkaConnector/resource");
        const sf = await pulumi.runtime.serializeFunction(() => kafkaConnectorProvider);
        const requires = [...sf.text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).sort();
        assert.deepEqual([...new Set(requires)], ["axios", "crypto"]);
        const mod = { exports: {} as { handler: () => typeof kafkaConnectorProvider } };
        // Loaded the way the dynamic provider host loads `__provider`: as a fresh CommonJS module.
        const wrapper = vm.runInThisContext(
            `(function (exports, require, module) {\n${sf.text}\n})`,
        ) as (e: unknown, r: NodeJS.Require, m: unknown) => void;
        wrapper(mod.exports, require, mod);
        const revived = mod.exports.handler();
        const res = await revived.check!(
            {},
            {
                connectUrl: "http://c:8083",
                name: "n",
                config: { "connector.class": "X", "tasks.max": 2 },
            },
        );
        assert.deepEqual(res.failures, []);
        assert.equal((res.inputs as { config: Record<string, string> }).config["tasks.max"], "2");
    });
});
