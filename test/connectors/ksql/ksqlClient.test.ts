import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { commandError, statusPath } from "../../../connectors/ksql/client";

describe("ksqlDB client helpers", () => {
    const paths: Array<[string, string]> = [
        ["stream/`SENSOR_ID_1`/create", "stream/%60SENSOR_ID_1%60/create"],
        ["table/`a/b c`/create", "table/%60a%2Fb%20c%60/create"],
        ["stream/SENSOR_ID_1/drop", "stream/SENSOR_ID_1/drop"],
        ["terminate/CSAS_SENSOR_ID_1_3/execute", "terminate/CSAS_SENSOR_ID_1_3/execute"],
    ];
    for (const [id, path] of paths) {
        it(`puts command id ${id} on one /status route segment per part`, () => {
            assert.equal(statusPath(id), path);
        });
    }

    it("keeps the messages of a command's stack trace and drops its frames", () => {
        const trace =
            "io.confluent.ksql.util.KsqlStatementException: Cannot add stream 'S': exists\n" +
            "\tat io.confluent.ksql.engine.EngineExecutor.execute(EngineExecutor.java:254)\n" +
            "\t... 12 more\n" +
            "Caused by: org.apache.kafka.common.errors.TopicExistsException: Topic 'S' exists\n" +
            "\tat org.apache.kafka.X.y(X.java:1)\n";
        assert.equal(
            commandError(trace),
            "Cannot add stream 'S': exists\nCaused by: Topic 'S' exists (stack trace trimmed)",
        );
        assert.equal(commandError("Query terminated. "), "Query terminated.");
    });
});
