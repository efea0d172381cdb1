import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
    isSecretValue,
    one,
    plaintextOccurrences,
    recorded,
    resolve,
    settle,
} from "../helpers/mocks";
import { MOCK_PASSWORD, runStack } from "../helpers/stack";
import * as pulumi from "@pulumi/pulumi";

const CONNECTION_PASSWORD = "conn-secret-9f8e7d6c5b4a";

// The dev stack as the Pulumi CLI hands it to the program: the project defaults applied (an empty
// postgresPassword), plus a user connector whose password is secret config.
describe("dev stack with the CLI's defaults and a connector secret", () => {
    let program: Record<string, unknown>;
    before(async () => {
        program = await runStack("dev", {
            overrides: {
                "ingest-platform:postgresPassword": "",
                "ingest-platform:connectorSecrets": {
                    "users-jdbc": { "connection.password": CONNECTION_PASSWORD },
                },
                "ingest-platform:pipelines": {
                    connectors: [
                        {
                            name: "users-jdbc",
                            config: {
                                "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
                                "connection.user": "ingest",
                                "tasks.max": 1,
                            },
                        },
                    ],
                },
            },
            secretKeys: ["ingest-platform:connectorSecrets"],
        });
        for (let i = 0; i < 40 && !recorded.some((r) => r.name === "connector-users-jdbc"); i++)
            await settle();
        await resolve(program.connectUrl as pulumi.Output<string>);
    });

    it("generates the Postgres password when the stack leaves it empty", () => {
        assert.ok(one("random:index/randomPassword:RandomPassword", "postgres-password"));
        const secret = one("kubernetes:core/v1:Secret", "postgres-auth");
        assert.ok(isSecretValue(secret.inputs.stringData), "stringData travels as a secret");
    });

    it("sends the connector secret as sensitiveConfig, kept secret", () => {
        const c = one("pulumi-nodejs:dynamic/ingest:KafkaConnector", "connector-users-jdbc");
        assert.ok(isSecretValue(c.inputs.sensitiveConfig), "sensitiveConfig is a secret");
        assert.deepEqual(c.inputs.config, {
            "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
            "connection.user": "ingest",
            "tasks.max": "1",
        });
    });

    it("never registers or exports either secret in plaintext", async () => {
        for (const r of recorded) {
            assert.deepEqual(
                plaintextOccurrences(r.inputs, [MOCK_PASSWORD, CONNECTION_PASSWORD]),
                [],
                `${r.type} ${r.name}`,
            );
        }
        for (const [name, value] of Object.entries(program)) {
            const output = pulumi.output(value);
            // A secret output is encrypted in state and masked on the console.
            if (await pulumi.isSecret(output)) continue;
            const resolved = await resolve(output);
            assert.deepEqual(
                plaintextOccurrences(resolved, [MOCK_PASSWORD, CONNECTION_PASSWORD]),
                [],
                name,
            );
        }
    });
});
