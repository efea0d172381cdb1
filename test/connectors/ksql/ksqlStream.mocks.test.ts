import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as vm from "node:vm";
import * as pulumi from "@pulumi/pulumi";
import { FakeKsqlDb } from "../../fakes/ksqldb";
import {
    one,
    plaintextOccurrences,
    resolve,
    settle,
    setupMocks,
    unwrapSecret,
} from "../../helpers/mocks";

setupMocks();

describe("KsqlStream and KsqlTable resources", () => {
    it("register under their own type tokens with declared inputs and output slots", async () => {
        const { KsqlStream, KsqlTable } = await import("../../../connectors/ksql/resource");
        const { KSQL_PROVIDER_VERSION } = await import("../../../connectors/ksql/provider");
        const s = new KsqlStream("s", {
            ksqlUrl: pulumi.output("http://ksqldb:8088"),
            name: "sensor_id_1",
            from: "STREAM_INGESTION",
            where: "A = '1'",
        });
        const t = new KsqlTable("t", {
            ksqlUrl: "http://ksqldb:8088",
            name: "counts",
            from: "S",
            select: ["K", "COUNT(*) AS N"],
            groupBy: ["K"],
            deleteTopic: true,
        });
        await Promise.all([resolve(s.urn), resolve(t.urn)]);
        await settle();
        const stream = one("pulumi-nodejs:dynamic/ingest:KsqlStream", "s").inputs;
        assert.deepEqual(
            Object.fromEntries(Object.entries(stream).filter(([k]) => k !== "__provider")),
            {
                ksqlUrl: "http://ksqldb:8088",
                kind: "STREAM",
                name: "sensor_id_1",
                from: "STREAM_INGESTION",
                where: "A = '1'",
                providerVersion: KSQL_PROVIDER_VERSION,
            },
        );
        const table = one("pulumi-nodejs:dynamic/ingest:KsqlTable", "t").inputs;
        assert.deepEqual([table.kind, table.groupBy, table.deleteTopic], ["TABLE", ["K"], true]);
        assert.equal(typeof table.__provider, "string");
    });

    it("sends basicAuth only as a secret", async () => {
        const { KsqlStream } = await import("../../../connectors/ksql/resource");
        const s = new KsqlStream("auth", {
            ksqlUrl: "http://ksqldb:8088",
            name: "authed",
            from: "STREAM_INGESTION",
            basicAuth: { username: "pulumi", password: "hunter2-ksql" },
        });
        await resolve(s.urn);
        await settle();
        const inputs = one("pulumi-nodejs:dynamic/ingest:KsqlStream", "auth").inputs;
        assert.deepEqual(plaintextOccurrences(inputs, ["hunter2-ksql"]), []);
        assert.deepEqual(unwrapSecret(inputs.basicAuth), {
            username: "pulumi",
            password: "hunter2-ksql",
        });
    });

    it("serializes a provider that still works when revived on its own", async () => {
        const { ksqlSourceProvider } = await import("../../../connectors/ksql/provider");
        const sf = await pulumi.runtime.serializeFunction(() => ksqlSourceProvider);
        const requires = [...sf.text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
        assert.deepEqual([...new Set(requires)].sort(), ["axios"]);
        const mod = { exports: {} as { handler: () => typeof ksqlSourceProvider } };
        // Loaded the way the dynamic provider host loads `__provider`: a fresh CommonJS module.
        const wrapper = vm.runInThisContext(
            `(function (exports, require, module) {\n${sf.text}\n})`,
        ) as (e: unknown, r: NodeJS.Require, m: unknown) => void;
        wrapper(mod.exports, require, mod);
        const revived = mod.exports.handler();

        const fake = await FakeKsqlDb.start({ topics: ["INGESTION"] });
        try {
            const checked = await revived.check!(
                {},
                {
                    ksqlUrl: fake.url,
                    kind: "STREAM",
                    name: "base",
                    topic: "INGESTION",
                    valueFormat: "JSON",
                    columns: [{ name: "payload", type: "STRING" }],
                },
            );
            assert.deepEqual(checked.failures, []);
            const created = await revived.create(checked.inputs);
            assert.equal(created.id, "BASE");
            assert.equal(fake.engine.sources.has("BASE"), true);
            await revived.delete!(created.id, created.outs);
            assert.equal(fake.engine.sources.has("BASE"), false);
        } finally {
            await fake.close();
        }
    });
});
