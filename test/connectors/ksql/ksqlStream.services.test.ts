/**
 * The KsqlStream provider's lifecycle against a real ksqlDB server, for the kind/CI suite: set
 * `KSQLDB_URL` (e.g. the ksqlDB NodePort). Skipped without it: ksqlDB is not on Maven Central, so
 * the local services runner cannot start one. Assertions are structural (no exact server texts),
 * so they hold for the real server as for the fake the fast tests use.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { executeCommand, KsqlError } from "../../../connectors/ksql/client";
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
