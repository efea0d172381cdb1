import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { recorded, resolve, settle, setupMocks, type RecordedResource } from "../../helpers/mocks";

setupMocks();

const CONNECTOR = "pulumi-nodejs:dynamic/ingest:KafkaConnector";

const endpoints = {
    host: {
        kafka: "127.0.0.1:9092",
        connect: "http://connect:8083",
        webhdfs: "http://nn:9870/webhdfs/v1",
    },
    cluster: {
        hdfsRpc: "hdfs://nn:9000",
        dataLake: { bucket: "lake", region: "eu-west-1", storeUrl: "http://localstack:4566" },
        postgres: { host: "pg.ingest.svc", port: 5432, database: "telemetry", username: "ingest" },
    },
    replicationFactor: 1,
    brokers: 1,
    hdfsAdminUser: "hadoop",
    dependsOn: [],
};

/** Declares only `raw`'s pipelines and returns `type name` of every registration. */
async function declare(
    raw: Record<string, unknown>,
    e: typeof endpoints = endpoints,
): Promise<RecordedResource[]> {
    setupMocks();
    const { declarePipelines, pipelinesSchema, allPipelines } =
        await import("../../../components/pipelines");
    const settings = pipelinesSchema.parse({
        carsToHdfs: { enabled: false },
        powerGrid: { enabled: false },
        ...raw,
    });
    const declared = allPipelines(declarePipelines(settings, e));
    await Promise.all(declared.map((p) => resolve(p.urn)));
    await settle();
    return [...recorded];
}

const names = (rs: RecordedResource[]) => rs.map((r) => `${r.type} ${r.name}`);
const config = (rs: RecordedResource[], name: string) =>
    rs.find((r) => r.type === CONNECTOR && r.name === name)!.inputs.config as Record<
        string,
        string
    >;

describe("seed 000: SalesToHdfs", () => {
    it("declares the topic, /sales owned by connect and the HDFS sink, with large files by default", async () => {
        const rs = await declare({ salesToHdfs: { enabled: true } });
        // The set, not the order: under mocks the order of registration follows how fast each
        // resource's inputs resolve, which no engine relies on (dependsOn orders the real steps).
        assert.deepEqual(names(rs).sort(), [
            "ingest:components:SalesToHdfs sales-to-hdfs",
            "pulumi-nodejs:dynamic/ingest:HdfsDirectory hdfs-dir-sales",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector hdfs-sink-sales",
            "pulumi-nodejs:dynamic/ingest:KafkaTopic topic-transactions",
        ]);
        const dir = rs.find((r) => r.name === "hdfs-dir-sales")!.inputs;
        assert.deepEqual([dir.path, dir.owner, dir.permission], ["/sales", "connect", "755"]);
        assert.deepEqual(config(rs, "hdfs-sink-sales"), {
            "connector.class": "io.confluent.connect.hdfs.HdfsSinkConnector",
            "tasks.max": "1",
            topics: "transactions",
            "hdfs.url": "hdfs://nn:9000",
            "topics.dir": "/sales",
            "logs.dir": "/sales/+logs",
            "flush.size": "50000",
            "rotate.schedule.interval.ms": "900000",
            timezone: "UTC",
            "format.class": "io.confluent.connect.hdfs.json.JsonFormat",
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter.schemas.enable": "false",
        });
    });

    it("takes the seed's 10 records / 60 s when asked, and pipelines.sinkConfig last", async () => {
        const rs = await declare({
            salesToHdfs: { enabled: true, flushSize: 10, rotateIntervalMs: 60_000 },
            sinkConfig: { "tasks.max": "2" },
        });
        const c = config(rs, "hdfs-sink-sales");
        assert.deepEqual(
            [c["flush.size"], c["rotate.schedule.interval.ms"], c["tasks.max"]],
            ["10", "60000", "2"],
        );
    });

    it("declares no sink when the stack has no HDFS", async () => {
        const rs = await declare(
            { salesToHdfs: { enabled: true } },
            { ...endpoints, cluster: { ...endpoints.cluster, hdfsRpc: undefined as never } },
        );
        assert.equal(rs.filter((r) => r.type === CONNECTOR).length, 0);
    });
});

describe("seed 001: UsersToS3", () => {
    it("declares created_users and an hourly gzip-JSON S3 sink against the store Connect reaches", async () => {
        const rs = await declare({ usersToS3: { enabled: true } });
        assert.deepEqual(names(rs), [
            "ingest:components:UsersToS3 users-to-s3",
            "pulumi-nodejs:dynamic/ingest:KafkaTopic topic-created-users",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector s3-sink-users",
        ]);
        assert.deepEqual(config(rs, "s3-sink-users"), {
            "connector.class": "io.confluent.connect.s3.S3SinkConnector",
            "tasks.max": "1",
            topics: "created_users",
            "storage.class": "io.confluent.connect.s3.storage.S3Storage",
            "s3.bucket.name": "lake",
            "s3.region": "eu-west-1",
            "store.url": "http://localstack:4566",
            "s3.path.style.access.enabled": "true",
            "topics.dir": "users",
            "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
            "s3.compression.type": "gzip",
            "flush.size": "10000",
            "rotate.schedule.interval.ms": "600000",
            "partitioner.class": "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
            "path.format": "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH",
            "partition.duration.ms": "3600000",
            "timestamp.extractor": "Record",
            locale: "en-US",
            timezone: "UTC",
            "behavior.on.null.values": "ignore",
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter.schemas.enable": "false",
        });
    });

    it("replicates created_users 3 times on three brokers, once on one", async () => {
        const rf = async (brokers: number) =>
            (await declare({ usersToS3: { enabled: true } }, { ...endpoints, brokers })).find(
                (r) => r.name === "topic-created-users",
            )!.inputs.replicationFactor;
        assert.deepEqual([await rf(1), await rf(3)], [1, 3]);
    });

    it("declares only the topic when the stack has no data lake", async () => {
        const rs = await declare(
            { usersToS3: { enabled: true } },
            { ...endpoints, cluster: { ...endpoints.cluster, dataLake: undefined as never } },
        );
        assert.deepEqual(names(rs), [
            "ingest:components:UsersToS3 users-to-s3",
            "pulumi-nodejs:dynamic/ingest:KafkaTopic topic-created-users",
        ]);
    });
});

describe("seed 004: UsersCdc", () => {
    it("declares P_USERS, the Debezium source, the Debezium JDBC sink and the unwrapping S3 sink", async () => {
        const rs = await declare({ usersCdc: { enabled: true } });
        assert.deepEqual(names(rs).sort(), [
            "ingest:components:UsersCdc users-cdc",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector users-cdc-jdbc-sink",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector users-cdc-s3-sink",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector users-cdc-source",
            "pulumi-nodejs:dynamic/ingest:KafkaTopic topic-p-users",
        ]);
        const typed = {
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "key.converter.schemas.enable": "true",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter.schemas.enable": "true",
        };
        assert.deepEqual(config(rs, "users-cdc-source"), {
            "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "tasks.max": "1",
            "database.hostname": "pg.ingest.svc",
            "database.port": "5432",
            "database.user": "ingest",
            "database.password": "${env:POSTGRES_PASSWORD}",
            "database.dbname": "telemetry",
            "topic.prefix": "users-cdc",
            "plugin.name": "pgoutput",
            "slot.name": "users_cdc",
            "publication.name": "users_cdc",
            "publication.autocreate.mode": "filtered",
            "table.include.list": "public.USERS",
            "snapshot.mode": "initial",
            transforms: "route",
            "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
            "transforms.route.regex": "users-cdc\\.public\\.USERS",
            "transforms.route.replacement": "P_USERS",
            ...typed,
        });
        assert.deepEqual(config(rs, "users-cdc-jdbc-sink"), {
            "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
            "tasks.max": "1",
            topics: "P_USERS",
            "connection.url": "jdbc:postgresql://pg.ingest.svc:5432/users_sink",
            "connection.username": "ingest",
            "connection.password": "${env:POSTGRES_PASSWORD}",
            "insert.mode": "upsert",
            "delete.enabled": "true",
            "primary.key.mode": "record_key",
            "primary.key.fields": "index",
            "schema.evolution": "basic",
            "collection.name.format": "USERS",
            "quote.identifiers": "true",
            ...typed,
        });
        const s3 = config(rs, "users-cdc-s3-sink");
        assert.deepEqual(
            [
                s3.topics,
                s3["topics.dir"],
                s3["value.converter.schemas.enable"],
                s3.transforms,
                s3["transforms.unwrap.type"],
                s3["transforms.unwrap.delete.tombstone.handling.mode"],
            ],
            [
                "P_USERS",
                "users-cdc",
                "true",
                "unwrap",
                "io.debezium.transforms.ExtractNewRecordState",
                "rewrite",
            ],
        );
    });

    it("runs the seed's incrementing JDBC source and Confluent JDBC sink in jdbc mode", async () => {
        const rs = await declare({ usersCdc: { enabled: true, mode: "jdbc", s3: false } });
        assert.deepEqual(
            rs
                .filter((r) => r.type === CONNECTOR)
                .map((r) => r.name)
                .sort(),
            ["users-cdc-jdbc-sink", "users-cdc-source"],
        );
        const src = config(rs, "users-cdc-source");
        assert.deepEqual(
            [
                src["connector.class"],
                src["connection.url"],
                src.mode,
                src["incrementing.column.name"],
                src["table.whitelist"],
                src["topic.prefix"],
                src["connection.password"],
            ],
            [
                "io.confluent.connect.jdbc.JdbcSourceConnector",
                "jdbc:postgresql://pg.ingest.svc:5432/telemetry",
                "incrementing",
                "index",
                "USERS",
                "P_",
                "${env:POSTGRES_PASSWORD}",
            ],
        );
        const sink = config(rs, "users-cdc-jdbc-sink");
        assert.deepEqual(
            [sink["connector.class"], sink["pk.mode"], sink["pk.fields"], sink["insert.mode"]],
            ["io.confluent.connect.jdbc.JdbcSinkConnector", "record_value", "index", "upsert"],
        );
    });

    it("builds the JDBC URL from an Output host without resolving it early", async () => {
        const { usersCdcConnectors } = await import("../../../components/pipelines/usersCdc");
        const [, sink] = usersCdcConnectors({
            mode: "debezium",
            postgres: { ...endpoints.cluster.postgres, host: pulumi.output("pg.out") },
            sinkDatabase: "users_sink",
            passwordRef: "${env:POSTGRES_PASSWORD}",
        });
        assert.equal(
            await resolve(sink.config["connection.url"]),
            "jdbc:postgresql://pg.out:5432/users_sink",
        );
    });
});
