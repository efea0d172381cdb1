/**
 * Typed description of a Flume agent (one source → one channel → one sink) and the pure function
 * that renders it as the `flume.conf` properties file the agent reads.
 */

/** Kafka source: consumes topics as a consumer group, one event per record value. */
export interface KafkaSourceSpec {
    readonly type: "kafka";
    /** Topics to consume. */
    readonly topics: readonly string[];
    /** Consumer group id. Defaults to `flume-<agent name>`. */
    readonly groupId?: string;
    /** Records per channel transaction. Defaults to 1000. */
    readonly batchSize?: number;
    /** Longest wait before a partial batch is committed, in ms. Defaults to 1000. */
    readonly batchDurationMillis?: number;
    /** Where a new consumer group starts. Defaults to `earliest`. */
    readonly startFrom?: "earliest" | "latest";
}

/** HTTP source: `POST /` with Flume's JSON event array (`[{"headers":{},"body":"..."}]`). */
export interface HttpSourceSpec {
    readonly type: "http";
    /** Listening port. */
    readonly port: number;
    /** Listening address. Defaults to `0.0.0.0`. */
    readonly bind?: string;
}

/** Netcat source: one event per line received on a TCP socket. */
export interface NetcatSourceSpec {
    readonly type: "netcat";
    /** Listening port. */
    readonly port: number;
    /** Listening address. Defaults to `0.0.0.0`. */
    readonly bind?: string;
    /** Longest accepted line in bytes. Defaults to 512. */
    readonly maxLineLength?: number;
}

/** Where an agent's events come from. */
export type FlumeSource = KafkaSourceSpec | HttpSourceSpec | NetcatSourceSpec;

/** Memory channel: fast, but loses buffered events when the agent stops. */
export interface MemoryChannelSpec {
    readonly type: "memory";
    /** Events held at most. Defaults to 10000. */
    readonly capacity?: number;
    /** Events per put/take transaction. Defaults to 1000. */
    readonly transactionCapacity?: number;
}

/** File channel: events are written to disk and survive a restart of the agent. */
export interface FileChannelSpec {
    readonly type: "file";
    /** Directory holding `checkpoint/` and `data/`. Defaults to `/var/lib/flume/channel`. */
    readonly directory?: string;
    /** Events held at most. Defaults to 1000000. */
    readonly capacity?: number;
    /** Events per put/take transaction. Defaults to 1000. */
    readonly transactionCapacity?: number;
}

/** How an agent buffers events between source and sink. */
export type FlumeChannel = MemoryChannelSpec | FileChannelSpec;

/** HDFS sink: text files, one line per event, rolled by time, size or count. */
export interface HdfsSinkSpec {
    readonly type: "hdfs";
    /** Directory, absolute (`/Cars`, resolved against `fs.defaultFS`) or a full `hdfs://` URI. */
    readonly path: string;
    /** File name prefix. Defaults to `events`. */
    readonly filePrefix?: string;
    /** File name suffix. Defaults to `.txt`. */
    readonly fileSuffix?: string;
    /** Seconds before a file is closed and a new one started; 0 = never. Defaults to 60. */
    readonly rollIntervalSeconds?: number;
    /** Bytes before a file is rolled; 0 = never. Defaults to 134217728 (128 MiB). */
    readonly rollSizeBytes?: number;
    /** Events before a file is rolled; 0 = never. Defaults to 0. */
    readonly rollCount?: number;
    /** Events per HDFS flush. Defaults to 1000. */
    readonly batchSize?: number;
}

/** Kafka sink: one record per event, value = event body. */
export interface KafkaSinkSpec {
    readonly type: "kafka";
    /** Target topic. */
    readonly topic: string;
    /** Events per producer batch. Defaults to 100. */
    readonly batchSize?: number;
    /** Producer `acks`. Defaults to `all`. */
    readonly acks?: "0" | "1" | "all";
}

/** Where an agent delivers its events. */
export type FlumeSink = HdfsSinkSpec | KafkaSinkSpec;

/** One agent as declared in the stack: everything except the cluster endpoints. */
export interface FlumeAgentDefinition {
    /** Agent name: DNS label, also the prefix of every key in its `flume.conf`. */
    readonly name: string;
    readonly source: FlumeSource;
    readonly channel: FlumeChannel;
    readonly sink: FlumeSink;
}

/** SASL authentication of an agent's Kafka clients; the password never appears in the file. */
export interface FlumeKafkaSasl {
    /** Kafka `security.protocol`. */
    readonly protocol: "SASL_PLAINTEXT" | "SASL_SSL";
    /** SASL mechanism. Defaults to `PLAIN`. */
    readonly mechanism?: "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";
    /** SASL user name. */
    readonly username: string;
    /**
     * Environment variable holding the password, read by Flume's `env` config filter when the
     * agent starts. Defaults to `KAFKA_SASL_PASSWORD`.
     */
    readonly passwordEnv?: string;
    /** PEM CA file the clients trust (a PEM truststore, kafka-clients 2.7+); unset = the JVM's. */
    readonly truststorePem?: string;
}

/** A complete agent: its definition plus the endpoints it talks to. */
export interface FlumeAgentSpec extends FlumeAgentDefinition {
    /** Kafka bootstrap servers; required when the source or the sink is Kafka. */
    readonly kafkaBootstrapServers?: string;
    /** SASL for the Kafka source and sink. Defaults to none (PLAINTEXT). */
    readonly kafkaSasl?: FlumeKafkaSasl;
}

/** Environment variable the SASL password is read from when the spec names none. */
export const DEFAULT_SASL_PASSWORD_ENV = "KAFKA_SASL_PASSWORD";

/** Directory of a file channel when the spec does not name one (the PVC mount in the pod). */
export const DEFAULT_FILE_CHANNEL_DIR = "/var/lib/flume/channel";

const KAFKA_SOURCE_CLASS = "org.apache.flume.source.kafka.KafkaSource";
const KAFKA_SINK_CLASS = "org.apache.flume.sink.kafka.KafkaSink";

/** The batch size the source puts into the channel per transaction. */
function sourceBatch(source: FlumeSource): number {
    // The HTTP source puts one request, the netcat source one event, per transaction.
    return source.type === "kafka" ? (source.batchSize ?? 1000) : 1;
}

function sinkBatch(sink: FlumeSink): number {
    return sink.type === "hdfs" ? (sink.batchSize ?? 1000) : (sink.batchSize ?? 100);
}

function channelTransactionCapacity(channel: FlumeChannel): number {
    return channel.transactionCapacity ?? 1000;
}

function usesKafka(agent: FlumeAgentDefinition): boolean {
    return agent.source.type === "kafka" || agent.sink.type === "kafka";
}

function hasLineBreak(value: unknown): boolean {
    if (typeof value === "string") return /[\r\n]/.test(value);
    if (typeof value === "object" && value !== null) return Object.values(value).some(hasLineBreak);
    return false;
}

/** Every problem with `agent`, as messages naming the field; empty when it is valid. */
export function validateFlumeAgent(agent: FlumeAgentSpec): string[] {
    const problems: string[] = [];
    if (!/^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/.test(agent.name)) {
        problems.push(
            `agent name "${agent.name}" must be a DNS label of at most 40 characters ` +
                "(lower-case letters, digits and '-', starting with a letter)",
        );
    }
    if (usesKafka(agent) && !agent.kafkaBootstrapServers) {
        problems.push(
            `agent ${agent.name}: kafkaBootstrapServers is required by its Kafka source or sink`,
        );
    }
    if (agent.kafkaSasl) {
        if (!/^[^"\\\s]+$/.test(agent.kafkaSasl.username)) {
            problems.push(
                `agent ${agent.name}: kafkaSasl.username must be non-empty without quotes, backslashes or spaces`,
            );
        }
        // The env config filter only resolves keys of this shape.
        if (
            !/^[A-Za-z_][A-Za-z0-9_]*$/.test(
                agent.kafkaSasl.passwordEnv ?? DEFAULT_SASL_PASSWORD_ENV,
            )
        ) {
            problems.push(
                `agent ${agent.name}: kafkaSasl.passwordEnv must be an environment variable name`,
            );
        }
    }
    if (agent.source.type === "kafka" && agent.source.topics.length === 0) {
        problems.push(`agent ${agent.name}: source.topics must name at least one topic`);
    }
    if (agent.source.type !== "kafka") {
        const port = agent.source.port;
        if (!Number.isInteger(port) || port < 1 || port > 65535) {
            problems.push(`agent ${agent.name}: source.port ${port} is not a TCP port`);
        }
    }
    if (agent.sink.type === "hdfs" && !/^(\/|hdfs:\/\/)/.test(agent.sink.path)) {
        problems.push(
            `agent ${agent.name}: sink.path "${agent.sink.path}" must be absolute or an hdfs:// URI`,
        );
    }
    // Flume rejects a batch larger than the channel transaction only at runtime, mid-flow.
    const tx = channelTransactionCapacity(agent.channel);
    for (const [side, batch] of [
        ["source", sourceBatch(agent.source)],
        ["sink", sinkBatch(agent.sink)],
    ] as const) {
        if (batch > tx) {
            problems.push(
                `agent ${agent.name}: ${side} batch size ${batch} exceeds channel.transactionCapacity ${tx}`,
            );
        }
    }
    const capacity = agent.channel.capacity ?? (agent.channel.type === "file" ? 1_000_000 : 10_000);
    if (tx > capacity) {
        problems.push(
            `agent ${agent.name}: channel.transactionCapacity ${tx} exceeds channel.capacity ${capacity}`,
        );
    }
    // A line break in a value would start a new property: reject rather than escape.
    if (hasLineBreak(agent)) {
        problems.push(`agent ${agent.name}: values must not contain line breaks`);
    }
    return problems;
}

/** Kafka client settings for SASL under `prefix` (`kafka.consumer` or `kafka.producer`). */
function saslProperties(prefix: string, sasl: FlumeKafkaSasl | undefined): [string, string][] {
    if (!sasl) return [];
    const mechanism = sasl.mechanism ?? "PLAIN";
    const module =
        mechanism === "PLAIN"
            ? "org.apache.kafka.common.security.plain.PlainLoginModule"
            : "org.apache.kafka.common.security.scram.ScramLoginModule";
    // ${env['X']} is replaced by Flume's env config filter when the agent reads the file.
    const password = `\${env['${sasl.passwordEnv ?? DEFAULT_SASL_PASSWORD_ENV}']}`;
    return [
        [`${prefix}.security.protocol`, sasl.protocol],
        [`${prefix}.sasl.mechanism`, mechanism],
        [
            `${prefix}.sasl.jaas.config`,
            `${module} required username="${sasl.username}" password="${password}";`,
        ],
        ...(sasl.truststorePem === undefined
            ? []
            : ([
                  [`${prefix}.ssl.truststore.type`, "PEM"],
                  [`${prefix}.ssl.truststore.location`, sasl.truststorePem],
              ] as [string, string][])),
    ];
}

function sourceProperties(source: FlumeSource, agent: FlumeAgentSpec): [string, string | number][] {
    switch (source.type) {
        case "kafka":
            return [
                ["type", KAFKA_SOURCE_CLASS],
                ["kafka.bootstrap.servers", agent.kafkaBootstrapServers ?? ""],
                ["kafka.topics", source.topics.join(",")],
                ["kafka.consumer.group.id", source.groupId ?? `flume-${agent.name}`],
                ["kafka.consumer.auto.offset.reset", source.startFrom ?? "earliest"],
                ["batchSize", sourceBatch(source)],
                ["batchDurationMillis", source.batchDurationMillis ?? 1000],
                ...saslProperties("kafka.consumer", agent.kafkaSasl),
            ];
        case "http":
            return [
                ["type", "http"],
                ["bind", source.bind ?? "0.0.0.0"],
                ["port", source.port],
            ];
        case "netcat":
            return [
                ["type", "netcat"],
                ["bind", source.bind ?? "0.0.0.0"],
                ["port", source.port],
                ["max-line-length", source.maxLineLength ?? 512],
            ];
    }
}

function channelProperties(channel: FlumeChannel): [string, string | number][] {
    switch (channel.type) {
        case "memory":
            return [
                ["type", "memory"],
                ["capacity", channel.capacity ?? 10_000],
                ["transactionCapacity", channelTransactionCapacity(channel)],
            ];
        case "file": {
            const dir = (channel.directory ?? DEFAULT_FILE_CHANNEL_DIR).replace(/\/+$/, "");
            return [
                ["type", "file"],
                ["checkpointDir", `${dir}/checkpoint`],
                ["dataDirs", `${dir}/data`],
                ["capacity", channel.capacity ?? 1_000_000],
                ["transactionCapacity", channelTransactionCapacity(channel)],
            ];
        }
    }
}

function sinkProperties(sink: FlumeSink, agent: FlumeAgentSpec): [string, string | number][] {
    switch (sink.type) {
        case "hdfs":
            return [
                ["type", "hdfs"],
                ["hdfs.path", sink.path],
                ["hdfs.filePrefix", sink.filePrefix ?? "events"],
                ["hdfs.fileSuffix", sink.fileSuffix ?? ".txt"],
                // Open files start with "_", which MapReduce, Hive and Spark readers skip.
                ["hdfs.inUsePrefix", "_"],
                ["hdfs.fileType", "DataStream"],
                ["hdfs.writeFormat", "Text"],
                ["hdfs.rollInterval", sink.rollIntervalSeconds ?? 60],
                ["hdfs.rollSize", sink.rollSizeBytes ?? 134_217_728],
                ["hdfs.rollCount", sink.rollCount ?? 0],
                ["hdfs.batchSize", sinkBatch(sink)],
                // Time escapes in the path (%Y/%m/%d) use the agent's clock: HTTP and netcat
                // events carry no timestamp header.
                ["hdfs.useLocalTimeStamp", "true"],
            ];
        case "kafka":
            return [
                ["type", KAFKA_SINK_CLASS],
                ["kafka.bootstrap.servers", agent.kafkaBootstrapServers ?? ""],
                ["kafka.topic", sink.topic],
                // A client-supplied "topic" header must not redirect events to another topic.
                ["allowTopicOverride", "false"],
                ["flumeBatchSize", sinkBatch(sink)],
                ["kafka.producer.acks", sink.acks ?? "all"],
                ...saslProperties("kafka.producer", agent.kafkaSasl),
            ];
    }
}

/**
 * Renders `agent` as a Flume properties file. Component names inside the agent are fixed
 * (`source`, `channel`, `sink`); every setting is written explicitly, defaults included, so the
 * file documents the running configuration.
 *
 * @throws Error listing every problem found by {@link validateFlumeAgent}.
 */
export function flumeAgentConfig(agent: FlumeAgentSpec): string {
    const problems = validateFlumeAgent(agent);
    if (problems.length > 0) {
        throw new Error(`invalid Flume agent "${agent.name}":\n  - ${problems.join("\n  - ")}`);
    }
    const a = agent.name;
    const block = (prefix: string, props: [string, string | number][]): string[] =>
        props.map(([k, v]) => `${prefix}.${k} = ${v}`);
    return [
        `# Flume agent "${a}" (${agent.source.type} -> ${agent.channel.type} -> ${agent.sink.type}).`,
        "# Generated by ingest-platform components/flume; edit the stack config, not this file.",
        ...(agent.kafkaSasl && usesKafka(agent)
            ? [`${a}.configfilters = env`, `${a}.configfilters.env.type = env`]
            : []),
        `${a}.sources = source`,
        `${a}.channels = channel`,
        `${a}.sinks = sink`,
        "",
        ...block(`${a}.sources.source`, sourceProperties(agent.source, agent)),
        `${a}.sources.source.channels = channel`,
        "",
        ...block(`${a}.channels.channel`, channelProperties(agent.channel)),
        "",
        ...block(`${a}.sinks.sink`, sinkProperties(agent.sink, agent)),
        `${a}.sinks.sink.channel = channel`,
        "",
    ].join("\n");
}
