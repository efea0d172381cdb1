/**
 * One bulk answer for many connectors: `GET /connectors?expand=status&expand=info` lists every
 * connector's status, config and task ids from the worker's own snapshots (no herder request,
 * so it is not queued behind writes or refused during a rebalance). Every provider call in one
 * process shares it: concurrent waiters join one request, requests to a worker are at least
 * {@link BULK_GAP_MS} apart, and a refresh of N connectors reuses an answer up to
 * {@link READ_REUSE_MS} old instead of making N status and config requests.
 *
 * The cache lives on `globalThis`, not in a module variable: the dynamic provider is serialized
 * with its module-level values, and a copy per call would share nothing.
 */
import { HttpError } from "../http";
import { call, type Ctx, type RawStatus } from "./rest";

/** One connector in the bulk answer. */
export interface LiveConnector {
    readonly status?: RawStatus;
    readonly info?: {
        config?: Record<string, string>;
        tasks?: { connector: string; task: number }[];
        type?: string;
    };
}

/** Connector name → what the worker reports; `undefined` when the worker has no bulk endpoint. */
export type Snapshot = Record<string, LiveConnector> | undefined;

/**
 * Least time between two bulk requests to one worker from this process; a worker with many
 * connectors gets 1 ms more per connector in its last answer, so the answers it serializes stay
 * a small share of its time.
 */
export const BULK_GAP_MS = 100;

/** How old a bulk answer a read may use (a refresh reads all its connectors at once). */
export const READ_REUSE_MS = 2_000;

interface Slot {
    /** When the request was (or will be) sent, epoch ms. */
    readonly sentAt: number;
    readonly answer: Promise<Snapshot>;
    /** Connectors in the answer, once it came. */
    size?: number;
}

interface Shared {
    readonly slots: Map<string, Slot>;
    /** Workers whose answer showed they have no bulk endpoint (Connect before 2.3). */
    readonly noBulk: Set<string>;
    /** Worker version by base URL, with when it was asked. */
    readonly versions: Map<string, { at: number; version: Promise<string | undefined> }>;
}

function shared(): Shared {
    const key = Symbol.for("ingest.kafkaConnector.live");
    const g = globalThis as unknown as Record<symbol, Shared | undefined>;
    return (g[key] ??= { slots: new Map(), noBulk: new Set(), versions: new Map() });
}

function workerKey(ctx: Ctx): string {
    return `${ctx.base} ${ctx.authorization ?? ""}`;
}

/**
 * Who shares an answer: waits after a write (each wants one sent after its own last look), or
 * the reads of one refresh. A read never reuses a wait's answer: that one may predate an
 * out-of-band change made since this process last wrote.
 */
export type Purpose = "wait" | "read";

/**
 * A bulk answer whose request was sent at or after `notBefore` (epoch ms): joins one in flight or
 * recent enough, else sends one (no sooner than {@link BULK_GAP_MS} after the previous one).
 */
export function snapshot(ctx: Ctx, notBefore: number, purpose: Purpose): Promise<Snapshot> {
    const worker = workerKey(ctx);
    const key = `${purpose} ${worker}`;
    const { slots, noBulk } = shared();
    if (noBulk.has(worker)) return Promise.resolve(undefined);
    const last = slots.get(key);
    if (last && last.sentAt >= notBefore) return last.answer;
    const gap = Math.max(BULK_GAP_MS, last?.size ?? 0);
    const sentAt = Math.max(Date.now(), notBefore, (last?.sentAt ?? 0) + gap);
    const answer = (async (): Promise<Snapshot> => {
        const wait = sentAt - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        let data: unknown;
        try {
            data = (await call<unknown>(ctx, "GET", "/connectors?expand=status&expand=info")).data;
        } catch (e) {
            // A JSON 404/405 is a worker without the route; a starting worker's page is waited
            // out (or reported) by `call`.
            const json = e instanceof HttpError && e.errorCode !== undefined;
            if (!(json && (e.status === 404 || e.status === 405))) throw e;
        }
        // An old worker ignores `expand` and lists names only.
        if (data === null || typeof data !== "object" || Array.isArray(data)) {
            noBulk.add(worker);
            return undefined;
        }
        return data as Record<string, LiveConnector>;
    })();
    const slot: Slot = { sentAt, answer };
    slots.set(key, slot);
    void answer.then((a) => (slot.size = a ? Object.keys(a).length : 0)).catch(() => undefined);
    // A failed request is not reused: the next caller asks again.
    answer.catch(() => slots.get(key) === slot && slots.delete(key));
    return answer;
}

/**
 * Drops the reusable read answer after a write, so no read in this process sees the old state.
 * The last wait answer stays as the pacing mark: a waiter asks for an answer sent after its own
 * write (`notBefore`), so it never reuses an older one, and the writes of N concurrent applies do
 * not each send a bulk request at once (N answers listing every connector).
 */
export function forget(ctx: Ctx): void {
    shared().slots.delete(`read ${workerKey(ctx)}`);
}

/** The worker's version from `GET /`, asked once a minute per worker in this process. */
export function workerVersion(ctx: Ctx): Promise<string | undefined> {
    const { versions } = shared();
    const key = workerKey(ctx);
    const known = versions.get(key);
    if (known && Date.now() - known.at < 60_000) return known.version;
    const version = call<{ version?: string }>(ctx, "GET", "/").then((r) => r.data?.version);
    versions.set(key, { at: Date.now(), version });
    version.catch(() => versions.delete(key));
    return version;
}
