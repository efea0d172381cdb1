/**
 * Seed 000: Amazon sales records (JSON, keyed by `product_id`) produced to `transactions`,
 * drained by a Confluent HDFS sink into `/sales/transactions/partition=<n>/`.
 *
 * File sizing is the point of the defaults: the seed closed a file every 10 records or 60 s,
 * which at a realistic rate (hundreds of records a second) makes tens of files a second, each a
 * few KB, every one costing NameNode memory and a task per file in every later read. The
 * defaults (50,000 records ≈ 50–100 MB of sales JSON, or 15 minutes) keep files near one HDFS
 * block when busy and bound a quiet topic to 4 files per partition per hour.
 */
import type * as pulumi from "@pulumi/pulumi";
import { Pipeline, type PipelineArgs } from "./pipeline";
import type { PipelinePlan } from "./plan";
import type { PipelinesSettings } from "./settings";
import { hdfsSinkConfig, hdfsSinkLogsDir } from "./sinks";

/** Topic the sales producer writes. */
export const SALES_TOPIC = "transactions";
/** HDFS directory the sink writes, owned by `connect`. */
export const SALES_DIR = "/sales";
/** The HDFS sink's connector name. */
export const SALES_SINK = "hdfs-sink-sales";

/** Settings of {@link SalesToHdfs}: `pipelines.salesToHdfs`. */
export type SalesToHdfsSettings = PipelinesSettings["salesToHdfs"];

/** Arguments for {@link SalesToHdfs}. */
export interface SalesToHdfsArgs extends PipelineArgs {
    readonly settings: SalesToHdfsSettings;
}

const KEY = "pipelines.salesToHdfs";

/** The names seed 000 declares. */
export function salesToHdfsPlan(): PipelinePlan {
    return {
        topics: [{ name: SALES_TOPIC, key: KEY, builtIn: true }],
        directories: [{ path: SALES_DIR, owner: "connect", key: KEY, builtIn: true }],
        connectors: [{ name: SALES_SINK, key: KEY, builtIn: true }],
    };
}

/** The sink's config: JSON files under `/sales`, closed by size or on a wall-clock schedule. */
export function salesSinkConfig(
    settings: SalesToHdfsSettings,
    hdfsUrl: pulumi.Input<string>,
): Record<string, pulumi.Input<string>> {
    return hdfsSinkConfig({
        topics: SALES_TOPIC,
        hdfsUrl,
        topicsDir: SALES_DIR,
        format: "json",
        flushSize: settings.flushSize,
        // Wall clock, not record time: a file on a quiet topic still closes (and becomes
        // visible) on schedule instead of waiting for the next record.
        rotateScheduleIntervalMs: settings.rotateIntervalMs,
    });
}

/** Seed 000 as a component: topic, directory and the HDFS sink between them. */
export class SalesToHdfs extends Pipeline {
    constructor(name: string, args: SalesToHdfsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("SalesToHdfs", name, args, opts);
        const e = args.endpoints;
        this.topic({
            name: SALES_TOPIC,
            partitions: args.settings.partitions,
            config: {},
        });
        this.directory({ path: SALES_DIR, permission: "755", owner: "connect" });
        if (e.cluster.hdfsRpc !== undefined) {
            this.connector(SALES_SINK, {
                name: SALES_SINK,
                config: {
                    ...salesSinkConfig(args.settings, e.cluster.hdfsRpc),
                    ...args.sinkConfig,
                },
            });
        }
        this.done();
    }
}

/** Where the sink keeps its write-ahead logs (inside {@link SALES_DIR}). */
export const SALES_LOGS_DIR = hdfsSinkLogsDir(SALES_DIR);
