import * as pulumi from "@pulumi/pulumi";
import { HdfsDirectory } from "../connectors/hdfsDirectory";
import { KafkaConnector } from "../connectors/kafkaConnector";
import { KafkaTopic } from "../connectors/kafkaTopic";
import { SensorRouting } from "./sensorRouting";

/** A topic the pipelines read or write. */
export interface PipelineTopic {
    readonly name: string;
    readonly partitions: number;
    /** Defaults to {@link PipelinesArgs.replicationFactor}. */
    readonly replicationFactor?: number;
    readonly config: Record<string, string>;
}

/** An HDFS directory of the layout. */
export interface PipelineDirectory {
    readonly path: string;
    readonly permission: string;
    readonly owner?: string;
    readonly group?: string;
}

/** A further connector declared as a resource. */
export interface PipelineConnector {
    readonly name: string;
    readonly config: Record<string, string>;
    readonly state: "RUNNING" | "PAUSED" | "STOPPED";
}

/** Arguments for {@link Pipelines}. Every endpoint is one the machine running `pulumi` reaches. */
export interface PipelinesArgs {
    /** Kafka bootstrap servers for the topic resources; unset = no topics are declared. */
    readonly kafkaBootstrapServers?: pulumi.Input<string>;
    /** SASL/PLAIN credentials for the topic resources; unset = PLAINTEXT. */
    readonly kafkaSasl?: { readonly username: string; readonly password: pulumi.Input<string> };
    /** Replication factor of topics that do not set one. */
    readonly replicationFactor: number;
    readonly topics: readonly PipelineTopic[];
    /** Leave topics and their data in Kafka when their resources are deleted. Defaults to false. */
    readonly retainTopicsOnDelete?: boolean;
    /** WebHDFS base URL; unset = no HDFS directories are declared. */
    readonly webhdfsUrl?: pulumi.Input<string>;
    /** HDFS superuser the directory resources act as. */
    readonly hdfsAdminUser: string;
    readonly directories: readonly PipelineDirectory[];
    /** Kafka Connect REST URL; unset = no connectors are declared. */
    readonly connectUrl?: pulumi.Input<string>;
    /** `hdfs.url` the HDFS sinks write to (as Connect sees it); unset = no HDFS sinks. */
    readonly hdfsRpcUrl?: pulumi.Input<string>;
    /** Keys merged last into every HDFS sink's config. */
    readonly sinkConfig: Record<string, string>;
    /** ksqlDB REST URL; unset = no sensor routing. */
    readonly ksqlUrl?: pulumi.Input<string>;
    /** Sensor ids routed into per-sensor HDFS folders (seed 003); empty = no routing. */
    readonly sensors: readonly string[];
    readonly connectors: readonly PipelineConnector[];
    /** Platform resources every pipeline object waits for (and is deleted before). */
    readonly platform?: pulumi.Resource[];
}

const slug = (s: string) =>
    s
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "");

/**
 * The pipeline itself, declared through the services' own APIs: the seed topics, the HDFS folder
 * layout, the `UNORGANIZED` → `/unorganized` sink, sensor routing, and any further connectors.
 * Each part is declared only when its endpoint is known, so a stack may bring its own services.
 */
export class Pipelines extends pulumi.ComponentResource {
    /** Topic resources by topic name. */
    public readonly topics: Record<string, KafkaTopic> = {};
    /** HDFS directory resources by path. */
    public readonly directories: Record<string, HdfsDirectory> = {};
    /** Connector resources by connector name. */
    public readonly connectors: Record<string, KafkaConnector> = {};
    /** Sensor routing, when ksqlDB, Connect and HDFS are all reachable. */
    public readonly sensorRouting?: SensorRouting;

    constructor(name: string, args: PipelinesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ingest:components:Pipelines", name, {}, opts);
        const platform = args.platform ?? [];
        if (args.kafkaBootstrapServers !== undefined) {
            for (const t of args.topics) {
                this.topics[t.name] = new KafkaTopic(
                    `topic-${slug(t.name)}`,
                    {
                        bootstrapServers: args.kafkaBootstrapServers,
                        name: t.name,
                        partitions: t.partitions,
                        replicationFactor: t.replicationFactor ?? args.replicationFactor,
                        config: t.config,
                        retainOnDelete: args.retainTopicsOnDelete ?? false,
                        sasl: args.kafkaSasl && { mechanism: "plain", ...args.kafkaSasl },
                    },
                    { parent: this, dependsOn: platform },
                );
            }
        }
        if (args.webhdfsUrl !== undefined) {
            for (const d of args.directories) {
                this.directories[d.path] = new HdfsDirectory(
                    `hdfs-dir-${slug(d.path)}`,
                    { webhdfsUrl: args.webhdfsUrl, user: args.hdfsAdminUser, ...d },
                    { parent: this, dependsOn: platform },
                );
            }
        }
        const after = (...topics: string[]) => [
            ...platform,
            ...Object.values(this.directories),
            ...topics.flatMap((t) => (this.topics[t] ? [this.topics[t]] : [])),
        ];
        const connectUrl = args.connectUrl;
        if (connectUrl !== undefined && args.hdfsRpcUrl !== undefined) {
            // Seed 003: unstructured text (from Flume) lands under /unorganized.
            this.connectors["hdfs-sink-unorganized"] = new KafkaConnector(
                "hdfs-sink-unorganized",
                {
                    connectUrl,
                    config: {
                        "connector.class": "io.confluent.connect.hdfs.HdfsSinkConnector",
                        "tasks.max": "1",
                        topics: "UNORGANIZED",
                        "hdfs.url": args.hdfsRpcUrl,
                        "topics.dir": "/unorganized",
                        "flush.size": "1",
                        "rotate.interval.ms": "10000",
                        "format.class": "io.confluent.connect.hdfs.string.StringFormat",
                        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
                        ...args.sinkConfig,
                    },
                },
                { parent: this, dependsOn: after("UNORGANIZED") },
            );
            if (args.ksqlUrl !== undefined && args.sensors.length > 0) {
                this.sensorRouting = new SensorRouting(
                    "sensor-routing",
                    {
                        ksqlUrl: args.ksqlUrl,
                        connectUrl,
                        hdfsUrl: args.hdfsRpcUrl,
                        sensorIds: args.sensors,
                        sourceTopic: this.topics.INGESTION?.name ?? "INGESTION",
                        sinkConfig: args.sinkConfig,
                    },
                    { parent: this, dependsOn: after("INGESTION") },
                );
            }
        }
        if (connectUrl !== undefined) {
            for (const c of args.connectors) {
                this.connectors[c.name] = new KafkaConnector(
                    `connector-${c.name}`,
                    { connectUrl, name: c.name, config: c.config, state: c.state },
                    { parent: this, dependsOn: after(...Object.keys(this.topics)) },
                );
            }
        }
        this.registerOutputs({
            topics: Object.keys(this.topics),
            directories: Object.keys(this.directories),
            connectors: Object.keys(this.connectors),
        });
    }
}
