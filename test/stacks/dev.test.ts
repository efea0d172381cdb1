import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
    isSecretValue,
    one,
    plaintextOccurrences,
    recorded,
    resolve,
    settle,
} from "../helpers/mocks";
import { MOCK_PASSWORD, runStack } from "../helpers/stack";
import type * as pulumi from "@pulumi/pulumi";

describe("dev stack", () => {
    let program: Record<string, unknown>;
    before(async () => {
        program = await runStack("dev");
        await resolve(program.connectUrl as pulumi.Output<string>);
        await settle();
    });

    it("registers exactly the dev resource set", () => {
        const got = recorded.map((r) => `${r.type} ${r.name}`).sort();
        assert.deepEqual(got, [
            "aws:iam/accessKey:AccessKey data-lake-writer",
            "aws:iam/user:User data-lake-writer",
            "aws:iam/userPolicy:UserPolicy data-lake-writer",
            "aws:s3/bucket:Bucket data-lake",
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration data-lake-lifecycle",
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls data-lake-ownership",
            "aws:s3/bucketPolicy:BucketPolicy data-lake-tls-only",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock data-lake-public-access",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration data-lake-encryption",
            "aws:s3/bucketVersioning:BucketVersioning data-lake-versioning",
            "docker:index/image:Image connect-image",
            "docker:index/image:Image flume-image",
            "docker:index/image:Image hdfs-image",
            "docker:index/image:Image sqoop-image",
            "ingest:components:CarsToHdfs cars-to-hdfs",
            "ingest:components:Console console",
            "ingest:components:DataLakeBucket data-lake",
            "ingest:components:Flume flume",
            "ingest:components:Flume flume",
            "ingest:components:Hdfs hdfs",
            "ingest:components:Kafka kafka",
            "ingest:components:KafkaConnect connect",
            "ingest:components:KsqlDb ksqldb",
            "ingest:components:NetworkPolicies network",
            "ingest:components:Postgres postgres",
            "ingest:components:PowerGrid power-grid",
            "ingest:components:SalesToHdfs sales-to-hdfs",
            "ingest:components:SensorRouting sensor-routing",
            "ingest:components:Sqoop sqoop",
            "ingest:components:UsersCdc users-cdc",
            "ingest:components:UsersToS3 users-to-s3",
            "ingest:components:WorkloadImages images",
            "kubernetes:apps/v1:Deployment connect",
            "kubernetes:apps/v1:Deployment console",
            "kubernetes:apps/v1:Deployment flume-cars",
            "kubernetes:apps/v1:Deployment flume-unorganized",
            "kubernetes:apps/v1:Deployment hdfs-httpfs",
            "kubernetes:apps/v1:Deployment ksqldb",
            "kubernetes:apps/v1:Deployment ksqldb-cli",
            "kubernetes:apps/v1:StatefulSet hdfs-datanode",
            "kubernetes:apps/v1:StatefulSet hdfs-namenode",
            "kubernetes:apps/v1:StatefulSet postgres",
            "kubernetes:batch/v1:Job sqoop-import",
            "kubernetes:core/v1:ConfigMap flume-cars-config",
            "kubernetes:core/v1:ConfigMap flume-unorganized-config",
            "kubernetes:core/v1:ConfigMap hdfs-hadoop-conf",
            "kubernetes:core/v1:ConfigMap postgres-init",
            "kubernetes:core/v1:Namespace namespace",
            "kubernetes:core/v1:PersistentVolumeClaim flume-cars-channel",
            "kubernetes:core/v1:PersistentVolumeClaim flume-unorganized-channel",
            "kubernetes:core/v1:Secret data-lake-s3-credentials",
            "kubernetes:core/v1:Secret kafka-kraft",
            "kubernetes:core/v1:Secret postgres-auth",
            "kubernetes:core/v1:Service connect",
            "kubernetes:core/v1:Service console",
            "kubernetes:core/v1:Service flume-unorganized",
            "kubernetes:core/v1:Service hdfs-datanode-headless",
            "kubernetes:core/v1:Service hdfs-httpfs",
            "kubernetes:core/v1:Service hdfs-namenode",
            "kubernetes:core/v1:Service hdfs-namenode-headless",
            "kubernetes:core/v1:Service hdfs-webhdfs",
            "kubernetes:core/v1:Service ksqldb",
            "kubernetes:core/v1:Service postgres",
            "kubernetes:core/v1:Service postgres-headless",
            "kubernetes:core/v1:ServiceAccount connect",
            "kubernetes:core/v1:ServiceAccount console",
            "kubernetes:core/v1:ServiceAccount flume-cars",
            "kubernetes:core/v1:ServiceAccount flume-unorganized",
            "kubernetes:core/v1:ServiceAccount hdfs-datanode",
            "kubernetes:core/v1:ServiceAccount hdfs-httpfs",
            "kubernetes:core/v1:ServiceAccount hdfs-namenode",
            "kubernetes:core/v1:ServiceAccount ksqldb",
            "kubernetes:core/v1:ServiceAccount ksqldb-cli",
            "kubernetes:core/v1:ServiceAccount postgres",
            "kubernetes:core/v1:ServiceAccount sqoop-import",
            "kubernetes:helm.sh/v4:Chart kafka",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy allow-connect",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy allow-console",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy allow-datanode",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy allow-dns",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy allow-flume",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy allow-httpfs",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy allow-ksqldb",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy allow-ksqldb-cli",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy allow-namenode",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy allow-postgres",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy allow-sqoop",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy default-deny",
            "kubernetes:policy/v1:PodDisruptionBudget connect",
            "kubernetes:policy/v1:PodDisruptionBudget hdfs-datanode",
            "pulumi-nodejs:dynamic/ingest:HdfsDirectory hdfs-dir-cars",
            "pulumi-nodejs:dynamic/ingest:HdfsDirectory hdfs-dir-grid-wattage",
            "pulumi-nodejs:dynamic/ingest:HdfsDirectory hdfs-dir-old-telemetry",
            "pulumi-nodejs:dynamic/ingest:HdfsDirectory hdfs-dir-sales",
            "pulumi-nodejs:dynamic/ingest:HdfsDirectory hdfs-dir-unorganized",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector hdfs-sink-sales",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector hdfs-sink-unorganized",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector s3-sink-users",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector sensor-routing-sink-1",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector sensor-routing-sink-2",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector sensor-routing-sink-3",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector sensor-routing-sink-4",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector sensor-routing-sink-5",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector sensor-routing-sink-6",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector users-cdc-jdbc-sink",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector users-cdc-s3-sink",
            "pulumi-nodejs:dynamic/ingest:KafkaConnector users-cdc-source",
            "pulumi-nodejs:dynamic/ingest:KafkaTopic topic-cars",
            "pulumi-nodejs:dynamic/ingest:KafkaTopic topic-created-users",
            "pulumi-nodejs:dynamic/ingest:KafkaTopic topic-ingestion",
            "pulumi-nodejs:dynamic/ingest:KafkaTopic topic-p-users",
            "pulumi-nodejs:dynamic/ingest:KafkaTopic topic-transactions",
            "pulumi-nodejs:dynamic/ingest:KafkaTopic topic-unorganized",
            "pulumi-nodejs:dynamic/ingest:KsqlStream sensor-routing-base",
            "pulumi-nodejs:dynamic/ingest:KsqlStream sensor-routing-stream-1",
            "pulumi-nodejs:dynamic/ingest:KsqlStream sensor-routing-stream-2",
            "pulumi-nodejs:dynamic/ingest:KsqlStream sensor-routing-stream-3",
            "pulumi-nodejs:dynamic/ingest:KsqlStream sensor-routing-stream-4",
            "pulumi-nodejs:dynamic/ingest:KsqlStream sensor-routing-stream-5",
            "pulumi-nodejs:dynamic/ingest:KsqlStream sensor-routing-stream-6",
            "pulumi:providers:aws aws",
            "pulumi:providers:kubernetes k8s",
            "random:index/randomPassword:RandomPassword postgres-password",
        ]);
    });

    it("targets the kind context through an explicit provider with a stable cluster identifier", () => {
        const p = one("pulumi:providers:kubernetes", "k8s");
        assert.equal(p.inputs.context, "kind-ingest");
        assert.equal(p.inputs.clusterIdentifier, "kind-ingest");
        for (const r of recorded.filter((r) => r.type.startsWith("kubernetes:"))) {
            assert.match(
                r.provider ?? "",
                /pulumi:providers:kubernetes::k8s::/,
                `${r.name} uses the k8s provider`,
            );
        }
    });

    it("runs one PLAINTEXT broker with the external NodePort listener", () => {
        const values = one("kubernetes:helm.sh/v4:Chart", "kafka").inputs.values as Record<
            string,
            any
        >;
        assert.equal(values.controller.replicaCount, 1);
        assert.equal(values.listeners.client.protocol, "PLAINTEXT");
        assert.deepEqual(values.externalAccess.controller.service.nodePorts, [30092]);
        assert.equal(values.overrideConfiguration["default.replication.factor"], "1");
    });

    it("exposes Connect, ksqlDB, Postgres and the console on the kind-mapped NodePorts", () => {
        const port = (name: string) =>
            (one("kubernetes:core/v1:Service", name).inputs.spec as any).ports[0].nodePort;
        assert.deepEqual(
            [port("connect"), port("ksqldb"), port("postgres"), port("console")],
            [30083, 30088, 30432, 30080],
        );
        assert.equal(program.connectHostUrl, "http://localhost:30083");
        assert.equal(program.ksqldbHostUrl, "http://localhost:30088");
    });

    it("declares the seed HDFS folder layout through WebHDFS on the kind NodePort", () => {
        const dirs = recorded.filter(
            (r) => r.type === "pulumi-nodejs:dynamic/ingest:HdfsDirectory",
        );
        assert.deepEqual(
            dirs.map((d) => [d.inputs.path, d.inputs.owner, d.inputs.permission]).sort(),
            [
                ["/Cars", "flume", "755"],
                ["/grid-wattage", "connect", "755"],
                ["/old-telemetry", "sqoop", "755"],
                ["/sales", "connect", "755"],
                ["/unorganized", "connect", "755"],
            ],
        );
        for (const d of dirs) {
            assert.equal(d.inputs.webhdfsUrl, "http://localhost:30870/webhdfs/v1");
            assert.equal(d.inputs.user, "hadoop");
            // Dev data is disposable: Pulumi.dev.yaml sets pipelines.deleteDataOnDestroy.
            assert.equal(d.inputs.deleteContents, true);
        }
    });

    it("declares the seed 003 pipeline: the unorganized sink and one stream + sink per sensor", () => {
        const sink = one(
            "pulumi-nodejs:dynamic/ingest:KafkaConnector",
            "hdfs-sink-unorganized",
        ).inputs;
        assert.equal(sink.connectUrl, "http://localhost:30083");
        assert.equal((sink.config as Record<string, string>)["topics.dir"], "/unorganized");
        assert.equal(
            (sink.config as Record<string, string>)["hdfs.url"],
            "hdfs://hdfs-namenode.ingest.svc.cluster.local:9000",
        );
        const streams = recorded.filter(
            (r) => r.type === "pulumi-nodejs:dynamic/ingest:KsqlStream",
        );
        assert.equal(streams.length, 7);
        for (const st of streams) assert.equal(st.inputs.ksqlUrl, "http://localhost:30088");
        const sinks = recorded.filter((r) => r.name.startsWith("sensor-routing-sink-"));
        assert.deepEqual(
            sinks.map((r) => (r.inputs.config as Record<string, string>)["topics.dir"]).sort(),
            ["1", "2", "3", "4", "5", "6"].map((n) => `/grid-wattage/sensor0${n}`),
        );
    });

    it("declares the pipelines' topics through the external listener, deletable in dev", () => {
        const topics = recorded.filter((r) => r.name.startsWith("topic-"));
        assert.deepEqual(
            topics
                .map((t) => [t.inputs.name, t.inputs.partitions, t.inputs.replicationFactor])
                .sort(),
            [
                ["Cars", 3, 1],
                ["INGESTION", 3, 1],
                ["P_USERS", 3, 1],
                ["UNORGANIZED", 3, 1],
                ["created_users", 3, 1],
                ["transactions", 3, 1],
            ],
        );
        for (const t of topics) {
            assert.equal(t.inputs.bootstrapServers, "127.0.0.1:30092");
            assert.equal(t.inputs.retainOnDelete, false);
            assert.equal(t.inputs.sasl, undefined);
        }
        const base = one("pulumi-nodejs:dynamic/ingest:KsqlStream", "sensor-routing-base").inputs;
        assert.equal(base.topic, "INGESTION");
    });

    it("creates the locked-down data-lake bucket on LocalStack and hands Connect its credentials", () => {
        const aws = one("pulumi:providers:aws", "aws").inputs;
        assert.equal(aws.s3UsePathStyle, "true");
        assert.match(JSON.stringify(aws.endpoints), /localhost:4566/);
        const block = one(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "data-lake-public-access",
        ).inputs;
        assert.deepEqual(
            [
                block.blockPublicAcls,
                block.blockPublicPolicy,
                block.ignorePublicAcls,
                block.restrictPublicBuckets,
            ],
            [true, true, true, true],
        );
        assert.equal(one("aws:s3/bucket:Bucket", "data-lake").inputs.forceDestroy, true);
        const connect = (one("kubernetes:apps/v1:Deployment", "connect").inputs.spec as any)
            .template.spec;
        assert.equal(
            connect.volumes.find((v: any) => v.name === "aws").secret.secretName,
            "data-lake-s3-credentials",
        );
    });

    it("runs the Flume agents and the Sqoop import against HDFS", () => {
        assert.ok(one("kubernetes:batch/v1:Job", "sqoop-import"));
        const agents = recorded.filter(
            (r) => r.type === "kubernetes:apps/v1:Deployment" && r.name.startsWith("flume-"),
        );
        assert.deepEqual(agents.map((a) => a.name).sort(), ["flume-cars", "flume-unorganized"]);
    });

    it("keeps the generated Postgres password secret in every registered resource", () => {
        const secret = one("kubernetes:core/v1:Secret", "postgres-auth");
        assert.ok(isSecretValue(secret.inputs.stringData), "stringData travels as a secret");
        for (const r of recorded) {
            assert.deepEqual(
                plaintextOccurrences(r.inputs, [MOCK_PASSWORD]),
                [],
                `${r.type} ${r.name}`,
            );
        }
    });

    it("declares seed 000 with the seed's 10 records / 60 s per file, as dev overrides", () => {
        const c = one("pulumi-nodejs:dynamic/ingest:KafkaConnector", "hdfs-sink-sales").inputs
            .config as Record<string, string>;
        assert.deepEqual(
            [c.topics, c["topics.dir"], c["logs.dir"], c["flush.size"]],
            ["transactions", "/sales", "/sales/+logs", "10"],
        );
        assert.equal(c["rotate.schedule.interval.ms"], "60000");
        assert.equal(c["format.class"], "io.confluent.connect.hdfs.json.JsonFormat");
    });

    it("declares seed 001: created_users drained into the LocalStack bucket as Connect reaches it", () => {
        const c = one("pulumi-nodejs:dynamic/ingest:KafkaConnector", "s3-sink-users").inputs
            .config as Record<string, string>;
        assert.deepEqual(
            [c.topics, c["store.url"], c["s3.region"], c["topics.dir"], c["flush.size"]],
            ["created_users", "http://localstack:4566", "us-east-1", "users", "100"],
        );
        assert.equal(c["s3.path.style.access.enabled"], "true");
        assert.equal(
            c["partitioner.class"],
            "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
        );
    });

    it("declares seed 004 in Debezium mode with the password only as a worker placeholder", () => {
        const connector = (n: string) =>
            one("pulumi-nodejs:dynamic/ingest:KafkaConnector", n).inputs.config as Record<
                string,
                string
            >;
        const src = connector("users-cdc-source");
        assert.equal(src["connector.class"], "io.debezium.connector.postgresql.PostgresConnector");
        assert.equal(src["database.hostname"], "postgres.ingest.svc.cluster.local");
        assert.equal(src["database.password"], "${env:POSTGRES_PASSWORD}");
        const sink = connector("users-cdc-jdbc-sink");
        assert.equal(sink["connector.class"], "io.debezium.connector.jdbc.JdbcSinkConnector");
        assert.equal(
            sink["connection.url"],
            "jdbc:postgresql://postgres.ingest.svc.cluster.local:5432/users_sink",
        );
        assert.equal(sink["connection.password"], "${env:POSTGRES_PASSWORD}");
        assert.equal(connector("users-cdc-s3-sink")["topics.dir"], "users-cdc");

        const pg = (one("kubernetes:apps/v1:StatefulSet", "postgres").inputs.spec as any).template
            .spec.containers[0];
        assert.deepEqual(pg.args, ["-c", "wal_level=logical"]);
        const init = one("kubernetes:core/v1:ConfigMap", "postgres-init").inputs.data as Record<
            string,
            string
        >;
        assert.match(init["01-seed-tables.sql"], /^CREATE DATABASE users_sink;$/m);
        const env = (one("kubernetes:apps/v1:Deployment", "connect").inputs.spec as any).template
            .spec.containers[0].env as any[];
        const pgEnv = env.find((e) => e.name === "POSTGRES_PASSWORD");
        assert.deepEqual(pgEnv.valueFrom.secretKeyRef, { name: "postgres-auth", key: "password" });
    });

    it("has every HDFS path a sink writes under a declared directory owned by its writer", () => {
        const dirs = new Map(
            recorded
                .filter((r) => r.type === "pulumi-nodejs:dynamic/ingest:HdfsDirectory")
                .map((d) => [d.inputs.path as string, d.inputs.owner as string]),
        );
        const owner = (path: string) =>
            [...dirs.entries()].find(([d]) => path === d || path.startsWith(`${d}/`))?.[1];
        const hdfsSinks = recorded.filter(
            (r) =>
                r.type === "pulumi-nodejs:dynamic/ingest:KafkaConnector" &&
                (r.inputs.config as Record<string, string>)["connector.class"] ===
                    "io.confluent.connect.hdfs.HdfsSinkConnector",
        );
        assert.equal(hdfsSinks.length, 8);
        for (const sink of hdfsSinks) {
            const c = sink.inputs.config as Record<string, string>;
            for (const key of ["topics.dir", "logs.dir"]) {
                assert.equal(owner(c[key]), "connect", `${sink.name} ${key} ${c[key]}`);
            }
        }
        const flume = one("kubernetes:core/v1:ConfigMap", "flume-cars-config").inputs
            .data as Record<string, string>;
        const paths = [
            ...Object.values(flume)
                .join("\n")
                .matchAll(/hdfs\.path\s*=\s*(\S+)/g),
        ];
        assert.ok(paths.length > 0);
        for (const [, p] of paths) {
            const path = p.startsWith("hdfs://") ? new URL(p).pathname : p;
            assert.equal(owner(path.replace(/\/$/, "")), "flume", p);
        }
    });
});
