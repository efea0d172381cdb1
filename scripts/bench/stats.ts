/**
 * Statistics and formatting of the benchmark (`npm run bench`), kept pure so a unit test checks
 * them: min/median/max of repeated samples, the ratio of two medians, the alternating run order
 * that keeps a measurement and its baseline from always running in the same position.
 */

/** Min, median and max of some samples. */
export interface Summary {
    readonly min: number;
    readonly median: number;
    readonly max: number;
    readonly n: number;
}

/** Summary of `samples` (median of an even count is the mean of the middle two). */
export function summarize(samples: readonly number[]): Summary {
    if (samples.length === 0) throw new Error("summarize: no samples");
    if (samples.some((s) => !Number.isFinite(s))) {
        throw new Error(`summarize: non-finite sample in [${samples.join(", ")}]`);
    }
    const s = [...samples].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    const median = s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    return { min: s[0], median, max: s[s.length - 1], n: s.length };
}

/** `value / baseline` of the medians; undefined when the baseline median is 0. */
export function ratio(value: Summary, baseline: Summary): number | undefined {
    return baseline.median === 0 ? undefined : value.median / baseline.median;
}

/**
 * Order of the contenders in repetition `rep`: rotated by one each repetition, so with two
 * contenders they alternate (A B, B A, A B) and with three each one runs first once in three.
 */
export function rotation<T>(items: readonly T[], rep: number): T[] {
    const k = items.length === 0 ? 0 : rep % items.length;
    return [...items.slice(k), ...items.slice(0, k)];
}

/** Formats a number with at most `digits` decimals, dropping trailing zeros for whole values. */
export function fmt(x: number, digits = 2): string {
    if (Math.abs(x) >= 1000) return Math.round(x).toString();
    return x.toFixed(digits);
}

/** `min/median/max unit` of a summary. */
export function fmtSummary(s: Summary, unit: string, digits = 2): string {
    return `${fmt(s.min, digits)}/${fmt(s.median, digits)}/${fmt(s.max, digits)} ${unit}`;
}

/** The `ratio <name>: <x>` line the issue asks for (medians; `n/a` without a baseline). */
export function ratioLine(name: string, value: Summary, baseline: Summary): string {
    const r = ratio(value, baseline);
    return `ratio ${name}: ${r === undefined ? "n/a" : r.toFixed(2)}`;
}

/** Runs `fn` over `items` with at most `limit` calls pending, results in input order. */
export async function pool<T, R>(
    items: readonly T[],
    limit: number,
    fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
    if (limit < 1) throw new Error("pool: limit must be at least 1");
    const out = new Array<R>(items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < items.length) {
            const i = next++;
            out[i] = await fn(items[i], i);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return out;
}

/** Seconds since `start` (a `process.hrtime.bigint()` reading). */
export function secondsSince(start: bigint): number {
    return Number(process.hrtime.bigint() - start) / 1e9;
}
