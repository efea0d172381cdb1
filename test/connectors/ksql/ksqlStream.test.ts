import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { KsqlError } from "../../../connectors/ksql/client";
import {
    ksqlSourceProvider as provider,
    type KsqlSourceInputs,
    type KsqlSourceOutputs,
} from "../../../connectors/ksql/provider";
import { FakeKsqlDb } from "../../fakes/ksqldb";

type Raw = Record<string, unknown>;

async function checked(news: Raw): Promise<KsqlSourceInputs> {
    const r = await provider.check!({}, news);
    assert.deepEqual(r.failures, []);
    return r.inputs as KsqlSourceInputs;
}

async function create(news: Raw): Promise<KsqlSourceOutputs> {
    const inputs = await checked(news);
    const r = await provider.create(inputs);
    assert.equal(r.id, inputs.name);
    return r.outs as KsqlSourceOutputs;
}

const diff = (olds: KsqlSourceOutputs, news: KsqlSourceInputs) => provider.diff!("id", olds, news);

function statementsSent(fake: FakeKsqlDb, from = 0): string[] {
    return fake.requests
        .slice(from)
        .filter((r) => r.path === "/ksql")
        .map((r) => (r.body as { ksql: string }).ksql);
}

const baseArgs = (url: string): Raw => ({
    ksqlUrl: url,
    kind: "STREAM",
    name: "stream_ingestion",
    topic: "INGESTION",
    valueFormat: "json",
    columns: [
        { name: "payload", type: "string" },
        { name: "correlation_id", type: "STRING" },
        { name: "created_at", type: "DOUBLE" },
        { name: "schema_version", type: "INTEGER" },
    ],
});

const sensorArgs = (url: string, id: string, extra: Raw = {}): Raw => ({
    ksqlUrl: url,
    kind: "STREAM",
    name: `SENSOR_ID_${id}`,
    from: "STREAM_INGESTION",
    where: `EXTRACTJSONFIELD(PAYLOAD, '$.sensor_id') = '${id}'`,
    streamsProperties: { "auto.offset.reset": "earliest" },
    ...extra,
});

describe("KsqlStream provider lifecycle against the ksqlDB fake", () => {
    let fake: FakeKsqlDb;
    let base: KsqlSourceOutputs;
    let sensor: KsqlSourceOutputs;

    before(async () => {
        fake = await FakeKsqlDb.start({ topics: ["INGESTION"] });
    });
    after(() => fake.close());

    it("creates the base stream with one statement per request", async () => {
        base = await create(baseArgs(fake.url));
        const post = fake.requests.find((r) => r.path === "/ksql")!;
        assert.deepEqual(post.body, {
            ksql:
                "CREATE STREAM `STREAM_INGESTION` (`PAYLOAD` STRING, `CORRELATION_ID` STRING, " +
                "`CREATED_AT` DOUBLE, `SCHEMA_VERSION` INTEGER) " +
                "WITH (KAFKA_TOPIC='INGESTION', VALUE_FORMAT='JSON');",
            streamsProperties: {},
        });
        assert.equal(post.headers["content-type"], "application/vnd.ksql.v1+json");
        assert.equal(post.headers.accept, "application/vnd.ksql.v1+json");
        assert.deepEqual(
            [base.name, base.kafkaTopic, base.queryId, base.valueFormat],
            ["STREAM_INGESTION", "INGESTION", "", "JSON"],
        );
        assert.deepEqual(base.schemaColumns, base.columns);
    });

    it("creates a derived stream with streamsProperties and reads after the command", async () => {
        const from = fake.requests.length;
        sensor = await create(sensorArgs(fake.url, "1"));
        const posts = fake.requests.slice(from).filter((r) => r.path === "/ksql");
        assert.deepEqual(posts[0].body, {
            ksql:
                "CREATE STREAM `SENSOR_ID_1` AS SELECT * FROM `STREAM_INGESTION` " +
                "WHERE EXTRACTJSONFIELD(PAYLOAD, '$.sensor_id') = '1' EMIT CHANGES;",
            streamsProperties: { "auto.offset.reset": "earliest" },
        });
        // streamsProperties go with the CREATE only; the read waits for the CREATE's command.
        assert.deepEqual(posts[1].body, {
            ksql: "DESCRIBE `SENSOR_ID_1` EXTENDED;",
            streamsProperties: {},
            commandSequenceNumber: sensor.commandSequenceNumber,
        });
        assert.match(sensor.queryId, /^CSAS_SENSOR_ID_1_\d+$/);
        assert.equal(sensor.kafkaTopic, "SENSOR_ID_1");
        assert.deepEqual(
            sensor.schemaColumns.map((c) => c.name),
            ["PAYLOAD", "CORRELATION_ID", "CREATED_AT", "SCHEMA_VERSION"],
        );
    });

    it("sees no change and no drift when nothing changed", async () => {
        assert.deepEqual(await diff(base, await checked(baseArgs(fake.url))), {
            changes: false,
            replaces: [],
            deleteBeforeReplace: true,
        });
        assert.equal((await diff(sensor, await checked(sensorArgs(fake.url, "1")))).changes, false);
        const read = await provider.read!("SENSOR_ID_1", sensor);
        assert.deepEqual(read.props, sensor);
        const readBase = await provider.read!("STREAM_INGESTION", base);
        assert.deepEqual(readBase.props, base);
        assert.equal(
            (await diff(readBase.props, await checked(baseArgs(fake.url)))).changes,
            false,
        );
    });

    it("changes a filter in place with CREATE OR REPLACE, keeping the query", async () => {
        const news = await checked(
            sensorArgs(fake.url, "1", { where: "EXTRACTJSONFIELD(PAYLOAD, '$.sensor_id') = '01'" }),
        );
        assert.deepEqual(await diff(sensor, news), {
            changes: true,
            replaces: [],
            deleteBeforeReplace: true,
        });
        const from = fake.requests.length;
        const r = await provider.update!("SENSOR_ID_1", sensor, news);
        const sent = statementsSent(fake, from);
        assert.deepEqual(sent, [
            "DESCRIBE `SENSOR_ID_1` EXTENDED;",
            "CREATE OR REPLACE STREAM `SENSOR_ID_1` AS SELECT * FROM `STREAM_INGESTION` " +
                "WHERE EXTRACTJSONFIELD(PAYLOAD, '$.sensor_id') = '01' EMIT CHANGES;",
            "DESCRIBE `SENSOR_ID_1` EXTENDED;",
        ]);
        const outs = r.outs as KsqlSourceOutputs;
        assert.equal(outs.queryId, sensor.queryId);
        assert.equal(outs.where, "EXTRACTJSONFIELD(PAYLOAD, '$.sensor_id') = '01'");
        sensor = outs;
    });

    it("appends a column to the base stream in place", async () => {
        const args = baseArgs(fake.url);
        const columns = [...(args.columns as Raw[]), { name: "site", type: "varchar" }];
        const news = await checked({ ...args, columns });
        assert.deepEqual(await diff(base, news), {
            changes: true,
            replaces: [],
            deleteBeforeReplace: true,
        });
        const from = fake.requests.length;
        const outs = (await provider.update!("STREAM_INGESTION", base, news))
            .outs as KsqlSourceOutputs;
        assert.match(
            statementsSent(fake, from)[1],
            /^CREATE OR REPLACE STREAM `STREAM_INGESTION` \(.*`SITE` STRING\) WITH/,
        );
        assert.deepEqual(outs.schemaColumns.at(-1), { name: "SITE", type: "STRING", key: false });
        base = outs;
    });

    it("changes nothing on the server when only state-level inputs change", async () => {
        const news = await checked({
            ...sensorArgs(fake.url, "1", { where: sensor.where }),
            deleteTopic: true,
        });
        assert.deepEqual(await diff(sensor, news), {
            changes: true,
            replaces: [],
            deleteBeforeReplace: true,
        });
        const from = fake.requests.length;
        const outs = (await provider.update!("SENSOR_ID_1", sensor, news))
            .outs as KsqlSourceOutputs;
        assert.deepEqual(statementsSent(fake, from), [
            "DESCRIBE `SENSOR_ID_1` EXTENDED;",
            "DESCRIBE `SENSOR_ID_1` EXTENDED;",
        ]);
        assert.equal(outs.deleteTopic, true);
    });

    it("forces replacement for changes ksqlDB cannot apply in place", async () => {
        const cases: Array<[Raw, string[]]> = [
            [{ from: "OTHER" }, ["from"]],
            [{ select: ["CREATED_AT", "PAYLOAD"] }, ["select"]],
            [{ topic: "SENSOR_1" }, ["topic"]],
            [{ valueFormat: "AVRO" }, ["valueFormat"]],
            [{ name: "SENSOR_1" }, ["name"]],
        ];
        for (const [change, replaces] of cases) {
            const news = await checked(
                sensorArgs(fake.url, "1", { where: sensor.where, ...change }),
            );
            assert.deepEqual(
                await diff(sensor, news),
                { changes: true, replaces, deleteBeforeReplace: true },
                JSON.stringify(change),
            );
        }
        const args = baseArgs(fake.url);
        const retyped = (base.columns ?? []).map((c) =>
            c.name === "CREATED_AT" ? { ...c, type: "BIGINT" } : c,
        );
        assert.deepEqual(
            (await diff(base, await checked({ ...args, columns: retyped }))).replaces,
            ["columns"],
        );
        const keyed = [{ name: "id", type: "STRING", key: true }, ...(base.columns ?? [])];
        assert.deepEqual((await diff(base, await checked({ ...args, columns: keyed }))).replaces, [
            "columns",
        ]);
        assert.deepEqual(
            (await diff(base, await checked({ ...args, kind: "TABLE", columns: keyed }))).replaces,
            ["kind", "columns"],
        );
    });

    it("replaces a derived stream by dropping it first, then creating it again", async () => {
        const news = await checked(
            sensorArgs(fake.url, "1", { where: sensor.where, select: ["CREATED_AT", "PAYLOAD"] }),
        );
        await provider.delete!("SENSOR_ID_1", sensor);
        sensor = await create(news as unknown as Raw);
        assert.deepEqual(
            sensor.schemaColumns.map((c) => c.name),
            ["CREATED_AT", "PAYLOAD"],
        );
    });

    it("reports drift: a terminated query is restarted in place", async () => {
        await fake.execute(`TERMINATE ${sensor.queryId};`);
        const read = await provider.read!("SENSOR_ID_1", sensor);
        const refreshed = read.props as KsqlSourceOutputs;
        assert.equal(refreshed.queryId, "");
        const news = await checked({ ...sensor });
        assert.deepEqual(await diff(refreshed, news), {
            changes: true,
            replaces: [],
            deleteBeforeReplace: true,
        });
        const outs = (await provider.update!("SENSOR_ID_1", refreshed, news))
            .outs as KsqlSourceOutputs;
        assert.match(outs.queryId, /^CSAS_SENSOR_ID_1_\d+$/);
        assert.notEqual(outs.queryId, sensor.queryId);
        sensor = outs;
    });

    it("reports drift: columns changed out of band show as a replacement", async () => {
        await fake.execute(
            "CREATE OR REPLACE STREAM STREAM_INGESTION (payload STRING, correlation_id STRING, created_at DOUBLE, " +
                "schema_version INTEGER, site STRING, extra INT) WITH (KAFKA_TOPIC='INGESTION', VALUE_FORMAT='JSON');",
        );
        const read = await provider.read!("STREAM_INGESTION", base);
        const refreshed = read.props as KsqlSourceOutputs;
        assert.deepEqual(refreshed.columns?.at(-1), { name: "EXTRA", type: "INTEGER", key: false });
        assert.deepEqual((read.inputs as KsqlSourceInputs).columns, refreshed.columns);
        const news = await checked(baseArgs(fake.url));
        assert.deepEqual((await diff(refreshed, news)).replaces, ["columns"]);
    });

    it("creates again on update when the source was dropped out of band", async () => {
        const extra = await create(sensorArgs(fake.url, "4"));
        await fake.execute("DROP STREAM SENSOR_ID_4;");
        const news = await checked(sensorArgs(fake.url, "4", { where: "PAYLOAD IS NOT NULL" }));
        const from = fake.requests.length;
        const outs = (await provider.update!("SENSOR_ID_4", extra, news)).outs as KsqlSourceOutputs;
        const writes = statementsSent(fake, from).filter((w) => w.startsWith("CREATE"));
        assert.deepEqual(writes, [
            "CREATE STREAM `SENSOR_ID_4` AS SELECT * FROM `STREAM_INGESTION` WHERE PAYLOAD IS NOT NULL EMIT CHANGES;",
        ]);
        assert.match(outs.queryId, /^CSAS_SENSOR_ID_4_\d+$/);
        await provider.delete!("SENSOR_ID_4", outs);
    });

    it("reports a stream dropped out of band as gone", async () => {
        const gone = await create(sensorArgs(fake.url, "X", { name: "GONE_2" }));
        await fake.execute("DROP STREAM GONE_2;");
        assert.deepEqual(await provider.read!("GONE_2", gone), {});
        const from = fake.requests.length;
        await provider.delete!("GONE_2", gone);
        assert.deepEqual(
            statementsSent(fake, from).filter((s) => s.startsWith("DROP")),
            [],
        );
    });

    it("refuses to drop a source that others were created from, terminating nothing", async () => {
        const queries = [...fake.engine.queries.keys()];
        await assert.rejects(provider.delete!("STREAM_INGESTION", base), {
            message:
                "cannot drop STREAM STREAM_INGESTION: SENSOR_ID_1 were created from it and ksqlDB " +
                "refuses to drop a source other streams or tables read from. Delete them first " +
                "(declare them with dependsOn on this resource so Pulumi orders it), then retry.",
        });
        assert.deepEqual([...fake.engine.queries.keys()], queries);
    });

    it("deletes after terminating the queries that read from or write into the stream", async () => {
        const insert = await fake.execute(
            "INSERT INTO SENSOR_ID_1 SELECT CREATED_AT, PAYLOAD FROM STREAM_INGESTION;",
        );
        const insertId = (insert[0].commandStatus as { queryId: string }).queryId;
        const from = fake.requests.length;
        await provider.delete!("SENSOR_ID_1", sensor);
        const writes = statementsSent(fake, from).filter((s) => !s.startsWith("DESCRIBE"));
        assert.deepEqual(writes, [
            `TERMINATE \`${sensor.queryId}\`;`,
            `TERMINATE \`${insertId}\`;`,
            "DROP STREAM IF EXISTS `SENSOR_ID_1`;",
        ]);
        const drop = fake.requests.slice(from).find((r) => (r.body as Raw).ksql === writes[2])!;
        assert.equal(typeof (drop.body as Raw).commandSequenceNumber, "number");
        assert.equal(fake.engine.sources.has("SENSOR_ID_1"), false);
        assert.equal(fake.engine.queries.size, 0);
        assert.equal(fake.engine.topics.has("SENSOR_ID_1"), true, "deleteTopic defaults to false");
        await provider.delete!("STREAM_INGESTION", base);
        assert.equal(fake.engine.sources.has("STREAM_INGESTION"), false);
        assert.equal(fake.engine.topics.has("INGESTION"), true);
    });

    it("drops the topic too when deleteTopic is set", async () => {
        const t = await create({ ...baseArgs(fake.url), name: "S2", deleteTopic: true });
        await provider.delete!("S2", t);
        assert.equal(fake.engine.topics.has("INGESTION"), false);
        fake.engine.topics.add("INGESTION");
    });

    it("reports invalid SQL with the statement, error code and server message", async () => {
        await create(baseArgs(fake.url));
        const inputs = await checked(sensorArgs(fake.url, "3", { where: "NOPE = '3'" }));
        await assert.rejects(provider.create(inputs), (e: unknown) => {
            assert.ok(e instanceof KsqlError);
            assert.equal(e.errorCode, 40001);
            assert.equal(e.status, 400);
            assert.equal(e.serverMessage, "WHERE column 'NOPE' cannot be resolved.");
            assert.equal(
                e.message,
                "ksqlDB rejected `CREATE STREAM `SENSOR_ID_3` AS SELECT * FROM `STREAM_INGESTION` WHERE NOPE = '3' EMIT CHANGES;` " +
                    "(error_code 40001): WHERE column 'NOPE' cannot be resolved.",
            );
            return true;
        });
        const syntax = await checked(sensorArgs(fake.url, "3", { select: ["PAYLOAD,"] }));
        await assert.rejects(
            provider.create(syntax),
            /\(error_code 40001\): line 1:\d+: Syntax Error\nSyntax error at or near 'FROM' at line 1:\d+$/,
        );
        const dup = await checked(baseArgs(fake.url));
        await assert.rejects(
            provider.create(dup),
            /\(error_code 40001\): Cannot add stream 'STREAM_INGESTION': A stream with the same name already exists$/,
        );
    });
});

describe("KsqlStream provider on transient server states", () => {
    it("retries 503 while the server starts", async () => {
        const fake = await FakeKsqlDb.start({ topics: ["INGESTION"], startupRequests: 3 });
        try {
            const outs = await create(baseArgs(fake.url));
            assert.equal(outs.name, "STREAM_INGESTION");
            assert.equal(fake.requests.length, 5, "3 refused, then CREATE and DESCRIBE");
        } finally {
            await fake.close();
        }
    });

    it("follows /status (back-quoted id, one encoded segment) until a slow command is done", async () => {
        // The POST answered EXECUTING after the server's wait; this node then lags 2 polls.
        const fake = await FakeKsqlDb.start({
            topics: ["INGESTION"],
            commandPolls: 3,
            commandResponseTimeoutMs: 20,
            statusLagPolls: 2,
        });
        try {
            const outs = await create(baseArgs(fake.url));
            const polls = fake.requests.filter((r) => r.path.startsWith("/status/"));
            assert.deepEqual(
                polls.map((r) => r.path),
                Array(5).fill("/status/stream/%60STREAM_INGESTION%60/create"),
            );
            assert.equal(outs.kafkaTopic, "INGESTION");
        } finally {
            await fake.close();
        }
    });

    it("fails with the command's message, not its stack trace, when it ends in ERROR", async () => {
        const fake = await FakeKsqlDb.start({
            topics: ["INGESTION"],
            commandPolls: 1,
            commandResponseTimeoutMs: 20,
        });
        try {
            fake.failNextCommand("Could not write the statement into the command topic.");
            await assert.rejects(create(baseArgs(fake.url)), {
                name: "KsqlError",
                message:
                    /`: Could not write the statement into the command topic\. \(stack trace trimmed\)$/,
            });
        } finally {
            await fake.close();
        }
    });

    it("does not retry a CREATE over a missing topic, and says how to fix it", async () => {
        const fake = await FakeKsqlDb.start({ topics: [] });
        try {
            await assert.rejects(create(baseArgs(fake.url)), (e: unknown) => {
                assert.ok(e instanceof KsqlError);
                assert.deepEqual([e.status, e.errorCode], [400, 40000]);
                assert.match(
                    e.message,
                    /\(error_code 40000\): Topic 'INGESTION' does not exist\. If you want .* — create the topic first: declare it as a KafkaTopic and give this resource dependsOn on it\.$/s,
                );
                return true;
            });
            assert.equal(fake.requests.length, 1);
        } finally {
            await fake.close();
        }
    });

    it("waits out a 429 rate limit and reports 401 with the fix", async () => {
        const fake = await FakeKsqlDb.start({
            topics: ["INGESTION"],
            basicAuth: { username: "pulumi", password: "s3cret-pw" },
        });
        try {
            await assert.rejects(create(baseArgs(fake.url)), (e: unknown) => {
                assert.ok(e instanceof KsqlError);
                assert.equal(e.status, 401);
                assert.match(
                    e.message,
                    /rejected the credentials \(HTTP 401: Unauthorized\)\. Set the resource's basicAuth/,
                );
                return true;
            });
            // FailureHandler.java:64-79 (0.29.0): 403 / 40300 with the authorizer's message.
            fake.respondNext({
                status: 403,
                body: {
                    "@type": "generic_error",
                    error_code: 40300,
                    message: "User:pulumi is not permitted to execute statements",
                },
            });
            await assert.rejects(
                create({
                    ...baseArgs(fake.url),
                    basicAuth: { username: "pulumi", password: "s3cret-pw" },
                }),
                {
                    name: "KsqlError",
                    message:
                        /denied access \(HTTP 403: User:pulumi is not permitted to execute statements\)\. Grant the user access/,
                },
            );
            fake.respondNext({
                status: 429,
                body: {
                    "@type": "generic_error",
                    error_code: 42900,
                    message:
                        "DDL/DML rate is crossing the configured rate limit of statements/second",
                },
            });
            const outs = await create({
                ...baseArgs(fake.url),
                basicAuth: { username: "pulumi", password: "s3cret-pw" },
            });
            assert.equal(outs.name, "STREAM_INGESTION");
            const auth = fake.requests.at(-1)!.headers.authorization;
            assert.equal(auth, `Basic ${Buffer.from("pulumi:s3cret-pw").toString("base64")}`);
        } finally {
            await fake.close();
        }
    });

    it("fails fast with the URL, the config key and a hint when ksqlDB cannot be reached", async () => {
        const fake = await FakeKsqlDb.start();
        const url = fake.url;
        await fake.close();
        const inputs = await checked({ ...baseArgs(url), waitTimeoutSeconds: 1 });
        await assert.rejects(provider.create(inputs), (e: unknown) => {
            assert.ok(e instanceof KsqlError);
            assert.match(
                e.serverMessage,
                new RegExp(
                    `^could not reach ksqlDB at ${url}/ksql \\(ECONNREFUSED; no answer within [01]s\\)\\. ` +
                        "Check the stack's `ksqldb.url` \\(pulumi config set ksqldb.url <url>\\); " +
                        "on the dev \\(kind\\) stack it is the ksqlDB NodePort",
                ),
            );
            return true;
        });
    });
});

describe("KsqlStream provider against the server's real behaviour", () => {
    it("treats a stored commandSequenceNumber as a hint after a redeploy", async () => {
        const old = await FakeKsqlDb.start({ topics: ["INGESTION"] });
        let sensor: KsqlSourceOutputs;
        try {
            await create(baseArgs(old.url));
            for (const id of ["1", "2", "3"]) sensor = await create(sensorArgs(old.url, id));
        } finally {
            await old.close();
        }
        // A fresh server (fresh command topic) has issued no sequence number yet.
        const fake = await FakeKsqlDb.start({
            topics: ["INGESTION"],
            commandResponseTimeoutMs: 30,
        });
        try {
            await create(baseArgs(fake.url));
            await create(sensorArgs(fake.url, "3"));
            const stored = { ...sensor!, ksqlUrl: fake.url };
            assert.ok(stored.commandSequenceNumber > 2);
            const news = await checked(
                sensorArgs(fake.url, "3", {
                    where: "EXTRACTJSONFIELD(PAYLOAD, '$.sensor_id') = '03'",
                }),
            );
            const from = fake.requests.length;
            const outs = (await provider.update!("SENSOR_ID_3", stored, news))
                .outs as KsqlSourceOutputs;
            const posts = fake.requests.slice(from).filter((r) => r.path === "/ksql");
            const seqs = posts.map((r) => (r.body as Raw).commandSequenceNumber);
            // One 5 s wait for the stale number, then the operation's calls go without it.
            assert.deepEqual(seqs.slice(0, 3), [
                stored.commandSequenceNumber,
                undefined,
                undefined,
            ]);
            assert.equal(seqs.filter((n) => n === stored.commandSequenceNumber).length, 1);
            assert.ok(outs.commandSequenceNumber <= 3, "a number this server issued");
            const same = await checked({ ...sensorArgs(fake.url, "3"), deleteTopic: true });
            const stateOnly = (await provider.update!("SENSOR_ID_3", stored, same))
                .outs as KsqlSourceOutputs;
            assert.equal(stateOnly.commandSequenceNumber, -1, "the stale number is not kept");
            await provider.delete!("SENSOR_ID_3", { ...outs, commandSequenceNumber: 99 });
            assert.equal(fake.engine.sources.has("SENSOR_ID_3"), false);
        } finally {
            await fake.close();
        }
    });

    it("keeps a topic another source uses when deleteTopic is set", async () => {
        const fake = await FakeKsqlDb.start({ topics: ["INGESTION"] });
        try {
            await create(baseArgs(fake.url));
            const copy = await create({ ...baseArgs(fake.url), name: "COPY", deleteTopic: true });
            const from = fake.requests.length;
            await provider.delete!("COPY", copy);
            assert.deepEqual(
                statementsSent(fake, from).filter((s) => s.startsWith("DROP")),
                ["DROP STREAM IF EXISTS `COPY`;"],
            );
            assert.equal(fake.engine.sources.has("COPY"), false);
            assert.equal(fake.engine.topics.has("INGESTION"), true);
        } finally {
            await fake.close();
        }
    });

    it("restarts a terminated aggregate with CREATE OR REPLACE and a new query id", async () => {
        const fake = await FakeKsqlDb.start({ topics: ["INGESTION"] });
        try {
            await create(baseArgs(fake.url));
            const args: Raw = {
                ksqlUrl: fake.url,
                kind: "TABLE",
                name: "COUNTS",
                from: "STREAM_INGESTION",
                select: ["PAYLOAD", "COUNT(*) AS N"],
                groupBy: ["PAYLOAD"],
            };
            const table = await create(args);
            await fake.execute(`TERMINATE ${table.queryId};`);
            const refreshed = (await provider.read!("COUNTS", table)).props as KsqlSourceOutputs;
            assert.equal(refreshed.queryId, "");
            const news = await checked(args);
            assert.deepEqual(await diff(refreshed, news), {
                changes: true,
                replaces: [],
                deleteBeforeReplace: true,
            });
            const outs = (await provider.update!("COUNTS", refreshed, news))
                .outs as KsqlSourceOutputs;
            assert.match(outs.queryId, /^CTAS_COUNTS_\d+$/);
            assert.notEqual(outs.queryId, table.queryId);
            assert.equal(outs.queryState, "RUNNING");
        } finally {
            await fake.close();
        }
    });

    it("refuses to drop a source whose topic is gone while others were created from it", async () => {
        const fake = await FakeKsqlDb.start({ topics: ["INGESTION"] });
        try {
            const base = await create(baseArgs(fake.url));
            const sensor = await create(sensorArgs(fake.url, "1"));
            await fake.execute(`TERMINATE ${sensor.queryId};`);
            fake.engine.topics.delete("INGESTION");
            const queries = [...fake.engine.queries.keys()];
            await assert.rejects(provider.delete!("STREAM_INGESTION", base), {
                message: /^cannot drop STREAM STREAM_INGESTION: SENSOR_ID_1 were created from it/,
            });
            assert.deepEqual([...fake.engine.queries.keys()], queries);
            assert.equal(fake.engine.sources.has("STREAM_INGESTION"), true);
        } finally {
            await fake.close();
        }
    });

    it("drops a source whose topic is gone, terminating its INSERT queries", async () => {
        const fake = await FakeKsqlDb.start({ topics: ["INGESTION", "OTHER"] });
        try {
            await create(baseArgs(fake.url));
            const other = await create({ ...baseArgs(fake.url), name: "OTHER", topic: "OTHER" });
            await fake.execute("INSERT INTO OTHER SELECT * FROM STREAM_INGESTION;");
            fake.engine.topics.delete("OTHER");
            await provider.delete!("OTHER", other);
            assert.equal(fake.engine.sources.has("OTHER"), false);
            assert.equal(fake.engine.queries.size, 0);
        } finally {
            await fake.close();
        }
    });

    it("names streamsProperties when the server rejects one of its keys", async () => {
        const fake = await FakeKsqlDb.start({ topics: ["INGESTION"] });
        try {
            await create(baseArgs(fake.url));
            const inputs = await checked(
                sensorArgs(fake.url, "1", {
                    streamsProperties: { "auto.ofset.reset": "earliest" },
                }),
            );
            await assert.rejects(provider.create(inputs), (e: unknown) => {
                assert.ok(e instanceof KsqlError);
                assert.deepEqual([e.status, e.errorCode], [500, 50000]);
                assert.equal(
                    e.serverMessage,
                    "Not recognizable as ksql, streams, consumer, or producer property: 'auto.ofset.reset'" +
                        " — `streamsProperties` key 'auto.ofset.reset' is not a ksqlDB, Kafka Streams, " +
                        "consumer or producer property: fix its spelling or remove it.",
                );
                return true;
            });
        } finally {
            await fake.close();
        }
    });

    it("shows a failed query in queryState and fails or restarts it per onQueryError", async () => {
        const fake = await FakeKsqlDb.start({ topics: ["INGESTION"] });
        try {
            await create(baseArgs(fake.url));
            const sensor = await create(sensorArgs(fake.url, "1"));
            assert.equal(sensor.queryState, "RUNNING");
            fake.engine.failQuery(sensor.queryId);
            const refreshed = (await provider.read!("SENSOR_ID_1", sensor))
                .props as KsqlSourceOutputs;
            assert.equal(refreshed.queryState, "ERROR");
            const failing = await checked(sensorArgs(fake.url, "1"));
            assert.deepEqual(await diff(refreshed, failing), {
                changes: true,
                replaces: [],
                deleteBeforeReplace: true,
            });
            await assert.rejects(provider.update!("SENSOR_ID_1", refreshed, failing), {
                name: "KsqlError",
                message: new RegExp(
                    `the persistent query ${sensor.queryId} feeding STREAM SENSOR_ID_1 is in state ERROR .*onQueryError: "restart"`,
                ),
            });
            const restart = await checked(sensorArgs(fake.url, "1", { onQueryError: "restart" }));
            const outs = (await provider.update!("SENSOR_ID_1", refreshed, restart))
                .outs as KsqlSourceOutputs;
            assert.equal(outs.queryState, "RUNNING");
            assert.notEqual(outs.queryId, sensor.queryId);
            assert.equal(fake.engine.queries.get(sensor.queryId), undefined);
        } finally {
            await fake.close();
        }
    });

    it("records a source whose new query fails at once, after one restart if asked", async () => {
        const fake = await FakeKsqlDb.start({ topics: ["INGESTION"] });
        try {
            await create(baseArgs(fake.url));
            fake.engine.failNewQueries = true;
            for (const policy of ["fail", "restart"]) {
                const name = `S_${policy.toUpperCase()}`;
                const from = fake.requests.length;
                const inputs = await checked(
                    sensorArgs(fake.url, "1", { name, onQueryError: policy }),
                );
                await assert.rejects(provider.create(inputs), (e: unknown) => {
                    const err = e as { id?: string; properties?: KsqlSourceOutputs };
                    assert.equal(err.id, name);
                    assert.equal(err.properties?.queryState, "ERROR");
                    assert.match((e as Error).message, /is in state ERROR/);
                    return true;
                });
                const creates = statementsSent(fake, from).filter((x) => x.startsWith("CREATE"));
                assert.equal(creates.length, policy === "restart" ? 2 : 1, policy);
            }
        } finally {
            await fake.close();
        }
    });

    it("does not report MAP<INT, V> columns as changed after a refresh", async () => {
        const fake = await FakeKsqlDb.start({ topics: ["INGESTION"] });
        try {
            const args = {
                ...baseArgs(fake.url),
                columns: [
                    { name: "readings", type: "MAP<INT, DOUBLE>" },
                    { name: "tags", type: "MAP<STRING, ARRAY<INT>>" },
                ],
            };
            const outs = await create(args);
            assert.deepEqual(
                outs.schemaColumns.map((c) => c.type),
                ["MAP<INTEGER, DOUBLE>", "MAP<STRING, ARRAY<INTEGER>>"],
            );
            const read = (await provider.read!("STREAM_INGESTION", outs))
                .props as KsqlSourceOutputs;
            assert.equal((await diff(read, await checked(args))).changes, false);
        } finally {
            await fake.close();
        }
    });
});
