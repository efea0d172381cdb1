import { randomBytes } from "node:crypto";
import {
    appendFileSync,
    chmodSync,
    chownSync,
    existsSync,
    mkdirSync,
    readdirSync,
    rmSync,
    writeFileSync,
} from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import type { ServiceDirs } from "./kafka";
import { assertAlive, launch, type RunningProcess } from "./process";
import { freePort, runCommand, servicesHost, waitFor } from "./util";

/** Database created for the tests. */
export const POSTGRES_DATABASE = "telemetry";

/** Superuser created by initdb. */
export const POSTGRES_USER = "postgres";

/** A started PostgreSQL server. */
export interface PostgresService {
    /** The postmaster process. */
    readonly process: RunningProcess;
    readonly host: string;
    readonly port: number;
    readonly user: string;
    /** Generated password; only ever passed on through the environment. */
    readonly password: string;
    readonly database: string;
    /** Directory of the server's executables (`psql` included). */
    readonly binDir: string;
}

/** The newest `/usr/lib/postgresql/<version>/bin` with `initdb`, or `$PG_BIN` when set. */
export function postgresBinDir(): string {
    if (process.env.PG_BIN) return process.env.PG_BIN;
    const base = "/usr/lib/postgresql";
    const versions = existsSync(base)
        ? readdirSync(base)
              .filter((v) => existsSync(join(base, v, "bin", "initdb")))
              .sort((a, b) => Number(b) - Number(a))
        : [];
    if (versions.length === 0) {
        throw new Error(
            "postgres: no /usr/lib/postgresql/<version>/bin/initdb; install it with " +
                "`apt-get update && apt-get install -y postgresql` (or set PG_BIN)",
        );
    }
    return join(base, versions[0], "bin");
}

interface RunAs {
    /** Command prefix that drops privileges (empty when not root). */
    readonly prefix: readonly string[];
    readonly uid: number;
    readonly gid: number;
}

// initdb and postgres refuse to run as root, so as root they run as the `postgres` user.
async function unprivileged(): Promise<RunAs> {
    const me = userInfo();
    if (me.uid !== 0) return { prefix: [], uid: me.uid, gid: me.gid };
    const id = async (flag: string): Promise<number> => {
        const res = await runCommand("id", [flag, POSTGRES_USER]);
        if (res.code !== 0) {
            throw new Error(
                `postgres: running as root needs a "${POSTGRES_USER}" OS user: ${res.stderr}`,
            );
        }
        return Number(res.stdout.trim());
    };
    const [uid, gid] = [await id("-u"), await id("-g")];
    return {
        prefix: ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--init-groups", "--"],
        uid,
        gid,
    };
}

function psqlArgs(pg: { port: number; user: string }, database: string, sql: string): string[] {
    return [
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        "127.0.0.1",
        "-p",
        String(pg.port),
        "-U",
        pg.user,
        "-d",
        database,
        "-tAc",
        sql,
    ];
}

/** Initializes a cluster in `dirs.dir`, starts it on a free port and creates the test database. */
export async function startPostgres(
    dirs: ServiceDirs,
    timeoutMs = 60_000,
): Promise<PostgresService> {
    const binDir = postgresBinDir();
    const runAs = await unprivileged();
    const dataDir = join(dirs.dir, "data");
    const socketDir = join(dirs.dir, "socket");
    mkdirSync(dirs.dir, { recursive: true });
    mkdirSync(socketDir, { recursive: true });
    for (const path of [dirs.dir, socketDir]) chownSync(path, runAs.uid, runAs.gid);
    chmodSync(dirs.dir, 0o700);

    const password = randomBytes(18).toString("base64url");
    const pwfile = join(dirs.dir, "pwfile");
    writeFileSync(pwfile, password + "\n", { mode: 0o600 });
    chownSync(pwfile, runAs.uid, runAs.gid);
    try {
        const initdb = [
            ...runAs.prefix,
            join(binDir, "initdb"),
            "-D",
            dataDir,
            "-U",
            POSTGRES_USER,
            `--pwfile=${pwfile}`,
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ];
        const init = await runCommand(initdb[0], initdb.slice(1), { cwd: dirs.dir });
        if (init.code !== 0)
            throw new Error(
                `postgres: initdb failed (${init.code}):\n${init.stdout}${init.stderr}`,
            );
    } finally {
        rmSync(pwfile, { force: true });
    }

    const host = servicesHost();
    if (host !== "127.0.0.1") {
        // Clients on the host's own networks (kind pods, masqueraded as their node) may connect.
        appendFileSync(join(dataDir, "pg_hba.conf"), "host all all samenet scram-sha-256\n");
    }
    const port = await freePort();
    const serverArgs = [
        "-D",
        dataDir,
        "-p",
        String(port),
        "-c",
        `listen_addresses=${host === "127.0.0.1" ? host : `127.0.0.1,${host}`}`,
        "-c",
        `unix_socket_directories=${socketDir}`,
        // Throwaway test data: durability is not needed, speed is.
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        // Debezium's Postgres source (seed 004) decodes the WAL through a logical replication slot.
        "-c",
        "wal_level=logical",
    ];
    const [command, ...args] = [...runAs.prefix, join(binDir, "postgres"), ...serverArgs];
    const proc = launch({
        name: "postgres",
        command,
        args,
        cwd: dirs.dir,
        logFile: join(dirs.logsDir, "postgres.log"),
        // SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for clients to disconnect.
        stopSignal: "SIGINT",
    });

    const pg = { port, user: POSTGRES_USER };
    const env = { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: "3" };
    const psql = join(binDir, "psql");
    await waitFor(
        {
            service: "postgres",
            what: `SELECT 1 on 127.0.0.1:${port}`,
            timeoutMs,
            alive: () => assertAlive(proc),
        },
        async () => {
            const res = await runCommand(psql, psqlArgs(pg, "postgres", "SELECT 1"), { env });
            if (res.code !== 0) throw new Error(res.stderr.trim());
            return true;
        },
    );
    const create = await runCommand(
        psql,
        psqlArgs(pg, "postgres", `CREATE DATABASE ${POSTGRES_DATABASE}`),
        { env },
    );
    if (create.code !== 0)
        throw new Error(`postgres: CREATE DATABASE failed: ${create.stderr.trim()}`);

    return {
        process: proc,
        host: "127.0.0.1",
        port,
        user: POSTGRES_USER,
        password,
        database: POSTGRES_DATABASE,
        binDir,
    };
}
