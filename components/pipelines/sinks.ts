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
    /**
     * Close every open file on this wall-clock schedule (`rotate.schedule.interval.ms`, UTC),
     * even when no further record arrives; `rotate.interval.ms` only rotates on the next record.
     */
    readonly rotateScheduleIntervalMs?: number;
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
        ...(args.rotateScheduleIntervalMs === undefined
            ? {}
            : {
                  "rotate.schedule.interval.ms": String(args.rotateScheduleIntervalMs),
                  // The schedule needs a time zone; UTC like the seed.
                  timezone: "UTC",
              }),
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

/** Arguments of {@link s3SinkConfig}. */
export interface S3SinkArgs {
    /** Topic(s) to drain, comma-separated. */
    readonly topics: pulumi.Input<string>;
    readonly bucket: pulumi.Input<string>;
    readonly region: string;
    /** S3-compatible endpoint as Connect sees it (LocalStack, MinIO); unset = AWS. */
    readonly storeUrl?: string;
    /** Key prefix the objects land under (`topics.dir`), e.g. `users`. */
    readonly topicsDir: string;
    /** Records per object (`flush.size`). */
    readonly flushSize: number;
    /** Close every open object on this wall-clock schedule (`rotate.schedule.interval.ms`). */
    readonly rotateScheduleIntervalMs: number;
    /** Records carry the JsonConverter `{schema, payload}` envelope (Debezium, the JDBC source). */
    readonly schemas?: boolean;
    /** Connector transforms (`transforms` and `transforms.*`), e.g. Debezium's unwrap. */
    readonly transforms?: Record<string, string>;
}

/** Hourly folders in UTC: `<topicsDir>/<topic>/year=YYYY/month=MM/day=dd/hour=HH/`. */
export const S3_PATH_FORMAT = "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH";

/**
 * Config of a Confluent S3 sink writing gzip-compressed JSON lines, time-partitioned by hour of
 * the record timestamp. JSON rather than Parquet: Parquet needs every record to carry a Connect
 * schema (Schema Registry or the JsonConverter envelope), and the seed producers write plain
 * JSON with no registry in the platform. Credentials come from the worker's environment
 * (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` from the data lake's Secret), never from here.
 */
export function s3SinkConfig(args: S3SinkArgs): Record<string, pulumi.Input<string>> {
    return {
        "connector.class": "io.confluent.connect.s3.S3SinkConnector",
        "tasks.max": "1",
        topics: args.topics,
        "storage.class": "io.confluent.connect.s3.storage.S3Storage",
        "s3.bucket.name": args.bucket,
        "s3.region": args.region,
        ...(args.storeUrl === undefined
            ? {}
            : { "store.url": args.storeUrl, "s3.path.style.access.enabled": "true" }),
        "topics.dir": args.topicsDir,
        "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
        "s3.compression.type": "gzip",
        "flush.size": String(args.flushSize),
        "rotate.schedule.interval.ms": String(args.rotateScheduleIntervalMs),
        "partitioner.class": "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
        "path.format": S3_PATH_FORMAT,
        "partition.duration.ms": "3600000",
        "timestamp.extractor": "Record",
        locale: "en-US",
        timezone: "UTC",
        // Deletes arrive as tombstones, which a file format cannot hold.
        "behavior.on.null.values": "ignore",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": String(args.schemas ?? false),
        ...args.transforms,
    };
}

/** A JDBC database as Connect sees it; the password only as a config-provider placeholder. */
export interface JdbcTarget {
    /** `jdbc:postgresql://host:port/database`. */
    readonly url: pulumi.Input<string>;
    readonly username: string;
    /** e.g. `${env:POSTGRES_PASSWORD}`: resolved by the worker, stored unresolved by Connect. */
    readonly passwordRef: string;
}

/** Arguments of {@link jdbcSinkConfig}. */
export interface JdbcSinkArgs {
    /** `debezium`: Debezium's JDBC sink, which applies change events (updates, deletes). `confluent`: the seed's Confluent JDBC sink (upserts by a value column). */
    readonly flavour: "debezium" | "confluent";
    readonly topics: pulumi.Input<string>;
    readonly target: JdbcTarget;
    /** Table written (created when absent). */
    readonly table: string;
    /** Primary key column; the Confluent flavour reads it from the record value. */
    readonly primaryKey: string;
}

/** Config of a JDBC sink upserting `args.topics` into `args.table` (created when absent). */
export function jdbcSinkConfig(args: JdbcSinkArgs): Record<string, pulumi.Input<string>> {
    // Both flavours need typed records: the JsonConverter envelope on key and value.
    const converters = {
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable": "true",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "true",
    };
    if (args.flavour === "debezium") {
        return {
            "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
            "tasks.max": "1",
            topics: args.topics,
            "connection.url": args.target.url,
            "connection.username": args.target.username,
            "connection.password": args.target.passwordRef,
            "insert.mode": "upsert",
            "delete.enabled": "true",
            "primary.key.mode": "record_key",
            "primary.key.fields": args.primaryKey,
            "schema.evolution": "basic",
            "collection.name.format": args.table,
            // Keep the table's and columns' case (`USERS`, `index`) as the source has it.
            "quote.identifiers": "true",
            ...converters,
        };
    }
    return {
        "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
        "tasks.max": "1",
        topics: args.topics,
        "connection.url": args.target.url,
        "connection.user": args.target.username,
        "connection.password": args.target.passwordRef,
        "insert.mode": "upsert",
        "pk.mode": "record_value",
        "pk.fields": args.primaryKey,
        "auto.create": "true",
        "auto.evolve": "true",
        "table.name.format": args.table,
        ...converters,
    };
}
