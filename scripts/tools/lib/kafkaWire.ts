/**
 * The produce path of the shared producer, on Kafka's wire protocol directly: record batches (v2)
 * are encoded straight from the records into one buffer per send (no per-record objects), checked
 * with CRC-32C, and sent as Produce v7 requests on one connection per leader broker, with an
 * idempotent producer id (InitProducerId v1) so a resent batch is never written twice and each
 * partition stays in order. kafkajs spends most of a send allocating and copying small buffers
 * and computing the CRC one byte at a time; this does neither, which is what lets a Node producer
 * keep up with Kafka's own Java client.
 *
 * Scope: PLAINTEXT connections, compression none or gzip. Metadata, topic checks and SASL stay
 * with kafkajs (see producer.ts).
 */
import { createRequire } from "node:module";
import { connect as tcpConnect, type Socket } from "node:net";
import { promisify } from "node:util";
import { gzip as gzipCb } from "node:zlib";
import type { OutRecord } from "./batches";

const gzip = promisify(gzipCb);

// ---- CRC-32C (Castagnoli), slicing by 8 ----

const CRC_TABLES: Int32Array[] = (() => {
    const t: Int32Array[] = [];
    for (let k = 0; k < 8; k++) t.push(new Int32Array(256));
    for (let n = 0; n < 256; n++) {
        let c = n;
        for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
        t[0][n] = c;
    }
    for (let n = 0; n < 256; n++) {
        let c = t[0][n];
        for (let k = 1; k < 8; k++) {
            c = t[0][c & 0xff] ^ (c >>> 8);
            t[k][n] = c;
        }
    }
    return t;
})();

/** CRC-32C of `buf[start, end)` in JavaScript (the fallback without the native package). */
export function crc32cJs(buf: Uint8Array, start = 0, end = buf.length): number {
    const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC_TABLES;
    let crc = ~0;
    let i = start;
    for (; i + 8 <= end; i += 8) {
        crc ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
        crc =
            t7[crc & 0xff] ^
            t6[(crc >>> 8) & 0xff] ^
            t5[(crc >>> 16) & 0xff] ^
            t4[crc >>> 24] ^
            t3[buf[i + 4]] ^
            t2[buf[i + 5]] ^
            t1[buf[i + 6]] ^
            t0[buf[i + 7]];
    }
    for (; i < end; i++) crc = t0[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
    return ~crc >>> 0;
}

/**
 * The SIMD CRC-32C of the optional dependency `@node-rs/crc32` (a prebuilt binary inside its npm
 * package, about 4× the JavaScript one here), when it installed on this platform.
 */
const nativeCrc32c = ((): ((b: Uint8Array) => number) | undefined => {
    try {
        const load = createRequire(__filename);
        const mod = load("@node-rs/crc32") as { crc32c?: (b: Uint8Array) => number };
        return typeof mod.crc32c === "function" ? mod.crc32c : undefined;
    } catch {
        return undefined;
    }
})();

/** Which CRC-32C implementation {@link crc32c} uses. */
export const CRC32C_IMPLEMENTATION = nativeCrc32c ? "@node-rs/crc32" : "javascript";

/** CRC-32C of `buf[start, end)` as an unsigned 32-bit number. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
    return nativeCrc32c ? nativeCrc32c(buf.subarray(start, end)) >>> 0 : crc32cJs(buf, start, end);
}

// ---- partitioning ----

/**
 * Kafka's murmur2 of `key` (the Java client's `Utils.murmur2`, which kafkajs's default partitioner
 * also implements, with 64-bit arithmetic): 32-bit multiplications via Math.imul.
 */
export function murmur2(key: Uint8Array): number {
    const m = 0x5bd1e995;
    const len = key.length;
    let h = 0x9747b28c ^ len;
    const len4 = len & ~3;
    for (let i = 0; i < len4; i += 4) {
        let k = key[i] | (key[i + 1] << 8) | (key[i + 2] << 16) | (key[i + 3] << 24);
        k = Math.imul(k, m);
        k ^= k >>> 24;
        k = Math.imul(k, m);
        h = Math.imul(h, m) ^ k;
    }
    const rest = len & 3;
    if (rest === 3) h ^= key[len4 + 2] << 16;
    if (rest >= 2) h ^= key[len4 + 1] << 8;
    if (rest >= 1) h = Math.imul(h ^ key[len4], m);
    h ^= h >>> 13;
    h = Math.imul(h, m);
    h ^= h >>> 15;
    return h | 0;
}

/** The partition of a keyed record among `count`: Kafka's `toPositive(murmur2(key)) % count`. */
export function keyPartition(key: string, count: number): number {
    return (murmur2(Buffer.from(key)) & 0x7fffffff) % count;
}

// ---- record batch v2 ----

function varintSize(v: number): number {
    // Zig-zag, then 7 bits per byte; values here stay well within 32 bits.
    let z = v >= 0 ? v * 2 : -v * 2 - 1;
    let n = 1;
    while (z >= 0x80) {
        z = Math.floor(z / 128);
        n++;
    }
    return n;
}

function writeVarint(buf: Buffer, off: number, v: number): number {
    let z = v >= 0 ? v * 2 : -v * 2 - 1;
    while (z >= 0x80) {
        buf[off++] = (z & 0x7f) | 0x80;
        z = Math.floor(z / 128);
    }
    buf[off++] = z;
    return off;
}

/** Producer identity of an idempotent producer; id -1 means none. */
export interface ProducerIdentity {
    readonly producerId: bigint;
    readonly epoch: number;
}

/** Bytes of the record batch header before the records (baseOffset … recordCount). */
const BATCH_HEADER = 61;
/** Offset of the CRC-covered part (attributes onwards). */
const CRC_START = 21;

const COMPRESSION = { none: 0, gzip: 1 } as const;

/**
 * One record batch (magic 2) holding `records`, as the broker stores it. With compression the
 * records section is compressed (asynchronously, off the main thread).
 */
export async function encodeRecordBatch(
    records: readonly OutRecord[],
    opts: {
        readonly identity?: ProducerIdentity;
        readonly baseSequence?: number;
        readonly compression?: keyof typeof COMPRESSION;
        readonly timestamp?: number;
    } = {},
): Promise<Buffer> {
    const n = records.length;
    const keyLens = new Int32Array(n);
    const valueLens = new Int32Array(n);
    const bodyLens = new Int32Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
        const r = records[i];
        const kl = r.key === null ? -1 : Buffer.byteLength(r.key);
        const vl = Buffer.byteLength(r.value);
        keyLens[i] = kl;
        valueLens[i] = vl;
        // attributes, timestampDelta 0, offsetDelta, key, value, header count 0
        const body =
            1 + 1 + varintSize(i) + varintSize(kl) + Math.max(kl, 0) + varintSize(vl) + vl + 1;
        bodyLens[i] = body;
        total += varintSize(body) + body;
    }
    const codec = opts.compression ?? "none";
    const recordsBuf = Buffer.allocUnsafe(total);
    let o = 0;
    for (let i = 0; i < n; i++) {
        const r = records[i];
        o = writeVarint(recordsBuf, o, bodyLens[i]);
        recordsBuf[o++] = 0; // attributes
        recordsBuf[o++] = 0; // timestampDelta 0
        o = writeVarint(recordsBuf, o, i);
        o = writeVarint(recordsBuf, o, keyLens[i]);
        if (r.key !== null) o += recordsBuf.write(r.key, o, "utf8");
        o = writeVarint(recordsBuf, o, valueLens[i]);
        o += recordsBuf.write(r.value, o, "utf8");
        recordsBuf[o++] = 0; // headers
    }
    const payload = codec === "gzip" ? await gzip(recordsBuf) : recordsBuf;
    const out = Buffer.allocUnsafe(BATCH_HEADER + payload.length);
    const ts = BigInt(opts.timestamp ?? Date.now());
    const id = opts.identity;
    out.writeBigInt64BE(0n, 0); // baseOffset
    out.writeInt32BE(out.length - 12, 8); // batchLength: after baseOffset and itself
    out.writeInt32BE(-1, 12); // partitionLeaderEpoch
    out.writeInt8(2, 16); // magic
    out.writeInt16BE(COMPRESSION[codec], 21); // attributes
    out.writeInt32BE(n - 1, 23); // lastOffsetDelta
    out.writeBigInt64BE(ts, 27); // baseTimestamp
    out.writeBigInt64BE(ts, 35); // maxTimestamp
    out.writeBigInt64BE(id ? id.producerId : -1n, 43);
    out.writeInt16BE(id ? id.epoch : -1, 51);
    out.writeInt32BE(id ? (opts.baseSequence ?? 0) : -1, 53);
    out.writeInt32BE(n, 57);
    payload.copy(out, BATCH_HEADER);
    out.writeUInt32BE(crc32c(out, CRC_START, out.length), 17);
    return out;
}

// ---- connection ----

/** A Kafka error code from a response. */
export class KafkaProtocolError extends Error {
    constructor(
        readonly code: number,
        what: string,
    ) {
        super(
            `${what}: Kafka error ${code} (${ERROR_NAMES[code] ?? "see the Kafka protocol docs"})`,
        );
    }
    /** Worth retrying after a metadata refresh (leader moved, broker busy). */
    get retriable(): boolean {
        return RETRIABLE.has(this.code);
    }
}

const ERROR_NAMES: Record<number, string> = {
    2: "CORRUPT_MESSAGE",
    3: "UNKNOWN_TOPIC_OR_PARTITION",
    5: "LEADER_NOT_AVAILABLE",
    6: "NOT_LEADER_OR_FOLLOWER",
    7: "REQUEST_TIMED_OUT",
    10: "MESSAGE_TOO_LARGE",
    13: "NETWORK_EXCEPTION",
    14: "COORDINATOR_LOAD_IN_PROGRESS",
    15: "COORDINATOR_NOT_AVAILABLE",
    16: "NOT_COORDINATOR",
    18: "RECORD_LIST_TOO_LARGE",
    19: "NOT_ENOUGH_REPLICAS",
    20: "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
    29: "TOPIC_AUTHORIZATION_FAILED",
    45: "OUT_OF_ORDER_SEQUENCE_NUMBER",
    46: "DUPLICATE_SEQUENCE_NUMBER",
    59: "UNKNOWN_PRODUCER_ID",
};
// 14-16: a broker that has just started, still loading its producer-id / transaction state.
const RETRIABLE = new Set([3, 5, 6, 7, 13, 14, 15, 16, 19, 20]);

const API_PRODUCE = 0;
const API_INIT_PRODUCER_ID = 22;

/** One broker connection with pipelined requests (the broker answers them in order). */
export class WireConnection {
    private readonly socket: Socket;
    private correlation = 0;
    private readonly pending = new Map<
        number,
        { resolve: (b: Buffer) => void; reject: (e: Error) => void }
    >();
    private chunks: Buffer[] = [];
    private buffered = 0;
    private closed?: Error;
    readonly ready: Promise<void>;

    constructor(
        readonly host: string,
        readonly port: number,
        private readonly clientId: string,
    ) {
        this.socket = tcpConnect({ host, port, noDelay: true });
        this.ready = new Promise((resolve, reject) => {
            this.socket.once("connect", () => resolve());
            this.socket.once("error", reject);
        });
        this.socket.on("data", (d: Buffer) => this.onData(d));
        this.socket.on("error", (e) => this.fail(e));
        this.socket.on("close", () => this.fail(new Error(`connection to ${host}:${port} closed`)));
    }

    get broken(): boolean {
        return this.closed !== undefined;
    }

    private fail(e: Error): void {
        this.closed ??= e;
        for (const p of this.pending.values()) p.reject(this.closed);
        this.pending.clear();
    }

    private onData(d: Buffer): void {
        this.chunks.push(d);
        this.buffered += d.length;
        for (;;) {
            if (this.buffered < 4) return;
            let head = this.chunks[0];
            if (head.length < 4) {
                head = Buffer.concat(this.chunks);
                this.chunks = [head];
            }
            const size = head.readInt32BE(0);
            if (this.buffered < 4 + size) return;
            const all = this.chunks.length === 1 ? head : Buffer.concat(this.chunks);
            const frame = all.subarray(4, 4 + size);
            const rest = all.subarray(4 + size);
            this.chunks = rest.length > 0 ? [rest] : [];
            this.buffered = rest.length;
            const id = frame.readInt32BE(0);
            const p = this.pending.get(id);
            this.pending.delete(id);
            p?.resolve(frame.subarray(4));
        }
    }

    /** Sends a request (header v1) and resolves with the response body (after header v0). */
    request(apiKey: number, version: number, body: Buffer[]): Promise<Buffer> {
        if (this.closed) return Promise.reject(this.closed);
        const id = (this.correlation = (this.correlation + 1) | 0);
        const client = Buffer.from(this.clientId);
        const header = Buffer.allocUnsafe(4 + 10 + client.length);
        const size = header.length - 4 + body.reduce((n, b) => n + b.length, 0);
        header.writeInt32BE(size, 0);
        header.writeInt16BE(apiKey, 4);
        header.writeInt16BE(version, 6);
        header.writeInt32BE(id, 8);
        header.writeInt16BE(client.length, 12);
        client.copy(header, 14);
        return new Promise((resolve, reject) => {
            this.pending.set(id, { resolve, reject });
            this.socket.cork();
            this.socket.write(header);
            for (const b of body) this.socket.write(b);
            this.socket.uncork();
        });
    }

    /** InitProducerId v1 (no transactional id): a fresh idempotent producer identity. */
    async initProducerId(): Promise<ProducerIdentity> {
        const body = Buffer.alloc(6);
        body.writeInt16BE(-1, 0); // transactional_id null
        body.writeInt32BE(60_000, 2);
        const r = await this.request(API_INIT_PRODUCER_ID, 1, [body]);
        const code = r.readInt16BE(4);
        if (code !== 0) throw new KafkaProtocolError(code, "InitProducerId");
        return { producerId: r.readBigInt64BE(6), epoch: r.readInt16BE(14) };
    }

    /**
     * Produce v7 of one record batch to `topic`/`partition`; resolves with the partition's error
     * code (0 = written, 46 = already written: a resend of a batch that had landed).
     */
    async produce(
        topic: string,
        partition: number,
        batch: Buffer,
        acks: number,
        timeoutMs: number,
    ): Promise<number> {
        const name = Buffer.from(topic);
        const head = Buffer.allocUnsafe(2 + 2 + 4 + 4 + 2 + name.length + 4 + 4 + 4);
        let o = head.writeInt16BE(-1, 0); // transactional_id null
        o = head.writeInt16BE(acks, o);
        o = head.writeInt32BE(timeoutMs, o);
        o = head.writeInt32BE(1, o); // one topic
        o = head.writeInt16BE(name.length, o);
        o += name.copy(head, o);
        o = head.writeInt32BE(1, o); // one partition
        o = head.writeInt32BE(partition, o);
        head.writeInt32BE(batch.length, o);
        const r = await this.request(API_PRODUCE, 7, [head, batch]);
        // responses[1]: name, partitions[1]: index, error_code, …
        let p = 4;
        p += 2 + r.readInt16BE(p);
        p += 4;
        return r.readInt16BE(p + 4);
    }

    close(): void {
        this.fail(new Error("connection closed by the producer"));
        this.socket.destroy();
    }
}
