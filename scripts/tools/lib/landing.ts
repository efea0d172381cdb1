/**
 * What `check-landing` looks for, per pipeline, and how it counts: pure functions over listings
 * so the rules (which files count, which are a sink's temp or write-ahead-log files) are tested
 * without services.
 */
import { CARS_DIR } from "../../../components/pipelines/carsToHdfs";
import { SALES_DIR, SALES_SINK } from "../../../components/pipelines/salesToHdfs";
import { sensorHdfsDir } from "../../../components/pipelines/sensorRouting";
import {
    USERS_CDC_CONNECTORS,
    USERS_CDC_S3_PREFIX,
    USERS_CDC_TOPIC,
    USERS_TABLE,
} from "../../../components/pipelines/usersCdc";
import {
    USERS_S3_PREFIX,
    USERS_S3_SINK,
    USERS_TOPIC,
} from "../../../components/pipelines/usersToS3";

/** Where a target's data lands and how its records are counted. */
export type TargetKind =
    /** Kafka Connect HDFS sink output: records counted from the file names' offsets. */
    | "hdfs-sink"
    /** Text files (Flume, Sqoop): records are lines, read through WebHDFS/HttpFS. */
    | "hdfs-lines"
    /** S3 sink objects (JSON lines, gzip or not) under a key prefix. */
    | "s3"
    /** Rows of a table in a database (a JDBC sink's target). */
    | "jdbc";

/** One place a pipeline lands data. */
export interface LandingTarget {
    /** `salesToHdfs`, `powerGrid/sensor1`, ... (what `--expect` names). */
    readonly label: string;
    readonly kind: TargetKind;
    /** HDFS directory, S3 key prefix, or `<database>.<table>`. */
    readonly location: string;
    /** The connector that writes it, whose state is reported. */
    readonly connector?: string;
    /** For `hdfs-lines`: only files whose name starts with this (Sqoop's `part-`). */
    readonly filePrefix?: string;
}

/** The sink's temporary and write-ahead-log directories (`+tmp`, `logs.dir` = `<dir>/+logs`). */
export function isSinkWorkDir(name: string): boolean {
    return name === "+tmp" || name === "+logs";
}

/** Files still being written: Flume's in-use `_`/`.tmp` files, hidden files, Sqoop's `_SUCCESS`. */
export function isInProgressFile(name: string): boolean {
    return name.startsWith("_") || name.startsWith(".") || name.endsWith(".tmp");
}

/**
 * Records in a committed HDFS sink file, from its name `<topic>+<partition>+<start>+<end>.<ext>`
 * (offsets inclusive); undefined for any other name.
 */
export function sinkFileRecords(name: string): number | undefined {
    const m = /^.+\+(\d+)\+(\d+)\+(\d+)(\.[A-Za-z0-9.]+)?$/.exec(name);
    if (!m) return undefined;
    const start = Number(m[2]);
    const end = Number(m[3]);
    return end >= start ? end - start + 1 : undefined;
}

/** Non-empty lines of a text file's contents. */
export function countLines(text: string): number {
    return text.split("\n").filter((l) => l.trim() !== "").length;
}

/** Sensor ids of the `hdfs-sink-sensor-<id>` connectors in a list of connector names. */
export function sensorIdsFromConnectors(names: readonly string[]): string[] {
    return names.flatMap((n) => {
        const m = /^hdfs-sink-sensor-(.+)$/.exec(n);
        return m ? [m[1]] : [];
    });
}

/** Every target of the named pipelines (names as in the stack output `enabledPipelines`). */
export function pipelineTargets(
    pipelines: readonly string[],
    opts: { sensorIds?: readonly string[]; sinkDatabase?: string } = {},
): LandingTarget[] {
    const out: LandingTarget[] = [];
    for (const p of pipelines) {
        switch (p) {
            case "salesToHdfs":
                out.push({
                    label: p,
                    kind: "hdfs-sink",
                    location: SALES_DIR,
                    connector: SALES_SINK,
                });
                break;
            case "usersToS3":
                out.push({
                    label: p,
                    kind: "s3",
                    location: `${USERS_S3_PREFIX}/${USERS_TOPIC}/`,
                    connector: USERS_S3_SINK,
                });
                break;
            case "carsToHdfs":
                out.push({ label: p, kind: "hdfs-lines", location: CARS_DIR });
                break;
            case "powerGrid":
                for (const id of opts.sensorIds ?? []) {
                    out.push({
                        label: `${p}/sensor${id}`,
                        kind: "hdfs-sink",
                        location: sensorHdfsDir("/grid-wattage", id),
                        connector: `hdfs-sink-sensor-${id}`,
                    });
                }
                out.push({
                    label: `${p}/unorganized`,
                    kind: "hdfs-sink",
                    location: "/unorganized",
                    connector: "hdfs-sink-unorganized",
                });
                out.push({
                    label: `${p}/old-telemetry`,
                    kind: "hdfs-lines",
                    location: "/old-telemetry",
                    filePrefix: "part-",
                });
                break;
            case "usersCdc":
                out.push({
                    label: `${p}/jdbc`,
                    kind: "jdbc",
                    location: `${opts.sinkDatabase ?? "users_sink"}.${USERS_TABLE}`,
                    connector: USERS_CDC_CONNECTORS.jdbcSink,
                });
                out.push({
                    label: `${p}/s3`,
                    kind: "s3",
                    location: `${USERS_CDC_S3_PREFIX}/${USERS_CDC_TOPIC}/`,
                    connector: USERS_CDC_CONNECTORS.s3Sink,
                });
                break;
            default:
                break;
        }
    }
    return out;
}

/**
 * `label=kind:location[@connector]` from `--target`, e.g.
 * `cars=hdfs-lines:/Cars` or `sales=hdfs-sink:/sales@hdfs-sink-sales`.
 */
export function parseTarget(spec: string): LandingTarget | string {
    const m = /^([^=]+)=(hdfs-sink|hdfs-lines|s3|jdbc):([^@]+)(?:@(.+))?$/.exec(spec);
    if (!m) {
        return `--target ${JSON.stringify(spec)}: expected label=kind:location[@connector], kind one of hdfs-sink, hdfs-lines, s3, jdbc`;
    }
    return { label: m[1], kind: m[2] as TargetKind, location: m[3], connector: m[4] };
}

/** `label=n` from `--expect`. */
export function parseExpect(spec: string): [string, number] | string {
    const m = /^([^=]+)=(\d+)$/.exec(spec);
    return m ? [m[1], Number(m[2])] : `--expect ${JSON.stringify(spec)}: expected label=<records>`;
}

/** What was found for one target. */
export interface Landed {
    readonly target: LandingTarget;
    /** Data files counted (temp and WAL files excluded). */
    readonly files: number;
    /** Records landed; undefined when they could not be counted (see `note`). */
    readonly records?: number;
    /** Records required (default 1). */
    readonly expected: number;
    /** Why it is missing or uncountable, the connector's state, ... */
    readonly notes: readonly string[];
}

/** True when `l` meets its expectation. */
export function satisfied(l: Landed): boolean {
    return l.records !== undefined && l.records >= l.expected;
}

/** The report: one line per target, then what is missing. */
export function formatReport(results: readonly Landed[], waitedSeconds: number): string {
    const lines: string[] = [];
    const width = Math.max(...results.map((r) => r.target.label.length), 6);
    for (const r of results) {
        const ok = satisfied(r);
        const count = r.records === undefined ? "? records" : `${r.records} records`;
        lines.push(
            `${ok ? "ok     " : "MISSING"} ${r.target.label.padEnd(width)}  ${count} in ${r.files} file(s)` +
                ` at ${r.target.kind} ${r.target.location} (expected ≥ ${r.expected})`,
        );
        for (const n of r.notes) lines.push(`        ${" ".repeat(width)}  - ${n}`);
    }
    const missing = results.filter((r) => !satisfied(r));
    lines.push(
        missing.length === 0
            ? `all ${results.length} target(s) landed`
            : `${missing.length} of ${results.length} target(s) missing after ${Math.round(waitedSeconds)} s: ` +
                  missing.map((m) => m.target.label).join(", "),
    );
    return lines.join("\n");
}
