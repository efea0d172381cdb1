/**
 * What both kind suite files share: the endpoints the suite hands over, kubectl and psql helpers,
 * and the dev stack's config with what this machine swaps in (see scripts/kind/suite.ts).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { appImages } from "../../scripts/kind/images";
import { repoRoot } from "../../scripts/engine/tools";

export const project = "ingest-platform";
export const stackName = "kind";
export const namespace = "ingest";
export const env = {
    gateway: process.env.KIND_GATEWAY ?? "",
    context: process.env.KIND_CONTEXT ?? "kind-ingest",
    kafka: process.env.KAFKA_BOOTSTRAP ?? "",
    pgPort: process.env.PGPORT ?? "",
    pgUser: process.env.PGUSER ?? "",
    pgPassword: process.env.PGPASSWORD ?? "",
    pgDatabase: process.env.PGDATABASE ?? "",
    psql: process.env.PSQL ?? "psql",
};

export function kubectl(...args: string[]): { status: number; out: string } {
    const res = spawnSync("kubectl", ["--context", env.context, ...args], { encoding: "utf8" });
    return { status: res.status ?? 1, out: `${res.stdout}${res.stderr}` };
}

export function psql(sql: string): string {
    const res = spawnSync(
        env.psql,
        [
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            env.pgPort,
            "-U",
            env.pgUser,
        ].concat(["-d", env.pgDatabase, "-tAc", sql]),
        { env: { ...process.env, PGPASSWORD: env.pgPassword }, encoding: "utf8" },
    );
    assert.equal(res.status, 0, res.stderr);
    return res.stdout;
}

/** `hdfs dfs` run in the NameNode pod (in-cluster RPC: WebHDFS reads redirect to pod names). */
export function hdfsDfs(...args: string[]): string {
    const res = kubectl(
        "-n",
        namespace,
        "exec",
        "hdfs-namenode-0",
        "--",
        "/opt/hadoop/bin/hdfs",
        "dfs",
        ...args,
    );
    return res.status === 0 ? res.out : "";
}

/**
 * `npm run <tool> -- <args>` in the project root, as a user runs the data tools after `pulumi up`;
 * `engineEnv` points `pulumi stack output` at the suite's state. Resolves with the exit status and
 * everything the tool printed (stdout, then stderr).
 */
export function runTool(
    args: readonly string[],
    engineEnv: Record<string, string>,
    input?: string,
): Promise<{ status: number; out: string }> {
    const [name, ...rest] = args;
    return new Promise((resolve, reject) => {
        const child = spawn("npm", ["run", "--silent", name, "--", ...rest], {
            cwd: repoRoot,
            env: { ...process.env, ...engineEnv },
            stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ status: code ?? 1, out: stdout + stderr }));
        child.stdin.end(input ?? "");
    });
}

/**
 * `kubectl port-forward <target> :<port>` in `ns`, resolved once it listens: a Service the stack
 * gives no host port, reached as a user would.
 */
export function portForward(
    ns: string,
    target: string,
    port: number,
): Promise<{ port: number; stop: () => void }> {
    const child = spawn(
        "kubectl",
        ["--context", env.context, "-n", ns, "port-forward", target, `:${port}`],
        { stdio: ["ignore", "pipe", "pipe"] },
    );
    return new Promise((resolve, reject) => {
        let said = "";
        const timer = setTimeout(() => {
            child.kill();
            reject(new Error(`kubectl port-forward ${target}: not listening after 30 s: ${said}`));
        }, 30_000);
        const read = (d: Buffer) => {
            said += d.toString();
            const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(said);
            if (m) {
                clearTimeout(timer);
                resolve({ port: Number(m[1]), stop: () => child.kill() });
            }
        };
        child.stdout.on("data", read);
        child.stderr.on("data", read);
        child.on("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`kubectl port-forward ${target} exited ${code}: ${said}`));
        });
    });
}

/**
 * Lines in the landed files under `dir` (names starting with `prefix`; never Flume's in-use `_`
 * files or hidden ones), read in the NameNode pod: the fallback when no HttpFS lets the host read
 * file contents.
 */
export function landedLines(dir: string, prefix = ""): number {
    const dfs = (...args: string[]) =>
        spawnSync(
            "kubectl",
            ["--context", env.context, "-n", namespace, "exec", "hdfs-namenode-0", "--"].concat([
                "/opt/hadoop/bin/hdfs",
                "dfs",
                ...args,
            ]),
            { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
        ).stdout ?? "";
    const listing = dfs("-ls", "-C", dir)
        .split("\n")
        .map((l) => l.trim())
        .filter((p) => p.startsWith("/"));
    const files = listing.filter((p) => {
        const name = p.slice(p.lastIndexOf("/") + 1);
        return name.startsWith(prefix) && !name.startsWith("_") && !name.startsWith(".");
    });
    if (files.length === 0) return 0;
    return dfs("-cat", ...files)
        .split("\n")
        .filter((l) => l.trim() !== "").length;
}

/** The dev stack's own config (Pulumi.dev.yaml) with what this machine swaps in. */
export function stackSettings(ksqlUrl: string): Record<string, object> {
    const dev = yaml.load(readFileSync(join(repoRoot, "Pulumi.dev.yaml"), "utf8")) as {
        config: Record<string, object>;
    };
    const settings: Record<string, Record<string, unknown>> = {};
    for (const [key, value] of Object.entries(dev.config)) {
        settings[key.replace(`${project}:`, "")] = value as Record<string, unknown>;
    }
    const local = (image: string) => {
        const [repository, tag] = image.replace("ingest.local/", "").split(":");
        return { registry: "ingest.local", repository, tag };
    };
    return {
        ...settings,
        kubernetes: { ...settings.kubernetes, context: env.context },
        kafka: {
            ...settings.kafka,
            externalBootstrapServers: env.kafka,
            hostBootstrapServers: env.kafka,
            // One broker: the program assumes three for a Kafka it does not deploy.
            defaultReplicationFactor: 1,
        },
        connect: { ...settings.connect, image: appImages.connect },
        ksqldb: { ...settings.ksqldb, enabled: false, url: ksqlUrl },
        postgres: {
            ...settings.postgres,
            externalHost: `${env.gateway}:${env.pgPort}`,
            username: env.pgUser,
            database: env.pgDatabase,
        },
        console: { ...settings.console, enabled: false },
        hdfs: { ...settings.hdfs, image: local(appImages.hdfs) },
        flume: { ...settings.flume, image: appImages.flume },
        sqoop: { ...settings.sqoop, image: appImages.sqoop },
        dataLake: { ...settings.dataLake, enabled: false },
        pipelines: {
            powerGrid: { sensors: ["1", "2"] },
            // As in Pulumi.dev.yaml: dev data is disposable, so destroy removes the landed files.
            deleteDataOnDestroy: true,
            // Confluent's HDFS sink is on no registry here: the worker runs the HDFS sinks as
            // FileStream sinks (which ignore the HDFS keys) into a file in its pod.
            sinkConfig: {
                "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                file: "/tmp/hdfs-sinks.txt",
                "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            },
        },
    };
}

export interface PodStatus {
    metadata: { name: string };
    status: { phase: string; containerStatuses?: { ready: boolean; restartCount: number }[] };
}

export function pods(): PodStatus[] {
    const res = kubectl("-n", namespace, "get", "pods", "-o", "json");
    if (res.status !== 0) return [];
    return (JSON.parse(res.out) as { items: PodStatus[] }).items;
}

/** Seed 003's telemetry table, which the Sqoop Job imports into /old-telemetry. */
export function seedTelemetry(): void {
    psql(
        "CREATE TABLE IF NOT EXISTS telemetry (id SERIAL PRIMARY KEY, name VARCHAR(255) NOT NULL, wattage INT NOT NULL);" +
            "INSERT INTO telemetry (name, wattage) VALUES ('Node1', 75000), ('Node2', 65000), " +
            "('Node3', 60000), ('Node4', 80000), ('Node5', 70000);",
    );
}
