import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serviceEnv } from "../../../scripts/services/control";
import { runTool } from "../../helpers/tools";

const env = serviceEnv();
const skip = !env.postgres ? "PG* are not set: run through `npm run test:services`" : false;
if (skip) console.log(`# postgres.services (tools): skipped — ${skip}`);

void describe("seed-postgres and check-landing's JDBC count on real PostgreSQL", { skip }, () => {
    void it(
        "inserts telemetry and USERS rows, applies updates and deletes, and check-landing counts the rows",
        { timeout: 120_000 },
        async () => {
            const pg = env.postgres!;
            const flags = [
                "--pg-host",
                pg.host,
                "--pg-port",
                String(pg.port),
                "--pg-user",
                pg.user,
            ];
            const before = await runTool("check-landing", [
                ...flags,
                "--target",
                `users=jdbc:${pg.database}.USERS`,
                "--timeout",
                "0",
                "--json",
            ]);
            const start =
                before.code === 0
                    ? (JSON.parse(before.stdout) as { targets: { records: number }[] }).targets[0]
                          .records
                    : 0;

            const res = await runTool(
                "seed-postgres",
                [
                    ...flags,
                    "--pg-database",
                    pg.database,
                    "--telemetry",
                    "2500",
                    "--users",
                    "40",
                    "--update-every",
                    "4",
                    "--delete-every",
                    "10",
                    "--json",
                ],
                { PGPASSWORD: pg.password },
            );
            assert.equal(res.code, 0, res.stderr);
            assert.deepEqual(JSON.parse(res.stdout), {
                telemetry: 2500,
                usersInserted: 40,
                usersUpdated: 10,
                usersDeleted: 4,
            });

            const check = await runTool(
                "check-landing",
                [
                    ...flags,
                    "--target",
                    `users=jdbc:${pg.database}.USERS`,
                    "--expect",
                    `users=${start + 36}`,
                    "--timeout",
                    "0",
                    "--json",
                ],
                { PGPASSWORD: pg.password },
            );
            assert.equal(check.code, 0, `${check.stdout}\n${check.stderr}`);
            assert.equal(
                (JSON.parse(check.stdout) as { targets: { records: number }[] }).targets[0].records,
                start + 36,
            );
        },
    );

    void it(
        "names the endpoint and its flags when Postgres refuses the connection",
        { timeout: 60_000 },
        async () => {
            const res = await runTool(
                "seed-postgres",
                ["--pg-host", "127.0.0.1", "--pg-port", "1", "--telemetry", "1"],
                {
                    PGPASSWORD: "x",
                },
            );
            assert.equal(res.code, 1);
            assert.match(
                res.stderr,
                /^error: cannot reach Postgres \(password from \$PGPASSWORD\) at 127\.0\.0\.1:1\/\S+ \(from flags --pg-host\/--pg-port\): .*ECONNREFUSED/m,
            );
            assert.doesNotMatch(res.stderr, /password=|"x"/);
        },
    );
});
