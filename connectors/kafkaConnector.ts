/**
 * `KafkaConnector`: one Kafka Connect connector managed through the Connect REST API by a Pulumi
 * dynamic provider. The connector name is its identity (a rename replaces it, deleting first);
 * plain config is diffed key by key, secret config travels only as a secret input and is compared
 * by hash; the desired run state (RUNNING / PAUSED / STOPPED) is applied and waited for, and a
 * failed task fails the step with its trace while the connector stays recorded in the state.
 */
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { HttpError, HttpMethod, HttpResponse, request } from "./http";

/** Run states a connector can be asked to be in. */
export type ConnectorTargetState = "RUNNING" | "PAUSED" | "STOPPED";

/** Bumped whenever the provider's behaviour changes, so existing connectors see a diff. */
export const KAFKA_CONNECTOR_PROVIDER_VERSION = "1";

/** Arguments for {@link KafkaConnector}. */
export interface KafkaConnectorArgs {
    /** Base URL of the Connect REST API, e.g. `http://connect:8083`. Changing it replaces. */
    readonly connectUrl: pulumi.Input<string>;
    /** Connector name. Defaults to the resource name. Changing it replaces (delete first). */
    readonly name?: pulumi.Input<string>;
    /** Plain connector config; must hold `connector.class`. Values are sent as strings. */
    readonly config: pulumi.Input<Record<string, pulumi.Input<string | number | boolean>>>;
    /** Secret config merged into the request only; kept secret and compared by hash. */
    readonly sensitiveConfig?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Desired run state. Defaults to `RUNNING`. */
    readonly state?: pulumi.Input<ConnectorTargetState>;
    /** Restart failed tasks (`includeTasks=true&onlyFailed=true`) on apply. Defaults to false. */
    readonly restartOnFailure?: pulumi.Input<boolean>;
    /** Change to any new value to restart the connector and all its tasks. */
    readonly restartNonce?: pulumi.Input<string | number>;
    /** Take over an existing connector of this name if its live config matches. Defaults to false. */
    readonly adoptExisting?: pulumi.Input<boolean>;
    /** Bound on every wait (rebalance retries, task start-up), in seconds. Defaults to 300. */
    readonly waitTimeoutSeconds?: pulumi.Input<number>;
}

/** Status of one connector task as reported by `GET /connectors/{name}/status`. */
export interface ConnectorTaskStatus {
    /** Task number. */
    readonly id: number;
    /** UNASSIGNED, RUNNING, PAUSED, FAILED or RESTARTING. */
    readonly state: string;
    /** Worker running the task. */
    readonly workerId: string;
    /** Stack trace of a FAILED task (secret values removed). */
    readonly trace?: string;
}

/** Provider inputs after `check`: plain values, every default filled in. */
export interface ConnectorInputs {
    connectUrl: string;
    name: string;
    config: Record<string, string>;
    sensitiveConfig: Record<string, string>;
    state: ConnectorTargetState;
    restartOnFailure: boolean;
    restartNonce: string;
    adoptExisting: boolean;
    waitTimeoutSeconds: number;
    providerVersion: string;
}

/** Provider outputs (the state file): inputs minus secret values, plus live status. */
export interface ConnectorOutputs extends Omit<ConnectorInputs, "sensitiveConfig"> {
    sensitiveKeys: string[];
    sensitiveConfigHash: string;
    connectorType: string;
    connectorState: string;
    tasks: ConnectorTaskStatus[];
    topics: string[];
}

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const STATES = ["RUNNING", "PAUSED", "STOPPED"];
const MASKED = /^(\[hidden\]|\*+|•+)$/;

/** `check`: normalizes values to strings, fills defaults, lists every invalid input. */
export function checkConnector(news: Record<string, unknown>): pulumi.dynamic.CheckResult {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const fail = (property: string, reason: string) => failures.push({ property, reason });
    const known = (v: unknown) => v !== UNKNOWN;
    const inputs: Record<string, unknown> = { ...news };
    const name = news.name;
    if (
        known(name) &&
        (typeof name !== "string" || !/^[^/\s][^/]*$/.test(name) || name !== name.trim())
    ) {
        fail("name", `connector name must be a non-empty string without "/" or surrounding spaces`);
    }
    const url = news.connectUrl;
    if (known(url) && (typeof url !== "string" || !/^https?:\/\/[^/]+/.test(url))) {
        fail("connectUrl", "connectUrl must be an http(s) URL such as http://connect:8083");
    } else if (typeof url === "string") {
        inputs.connectUrl = url.replace(/\/+$/, "");
    }
    const config: Record<string, string> = {};
    const rawConfig = news.config;
    if (known(rawConfig) && (typeof rawConfig !== "object" || rawConfig === null)) {
        fail("config", "config must be a map of strings, numbers or booleans");
    } else if (known(rawConfig)) {
        for (const [k, v] of Object.entries(rawConfig as Record<string, unknown>)) {
            if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
                config[k] = String(v);
            } else {
                fail(`config.${k}`, `config value must be a string, number or boolean`);
            }
        }
        if (config["connector.class"] === undefined) {
            fail("config", `config must set "connector.class"`);
        }
        if (
            config.name !== undefined &&
            known(config.name) &&
            known(name) &&
            config.name !== name
        ) {
            fail(
                "config.name",
                `config "name" (${config.name}) must equal the connector name (${String(name)})`,
            );
        }
        if (known(name) && typeof name === "string") config.name = name;
        inputs.config = config;
    }
    const sensitive = news.sensitiveConfig ?? {};
    if (known(sensitive) && (typeof sensitive !== "object" || sensitive === null)) {
        fail("sensitiveConfig", "sensitiveConfig must be a map of strings");
    } else if (known(sensitive)) {
        for (const [k, v] of Object.entries(sensitive as Record<string, unknown>)) {
            if (typeof v !== "string" && known(v)) fail(`sensitiveConfig.${k}`, "must be a string");
            if (k in config) fail(`sensitiveConfig.${k}`, `"${k}" is also set in config`);
            if (k === "name" || k === "connector.class")
                fail(`sensitiveConfig.${k}`, `"${k}" must be in config`);
        }
        inputs.sensitiveConfig = sensitive;
    }
    const state = news.state ?? "RUNNING";
    if (known(state) && !STATES.includes(state as string)) {
        fail("state", `state must be one of ${STATES.join(", ")}`);
    }
    inputs.state = state;
    const wait = news.waitTimeoutSeconds ?? 300;
    if (known(wait) && (typeof wait !== "number" || !(wait > 0))) {
        fail("waitTimeoutSeconds", "waitTimeoutSeconds must be a positive number");
    }
    inputs.waitTimeoutSeconds = wait;
    inputs.restartOnFailure = news.restartOnFailure ?? false;
    inputs.adoptExisting = news.adoptExisting ?? false;
    const nonce = news.restartNonce;
    if (nonce === undefined || nonce === null) inputs.restartNonce = "";
    else if (typeof nonce === "string" || typeof nonce === "number")
        inputs.restartNonce = String(nonce);
    else fail("restartNonce", "restartNonce must be a string or number");
    inputs.providerVersion = news.providerVersion ?? KAFKA_CONNECTOR_PROVIDER_VERSION;
    return { inputs, failures };
}

/** SHA-256 of the secret config (sorted), so a changed secret shows as a change. */
export function hashSensitive(sensitive: Record<string, string> | undefined): string {
    const entries = Object.entries(sensitive ?? {}).sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0,
    );
    return crypto.createHash("sha256").update(JSON.stringify(entries)).digest("hex");
}

/** The properties whose change needs an update, and those that force a replacement. */
export function diffConnector(
    olds: Partial<ConnectorOutputs>,
    news: ConnectorInputs,
): { changes: string[]; replaces: string[] } {
    const changes: string[] = [];
    const replaces: string[] = [];
    const differs = (a: unknown, b: unknown) => b === UNKNOWN || a !== b;
    if (differs(olds.name, news.name)) replaces.push("name");
    if (differs(olds.connectUrl, news.connectUrl)) replaces.push("connectUrl");
    const oldConfig = olds.config ?? {};
    const newConfig = (news.config as unknown) === UNKNOWN ? undefined : news.config;
    if (!newConfig) changes.push("config");
    else {
        const keys = new Set([...Object.keys(oldConfig), ...Object.keys(newConfig)]);
        for (const k of [...keys].sort()) {
            if (differs(oldConfig[k], newConfig[k])) changes.push(`config.${k}`);
        }
    }
    const secrets = news.sensitiveConfig as unknown;
    const secretValues = secrets === UNKNOWN ? [UNKNOWN] : Object.values(news.sensitiveConfig);
    if (
        secretValues.includes(UNKNOWN) ||
        hashSensitive(news.sensitiveConfig) !== olds.sensitiveConfigHash
    ) {
        changes.push("sensitiveConfig");
    }
    for (const key of ["state", "restartNonce", "restartOnFailure", "providerVersion"] as const) {
        if (differs(olds[key], news[key])) changes.push(key);
    }
    // Live drift recorded by the last read: a connector paused, resumed or failed out of band.
    const live = olds.connectorState;
    const settled = live !== undefined && ["RUNNING", "PAUSED", "STOPPED"].includes(live);
    if (settled && live !== news.state && !changes.includes("state")) {
        changes.push("connectorState");
    }
    const failed = live === "FAILED" || (olds.tasks ?? []).some((t) => t.state === "FAILED");
    if (failed && news.restartOnFailure === true && news.state !== "STOPPED") changes.push("tasks");
    return { changes, replaces };
}

/** Everything one provider call needs to talk to the worker. */
interface Ctx {
    readonly base: string;
    readonly name: string;
    readonly redact: string[];
    readonly deadline: number;
}

function ctxOf(
    p: { connectUrl: string; name: string; waitTimeoutSeconds?: number },
    secrets: string[],
): Ctx {
    return {
        base: p.connectUrl.replace(/\/+$/, ""),
        name: p.name,
        redact: secrets,
        deadline: Date.now() + (p.waitTimeoutSeconds ?? 300) * 1000,
    };
}

const enc = encodeURIComponent;

/**
 * One Connect REST call. Retries until the deadline: 409 rebalance conflicts, 500 "rebalance is
 * expected" (what Kafka 4.0 answers while a worker joins), and a 404 that is not Connect's JSON
 * error: a starting worker serves Jetty's HTML 404 for every path before its resources register,
 * which must not be mistaken for "connector not found".
 */
async function call<T>(
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
    return request<T>({
        method,
        url: `${ctx.base}${path}`,
        data: opts.data,
        headers: opts.data === undefined ? undefined : { "Content-Type": "application/json" },
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
            reconcile: opts.reconcile,
            onRetry: opts.onRetry,
        },
    });
}

interface RawStatus {
    type?: string;
    connector?: { state: string; worker_id?: string; trace?: string };
    tasks?: { id: number; state: string; worker_id?: string; trace?: string }[];
}

/** True for Connect's own JSON 404 ("Connector x not found"), as opposed to a starting worker. */
function isNotFound(e: unknown): boolean {
    return e instanceof HttpError && e.status === 404 && e.errorCode !== undefined;
}

/** The response, or `undefined` when Connect says the connector does not exist. */
async function orMissing<T>(p: Promise<HttpResponse<T>>): Promise<T | undefined> {
    try {
        return (await p).data;
    } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
    }
}

function getConfig(ctx: Ctx): Promise<Record<string, string> | undefined> {
    return orMissing(
        call<Record<string, string>>(ctx, "GET", `/connectors/${enc(ctx.name)}/config`),
    );
}

function getStatus(ctx: Ctx): Promise<RawStatus | undefined> {
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
function configMismatch(
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

function fullConfig(inputs: ConnectorInputs): Record<string, string> {
    return { ...inputs.config, ...inputs.sensitiveConfig, name: inputs.name };
}

/** Fails with every field error before anything is written. */
async function validate(ctx: Ctx, inputs: ConnectorInputs): Promise<void> {
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
    throw new Error(redactAll(msg, ctx.redact));
}

function redactAll(text: string, secrets: string[]): string {
    return secrets.filter((s) => s).reduce((t, s) => t.split(s).join("[redacted]"), text);
}

function workerSupports(version: string | undefined, major: number, minor: number): boolean {
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
    let settledOnce = false;
    let zeroTasksSince: number | undefined;
    for (let poll = 0; ; poll++) {
        last = await getStatus(ctx);
        if (last && hasFailure(last)) return { status: last, settled: false };
        if (last?.connector?.state === target && (last.tasks ?? []).length === 0)
            zeroTasksSince ??= Date.now();
        else zeroTasksSince = undefined;
        const settled = last !== undefined && isSettled(last, target, zeroTasksSince);
        if (settled && settledOnce) return { status: last, settled: true };
        settledOnce = settled;
        const delay = Math.min(2_000, 250 * 2 ** Math.min(poll, 3));
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
async function readOutputs(
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
        ...(t.trace ? { trace: redactAll(t.trace, ctx.redact).slice(0, 8_000) } : {}),
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
async function converge(
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
        ? `connector ${inputs.name} failed (${summary}):\n${redactAll(traces.join("\n"), ctx.redact).slice(0, 8_000)}`
        : `connector ${inputs.name} did not reach ${inputs.state} within ${inputs.waitTimeoutSeconds}s (${summary})`;
    // An id and properties make the engine record the connector (a partial failure), so it is
    // neither orphaned nor re-created; the next `pulumi up` retries it through update.
    throw Object.assign(new Error(msg), {
        id: inputs.name,
        properties: { ...outs, __provider: providerRef },
        reasons: [msg],
    });
}

/** The dynamic provider; every client and credential is created inside the methods. */
export const kafkaConnectorProvider: pulumi.dynamic.ResourceProvider = {
    check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
        return Promise.resolve(checkConnector(news));
    },

    diff(_id: string, olds: ConnectorOutputs, news: ConnectorInputs) {
        const { changes, replaces } = diffConnector(olds, news);
        return Promise.resolve({
            changes: changes.length > 0 || replaces.length > 0,
            replaces,
            deleteBeforeReplace: true,
        });
    },

    async create(raw: ConnectorInputs & { __provider?: unknown }) {
        const inputs = raw;
        const ctx = ctxOf(inputs, Object.values(inputs.sensitiveConfig));
        await validate(ctx, inputs);
        const info = await call<{ version?: string }>(ctx, "GET", "/");
        const initialState = workerSupports(info.data?.version, 3, 7);
        if (inputs.state === "STOPPED" && !workerSupports(info.data?.version, 3, 5)) {
            throw new Error(
                `connector ${inputs.name}: state STOPPED needs Kafka Connect 3.5 or later`,
            );
        }
        const desired = fullConfig(inputs);
        const secretKeys = Object.keys(inputs.sensitiveConfig);
        let retried = false;
        const landed = async (): Promise<HttpResponse<unknown> | undefined> => {
            const live = await getConfig(ctx);
            if (live && configMismatch(desired, live, secretKeys).length === 0) {
                return { status: 201, data: undefined, headers: {} };
            }
            return undefined;
        };
        try {
            await call(ctx, "POST", "/connectors", {
                data: {
                    name: inputs.name,
                    config: desired,
                    ...(initialState ? { initial_state: inputs.state } : {}),
                },
                reconcile: landed,
                onRetry: () => (retried = true),
            });
        } catch (e) {
            if (!(
                e instanceof HttpError &&
                e.status === 409 &&
                /already exists/i.test(e.serverMessage)
            )) {
                throw e;
            }
            const live = await getConfig(ctx);
            const diffKeys = live
                ? configMismatch(desired, live, secretKeys)
                : ["(connector vanished)"];
            if ((inputs.adoptExisting || retried) && diffKeys.length === 0) {
                // Ours from an earlier attempt of this create, or adopted on purpose.
            } else if (inputs.adoptExisting) {
                throw new Error(
                    `connector ${inputs.name} already exists at ${ctx.base} with a different config ` +
                        `(keys: ${diffKeys.join(", ")}); adoptExisting only takes over a matching connector`,
                );
            } else {
                throw new Error(
                    `connector ${inputs.name} already exists at ${ctx.base} and is not managed by this ` +
                        `stack; delete it, rename this one, or set adoptExisting: true with a matching config`,
                );
            }
        }
        const outs = await converge(ctx, inputs, raw.__provider, { restartAll: false });
        return { id: inputs.name, outs };
    },

    async read(id: string, props: ConnectorOutputs) {
        const ctx = ctxOf({ ...props, name: props.name ?? id }, []);
        let outs = await readOutputs(ctx, { ...props, name: props.name ?? id });
        if (!outs) {
            // A follower that just joined may lag the config topic; look once more before declaring it gone.
            await new Promise((r) => setTimeout(r, 1_000));
            outs = await readOutputs(ctx, { ...props, name: props.name ?? id });
        }
        return outs ? { id, props: outs } : { id: "" };
    },

    async update(
        _id: string,
        olds: ConnectorOutputs,
        news: ConnectorInputs & { __provider?: unknown },
    ) {
        const ctx = ctxOf(news, Object.values(news.sensitiveConfig));
        const { changes } = diffConnector(olds, news);
        const configChanged = changes.some(
            (c) => c === "config" || c.startsWith("config.") || c === "sensitiveConfig",
        );
        if (configChanged) {
            await validate(ctx, news);
            const desired = fullConfig(news);
            await call(ctx, "PUT", `/connectors/${enc(news.name)}/config`, {
                data: desired,
                reconcile: async () => {
                    const live = await getConfig(ctx);
                    const same =
                        live &&
                        configMismatch(desired, live, Object.keys(news.sensitiveConfig)).length ===
                            0;
                    return same ? { status: 200, data: undefined, headers: {} } : undefined;
                },
            });
        }
        const restartAll = olds.restartNonce !== news.restartNonce && news.restartNonce !== "";
        const outs = await converge(ctx, news, news.__provider, { restartAll });
        return { outs };
    },

    async delete(_id: string, props: ConnectorOutputs) {
        const ctx = ctxOf(props, []);
        const gone = { status: 404, data: undefined, headers: {} };
        await orMissing(
            call(ctx, "DELETE", `/connectors/${enc(props.name)}`, {
                reconcile: async () => ((await getStatus(ctx)) === undefined ? gone : undefined),
            }),
        );
        // Wait until the worker no longer knows the name, so a delete-before-replace create cannot collide.
        while ((await getConfig(ctx)) !== undefined) {
            if (Date.now() > ctx.deadline) {
                throw new Error(
                    `connector ${props.name} was deleted but is still listed by ${ctx.base}`,
                );
            }
            await new Promise((r) => setTimeout(r, 500));
        }
    },
};

/**
 * A Kafka Connect connector, created, updated, paused/stopped/resumed, restarted and deleted
 * through the Connect REST API. Secret config is never part of the outputs.
 */
export class KafkaConnector extends pulumi.dynamic.Resource {
    /** Connector name on the worker. */
    declare readonly name: pulumi.Output<string>;
    /** `source` or `sink`, as reported by the worker. */
    declare readonly connectorType: pulumi.Output<string>;
    /** Live connector state at the last create/update/refresh. */
    declare readonly connectorState: pulumi.Output<string>;
    /** Live task states, with the trace of failed tasks. */
    declare readonly tasks: pulumi.Output<ConnectorTaskStatus[]>;
    /** Topics the connector has used (KIP-558 topic tracking). */
    declare readonly topics: pulumi.Output<string[]>;

    constructor(name: string, args: KafkaConnectorArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            kafkaConnectorProvider,
            name,
            {
                connectUrl: args.connectUrl,
                name: args.name ?? name,
                config: args.config,
                sensitiveConfig: pulumi.secret(args.sensitiveConfig ?? {}),
                state: args.state,
                restartOnFailure: args.restartOnFailure,
                restartNonce: args.restartNonce,
                adoptExisting: args.adoptExisting,
                waitTimeoutSeconds: args.waitTimeoutSeconds,
                providerVersion: KAFKA_CONNECTOR_PROVIDER_VERSION,
                connectorType: undefined,
                connectorState: undefined,
                tasks: undefined,
                topics: undefined,
            },
            {
                ...opts,
                additionalSecretOutputs: [
                    ...(opts?.additionalSecretOutputs ?? []),
                    "sensitiveConfigHash",
                ],
            },
        );
    }
}
