/** Polling for real-service tests: services change state asynchronously. */
import * as assert from "node:assert/strict";

/**
 * Calls `probe` every `intervalMs` until it returns a value (not `undefined`), and returns it.
 * Errors thrown by the probe count as "not yet" and the last one is reported on timeout.
 */
export async function eventually<T>(
    what: string,
    probe: () => Promise<T | undefined>,
    timeoutMs = 60_000,
    intervalMs = 500,
): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    for (;;) {
        try {
            const value = await probe();
            if (value !== undefined) return value;
        } catch (err) {
            last = err instanceof Error ? err.message : String(err);
        }
        if (Date.now() > deadline) {
            assert.fail(
                `timed out after ${timeoutMs} ms waiting for ${what}; last: ${last || "no value"}`,
            );
        }
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}
