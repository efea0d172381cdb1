/**
 * `npm run seed-postgres -- --telemetry 1000 --users 60 --users-rate 1`: the database side of
 * seeds 003 and 004. Inserts `telemetry` rows (Sqoop imports them into `/old-telemetry`) and
 * `USERS` rows at a given rate, as seed 004's generate_data.py did, optionally updating and
 * deleting some (what Debezium mode captures). Tables are created if absent, with the columns of
 * the Postgres component's init SQL.
 */
import { StackOutputs } from "./lib/endpoints";
import { connectPostgres, withPostgresOptions, type PostgresOptions } from "./lib/postgres";
import { nonNegativeInt, paced, positiveNumber, runTool, toolCommand } from "./lib/cli";
import { userProfile } from "./lib/generators";

const DDL = [
    "CREATE TABLE IF NOT EXISTS telemetry (id SERIAL PRIMARY KEY, name VARCHAR(255) NOT NULL, wattage INT NOT NULL)",
    'CREATE TABLE IF NOT EXISTS "USERS" ("index" BIGSERIAL PRIMARY KEY, username VARCHAR(255) NOT NULL, ' +
        "name VARCHAR(255), sex CHAR(1), mail VARCHAR(255), address TEXT, residence TEXT, " +
        'job VARCHAR(255), company VARCHAR(255), birthdate DATE, "timestamp" TIMESTAMP NOT NULL DEFAULT now())',
];
const USER_COLUMNS = [
    "username",
    "name",
    "sex",
    "mail",
    "address",
    "residence",
    "job",
    "company",
    "birthdate",
] as const;

interface Options extends PostgresOptions {
    stack?: string;
    telemetry: number;
    users: number;
    usersRate?: number;
    updateEvery: number;
    deleteEvery: number;
    json?: boolean;
}

const program = withPostgresOptions(
    toolCommand(
        "seed-postgres",
        "Insert telemetry rows (seed 003) and USERS rows (seed 004) into Postgres",
    ),
)
    .option("--telemetry <n>", "telemetry rows to insert", nonNegativeInt, 100)
    .option("--users <n>", "USERS rows to insert", nonNegativeInt, 0)
    .option(
        "--users-rate <per-second>",
        "pace the USERS inserts (seed 004: 1 per second); default: at once",
        positiveNumber,
    )
    .option(
        "--update-every <k>",
        "after every k-th insert, update an earlier user (0 = never)",
        nonNegativeInt,
        0,
    )
    .option(
        "--delete-every <k>",
        "after every k-th insert, delete an earlier user (0 = never)",
        nonNegativeInt,
        0,
    )
    .option("--json", "print the summary as JSON");

runTool(async () => {
    program.parse();
    const o = program.opts<Options>();
    const { client, endpoint } = await connectPostgres(o, new StackOutputs(o.stack));
    const counts = { telemetry: 0, usersInserted: 0, usersUpdated: 0, usersDeleted: 0 };
    const ids: string[] = [];
    try {
        for (const sql of DDL) await client.query(sql);
        for (let done = 0; done < o.telemetry;) {
            const n = Math.min(1000, o.telemetry - done);
            const values = Array.from(
                { length: n },
                (_, i) => `($${2 * i + 1}, $${2 * i + 2})`,
            ).join(", ");
            const params = Array.from({ length: n }, (_, i) => [
                `Node${done + i + 1}`,
                50_000 + Math.floor(Math.random() * 40_000),
            ]).flat();
            await client.query(`INSERT INTO telemetry (name, wattage) VALUES ${values}`, params);
            done += n;
            counts.telemetry = done;
        }
        await paced(o.users, o.usersRate, async (i) => {
            const u = userProfile();
            const r = await client.query<{ index: string }>(
                `INSERT INTO "USERS" (${USER_COLUMNS.join(", ")}) VALUES (${USER_COLUMNS.map((_, j) => `$${j + 1}`).join(", ")}) RETURNING "index"`,
                USER_COLUMNS.map((c) => u[c]),
            );
            ids.push(r.rows[0].index);
            counts.usersInserted += 1;
            const k = i + 1;
            if (o.updateEvery > 0 && k % o.updateEvery === 0 && ids.length > 0) {
                const id = ids[Math.floor(Math.random() * ids.length)];
                await client.query(
                    `UPDATE "USERS" SET company = $1, "timestamp" = now() WHERE "index" = $2`,
                    [userProfile().company, id],
                );
                counts.usersUpdated += 1;
            }
            if (o.deleteEvery > 0 && k % o.deleteEvery === 0 && ids.length > 1) {
                const id = ids.splice(Math.floor(Math.random() * (ids.length - 1)), 1)[0];
                await client.query(`DELETE FROM "USERS" WHERE "index" = $1`, [id]);
                counts.usersDeleted += 1;
            }
        });
    } finally {
        await client.end();
    }
    if (o.json) console.log(JSON.stringify(counts));
    else {
        console.log(
            `inserted ${counts.telemetry} telemetry rows and ${counts.usersInserted} USERS rows ` +
                `(${counts.usersUpdated} updated, ${counts.usersDeleted} deleted) at ${endpoint.value}`,
        );
    }
});
