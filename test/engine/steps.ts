/** Shared pieces of the engine tests: step timing and reading change summaries. */
import * as assert from "node:assert/strict";

/** Wall time of each step, in order, for the summary printed at the end. */
export const timings: [string, number][] = [];

/** Runs one engine step, recording and printing its wall time. */
export async function timed<T>(step: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
        return await fn();
    } finally {
        const ms = Date.now() - started;
        timings.push([step, ms]);
        console.log(`# step ${step}: ${(ms / 1000).toFixed(1)} s`);
    }
}

/** Operations of a change summary other than `same`, with their counts. */
export function changed(summary: Record<string, number | undefined>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [op, n] of Object.entries(summary)) {
        if (op !== "same" && n !== undefined && n > 0) out[op] = n;
    }
    return out;
}

/** Polls `probe` every 500 ms until it is true; fails after `ms`. */
export async function until(
    what: string,
    probe: () => Promise<boolean>,
    ms = 60_000,
): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await probe())) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 500));
    }
}
