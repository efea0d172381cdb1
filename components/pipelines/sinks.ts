/**
 * Shared connector config builders for the pipelines' sinks. Each returns the connector's whole
 * config; callers spread user overrides (`pipelines.sinkConfig`) last.
 */
import type * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link hdfsSinkConfig}. */
export interface HdfsSinkArgs {
    /** Topic(s) to drain, comma-separated. */
    readonly topics: pulumi.Input<string>;
    /** `hdfs.url` as Connect sees it, e.g. `hdfs://hdfs-namenode.ingest.svc.cluster.local:9000`. */
    readonly hdfsUrl: pulumi.Input<string>;
    /** Directory the files land under (`topics.dir`); it must be declared and owned by `connect`. */
    readonly topicsDir: string;
    /** `json` (JsonConverter, schemaless) or `string` (text lines). */
    readonly format: "json" | "string";
    /** Records per file (`flush.size`). */
    readonly flushSize: number;
    /** Close a file after this long even when not full (`rotate.interval.ms`); unset = size only. */
    readonly rotateIntervalMs?: number;
}

/**
 * The HDFS sink's write-ahead logs go to `logs.dir` (default `/logs` at the HDFS root, which the
 * `connect` user cannot create): keep them beside the data, inside the directory the sink owns.
 */
export function hdfsSinkLogsDir(topicsDir: string): string {
    return `${topicsDir}/+logs`;
}

/** Config of a Confluent HDFS sink writing `args.topics` under `args.topicsDir`. */
export function hdfsSinkConfig(args: HdfsSinkArgs): Record<string, pulumi.Input<string>> {
    const json = args.format === "json";
    return {
        "connector.class": "io.confluent.connect.hdfs.HdfsSinkConnector",
        "tasks.max": "1",
        topics: args.topics,
        "hdfs.url": args.hdfsUrl,
        "topics.dir": args.topicsDir,
        "logs.dir": hdfsSinkLogsDir(args.topicsDir),
        "flush.size": String(args.flushSize),
        ...(args.rotateIntervalMs === undefined
            ? {}
            : { "rotate.interval.ms": String(args.rotateIntervalMs) }),
        "format.class": json
            ? "io.confluent.connect.hdfs.json.JsonFormat"
            : "io.confluent.connect.hdfs.string.StringFormat",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": json
            ? "org.apache.kafka.connect.json.JsonConverter"
            : "org.apache.kafka.connect.storage.StringConverter",
        ...(json ? { "value.converter.schemas.enable": "false" } : {}),
    };
}
