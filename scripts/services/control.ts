// Helpers for *.services.test.ts files: the endpoints of the services started by run.ts, and
// control over processes (restart Connect, add a second worker, run a JVM such as a Flume agent).
import { join } from "node:path";
import { launchConnectWorker, waitConnectReady } from "./connect";
import { javaClasspath } from "./maven";
import { isAlive, javaSpec, launch, stopProcess, type JavaProcessArgs } from "./process";
import { readState, updateState, type ServicesState } from "./state";
import { freePort } from "./util";

export { javaClasspath };

/** Endpoints of the running services; a section is absent when its service was not started. */
export interface ServiceEnv {
    /** Kafka broker (PLAINTEXT, no auth). */
    readonly kafka?: { readonly bootstrap: string };
    /** Kafka Connect REST API of the main worker. */
    readonly connect?: { readonly url: string };
    /** HDFS NameNode. */
    readonly hdfs?: {
        /** Base URL of the NameNode web server; WebHDFS is under `/webhdfs/v1`. */
        readonly webhdfsUrl: string;
        /** `hdfs://host:port` for RPC clients. */
        readonly url: string;
        /** The HDFS superuser (pass as `user.name` to WebHDFS). */
        readonly user: string;
        /** Base URL of HttpFS (same REST API under `/webhdfs/v1`, contents without a redirect). */
        readonly httpfsUrl?: string;
    };
    /** PostgreSQL server with the test database. */
    readonly postgres?: {
        readonly host: string;
        readonly port: number;
        readonly user: string;
        readonly password: string;
        readonly database: string;
        /** Path of the `psql` matching the server. */
        readonly psql: string;
    };
}

/** Reads the endpoints that `run.ts` put in the environment. */
export function serviceEnv(): ServiceEnv {
    const env = process.env;
    return {
        kafka: env.KAFKA_BOOTSTRAP ? { bootstrap: env.KAFKA_BOOTSTRAP } : undefined,
        connect: env.CONNECT_URL ? { url: env.CONNECT_URL } : undefined,
        hdfs:
            env.WEBHDFS_URL && env.HDFS_URL
                ? {
                      webhdfsUrl: env.WEBHDFS_URL,
                      url: env.HDFS_URL,
                      user: env.HDFS_USER ?? "hdfs",
                      httpfsUrl: env.HTTPFS_URL,
                  }
                : undefined,
        postgres:
            env.PGHOST && env.PGPORT && env.PGUSER && env.PGPASSWORD && env.PGDATABASE
                ? {
                      host: env.PGHOST,
                      port: Number(env.PGPORT),
                      user: env.PGUSER,
                      password: env.PGPASSWORD,
                      database: env.PGDATABASE,
                      psql: env.PSQL ?? "psql",
                  }
                : undefined,
    };
}

/** Path of the state file, or an error explaining how to get one. */
function statePath(): string {
    const path = process.env.SERVICES_STATE;
    if (!path) {
        throw new Error(
            "SERVICES_STATE is not set: run the tests through " +
                "`node --import tsx scripts/services/run.ts -- <command>` (npm run test:services)",
        );
    }
    return path;
}

function connectState(): ServicesState & Required<Pick<ServicesState, "connect">> {
    const state = readState(statePath());
    if (!state.connect) throw new Error("Kafka Connect was not started (see SERVICES)");
    return state as ServicesState & Required<Pick<ServicesState, "connect">>;
}

/**
 * Stops the main Connect worker gracefully and starts it again with the same configuration and
 * port; resolves once it is ready (GET / = 200, plugins listed, GET /connectors = 200).
 */
export async function restartConnectWorker(timeoutMs = 120_000): Promise<{ url: string }> {
    const state = connectState();
    const current = state.processes.connect;
    if (current) await stopProcess(current);
    const port = state.connect.restPort;
    const proc = launchConnectWorker(state.connect, "connect", port, state.logsDir);
    updateState(statePath(), (s) => ({ ...s, processes: { ...s.processes, connect: proc } }));
    const url = `http://127.0.0.1:${port}`;
    await waitConnectReady(url, proc, timeoutMs);
    return { url };
}

/**
 * Starts a second distributed worker in the same group on another port (a no-op returning the
 * running one if it is already up), which makes the group rebalance. Resolves once it is ready.
 */
export async function startExtraConnectWorker(timeoutMs = 120_000): Promise<{ url: string }> {
    const state = connectState();
    const running = state.processes["connect-extra"];
    const runningUrl = state.env.CONNECT_EXTRA_URL;
    if (running && isAlive(running.pid) && runningUrl) return { url: runningUrl };
    const port = await freePort();
    const proc = launchConnectWorker(state.connect, "connect-extra", port, state.logsDir);
    updateState(statePath(), (s) => ({
        ...s,
        processes: { ...s.processes, "connect-extra": proc },
        env: { ...s.env, CONNECT_EXTRA_URL: `http://127.0.0.1:${port}` },
    }));
    const url = `http://127.0.0.1:${port}`;
    await waitConnectReady(url, proc, timeoutMs);
    return { url };
}

/** Stops the extra Connect worker gracefully (the group rebalances again); no-op if not running. */
export async function stopExtraConnectWorker(): Promise<void> {
    const state = readState(statePath());
    const proc = state.processes["connect-extra"];
    if (proc) await stopProcess(proc);
    updateState(statePath(), (s) => {
        const processes = { ...s.processes };
        delete processes["connect-extra"];
        const env = { ...s.env };
        delete env.CONNECT_EXTRA_URL;
        return { ...s, processes, env };
    });
}

/** Arguments for {@link startJava}. */
export interface StartJavaArgs extends Omit<JavaProcessArgs, "logFile"> {
    /** Name for messages, the log file and the state file. Defaults to the main class's name. */
    readonly name?: string;
    /** Log file. Defaults to `<name>.log` in the harness's logs directory (kept on failure). */
    readonly logFile?: string;
}

/** A JVM started by {@link startJava}. */
export interface JavaProcess {
    readonly name: string;
    readonly pid: number;
    readonly logFile: string;
    /** Whether the process is still running. */
    isAlive(): boolean;
    /** Stops the process group (SIGTERM, then SIGKILL after `graceMs`). */
    stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a JVM in its own process group, e.g. a Flume agent with `javaClasspath("flume")`. When
 * run under `run.ts` the process is recorded in the state file, so the harness stops it at the end
 * even if the test does not, and its log lands in the harness's logs directory.
 */
export function startJava(args: StartJavaArgs): Promise<JavaProcess> {
    const underHarness = Boolean(process.env.SERVICES_STATE);
    const state = underHarness ? readState(statePath()) : undefined;
    const name = args.name ?? args.mainClass.slice(args.mainClass.lastIndexOf(".") + 1);
    const existing = state?.processes[name];
    if (existing && isAlive(existing.pid)) {
        return Promise.reject(new Error(`a process named "${name}" is already running`));
    }
    const logFile = args.logFile ?? join(state?.logsDir ?? process.cwd(), `${name}.log`);
    const proc = launch(javaSpec({ ...args, name, logFile }));
    if (underHarness) {
        updateState(statePath(), (s) => ({ ...s, processes: { ...s.processes, [name]: proc } }));
    }
    return Promise.resolve({
        name,
        pid: proc.pid,
        logFile,
        isAlive: () => isAlive(proc.pid),
        stop: async (graceMs?: number) => {
            await stopProcess(proc, graceMs);
            if (underHarness) {
                updateState(statePath(), (s) => {
                    const processes = { ...s.processes };
                    if (processes[name]?.pid === proc.pid) delete processes[name];
                    return { ...s, processes };
                });
            }
        },
    });
}
