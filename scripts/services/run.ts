// Starts the real services the *.services.test.ts files need as local processes, runs a command
// with their endpoints in the environment, tears everything down and exits with its status.
//
//   node --import tsx scripts/services/run.ts -- <command...>
//   SERVICES=kafka,connect node --import tsx scripts/services/run.ts -- <command...>
//
// See scripts/services/README.md for the environment handed to the command.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchConnectWorker, prepareConnect, waitConnectReady } from "./connect";
import { HDFS_SUPERUSER, startHdfs, type HdfsService } from "./hdfs";
import { startKafka, type KafkaService } from "./kafka";
import { javaClasspath } from "./maven";
import {
    javaExecutable,
    launchedProcesses,
    refuseLaunches,
    stopProcess,
    type RunningProcess,
} from "./process";
import { startPostgres, type PostgresService } from "./postgres";
import {
    readState,
    SERVICE_NAMES,
    writeState,
    type ConnectLaunch,
    type ServiceName,
    type ServicesState,
} from "./state";
import { freePort, runCommand as capture, tailFile } from "./util";

function log(message: string): void {
    process.stderr.write(`[services] ${message}\n`);
}

function seconds(since: number): string {
    return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}

/** Parses `SERVICES` (comma-separated); Connect implies Kafka. */
function selectedServices(raw: string | undefined): ServiceName[] {
    const names = (raw ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    if (names.length === 0) return [...SERVICE_NAMES];
    const unknown = names.filter((n) => !(SERVICE_NAMES as readonly string[]).includes(n));
    if (unknown.length > 0) {
        throw new Error(
            `SERVICES: unknown ${unknown.join(", ")} (known: ${SERVICE_NAMES.join(", ")})`,
        );
    }
    const set = new Set(names as ServiceName[]);
    if (set.has("connect")) set.add("kafka");
    return SERVICE_NAMES.filter((n) => set.has(n));
}

interface Started {
    kafka?: KafkaService;
    connect?: { launch: ConnectLaunch; process: RunningProcess; url: string };
    hdfs?: HdfsService;
    postgres?: PostgresService;
}

function endpointEnv(started: Started): Record<string, string> {
    const env: Record<string, string> = {};
    if (started.kafka) env.KAFKA_BOOTSTRAP = started.kafka.bootstrap;
    if (started.connect) env.CONNECT_URL = started.connect.url;
    if (started.hdfs) {
        env.WEBHDFS_URL = started.hdfs.webhdfsUrl;
        env.HDFS_URL = started.hdfs.hdfsUrl;
        env.HDFS_USER = HDFS_SUPERUSER;
        env.HTTPFS_URL = started.hdfs.httpfsUrl;
    }
    if (started.postgres) {
        env.PGHOST = started.postgres.host;
        env.PGPORT = String(started.postgres.port);
        env.PGUSER = started.postgres.user;
        env.PGDATABASE = started.postgres.database;
        env.PSQL = join(started.postgres.binDir, "psql");
    }
    return env;
}

async function startAll(
    services: readonly ServiceName[],
    root: string,
    logsDir: string,
    started: Started,
): Promise<void> {
    const want = (s: ServiceName): boolean => services.includes(s);
    const dirs = (name: string): { dir: string; logsDir: string } => ({
        dir: join(root, name),
        logsDir,
    });

    const kafkaAndConnect = async (): Promise<void> => {
        const t0 = Date.now();
        const classpath = await javaClasspath("kafka");
        log(`kafka classpath resolved in ${seconds(t0)}`);
        const t1 = Date.now();
        started.kafka = await startKafka(dirs("kafka"), classpath);
        log(`kafka ready at ${started.kafka.bootstrap} in ${seconds(t1)}`);
        if (!want("connect")) return;
        // Connect gets the Postgres credentials in its environment (for ${env:...} configs).
        await postgresReady.catch(() => undefined);
        const t2 = Date.now();
        const restPort = await freePort();
        // Seed 004's CDC mode runs Debezium's Postgres source and JDBC sink on this worker.
        const debezium = await javaClasspath("debezium");
        const launch = prepareConnect({
            dir: join(root, "connect"),
            classpath,
            plugins: { debezium },
            bootstrap: started.kafka.bootstrap,
            restPort,
        });
        const secretEnv = started.postgres
            ? {
                  ...endpointEnv({ postgres: started.postgres }),
                  PGPASSWORD: started.postgres.password,
              }
            : {};
        const proc = launchConnectWorker(launch, "connect", restPort, logsDir, secretEnv);
        const url = `http://127.0.0.1:${restPort}`;
        await waitConnectReady(url, proc);
        started.connect = { launch, process: proc, url };
        log(`connect ready at ${url} in ${seconds(t2)}`);
    };

    const hdfs = async (): Promise<void> => {
        const t0 = Date.now();
        const classpath = await javaClasspath("hadoop");
        log(`hadoop classpath resolved in ${seconds(t0)}`);
        const t1 = Date.now();
        started.hdfs = await startHdfs(dirs("hdfs"), classpath);
        log(
            `hdfs ready at ${started.hdfs.webhdfsUrl} (${started.hdfs.hdfsUrl}, HttpFS ` +
                `${started.hdfs.httpfsUrl}) in ${seconds(t1)}`,
        );
    };

    const postgres = async (): Promise<void> => {
        const t0 = Date.now();
        started.postgres = await startPostgres(dirs("postgres"));
        log(`postgres ready on 127.0.0.1:${started.postgres.port} in ${seconds(t0)}`);
    };
    // Connect waits for this; a Postgres failure is reported by the allSettled below.
    const postgresReady = want("postgres") ? postgres() : Promise.resolve();

    const results = await Promise.allSettled([
        want("kafka") ? kafkaAndConnect() : Promise.resolve(),
        want("hdfs") ? hdfs() : Promise.resolve(),
        postgresReady,
    ]);
    const errors = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    if (errors.length > 0) {
        throw new Error(errors.map((e) => (e instanceof Error ? e.message : String(e))).join("\n"));
    }
}

function runCommand(command: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
    return new Promise((resolve) => {
        const child = spawn(command[0], command.slice(1), { stdio: "inherit", env });
        child.on("error", (err) => {
            log(`cannot run ${command[0]}: ${err.message}`);
            resolve(127);
        });
        child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
}

async function teardown(
    stateFile: string,
    root: string,
    logsDir: string,
    failed: boolean,
): Promise<void> {
    refuseLaunches("the services are being torn down");
    const byPid = new Map<number, RunningProcess>();
    for (const p of launchedProcesses()) byPid.set(p.pid, p);
    if (existsSync(stateFile)) {
        // Test files may have restarted or added processes; the state file has the current set.
        for (const p of Object.values(readState(stateFile).processes)) byPid.set(p.pid, p);
    }
    const all = [...byPid.values()];
    // Taken before stopping: the interesting lines precede the shutdown chatter.
    const tails = failed
        ? (existsSync(logsDir) ? readdirSync(logsDir).sort() : []).map((file) => ({
              file: join(logsDir, file),
              tail: tailFile(join(logsDir, file), 30),
          }))
        : [];
    // Workers first, so they do not log errors about a broker that vanished under them.
    const isWorker = (p: RunningProcess): boolean => p.name.startsWith("connect");
    await Promise.all(all.filter(isWorker).map((p) => stopProcess(p)));
    await Promise.all(all.filter((p) => !isWorker(p)).map((p) => stopProcess(p)));

    if (!failed) {
        rmSync(root, { recursive: true, force: true });
        return;
    }
    for (const entry of readdirSync(root)) {
        if (join(root, entry) !== logsDir)
            rmSync(join(root, entry), { recursive: true, force: true });
    }
    for (const { file, tail } of tails) {
        log(`---- tail of ${file} (before teardown) ----`);
        process.stderr.write(tail + "\n");
    }
    log(`logs kept in ${logsDir}`);
}

/** Tools the selected services need that cannot be run, each with how to get it. */
async function missingTools(services: readonly ServiceName[]): Promise<string[]> {
    const works = (cmd: string, args: string[]): Promise<boolean> =>
        capture(cmd, args).then(
            (r) => r.code === 0,
            () => false,
        );
    const missing: string[] = [];
    if (services.some((s) => s !== "postgres")) {
        if (!(await works(javaExecutable(), ["-version"]))) {
            missing.push("no java (apt-get install openjdk-17-jdk-headless, or set JAVA_HOME)");
        }
        if (!(await works("mvn", ["-v"]))) missing.push("no mvn (apt-get install maven)");
    }
    return missing;
}

async function main(): Promise<number> {
    const sep = process.argv.indexOf("--");
    const command = sep >= 0 ? process.argv.slice(sep + 1) : [];
    if (command.length === 0) {
        log("usage: node --import tsx scripts/services/run.ts -- <command...>");
        return 2;
    }
    const services = selectedServices(process.env.SERVICES);
    const missing = await missingTools(services);
    if (missing.length > 0) {
        log(`cannot start ${services.join(", ")}: ${missing.join("; ")}`);
        return 1;
    }
    const root = mkdtempSync(join(tmpdir(), "ingest-services-"));
    // Traversable by the unprivileged user PostgreSQL runs as; listing stays private.
    chmodSync(root, 0o711);
    const logsDir = join(root, "logs");
    const stateFile = join(root, "state.json");
    let state: ServicesState = {
        version: 1,
        root,
        logsDir,
        services,
        env: {},
        processes: {},
    };
    writeState(stateFile, state);

    let tearingDown: Promise<void> | undefined;
    const stop = (failed: boolean): Promise<void> =>
        (tearingDown ??= teardown(stateFile, root, logsDir, failed));
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.on(signal, () => {
            log(`${signal}: stopping services`);
            void stop(true).then(() => process.exit(signal === "SIGINT" ? 130 : 143));
        });
    }

    const started: Started = {};
    const t0 = Date.now();
    log(`starting ${services.join(", ")} in ${root}`);
    try {
        await startAll(services, root, logsDir, started);
    } catch (err) {
        log(`start-up failed: ${err instanceof Error ? err.message : String(err)}`);
        await stop(true);
        return 1;
    }
    log(`all services ready in ${seconds(t0)}`);

    const env = {
        ...endpointEnv(started),
        SERVICES: services.join(","),
        SERVICES_STATE: stateFile,
    };
    const processes: Record<string, RunningProcess> = {};
    for (const p of launchedProcesses()) processes[p.name] = p;
    state = { ...state, env, processes, connect: started.connect?.launch };
    writeState(stateFile, state);

    const secrets = started.postgres ? { PGPASSWORD: started.postgres.password } : {};
    const status = await runCommand(command, { ...process.env, ...env, ...secrets });
    const t1 = Date.now();
    await stop(status !== 0);
    log(`services stopped in ${seconds(t1)}; command exited ${status}`);
    return status;
}

main().then(
    (status) => process.exit(status),
    (err: unknown) => {
        log(err instanceof Error ? (err.stack ?? err.message) : String(err));
        process.exit(1);
    },
);
