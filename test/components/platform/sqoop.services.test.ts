import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sqoopImportArgs, type SqoopImportSpec } from "../../../components/platform/sqoop";
import { javaClasspath, serviceEnv } from "../../../scripts/services/control";
import { hadoopXml } from "../../../scripts/services/hdfs";
import { freePort, runCommand, type CommandResult } from "../../../scripts/services/util";
import { webhdfsCall } from "../../helpers/webhdfs";

const env = serviceEnv();
const skip =
    !env.hdfs || !env.postgres
        ? "WEBHDFS_URL, HDFS_URL and PG* are not set: run through `npm run test:services`"
        : false;
if (skip) console.log(`# sqoop.services: skipped — ${skip}`);

const ROOT = join(__dirname, "../../..");
const ENTRYPOINT = join(ROOT, "components/platform/sqoop/sqoop-import.sh");
const run = randomBytes(4).toString("hex");
const table = `telemetry_${run}`;
const targetDir = `/old-telemetry-${run}`;
let work = "";
let classpath = "";

async function psql(sql: string): Promise<string> {
    const pg = env.postgres!;
    const res = await runCommand(
        pg.psql,
        [
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            pg.host,
            "-p",
            String(pg.port),
            "-U",
            pg.user,
            "-d",
            pg.database,
            "-tAF,",
            "-c",
            sql,
        ],
        { env: { ...process.env, PGPASSWORD: pg.password } },
    );
    assert.equal(res.code, 0, res.stderr);
    return res.stdout;
}

const webhdfs = (method: "GET" | "PUT", path: string, op: string, query = "") =>
    webhdfsCall(env.hdfs!.webhdfsUrl, env.hdfs!.user, method, path, op, query);

/** Lines of every `part-*` file in the target directory, read over WebHDFS. */
async function importedLines(): Promise<{ files: string[]; lines: string[] }> {
    const listing = JSON.parse(await webhdfs("GET", targetDir, "LISTSTATUS")) as {
        FileStatuses: { FileStatus: { pathSuffix: string; type: string }[] };
    };
    const files = listing.FileStatuses.FileStatus.filter(
        (f) => f.type === "FILE" && f.pathSuffix.startsWith("part-"),
    )
        .map((f) => f.pathSuffix)
        .sort();
    const lines: string[] = [];
    for (const file of files) {
        const text = await webhdfs("GET", `${targetDir}/${file}`, "OPEN");
        lines.push(...text.split("\n").filter((l) => l.length > 0));
    }
    return { files, lines };
}

function spec(overrides: Partial<SqoopImportSpec> = {}): SqoopImportSpec {
    const pg = env.postgres!;
    return {
        connect: `jdbc:postgresql://${pg.host}:${pg.port}/${pg.database}`,
        username: pg.user,
        passwordFile: `file://${join(work, "password")}`,
        table,
        columns: ["id", "name", "wattage"],
        targetDir,
        ...overrides,
    };
}

/** Runs the image's entrypoint with `args`, as the pod does, against the local services. */
function importOnce(args: string[], confDir = join(work, "conf")): Promise<CommandResult> {
    return runCommand("bash", [ENTRYPOINT, ...args], {
        env: {
            ...process.env,
            SQOOP_TARGET_DIR: targetDir,
            SQOOP_FIELD_DELIMITER: ",",
            SQOOP_CLASSPATH: `${confDir}:${classpath}`,
            HADOOP_USER_NAME: "sqoop",
            JAVA_OPTS: "-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
        },
        cwd: work,
    });
}

function writeConf(dir: string, core: Record<string, string>): void {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "core-site.xml"), hadoopXml(core));
    writeFileSync(join(dir, "hdfs-site.xml"), hadoopXml({ "dfs.replication": 1 }));
    copyFileSync(
        join(ROOT, "components/platform/sqoop/log4j.properties"),
        join(dir, "log4j.properties"),
    );
}

before(async () => {
    if (skip) return;
    work = mkdtempSync(join(tmpdir(), "sqoop-it-"));
    writeFileSync(join(work, "password"), env.postgres!.password, { mode: 0o600 });
    // The pod mounts the Hdfs component's ConfigMap; locally the defaultFS is the test NameNode.
    writeConf(join(work, "conf"), { "fs.defaultFS": env.hdfs!.url });
    classpath = await javaClasspath("sqoop");
    await psql(
        `CREATE TABLE ${table} (id SERIAL PRIMARY KEY, name VARCHAR(255) NOT NULL, wattage INT NOT NULL);` +
            `INSERT INTO ${table} (name, wattage) VALUES ('Node1', 75000), ('Node2', 65000), ('Node3', 60000), ('Node4', 80000),` +
            ` (E'legacy\\nrow, with comma', 1);`,
    );
    // The HdfsDirectory resource creates the target owned by the component's hdfsUser.
    await webhdfs("PUT", targetDir, "MKDIRS");
    await webhdfs("PUT", targetDir, "SETOWNER", "&owner=sqoop&group=sqoop");
});

after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
});

async function expectHdfsMatchesTable(): Promise<{ files: string[]; lines: string[] }> {
    const landed = await importedLines();
    const rows = (
        await psql(`SELECT id, replace(name, E'\\n', ''), wattage FROM ${table} ORDER BY id`)
    )
        .split("\n")
        .filter((l) => l.length > 0);
    const byId = [...landed.lines].sort(
        (a, b) => Number(a.split(",")[0]) - Number(b.split(",")[0]),
    );
    assert.deepEqual(byId, rows);
    assert.equal(
        new Set(landed.lines.map((l) => l.split(",")[0])).size,
        landed.lines.length,
        "duplicate ids",
    );
    return landed;
}

void describe(
    "Sqoop 1.4.7 incremental import (seed 003: telemetry -> /old-telemetry)",
    { skip },
    () => {
        void it(
            "imports every row on the first run, reading the password only from the file",
            { timeout: 180_000 },
            async (t) => {
                const args = sqoopImportArgs(spec());
                assert.ok(!args.some((a) => a.includes(env.postgres!.password)));
                const res = await importOnce(args);
                assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
                assert.match(res.stderr, /holds no rows yet; importing all rows/);
                assert.doesNotMatch(res.stdout + res.stderr, new RegExp(env.postgres!.password));
                const landed = await expectHdfsMatchesTable();
                t.diagnostic(`run 1: ${landed.lines.length} rows in ${landed.files.join(", ")}`);
                console.log(
                    `# sqoop run 1: table 5 rows, HDFS ${landed.lines.length} rows in ${landed.files.length} files`,
                );
                assert.equal(landed.lines.length, 5);
                assert.ok(landed.lines.includes("5,legacyrow, with comma,1"));
            },
        );

        void it(
            "imports nothing when run again with no new rows",
            { timeout: 180_000 },
            async () => {
                const res = await importOnce(sqoopImportArgs(spec()));
                assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
                assert.match(res.stderr, /holds rows up to 5; importing newer rows/);
                const landed = await expectHdfsMatchesTable();
                console.log(
                    `# sqoop run 2 (no new rows): HDFS ${landed.lines.length} rows in ${landed.files.length} files`,
                );
                assert.equal(landed.lines.length, 5);
            },
        );

        void it("appends only the new rows", { timeout: 180_000 }, async (t) => {
            await psql(
                `INSERT INTO ${table} (name, wattage) SELECT 'Node' || g, g FROM generate_series(6, 205) AS g;`,
            );
            const res = await importOnce(sqoopImportArgs(spec()));
            assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
            assert.match(res.stderr, /holds rows up to 5; importing newer rows/);
            assert.match(res.stdout + res.stderr, /Retrieved 200 records/);
            const landed = await expectHdfsMatchesTable();
            t.diagnostic(`run 3: ${landed.lines.length} rows in ${landed.files.join(", ")}`);
            console.log(
                `# sqoop run 3 (+200 rows): table 205 rows, HDFS ${landed.lines.length} rows, no duplicates`,
            );
            assert.equal(landed.lines.length, 205);
        });

        void it(
            "fails without importing when the NameNode is unreachable",
            { timeout: 120_000 },
            async () => {
                const down = join(work, "conf-down");
                writeConf(down, {
                    "fs.defaultFS": `hdfs://127.0.0.1:${await freePort()}`,
                    "ipc.client.connect.max.retries": "0",
                });
                await psql(`INSERT INTO ${table} (name, wattage) VALUES ('Node206', 206);`);
                const res = await importOnce(sqoopImportArgs(spec()), down);
                assert.notEqual(res.code, 0);
                assert.doesNotMatch(res.stderr, /importing all rows/);
                assert.equal((await importedLines()).lines.length, 205);
            },
        );
    },
);
