/**
 * The KsqlStream provider's lifecycle against a real ksqlDB server, for the kind/CI suite: set
 * `KSQLDB_URL` (e.g. the ksqlDB NodePort). Skipped without it: ksqlDB is not on Maven Central, so
 * the local services runner cannot start one. Assertions are structural (no exact server texts),
 * so they hold for the real server as for the fake the fast tests use.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { describeSource, executeCommand, KsqlError } from "../../../connectors/ksql/client";
import {
    diffKsqlSource,
    ksqlSourceProvider as provider,
    type KsqlSourceInputs,
    type KsqlSourceOutputs,
} from "../../../connectors/ksql/provider";

const url = process.env.KSQLDB_URL;
const run = `T${Date.now().toString(36).toUpperCase()}`;
const TOPIC = `pulumi_ksql_${run.toLowerCase()}`;
const BASE = `${run}_INGESTION`;
const SENSOR = `${run}_SENSOR_1`;

async function checked(news: Record<string, unknown>): Promise<KsqlSourceInputs> {
    const r = await provider.check!({}, { ksqlUrl: url, ...news });
    assert.deepEqual(r.failures, []);
    return r.inputs as KsqlSourceInputs;
}

const baseArgs = (extra: Array<{ name: string; type: string }> = []) => ({
    kind: "STREAM",
    name: BASE,
    topic: TOPIC,
    valueFormat: "JSON",
    columns: [
        { name: "payload", type: "STRING" },
        { name: "correlation_id", type: "STRING" },
        { name: "created_at", type: "DOUBLE" },
        { name: "schema_version", type: "INTEGER" },
        ...extra,
    ],
});

const sensorArgs = (where: string, select?: string[]) => ({
    kind: "STREAM",
    name: SENSOR,
    from: BASE,
    where,
    select,
    streamsProperties: { "auto.offset.reset": "earliest" },
});

async function noDriftAfterRefresh(outs: KsqlSourceOutputs, news: KsqlSourceInputs) {
    const read = await provider.read!(outs.name, outs);
    const refreshed = read.props as KsqlSourceOutputs;
    assert.equal(read.id, outs.name);
    assert.deepEqual(diffKsqlSource(refreshed, news), {
        changes: false,
        replaces: [],
        deleteBeforeReplace: true,
    });
}

describe("KsqlStream provider against a real ksqlDB", { skip: !url && "set KSQLDB_URL" }, () => {
    const opts = { url: url ?? "" };
    let base: KsqlSourceOutputs;
    let sensor: KsqlSourceOutputs;

    before(async () => {
        // Out of band: let ksqlDB create the source topic, then forget the helper stream.
        await executeCommand(
            opts,
            `CREATE STREAM ${run}_SEED (X STRING) WITH (KAFKA_TOPIC='${TOPIC}', PARTITIONS=1, VALUE_FORMAT='JSON');`,
        );
        await executeCommand(opts, `DROP STREAM ${run}_SEED;`);
    });

    after(async () => {
        for (const name of [SENSOR, BASE]) {
            await executeCommand(opts, `DROP STREAM IF EXISTS ${name} DELETE TOPIC;`).catch(
                () => {},
            );
        }
    });

    it("creates the base stream and reads it back without drift", async () => {
        const news = await checked(baseArgs());
        base = (await provider.create(news)).outs as KsqlSourceOutputs;
        assert.equal(base.kafkaTopic, TOPIC);
        assert.deepEqual(base.schemaColumns, news.columns);
        await noDriftAfterRefresh(base, news);
    });

    it("creates a derived stream fed by a persistent query", async () => {
        const news = await checked(sensorArgs("EXTRACTJSONFIELD(PAYLOAD, '$.sensor_id') = '1'"));
        sensor = (await provider.create(news)).outs as KsqlSourceOutputs;
        assert.notEqual(sensor.queryId, "");
        assert.equal(sensor.kafkaTopic, SENSOR);
        await noDriftAfterRefresh(sensor, news);
    });

    it("changes the filter in place, keeping the query", async () => {
        const news = await checked(sensorArgs("EXTRACTJSONFIELD(PAYLOAD, '$.sensor_id') = '01'"));
        assert.deepEqual(diffKsqlSource(sensor, news).replaces, []);
        const outs = (await provider.update!(SENSOR, sensor, news)).outs as KsqlSourceOutputs;
        assert.equal(outs.queryId, sensor.queryId);
        sensor = outs;
    });

    it("appends a column to the base stream in place", async () => {
        const news = await checked(baseArgs([{ name: "site", type: "STRING" }]));
        assert.deepEqual(diffKsqlSource(base, news).replaces, []);
        base = (await provider.update!(BASE, base, news)).outs as KsqlSourceOutputs;
        assert.equal(base.schemaColumns.at(-1)?.name, "SITE");
        await noDriftAfterRefresh(base, news);
    });

    it("restarts a query terminated out of band", async () => {
        await executeCommand(opts, `TERMINATE ${sensor.queryId};`);
        const refreshed = (await provider.read!(SENSOR, sensor)).props as KsqlSourceOutputs;
        assert.equal(refreshed.queryId, "");
        const news = await checked(sensorArgs(sensor.where ?? ""));
        assert.equal(diffKsqlSource(refreshed, news).changes, true);
        sensor = (await provider.update!(SENSOR, refreshed, news)).outs as KsqlSourceOutputs;
        assert.notEqual(sensor.queryId, "");
    });

    it("reports invalid SQL with error code 40001", async () => {
        const news = await checked({ ...sensorArgs("NO_SUCH_COLUMN = 1"), name: `${run}_BAD` });
        await assert.rejects(provider.create(news), (e: unknown) => {
            assert.ok(e instanceof KsqlError);
            assert.equal(e.errorCode, 40001);
            assert.equal(e.status, 400);
            assert.match(e.message, /NO_SUCH_COLUMN/);
            return true;
        });
    });

    it("refuses to drop the base first, then deletes both with their queries", async () => {
        await assert.rejects(
            provider.delete!(BASE, base),
            new RegExp(`${SENSOR} were created from it`),
        );
        // The restart re-expanded SELECT *, so the sensor stream now has the appended column too.
        await executeCommand(opts, `INSERT INTO ${SENSOR} SELECT * FROM ${BASE};`);
        await provider.delete!(SENSOR, sensor);
        assert.deepEqual(await provider.read!(SENSOR, sensor), {});
        await provider.delete!(BASE, base);
        assert.deepEqual(await provider.read!(BASE, base), {});
        await provider.delete!(BASE, base);
    });
});

describe(
    "KsqlStream provider on the real server's edge cases",
    { skip: !url && "set KSQLDB_URL" },
    () => {
        const opts = { url: url ?? "" };
        const EDGE_TOPIC = `${TOPIC}_edge`;
        const A = `${run}_EDGE_A`;
        const B = `${run}_EDGE_B`;
        const edgeArgs = (name: string, extra: Record<string, unknown> = {}) => ({
            kind: "STREAM",
            name,
            topic: EDGE_TOPIC,
            valueFormat: "JSON",
            columns: [
                { name: "id", type: "STRING" },
                { name: "readings", type: "MAP<INT, DOUBLE>" },
            ],
            ...extra,
        });
        let a: KsqlSourceOutputs;

        before(async () => {
            await executeCommand(
                opts,
                `CREATE STREAM ${run}_EDGE_SEED (X STRING) WITH (KAFKA_TOPIC='${EDGE_TOPIC}', PARTITIONS=1, VALUE_FORMAT='JSON');`,
            );
            await executeCommand(opts, `DROP STREAM ${run}_EDGE_SEED;`);
        });

        after(async () => {
            await executeCommand(opts, `DROP STREAM IF EXISTS ${B};`).catch(() => {});
            await executeCommand(opts, `DROP STREAM IF EXISTS ${A} DELETE TOPIC;`).catch(() => {});
        });

        it("keeps MAP<INT, V> columns unchanged across a refresh", async () => {
            const news = await checked(edgeArgs(A));
            a = (await provider.create(news)).outs as KsqlSourceOutputs;
            await noDriftAfterRefresh(a, news);
        });

        it("sends a sequence number the server never issued once, then goes without it", async () => {
            const stored = { ...a, commandSequenceNumber: 2 ** 40 };
            const news = await checked(edgeArgs(A, { waitTimeoutSeconds: 60 }));
            const outs = (await provider.update!(A, stored, news)).outs as KsqlSourceOutputs;
            assert.equal(outs.commandSequenceNumber, -1);
            a = outs;
        });

        it("keeps a topic another source uses when deleteTopic is set", async () => {
            const b = (await provider.create(await checked(edgeArgs(B, { deleteTopic: true }))))
                .outs as KsqlSourceOutputs;
            await provider.delete!(B, b);
            assert.deepEqual(await provider.read!(B, b), {});
            const desc = await describeSource(opts, A);
            assert.equal(desc?.topicError, undefined, "the topic is still there");
        });

        it("names streamsProperties when the server rejects one of its keys", async () => {
            const news = await checked({
                kind: "STREAM",
                name: `${run}_EDGE_C`,
                from: A,
                streamsProperties: { "auto.ofset.reset": "earliest" },
            });
            await assert.rejects(provider.create(news), (e: unknown) => {
                assert.ok(e instanceof KsqlError);
                assert.equal(e.errorCode, 50000);
                assert.match(e.message, /`streamsProperties` key 'auto\.ofset\.reset'/);
                return true;
            });
        });

        it("answers a CREATE over a missing topic with 40000 and the fix", async () => {
            const news = await checked(
                edgeArgs(`${run}_EDGE_D`, { topic: `${EDGE_TOPIC}_missing` }),
            );
            await assert.rejects(provider.create(news), (e: unknown) => {
                assert.ok(e instanceof KsqlError);
                assert.deepEqual([e.status, e.errorCode], [400, 40000]);
                assert.match(e.message, /create the topic first/);
                return true;
            });
        });
    },
);
