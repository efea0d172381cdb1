/**
 * Applying a `KafkaConnector`'s run state and waiting for evidence of the outcome.
 *
 * Connect reports a task RUNNING just before it calls the task's `start()`, and right after a
 * write its status still shows the previous generation of tasks. So a step does not end on the
 * first RUNNING it sees, nor after a fixed pause; it ends on evidence:
 * - the new generation exists: a new connector has no older one; after a config write the
 *   stored task configs (`GET /connectors/{n}/tasks`) carry the new values of the changed keys
 *   (Connect answers that from its config snapshot once it has acted on the new task configs);
 *   after a restart a task or the connector has been seen restarting;
 * - success: the connector and every task (each task id the worker has a config for, from the
 *   bulk answer) in the target state across polls spanning the start window (a task failing in
 *   `start()` turns FAILED within it), outside any transition;
 * - failure: a FAILED that cannot be the old generation's (a new connector, or a task seen
 *   running since the new generation showed), confirmed by a second poll.
 * Where the generation cannot be told (task configs that do not show the change), an outcome
 * must hold for `settleSeconds`, as before. A task that fails later than the start window shows
 * as FAILED at the next refresh.
 *
 * A new connector on Connect 3.1 or later needs no start window: from 3.1 a worker reports the
 * connector RUNNING only after `Connector.start()` returned and a task only after `Task.start()`
 * returned (connect-runtime 4.0.0 WorkerConnector.java:216/246, WorkerTask.java:174-177, the
 * same order since 3.1.0; up to 3.0 WorkerTask.doRun reported RUNNING before `execute()` called
 * `start()`), and a new connector has no older tasks to mistake for its own. So one answer that
 * shows the connector and every task it has a config for RUNNING ends a create; an engine slot
 * is not held for a window in which nothing can change.
 */
import { redactText } from "../http";
import {
    MASKED,
    hashSensitive,
    type ConnectorInputs,
    type ConnectorOutputs,
    type ConnectorTargetState,
    type ConnectorTaskStatus,
} from "./inputs";
import { snapshot, type LiveConnector } from "./live";
import {
    call,
    enc,
    getConfig,
    getStatus,
    getTaskConfigs,
    getTopics,
    workerSupports,
    type Ctx,
    type RawStatus,
} from "./rest";

/**
 * How long the connector and its tasks must be seen RUNNING in the new generation before a step
 * succeeds (capped by `settleSeconds`): a task that fails in `start()` is FAILED well within it.
 */
export const START_WINDOW_MS = 250;

/** Whether a worker of this version reports RUNNING only after `start()` returned (3.1+). */
export function reportsRunningAfterStart(version: string | undefined): boolean {
    return workerSupports(version, 3, 1);
}

/** What tells the new generation of tasks from the one before a write. */
export interface Generation {
    /** A new connector: no older generation can be showing. */
    readonly fresh?: boolean;
    /**
     * The worker reports RUNNING only after `start()` returned ({@link reportsRunningAfterStart}):
     * for a new connector, the first answer showing everything RUNNING is the outcome.
     */
    readonly runningMeansStarted?: boolean;
    /**
     * After a config write: the config sent and the keys it changed; the new generation shows once
     * the task configs hold the new value of a changed key and no old one.
     */
    readonly expect?: { readonly config: Record<string, string>; readonly keys: string[] };
    /** A restart was requested; the new generation shows once something is seen restarting. */
    readonly restarted?: boolean;
}

/** The status (and, from the bulk answer, the config) as it is now. */
async function liveNow(
    ctx: Ctx,
    notBefore: number,
): Promise<{ status?: RawStatus; entry?: LiveConnector; bulk: boolean }> {
    const snap = await snapshot(ctx, notBefore, "wait");
    if (snap) return { status: snap[ctx.name]?.status, entry: snap[ctx.name], bulk: true };
    return { status: await getStatus(ctx), bulk: false };
}

/** The connector's status as it is now (from the shared bulk answer where the worker has one). */
export async function statusNow(ctx: Ctx): Promise<RawStatus | undefined> {
    return (await liveNow(ctx, Date.now())).status;
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
    taskIds: number[] | undefined,
): boolean {
    const conn = s.connector?.state;
    const tasks = s.tasks ?? [];
    if (conn !== target) return false;
    if (target === "STOPPED") return tasks.length === 0;
    if (!tasks.every((t) => t.state === target)) return false;
    // Every task the worker has a config for must have reported (they start one by one).
    if (taskIds && !taskIds.every((id) => tasks.some((t) => t.id === id))) return false;
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
 * Whether the task configs are the new generation's: some task holds a changed key, and every
 * task that holds one has its new value. Connectors whose tasks carry none of the changed keys
 * never show this (the caller then falls back to a held outcome).
 */
export function showsNew(
    tasks: Record<string, string>[] | undefined,
    expect: NonNullable<Generation["expect"]>,
): boolean {
    const keys = expect.keys.filter((k) => expect.config[k] !== undefined);
    const shown = (tasks ?? []).flatMap((t) =>
        keys.filter((k) => k in t).map((k) => [t, k] as const),
    );
    return shown.length > 0 && shown.every(([t, k]) => t[k] === expect.config[k]);
}

/** Connector and task keys in `s` whose state is (or is not) FAILED. */
function parts(s: RawStatus, failed: boolean): string[] {
    return [
        ...(s.connector && (s.connector.state === "FAILED") === failed ? ["connector"] : []),
        ...(s.tasks ?? []).filter((t) => (t.state === "FAILED") === failed).map((t) => `${t.id}`),
    ];
}

/**
 * Polls until the evidence above shows the connector settled in `target` or failed, or the
 * deadline passes. Returns the last status seen (with the bulk entry it came from).
 */
async function waitForState(
    ctx: Ctx,
    target: ConnectorTargetState,
    gen: Generation,
): Promise<{ status?: RawStatus; entry?: LiveConnector; settled: boolean }> {
    const startWindow = Math.min(START_WINDOW_MS, ctx.holdMs);
    let known = !gen.expect && !gen.restarted;
    // Parts seen not FAILED since the new generation showed: a FAILED after that is its own.
    const seenWell = new Set<string>();
    let zeroTasksSince: number | undefined;
    let outcome: { kind: "settled" | "failed"; since: number; polls: number } | undefined;
    let notBefore = Date.now();
    let tasksAskedAt = 0;
    for (let poll = 0; ; poll++) {
        const { status, entry, bulk } = await liveNow(ctx, notBefore);
        notBefore = Date.now();
        const askTasks = !known && gen.expect && Date.now() - tasksAskedAt >= 250;
        if (askTasks) tasksAskedAt = Date.now();
        if (askTasks && showsNew(await getTaskConfigs(ctx), gen.expect)) {
            // Judge only statuses read from now on.
            known = true;
            outcome = undefined;
            continue;
        }
        if (!known && gen.restarted && status && inTransition(status)) known = true;
        if (known && status) for (const p of parts(status, false)) seenWell.add(p);
        const tasks = status?.tasks ?? [];
        const taskIds = entry?.info?.tasks?.map((t) => t.task);
        if (status?.connector?.state === target && tasks.length === 0) {
            zeroTasksSince ??= Date.now();
        } else zeroTasksSince = undefined;
        const kind =
            !status || inTransition(status)
                ? undefined
                : hasFailure(status)
                  ? "failed"
                  : isSettled(status, target, zeroTasksSince, taskIds)
                    ? "settled"
                    : undefined;
        if (!kind) outcome = undefined;
        else if (outcome?.kind !== kind) outcome = { kind, since: Date.now(), polls: 1 };
        else outcome.polls++;
        // A new connector on a worker that reports RUNNING after start() is settled when seen.
        const seenStarted =
            outcome?.kind === "settled" &&
            gen.fresh === true &&
            gen.runningMeansStarted === true &&
            target === "RUNNING";
        if (outcome && status && (outcome.polls >= 2 || seenStarted)) {
            const held = Date.now() - outcome.since;
            const own =
                known && parts(status, true).every((p) => gen.fresh === true || seenWell.has(p));
            const needed =
                outcome.kind === "failed"
                    ? own
                        ? 0
                        : ctx.holdMs
                    : known
                      ? target === "RUNNING" && !seenStarted
                          ? startWindow
                          : 0
                      : ctx.holdMs;
            if (held >= needed) return { status, entry, settled: outcome.kind === "settled" };
        }
        // The bulk answer paces itself; single status reads back off as before.
        const delay = bulk ? 0 : Math.min(1_000, 250 * 2 ** Math.min(poll, 2));
        if (Date.now() + Math.max(delay, 100) > ctx.deadline) {
            return { status, entry, settled: false };
        }
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
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

/**
 * Builds the outputs (secret values left out) from the live config, status and topics; the
 * config and status are read unless given (from a bulk answer).
 */
export async function readOutputs(
    ctx: Ctx,
    base: Omit<ConnectorOutputs, "connectorType" | "connectorState" | "tasks" | "topics">,
    status?: RawStatus,
    liveConfig?: Record<string, string>,
): Promise<ConnectorOutputs | undefined> {
    const live = liveConfig ?? (await getConfig(ctx));
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

/**
 * Applies the target state, restarts, waits for evidence, re-reads; throws an init error on
 * failure. `stateApplied`: a create that sent `initial_state` needs no state change; `before`:
 * the status read as the step began (read here when not given).
 */
export async function converge(
    ctx: Ctx,
    inputs: ConnectorInputs,
    providerRef: unknown,
    opts: {
        restartAll: boolean;
        generation: Generation;
        stateApplied?: boolean;
        before?: Promise<RawStatus | undefined>;
    },
): Promise<ConnectorOutputs> {
    const before = opts.stateApplied ? undefined : await (opts.before ?? statusNow(ctx));
    const verb = opts.stateApplied ? undefined : transition(before?.connector?.state, inputs.state);
    if (verb) {
        await call(ctx, "PUT", `/connectors/${enc(ctx.name)}/${verb}`, {
            validStatus: [200, 202, 204],
        });
    }
    let gen = opts.generation;
    if (opts.restartAll && inputs.state !== "STOPPED") {
        await restart(ctx, false);
        gen = { ...gen, restarted: true };
    } else if (
        inputs.restartOnFailure &&
        before &&
        hasFailure(before) &&
        inputs.state !== "STOPPED"
    ) {
        await restart(ctx, true);
        gen = { ...gen, restarted: true };
    }
    let waited = await waitForState(ctx, inputs.state, gen);
    if (
        !waited.settled &&
        waited.status &&
        hasFailure(waited.status) &&
        inputs.restartOnFailure &&
        !opts.restartAll
    ) {
        await restart(ctx, true);
        waited = await waitForState(ctx, inputs.state, { restarted: true });
    }
    const liveConfig = waited.entry?.info?.config;
    const outs = await readOutputs(ctx, baseOutputs(inputs), waited.status, liveConfig);
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
