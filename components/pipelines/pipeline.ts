/**
 * The shape every pipeline shares: a component that owns its topics, HDFS directories and
 * connectors, each declared only when the endpoint it needs is known (a stack may bring its own
 * services or switch parts off).
 */
import * as pulumi from "@pulumi/pulumi";
import { HdfsDirectory } from "../../connectors/hdfsDirectory/resource";
import { KafkaConnector } from "../../connectors/kafkaConnector/resource";
import { KafkaTopic } from "../../connectors/kafkaTopic/resource";
import type { Endpoints } from "../endpoints";
import type { ConnectorSettings, DirectorySettings, TopicSettings } from "./settings";

/** Options every pipeline takes besides its own. */
export interface PipelineArgs {
    readonly endpoints: Endpoints;
    /** Leave topics and their data in Kafka when their resources are deleted. Defaults to false. */
    readonly retainTopicsOnDelete?: boolean;
    /** Delete HDFS directories with their contents on destroy. Defaults to false (refused). */
    readonly deleteDataOnDestroy?: boolean;
    /** Keys merged last into every HDFS sink's config. Defaults to none. */
    readonly sinkConfig?: Record<string, string>;
}

/** How a stack lets destroy delete HDFS data: named when a non-empty directory's delete is refused. */
export const DELETE_DATA_HINT =
    "run `pulumi config set --path pipelines.deleteDataOnDestroy true` and `pulumi up` first";

/** Resource-name fragment of a topic name or path: `/grid-wattage` → `grid-wattage`. */
export const slug = (s: string) =>
    s
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "");

/** A pipeline component: its topics, directories and connectors, keyed by name or path. */
export abstract class Pipeline extends pulumi.ComponentResource {
    /** Topic resources by topic name. */
    public readonly topics: Record<string, KafkaTopic> = {};
    /** HDFS directory resources by path. */
    public readonly directories: Record<string, HdfsDirectory> = {};
    /** Connector resources by connector name. */
    public readonly connectors: Record<string, KafkaConnector> = {};

    protected constructor(
        type: string,
        name: string,
        protected readonly base: PipelineArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super(`ingest:components:${type}`, name, {}, opts);
    }

    /** Declares a topic when Kafka is reachable from this machine. */
    protected topic(t: TopicSettings): KafkaTopic | undefined {
        const e = this.base.endpoints;
        if (e.host.kafka === undefined) return undefined;
        const topic = new KafkaTopic(
            `topic-${slug(t.name)}`,
            {
                bootstrapServers: e.host.kafka,
                name: t.name,
                partitions: t.partitions,
                replicationFactor: t.replicationFactor ?? e.replicationFactor,
                config: t.config,
                retainOnDelete: this.base.retainTopicsOnDelete ?? false,
                sasl: e.host.kafkaSasl && { mechanism: "plain", ...e.host.kafkaSasl },
                ssl: e.host.kafkaCa !== undefined,
                ca: e.host.kafkaCa,
                endpointHint: e.host.hints?.kafka,
            },
            { parent: this, dependsOn: e.dependsOn },
        );
        this.topics[t.name] = topic;
        return topic;
    }

    /** Declares an HDFS directory when WebHDFS is reachable from this machine. */
    protected directory(d: DirectorySettings): HdfsDirectory | undefined {
        const e = this.base.endpoints;
        if (e.host.webhdfs === undefined) return undefined;
        const dir = new HdfsDirectory(
            `hdfs-dir-${slug(d.path)}`,
            {
                webhdfsUrl: e.host.webhdfs,
                user: e.hdfsAdminUser,
                deleteContents: this.base.deleteDataOnDestroy ?? false,
                deleteContentsHint: DELETE_DATA_HINT,
                endpointHint: e.host.hints?.webhdfs,
                ...d,
            },
            { parent: this, dependsOn: e.dependsOn },
        );
        this.directories[d.path] = dir;
        return dir;
    }

    /** Declares a connector when Connect is reachable; it waits for this pipeline's topics and directories. */
    protected connector(
        resourceName: string,
        c: Omit<ConnectorSettings, "config" | "state"> & {
            readonly config: Record<string, pulumi.Input<string>>;
            readonly state?: ConnectorSettings["state"];
            /** Kept secret: sent to the worker only, compared by hash, never in state in plaintext. */
            readonly sensitiveConfig?: pulumi.Input<Record<string, pulumi.Input<string>>>;
        },
        after: pulumi.Resource[] = [],
    ): KafkaConnector | undefined {
        const connectUrl = this.base.endpoints.host.connect;
        if (connectUrl === undefined) return undefined;
        const connector = new KafkaConnector(
            resourceName,
            {
                connectUrl,
                name: c.name,
                config: c.config,
                sensitiveConfig: c.sensitiveConfig,
                state: c.state,
                endpointHint: this.base.endpoints.host.hints?.connect,
                basicAuth: this.base.endpoints.host.connectAuth,
            },
            { parent: this, dependsOn: [...this.prerequisites(), ...after] },
        );
        this.connectors[c.name] = connector;
        return connector;
    }

    /** Everything a consumer of this pipeline's data waits for (and is deleted before). */
    protected prerequisites(): pulumi.Resource[] {
        return [
            ...this.base.endpoints.dependsOn,
            ...Object.values(this.directories),
            ...Object.values(this.topics),
        ];
    }

    /** Registers the names of what this pipeline owns as its outputs. */
    protected done(): void {
        this.registerOutputs({
            topics: Object.keys(this.topics),
            directories: Object.keys(this.directories),
            connectors: Object.keys(this.connectors),
        });
    }
}
