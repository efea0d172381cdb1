/**
 * Producer figures: the shared tools producer against the seeds' pattern (produce, then wait, per
 * record) and against Kafka's own `ProducerPerformance` (kafka-tools from Maven Central, the
 * harness's Kafka version, at its defaults), same broker, same record size, acks=all, each run
 * on a fresh topic of the same partition count that is deleted afterwards.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { javaClasspath } from "../services/maven";
import { javaExecutable } from "../services/process";

/** One run: records, wall seconds, peak RSS in bytes (undefined when not measured). */
export interface ProducerRun {
    readonly records: number;
    readonly seconds: number;
    readonly peakRss?: number;
}

/** Records per second of a run. */
export function rate(r: ProducerRun): number {
    return r.records / r.seconds;
}

function run(
    cmd: string,
    args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
}

/** Creates a topic of `partitions`, runs `fn` on it, deletes it. */
export async function withTopic<T>(
    bootstrap: string,
    prefix: string,
    partitions: number,
    fn: (topic: string) => Promise<T>,
): Promise<T> {
    const admin = new Kafka({
        clientId: "bench-admin",
        brokers: bootstrap.split(","),
        logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    const topic = `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    try {
        await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
        // A broker may answer UNKNOWN_TOPIC_OR_PARTITION for a moment after the create.
        for (let i = 0; ; i++) {
            const meta = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
            const ps = meta?.topics[0]?.partitions ?? [];
            if (ps.length === partitions && ps.every((p) => p.leader >= 0)) break;
            if (i >= 100) throw new Error(`topic ${topic} has no leaders after 20 s`);
            await new Promise((r) => setTimeout(r, 200));
        }
        return await fn(topic);
    } finally {
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
        await admin.disconnect();
    }
}

/** One run of the shared producer (`ours`) or the seed pattern (`seed`) in a child process. */
export async function nodeProducer(
    mode: "ours" | "seed",
    bootstrap: string,
    topic: string,
    records: number,
    bytes: number,
): Promise<ProducerRun> {
    const r = await run(process.execPath, [
        "--import",
        "tsx",
        join(__dirname, "producerRun.ts"),
        mode,
        bootstrap,
        topic,
        String(records),
        String(bytes),
    ]);
    if (r.code !== 0) throw new Error(`producer run (${mode}) exited ${r.code}:\n${r.stderr}`);
    const line = r.stdout.trim().split("\n").pop() ?? "";
    return JSON.parse(line) as ProducerRun;
}

/**
 * The summary line of `ProducerPerformance` ("N records sent, X records/sec (…)"), the last one
 * printed; throws when there is none.
 */
export function parseProducerPerformance(stdout: string): { records: number; perSec: number } {
    const lines = [...stdout.matchAll(/^(\d+) records sent, ([\d.]+) records\/sec/gm)];
    const last = lines.at(-1);
    if (!last) throw new Error(`no ProducerPerformance summary in:\n${stdout.slice(-2000)}`);
    return { records: Number(last[1]), perSec: Number(last[2]) };
}

/**
 * `org.apache.kafka.tools.ProducerPerformance` at its defaults (heap as its launcher script sets
 * it), acks=all, unthrottled. Its own records/sec is used (it times from its first send).
 */
export async function producerPerformance(
    bootstrap: string,
    topic: string,
    records: number,
    bytes: number,
): Promise<ProducerRun> {
    const classpath = await javaClasspath("kafka");
    const r = await run(javaExecutable(), [
        "-Xmx512M",
        "-cp",
        classpath,
        "org.apache.kafka.tools.ProducerPerformance",
        "--topic",
        topic,
        "--num-records",
        String(records),
        "--record-size",
        String(bytes),
        "--throughput",
        "-1",
        "--producer-props",
        `bootstrap.servers=${bootstrap}`,
        "acks=all",
    ]);
    if (r.code !== 0) {
        throw new Error(`ProducerPerformance exited ${r.code}:\n${r.stderr.slice(-3000)}`);
    }
    const { records: sent, perSec } = parseProducerPerformance(r.stdout);
    if (sent !== records) throw new Error(`ProducerPerformance sent ${sent} of ${records}`);
    return { records, seconds: records / perSec };
}
