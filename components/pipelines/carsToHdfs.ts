/**
 * Seed 002: car-transaction log lines produced to the `Cars` topic, drained by a Flume agent
 * (Kafka source, file channel, HDFS sink) into `/Cars`, rolled every 30 s.
 */
import type * as pulumi from "@pulumi/pulumi";
import { Flume } from "../platform/flume";
import { Pipeline, type PipelineArgs } from "./pipeline";
import type { PipelinePlan } from "./plan";

/** Topic the car-transaction producer writes. */
export const CARS_TOPIC = "Cars";
/** HDFS directory the Flume agent writes, owned by its `flume` user. */
export const CARS_DIR = "/Cars";

/** The names seed 002 declares. */
export function carsToHdfsPlan(): PipelinePlan {
    const key = "pipelines.carsToHdfs";
    return {
        topics: [{ name: CARS_TOPIC, key, builtIn: true }],
        directories: [{ path: CARS_DIR, owner: "flume", key, builtIn: true }],
        connectors: [],
    };
}

/** Seed 002 as a component: topic, directory and the Flume agent between them. */
export class CarsToHdfs extends Pipeline {
    /** The Flume agents; undefined without a cluster, HDFS or the Flume image. */
    public readonly flume?: Flume;

    constructor(name: string, args: PipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("CarsToHdfs", name, args, opts);
        this.topic({ name: CARS_TOPIC, partitions: 3, config: {} });
        this.directory({ path: CARS_DIR, permission: "755", owner: "flume" });
        const w = args.endpoints.workloads;
        if (w?.images.flume !== undefined && w.hadoopConfigMapName !== undefined) {
            this.flume = new Flume(
                "flume",
                {
                    namespace: w.namespace,
                    image: w.images.flume,
                    kafkaBootstrapServers: w.kafkaBootstrapServers,
                    ...w.kafkaClient,
                    hadoopConfigMapName: w.hadoopConfigMapName,
                    agents: [
                        {
                            name: "cars",
                            source: { type: "kafka", topics: [CARS_TOPIC] },
                            channel: { type: "file" },
                            sink: { type: "hdfs", path: CARS_DIR, rollIntervalSeconds: 30 },
                        },
                    ],
                },
                { parent: this, provider: w.provider, dependsOn: this.prerequisites() },
            );
        }
        this.done();
    }
}
