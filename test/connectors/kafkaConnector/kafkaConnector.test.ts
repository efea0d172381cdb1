import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import {
    checkConnector,
    diffConnector,
    hashSensitive,
    kafkaConnectorProvider,
    type ConnectorInputs,
    type ConnectorOutputs,
} from "../../../connectors/kafkaConnector/resource";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function inputs(over: Partial<ConnectorInputs> = {}): ConnectorInputs {
    return {
        connectUrl: "http://connect:8083",
        name: "sink",
        config: {
            "connector.class": "FileStreamSink",
            topics: "t1",
            "tasks.max": "1",
            name: "sink",
        },
        sensitiveConfig: { "db.password": "s3cret" },
        state: "RUNNING",
        restartOnFailure: false,
        restartNonce: "",
        adoptExisting: false,
        waitTimeoutSeconds: 300,
        settleSeconds: 3,
        providerVersion: "1",
        ...over,
    };
}

function outputs(over: Partial<ConnectorOutputs> = {}): ConnectorOutputs {
    const { sensitiveConfig, ...rest } = inputs();
    return {
        ...rest,
        sensitiveKeys: Object.keys(sensitiveConfig),
        sensitiveConfigHash: hashSensitive(sensitiveConfig),
        connectorType: "sink",
        connectorState: "RUNNING",
        tasks: [{ id: 0, state: "RUNNING", workerId: "w1" }],
        topics: ["t1"],
        ...over,
    };
}

void describe("checkConnector", () => {
    void it("normalizes values to strings and fills the name and defaults", () => {
        const res = checkConnector({
            connectUrl: "http://connect:8083/",
            name: "sink",
            config: {
                "connector.class": "FileStreamSink",
                "tasks.max": 2,
                "errors.log.enable": true,
            },
        });
        assert.deepEqual(res.failures, []);
        assert.deepEqual(res.inputs, {
            connectUrl: "http://connect:8083",
            name: "sink",
            config: {
                "connector.class": "FileStreamSink",
                "tasks.max": "2",
                "errors.log.enable": "true",
                name: "sink",
            },
            sensitiveConfig: {},
            state: "RUNNING",
            restartOnFailure: false,
            restartNonce: "",
            adoptExisting: false,
            waitTimeoutSeconds: 300,
            settleSeconds: 3,
            providerVersion: "1",
        });
    });

    void it("keeps a numeric restart nonce as a string", () => {
        const res = checkConnector({
            connectUrl: "http://c:1",
            name: "a",
            config: { "connector.class": "X" },
            restartNonce: 3,
        });
        assert.equal((res.inputs as ConnectorInputs).restartNonce, "3");
    });

    const bad: [string, Record<string, unknown>, { property: string; reason: string }[]][] = [
        [
            "a missing connector.class",
            { config: { topics: "t" } },
            [{ property: "config", reason: `config must set "connector.class"` }],
        ],
        [
            "a config name that differs from the connector name",
            { config: { "connector.class": "X", name: "other" } },
            [
                {
                    property: "config.name",
                    reason: `config "name" (other) must equal the connector name (sink)`,
                },
            ],
        ],
        [
            "a key in both config and sensitiveConfig",
            { config: { "connector.class": "X", pw: "a" }, sensitiveConfig: { pw: "b" } },
            [{ property: "sensitiveConfig.pw", reason: `"pw" is also set in config` }],
        ],
        [
            "a non-scalar config value",
            { config: { "connector.class": "X", nested: { a: 1 } } },
            [
                {
                    property: "config.nested",
                    reason: "config value must be a string, number or boolean",
                },
            ],
        ],
        [
            "an unknown state",
            { config: { "connector.class": "X" }, state: "STARTED" },
            [{ property: "state", reason: "state must be one of RUNNING, PAUSED, STOPPED" }],
        ],
        [
            "a URL that is not http(s)",
            { config: { "connector.class": "X" }, connectUrl: "connect:8083" },
            [
                {
                    property: "connectUrl",
                    reason: "connectUrl must be an http(s) URL such as http://connect:8083",
                },
            ],
        ],
        [
            "a name with a slash",
            { config: { "connector.class": "X" }, name: "a/b" },
            [
                {
                    property: "name",
                    reason: `connector name must be a non-empty string without "/" or surrounding spaces`,
                },
            ],
        ],
        [
            "a non-positive wait",
            { config: { "connector.class": "X" }, waitTimeoutSeconds: 0 },
            [
                {
                    property: "waitTimeoutSeconds",
                    reason: "waitTimeoutSeconds must be a positive number",
                },
            ],
        ],
        [
            "a negative settle time",
            { config: { "connector.class": "X" }, settleSeconds: -1 },
            [{ property: "settleSeconds", reason: "settleSeconds must be a number of at least 0" }],
        ],
    ];
    for (const [what, over, failures] of bad) {
        void it(`rejects ${what}`, () => {
            const res = checkConnector({ connectUrl: "http://c:1", name: "sink", ...over });
            assert.deepEqual(res.failures, failures);
        });
    }

    void it("accepts unknown values during preview without failing", () => {
        const res = checkConnector({
            connectUrl: UNKNOWN,
            name: "sink",
            config: { "connector.class": "X", topics: UNKNOWN },
            sensitiveConfig: UNKNOWN,
        });
        assert.deepEqual(res.failures, []);
        assert.equal((res.inputs as ConnectorInputs).connectUrl, UNKNOWN);
    });
});

void describe("diffConnector", () => {
    const table: [
        string,
        Partial<ConnectorOutputs>,
        Partial<ConnectorInputs>,
        string[],
        string[],
    ][] = [
        ["nothing when declared config, secret and state match", {}, {}, [], []],
        [
            "a changed declared key",
            {},
            { config: { ...inputs().config, topics: "t2" } },
            ["config.topics"],
            [],
        ],
        [
            "a declared key removed from the program",
            {},
            { config: { "connector.class": "FileStreamSink", "tasks.max": "1", name: "sink" } },
            ["config.topics"],
            [],
        ],
        [
            "a changed secret, by hash",
            {},
            { sensitiveConfig: { "db.password": "rotated" } },
            ["sensitiveConfig"],
            [],
        ],
        ["a target state change", {}, { state: "PAUSED" }, ["state"], []],
        [
            "a connector paused out of band",
            { connectorState: "PAUSED" },
            {},
            ["connectorState"],
            [],
        ],
        ["a new restart nonce", {}, { restartNonce: "2" }, ["restartNonce"], []],
        ["a provider version bump", {}, { providerVersion: "2" }, ["providerVersion"], []],
        [
            "a failed task when restartOnFailure is set",
            { tasks: [{ id: 0, state: "FAILED", workerId: "w", trace: "boom" }] },
            { restartOnFailure: true },
            ["restartOnFailure", "tasks"],
            [],
        ],
        [
            "nothing for a failed task without restartOnFailure",
            { tasks: [{ id: 0, state: "FAILED", workerId: "w", trace: "boom" }] },
            {},
            [],
            [],
        ],
        ["nothing for a transient UNASSIGNED state", { connectorState: "UNASSIGNED" }, {}, [], []],
        ["a replacement on rename", {}, { name: "sink2" }, [], ["name"]],
        [
            "a replacement on a new Connect URL",
            {},
            { connectUrl: "http://other:8083" },
            [],
            ["connectUrl"],
        ],
        [
            "an unknown config value in preview",
            {},
            { config: { ...inputs().config, topics: UNKNOWN } },
            ["config.topics"],
            [],
        ],
        [
            "an unknown secret in preview",
            {},
            { sensitiveConfig: { "db.password": UNKNOWN } },
            ["sensitiveConfig"],
            [],
        ],
    ];
    for (const [what, olds, news, changes, replaces] of table) {
        void it(`reports ${what}`, () => {
            assert.deepEqual(diffConnector(outputs(olds), inputs(news)), { changes, replaces });
        });
    }

    void it("asks the engine to delete before replacing a renamed connector", async () => {
        const res = await kafkaConnectorProvider.diff!(
            "sink",
            outputs(),
            inputs({ name: "sink2" }),
        );
        assert.deepEqual(res, { changes: true, replaces: ["name"], deleteBeforeReplace: true });
        const same = await kafkaConnectorProvider.diff!("sink", outputs(), inputs());
        assert.deepEqual(same, { changes: false, replaces: [], deleteBeforeReplace: true });
    });

    void it("hashes secrets independently of key order", () => {
        assert.equal(hashSensitive({ a: "1", b: "2" }), hashSensitive({ b: "2", a: "1" }));
        assert.notEqual(hashSensitive({ a: "1" }), hashSensitive({ a: "2" }));
        assert.ok(!hashSensitive({ a: "s3cret" }).includes("s3cret"));
    });
});
