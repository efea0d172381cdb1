/**
 * Seed 003's routing, declared from one list of sensor ids: the base ksqlDB stream over the
 * ingestion topic, one `SENSOR_ID_<id>` stream per sensor filtered on the payload's `sensor_id`,
 * and one HDFS sink connector per sensor writing JSON under `/grid-wattage/sensor<NN>`.
 *
 * Every per-sensor resource name is keyed by the sensor id, so adding or removing one id adds or
 * removes exactly that sensor's stream and connector and leaves the others untouched.
 */
import * as pulumi from "@pulumi/pulumi";
import { KafkaConnector } from "../../connectors/kafkaConnector/resource";
import { KsqlStream } from "../../connectors/ksql/resource";
import { sqlString, type KsqlColumn } from "../../connectors/ksql/sql";
import { hdfsSinkConfig } from "./sinks";

/** Columns of seed 003's `STREAM_INGESTION` (the producer's JSON envelope). */
export const INGESTION_COLUMNS: readonly KsqlColumn[] = [
    { name: "PAYLOAD", type: "STRING" },
    { name: "CORRELATION_ID", type: "STRING" },
    { name: "CREATED_AT", type: "DOUBLE" },
    { name: "SCHEMA_VERSION", type: "INTEGER" },
];

/** Arguments for {@link SensorRouting}. */
export interface SensorRoutingArgs {
    /** ksqlDB REST root, e.g. the `KsqlDb` component's URL. */
    readonly ksqlUrl: pulumi.Input<string>;
    /** ksqlDB's REST basic-auth credentials (secret), when it requires them. */
    readonly ksqlAuth?: pulumi.Input<{ username: string; password: string }>;
    /** The config key behind `ksqlUrl` and what to check when it does not answer. */
    readonly ksqlEndpointHint?: string;
    /** Kafka Connect REST root. */
    readonly connectUrl: pulumi.Input<string>;
    /** Connect's REST basic-auth credentials (secret), when it requires them. */
    readonly connectAuth?: pulumi.Input<{ username: string; password: string }>;
    /** The config key behind `connectUrl` and what to check when it does not answer. */
    readonly connectEndpointHint?: string;
    /** `hdfs.url` of the sinks, e.g. `hdfs://namenode:9000`. */
    readonly hdfsUrl: pulumi.Input<string>;
    /** Sensor ids: letters, digits and `_`, unique (case-insensitively and by HDFS directory). */
    readonly sensorIds: readonly string[];
    /** Topic of the base stream; pass a topic resource's output so the stream waits for it. Defaults to `"INGESTION"`. */
    readonly sourceTopic?: pulumi.Input<string>;
    /** Name of the base stream. Defaults to `"STREAM_INGESTION"`. */
    readonly baseStreamName?: string;
    /** HDFS directory holding one `sensor<NN>` directory per sensor. Defaults to `"/grid-wattage"`. */
    readonly hdfsRoot?: string;
    /** Records per HDFS file (`flush.size`). Defaults to 3, as in the seed. */
    readonly flushSize?: number;
    /** `streamsProperties` of the sensor streams. Defaults to `auto.offset.reset=earliest`. */
    readonly streamsProperties?: Record<string, string>;
    /** Delete each sensor stream's topic when the stream is dropped. Defaults to false. */
    readonly deleteSensorTopics?: boolean;
    /** Extra sink connector config, applied over the generated keys. Defaults to none. */
    readonly sinkConfig?: Record<string, string>;
}

/** Problems with a list of sensor ids; empty when it is usable. */
export function validateSensorIds(ids: readonly string[]): string[] {
    const problems: string[] = [];
    const byStream = new Map<string, string>();
    const byDir = new Map<string, string>();
    for (const id of ids) {
        if (!/^[A-Za-z0-9_]+$/.test(id)) {
            problems.push(`sensor id ${JSON.stringify(id)}: use letters, digits and _ only`);
            continue;
        }
        const stream = sensorStreamName(id);
        const dir = sensorHdfsDir("", id);
        const clash = byStream.get(stream) ?? byDir.get(dir);
        if (clash !== undefined) {
            problems.push(`sensor id "${id}" duplicates "${clash}" (${stream}, ${dir})`);
        }
        byStream.set(stream, id);
        byDir.set(dir, id);
    }
    return problems;
}

/** `SENSOR_ID_<id>`, as ksqlDB stores it (upper case). */
export function sensorStreamName(id: string): string {
    return `SENSOR_ID_${id.toUpperCase()}`;
}

/** The seed's filter: the payload's `sensor_id` equals the id. */
export function sensorFilter(id: string): string {
    return `EXTRACTJSONFIELD(PAYLOAD, '$.sensor_id') = ${sqlString(id)}`;
}

/** `<root>/sensor<NN>`: numeric ids padded to two digits (`1` → `sensor01`) as in the seed. */
export function sensorHdfsDir(root: string, id: string): string {
    return `${root}/sensor${/^\d+$/.test(id) ? id.padStart(2, "0") : id}`;
}

/** Seed 003's per-sensor routing from ksqlDB to HDFS. */
export class SensorRouting extends pulumi.ComponentResource {
    /** The base stream over the ingestion topic. */
    public readonly baseStream: KsqlStream;
    /** One derived stream per sensor id. */
    public readonly sensorStreams: Record<string, KsqlStream> = {};
    /** One HDFS sink connector per sensor id. */
    public readonly sinkConnectors: Record<string, KafkaConnector> = {};

    constructor(name: string, args: SensorRoutingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ingest:components:SensorRouting", name, {}, opts);
        const problems = validateSensorIds(args.sensorIds);
        if (problems.length > 0) {
            throw new pulumi.ResourceError(`invalid sensorIds:\n  ${problems.join("\n  ")}`, this);
        }
        const root = args.hdfsRoot ?? "/grid-wattage";
        // Earliest, so records produced before a sensor stream existed are routed too.
        const streamsProperties = args.streamsProperties ?? { "auto.offset.reset": "earliest" };

        this.baseStream = new KsqlStream(
            `${name}-base`,
            {
                ksqlUrl: args.ksqlUrl,
                basicAuth: args.ksqlAuth,
                endpointHint: args.ksqlEndpointHint,
                name: args.baseStreamName ?? "STREAM_INGESTION",
                topic: args.sourceTopic ?? "INGESTION",
                columns: [...INGESTION_COLUMNS],
                valueFormat: "JSON",
            },
            { parent: this },
        );

        for (const id of args.sensorIds) {
            const stream = new KsqlStream(
                `${name}-stream-${id}`,
                {
                    ksqlUrl: args.ksqlUrl,
                    basicAuth: args.ksqlAuth,
                    endpointHint: args.ksqlEndpointHint,
                    name: sensorStreamName(id),
                    // Declared rather than left to the server's naming (which a topic-name prefix
                    // setting can change), so the sink below knows it without waiting for outputs.
                    topic: sensorStreamName(id),
                    from: this.baseStream.name,
                    where: sensorFilter(id),
                    streamsProperties,
                    deleteTopic: args.deleteSensorTopics ?? false,
                },
                // dependsOn as well as `from`: destroy drops sensor streams before the base.
                { parent: this, dependsOn: [this.baseStream] },
            );
            const config = hdfsSinkConfig({
                topics: sensorStreamName(id),
                hdfsUrl: args.hdfsUrl,
                topicsDir: sensorHdfsDir(root, id),
                format: "json",
                flushSize: args.flushSize ?? 3,
            });
            this.sensorStreams[id] = stream;
            this.sinkConnectors[id] = new KafkaConnector(
                `${name}-sink-${id}`,
                {
                    connectUrl: args.connectUrl,
                    name: `hdfs-sink-sensor-${id}`,
                    config: { ...config, ...args.sinkConfig },
                    endpointHint: args.connectEndpointHint,
                    basicAuth: args.connectAuth,
                },
                { parent: this, dependsOn: [stream] },
            );
        }

        this.registerOutputs({
            baseStreamName: this.baseStream.name,
            sensorStreamNames: Object.values(this.sensorStreams).map((s) => s.name),
            sinkConnectorNames: Object.values(this.sinkConnectors).map((c) => c.name),
        });
    }
}
