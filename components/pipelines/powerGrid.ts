/**
 * Seed 003, PowerGrid: sensor readings on `INGESTION` routed by ksqlDB into one HDFS folder per
 * sensor under `/grid-wattage`; unorganized text posted to a Flume HTTP source, through the
 * `UNORGANIZED` topic, into `/unorganized`; and old telemetry imported from Postgres by Sqoop
 * into `/old-telemetry`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { Flume } from "../platform/flume";
import { Sqoop } from "../platform/sqoop";
import { Pipeline, type PipelineArgs } from "./pipeline";
import { SensorRouting } from "./sensorRouting";
import { hdfsSinkConfig } from "./sinks";

/** Arguments for {@link PowerGrid}. */
export interface PowerGridArgs extends PipelineArgs {
    /** Sensor ids routed into `/grid-wattage/sensor<NN>`; empty = no routing. */
    readonly sensors: readonly string[];
}

/** Port of the Flume HTTP source that takes unorganized text. */
export const UNORGANIZED_HTTP_PORT = 8080;

/** Seed 003 as a component. */
export class PowerGrid extends Pipeline {
    /** ksqlDB routing and per-sensor sinks; undefined without ksqlDB, Connect or HDFS. */
    public readonly sensorRouting?: SensorRouting;
    /** The HTTP → `UNORGANIZED` Flume agent; undefined without a cluster or the Flume image. */
    public readonly flume?: Flume;
    /** The telemetry import; undefined without a cluster, Postgres, HDFS or the Sqoop image. */
    public readonly sqoop?: Sqoop;

    constructor(name: string, args: PowerGridArgs, opts?: pulumi.ComponentResourceOptions) {
        super("PowerGrid", name, args, opts);
        const e = args.endpoints;
        const ingestion = this.topic({ name: "INGESTION", partitions: 3, config: {} });
        this.topic({ name: "UNORGANIZED", partitions: 3, config: {} });
        this.directory({ path: "/unorganized", permission: "755", owner: "connect" });
        this.directory({ path: "/grid-wattage", permission: "755", owner: "connect" });
        this.directory({ path: "/old-telemetry", permission: "755", owner: "sqoop" });

        if (e.cluster.hdfsRpc !== undefined) {
            // Text lines land as they come: small files are the price of seeing them within 10 s.
            this.connector("hdfs-sink-unorganized", {
                name: "hdfs-sink-unorganized",
                config: {
                    ...hdfsSinkConfig({
                        topics: "UNORGANIZED",
                        hdfsUrl: e.cluster.hdfsRpc,
                        topicsDir: "/unorganized",
                        format: "string",
                        flushSize: 1,
                        rotateIntervalMs: 10_000,
                    }),
                    ...args.sinkConfig,
                },
            });
            if (
                e.host.ksqldb !== undefined &&
                e.host.connect !== undefined &&
                args.sensors.length > 0
            ) {
                this.sensorRouting = new SensorRouting(
                    "sensor-routing",
                    {
                        ksqlUrl: e.host.ksqldb,
                        connectUrl: e.host.connect,
                        hdfsUrl: e.cluster.hdfsRpc,
                        sensorIds: args.sensors,
                        sourceTopic: ingestion?.name ?? "INGESTION",
                        sinkConfig: args.sinkConfig,
                    },
                    { parent: this, dependsOn: this.prerequisites() },
                );
            }
        }

        const w = e.workloads;
        if (w?.images.flume !== undefined) {
            this.flume = new Flume(
                "flume",
                {
                    namespace: w.namespace,
                    image: w.images.flume,
                    kafkaBootstrapServers: w.kafkaBootstrapServers,
                    ...w.kafkaClient,
                    agents: [
                        {
                            name: "unorganized",
                            source: { type: "http", port: UNORGANIZED_HTTP_PORT },
                            channel: { type: "file" },
                            sink: { type: "kafka", topic: "UNORGANIZED" },
                        },
                    ],
                },
                { parent: this, provider: w.provider, dependsOn: this.prerequisites() },
            );
        }
        if (
            w?.images.sqoop !== undefined &&
            w.postgres !== undefined &&
            w.hadoopConfigMapName !== undefined
        ) {
            this.sqoop = new Sqoop(
                "sqoop",
                {
                    namespace: w.namespace,
                    image: w.images.sqoop,
                    jdbcUrl: w.postgres.jdbcUrl,
                    username: w.postgres.username,
                    passwordSecretName: w.postgres.passwordSecretName,
                    hadoopConfigMapName: w.hadoopConfigMapName,
                    targetDir: "/old-telemetry",
                    schedule: w.sqoopSchedule,
                },
                {
                    parent: this,
                    provider: w.provider,
                    dependsOn: [...this.prerequisites(), w.postgres.resource],
                },
            );
        }
        this.done();
    }
}
