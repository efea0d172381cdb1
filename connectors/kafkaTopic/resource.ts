/**
 * `KafkaTopic`: one Kafka topic managed through the Kafka admin protocol (kafkajs) by a Pulumi
 * dynamic provider. Partitions can only grow; a decrease or a replication-factor change is refused
 * at preview (Kafka cannot do either in place, and replacing the topic would delete its data)
 * unless `allowDestructiveReplace` is set. Only declared configs are read and diffed, so broker
 * defaults never show as drift.
 *
 * kafkajs 2.2.4 works against Kafka 4.0 (verified by the real-service tests) but implements only
 * the legacy AlterConfigs call, which replaces a topic's whole dynamic config. Updates therefore
 * read the topic's current dynamic configs, change only the declared keys, and write the merged
 * set back, so configs set by others are kept.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as kafkajsTypes from "kafkajs";
import {
    KAFKA_TOPIC_PROVIDER_VERSION,
    checkTopic,
    diffTopic,
    mergeTopicConfigs,
    type TopicInputs,
} from "./inputs";
import { providerRef } from "../providerRef";

export * from "./inputs";

/** SASL credentials for the admin client. */
export interface KafkaSaslArgs {
    /** `plain`, `scram-sha-256` or `scram-sha-512`. */
    readonly mechanism: pulumi.Input<"plain" | "scram-sha-256" | "scram-sha-512">;
    /** User name. */
    readonly username: pulumi.Input<string>;
    /** Password; kept secret. */
    readonly password: pulumi.Input<string>;
}

/** Arguments for {@link KafkaTopic}. */
export interface KafkaTopicArgs {
    /** Bootstrap servers, `host:port[,host:port...]`. */
    readonly bootstrapServers: pulumi.Input<string>;
    /** Topic name. Defaults to the resource name. Changing it replaces the topic. */
    readonly name?: pulumi.Input<string>;
    /** Number of partitions; may only grow. */
    readonly partitions: pulumi.Input<number>;
    /** Replication factor; cannot change in place. */
    readonly replicationFactor: pulumi.Input<number>;
    /** Topic configs (`retention.ms`, `cleanup.policy`, ...); values are sent as strings. */
    readonly config?: pulumi.Input<Record<string, pulumi.Input<string | number | boolean>>>;
    /** Leave the topic (and its data) in Kafka when the resource is deleted. Defaults to false. */
    readonly retainOnDelete?: pulumi.Input<boolean>;
    /** Manage a topic that already exists instead of failing. Defaults to false. */
    readonly adoptExisting?: pulumi.Input<boolean>;
    /** Replace (delete and re-create, losing data) on a partition decrease or RF change. Defaults to false. */
    readonly allowDestructiveReplace?: pulumi.Input<boolean>;
    /** Use TLS to reach the brokers. Defaults to false. */
    readonly ssl?: pulumi.Input<boolean>;
    /** PEM CA to trust with `ssl` (a private CA); unset = the system's CAs. */
    readonly ca?: pulumi.Input<string>;
    /** SASL credentials; omit for PLAINTEXT listeners. */
    readonly sasl?: pulumi.Input<KafkaSaslArgs>;
    /** Bound on each admin operation, in seconds. Defaults to 60. */
    readonly timeoutSeconds?: pulumi.Input<number>;
    /**
     * Named in the error when no broker answers: the config key that sets `bootstrapServers` and
     * what to check. Not diffed. Defaults to a generic hint.
     */
    readonly endpointHint?: pulumi.Input<string>;
}

/** `configSource` of a config set on the topic itself (DescribeConfigs). */
const DYNAMIC_TOPIC_CONFIG = 1;

/**
 * Attempts of the first connection to the bootstrap servers, with kafkajs' backoff from 300 ms
 * (≈ 10 s in all): a broker that never answers fails fast with its address, config key and a hint,
 * while the admin operations after it keep the longer retries that wait out a busy cluster.
 */
export const CONNECT_RETRIES = 5;

/** Runs `fn` with a connected admin client, created here so nothing is captured in the state. */
async function withAdmin<T>(
    p: TopicInputs,
    fn: (admin: kafkajsTypes.Admin) => Promise<T>,
): Promise<T> {
    // Required here, not imported at module level: see connectors/http.ts.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kafkajs = require("kafkajs") as typeof kafkajsTypes;
    const client = (retries: number) =>
        new kafkajs.Kafka({
            clientId: "pulumi-kafka-topic",
            brokers: p.bootstrapServers.split(","),
            ssl: p.ssl ? (p.ca ? { ca: [p.ca] } : true) : false,
            sasl: p.sasl ? ({ ...p.sasl } as kafkajsTypes.SASLOptions) : undefined,
            connectionTimeout: 10_000,
            requestTimeout: p.timeoutSeconds * 1000,
            retry: { retries, initialRetryTime: 300, maxRetryTime: 5_000 },
            logLevel: kafkajs.logLevel.NOTHING,
        });
    const started = Date.now();
    const probe = client(CONNECT_RETRIES).admin();
    try {
        await probe.connect();
    } catch (e) {
        throw explainKafkaError(p, e, Date.now() - started);
    } finally {
        await probe.disconnect().catch(() => undefined);
    }
    const admin = client(8).admin();
    try {
        await admin.connect();
        return await fn(admin);
    } catch (e) {
        throw explainKafkaError(p, e, undefined);
    } finally {
        await admin.disconnect().catch(() => undefined);
    }
}

/**
 * A kafkajs error in terms of the topic: a connection failure names the address, the config key
 * (`endpointHint`) and what to check; `connectMs` is set when the bootstrap servers never answered.
 */
export function explainKafkaError(
    p: TopicInputs,
    e: unknown,
    connectMs: number | undefined,
): unknown {
    const err = e as Error & { type?: string; cause?: Error };
    if (!err.name?.startsWith("KafkaJS")) return e;
    const connection =
        err.name === "KafkaJSConnectionError" || err.cause?.name === "KafkaJSConnectionError";
    if (connection) {
        const code = /\b(E[A-Z]+)\b/.exec(err.message)?.[1] ?? "no connection";
        const hint = p.endpointHint ?? "Are the brokers running, and reachable from this machine?";
        if (connectMs !== undefined) {
            const secs = (connectMs / 1000).toFixed(0);
            return new Error(
                `topic ${p.name}: cannot reach Kafka at ${p.bootstrapServers} (${code}, no answer ` +
                    `within ${secs}s). ${hint} [${err.name}: ${err.message}]`,
            );
        }
        // The bootstrap server answered, so this is a broker address from the cluster metadata.
        return new Error(
            `topic ${p.name}: ${p.bootstrapServers} answered, but a broker from the cluster ` +
                `metadata did not (${err.message}): the brokers' advertised listener for this ` +
                `machine must resolve and be reachable from here, or the broker went away. ${hint}`,
        );
    }
    const cause = err.type ? `${err.type}: ${err.message}` : err.message;
    return new Error(`topic ${p.name} at ${p.bootstrapServers}: ${err.name}: ${cause}`);
}

/** Live partitions, RF and all configs of the topic, or `undefined` when it does not exist. */
async function describe(
    admin: Pick<kafkajsTypes.Admin, "listTopics" | "fetchTopicMetadata" | "describeConfigs">,
    name: string,
): Promise<
    | { partitions: number; replicationFactor: number; configs: kafkajsTypes.ConfigEntries[] }
    | undefined
> {
    const topics = await admin.listTopics();
    if (!topics.includes(name)) return undefined;
    const meta = await admin.fetchTopicMetadata({ topics: [name] });
    const parts = meta.topics[0]?.partitions ?? [];
    const res = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2 /* ConfigResourceTypes.TOPIC */, name }],
    });
    return {
        partitions: parts.length,
        replicationFactor: parts[0]?.replicas.length ?? 0,
        configs: res.resources[0]?.configEntries ?? [],
    };
}

function outputsFrom(
    p: TopicInputs,
    live: NonNullable<Awaited<ReturnType<typeof describe>>>,
): TopicInputs {
    const config: Record<string, string> = {};
    for (const k of Object.keys(p.config ?? {}).sort()) {
        const entry = live.configs.find((c) => c.configName === k);
        if (entry) config[k] = entry.configValue;
    }
    return { ...p, partitions: live.partitions, replicationFactor: live.replicationFactor, config };
}

async function waitFor(
    what: string,
    deadline: number,
    check: () => Promise<boolean>,
): Promise<void> {
    for (let delay = 100; !(await check()); delay = Math.min(delay * 2, 2_000)) {
        if (Date.now() + delay > deadline) throw new Error(`timed out waiting until ${what}`);
        await new Promise((r) => setTimeout(r, delay));
    }
}

/** kafkajs error types that mean "the brokers' metadata does not show the topic yet". */
const NOT_YET_VISIBLE = new Set(["UNKNOWN_TOPIC_OR_PARTITION", "LEADER_NOT_AVAILABLE"]);

/**
 * Waits until a just-created topic can be described. Seen under the real engine against the
 * Bitnami chart's broker: CreateTopics answered, then the next metadata/config call failed with
 * UNKNOWN_TOPIC_OR_PARTITION, which failed the create and left the topic in Kafka but not in state.
 */
export async function untilDescribed(
    admin: Pick<kafkajsTypes.Admin, "listTopics" | "fetchTopicMetadata" | "describeConfigs">,
    name: string,
    deadline: number,
): Promise<void> {
    await waitFor(`topic ${name} is visible in the brokers' metadata`, deadline, async () => {
        try {
            return (await describe(admin, name)) !== undefined;
        } catch (e) {
            if (NOT_YET_VISIBLE.has((e as { type?: string }).type ?? "")) return false;
            throw e;
        }
    });
}

/**
 * Sends CreateTopics; true when this call created the topic, false when it already existed.
 * kafkajs's wait for leaders retries only LEADER_NOT_AVAILABLE, so a broker whose metadata lags
 * its controller (a loaded machine, seen in CI) fails the call with UNKNOWN_TOPIC_OR_PARTITION
 * after the topic was created: that answer means "created, not visible yet" and
 * {@link untilDescribed} waits for it.
 */
export async function createTopic(
    admin: Pick<kafkajsTypes.Admin, "createTopics">,
    inputs: Pick<
        TopicInputs,
        "name" | "partitions" | "replicationFactor" | "config" | "timeoutSeconds"
    >,
): Promise<boolean> {
    try {
        return await admin.createTopics({
            waitForLeaders: true,
            timeout: inputs.timeoutSeconds * 1000,
            topics: [
                {
                    topic: inputs.name,
                    numPartitions: inputs.partitions,
                    replicationFactor: inputs.replicationFactor,
                    configEntries: Object.entries(inputs.config).map(([name, value]) => ({
                        name,
                        value,
                    })),
                },
            ],
        });
    } catch (e) {
        if ((e as { type?: string }).type === "UNKNOWN_TOPIC_OR_PARTITION") return true;
        throw e;
    }
}

/** Brings an existing topic to `news`: configs (merged), then partitions; returns live outputs. */
async function apply(
    admin: kafkajsTypes.Admin,
    olds: TopicInputs | undefined,
    news: TopicInputs,
): Promise<TopicInputs> {
    const live = await describe(admin, news.name);
    if (!live) throw new Error(`topic ${news.name} does not exist`);
    const current: Record<string, string> = {};
    for (const c of live.configs) {
        if (Number(c.configSource) === DYNAMIC_TOPIC_CONFIG && !c.isSensitive)
            current[c.configName] = c.configValue;
    }
    const merged = mergeTopicConfigs(current, olds?.config ?? {}, news.config);
    if (
        JSON.stringify(Object.entries(merged).sort()) !==
        JSON.stringify(Object.entries(current).sort())
    ) {
        await admin.alterConfigs({
            validateOnly: false,
            resources: [
                {
                    type: 2 /* ConfigResourceTypes.TOPIC */,
                    name: news.name,
                    configEntries: Object.entries(merged).map(([name, value]) => ({ name, value })),
                },
            ],
        });
    }
    if (news.partitions > live.partitions) {
        await admin.createPartitions({
            topicPartitions: [{ topic: news.name, count: news.partitions }],
        });
    } else if (news.partitions < live.partitions) {
        throw new Error(`partitions cannot decrease (${live.partitions} -> ${news.partitions})`);
    }
    const deadline = Date.now() + news.timeoutSeconds * 1000;
    let after = live;
    await waitFor(`topic ${news.name} has ${news.partitions} partitions`, deadline, async () => {
        const seen = await describe(admin, news.name);
        if (seen) after = seen;
        return (seen?.partitions ?? 0) >= news.partitions;
    });
    return outputsFrom(news, after);
}

/** The dynamic provider; every client and credential is created inside the methods. */
export const kafkaTopicProvider: pulumi.dynamic.ResourceProvider = {
    check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
        return Promise.resolve(checkTopic(news));
    },

    diff(_id: string, olds: TopicInputs, news: TopicInputs) {
        // A refused change rejects the promise, which fails the preview with the message.
        return Promise.resolve().then(() => {
            const { changes, replaces } = diffTopic(olds, news);
            return {
                changes: changes.length > 0 || replaces.length > 0,
                replaces,
                deleteBeforeReplace: true,
            };
        });
    },

    async create(inputs: TopicInputs) {
        const outs = await withAdmin(inputs, async (admin) => {
            const created = await createTopic(admin, inputs);
            if (!created) {
                const live = await describe(admin, inputs.name);
                if (!inputs.adoptExisting) {
                    throw new Error(
                        `topic ${inputs.name} already exists and is not managed by this stack; ` +
                            `set adoptExisting: true to manage it`,
                    );
                }
                if (live && live.replicationFactor !== inputs.replicationFactor) {
                    throw new Error(
                        `topic ${inputs.name} exists with replicationFactor ${live.replicationFactor}, ` +
                            `not ${inputs.replicationFactor}; adopting it cannot change that`,
                    );
                }
            }
            await untilDescribed(admin, inputs.name, Date.now() + inputs.timeoutSeconds * 1000);
            return apply(admin, undefined, inputs);
        });
        return { id: inputs.name, outs };
    },

    async read(id: string, props: TopicInputs) {
        const p = { ...props, name: props.name ?? id };
        const outs = await withAdmin(p, async (admin) => {
            const live = await describe(admin, p.name);
            return live ? outputsFrom(p, live) : undefined;
        });
        return outs ? { id, props: outs } : { id: "" };
    },

    async update(_id: string, olds: TopicInputs, news: TopicInputs) {
        if (news.replicationFactor !== olds.replicationFactor) {
            throw new Error(`topic ${news.name}: replicationFactor cannot change in place`);
        }
        const outs = await withAdmin(news, (admin) => apply(admin, olds, news));
        return { outs };
    },

    async delete(_id: string, props: TopicInputs) {
        if (props.retainOnDelete) return;
        await withAdmin(props, async (admin) => {
            if (!(await admin.listTopics()).includes(props.name)) return;
            await admin.deleteTopics({
                topics: [props.name],
                timeout: props.timeoutSeconds * 1000,
            });
            // Deletion is asynchronous; wait so a delete-before-replace create does not collide.
            const deadline = Date.now() + props.timeoutSeconds * 1000;
            await waitFor(`topic ${props.name} is gone`, deadline, async () => {
                return !(await admin.listTopics()).includes(props.name);
            });
        });
    },
};

/** A Kafka topic: created, reconfigured, grown and deleted through the Kafka admin API. */
export class KafkaTopic extends pulumi.dynamic.Resource {
    /** Topic name. */
    declare readonly name: pulumi.Output<string>;
    /** Live partition count. */
    declare readonly partitions: pulumi.Output<number>;
    /** Live replication factor. */
    declare readonly replicationFactor: pulumi.Output<number>;
    /** Live values of the declared configs. */
    declare readonly config: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: KafkaTopicArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            // A small shim in state; it loads kafkaTopicProvider from this module at run time.
            providerRef("connectors/kafkaTopic/resource", "kafkaTopicProvider"),
            name,
            {
                bootstrapServers: args.bootstrapServers,
                name: args.name ?? name,
                partitions: args.partitions,
                replicationFactor: args.replicationFactor,
                config: args.config,
                retainOnDelete: args.retainOnDelete,
                adoptExisting: args.adoptExisting,
                allowDestructiveReplace: args.allowDestructiveReplace,
                ssl: args.ssl,
                ca: args.ca,
                sasl: args.sasl ? pulumi.secret(args.sasl) : undefined,
                timeoutSeconds: args.timeoutSeconds,
                endpointHint: args.endpointHint,
                providerVersion: KAFKA_TOPIC_PROVIDER_VERSION,
            },
            {
                ...opts,
                additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "sasl"],
            },
            "ingest",
            "KafkaTopic",
        );
    }
}
