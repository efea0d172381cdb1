import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import axios from "axios";
import { writeLog4j2Config } from "./kafka";
import { assertAlive, javaSpec, launch, type RunningProcess } from "./process";
import type { ConnectLaunch } from "./state";
import { waitFor } from "./util";

/** Main class of a Kafka Connect distributed worker. */
export const CONNECT_MAIN_CLASS = "org.apache.kafka.connect.cli.ConnectDistributed";

/** Plugin whose presence in `GET /connector-plugins` marks a worker as ready. */
export const FILE_SINK_CLASS = "org.apache.kafka.connect.file.FileStreamSinkConnector";

/** `group.id` of the harness's Connect cluster. */
export const CONNECT_GROUP_ID = "ingest-connect";

/** Properties of a distributed worker listening on `port` in the cluster `groupId`. */
export function connectWorkerProperties(args: {
    bootstrap: string;
    groupId: string;
    port: number;
    pluginPath?: string;
}): string {
    const props: Record<string, string | number> = {
        "bootstrap.servers": args.bootstrap,
        "group.id": args.groupId,
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "config.storage.topic": `${args.groupId}-configs`,
        "offset.storage.topic": `${args.groupId}-offsets`,
        "status.storage.topic": `${args.groupId}-status`,
        "config.storage.replication.factor": 1,
        "offset.storage.replication.factor": 1,
        "status.storage.replication.factor": 1,
        "offset.flush.interval.ms": 1_000,
        listeners: `http://127.0.0.1:${args.port}`,
        "rest.advertised.listener": "http",
        "rest.advertised.host.name": "127.0.0.1",
        "rest.advertised.port": args.port,
        "config.providers": "file,env",
        "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
        "config.providers.env.class":
            "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
        // Tasks of a worker that left are reassigned after 5 s instead of 5 min, so rebalance
        // tests finish quickly.
        "scheduled.rebalance.max.delay.ms": 5_000,
        // Plugins with their own dependencies (Debezium brings Hibernate, JDBC drivers) load in
        // isolated class loaders instead of joining the worker's classpath.
        ...(args.pluginPath === undefined ? {} : { "plugin.path": args.pluginPath }),
    };
    return (
        Object.entries(props)
            .map(([k, v]) => `${k}=${v}`)
            .join("\n") + "\n"
    );
}

/**
 * Writes the shared worker files (logging), lays out `plugins` (name → resolved classpath) as a
 * `plugin.path` of symlinked jars, one directory per plugin, and returns how to launch workers.
 */
export function prepareConnect(args: {
    dir: string;
    classpath: string;
    bootstrap: string;
    restPort: number;
    plugins?: Readonly<Record<string, string>>;
}): ConnectLaunch {
    mkdirSync(args.dir, { recursive: true });
    const plugins = Object.entries(args.plugins ?? {});
    const pluginPath = plugins.length > 0 ? join(args.dir, "plugins") : undefined;
    for (const [name, classpath] of plugins) {
        const dir = join(pluginPath!, name);
        mkdirSync(dir, { recursive: true });
        for (const jar of classpath.split(":")) symlinkSync(jar, join(dir, basename(jar)));
    }
    const log4j = join(args.dir, "log4j2.properties");
    writeLog4j2Config(log4j, ["org.apache.kafka.clients", "org.reflections", "org.eclipse.jetty"]);
    return {
        classpath: args.classpath,
        jvmArgs: ["-Xms128m", "-Xmx512m", `-Dlog4j2.configurationFile=${log4j}`],
        configDir: args.dir,
        groupId: CONNECT_GROUP_ID,
        bootstrap: args.bootstrap,
        restPort: args.restPort,
        pluginPath,
    };
}

/**
 * Writes `<name>.properties` and starts a worker of the cluster described by `connect`. Returns
 * at once; use {@link waitConnectReady}. The worker inherits the caller's environment plus
 * `secretEnv`, so connector configs can use `${env:PGPASSWORD}`.
 */
export function launchConnectWorker(
    connect: ConnectLaunch,
    name: string,
    port: number,
    logsDir: string,
    secretEnv: Readonly<Record<string, string>> = {},
): RunningProcess {
    const propsFile = join(connect.configDir, `${name}.properties`);
    writeFileSync(
        propsFile,
        connectWorkerProperties({
            bootstrap: connect.bootstrap,
            groupId: connect.groupId,
            port,
            pluginPath: connect.pluginPath,
        }),
    );
    return launch(
        javaSpec({
            name,
            classpath: connect.classpath,
            mainClass: CONNECT_MAIN_CLASS,
            args: [propsFile],
            jvmArgs: connect.jvmArgs,
            logFile: join(logsDir, `${name}.log`),
        }),
        secretEnv,
    );
}

/**
 * Waits until the worker at `url` answers `GET /` with 200, lists the FileStream sink plugin and
 * serves `GET /connectors` (which needs the worker to have joined its group).
 */
export async function waitConnectReady(
    url: string,
    proc: RunningProcess,
    timeoutMs = 120_000,
): Promise<void> {
    const http = axios.create({ baseURL: url, timeout: 5_000, validateStatus: () => true });
    await waitFor(
        {
            service: proc.name,
            what: `GET ${url}/ = 200, ${FILE_SINK_CLASS} in /connector-plugins, GET /connectors = 200`,
            timeoutMs,
            alive: () => assertAlive(proc),
        },
        async () => {
            const root = await http.get("/");
            if (root.status !== 200) throw new Error(`GET / returned ${root.status}`);
            const plugins = await http.get<{ class: string }[]>("/connector-plugins");
            if (plugins.status !== 200)
                throw new Error(`GET /connector-plugins returned ${plugins.status}`);
            if (!plugins.data.some((p) => p.class === FILE_SINK_CLASS)) {
                throw new Error(`${FILE_SINK_CLASS} not listed in /connector-plugins`);
            }
            const connectors = await http.get("/connectors");
            if (connectors.status !== 200)
                throw new Error(`GET /connectors returned ${connectors.status}`);
            return true;
        },
    );
}
