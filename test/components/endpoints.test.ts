import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePostgresHost } from "../../components/endpoints";

describe("parsePostgresHost", () => {
    const cases: [string, string, number][] = [
        ["pg.example.internal", "pg.example.internal", 5432],
        ["pg.example.internal:6432", "pg.example.internal", 6432],
        ["10.0.0.7:5433", "10.0.0.7", 5433],
    ];
    for (const [input, host, port] of cases) {
        it(`reads ${input} as ${host} port ${port}`, () => {
            assert.deepEqual(parsePostgresHost(input, "telemetry", "ingest"), {
                host,
                port,
                database: "telemetry",
                username: "ingest",
            });
        });
    }
});
