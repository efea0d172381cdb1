/**
 * Kafka Connect REST calls for the `KafkaConnector` provider: one retrying call wrapper, reads that
 * tell "not found" from "worker still starting", validation with every field error, the state
 * transitions, and the bounded wait that turns a FAILED task into a recorded partial failure.
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
import {
    MASKED,
    hashSensitive,
    type ConnectorInputs,
    type ConnectorOutputs,
    type ConnectorTargetState,
    type ConnectorTaskStatus,
} from "./inputs";

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

async function getTopics(ctx: Ctx): Promise<string[]> {
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

/** Whether the worker's `GET /` version is at least `major.minor`. */
export function workerSupports(version: string | undefined, major: number, minor: number): boolean {
    const m = /^(\d+)\.(\d+)/.exec(version ?? "");
    if (!m) return false;
    return Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor);
}

/** The `PUT /connectors/{name}/<verb>` that moves the connector to `target`, if any is needed. */
function transition(
    live: string | undefined,
    target: ConnectorTargetState,
): "resume" | "pause" | "stop" | undefined {
    if (live === target) return undefined;
    if (target === "RUNNING") return live === "PAUSED" || live === "STOPPED" ? "resume" : undefined;
    return target === "PAUSED" ? "pause" : "stop";
}

function isSettled(
    s: RawStatus,
    target: ConnectorTargetState,
    zeroTasksSince: number | undefined,
): boolean {
    const conn = s.connector?.state;
    const tasks = s.tasks ?? [];
    if (conn !== target) return false;
    if (target === "STOPPED") return tasks.length === 0;
    if (!tasks.every((t) => t.state === target)) return false;
    // A connector may legitimately have no tasks; give the worker a few seconds to create them.
    return (
        tasks.length > 0 || (zeroTasksSince !== undefined && Date.now() - zeroTasksSince > 5_000)
    );
}

function inTransition(s: RawStatus): boolean {
    const moving = (state: string | undefined) => state === "UNASSIGNED" || state === "RESTARTING";
    return moving(s.connector?.state) || (s.tasks ?? []).some((t) => moving(t.state));
}

function hasFailure(s: RawStatus): boolean {
    return s.connector?.state === "FAILED" || (s.tasks ?? []).some((t) => t.state === "FAILED");
}

/**
 * Polls the status until the connector and its tasks settle in `target` (twice in a row), a
 * failure shows, or the deadline passes. Returns the last status seen.
 */
async function waitForState(
    ctx: Ctx,
    target: ConnectorTargetState,
): Promise<{ status?: RawStatus; settled: boolean }> {
    let last: RawStatus | undefined;
    let zeroTasksSince: number | undefined;
    // Status right after a write still shows the previous tasks (RUNNING ones that are about to
    // fail, or FAILED ones about to be replaced, with the connector UNASSIGNED meanwhile), so an
    // outcome only counts once it has held, outside any transition, for ctx.holdMs.
    let outcome: { kind: "settled" | "failed"; since: number; polls: number } | undefined;
    for (let poll = 0; ; poll++) {
        last = await getStatus(ctx);
        const tasks = last?.tasks ?? [];
        if (last?.connector?.state === target && tasks.length === 0) zeroTasksSince ??= Date.now();
        else zeroTasksSince = undefined;
        const kind =
            !last || inTransition(last)
                ? undefined
                : hasFailure(last)
                  ? "failed"
                  : isSettled(last, target, zeroTasksSince)
                    ? "settled"
                    : undefined;
        if (!kind) outcome = undefined;
        else if (outcome?.kind !== kind) outcome = { kind, since: Date.now(), polls: 1 };
        else outcome.polls++;
        if (outcome && outcome.polls >= 2 && Date.now() - outcome.since >= ctx.holdMs) {
            return { status: last, settled: outcome.kind === "settled" };
        }
        const delay = Math.min(1_000, 250 * 2 ** Math.min(poll, 2));
        if (Date.now() + delay > ctx.deadline) return { status: last, settled: false };
        await new Promise((r) => setTimeout(r, delay));
    }
}

async function restart(ctx: Ctx, onlyFailed: boolean): Promise<void> {
    await call(
        ctx,
        "POST",
        `/connectors/${enc(ctx.name)}/restart?includeTasks=true&onlyFailed=${onlyFailed}`,
        // A restart is safe to repeat, so an unknown outcome (reset, timeout) just resends it.
        { validStatus: [200, 202, 204], reconcile: () => Promise.resolve(undefined) },
    );
}

/** Reads config, status and topics and builds the outputs (secret values left out). */
export async function readOutputs(
    ctx: Ctx,
    base: Omit<ConnectorOutputs, "connectorType" | "connectorState" | "tasks" | "topics">,
    status?: RawStatus,
): Promise<ConnectorOutputs | undefined> {
    const live = await getConfig(ctx);
    if (!live) return undefined;
    const s = status ?? (await getStatus(ctx)) ?? {};
    const secretKeys = base.sensitiveKeys ?? [];
    const declared = new Set([
        ...Object.keys(base.config ?? {}),
        "connector.class",
        "tasks.max",
        "name",
    ]);
    const config: Record<string, string> = {};
    for (const k of [...declared].sort()) {
        if (live[k] !== undefined && !secretKeys.includes(k)) config[k] = live[k];
    }
    const liveSecrets = secretKeys.map((k) => [k, live[k]] as const);
    const canCompare = liveSecrets.every(
        ([, v]) => v !== undefined && !MASKED.test(v) && !v.startsWith("${"),
    );
    const missing = liveSecrets.some(([, v]) => v === undefined);
    const sensitiveConfigHash = missing
        ? ""
        : canCompare
          ? hashSensitive(Object.fromEntries(liveSecrets))
          : base.sensitiveConfigHash;
    const tasks: ConnectorTaskStatus[] = (s.tasks ?? []).map((t) => ({
        id: t.id,
        state: t.state,
        workerId: t.worker_id ?? "",
        ...(t.trace ? { trace: redactText(t.trace, ctx.redact).slice(0, 8_000) } : {}),
    }));
    return {
        ...base,
        config,
        sensitiveConfigHash,
        connectorType: s.type ?? "unknown",
        connectorState: s.connector?.state ?? "UNKNOWN",
        tasks,
        topics: await getTopics(ctx),
    };
}

function baseOutputs(
    inputs: ConnectorInputs,
): Omit<ConnectorOutputs, "connectorType" | "connectorState" | "tasks" | "topics"> {
    const { sensitiveConfig, ...rest } = inputs;
    return {
        ...rest,
        config: { ...inputs.config, name: inputs.name },
        sensitiveKeys: Object.keys(sensitiveConfig).sort(),
        sensitiveConfigHash: hashSensitive(sensitiveConfig),
    };
}

/** Applies the target state, restarts, waits, re-reads; throws an init error on failure. */
export async function converge(
    ctx: Ctx,
    inputs: ConnectorInputs,
    providerRef: unknown,
    opts: { restartAll: boolean },
): Promise<ConnectorOutputs> {
    const before = await getStatus(ctx);
    const verb = transition(before?.connector?.state, inputs.state);
    if (verb) {
        await call(ctx, "PUT", `/connectors/${enc(ctx.name)}/${verb}`, {
            validStatus: [200, 202, 204],
        });
    }
    if (opts.restartAll && inputs.state !== "STOPPED") await restart(ctx, false);
    else if (
        inputs.restartOnFailure &&
        before &&
        hasFailure(before) &&
        inputs.state !== "STOPPED"
    ) {
        await restart(ctx, true);
    }
    let waited = await waitForState(ctx, inputs.state);
    if (
        !waited.settled &&
        waited.status &&
        hasFailure(waited.status) &&
        inputs.restartOnFailure &&
        !opts.restartAll
    ) {
        await restart(ctx, true);
        waited = await waitForState(ctx, inputs.state);
    }
    const outs = await readOutputs(ctx, baseOutputs(inputs), waited.status);
    if (!outs)
        throw new Error(
            `connector ${inputs.name} disappeared from ${ctx.base} while being applied`,
        );
    if (waited.settled) return outs;
    const failed = outs.connectorState === "FAILED" || outs.tasks.some((t) => t.state === "FAILED");
    const traces = [
        waited.status?.connector?.trace ? `connector: ${waited.status.connector.trace}` : "",
        ...outs.tasks.filter((t) => t.trace).map((t) => `task ${t.id}: ${t.trace}`),
    ].filter((t) => t);
    const summary = `connector ${outs.connectorState}, tasks [${outs.tasks.map((t) => `${t.id}:${t.state}`).join(", ")}]`;
    const msg = failed
        ? `connector ${inputs.name} failed (${summary}):\n${redactText(traces.join("\n"), ctx.redact).slice(0, 8_000)}`
        : `connector ${inputs.name} did not reach ${inputs.state} within ${inputs.waitTimeoutSeconds}s (${summary})`;
    // An id and properties make the engine record the connector (a partial failure), so it is
    // neither orphaned nor re-created; the next `pulumi up` retries it through update.
    throw Object.assign(new Error(msg), {
        id: inputs.name,
        properties: { ...outs, __provider: providerRef },
        reasons: [msg],
    });
}
