/**
 * The one producer every data tool uses: records are batched (up to 1000 per send, under the
 * broker's request limit), several sends are in flight, acks=all, optional gzip, idempotence on
 * by default. `send` waits while the in-flight window is full, so a tool that awaits it reads its
 * input only as fast as Kafka takes it and its memory stays flat however many records it sends.
 *
 * Sends go over Kafka's wire protocol directly (./kafkaWire.ts: one encoded buffer per batch,
 * Produce v7, idempotent producer id) unless SASL is configured or `client: "kafkajs"` is asked
 * for; kafkajs reads the metadata either way and sends in the SASL case.
 */
import {
    CompressionTypes,
    Kafka,
    logLevel,
    Partitioners,
    type PartitionMetadata,
    type Producer,
    type SASLOptions,
} from "kafkajs";
import {
    BatchBuilder,
    DEFAULT_MAX_BATCH_BYTES,
    RECORD_OVERHEAD_BYTES,
    recordBytes,
    type OutRecord,
} from "./batches";
import { ConnectionError, type Endpoint } from "./endpoints";
import {
    encodeRecordBatch,
    KafkaProtocolError,
    keyPartition,
    WireConnection,
    type ProducerIdentity,
} from "./kafkaWire";

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
    /** SASL credentials, when the listener requires them (mechanism defaults to PLAIN). */
    readonly sasl?: {
        readonly mechanism?: "plain" | "scram-sha-256" | "scram-sha-512";
        readonly username: string;
        readonly password: string;
    };
    /** TLS to the brokers, trusting `ca` (PEM) when given, else the system's CAs. */
    readonly tls?: { readonly ca?: string };
    readonly clientId?: string;
    /** Called after each acknowledged send with the records it carried. */
    readonly onAck?: (records: number, bytes: number) => void;
    /**
     * Who sends: `"wire"` (the default without SASL: the protocol directly, see ./kafkaWire.ts)
     * or `"kafkajs"` (the default with SASL).
     */
    readonly client?: "wire" | "kafkajs";
}

/** Attempts of one send on retriable errors (leader moved, broker restarting), with backoff. */
const SEND_ATTEMPTS = 6;
/** The broker's wait for acks=all before it answers REQUEST_TIMED_OUT. */
const PRODUCE_TIMEOUT_MS = 30_000;
/** Wraps like Kafka's sequence numbers (Integer.MAX_VALUE, then 0). */
const SEQUENCE_MODULUS = 2 ** 31;

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
    /** Next sequence number of the idempotent wire producer. */
    sequence: number;
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
    private readonly wire: boolean;
    private brokers = new Map<number, { host: string; port: number }>();
    private readonly connections = new Map<number, WireConnection>();
    private identity?: ProducerIdentity;
    private refreshing?: Promise<void>;

    constructor(private readonly opts: BatchingProducerOptions) {
        this.kafka = new Kafka({
            clientId: opts.clientId ?? "ingest-tools",
            brokers: opts.kafka.value.split(",").map((b) => b.trim()),
            logLevel: logLevel.NOTHING,
            connectionTimeout: 5_000,
            // Fail a wrong address within seconds rather than kafkajs's default ~30 s.
            retry: { retries: 3, initialRetryTime: 300 },
            ...(opts.sasl
                ? {
                      sasl: {
                          mechanism: opts.sasl.mechanism ?? "plain",
                          username: opts.sasl.username,
                          password: opts.sasl.password,
                      } as SASLOptions,
                  }
                : {}),
            ...(opts.tls ? { ssl: opts.tls.ca ? { ca: [opts.tls.ca] } : true } : {}),
        });
        this.producer = this.kafka.producer({
            idempotent: opts.idempotent ?? true,
            allowAutoTopicCreation: false,
        });
        const secured = opts.sasl !== undefined || opts.tls !== undefined;
        this.wire = (opts.client ?? (secured ? "kafkajs" : "wire")) === "wire";
        if (this.wire && secured) {
            throw new Error(
                'client "wire" does not do SASL or TLS; leave client unset (kafkajs sends with them)',
            );
        }
    }

    /**
     * Connects and reads the topic's partitions; a failure names the endpoint and the flag or
     * stack output it came from, a missing topic says so.
     */
    async connect(): Promise<void> {
        const admin = this.kafka.admin();
        try {
            await admin.connect();
            if (!this.wire) await this.producer.connect();
        } catch (err) {
            await admin.disconnect().catch(() => undefined);
            throw new ConnectionError("Kafka", this.opts.kafka, err);
        }
        try {
            await this.readMetadata(admin);
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
        if (this.wire && (this.opts.idempotent ?? true)) {
            try {
                this.identity = await this.initProducerId();
            } catch (err) {
                this.closeConnections();
                throw new ConnectionError("Kafka", this.opts.kafka, err);
            }
        }
    }

    /** Partitions and their leaders' addresses. */
    private async readMetadata(admin: ReturnType<Kafka["admin"]>): Promise<void> {
        const meta = await admin.fetchTopicMetadata({ topics: [this.opts.topic] });
        this.partitions = meta.topics[0]?.partitions ?? [];
        if (this.wire) {
            const cluster = await admin.describeCluster();
            this.brokers = new Map(
                cluster.brokers.map((b) => [b.nodeId, { host: b.host, port: b.port }]),
            );
        }
    }

    /**
     * A producer id from a partition leader, retried (with backoff, about 20 s in all) while the
     * broker answers that it is still loading its state, as a freshly started one does.
     */
    private async initProducerId(): Promise<ProducerIdentity> {
        let last: unknown;
        for (let attempt = 0; attempt < SEND_ATTEMPTS + 2; attempt++) {
            if (attempt > 0) await new Promise((r) => setTimeout(r, 300 * 2 ** (attempt - 1)));
            try {
                return await (await this.connection(this.partitions[0].leader)).initProducerId();
            } catch (err) {
                if (err instanceof KafkaProtocolError && !err.retriable) throw err;
                last = err;
            }
        }
        throw last instanceof Error ? last : new Error(String(last));
    }

    /** Reads the metadata again (once for all sends that ask at the same time). */
    private refreshMetadata(): Promise<void> {
        this.refreshing ??= (async () => {
            const admin = this.kafka.admin();
            try {
                await admin.connect();
                await this.readMetadata(admin);
            } finally {
                await admin.disconnect().catch(() => undefined);
                this.refreshing = undefined;
            }
        })();
        return this.refreshing;
    }

    /** The open connection to broker `nodeId`, opened on first use or after a failure. */
    private async connection(nodeId: number): Promise<WireConnection> {
        let c = this.connections.get(nodeId);
        if (c === undefined || c.broken) {
            const b = this.brokers.get(nodeId);
            if (!b) throw new Error(`broker ${nodeId} is not in the cluster metadata`);
            c = new WireConnection(b.host, b.port, this.opts.clientId ?? "ingest-tools");
            this.connections.set(nodeId, c);
        }
        await c.ready;
        return c;
    }

    private closeConnections(): void {
        for (const c of this.connections.values()) c.close();
        this.connections.clear();
    }

    /**
     * One batch to one partition over the wire, retried on retriable errors with the same
     * sequence numbers (so the broker drops a copy that had landed) after re-reading the leaders.
     */
    private async sendWire(partition: number, batch: OutRecord[], sequence: number): Promise<void> {
        const encoded = await encodeRecordBatch(batch, {
            identity: this.identity,
            baseSequence: sequence,
            compression: this.opts.compression ?? "gzip",
        });
        let last: unknown;
        for (let attempt = 0; attempt < SEND_ATTEMPTS; attempt++) {
            if (attempt > 0) {
                await new Promise((r) => setTimeout(r, 300 * 2 ** (attempt - 1)));
                await this.refreshMetadata().catch((e: unknown) => (last = e));
            }
            try {
                const leader = this.partitions.find((p) => p.partitionId === partition)?.leader;
                if (leader === undefined || leader < 0) {
                    last = new Error(`partition ${partition} has no leader`);
                    continue;
                }
                const conn = await this.connection(leader);
                const code = await conn.produce(
                    this.opts.topic,
                    partition,
                    encoded,
                    -1,
                    PRODUCE_TIMEOUT_MS,
                );
                // 46: a resend of a batch the broker had already written.
                if (code === 0 || code === 46) return;
                const err = new KafkaProtocolError(code, `produce to partition ${partition}`);
                if (!err.retriable) throw err;
                last = err;
            } catch (err) {
                if (err instanceof KafkaProtocolError && !err.retriable) throw err;
                last = err;
            }
        }
        throw last instanceof Error ? last : new Error(String(last));
    }

    /** Queues `r`; resolves once it is batched (waiting while the send window is full). */
    async send(r: OutRecord): Promise<void> {
        if (this.failure) throw this.failure;
        // Keyed: Kafka's murmur2 (what kafkajs's default partitioner computes, without its
        // 64-bit Long arithmetic); unkeyed: kafkajs's round robin over available partitions.
        const partition =
            r.key !== null
                ? keyPartition(r.key, this.partitions.length)
                : this.partitioner({
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
                sequence: 0,
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
            this.closeConnections();
            if (!this.wire) await this.producer.disconnect().catch(() => undefined);
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
        const sequence = lane.sequence;
        lane.sequence = (sequence + batch.length) % SEQUENCE_MODULUS;
        const sent = this.wire
            ? this.sendWire(partition, batch, sequence)
            : this.producer
                  .send({
                      topic: this.opts.topic,
                      acks: -1,
                      compression:
                          (this.opts.compression ?? "gzip") === "gzip"
                              ? CompressionTypes.GZIP
                              : CompressionTypes.None,
                      messages: batch.map((r) => ({ key: r.key, value: r.value, partition })),
                  })
                  .then(() => undefined);
        const p: Promise<void> = sent
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
