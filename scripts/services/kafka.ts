import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { assertAlive, javaExecutable, javaSpec, launch, type RunningProcess } from "./process";
import { freePort, runCommand, servicesHost, waitFor } from "./util";

/** Where a service keeps its files and logs. */
export interface ServiceDirs {
    /** Directory for the service's data and configuration. */
    readonly dir: string;
    /** Directory for log files. */
    readonly logsDir: string;
}

/** A started Kafka broker. */
export interface KafkaService {
    /** The broker+controller process. */
    readonly process: RunningProcess;
    /** `127.0.0.1:<port>` of the PLAINTEXT listener. */
    readonly bootstrap: string;
    /** The generated cluster id the storage was formatted with. */
    readonly clusterId: string;
}

/** Writes a Log4j 2 configuration logging to stdout (which the harness sends to a log file). */
export function writeLog4j2Config(path: string, quietLoggers: readonly string[] = []): void {
    const lines = [
        "status = warn",
        "appender.out.type = Console",
        "appender.out.name = OUT",
        "appender.out.layout.type = PatternLayout",
        "appender.out.layout.pattern = [%d] %p %m (%c)%n",
        "rootLogger.level = INFO",
        "rootLogger.appenderRef.out.ref = OUT",
        // Client and worker config dumps run to hundreds of lines each.
        "logger.config.name = org.apache.kafka.common.config.AbstractConfig",
        "logger.config.level = WARN",
        ...quietLoggers.flatMap((name, i) => [
            `logger.quiet${i}.name = ${name}`,
            `logger.quiet${i}.level = WARN`,
        ]),
    ];
    writeFileSync(path, lines.join("\n") + "\n");
}

/**
 * A Kafka cluster id: 16 random bytes, base64url without padding (the format of `Uuid`). Never
 * starting with "-": kafka-storage's argument parser would read `--cluster-id -x...` as an option
 * (seen in CI: "argument --cluster-id/-t: expected one argument").
 */
export function newClusterId(): string {
    for (;;) {
        const id = randomBytes(16).toString("base64url");
        if (!id.startsWith("-")) return id;
    }
}

/** `server.properties` of a single combined broker+controller node in KRaft mode. */
export function kafkaServerProperties(args: {
    brokerPort: number;
    controllerPort: number;
    logDir: string;
    /** Address clients reach the broker on (listens and advertises there). Defaults to 127.0.0.1. */
    host?: string;
}): string {
    const host = args.host ?? "127.0.0.1";
    const props: Record<string, string | number> = {
        "process.roles": "broker,controller",
        "node.id": 1,
        "controller.quorum.voters": `1@127.0.0.1:${args.controllerPort}`,
        listeners: `PLAINTEXT://${host}:${args.brokerPort},CONTROLLER://127.0.0.1:${args.controllerPort}`,
        "advertised.listeners": `PLAINTEXT://${host}:${args.brokerPort}`,
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": args.logDir,
        "num.partitions": 1,
        // A single node: every internal topic has one replica.
        "offsets.topic.replication.factor": 1,
        "offsets.topic.num.partitions": 5,
        "transaction.state.log.replication.factor": 1,
        "transaction.state.log.min.isr": 1,
        "share.coordinator.state.topic.replication.factor": 1,
        "share.coordinator.state.topic.min.isr": 1,
        // Consumer groups form at once instead of after 3 s.
        "group.initial.rebalance.delay.ms": 0,
    };
    return (
        Object.entries(props)
            .map(([k, v]) => `${k}=${v}`)
            .join("\n") + "\n"
    );
}

/** Asks the broker for cluster metadata; resolves the broker count, rejects when unreachable. */
export async function kafkaBrokerCount(bootstrap: string): Promise<number> {
    const admin = new Kafka({
        clientId: "services-harness",
        brokers: [bootstrap],
        logLevel: logLevel.NOTHING,
        connectionTimeout: 1_000,
        retry: { retries: 0 },
    }).admin();
    try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return cluster.brokers.length;
    } finally {
        await admin.disconnect().catch(() => undefined);
    }
}

/** Formats storage and starts a Kafka 4.0 KRaft node, then waits until it serves metadata. */
export async function startKafka(
    dirs: ServiceDirs,
    classpath: string,
    timeoutMs = 120_000,
): Promise<KafkaService> {
    const brokerPort = await freePort();
    const controllerPort = await freePort();
    const logDir = join(dirs.dir, "data");
    mkdirSync(logDir, { recursive: true });
    const propsFile = join(dirs.dir, "server.properties");
    const host = servicesHost();
    writeFileSync(propsFile, kafkaServerProperties({ brokerPort, controllerPort, logDir, host }));
    const log4j = join(dirs.dir, "log4j2.properties");
    writeLog4j2Config(log4j, ["kafka.request.logger", "org.apache.kafka.clients"]);
    const jvmArgs = ["-Xms128m", "-Xmx512m", `-Dlog4j2.configurationFile=${log4j}`];

    const clusterId = newClusterId();
    const format = await runCommand(javaExecutable(), [
        ...jvmArgs,
        "-cp",
        classpath,
        "kafka.tools.StorageTool",
        "format",
        "--cluster-id",
        clusterId,
        "--config",
        propsFile,
    ]);
    if (format.code !== 0) {
        throw new Error(
            `kafka: storage format failed (${format.code}):\n${format.stdout}${format.stderr}`,
        );
    }

    const proc = launch(
        javaSpec({
            name: "kafka",
            classpath,
            mainClass: "kafka.Kafka",
            args: [propsFile],
            jvmArgs,
            logFile: join(dirs.logsDir, "kafka.log"),
        }),
    );
    const bootstrap = `${host}:${brokerPort}`;
    await waitFor(
        {
            service: "kafka",
            what: `broker metadata on ${bootstrap}`,
            timeoutMs,
            alive: () => assertAlive(proc),
        },
        async () => ((await kafkaBrokerCount(bootstrap)) > 0 ? true : undefined),
    );
    return { process: proc, bootstrap, clusterId };
}
