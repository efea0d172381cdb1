/**
 * The one producer every data tool uses: records are batched (up to 1000 per send, under the
 * broker's request limit), several sends are in flight, acks=all, optional gzip, idempotence on
 * by default. `send` waits while the in-flight window is full, so a tool that awaits it reads its
 * input only as fast as Kafka takes it and its memory stays flat however many records it sends.
 */
import {
    CompressionTypes,
    Kafka,
    logLevel,
    Partitioners,
    type PartitionMetadata,
    type Producer,
} from "kafkajs";
import {
    BatchBuilder,
    DEFAULT_MAX_BATCH_BYTES,
    RECORD_OVERHEAD_BYTES,
    recordBytes,
    type OutRecord,
} from "./batches";
import { ConnectionError, type Endpoint } from "./endpoints";

/** Options of {@link BatchingProducer}. */
export interface BatchingProducerOptions {
    /** Bootstrap servers, comma-separated, and where they came from. */
    readonly kafka: Endpoint;
    readonly topic: string;
    /** Records per send. Defaults to 1000. */
    readonly batchRecords?: number;
    /** Estimated bytes per send. Defaults to {@link DEFAULT_MAX_BATCH_BYTES}. */
    readonly maxBatchBytes?: number;
    /** Sends in flight at once. Defaults to 4. */
    readonly inFlight?: number;
    /** Defaults to `"gzip"`. */
    readonly compression?: "gzip" | "none";
    /**
     * Idempotent producer (no duplicates on retry, order kept per partition). kafkajs then
     * serializes requests per broker. Defaults to true.
     */
    readonly idempotent?: boolean;
    /** Send a partial batch this long after its first record. Defaults to 100 ms. */
    readonly lingerMs?: number;
    /** SASL/PLAIN credentials, when the listener requires them. */
    readonly sasl?: { readonly username: string; readonly password: string };
    readonly clientId?: string;
    /** Called after each acknowledged send with the records it carried. */
    readonly onAck?: (records: number, bytes: number) => void;
}

/** Totals of a run. */
export interface ProducerStats {
    records: number;
    bytes: number;
    sends: number;
}

/** One partition's pending batch and its one send in flight (which keeps the partition ordered). */
interface Lane {
    readonly builder: BatchBuilder;
    sending?: Promise<void>;
}

/**
 * Batching, windowed kafkajs producer for one topic. Records are assigned their partition here
 * (kafkajs's Java-compatible partitioner) and batched per partition, with at most one send in
 * flight per partition and `inFlight` in all: kafkajs does not keep concurrent sends in order
 * (they race through its metadata step before taking the broker lock), so per-partition lanes are
 * what keeps one key's records in order while several partitions are sent at once.
 */
export class BatchingProducer {
    readonly stats: ProducerStats = { records: 0, bytes: 0, sends: 0 };
    private readonly kafka: Kafka;
    private readonly producer: Producer;
    private readonly partitioner = Partitioners.DefaultPartitioner();
    private partitions: PartitionMetadata[] = [];
    private readonly lanes = new Map<number, Lane>();
    private readonly inFlight = new Set<Promise<void>>();
    private failure?: Error;
    private linger?: NodeJS.Timeout;

    constructor(private readonly opts: BatchingProducerOptions) {
        this.kafka = new Kafka({
            clientId: opts.clientId ?? "ingest-tools",
            brokers: opts.kafka.value.split(",").map((b) => b.trim()),
            logLevel: logLevel.NOTHING,
            connectionTimeout: 5_000,
            // Fail a wrong address within seconds rather than kafkajs's default ~30 s.
            retry: { retries: 3, initialRetryTime: 300 },
            ...(opts.sasl ? { sasl: { mechanism: "plain" as const, ...opts.sasl } } : {}),
        });
        this.producer = this.kafka.producer({
            idempotent: opts.idempotent ?? true,
            allowAutoTopicCreation: false,
        });
    }

    /**
     * Connects and reads the topic's partitions; a failure names the endpoint and the flag or
     * stack output it came from, a missing topic says so.
     */
    async connect(): Promise<void> {
        const admin = this.kafka.admin();
        try {
            await admin.connect();
            await this.producer.connect();
        } catch (err) {
            throw new ConnectionError("Kafka", this.opts.kafka, err);
        }
        try {
            const meta = await admin.fetchTopicMetadata({ topics: [this.opts.topic] });
            this.partitions = meta.topics[0]?.partitions ?? [];
        } catch (err) {
            throw new ConnectionError(`Kafka topic ${this.opts.topic}`, this.opts.kafka, err);
        } finally {
            await admin.disconnect().catch(() => undefined);
        }
        if (this.partitions.length === 0) {
            throw new Error(
                `topic ${this.opts.topic} has no partitions at ${this.opts.kafka.value}`,
            );
        }
    }

    /** Queues `r`; resolves once it is batched (waiting while the send window is full). */
    async send(r: OutRecord): Promise<void> {
        if (this.failure) throw this.failure;
        const partition = this.partitioner({
            topic: this.opts.topic,
            partitionMetadata: this.partitions,
            message: { key: r.key, value: r.value },
        });
        let lane = this.lanes.get(partition);
        if (lane === undefined) {
            lane = {
                builder: new BatchBuilder({
                    maxRecords: this.opts.batchRecords ?? 1000,
                    maxBytes: this.opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
                }),
            };
            this.lanes.set(partition, lane);
        }
        const closed = lane.builder.add(r);
        if (closed) await this.dispatch(partition, lane, closed);
        if (lane.builder.full) await this.dispatch(partition, lane, lane.builder.drain());
        this.linger ??= setTimeout(() => {
            this.linger = undefined;
            void this.drainAll().catch(() => undefined);
        }, this.opts.lingerMs ?? 100);
    }

    /** Sends what is pending and waits for every send to be acknowledged. */
    async flush(): Promise<void> {
        this.clearLinger();
        await this.drainAll();
        while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
        if (this.failure) throw this.failure;
    }

    /** Flushes and disconnects (disconnects even when the flush fails). */
    async close(): Promise<void> {
        try {
            await this.flush();
        } finally {
            this.clearLinger();
            await this.producer.disconnect().catch(() => undefined);
        }
    }

    private async drainAll(): Promise<void> {
        for (const [partition, lane] of this.lanes) {
            const rest = lane.builder.drain();
            if (rest.length > 0) await this.dispatch(partition, lane, rest);
        }
    }

    private clearLinger(): void {
        if (this.linger) clearTimeout(this.linger);
        this.linger = undefined;
    }

    private async dispatch(partition: number, lane: Lane, batch: OutRecord[]): Promise<void> {
        if (batch.length === 0) return;
        // One send per partition at a time (order), `inFlight` sends in all (memory).
        while (lane.sending !== undefined || this.inFlight.size >= (this.opts.inFlight ?? 4)) {
            await Promise.race(lane.sending ? [lane.sending] : [...this.inFlight]);
        }
        if (this.failure) throw this.failure;
        const bytes = batch.reduce((n, r) => n + recordBytes(r) - RECORD_OVERHEAD_BYTES, 0);
        const p: Promise<void> = this.producer
            .send({
                topic: this.opts.topic,
                acks: -1,
                compression:
                    (this.opts.compression ?? "gzip") === "gzip"
                        ? CompressionTypes.GZIP
                        : CompressionTypes.None,
                messages: batch.map((r) => ({ key: r.key, value: r.value, partition })),
            })
            .then(
                () => {
                    this.stats.records += batch.length;
                    this.stats.bytes += bytes;
                    this.stats.sends += 1;
                    this.opts.onAck?.(batch.length, bytes);
                },
                (err: unknown) => {
                    this.failure ??= new ConnectionError(
                        `Kafka topic ${this.opts.topic}`,
                        this.opts.kafka,
                        err,
                    );
                },
            )
            .finally(() => {
                this.inFlight.delete(p);
                if (lane.sending === p) lane.sending = undefined;
            });
        lane.sending = p;
        this.inFlight.add(p);
    }
}
