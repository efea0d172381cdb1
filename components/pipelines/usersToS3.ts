/**
 * Seed 001: random users produced to `created_users` (replication 3, as the seed's three-broker
 * cluster had), drained by the Confluent S3 sink into the data-lake bucket as gzip JSON under
 * `users/created_users/year=…/month=…/day=…/hour=…/`. The sink replaces the seed's Spark
 * Structured Streaming job: same topic-to-bucket path, no Spark cluster to run.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Endpoints } from "../endpoints";
import { Pipeline, type PipelineArgs } from "./pipeline";
import type { PipelinePlan } from "./plan";
import type { PipelinesSettings } from "./settings";
import { s3SinkConfig } from "./sinks";

/** Topic the users producer writes. */
export const USERS_TOPIC = "created_users";
/** Key prefix of the objects in the data-lake bucket. */
export const USERS_S3_PREFIX = "users";
/** The S3 sink's connector name. */
export const USERS_S3_SINK = "s3-sink-users";

/** Settings of {@link UsersToS3}: `pipelines.usersToS3`. */
export type UsersToS3Settings = PipelinesSettings["usersToS3"];

/** Arguments for {@link UsersToS3}. */
export interface UsersToS3Args extends PipelineArgs {
    readonly settings: UsersToS3Settings;
}

const KEY = "pipelines.usersToS3";

/** The seed's replication 3, bounded by the brokers there are (1 on dev). */
export function usersTopicReplication(e: Pick<Endpoints, "brokers" | "replicationFactor">): number {
    return Math.min(3, e.brokers ?? e.replicationFactor);
}

/** The names seed 001 declares. */
export function usersToS3Plan(e: Pick<Endpoints, "brokers" | "replicationFactor">): PipelinePlan {
    return {
        topics: [
            {
                name: USERS_TOPIC,
                replicationFactor: usersTopicReplication(e),
                key: KEY,
                builtIn: true,
            },
        ],
        directories: [],
        connectors: [{ name: USERS_S3_SINK, key: KEY, builtIn: true }],
    };
}

/** The sink's config against the data lake Connect reaches. */
export function usersS3SinkConfig(
    settings: UsersToS3Settings,
    lake: NonNullable<Endpoints["cluster"]["dataLake"]>,
): Record<string, pulumi.Input<string>> {
    return s3SinkConfig({
        topics: USERS_TOPIC,
        bucket: lake.bucket,
        region: lake.region,
        storeUrl: lake.storeUrl,
        topicsDir: USERS_S3_PREFIX,
        flushSize: settings.flushSize,
        rotateScheduleIntervalMs: settings.rotateIntervalMs,
    });
}

/** Seed 001 as a component: the topic and, when the stack has a data lake, the S3 sink. */
export class UsersToS3 extends Pipeline {
    constructor(name: string, args: UsersToS3Args, opts?: pulumi.ComponentResourceOptions) {
        super("UsersToS3", name, args, opts);
        const e = args.endpoints;
        this.topic({
            name: USERS_TOPIC,
            partitions: args.settings.partitions,
            replicationFactor: usersTopicReplication(e),
            config: {},
        });
        if (e.cluster.dataLake !== undefined) {
            this.connector(USERS_S3_SINK, {
                name: USERS_S3_SINK,
                config: usersS3SinkConfig(args.settings, e.cluster.dataLake),
            });
        }
        this.done();
    }
}
