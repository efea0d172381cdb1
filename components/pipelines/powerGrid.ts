/**
 * Seed 003, PowerGrid: sensor readings on `INGESTION` routed by ksqlDB into one HDFS folder per
 * sensor under `/grid-wattage`; unorganized text posted to a Flume HTTP source, through the
 * `UNORGANIZED` topic, into `/unorganized`; and old telemetry imported from Postgres by Sqoop
 * into `/old-telemetry`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { FLUME_HTTP_SOURCE_PORT, Flume } from "../platform/flume";
import { Sqoop } from "../platform/sqoop";
import { Pipeline, type PipelineArgs } from "./pipeline";
import type { PipelinePlan } from "./plan";
import { SensorRouting, sensorHdfsDir, sensorStreamName } from "./sensorRouting";
import { hdfsSinkConfig } from "./sinks";

/** Arguments for {@link PowerGrid}. */
export interface PowerGridArgs extends PipelineArgs {
    /** Sensor ids routed into `/grid-wattage/sensor<NN>`; empty = no routing. */
    readonly sensors: readonly string[];
}

/** Port of the Flume HTTP source that takes unorganized text. */
export const UNORGANIZED_HTTP_PORT = FLUME_HTTP_SOURCE_PORT;

/** Topics seed 003 creates itself. */
export const POWER_GRID_TOPICS = { ingestion: "INGESTION", unorganized: "UNORGANIZED" } as const;
/** HDFS directories of seed 003 and the user that writes each. */
export const POWER_GRID_DIRS = [
    { path: "/unorganized", owner: "connect" },
    { path: "/grid-wattage", owner: "connect" },
    { path: "/old-telemetry", owner: "sqoop" },
] as const;
/** The unorganized-text HDFS sink's connector name. */
export const UNORGANIZED_SINK = "hdfs-sink-unorganized";

/** Problems with `pipelines.powerGrid.sensors`, each naming the entry and its fix. */
export function sensorIdProblems(ids: readonly string[]): string[] {
    const problems: string[] = [];
    const byStream = new Map<string, number>();
    const byDir = new Map<string, number>();
    ids.forEach((id, i) => {
        const key = `pipelines.powerGrid.sensors[${i}]`;
        if (!/^[A-Za-z0-9_]+$/.test(id)) {
            problems.push(
                `${key}: sensor id ${JSON.stringify(id)} may contain letters, digits and underscores only. ` +
                    `Fix: pulumi config set --path '${key}' <an id such as 7>`,
            );
            return;
        }
        const stream = sensorStreamName(id);
        const dir = sensorHdfsDir("/grid-wattage", id);
        const j = byStream.get(stream) ?? byDir.get(dir);
        if (j !== undefined) {
            const same = byStream.get(stream) === j ? `stream ${stream}` : `directory ${dir}`;
            problems.push(
                `${key}: sensor id "${id}" duplicates pipelines.powerGrid.sensors[${j}] "${ids[j]}" ` +
                    `(both would use ${same}). Fix: pulumi config rm --path '${key}'`,
            );
            return;
        }
        byStream.set(stream, i);
        byDir.set(dir, i);
    });
    return problems;
}

/** The names seed 003 declares: its topics, the sensor streams' topics, directories, sinks. */
export function powerGridPlan(sensors: readonly string[]): PipelinePlan {
    const key = "pipelines.powerGrid";
    const problems = sensorIdProblems(sensors);
    // Ids with a problem are reported once, by sensorIdProblems, and left out of the names.
    const valid = sensors.flatMap((id, i) =>
        problems.some((p) => p.startsWith(`${key}.sensors[${i}]:`)) ? [] : [{ id, i }],
    );
    return {
        topics: [
            ...Object.values(POWER_GRID_TOPICS).map((name) => ({ name, key, builtIn: true })),
            // ksqlDB creates one topic per sensor stream.
            ...valid.map(({ id, i }) => ({
                name: sensorStreamName(id),
                key: `${key}.sensors[${i}]`,
                builtIn: true,
            })),
        ],
        directories: POWER_GRID_DIRS.map((d) => ({ ...d, key, builtIn: true })),
        connectors: [
            { name: UNORGANIZED_SINK, key, builtIn: true },
            ...valid.map(({ id, i }) => ({
                name: `hdfs-sink-sensor-${id}`,
                key: `${key}.sensors[${i}]`,
                builtIn: true,
            })),
        ],
        problems,
    };
}

/** Seed 003 as a component. */
export class PowerGrid extends Pipeline {
    /** ksqlDB routing and per-sensor sinks; undefined without ksqlDB, Connect or HDFS. */
    public readonly sensorRouting?: SensorRouting;
    /** The HTTP → `UNORGANIZED` Flume agent; undefined without a cluster or the Flume image. */
    public readonly flume?: Flume;
    /**
     * URL of that agent's HTTP source from the host (`send-text`'s target): the NodePort on
     * localhost when `flume.httpNodePort` is set; undefined otherwise.
     */
    public readonly unorganizedHostUrl?: string;
    /** The telemetry import; undefined without a cluster, Postgres, HDFS or the Sqoop image. */
    public readonly sqoop?: Sqoop;

    constructor(name: string, args: PowerGridArgs, opts?: pulumi.ComponentResourceOptions) {
        super("PowerGrid", name, args, opts);
        const e = args.endpoints;
        const ingestion = this.topic({
            name: POWER_GRID_TOPICS.ingestion,
            partitions: 3,
            config: {},
        });
        this.topic({ name: POWER_GRID_TOPICS.unorganized, partitions: 3, config: {} });
        for (const d of POWER_GRID_DIRS) this.directory({ ...d, permission: "755" });

        if (e.cluster.hdfsRpc !== undefined) {
            // Text lines land as they come: small files are the price of seeing them within 10 s.
            this.connector(UNORGANIZED_SINK, {
                name: UNORGANIZED_SINK,
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
                        ksqlAuth: e.host.ksqldbAuth,
                        ksqlEndpointHint: e.host.hints?.ksqldb,
                        connectUrl: e.host.connect,
                        connectAuth: e.host.connectAuth,
                        connectEndpointHint: e.host.hints?.connect,
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
                    sourceNodePorts:
                        w.flumeHttpNodePort === undefined
                            ? undefined
                            : { unorganized: w.flumeHttpNodePort },
                },
                { parent: this, provider: w.provider, dependsOn: this.prerequisites() },
            );
            if (w.flumeHttpNodePort !== undefined) {
                this.unorganizedHostUrl = `http://localhost:${w.flumeHttpNodePort}`;
            }
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
