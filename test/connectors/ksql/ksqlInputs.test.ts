import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KSQL_PROVIDER_VERSION, normalizeKsqlInputs } from "../../../connectors/ksql/inputs";
import {
    diffKsqlSource,
    sameValue,
    type KsqlSourceInputs,
    type KsqlSourceOutputs,
} from "../../../connectors/ksql/provider";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const URL = "http://ksqldb:8088";

describe("ksqlDB provider check", () => {
    it("normalizes a source over a topic and fills defaults", () => {
        const { inputs, failures } = normalizeKsqlInputs({
            ksqlUrl: URL,
            kind: "TABLE",
            name: "readings",
            topic: " readings ",
            valueFormat: "json",
            keyFormat: "kafka",
            columns: [
                { name: "value", type: "int" },
                { name: "`sensorId`", type: "varchar", key: true },
            ],
            streamsProperties: { "auto.offset.reset": "earliest", "num.stream.threads": 2 },
        });
        assert.deepEqual(failures, []);
        assert.deepEqual(inputs, {
            ksqlUrl: URL,
            kind: "TABLE",
            name: "READINGS",
            topic: "readings",
            columns: [
                { name: "sensorId", type: "STRING", key: true },
                { name: "VALUE", type: "INTEGER", key: false },
            ],
            keyFormat: "KAFKA",
            valueFormat: "JSON",
            streamsProperties: { "auto.offset.reset": "earliest", "num.stream.threads": "2" },
            deleteTopic: false,
            waitTimeoutSeconds: 120,
            onQueryError: "fail",
            providerVersion: KSQL_PROVIDER_VERSION,
        });
    });

    it("normalizes a derived source with the default projection", () => {
        const { inputs, failures } = normalizeKsqlInputs({
            ksqlUrl: URL,
            kind: "STREAM",
            name: "sensor_id_1",
            from: "stream_ingestion",
            where: "  EXTRACTJSONFIELD(PAYLOAD, '$.sensor_id') = '1' ",
        });
        assert.deepEqual(failures, []);
        assert.deepEqual(
            [inputs.name, inputs.from, inputs.select, inputs.where, inputs.columns],
            [
                "SENSOR_ID_1",
                "STREAM_INGESTION",
                ["*"],
                "EXTRACTJSONFIELD(PAYLOAD, '$.sensor_id') = '1'",
                undefined,
            ],
        );
    });

    const invalid: Array<[string, Record<string, unknown>, Array<[string, string]>]> = [
        [
            "a missing URL, kind and topic form",
            { name: "x" },
            [
                ["ksqlUrl", "must be an http(s) URL such as http://ksqldb:8088"],
                ["kind", "must be STREAM or TABLE"],
                ["topic", "is required"],
                ["columns", "at least one column is required over a topic"],
                ["valueFormat", "is required"],
            ],
        ],
        [
            "a table without a key, a bad identifier, a duplicate and a bad format",
            {
                ksqlUrl: URL,
                kind: "TABLE",
                name: "bad name",
                topic: "t",
                valueFormat: "XML",
                columns: [
                    { name: "a", type: "STRING" },
                    { name: "A", type: "" },
                ],
            },
            [
                [
                    "name",
                    'invalid identifier "bad name": use letters, digits and _ (starting with a letter or _), or back-quote it (`My Name`)',
                ],
                ["columns[1].name", "duplicate column A"],
                ["columns[1].type", "is required, e.g. STRING"],
                ["columns", "a table needs a PRIMARY KEY: mark one column with key: true"],
                [
                    "valueFormat",
                    "must be one of JSON, JSON_SR, AVRO, PROTOBUF, PROTOBUF_NOSR, DELIMITED, KAFKA, NONE",
                ],
            ],
        ],
        [
            "columns on a derived stream, GROUP BY on a stream, query parts without from",
            {
                ksqlUrl: URL,
                kind: "STREAM",
                name: "s",
                from: "b",
                columns: [{ name: "a", type: "STRING" }],
                groupBy: ["a"],
                select: [],
            },
            [
                ["columns", "a source with `from` takes its columns from its query; remove them"],
                ["select", "must be a non-empty list"],
                ["groupBy", "GROUP BY produces a table; use KsqlTable"],
            ],
        ],
        [
            "query parts over a topic, bad timeout and deleteTopic",
            {
                ksqlUrl: URL,
                kind: "STREAM",
                name: "s",
                topic: "t",
                valueFormat: "JSON",
                columns: [{ name: "a", type: "STRING" }],
                where: "a = 1",
                deleteTopic: "yes",
                waitTimeoutSeconds: 0,
            },
            [
                ["where", "only for a source derived with `from`"],
                ["deleteTopic", "must be true or false"],
                ["waitTimeoutSeconds", "must be a positive number of seconds"],
            ],
        ],
        [
            "column types ksqlDB cannot resolve, a bad query policy and credentials",
            {
                ksqlUrl: URL,
                kind: "STREAM",
                name: "s",
                topic: "t",
                valueFormat: "JSON",
                columns: [
                    { name: "a", type: "float" },
                    { name: "b", type: "MAP<INT, ARRAY<REAL>>" },
                    { name: "c", type: "STRUCT<x DOUBLE, `y` MAP<STRING, BIGINT>>" },
                    { name: "d", type: "decimal(10,2)" },
                    { name: "k", type: "ARRAY<MAP<STRING, INT>>", key: true },
                ],
                onQueryError: "ignore",
                basicAuth: { username: "u" },
            },
            [
                [
                    "columns[0].type",
                    "unknown type FLOAT in FLOAT: use BOOLEAN, INTEGER, BIGINT, DOUBLE, STRING, TIME, DATE, TIMESTAMP, BYTES (INT and VARCHAR as aliases), DECIMAL(p, s), ARRAY<T>, MAP<K, V> or STRUCT<name T, …> (e.g. DOUBLE for a float; custom types from CREATE TYPE are not supported)",
                ],
                [
                    "columns[1].type",
                    "unknown type REAL in MAP<INTEGER, ARRAY<REAL>>: use BOOLEAN, INTEGER, BIGINT, DOUBLE, STRING, TIME, DATE, TIMESTAMP, BYTES (INT and VARCHAR as aliases), DECIMAL(p, s), ARRAY<T>, MAP<K, V> or STRUCT<name T, …> (e.g. DOUBLE for a float; custom types from CREATE TYPE are not supported)",
                ],
                [
                    "columns[4].type",
                    "a key column cannot be or contain a MAP (ARRAY<MAP<STRING, INTEGER>>): ksqlDB refuses map keys; use a value column, or a key of another type",
                ],
                ["onQueryError", "must be one of fail, restart"],
                ["basicAuth", "must be { username, password } with non-empty strings"],
            ],
        ],
    ];
    for (const [what, news, expected] of invalid) {
        it(`reports ${what}`, () => {
            const { failures } = normalizeKsqlInputs(news);
            assert.deepEqual(
                failures.map((f) => [f.property, f.reason]),
                expected,
            );
        });
    }

    it("lets values unknown during preview through without failures", () => {
        const { inputs, failures } = normalizeKsqlInputs({
            ksqlUrl: UNKNOWN,
            kind: "STREAM",
            name: "s",
            from: UNKNOWN,
            where: UNKNOWN,
        });
        assert.deepEqual(failures, []);
        assert.deepEqual([inputs.ksqlUrl, inputs.from, inputs.where], [UNKNOWN, UNKNOWN, UNKNOWN]);
    });
});

describe("ksqlDB provider diff", () => {
    const derived = normalizeKsqlInputs({
        ksqlUrl: URL,
        kind: "STREAM",
        name: "S1",
        from: "BASE",
        where: "A = '1'",
    }).inputs as unknown as KsqlSourceInputs;
    const olds: KsqlSourceOutputs = {
        ...derived,
        kafkaTopic: "S1",
        schemaColumns: [],
        queryId: "CSAS_S1_3",
        queryState: "RUNNING",
        statementText: "",
        commandSequenceNumber: 3,
    };

    const cases: Array<
        [string, Partial<Record<keyof KsqlSourceInputs, unknown>>, boolean, string[]]
    > = [
        ["nothing", {}, false, []],
        ["a new filter", { where: "A = '2'" }, true, []],
        ["a filter unknown in preview", { where: UNKNOWN }, true, []],
        ["a source unknown in preview", { from: UNKNOWN }, true, ["from"]],
        ["a name unknown in preview", { name: UNKNOWN }, true, ["name"]],
        ["an appended projection", { select: ["*", "UCASE(A) AS U"] }, true, []],
        ["a replaced projection", { select: ["A"] }, true, ["select"]],
        ["a GROUP BY", { kind: "TABLE", groupBy: ["A"] }, true, ["kind", "groupBy"]],
        ["the URL only", { ksqlUrl: "http://other:8088" }, true, []],
        [
            "streamsProperties only",
            { streamsProperties: { "auto.offset.reset": "earliest" } },
            true,
            [],
        ],
        ["the provider version", { providerVersion: "3" }, true, []],
    ];
    for (const [what, change, changes, replaces] of cases) {
        it(`handles ${what}`, () => {
            const news = { ...derived, ...change } as KsqlSourceInputs;
            assert.deepEqual(diffKsqlSource(olds, news), {
                changes,
                replaces,
                deleteBeforeReplace: true,
            });
        });
    }

    it("replaces an aggregation on any query change", () => {
        const table = {
            ...olds,
            kind: "TABLE" as const,
            select: ["A", "COUNT(*) AS N"],
            groupBy: ["A"],
        };
        assert.deepEqual(diffKsqlSource(table, { ...table, where: "A <> ''" }).replaces, ["where"]);
        assert.deepEqual(
            diffKsqlSource(table, { ...table, select: [...table.select, "SUM(B) AS S"] }).replaces,
            ["select"],
        );
    });

    it("compares state regardless of key order, null and missing fields", () => {
        assert.equal(sameValue({ a: 1, b: [{ x: null }] }, { b: [{}], a: 1 }), true);
        assert.equal(sameValue({ a: 1 }, { a: 2 }), false);
        assert.equal(sameValue(["a"], ["a", "b"]), false);
        assert.equal(sameValue(UNKNOWN, UNKNOWN), false);
    });
});
