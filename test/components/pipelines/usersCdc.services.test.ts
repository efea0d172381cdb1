import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import axios from "axios";
import { Kafka, logLevel } from "kafkajs";
import { postgresInitSql } from "../../../components/platform/postgres";
import {
    USERS_CDC_CONNECTORS,
    USERS_CDC_TOPIC,
    usersCdcConnectors,
    type ConnectorSpec,
} from "../../../components/pipelines/usersCdc";
import { serviceEnv } from "../../../scripts/services/control";
import { eventually } from "../../helpers/eventually";

const env = serviceEnv();
const missing = ["kafka", "connect", "postgres"].filter(
    (s) => env[s as keyof typeof env] === undefined,
);
const skip =
    missing.length > 0 &&
    `needs the ${missing.join(", ")} service(s): run through scripts/services/run.ts with SERVICES=kafka,connect,postgres`;

const suffix = randomBytes(3).toString("hex");
const sourceDb = `cdc_src_${suffix}`;
const sinkDb = `cdc_sink_${suffix}`;
const slot = `users_cdc_${suffix}`;
const http = axios.create({ timeout: 30_000, validateStatus: () => true });

function psql(database: string, sql: string, asFile = false): Promise<string> {
    const pg = env.postgres!;
    const dir = asFile ? mkdtempSync(join(tmpdir(), "cdc-sql-")) : undefined;
    const script = dir && join(dir, "script.sql");
    if (script) writeFileSync(script, sql);
    const args = [
        ...["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pg.host, "-p", String(pg.port)],
        ...["-U", pg.user, "-d", database, "-tA"],
        ...(script ? ["-f", script] : ["-c", sql]),
    ];
    return new Promise((resolve, reject) => {
        execFile(
            pg.psql,
            args,
            { env: { ...process.env, PGPASSWORD: pg.password } },
            (err, stdout, stderr) => {
                if (dir) rmSync(dir, { recursive: true, force: true });
                if (err) reject(new Error(`psql -d ${database}: ${stderr || err.message}`));
                else resolve(stdout.trim());
            },
        );
    });
}

/** Rows of the sink's table as `index:username`, or undefined while the table is absent. */
async function sinkRows(): Promise<string[] | undefined> {
    const exists = await psql(sinkDb, `SELECT to_regclass('public."USERS"') IS NOT NULL`);
    if (exists !== "t") return undefined;
    const out = await psql(
        sinkDb,
        `SELECT "index" || ':' || username FROM "USERS" ORDER BY "index"`,
    );
    return out === "" ? [] : out.split("\n");
}

async function status(name: string): Promise<{ connector: string; tasks: string[] } | undefined> {
    const res = await http.get<{
        connector: { state: string };
        tasks: { state: string; trace?: string }[];
    }>(`${env.connect!.url}/connectors/${name}/status`);
    if (res.status !== 200) return undefined;
    const failed = res.data.tasks.find((t) => t.state === "FAILED");
    if (failed) assert.fail(`connector ${name} task FAILED: ${failed.trace?.slice(0, 2000)}`);
    return { connector: res.data.connector.state, tasks: res.data.tasks.map((t) => t.state) };
}

async function put(spec: ConnectorSpec): Promise<void> {
    const res = await http.put(`${env.connect!.url}/connectors/${spec.name}/config`, spec.config);
    assert.ok(
        res.status === 201 || res.status === 200,
        `PUT ${spec.name}: ${res.status} ${JSON.stringify(res.data)}`,
    );
    await eventually(
        `${spec.name} RUNNING with a running task`,
        async () => {
            const s = await status(spec.name);
            return s?.connector === "RUNNING" && s.tasks[0] === "RUNNING" ? true : undefined;
        },
        120_000,
        1_000,
    );
}

void describe("seed 004 in Debezium mode on the real services", { skip }, () => {
    let specs: ConnectorSpec[] = [];

    before(async () => {
        await psql(env.postgres!.database, `CREATE DATABASE ${sourceDb}`);
        // The platform's own init SQL: the USERS table, and the sink database beside it.
        await psql(sourceDb, postgresInitSql([sinkDb]), true);
        const admin = new Kafka({
            clientId: "users-cdc-test",
            brokers: [env.kafka!.bootstrap],
            logLevel: logLevel.NOTHING,
        }).admin();
        await admin.connect();
        try {
            await admin.createTopics({ topics: [{ topic: USERS_CDC_TOPIC, numPartitions: 3 }] });
        } finally {
            await admin.disconnect();
        }
        specs = usersCdcConnectors({
            mode: "debezium",
            postgres: {
                host: env.postgres!.host,
                port: env.postgres!.port,
                database: sourceDb,
                username: env.postgres!.user,
            },
            sinkDatabase: sinkDb,
            // The harness worker has the password in its environment, as the cluster's has
            // POSTGRES_PASSWORD.
            passwordRef: "${env:PGPASSWORD}",
            slotName: slot,
        });
    });

    after(async () => {
        for (const s of specs) await http.delete(`${env.connect!.url}/connectors/${s.name}`);
        // A replication slot outlives its connector and holds WAL: drop it once it is released.
        await eventually(
            `slot ${slot} dropped`,
            async () => {
                // A logical slot is dropped from the database it decodes.
                await psql(
                    sourceDb,
                    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${slot}'`,
                );
                return true;
            },
            30_000,
            1_000,
        ).catch(() => undefined);
        for (const db of [sourceDb, sinkDb]) {
            await psql(env.postgres!.database, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(
                () => undefined,
            );
        }
    });

    void it("generates a source and a JDBC sink and no S3 sink without a data lake", () => {
        assert.deepEqual(
            specs.map((s) => [s.name, s.config["connector.class"]]),
            [
                [USERS_CDC_CONNECTORS.source, "io.debezium.connector.postgresql.PostgresConnector"],
                [USERS_CDC_CONNECTORS.jdbcSink, "io.debezium.connector.jdbc.JdbcSinkConnector"],
            ],
        );
    });

    void it(
        "carries inserts, updates and deletes of USERS into the second database",
        { timeout: 300_000 },
        async () => {
            // Before the connector: taken by the initial snapshot.
            await psql(
                sourceDb,
                `INSERT INTO "USERS" (username, name, birthdate) VALUES ('ada', 'Ada', '1815-12-10'), ('alan', 'Alan', '1912-06-23')`,
            );
            for (const spec of specs) await put(spec);
            assert.deepEqual(
                await eventually("the snapshot rows in the sink", async () => {
                    const rows = await sinkRows();
                    return rows?.length === 2 ? rows : undefined;
                }),
                ["1:ada", "2:alan"],
            );

            // After it: read from the WAL.
            await psql(
                sourceDb,
                `INSERT INTO "USERS" (username, name) VALUES ('grace', 'Grace'), ('edsger', 'Edsger')`,
            );
            await psql(sourceDb, `UPDATE "USERS" SET username = 'ada.l' WHERE "index" = 1`);
            await psql(sourceDb, `DELETE FROM "USERS" WHERE "index" = 2`);
            const expected = ["1:ada.l", "3:grace", "4:edsger"];
            assert.deepEqual(
                await eventually(
                    "insert, update and delete applied in the sink",
                    async () => {
                        const rows = await sinkRows();
                        return JSON.stringify(rows) === JSON.stringify(expected) ? rows : undefined;
                    },
                    120_000,
                    1_000,
                ),
                expected,
            );

            // The stored configs hold the placeholder, never the password.
            for (const spec of specs) {
                const res = await http.get<Record<string, string>>(
                    `${env.connect!.url}/connectors/${spec.name}/config`,
                );
                assert.equal(res.status, 200);
                assert.ok(!JSON.stringify(res.data).includes(env.postgres!.password), spec.name);
            }
        },
    );
});
