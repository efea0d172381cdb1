/**
 * Connector lifecycle figures: N FileStreamSink connectors created, updated, read (refresh) and
 * deleted through the `KafkaConnector` provider's methods, called the way the engine calls them
 * (check → create; diff → update; read; delete) with at most {@link ENGINE_PARALLELISM} at once,
 * against the same work done with raw REST calls (16 at once: PUT config and wait until the
 * connector and its tasks are RUNNING; GET status; DELETE and wait until the name is gone).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import axios, { isAxiosError } from "axios";
import type * as pulumi from "@pulumi/pulumi";
import { kafkaConnectorProvider } from "../../connectors/kafkaConnector/resource";
import { pool, secondsSince } from "./stats";

/** The Pulumi CLI's default parallelism on this 2-core machine (4 × GOMAXPROCS). */
export const ENGINE_PARALLELISM = 8;
/** Concurrency of the raw REST baseline. */
export const RAW_PARALLELISM = 16;

/** The four phases, each timed in seconds. */
export const PHASES = ["create", "update", "read", "delete"] as const;
export type Phase = (typeof PHASES)[number];
export type PhaseSeconds = Record<Phase, number>;

const POLL_MS = 100;
const WAIT_MS = 300_000;

/** A FileStreamSink reading `topic` into `file`, with string converters. */
export function sinkConfig(topic: string, file: string): Record<string, string> {
    return {
        "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "tasks.max": "1",
        topics: topic,
        file,
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    };
}

interface Fleet {
    readonly names: string[];
    readonly dir: string;
    readonly topic: string;
}

function fleet(prefix: string, n: number, topic: string): Fleet {
    const dir = mkdtempSync(join(tmpdir(), `bench-${prefix}-`));
    return { names: Array.from({ length: n }, (_, i) => `${prefix}-${i}`), dir, topic };
}

/** Provider methods, as the engine would call them, `ENGINE_PARALLELISM` at a time. */
export async function providerLifecycle(connectUrl: string, f: Fleet): Promise<PhaseSeconds> {
    const p = kafkaConnectorProvider as Required<pulumi.dynamic.ResourceProvider>;
    const inputs = async (name: string, version: number): Promise<Record<string, unknown>> => {
        const checked = await p.check(
            {},
            {
                connectUrl,
                name,
                config: sinkConfig(f.topic, join(f.dir, `${name}.v${version}.txt`)),
            },
        );
        if (checked.failures?.length) {
            throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
        }
        return checked.inputs as Record<string, unknown>;
    };
    const outs = new Map<string, unknown>();
    const out: Partial<PhaseSeconds> = {};

    let t = process.hrtime.bigint();
    await pool(f.names, ENGINE_PARALLELISM, async (name) => {
        const r = await p.create(await inputs(name, 1));
        outs.set(name, r.outs);
    });
    out.create = secondsSince(t);

    t = process.hrtime.bigint();
    await pool(f.names, ENGINE_PARALLELISM, async (name) => {
        const news = await inputs(name, 2);
        const d = await p.diff(name, outs.get(name), news);
        if (!d.changes) throw new Error(`diff of ${name} saw no change`);
        const r = await p.update(name, outs.get(name), news);
        outs.set(name, r.outs);
    });
    out.update = secondsSince(t);

    t = process.hrtime.bigint();
    await pool(f.names, ENGINE_PARALLELISM, async (name) => {
        const r = await p.read(name, outs.get(name));
        if (r.id !== name) throw new Error(`read of ${name} lost it`);
    });
    out.read = secondsSince(t);

    t = process.hrtime.bigint();
    await pool(f.names, ENGINE_PARALLELISM, (name) => p.delete(name, outs.get(name)));
    out.delete = secondsSince(t);
    return out as PhaseSeconds;
}

interface RawStatus {
    connector?: { state?: string };
    tasks?: { state?: string; trace?: string }[];
}

/**
 * `call` retried while the worker answers 409 (rebalance in progress) or 500 "rebalance is
 * expected", as any script driving Connect must, until the deadline.
 */
async function retryRebalance<T>(call: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
        try {
            return await call();
        } catch (e) {
            const status = isAxiosError(e) ? e.response?.status : undefined;
            const text = isAxiosError(e) ? JSON.stringify(e.response?.data ?? "") : "";
            const rebalance = status === 409 || (status === 500 && /rebalance/i.test(text));
            if (!rebalance || Date.now() > deadline) throw e;
            await new Promise((r) => setTimeout(r, POLL_MS));
        }
    }
}

/** The Connect REST calls of the raw baseline, each retried through rebalances. */
interface Rest {
    get<T>(path: string): Promise<{ data: T }>;
    put(path: string, body: unknown): Promise<unknown>;
    delete(path: string): Promise<unknown>;
}

function connectClient(connectUrl: string): Rest {
    const http = axios.create({ baseURL: connectUrl, timeout: 60_000 });
    return {
        get: <T>(path: string) => retryRebalance(() => http.get<T>(path)),
        put: (path, body) => retryRebalance(() => http.put(path, body)),
        delete: (path) => retryRebalance(() => http.delete(path)),
    };
}

/** Waits until every connector of `names` (and its ≥ 1 tasks) is RUNNING; fails on FAILED. */
async function waitRunning(http: Rest, names: readonly string[]): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    const pending = new Set(names);
    while (pending.size > 0) {
        const res = await http.get<Record<string, { status?: RawStatus }>>(
            "/connectors?expand=status",
        );
        for (const name of [...pending]) {
            const s = res.data[name]?.status;
            const tasks = s?.tasks ?? [];
            const failed = tasks.find((x) => x.state === "FAILED");
            if (failed || s?.connector?.state === "FAILED") {
                throw new Error(`raw baseline: ${name} FAILED ${failed?.trace ?? ""}`);
            }
            if (
                s?.connector?.state === "RUNNING" &&
                tasks.length > 0 &&
                tasks.every((x) => x.state === "RUNNING")
            ) {
                pending.delete(name);
            }
        }
        if (pending.size === 0) break;
        if (Date.now() > deadline) throw new Error(`raw baseline: ${pending.size} not RUNNING`);
        await new Promise((r) => setTimeout(r, POLL_MS));
    }
}

/** Waits until the tasks of `name` run with `file` (the new generation after an update). */
async function waitTaskConfig(http: Rest, name: string, file: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
        const res = await http.get<{ config?: Record<string, string> }[]>(
            `/connectors/${name}/tasks`,
        );
        if (res.data.length > 0 && res.data.every((t) => t.config?.file === file)) return;
        if (Date.now() > deadline)
            throw new Error(`raw baseline: ${name} tasks kept the old config`);
        await new Promise((r) => setTimeout(r, POLL_MS));
    }
}

/** Waits until the worker lists none of `names`. */
async function waitGone(http: Rest, names: readonly string[]): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
        const listed = new Set((await http.get<string[]>("/connectors")).data);
        if (!names.some((n) => listed.has(n))) return;
        if (Date.now() > deadline) throw new Error("raw baseline: deleted connectors still listed");
        await new Promise((r) => setTimeout(r, POLL_MS));
    }
}

/** Raw REST: what a script calling Connect directly does, `RAW_PARALLELISM` requests at a time. */
export async function rawLifecycle(connectUrl: string, f: Fleet): Promise<PhaseSeconds> {
    const http = connectClient(connectUrl);
    const put = (version: number) =>
        pool(f.names, RAW_PARALLELISM, (name) =>
            http.put(
                `/connectors/${name}/config`,
                sinkConfig(f.topic, join(f.dir, `${name}.v${version}.txt`)),
            ),
        );
    const out: Partial<PhaseSeconds> = {};

    let t = process.hrtime.bigint();
    await put(1);
    await waitRunning(http, f.names);
    out.create = secondsSince(t);

    t = process.hrtime.bigint();
    await put(2);
    // Status right after a PUT still shows the old tasks: wait for tasks built from the new config.
    await pool(f.names, RAW_PARALLELISM, (name) =>
        waitTaskConfig(http, name, join(f.dir, `${name}.v2.txt`)),
    );
    await waitRunning(http, f.names);
    out.update = secondsSince(t);

    t = process.hrtime.bigint();
    await pool(f.names, RAW_PARALLELISM, (name) => http.get(`/connectors/${name}/status`));
    out.read = secondsSince(t);

    t = process.hrtime.bigint();
    await pool(f.names, RAW_PARALLELISM, (name) => http.delete(`/connectors/${name}`));
    await waitGone(http, f.names);
    out.delete = secondsSince(t);
    return out as PhaseSeconds;
}

/** Runs one lifecycle on a fresh fleet and removes its files (and any connector left behind). */
export async function runLifecycle(
    kind: "provider" | "raw",
    connectUrl: string,
    prefix: string,
    n: number,
    topic: string,
): Promise<PhaseSeconds> {
    const f = fleet(prefix, n, topic);
    try {
        return kind === "provider"
            ? await providerLifecycle(connectUrl, f)
            : await rawLifecycle(connectUrl, f);
    } finally {
        const http = axios.create({
            baseURL: connectUrl,
            timeout: 60_000,
            validateStatus: () => true,
        });
        await pool(f.names, RAW_PARALLELISM, (name) => http.delete(`/connectors/${name}`));
        rmSync(f.dir, { recursive: true, force: true });
    }
}
