/**
 * Kafka Connect REST calls for the `KafkaConnector` provider: one retrying call wrapper, reads that
 * tell "not found" from "worker still starting", and validation with every field error. The state
 * transitions and the wait for evidence are in `apply.ts`, the shared bulk reads in `live.ts`.
 */
import {
    HttpError,
    UNREACHABLE_MS,
    isUnreachable,
    redactText,
    request,
    unreachableMessage,
    type HttpMethod,
    type HttpResponse,
} from "../http";
import { MASKED, type ConnectorInputs } from "./inputs";

/** Everything one provider call needs to talk to the worker. */
export interface Ctx {
    /** Connect REST base URL, no trailing slash. */
    readonly base: string;
    /** Connector name. */
    readonly name: string;
    /** Secret values to keep out of every message. */
    readonly redact: string[];
    /** Epoch ms after which retries and waits give up. */
    readonly deadline: number;
    /** How long a settled or failed status must hold before a wait ends. */
    readonly holdMs: number;
    /** The config key behind `base` and what to check when it cannot be reached. */
    readonly endpointHint?: string;
    /** `Authorization` header value (HTTP basic auth), when the REST API requires it. */
    readonly authorization?: string;
    /**
     * Whether the worker has answered once in this provider call: after that, a refused or reset
     * connection is a worker restarting (waited out until the deadline), not a wrong URL.
     */
    readonly reached: { value: boolean };
}

/** The call context for one provider method; the deadline bounds every retry and wait in it. */
export function ctxOf(
    p: {
        connectUrl: string;
        name: string;
        waitTimeoutSeconds?: number;
        settleSeconds?: number;
        endpointHint?: string;
        basicAuth?: { username: string; password: string };
    },
    secrets: string[],
): Ctx {
    const auth = p.basicAuth;
    return {
        endpointHint: p.endpointHint,
        base: p.connectUrl.replace(/\/+$/, ""),
        name: p.name,
        authorization:
            auth && `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`,
        redact: auth ? [...secrets, auth.password] : secrets,
        deadline: Date.now() + (p.waitTimeoutSeconds ?? 300) * 1000,
        holdMs: (p.settleSeconds ?? 3) * 1000,
        reached: { value: false },
    };
}

/** Path-segment encoding for connector and plugin names. */
export const enc = encodeURIComponent;

/**
 * How long a non-JSON 404 that looks like Jetty's own page is taken for a starting worker (Connect
 * serves it for every path until its REST resources register) before it counts as a wrong URL.
 */
export const STARTING_404_MS = 60_000;

/**
 * What a starting Connect worker answers before its resources register: Jetty's error page, or
 * a bare "Not Found" (both seen from Kafka 4.0 workers restarting in the real-service tests).
 */
const JETTY_PAGE = /<title>Error 404|jetty|^not found$/i;

/**
 * One Connect REST call. Retries until the deadline: 409 rebalance conflicts, 500 "rebalance is
 * expected" (what Kafka 4.0 answers while a worker joins), and, for {@link STARTING_404_MS}, a
 * Jetty 404 page: a starting worker serves it for every path before its resources register, which
 * must not be mistaken for "connector not found". Any other non-JSON 404 (a proxy's page, another
 * service) fails at once naming the URL; a worker that never answers fails after
 * {@link UNREACHABLE_MS} with the URL, its config key and a hint.
 */
export async function call<T>(
    ctx: Ctx,
    method: HttpMethod,
    path: string,
    opts: {
        data?: unknown;
        validStatus?: number[];
        reconcile?: (e: HttpError) => Promise<HttpResponse<T> | undefined>;
        onRetry?: () => void;
        /** Try once: for a read the caller simply repeats later (no backoff inside). */
        once?: boolean;
    } = {},
): Promise<HttpResponse<T>> {
    const remaining = Math.max(1_000, ctx.deadline - Date.now());
    try {
        const res = await request<T>({
            method,
            url: `${ctx.base}${path}`,
            data: opts.data,
            headers: {
                ...(opts.data === undefined ? {} : { "Content-Type": "application/json" }),
                ...(ctx.authorization === undefined ? {} : { Authorization: ctx.authorization }),
            },
            // Connect answers "500 Request timed out" after 90 s; wait a little longer than that.
            timeoutMs: Math.min(95_000, remaining),
            validStatus: opts.validStatus,
            redact: ctx.redact,
            retry: {
                deadlineMs: remaining,
                maxAttempts: opts.once ? 1 : undefined,
                statuses: [404, 409, 500],
                isRetryable: (e) =>
                    e.status === 404
                        ? e.errorCode === undefined
                        : e.status === 409
                          ? !/already exists/i.test(e.serverMessage)
                          : /rebalance/i.test(e.serverMessage),
                // Connect's own errors are JSON with an error_code; a bare 5xx page comes from Jetty
                // while the worker stops or starts (seen in CI on POST /connectors): the write may or
                // may not have happened, so re-read before sending it again.
                isUnknownOutcome: (e) =>
                    e.status !== undefined && e.status >= 500 && e.errorCode === undefined,
                reconcile: opts.reconcile,
                onRetry: opts.onRetry,
                unreachableMs: ctx.reached.value ? undefined : UNREACHABLE_MS,
                // A worker that answered in this call and now serves Jetty's 404 is restarting:
                // wait until the deadline. On first contact such a page may be a wrong URL too.
                retryWindowMs: (e) =>
                    e.status === 404 && e.errorCode === undefined
                        ? !JETTY_PAGE.test(e.serverMessage.trim())
                            ? 0
                            : ctx.reached.value
                              ? undefined
                              : STARTING_404_MS
                        : undefined,
            },
        });
        ctx.reached.value = true;
        return res;
    } catch (e) {
        if (e instanceof HttpError && e.status !== undefined) ctx.reached.value = true;
        throw explain(ctx, e);
    }
}

/** Unreachable worker and foreign 404 pages in terms of the connector, its URL and config key. */
function explain(ctx: Ctx, e: unknown): unknown {
    if (e instanceof HttpError && isUnreachable(e)) {
        const msg = unreachableMessage("Kafka Connect", ctx.base, e, ctx.endpointHint);
        return new Error(`connector ${ctx.name}: ${msg} [${e.message}]`);
    }
    if (e instanceof HttpError && e.status === 404 && e.errorCode === undefined) {
        const page = e.serverMessage.replace(/\s+/g, " ").slice(0, 200);
        const check = ctx.endpointHint ?? "Check the Connect REST URL.";
        const secs = (e.elapsedMs / 1000).toFixed(0);
        const starting = JETTY_PAGE.test(e.serverMessage.trim())
            ? ` for ${secs}s: a worker that never finished starting, or`
            : `:`;
        return new Error(
            `connector ${ctx.name}: ${e.method} ${e.url} answered 404 with a page that is not ` +
                `Kafka Connect's JSON (${page})${starting} is ${ctx.base} not the Connect REST ` +
                `API? ${check}`,
        );
    }
    return e;
}

/** The body of `GET /connectors/{name}/status`. */
export interface RawStatus {
    type?: string;
    connector?: { state: string; worker_id?: string; trace?: string };
    tasks?: { id: number; state: string; worker_id?: string; trace?: string }[];
}

/** True for Connect's own JSON 404 ("Connector x not found"), as opposed to a starting worker. */
function isNotFound(e: unknown): boolean {
    return e instanceof HttpError && e.status === 404 && e.errorCode !== undefined;
}

/** The response, or `undefined` when Connect says the connector does not exist. */
export async function orMissing<T>(p: Promise<HttpResponse<T>>): Promise<T | undefined> {
    try {
        return (await p).data;
    } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
    }
}

/** The stored config (`GET /connectors/{name}/config`), or `undefined` when the connector is gone. */
export function getConfig(ctx: Ctx): Promise<Record<string, string> | undefined> {
    return orMissing(
        call<Record<string, string>>(ctx, "GET", `/connectors/${enc(ctx.name)}/config`),
    );
}

/** The status (`GET /connectors/{name}/status`), or `undefined` when the connector is gone. */
export function getStatus(ctx: Ctx): Promise<RawStatus | undefined> {
    return orMissing(call<RawStatus>(ctx, "GET", `/connectors/${enc(ctx.name)}/status`));
}

export async function getTopics(ctx: Ctx): Promise<string[]> {
    try {
        const path = `/connectors/${enc(ctx.name)}/topics`;
        const res = await call<Record<string, { topics?: string[] }>>(ctx, "GET", path);
        return [...(res.data?.[ctx.name]?.topics ?? [])].sort();
    } catch (e) {
        // 400: the worker has topic tracking disabled; 404: the connector just vanished.
        if (isNotFound(e) || (e instanceof HttpError && e.status === 400)) return [];
        throw e;
    }
}

/** Names of keys whose live value differs from the desired one (masked secrets count as equal). */
export function configMismatch(
    desired: Record<string, string>,
    live: Record<string, string>,
    secrets: string[],
): string[] {
    const keys = new Set([...Object.keys(desired), ...Object.keys(live)]);
    return [...keys]
        .filter((k) => k !== "name" && !k.startsWith("__internal."))
        .filter((k) => !(secrets.includes(k) && MASKED.test(live[k] ?? "") && k in desired))
        .filter((k) => desired[k] !== live[k])
        .sort();
}

/** The config to send: declared plus secret values, with `name` set. */
export function fullConfig(inputs: ConnectorInputs): Record<string, string> {
    return { ...inputs.config, ...inputs.sensitiveConfig, name: inputs.name };
}

/** Fails with every field error before anything is written. */
export async function validate(ctx: Ctx, inputs: ConnectorInputs): Promise<void> {
    const cls = inputs.config["connector.class"];
    const res = await call<{
        error_count: number;
        configs?: { value: { name: string; errors: string[] } }[];
    }>(ctx, "PUT", `/connector-plugins/${enc(cls)}/config/validate`, { data: fullConfig(inputs) });
    if (!res.data || res.data.error_count === 0) return;
    const problems = (res.data.configs ?? [])
        .filter((c) => c.value.errors.length > 0)
        .map((c) => `  - ${c.value.name}: ${c.value.errors.join("; ")}`);
    const msg = `connector ${inputs.name}: configuration is invalid (${res.data.error_count} error(s)):\n${problems.join("\n")}`;
    throw new Error(redactText(msg, ctx.redact));
}

/**
 * Connect validates every config write itself (`POST /connectors`, `PUT …/config`) and refuses an
 * invalid one with 400 "Connector configuration is invalid and contains the following N error(s)"
 * without storing anything (AbstractHerder, connect-runtime 4.0). So a write is sent without a
 * separate validate round trip, and only that refusal asks the validate endpoint for the errors
 * field by field ({@link validate} throws them). Anything else, or a validate call that fails
 * itself, rethrows the write's own error.
 */
export async function explainRefusedWrite(
    ctx: Ctx,
    inputs: ConnectorInputs,
    e: unknown,
): Promise<never> {
    if (
        e instanceof HttpError &&
        e.status === 400 &&
        /configuration is invalid/i.test(e.serverMessage)
    ) {
        try {
            await validate(ctx, inputs);
        } catch (fieldErrors) {
            if (!(fieldErrors instanceof HttpError)) throw fieldErrors;
        }
    }
    throw e;
}

/** Whether the worker's `GET /` version is at least `major.minor`. */
export function workerSupports(version: string | undefined, major: number, minor: number): boolean {
    const m = /^(\d+)\.(\d+)/.exec(version ?? "");
    if (!m) return false;
    return Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor);
}

/**
 * The stored task configs (`GET /connectors/{name}/tasks`) in task order, or `undefined` when the
 * connector is gone. A config write shows here once the connector has generated its new tasks.
 */
export async function getTaskConfigs(ctx: Ctx): Promise<Record<string, string>[] | undefined> {
    // Served by the herder thread, so refused while a rebalance is due: the waiter polls again
    // after its next status read rather than backing off here.
    const tasks = await orMissing(
        call<{ id?: { task?: number }; config?: Record<string, string> }[]>(
            ctx,
            "GET",
            `/connectors/${enc(ctx.name)}/tasks`,
            { once: true },
        ),
    ).catch(() => undefined);
    if (!Array.isArray(tasks)) return undefined;
    return [...tasks]
        .sort((a, b) => (a.id?.task ?? 0) - (b.id?.task ?? 0))
        .map((t) => t.config ?? {});
}
