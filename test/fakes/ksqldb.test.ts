import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeKsqlDb } from "./ksqldb";

type Json = Record<string, any>;

async function call(fake: FakeKsqlDb, method: string, path: string, body?: unknown) {
    const res = await fetch(`${fake.url}${path}`, {
        method,
        headers: { "Content-Type": "application/vnd.ksql.v1+json" },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
}

const ksql = (fake: FakeKsqlDb, sql: string, extra: Json = {}) =>
    call(fake, "POST", "/ksql", { ksql: sql, streamsProperties: {}, ...extra });

const BASE =
    "CREATE STREAM STREAM_INGESTION (payload STRING, correlation_id STRING, created_at DOUBLE, " +
    "schema_version INTEGER) WITH (KAFKA_TOPIC='INGESTION', VALUE_FORMAT='JSON');";
const SENSOR = (id: string, where = `EXTRACTJSONFIELD(payload, '$.sensor_id') = '${id}'`) =>
    `CREATE STREAM SENSOR_ID_${id} AS SELECT * FROM STREAM_INGESTION WHERE ${where} EMIT CHANGES;`;

describe("fake ksqlDB REST API", () => {
    let fake: FakeKsqlDb;
    before(async () => {
        fake = await FakeKsqlDb.start({ topics: ["INGESTION"] });
    });
    after(() => fake.close());

    it("answers /info and /healthcheck with the documented shapes", async () => {
        const info = await call(fake, "GET", "/info");
        assert.equal(info.status, 200);
        assert.equal(info.body.KsqlServerInfo.version, "0.29.0");
        assert.equal(info.body.KsqlServerInfo.ksqlServiceId, "default_");
        const health = await call(fake, "GET", "/healthcheck");
        assert.deepEqual([health.status, health.body.isHealthy], [200, true]);
        assert.equal(health.body.details.kafka.isHealthy, true);
    });

    it("creates a stream over an existing topic and reports a currentStatus entity", async () => {
        const res = await ksql(fake, BASE);
        assert.equal(res.status, 200);
        assert.equal(res.body.length, 1);
        const [entity] = res.body as Json[];
        assert.equal(entity["@type"], "currentStatus");
        assert.equal(entity.commandId, "stream/`STREAM_INGESTION`/create");
        assert.deepEqual(entity.commandStatus, {
            status: "SUCCESS",
            message: "Stream created",
            queryId: null,
        });
        assert.equal(typeof entity.commandSequenceNumber, "number");
        assert.equal(entity.statementText, BASE);
    });

    it("rejects CREATE of an existing name with 400 / 40001 and the statement", async () => {
        const res = await ksql(fake, BASE);
        assert.equal(res.status, 400);
        assert.deepEqual(res.body, {
            "@type": "statement_error",
            error_code: 40001,
            message:
                "Cannot add stream 'STREAM_INGESTION': A stream with the same name already exists",
            statementText: BASE,
            entities: [],
        });
    });

    it("rejects a stream over a missing topic with 400 / 40000 and no statement", async () => {
        const res = await ksql(
            fake,
            "CREATE STREAM X (A STRING) WITH (KAFKA_TOPIC='nope', VALUE_FORMAT='JSON');",
        );
        assert.equal(res.status, 400);
        assert.deepEqual(Object.keys(res.body).sort(), ["@type", "error_code", "message"]);
        assert.equal(res.body["@type"], "generic_error");
        assert.equal(res.body.error_code, 40000);
        assert.match(
            res.body.message,
            /^Topic 'nope' does not exist\. If you want to create a new topic for the stream\/table please re-run the statement providing the required 'PARTITIONS' configuration/,
        );
    });

    it("rejects an unknown column type as the server's type parser does", async () => {
        const res = await ksql(
            fake,
            "CREATE STREAM X (A FLOAT, B MAP<STRING, REAL>) WITH (KAFKA_TOPIC='INGESTION', VALUE_FORMAT='JSON');",
        );
        assert.deepEqual(
            [res.status, res.body.error_code, res.body.message],
            [400, 40001, "Failed to prepare statement: Cannot resolve unknown type: FLOAT"],
        );
        const nested = await ksql(
            fake,
            "CREATE STREAM X (A STRUCT<B ARRAY<REAL>>) WITH (KAFKA_TOPIC='INGESTION', VALUE_FORMAT='JSON');",
        );
        assert.equal(
            nested.body.message,
            "Failed to prepare statement: Cannot resolve unknown type: REAL",
        );
        const mapKey = await ksql(
            fake,
            "CREATE STREAM X (K MAP<INT, DOUBLE> KEY, A STRING) WITH (KAFKA_TOPIC='INGESTION', VALUE_FORMAT='JSON');",
        );
        assert.deepEqual([mapKey.status, mapKey.body.error_code], [400, 40001]);
        assert.match(
            mapKey.body.message,
            /^Map keys, including types that contain maps, are not supported .* Key column name: `K`\. Column type: MAP<INTEGER, DOUBLE>\./,
        );
    });

    it("rejects unknown streamsProperties with 500 / 50000 and accepts Kafka client keys", async () => {
        const bad = await ksql(fake, "SHOW STREAMS;", {
            streamsProperties: { "auto.offset.rest": "earliest" },
        });
        assert.equal(bad.status, 500);
        assert.deepEqual(bad.body, {
            "@type": "statement_error",
            error_code: 50000,
            message:
                "Not recognizable as ksql, streams, consumer, or producer property: 'auto.offset.rest'",
            statementText: "SHOW STREAMS;",
            entities: [],
        });
        const value = await ksql(fake, "SHOW STREAMS;", {
            streamsProperties: { "auto.offset.reset": "first" },
        });
        assert.deepEqual([value.status, value.body.error_code], [400, 40000]);
        assert.match(value.body.message, /^Failed to coerce type of value 'first'/);
        const ok = await ksql(fake, "SHOW STREAMS;", {
            streamsProperties: {
                "auto.offset.reset": "earliest",
                "ksql.streams.commit.interval.ms": "100",
                "producer.acks": "all",
            },
        });
        assert.equal(ok.status, 200);
    });

    it("answers a syntax error in the server's shape", async () => {
        const res = await ksql(fake, "CREATE STREM X (A STRING) WITH (KAFKA_TOPIC='INGESTION');");
        assert.equal(res.status, 400);
        assert.equal(res.body.error_code, 40001);
        assert.equal(
            res.body.message,
            "line 1:8: Syntax Error\nSyntax error at or near 'STREM' at line 1:8",
        );
    });

    it("validates a whole request before running any of it", async () => {
        const res = await ksql(fake, `${SENSOR("9")} CREATE STREAM Y AS SELECT * FROM MISSING;`);
        assert.equal(res.status, 400);
        assert.equal(res.body.message, "MISSING does not exist.");
        assert.equal(res.body.statementText, "CREATE STREAM Y AS SELECT * FROM MISSING;");
        const list = await ksql(fake, "SHOW STREAMS;");
        const names = (list.body[0].streams as Json[]).map((s) => s.name);
        assert.deepEqual(names, ["STREAM_INGESTION"]);
    });

    it("creates a derived stream with a persistent query and describes both ends", async () => {
        const res = await ksql(fake, SENSOR("1"));
        const status = res.body[0].commandStatus as Json;
        assert.match(status.message, /^Created query with ID CSAS_SENSOR_ID_1_\d+$/);
        const queryId = status.queryId as string;
        assert.equal(status.message, `Created query with ID ${queryId}`);

        const sensor = (await ksql(fake, "DESCRIBE SENSOR_ID_1 EXTENDED;")).body[0] as Json;
        assert.equal(sensor["@type"], "sourceDescription");
        const d = sensor.sourceDescription as Json;
        assert.deepEqual(
            [d.name, d.type, d.topic, d.keyFormat, d.valueFormat, d.extended],
            ["SENSOR_ID_1", "STREAM", "SENSOR_ID_1", "KAFKA", "JSON", true],
        );
        assert.deepEqual(
            (d.fields as Json[]).map((f) => [f.name, f.schema.type]),
            [
                ["PAYLOAD", "STRING"],
                ["CORRELATION_ID", "STRING"],
                ["CREATED_AT", "DOUBLE"],
                ["SCHEMA_VERSION", "INTEGER"],
            ],
        );
        assert.deepEqual(
            (d.writeQueries as Json[]).map((q) => q.id),
            [queryId],
        );
        assert.equal(d.statement, SENSOR("1"));

        const base = (await ksql(fake, "DESCRIBE STREAM_INGESTION;")).body[0].sourceDescription;
        assert.deepEqual(
            (base.readQueries as Json[]).map((q) => q.id),
            [queryId],
        );
        assert.deepEqual(base.sourceConstraints, ["SENSOR_ID_1"]);
    });

    it("refuses to drop a source other streams were created from", async () => {
        const res = await ksql(fake, "DROP STREAM STREAM_INGESTION;");
        assert.equal(res.status, 400);
        assert.equal(
            res.body.message,
            "Cannot drop STREAM_INGESTION.\n" +
                "The following streams and/or tables read from this source: [SENSOR_ID_1].\n" +
                "You need to drop them before dropping STREAM_INGESTION.",
        );
    });

    it("refuses to drop while INSERT queries write into it, and drops after TERMINATE", async () => {
        const insert = await ksql(fake, "INSERT INTO SENSOR_ID_1 SELECT * FROM STREAM_INGESTION;");
        const insertId = insert.body[0].commandStatus.queryId as string;
        assert.match(insertId, /^INSERTQUERY_\d+$/);

        const blocked = await ksql(fake, "DROP STREAM SENSOR_ID_1;");
        assert.equal(blocked.status, 400);
        assert.equal(
            blocked.body.message,
            "Cannot drop SENSOR_ID_1.\nThe following queries read from this source: [].\n" +
                `The following queries write into this source: [${insertId}].\n` +
                "You need to terminate them before dropping SENSOR_ID_1.",
        );

        const term = await ksql(fake, `TERMINATE ${insertId};`);
        assert.equal(term.body[0].commandId, `terminate/${insertId}/execute`);
        assert.equal(term.body[0].commandStatus.message, "Query terminated.");

        const dropped = await ksql(fake, "DROP STREAM SENSOR_ID_1;");
        assert.equal(dropped.status, 200);
        assert.equal(
            dropped.body[0].commandStatus.message,
            "Source SENSOR_ID_1 (topic: SENSOR_ID_1) was dropped.",
        );
        const queries = (await ksql(fake, "SHOW QUERIES;")).body[0].queries as Json[];
        assert.deepEqual(queries, [], "DROP terminated the query its CREATE AS SELECT started");
        assert.equal(
            fake.engine.topics.has("SENSOR_ID_1"),
            true,
            "topic kept without DELETE TOPIC",
        );
    });

    it("answers unknown query ids and missing sources like the server", async () => {
        const term = await ksql(fake, "TERMINATE CSAS_NOPE_1;");
        assert.deepEqual([term.status, term.body.message], [400, "Unknown queryId: CSAS_NOPE_1"]);
        const drop = await ksql(fake, "DROP STREAM NOPE;");
        assert.deepEqual([drop.status, drop.body.message], [400, "Stream NOPE does not exist."]);
        const ifExists = await ksql(fake, "DROP STREAM IF EXISTS NOPE;");
        assert.equal(ifExists.body[0].commandStatus.message, "Source NOPE does not exist.");
        const desc = await ksql(fake, "DESCRIBE NOPE;");
        assert.equal(desc.body.message, "Could not find STREAM/TABLE 'NOPE' in the Metastore");
        const status = await call(fake, "GET", "/status/stream/NOPE/create");
        assert.deepEqual(
            [status.status, status.body],
            [404, { "@type": "generic_error", error_code: 40400, message: "Command not found" }],
        );
    });

    it("serves /status on exactly three decoded segments, back-quotes included", async () => {
        const ok = await call(fake, "GET", "/status/stream/%60STREAM_INGESTION%60/create");
        assert.deepEqual([ok.status, ok.body.status], [200, "SUCCESS"]);
        const bare = await call(fake, "GET", "/status/stream/STREAM_INGESTION/create");
        assert.equal(bare.status, 404);
        const res = await fetch(`${fake.url}/status/stream/a/b/create`);
        assert.equal(res.status, 404);
        assert.equal(await res.text(), "<html><body><h1>Resource not found</h1></body></html>");
    });

    it("allows CREATE OR REPLACE for a filter change and keeps the query id", async () => {
        const first = await ksql(fake, SENSOR("2"));
        const id = first.body[0].commandStatus.queryId as string;
        const replaced = await ksql(
            fake,
            SENSOR("2", "EXTRACTJSONFIELD(payload, '$.sensor_id') = '02'").replace(
                "CREATE",
                "CREATE OR REPLACE",
            ),
        );
        assert.equal(replaced.status, 200);
        assert.equal(replaced.body[0].commandStatus.queryId, id);
    });

    it("rejects CREATE OR REPLACE that changes the source or reorders columns", async () => {
        const from = await ksql(
            fake,
            "CREATE OR REPLACE STREAM SENSOR_ID_2 AS SELECT * FROM SENSOR_ID_9X;",
        );
        assert.equal(from.body.message, "SENSOR_ID_9X does not exist.");
        await fake.execute(
            "CREATE STREAM OTHER (payload STRING) WITH (KAFKA_TOPIC='INGESTION', VALUE_FORMAT='JSON');",
        );
        const reorder = await ksql(
            fake,
            "CREATE OR REPLACE STREAM SENSOR_ID_2 AS SELECT created_at, payload FROM STREAM_INGESTION;",
        );
        assert.equal(reorder.status, 400);
        assert.match(
            reorder.body.message,
            /^Cannot upgrade data source: DataSource 'SENSOR_ID_2' has schema = .* \(The following columns are changed, missing or reordered: \[`PAYLOAD` STRING, `CORRELATION_ID` STRING, `CREATED_AT` DOUBLE, `SCHEMA_VERSION` INTEGER\]\)$/,
        );
        await fake.execute(
            "CREATE STREAM COPY_TOPIC (payload STRING) WITH (KAFKA_TOPIC='OTHER_T', PARTITIONS=1, VALUE_FORMAT='JSON');",
        );
        await fake.execute("CREATE STREAM C2 AS SELECT * FROM COPY_TOPIC;");
        const source = await ksql(fake, "CREATE OR REPLACE STREAM C2 AS SELECT * FROM OTHER;");
        assert.equal(
            source.body.message,
            "Query is not upgradeable. Plan step of type StreamSource must have matching topicName. Values differ: OTHER_T vs. INGESTION",
        );
    });

    it("allows appending columns to a stream over a topic, not removing them", async () => {
        const ok = await ksql(
            fake,
            "CREATE OR REPLACE STREAM OTHER (payload STRING, extra INT) WITH (KAFKA_TOPIC='INGESTION', VALUE_FORMAT='JSON');",
        );
        assert.equal(ok.status, 200);
        const fields = (await ksql(fake, "DESCRIBE OTHER;")).body[0].sourceDescription.fields;
        assert.deepEqual(
            (fields as Json[]).map((f) => `${f.name} ${f.schema.type}`),
            ["PAYLOAD STRING", "EXTRA INTEGER"],
        );
        const bad = await ksql(
            fake,
            "CREATE OR REPLACE STREAM OTHER (extra INT) WITH (KAFKA_TOPIC='INGESTION', VALUE_FORMAT='JSON');",
        );
        assert.equal(bad.status, 400);
        assert.match(bad.body.message, /^Cannot upgrade data source: /);
    });

    it("models tables: PRIMARY KEY required, aggregations typed and not upgradeable", async () => {
        const noKey = await ksql(
            fake,
            "CREATE TABLE T (a STRING) WITH (KAFKA_TOPIC='INGESTION', VALUE_FORMAT='JSON');",
        );
        assert.equal(
            noKey.body.message,
            "Tables require a PRIMARY KEY. Please define the PRIMARY KEY.",
        );
        const wrongKind = await ksql(
            fake,
            "CREATE STREAM S AS SELECT payload, COUNT(*) AS N FROM OTHER GROUP BY payload;",
        );
        assert.match(
            wrongKind.body.message,
            /^Invalid result type. Your SELECT query produces a TABLE/,
        );
        await ksql(
            fake,
            "CREATE TABLE COUNTS AS SELECT payload, COUNT(*) AS N FROM OTHER GROUP BY payload;",
        );
        const d = (await ksql(fake, "DESCRIBE COUNTS;")).body[0].sourceDescription as Json;
        assert.deepEqual(
            (d.fields as Json[]).map((f) => [f.name, f.schema.type, f.type ?? ""]),
            [
                ["PAYLOAD", "STRING", "KEY"],
                ["N", "BIGINT", ""],
            ],
        );
        assert.equal(d.type, "TABLE");
        const upgrade = await ksql(
            fake,
            "CREATE OR REPLACE TABLE COUNTS AS SELECT payload, COUNT(*) AS N FROM OTHER WHERE payload = 'x' GROUP BY payload;",
        );
        assert.equal(upgrade.body.message, "Upgrades not yet supported for StreamAggregate");
        const running = (d.writeQueries as Json[])[0].id as string;
        await ksql(fake, `TERMINATE ${running};`);
        const restarted = await ksql(
            fake,
            "CREATE OR REPLACE TABLE COUNTS AS SELECT payload, COUNT(*) AS N FROM OTHER GROUP BY payload;",
        );
        assert.equal(restarted.status, 200);
        const newId = restarted.body[0].commandStatus.queryId as string;
        assert.match(newId, /^CTAS_COUNTS_\d+$/);
        assert.notEqual(newId, running);
        const tables = await ksql(fake, "SHOW TABLES;");
        assert.equal(tables.body[0]["@type"], "tables");
        assert.deepEqual(tables.body[0].tables[0], {
            type: "TABLE",
            name: "COUNTS",
            topic: "COUNTS",
            keyFormat: "KAFKA",
            valueFormat: "JSON",
            isWindowed: false,
        });
    });

    it("lists streams extended as source descriptions", async () => {
        const res = await ksql(fake, "LIST STREAMS EXTENDED;");
        assert.equal(res.body[0]["@type"], "source_descriptions");
        const names = (res.body[0].sourceDescriptions as Json[]).map((d) => d.name);
        assert.ok(names.includes("STREAM_INGESTION"));
    });

    it("deletes the topic with DROP … DELETE TOPIC", async () => {
        await ksql(fake, "DROP TABLE COUNTS DELETE TOPIC;");
        assert.equal(fake.engine.topics.has("COUNTS"), false);
    });

    it("refuses DELETE TOPIC while another source uses the topic, dropping nothing", async () => {
        const sql = "DROP STREAM OTHER DELETE TOPIC;";
        const res = await ksql(fake, sql);
        assert.equal(res.status, 500);
        assert.deepEqual(res.body, {
            "@type": "statement_error",
            error_code: 50000,
            message:
                "Refusing to delete topic. Found other data sources (STREAM_INGESTION) using topic INGESTION",
            statementText: sql,
            entities: [],
        });
        assert.equal(fake.engine.sources.has("OTHER"), true);
        assert.equal(fake.engine.topics.has("INGESTION"), true);
    });

    it("describes a source whose topic is gone with no constraints and a Kafka warning", async () => {
        fake.engine.topics.delete("INGESTION");
        try {
            const res = await ksql(fake, "DESCRIBE STREAM_INGESTION EXTENDED;");
            const d = res.body[0].sourceDescription as Json;
            assert.deepEqual([d.partitions, d.replication, d.sourceConstraints], [0, 0, []]);
            assert.deepEqual(res.body[0].warnings, [
                { message: "Error from Kafka: Failed to Describe Kafka Topic(s): [INGESTION]" },
            ]);
            const drop = await ksql(fake, "DROP STREAM STREAM_INGESTION;");
            assert.equal(drop.status, 400);
            assert.match(drop.body.message, /streams and\/or tables read from this source/);
        } finally {
            fake.engine.topics.add("INGESTION");
        }
    });

    it("reports a failed persistent query as state ERROR", async () => {
        const desc = (await ksql(fake, "DESCRIBE SENSOR_ID_2;")).body[0].sourceDescription;
        const id = (desc.writeQueries as Json[])[0].id as string;
        fake.engine.failQuery(id);
        const again = (await ksql(fake, "DESCRIBE SENSOR_ID_2;")).body[0].sourceDescription;
        const q = (again.writeQueries as Json[])[0];
        assert.deepEqual([q.state, q.statusCount], ["ERROR", { ERROR: 1 }]);
    });
});

describe("fake ksqlDB transient states", () => {
    it("answers 503 / 50302 with Retry-After while starting", async () => {
        const fake = await FakeKsqlDb.start({ startupRequests: 2 });
        try {
            for (let i = 0; i < 2; i++) {
                const res = await call(fake, "GET", "/info");
                assert.equal(res.status, 503);
                assert.equal(res.headers.get("retry-after"), "10");
                assert.deepEqual(res.body, {
                    "@type": "generic_error",
                    error_code: 50302,
                    message: "Server initializing",
                });
            }
            assert.equal((await call(fake, "GET", "/info")).status, 200);
        } finally {
            await fake.close();
        }
    });

    it("keeps commands EXECUTING until polled, and makes later requests wait", async () => {
        const fake = await FakeKsqlDb.start({
            topics: ["INGESTION"],
            commandPolls: 2,
            commandResponseTimeoutMs: 20,
        });
        try {
            const res = await ksql(fake, BASE);
            const entity = res.body[0] as Json;
            assert.equal(entity.commandStatus.status, "EXECUTING");
            const seq = entity.commandSequenceNumber as number;

            const early = await ksql(fake, "SHOW STREAMS;", { commandSequenceNumber: seq });
            assert.equal(early.status, 503);
            assert.equal(early.body.error_code, 50301);
            assert.equal((await ksql(fake, "DESCRIBE STREAM_INGESTION;")).status, 400);

            const poll1 = await call(fake, "GET", `/status/${entity.commandId}`);
            assert.equal(poll1.body.status, "EXECUTING");
            const poll2 = await call(fake, "GET", `/status/${entity.commandId}`);
            assert.deepEqual(poll2.body, {
                status: "SUCCESS",
                message: "Stream created",
                queryId: null,
            });
            const later = await ksql(fake, "DESCRIBE STREAM_INGESTION;", {
                commandSequenceNumber: seq,
            });
            assert.equal(later.status, 200);
        } finally {
            await fake.close();
        }
    });

    it("reports a failed command as ERROR with a stack trace and applies nothing", async () => {
        const fake = await FakeKsqlDb.start({
            topics: ["INGESTION"],
            commandResponseTimeoutMs: 20,
        });
        try {
            fake.failNextCommand("Kafka topic INGESTION is gone.");
            const res = await ksql(fake, BASE);
            assert.equal(res.status, 200);
            const status = res.body[0].commandStatus as Json;
            assert.equal(status.status, "ERROR");
            assert.match(
                status.message,
                /^io\.confluent\.ksql\.util\.KsqlStatementException: Kafka topic INGESTION is gone\.\n\tat /,
            );
            assert.equal(fake.engine.sources.size, 0);
        } finally {
            await fake.close();
        }
    });

    it("answers 503 / 50301 for a sequence number it never issued, after the timeout", async () => {
        const fake = await FakeKsqlDb.start({
            topics: ["INGESTION"],
            commandResponseTimeoutMs: 20,
        });
        try {
            const res = await ksql(fake, "SHOW STREAMS;", { commandSequenceNumber: 41 });
            assert.equal(res.status, 503);
            assert.deepEqual(res.body, {
                "@type": "generic_error",
                error_code: 50301,
                message:
                    "Timed out while waiting for a previous command to execute. command sequence number: 41",
            });
            const none = await ksql(fake, "SHOW STREAMS;");
            assert.equal(none.status, 200);
        } finally {
            await fake.close();
        }
    });

    it("answers 404 on /status until a lagging node has read the command", async () => {
        const fake = await FakeKsqlDb.start({ topics: ["INGESTION"], statusLagPolls: 2 });
        try {
            const id = (await ksql(fake, BASE)).body[0].commandId as string;
            const path = `/status/${id.split("/").map(encodeURIComponent).join("/")}`;
            assert.equal((await call(fake, "GET", path)).status, 404);
            assert.equal((await call(fake, "GET", path)).status, 404);
            assert.equal((await call(fake, "GET", path)).body.status, "SUCCESS");
        } finally {
            await fake.close();
        }
    });

    it("requires basic auth when configured: 401 / 40100", async () => {
        const fake = await FakeKsqlDb.start({ basicAuth: { username: "u", password: "p" } });
        try {
            const res = await call(fake, "GET", "/info");
            assert.deepEqual(
                [res.status, res.body],
                [401, { "@type": "generic_error", error_code: 40100, message: "Unauthorized" }],
            );
            const ok = await fetch(`${fake.url}/info`, {
                headers: { Authorization: `Basic ${Buffer.from("u:p").toString("base64")}` },
            });
            assert.equal(ok.status, 200);
        } finally {
            await fake.close();
        }
    });
});
