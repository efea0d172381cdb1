/**
 * Batch splitting for the producers, kept pure for tests: records are grouped into sends of at
 * most `maxRecords` records and `maxBytes` estimated bytes, because kafkajs sends whatever it is
 * given as one request and the broker rejects a record batch over `message.max.bytes` (1 MiB by
 * default) instead of splitting it.
 */

/** One Kafka record as the tools produce it. */
export interface OutRecord {
    readonly key: string | null;
    readonly value: string;
}

/**
 * Upper bound of a record's framing in a v2 record batch: length, attributes, timestamp and
 * offset deltas, key and value lengths (varints) and the header count.
 */
export const RECORD_OVERHEAD_BYTES = 32;
/** Record batch header (61 bytes) plus the produce request's topic/partition framing. */
export const BATCH_OVERHEAD_BYTES = 128;
/**
 * Default size limit of one send: below the broker's default `message.max.bytes` (1,048,588) so a
 * send stays under it even when every record goes to one partition and nothing compresses.
 */
export const DEFAULT_MAX_BATCH_BYTES = 1_000_000;

/** Estimated bytes of `r` on the wire, uncompressed. */
export function recordBytes(r: OutRecord): number {
    return (
        (r.key === null ? 0 : Buffer.byteLength(r.key)) +
        Buffer.byteLength(r.value) +
        RECORD_OVERHEAD_BYTES
    );
}

/** Why `r` can never be sent within `maxBytes`, or undefined when it fits. */
export function oversizeReason(r: OutRecord, maxBytes: number): string | undefined {
    const size = recordBytes(r) + BATCH_OVERHEAD_BYTES;
    return size > maxBytes
        ? `record of ${size} bytes exceeds the ${maxBytes}-byte request limit`
        : undefined;
}

/** Limits of one send. */
export interface BatchLimits {
    readonly maxRecords: number;
    readonly maxBytes: number;
}

/**
 * Accumulates records and hands out batches. `add` returns the batch that was closed to make room
 * for `r`, else undefined; `drain` returns what is pending.
 */
export class BatchBuilder {
    private records: OutRecord[] = [];
    private bytes = BATCH_OVERHEAD_BYTES;

    constructor(private readonly limits: BatchLimits) {
        if (limits.maxRecords < 1) throw new Error("maxRecords must be at least 1");
        if (limits.maxBytes <= BATCH_OVERHEAD_BYTES) {
            throw new Error(`maxBytes must exceed ${BATCH_OVERHEAD_BYTES}`);
        }
    }

    /** Records waiting. */
    get size(): number {
        return this.records.length;
    }

    /** Adds `r`; throws if it can never fit (check {@link oversizeReason} first). */
    add(r: OutRecord): OutRecord[] | undefined {
        const tooBig = oversizeReason(r, this.limits.maxBytes);
        if (tooBig) throw new Error(tooBig);
        const size = recordBytes(r);
        const full =
            this.records.length >= this.limits.maxRecords ||
            this.bytes + size > this.limits.maxBytes;
        const closed = this.records.length > 0 && full ? this.drain() : undefined;
        this.records.push(r);
        this.bytes += size;
        return closed;
    }

    /** True when the next record cannot join the pending batch by count. */
    get full(): boolean {
        return this.records.length >= this.limits.maxRecords;
    }

    /** The pending records (possibly none), leaving the builder empty. */
    drain(): OutRecord[] {
        const out = this.records;
        this.records = [];
        this.bytes = BATCH_OVERHEAD_BYTES;
        return out;
    }
}

/** All of `records` split into batches within `limits` (for tests and small inputs). */
export function splitBatches(records: Iterable<OutRecord>, limits: BatchLimits): OutRecord[][] {
    const b = new BatchBuilder(limits);
    const out: OutRecord[][] = [];
    for (const r of records) {
        const closed = b.add(r);
        if (closed) out.push(closed);
    }
    const rest = b.drain();
    if (rest.length > 0) out.push(rest);
    return out;
}
