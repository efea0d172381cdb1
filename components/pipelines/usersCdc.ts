/**
 * Seed 004: the production `USERS` table in Postgres streamed to Kafka `P_USERS`, then into a
 * second database (Postgres standing in for the seed's MySQL) by a JDBC sink and into the data
 * lake by the S3 sink.
 *
 * Two modes: `debezium` reads the write-ahead log (logical decoding, `pgoutput`), so inserts,
 * updates and deletes all arrive, and Debezium's JDBC sink applies them (upsert by key, delete on
 * tombstone). `jdbc` is the seed's Confluent JDBC source polling `index > last seen`: new rows
 * only, never an update or a delete. Passwords reach Connect only as a config-provider
 * placeholder (`${env:POSTGRES_PASSWORD}`), which Connect stores unresolved.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Endpoints, PostgresEndpoint } from "../endpoints";
import { Pipeline, type PipelineArgs } from "./pipeline";
import type { PipelinePlan } from "./plan";
import type { PipelinesSettings } from "./settings";
import { jdbcSinkConfig, s3SinkConfig } from "./sinks";

/** The source table (created by the Postgres init SQL). */
export const USERS_TABLE = "USERS";
/** Its primary key, the seed's incrementing column. */
export const USERS_KEY = "index";
/** Topic the source writes (the seed's `topic.prefix` `P_` + table). */
export const USERS_CDC_TOPIC = "P_USERS";
/** Connector names. */
export const USERS_CDC_CONNECTORS = {
    source: "users-cdc-source",
    jdbcSink: "users-cdc-jdbc-sink",
    s3Sink: "users-cdc-s3-sink",
} as const;
/** Replication slot and publication of the Debezium source. */
export const USERS_CDC_SLOT = "users_cdc";
/** Key prefix of the objects in the data-lake bucket. */
export const USERS_CDC_S3_PREFIX = "users-cdc";

/** Settings of {@link UsersCdc}: `pipelines.usersCdc`. */
export type UsersCdcSettings = PipelinesSettings["usersCdc"];

/** Everything the connector configs depend on. */
export interface UsersCdcConnectorArgs {
    readonly mode: UsersCdcSettings["mode"];
    /** Postgres as Connect sees it; the sink database lives on the same server. */
    readonly postgres: PostgresEndpoint;
    readonly sinkDatabase: string;
    /** Config-provider placeholder the worker resolves to the password. */
    readonly passwordRef: string;
    /** Drain into this data lake too; unset = no S3 sink. */
    readonly dataLake?: NonNullable<Endpoints["cluster"]["dataLake"]>;
    /** Debezium's replication slot/publication. Defaults to {@link USERS_CDC_SLOT}. */
    readonly slotName?: string;
    /** S3 sink sizing. Defaults to 1,000 records or 10 minutes. */
    readonly s3FlushSize?: number;
    readonly s3RotateIntervalMs?: number;
}

/** One connector's name and config. */
export interface ConnectorSpec {
    readonly name: string;
    readonly config: Record<string, pulumi.Input<string>>;
}

// A plain string for a plain host, so the services tests use the same builder without an engine.
const jdbcUrl = (pg: PostgresEndpoint, database: string): pulumi.Input<string> =>
    typeof pg.host === "string"
        ? `jdbc:postgresql://${pg.host}:${pg.port}/${database}`
        : (pg.host as pulumi.Output<string>).apply(
              (h) => `jdbc:postgresql://${h}:${pg.port}/${database}`,
          );

// Typed records on both sides: the sinks need the schema to create and write the table.
const typedJson = {
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "key.converter.schemas.enable": "true",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "true",
};

/** The source connector's config for `args.mode`. */
export function usersCdcSourceConfig(
    args: UsersCdcConnectorArgs,
): Record<string, pulumi.Input<string>> {
    const pg = args.postgres;
    if (args.mode === "jdbc") {
        return {
            "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
            "tasks.max": "1",
            "connection.url": jdbcUrl(pg, pg.database),
            "connection.user": pg.username,
            "connection.password": args.passwordRef,
            mode: "incrementing",
            "incrementing.column.name": USERS_KEY,
            "table.whitelist": USERS_TABLE,
            "topic.prefix": "P_",
            "poll.interval.ms": "1000",
            "validate.non.null": "false",
            ...typedJson,
        };
    }
    const slot = args.slotName ?? USERS_CDC_SLOT;
    const prefix = "users-cdc";
    return {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "tasks.max": "1",
        "database.hostname": pg.host,
        "database.port": String(pg.port),
        "database.user": pg.username,
        "database.password": args.passwordRef,
        "database.dbname": pg.database,
        "topic.prefix": prefix,
        // pgoutput is built into Postgres 10+: no server plugin to install.
        "plugin.name": "pgoutput",
        "slot.name": slot,
        "publication.name": slot,
        "publication.autocreate.mode": "filtered",
        "table.include.list": `public.${USERS_TABLE}`,
        "snapshot.mode": "initial",
        // Debezium names topics <prefix>.<schema>.<table>; the seed's consumers read P_USERS.
        transforms: "route",
        "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
        "transforms.route.regex": `${prefix}\\.public\\.${USERS_TABLE}`,
        "transforms.route.replacement": USERS_CDC_TOPIC,
        ...typedJson,
    };
}

/** Every connector of seed 004 for `args`: source, JDBC sink and (with a data lake) S3 sink. */
export function usersCdcConnectors(args: UsersCdcConnectorArgs): ConnectorSpec[] {
    const debezium = args.mode === "debezium";
    const specs: ConnectorSpec[] = [
        { name: USERS_CDC_CONNECTORS.source, config: usersCdcSourceConfig(args) },
        {
            name: USERS_CDC_CONNECTORS.jdbcSink,
            config: {
                ...jdbcSinkConfig({
                    flavour: debezium ? "debezium" : "confluent",
                    topics: USERS_CDC_TOPIC,
                    target: {
                        url: jdbcUrl(args.postgres, args.sinkDatabase),
                        username: args.postgres.username,
                        passwordRef: args.passwordRef,
                    },
                    table: USERS_TABLE,
                    primaryKey: USERS_KEY,
                }),
            },
        },
    ];
    if (args.dataLake !== undefined) {
        specs.push({
            name: USERS_CDC_CONNECTORS.s3Sink,
            config: s3SinkConfig({
                topics: USERS_CDC_TOPIC,
                bucket: args.dataLake.bucket,
                region: args.dataLake.region,
                storeUrl: args.dataLake.storeUrl,
                topicsDir: USERS_CDC_S3_PREFIX,
                flushSize: args.s3FlushSize ?? 1_000,
                rotateScheduleIntervalMs: args.s3RotateIntervalMs ?? 600_000,
                schemas: true,
                // Debezium's change envelope → the row as it is now, deletes marked `__deleted`.
                transforms: debezium
                    ? {
                          transforms: "unwrap",
                          "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
                          "transforms.unwrap.delete.tombstone.handling.mode": "rewrite",
                          "transforms.unwrap.add.fields": "op,source.ts_ms",
                      }
                    : undefined,
            }),
        });
    }
    return specs;
}

const KEY = "pipelines.usersCdc";

/** The names seed 004 declares (the S3 sink only when it would be declared). */
export function usersCdcPlan(
    settings: UsersCdcSettings,
    e: Pick<Endpoints, "cluster">,
): PipelinePlan {
    const names: string[] = [USERS_CDC_CONNECTORS.source, USERS_CDC_CONNECTORS.jdbcSink];
    if (settings.s3 && e.cluster.dataLake !== undefined) names.push(USERS_CDC_CONNECTORS.s3Sink);
    const source = e.cluster.postgres?.database;
    return {
        topics: [{ name: USERS_CDC_TOPIC, key: KEY, builtIn: true }],
        directories: [],
        connectors: names.map((name) => ({ name, key: KEY, builtIn: true })),
        // The sink would upsert into the very table the source reads, forever.
        problems:
            settings.sinkDatabase === source
                ? [
                      `${KEY}.sinkDatabase: "${source}" is the source database, so the JDBC sink would write into the USERS table it reads. ` +
                          `Fix: pulumi config set --path '${KEY}.sinkDatabase' users_sink`,
                  ]
                : [],
    };
}

/** Arguments for {@link UsersCdc}. */
export interface UsersCdcArgs extends PipelineArgs {
    readonly settings: UsersCdcSettings;
}

/** Seed 004 as a component: `P_USERS` and the source and sink connectors around it. */
export class UsersCdc extends Pipeline {
    constructor(name: string, args: UsersCdcArgs, opts?: pulumi.ComponentResourceOptions) {
        super("UsersCdc", name, args, opts);
        const e = args.endpoints;
        const s = args.settings;
        this.topic({ name: USERS_CDC_TOPIC, partitions: 3, config: {} });
        if (e.cluster.postgres !== undefined) {
            const specs = usersCdcConnectors({
                mode: s.mode,
                postgres: e.cluster.postgres,
                sinkDatabase: s.sinkDatabase,
                passwordRef: s.passwordRef,
                dataLake: s.s3 ? e.cluster.dataLake : undefined,
            });
            const pgResource = e.workloads?.postgres?.resource;
            for (const spec of specs) {
                this.connector(spec.name, spec, pgResource ? [pgResource] : []);
            }
        }
        this.done();
    }
}
