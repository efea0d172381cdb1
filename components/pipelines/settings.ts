/**
 * The `pipelines` config key: which seed pipelines a stack switches on, and what it adds to them.
 * Lists add to what the pipelines declare themselves (they never replace a pipeline's own topics,
 * directories or connectors), so adding one topic cannot delete another pipeline's.
 */
import { z } from "zod";

/**
 * A string that `pulumi config set --path` may have stored as a number or boolean (it types every
 * value that parses as one): accepted as its string form.
 */
export const text = <T extends z.ZodType<string>>(schema: T) =>
    z.preprocess((v) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v), schema);

/** A map of strings (topic, connector and sink config); numbers and booleans as their string form. */
export const stringMap = z.record(z.string(), text(z.string()));

/** A Kafka topic a stack adds to the pipelines' own. */
export const topicSchema = z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, "must be a valid Kafka topic name"),
    partitions: z.number().int().min(1).default(3),
    /** Defaults to the stack's replication factor. */
    replicationFactor: z.number().int().min(1).optional(),
    config: stringMap.default({}),
});

/** An HDFS directory a stack adds to the pipelines' own. */
export const directorySchema = z.strictObject({
    path: z.string().regex(/^\/[^\s]*$/, "must be an absolute HDFS path such as /landing"),
    permission: text(
        z.string().regex(/^[0-1]?[0-7]{3}$/, "must be an octal permission such as 755"),
    ).default("755"),
    owner: z.string().min(1).optional(),
    group: z.string().min(1).optional(),
});

/** A further connector declared as a resource. */
export const connectorSchema = z.strictObject({
    name: z
        .string()
        .regex(/^[A-Za-z0-9._-]+$/, "must be a connector name of letters, digits, '.', '_' or '-'"),
    config: stringMap,
    state: z.enum(["RUNNING", "PAUSED", "STOPPED"]).default("RUNNING"),
});

const enabled = (on: boolean) => z.strictObject({ enabled: z.boolean().default(on) }).prefault({});

/** Schema of the `pipelines` key. */
export const pipelinesSchema = z
    .strictObject({
        /** Declare any pipeline at all (topics, directories, connectors, streams) from this machine. */
        enabled: z.boolean().default(true),
        /** Seed 002: `Cars` topic → Flume → HDFS `/Cars`. */
        carsToHdfs: enabled(true),
        /** Seed 003: sensor routing, unorganized text, telemetry import. */
        powerGrid: z
            .strictObject({
                enabled: z.boolean().default(true),
                /** Sensor ids routed by ksqlDB into per-sensor HDFS folders. */
                sensors: z
                    .array(
                        text(
                            z
                                .string()
                                .regex(
                                    /^[A-Za-z0-9_]+$/,
                                    "may contain letters, digits and underscores only",
                                ),
                        ),
                    )
                    .default(["1", "2", "3", "4", "5", "6"]),
            })
            .prefault({}),
        /**
         * Seed 000: `transactions` → HDFS `/sales` (JSON). Defaults write few large files: 50,000
         * records or 15 minutes (wall clock) per file, whichever comes first. The seed's 10 records /
         * 60 s (flushSize 10, rotateIntervalMs 60000) suits a demo that wants files within a minute.
         */
        salesToHdfs: z
            .strictObject({
                enabled: z.boolean().default(false),
                partitions: z.number().int().min(1).default(3),
                flushSize: z.number().int().min(1).default(50_000),
                rotateIntervalMs: z.number().int().min(1_000).default(900_000),
            })
            .prefault({}),
        /**
         * Seed 001: `created_users` → S3 sink into the data-lake bucket, gzip JSON partitioned by
         * hour (replaces the seed's Spark job). Replication 3 where the cluster has 3 brokers.
         */
        usersToS3: z
            .strictObject({
                enabled: z.boolean().default(false),
                partitions: z.number().int().min(1).default(3),
                flushSize: z.number().int().min(1).default(10_000),
                rotateIntervalMs: z.number().int().min(1_000).default(600_000),
            })
            .prefault({}),
        /**
         * Seed 004: Postgres `USERS` → `P_USERS` → a JDBC sink into a second database and the S3
         * sink. `debezium` captures inserts, updates and deletes (needs `wal_level=logical`);
         * `jdbc` is the seed's incrementing JDBC source (inserts only).
         */
        usersCdc: z
            .strictObject({
                enabled: z.boolean().default(false),
                mode: z.enum(["debezium", "jdbc"]).default("debezium"),
                /** Database the JDBC sink writes (the seed's MySQL). */
                sinkDatabase: z
                    .string()
                    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case Postgres identifier")
                    .default("users_sink"),
                /** Also drain `P_USERS` into the data lake (when the stack has one). */
                s3: z.boolean().default(true),
                /** The DB password as the Connect workers resolve it (a config-provider placeholder). */
                passwordRef: z
                    .string()
                    .regex(
                        /^\$\{[a-z]+:[^}]+\}$/,
                        "must be a placeholder such as ${env:POSTGRES_PASSWORD}",
                    )
                    .default("${env:POSTGRES_PASSWORD}"),
            })
            .prefault({}),
        /** Further topics, added to the pipelines' own (brokers do not auto-create). */
        topics: z.array(topicSchema).default([]),
        /** Further HDFS directories, added to the pipelines' own. */
        directories: z.array(directorySchema).default([]),
        /** Further connectors declared as resources. */
        connectors: z.array(connectorSchema).default([]),
        /** Leave topics (and their data) in Kafka when their resources are deleted. */
        retainTopicsOnDelete: z.boolean().default(false),
        /**
         * Delete HDFS directories with the data in them on destroy/replace. Off: a non-empty
         * directory makes the delete fail with an error naming this key (prod keeps data).
         */
        deleteDataOnDestroy: z.boolean().default(false),
        /** Keys merged last into every HDFS sink connector's config (flush size, converters...). */
        sinkConfig: stringMap.default({}),
    })
    .prefault({});

/** Parsed `pipelines` config. */
export type PipelinesSettings = z.infer<typeof pipelinesSchema>;
/** A topic entry. */
export type TopicSettings = z.infer<typeof topicSchema>;
/** A directory entry. */
export type DirectorySettings = z.infer<typeof directorySchema>;
/** A connector entry. */
export type ConnectorSettings = z.infer<typeof connectorSchema>;
