/**
 * The one HTTP helper shared by every dynamic provider (Kafka Connect, ksqlDB, WebHDFS).
 *
 * - The axios client is created inside each call: dynamic providers are serialized into the
 *   state file, so nothing (clients, agents, credentials) may be captured at module level.
 * - Retries are opt-in and narrow: connection refused while a server starts, statuses the caller
 *   names (Connect 409 rebalance, ksqlDB 503), with exponential backoff, full jitter and a
 *   deadline. A server that has not answered at all gets a shorter window (`unreachableMs`), so a
 *   wrong URL or a stopped cluster fails in seconds, not after the whole deadline. When a write's outcome is unknown (a server-side "Request timed out", a client
 *   timeout, a reset connection) the caller's `reconcile` hook re-reads before anything is
 *   retried, so a create that did happen is not sent twice.
 * - Every other failure becomes an {@link HttpError} naming method, URL, status and the server's
 *   own message, with secret values (`redact`) and URL credentials removed.
 */
import type * as axiosTypes from "axios";

/** HTTP methods the providers use. */
export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A successful (or caller-accepted) response. */
export interface HttpResponse<T> {
    /** HTTP status code. */
    readonly status: number;
    /** Parsed JSON body; the raw text when it is not JSON; `undefined` when empty. */
    readonly data: T;
    /** Response headers, lower-cased names. */
    readonly headers: Record<string, string>;
}

/** Why a retry is about to happen, for logging. */
export interface RetryInfo {
    /** The attempt that just failed, starting at 1. */
    readonly attempt: number;
    /** How long the helper sleeps before the next attempt. */
    readonly delayMs: number;
    /** The failure that caused the retry (already redacted). */
    readonly error: HttpError;
}

/** When and how {@link request} retries. Without a policy a request is tried exactly once. */
export interface RetryPolicy<T = unknown> {
    /** Stop retrying this many ms after the first attempt started. Defaults to 120000. */
    readonly deadlineMs?: number;
    /** Backoff ceiling of the first retry, doubled per attempt (full jitter). Defaults to 250. */
    readonly baseDelayMs?: number;
    /** Upper bound of the backoff ceiling. Defaults to 5000. */
    readonly maxDelayMs?: number;
    /** Most attempts in total, the first included. Defaults to unlimited: the deadline bounds it. */
    readonly maxAttempts?: number;
    /** Statuses meaning "try again shortly", e.g. `[409]` for a Connect rebalance. Defaults to none. */
    readonly statuses?: readonly number[];
    /**
     * Finer test for a status in `statuses`; return false for a permanent error (Connect 409
     * "already exists"), which then fails unless it is an unknown outcome (see `reconcile`).
     */
    readonly isRetryable?: (err: HttpError) => boolean;
    /** Retry when no response came back (refused, reset, client timeout). Defaults to true. */
    readonly connectionErrors?: boolean;
    /**
     * How long a server that has not answered once in this call (refused, reset, unknown host) is
     * waited for, in ms from the first attempt. Defaults to `deadlineMs`. Providers keep it short
     * ({@link UNREACHABLE_MS}) so a wrong URL or a stopped cluster fails fast, while answers that
     * mean "busy" keep the long deadline.
     */
    readonly unreachableMs?: number;
    /**
     * A shorter window, in ms from the first attempt, for some retryable answers: e.g. a non-JSON
     * 404 that may be a starting server or may be a wrong URL (0 = fail at once). `undefined`
     * means until the deadline.
     */
    readonly retryWindowMs?: (err: HttpError) => number | undefined;
    /**
     * Called when the outcome is unknown: a 500 whose message says the request timed out, a 504,
     * a client timeout or a reset connection. Re-read the resource: return a response to finish
     * with it (the write did land), or `undefined` to send the request again. Without this hook
     * unknown outcomes are retried only for idempotent methods (GET, HEAD, PUT, DELETE).
     */
    readonly reconcile?: (err: HttpError) => Promise<HttpResponse<T> | undefined>;
    /**
     * Further errors whose outcome is unknown, handled like a timeout (see `reconcile`): e.g. a
     * servlet container's own 500 page while the application behind it stops or starts.
     */
    readonly isUnknownOutcome?: (err: HttpError) => boolean;
    /** Called before each retry sleep. */
    readonly onRetry?: (info: RetryInfo) => void;
}

/** Arguments of {@link request}. */
export interface RequestOptions<T = unknown> {
    /** HTTP method. */
    readonly method: HttpMethod;
    /** Absolute URL, query string included. */
    readonly url: string;
    /** JSON request body. */
    readonly data?: unknown;
    /** Extra request headers (never included in error messages). */
    readonly headers?: Record<string, string>;
    /** Per-attempt timeout in ms. Defaults to 60000. */
    readonly timeoutMs?: number;
    /** Retry policy; omit to try once. */
    readonly retry?: RetryPolicy<T>;
    /** Statuses returned instead of thrown. Defaults to every 2xx. */
    readonly validStatus?: readonly number[];
    /** Secret values to cut out of every error message (request bodies, server echoes). */
    readonly redact?: readonly string[];
}

/** A failed HTTP call: method, URL, status and the server's message, secrets removed. */
export class HttpError extends Error {
    /** Status code; `undefined` when no response arrived. */
    public readonly status?: number;
    /** Network error code (`ECONNREFUSED`, `ECONNRESET`, `ECONNABORTED`) when no response arrived. */
    public readonly code?: string;
    /** The server's message (Connect/ksqlDB `message`, WebHDFS `RemoteException.message`). */
    public readonly serverMessage: string;
    /** The server's numeric or symbolic error code (`error_code`, WebHDFS `exception`). */
    public readonly errorCode?: string | number;
    /** HTTP method of the failed call. */
    public readonly method: HttpMethod;
    /** URL of the failed call, credentials removed. */
    public readonly url: string;
    /** Attempts made before giving up. */
    public attempts = 1;
    /** Ms from the first attempt until this error was thrown. */
    public elapsedMs = 0;

    /** Builds the error; `serverMessage` must already be redacted. */
    constructor(fields: {
        method: HttpMethod;
        url: string;
        status?: number;
        code?: string;
        serverMessage: string;
        errorCode?: string | number;
    }) {
        const what = fields.status !== undefined ? `${fields.status}` : (fields.code ?? "error");
        super(`${fields.method} ${fields.url} failed: ${what}: ${fields.serverMessage}`);
        this.name = "HttpError";
        this.method = fields.method;
        this.url = fields.url;
        this.status = fields.status;
        this.code = fields.code;
        this.serverMessage = fields.serverMessage;
        this.errorCode = fields.errorCode;
    }
}

/**
 * How long the providers wait for a service that does not answer at all before failing with its
 * URL, config key and a hint: long enough for a pod restart behind a NodePort, short enough that a
 * wrong URL or a stopped cluster is reported in seconds rather than minutes.
 */
export const UNREACHABLE_MS = 15_000;

/** True when no HTTP answer came back: refused, reset, unknown host, no route (not a slow reply). */
export function isUnreachable(e: unknown): boolean {
    return (
        e instanceof HttpError &&
        e.status === undefined &&
        e.code !== "ECONNABORTED" &&
        e.code !== "ERR_CANCELED"
    );
}

/**
 * The message for a service that never answered: what and where, for how long, the endpoint's
 * config key and what to check (`hint`, from the stack's endpoints), then the client's own error.
 */
export function unreachableMessage(
    service: string,
    url: string,
    err: HttpError,
    hint: string | undefined,
): string {
    const secs = (err.elapsedMs / 1000).toFixed(1);
    const why = hint ?? "Is the service running, and is the URL reachable from this machine?";
    return (
        `cannot reach ${service} at ${stripCredentials(url)} (${err.code ?? "no response"}, ` +
        `no answer within ${secs}s). ${why}`
    );
}

/** Sends one HTTP request with the given retry policy; see the module comment. */
export async function request<T = unknown>(opts: RequestOptions<T>): Promise<HttpResponse<T>> {
    const policy = opts.retry;
    const started = Date.now();
    const deadline = started + (policy?.deadlineMs ?? 120_000);
    const clean = (s: string) => redactText(s, opts.redact ?? []);
    const url = clean(stripCredentials(opts.url));
    // Required here, not imported at module level: the provider is serialized into the state, and
    // an import is captured through loader interop wrappers the closure serializer cannot walk.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const axios = require("axios") as typeof axiosTypes;
    const client = axios.create({
        timeout: opts.timeoutMs ?? 60_000,
        validateStatus: () => true,
        responseType: "text",
        transformResponse: (d: unknown) => d,
    });
    // A server that answered once in this call is busy or restarting, not absent.
    let answered = false;
    for (let attempt = 1; ; attempt++) {
        let err: HttpError;
        try {
            const res = await client.request<string>({
                method: opts.method,
                url: opts.url,
                data: opts.data,
                headers: {
                    Accept: "application/json",
                    // axios would label an empty body form-urlencoded, which Connect's JSON-only
                    // resources answer with 415; send no content type when there is no body.
                    ...(opts.data === undefined ? { "Content-Type": false } : {}),
                    ...opts.headers,
                },
            });
            answered = true;
            const headers = flatHeaders(res.headers);
            const data = parseBody(res.data) as T;
            const ok = opts.validStatus
                ? opts.validStatus.includes(res.status)
                : res.status >= 200 && res.status < 300;
            if (ok) return { status: res.status, data, headers };
            const { message, errorCode } = serverMessage(data, res.status, res.statusText);
            err = new HttpError({
                method: opts.method,
                url,
                status: res.status,
                serverMessage: clean(message),
                errorCode,
            });
        } catch (e) {
            const code = (e as { code?: string }).code ?? "ERROR";
            const detail = (e as Error).message ?? String(e);
            // A fresh error, never the axios one: its `config.data` holds the request body.
            err = new HttpError({ method: opts.method, url, code, serverMessage: clean(detail) });
        }
        err.attempts = attempt;
        err.elapsedMs = Date.now() - started;
        const verdict = policy ? classify(err, opts.method, policy) : "fail";
        if (verdict === "fail") throw err;
        if (verdict === "reconcile" && policy?.reconcile) {
            const settled = await policy.reconcile(err);
            if (settled) return settled;
        }
        const ceiling = Math.min(
            policy?.maxDelayMs ?? 5_000,
            (policy?.baseDelayMs ?? 250) * 2 ** (attempt - 1),
        );
        const delayMs = Math.round(Math.random() * ceiling);
        const outOfAttempts = attempt >= (policy?.maxAttempts ?? Infinity);
        const windowMs =
            err.status !== undefined
                ? policy?.retryWindowMs?.(err)
                : answered || !isUnreachable(err)
                  ? undefined
                  : policy?.unreachableMs;
        const until = windowMs === undefined ? deadline : Math.min(deadline, started + windowMs);
        if (outOfAttempts || Date.now() + delayMs > until) {
            err.elapsedMs = Date.now() - started;
            const secs = (err.elapsedMs / 1000).toFixed(1);
            err.message += ` (gave up after ${attempt} attempt(s) in ${secs}s)`;
            throw err;
        }
        policy?.onRetry?.({ attempt, delayMs, error: err });
        await new Promise((r) => setTimeout(r, delayMs));
    }
}

/** "retry" now, "reconcile" (outcome unknown: re-read first, then retry) or "fail". */
function classify(
    err: HttpError,
    method: HttpMethod,
    policy: RetryPolicy<unknown>,
): "retry" | "reconcile" | "fail" {
    const idempotent = method !== "POST" && method !== "PATCH";
    if (err.status === undefined) {
        if (policy.connectionErrors === false) return "fail";
        // Refused means the request never reached a server, so it is always safe to repeat.
        if (err.code === "ECONNREFUSED") return "retry";
        if (policy.reconcile) return "reconcile";
        return idempotent ? "retry" : "fail";
    }
    if (policy.statuses?.includes(err.status) && (policy.isRetryable?.(err) ?? true)) {
        return "retry";
    }
    const timedOut =
        err.status === 504 || (err.status === 500 && /timed? ?out/i.test(err.serverMessage));
    if (!timedOut && !(policy.isUnknownOutcome?.(err) ?? false)) return "fail";
    if (policy.reconcile) return "reconcile";
    return idempotent ? "retry" : "fail";
}

/** The server's message from the JSON error shapes of Connect, ksqlDB and WebHDFS. */
function serverMessage(
    body: unknown,
    status: number,
    statusText: string,
): { message: string; errorCode?: string | number } {
    if (body && typeof body === "object") {
        const b = body as Record<string, unknown>;
        const remote = b.RemoteException as Record<string, unknown> | undefined;
        if (remote && typeof remote.message === "string") {
            return { message: remote.message, errorCode: remote.exception as string | undefined };
        }
        if (typeof b.message === "string") {
            const statement = typeof b.statementText === "string" ? ` [${b.statementText}]` : "";
            return {
                message: b.message + statement,
                errorCode: b.error_code as number | string | undefined,
            };
        }
        return { message: JSON.stringify(body).slice(0, 2000) };
    }
    if (typeof body === "string" && body.trim() !== "")
        return { message: body.trim().slice(0, 2000) };
    return { message: statusText || `HTTP ${status}` };
}

function parseBody(text: unknown): unknown {
    if (typeof text !== "string") return text;
    if (text === "") return undefined;
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

function flatHeaders(h: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries((h ?? {}) as Record<string, unknown>)) {
        if (typeof v === "string" || typeof v === "number") out[k.toLowerCase()] = String(v);
        else if (Array.isArray(v)) out[k.toLowerCase()] = v.join(", ");
    }
    return out;
}

/** Removes `user:password@` from a URL so credentials never reach a message. */
export function stripCredentials(url: string): string {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1");
}

/** Replaces each secret (raw, JSON-escaped and URL-encoded) in `text` with `[redacted]`. */
export function redactText(text: string, secrets: readonly string[]): string {
    let out = text;
    for (const s of secrets) {
        if (!s) continue;
        for (const form of new Set([s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s)])) {
            out = out.split(form).join("[redacted]");
        }
    }
    return out;
}
