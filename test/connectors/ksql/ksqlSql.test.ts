import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    createStatement,
    describeStatement,
    dropStatement,
    normalizeIdentifier,
    normalizeType,
    quoteIdentifier,
    schemaToType,
    sqlString,
    terminateStatement,
} from "../../../connectors/ksql/sql";

describe("ksqlDB identifiers and literals", () => {
    const identifiers: Array<[string, string]> = [
        ["stream_ingestion", "STREAM_INGESTION"],
        ["  Sensor_ID_1 ", "SENSOR_ID_1"],
        ["_x@1", "_X@1"],
        ["`camelCase`", "camelCase"],
        ["`with ``tick`` and space`", "with `tick` and space"],
    ];
    for (const [raw, expected] of identifiers) {
        it(`normalizes ${JSON.stringify(raw)} to ${expected}`, () => {
            assert.equal(normalizeIdentifier(raw), expected);
        });
    }

    for (const raw of ["1abc", "a-b", "", "``", "a b"]) {
        it(`rejects ${JSON.stringify(raw)} as an identifier`, () => {
            assert.throws(() => normalizeIdentifier(raw), {
                message: `invalid identifier "${raw}": use letters, digits and _ (starting with a letter or _), or back-quote it (\`My Name\`)`,
            });
        });
    }

    it("back-quotes identifiers, doubling embedded back-quotes", () => {
        assert.equal(quoteIdentifier("SENSOR_ID_1"), "`SENSOR_ID_1`");
        assert.equal(quoteIdentifier("a`b"), "`a``b`");
    });

    it("escapes string literals by doubling single quotes", () => {
        assert.equal(sqlString("1"), "'1'");
        assert.equal(sqlString("O'Brien"), "'O''Brien'");
        assert.equal(sqlString("$.sensor_id"), "'$.sensor_id'");
    });
});

describe("ksqlDB types", () => {
    const types: Array<[string, string]> = [
        ["string", "STRING"],
        ["varchar", "STRING"],
        ["int", "INTEGER"],
        ["decimal(10,2)", "DECIMAL(10, 2)"],
        ["array<varchar>", "ARRAY<STRING>"],
        ["map<string,int>", "MAP<STRING, INTEGER>"],
        ["struct<a string,b  int>", "STRUCT<A STRING, B INTEGER>"],
        ["STRUCT<`lower` STRING>", "STRUCT<`lower` STRING>"],
    ];
    for (const [raw, expected] of types) {
        it(`normalizes ${raw} to ${expected}`, () => assert.equal(normalizeType(raw), expected));
    }

    it("renders DESCRIBE schemas in the same spelling", () => {
        const str = { type: "STRING" };
        assert.equal(schemaToType({ type: "ARRAY", memberSchema: str }), "ARRAY<STRING>");
        assert.equal(
            schemaToType({ type: "MAP", memberSchema: { type: "INTEGER" } }),
            "MAP<STRING, INTEGER>",
        );
        assert.equal(
            schemaToType({
                type: "STRUCT",
                fields: [
                    { name: "A", schema: str },
                    { name: "lower", schema: { type: "BIGINT" } },
                ],
            }),
            "STRUCT<A STRING, `lower` BIGINT>",
        );
        assert.equal(
            schemaToType({ type: "DECIMAL", parameters: { precision: 10, scale: 2 } }),
            "DECIMAL(10, 2)",
        );
    });
});

describe("ksqlDB statements", () => {
    it("builds the seed 003 base stream over INGESTION", () => {
        const sql = createStatement(
            {
                kind: "STREAM",
                name: "STREAM_INGESTION",
                topic: "INGESTION",
                valueFormat: "JSON",
                columns: [
                    { name: "PAYLOAD", type: "STRING", key: false },
                    { name: "CORRELATION_ID", type: "STRING", key: false },
                    { name: "CREATED_AT", type: "DOUBLE", key: false },
                    { name: "SCHEMA_VERSION", type: "INTEGER", key: false },
                ],
            },
            false,
        );
        assert.equal(
            sql,
            "CREATE STREAM `STREAM_INGESTION` (`PAYLOAD` STRING, `CORRELATION_ID` STRING, " +
                "`CREATED_AT` DOUBLE, `SCHEMA_VERSION` INTEGER) " +
                "WITH (KAFKA_TOPIC='INGESTION', VALUE_FORMAT='JSON');",
        );
    });

    it("marks key columns KEY on streams and PRIMARY KEY on tables", () => {
        const columns = [
            { name: "ID", type: "STRING", key: true },
            { name: "V", type: "INTEGER" },
        ];
        const def = { name: "T", topic: "t'1", keyFormat: "KAFKA", valueFormat: "JSON", columns };
        assert.equal(
            createStatement({ ...def, kind: "STREAM" }, false),
            "CREATE STREAM `T` (`ID` STRING KEY, `V` INTEGER) " +
                "WITH (KAFKA_TOPIC='t''1', KEY_FORMAT='KAFKA', VALUE_FORMAT='JSON');",
        );
        assert.equal(
            createStatement({ ...def, kind: "TABLE" }, true),
            "CREATE OR REPLACE TABLE `T` (`ID` STRING PRIMARY KEY, `V` INTEGER) " +
                "WITH (KAFKA_TOPIC='t''1', KEY_FORMAT='KAFKA', VALUE_FORMAT='JSON');",
        );
    });

    it("builds a derived stream with a filter, and a grouped table", () => {
        assert.equal(
            createStatement(
                {
                    kind: "STREAM",
                    name: "SENSOR_ID_1",
                    from: "STREAM_INGESTION",
                    where: "EXTRACTJSONFIELD(PAYLOAD, '$.sensor_id') = '1'",
                },
                false,
            ),
            "CREATE STREAM `SENSOR_ID_1` AS SELECT * FROM `STREAM_INGESTION` " +
                "WHERE EXTRACTJSONFIELD(PAYLOAD, '$.sensor_id') = '1' EMIT CHANGES;",
        );
        assert.equal(
            createStatement(
                {
                    kind: "TABLE",
                    name: "COUNTS",
                    from: "S",
                    topic: "counts",
                    select: ["K", "COUNT(*) AS N"],
                    groupBy: ["K"],
                },
                true,
            ),
            "CREATE OR REPLACE TABLE `COUNTS` WITH (KAFKA_TOPIC='counts') " +
                "AS SELECT K, COUNT(*) AS N FROM `S` GROUP BY K EMIT CHANGES;",
        );
    });

    it("builds DROP, TERMINATE and DESCRIBE", () => {
        assert.equal(dropStatement("STREAM", "S", false), "DROP STREAM IF EXISTS `S`;");
        assert.equal(dropStatement("TABLE", "T", true), "DROP TABLE IF EXISTS `T` DELETE TOPIC;");
        assert.equal(terminateStatement("CSAS_S_1"), "TERMINATE `CSAS_S_1`;");
        assert.equal(describeStatement("S"), "DESCRIBE `S` EXTENDED;");
    });
});
