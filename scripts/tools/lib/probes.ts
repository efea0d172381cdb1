/** Reads what landed: HDFS over WebHDFS (contents through HttpFS when given), S3, a database, Connect. */
import { gunzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import axios from "axios";
import type { Client } from "pg";
import { ConnectionError, firstLine, type Endpoint } from "./endpoints";
import {
    countLines,
    isInProgressFile,
    isSinkWorkDir,
    sinkFileRecords,
    type LandingTarget,
} from "./landing";

/** A count for one target: files, records (undefined = not countable) and notes. */
export interface Count {
    readonly files: number;
    readonly records?: number;
    readonly notes: string[];
}

interface FileStatus {
    pathSuffix: string;
    type: "FILE" | "DIRECTORY";
    length: number;
}

/** `…/webhdfs/v1` root of a WebHDFS or HttpFS base URL. */
export function webhdfsRoot(url: string): string {
    const u = url.replace(/\/+$/, "");
    return u.endsWith("/webhdfs/v1") ? u : `${u}/webhdfs/v1`;
}

/** Listing and reading HDFS from this machine. */
export class HdfsProbe {
    private readonly lineCache = new Map<string, number>();

    constructor(
        private readonly webhdfs: Endpoint,
        private readonly user: string,
        /** HttpFS gateway for file contents (WebHDFS OPEN redirects to DataNodes). */
        private readonly httpfs?: Endpoint,
    ) {}

    private async get(base: Endpoint, path: string, op: string, service: string) {
        const url = `${webhdfsRoot(base.value)}${encodeURI(path)}?op=${op}&user.name=${encodeURIComponent(this.user)}`;
        try {
            return await axios.get<string>(url, {
                timeout: 30_000,
                responseType: "text",
                transformResponse: (d: unknown) => d,
                validateStatus: () => true,
            });
        } catch (err) {
            throw new ConnectionError(service, base, err);
        }
    }

    /** Files under `dir` (recursively), skipping sink work dirs and in-progress files. */
    async files(
        dir: string,
    ): Promise<{ path: string; name: string; length: number }[] | undefined> {
        const res = await this.get(this.webhdfs, dir, "LISTSTATUS", "WebHDFS");
        if (res.status === 404) return undefined;
        if (res.status !== 200) {
            throw new Error(
                `WebHDFS LISTSTATUS ${dir}: ${res.status} ${String(res.data).slice(0, 200)}`,
            );
        }
        const statuses = (JSON.parse(res.data) as { FileStatuses: { FileStatus: FileStatus[] } })
            .FileStatuses.FileStatus;
        const out: { path: string; name: string; length: number }[] = [];
        for (const s of statuses) {
            const path = `${dir.replace(/\/$/, "")}/${s.pathSuffix}`;
            if (s.type === "DIRECTORY") {
                if (!isSinkWorkDir(s.pathSuffix)) out.push(...((await this.files(path)) ?? []));
            } else if (!isInProgressFile(s.pathSuffix)) {
                out.push({ path, name: s.pathSuffix, length: s.length });
            }
        }
        return out;
    }

    /** Lines of a file (cached by path and length: landed files do not change). */
    async lines(path: string, length: number): Promise<number> {
        const key = `${path}:${length}`;
        const cached = this.lineCache.get(key);
        if (cached !== undefined) return cached;
        const via = this.httpfs ?? this.webhdfs;
        const res = await this.get(
            via,
            path,
            "OPEN",
            this.httpfs ? "HttpFS" : "WebHDFS (OPEN follows a redirect to a DataNode)",
        );
        if (res.status !== 200) {
            throw new Error(`OPEN ${path}: ${res.status} ${String(res.data).slice(0, 200)}`);
        }
        const n = countLines(res.data);
        this.lineCache.set(key, n);
        return n;
    }

    /** Counts `t` (an `hdfs-sink` or `hdfs-lines` target). */
    async count(t: LandingTarget): Promise<Count> {
        const all = await this.files(t.location);
        if (all === undefined)
            return { files: 0, records: 0, notes: [`${t.location} does not exist`] };
        const files = all.filter(
            (f) => t.filePrefix === undefined || f.name.startsWith(t.filePrefix),
        );
        const notes: string[] = [];
        if (t.kind === "hdfs-sink") {
            const counted = files.map((f) => sinkFileRecords(f.name));
            const odd = counted.filter((c) => c === undefined).length;
            if (odd > 0)
                notes.push(
                    `${odd} file(s) not named <topic>+<partition>+<start>+<end> (not counted)`,
                );
            return {
                files: files.length,
                records: counted.reduce<number>((n, c) => n + (c ?? 0), 0),
                notes,
            };
        }
        let records = 0;
        for (const f of files) {
            try {
                records += await this.lines(f.path, f.length);
            } catch (err) {
                const bytes = files.reduce((n, x) => n + x.length, 0);
                notes.push(
                    `${files.length} file(s), ${bytes} bytes, but their contents are not readable from here ` +
                        `(${firstLine(err)})${this.httpfs ? "" : "; pass --httpfs <url> of an HttpFS gateway"}`,
                );
                return { files: files.length, records: undefined, notes };
            }
        }
        return { files: files.length, records, notes };
    }
}

/** Objects under a prefix of the data-lake bucket; records are their JSON lines. */
export class S3Probe {
    private readonly lineCache = new Map<string, number>();
    private readonly client: S3Client;

    constructor(
        private readonly bucket: Endpoint,
        private readonly endpoint?: Endpoint,
        region = process.env.AWS_REGION ?? "us-east-1",
    ) {
        this.client = new S3Client({
            region,
            ...(endpoint ? { endpoint: endpoint.value, forcePathStyle: true } : {}),
        });
    }

    async count(t: LandingTarget): Promise<Count> {
        const where = this.endpoint ?? {
            value: "AWS S3",
            source: "the AWS SDK's default endpoint",
        };
        let files = 0;
        let records = 0;
        let token: string | undefined;
        try {
            do {
                const page = await this.client.send(
                    new ListObjectsV2Command({
                        Bucket: this.bucket.value,
                        Prefix: t.location,
                        ContinuationToken: token,
                    }),
                );
                for (const o of page.Contents ?? []) {
                    if (!o.Key) continue;
                    files += 1;
                    const key = `${o.Key}:${o.ETag ?? ""}`;
                    let n = this.lineCache.get(key);
                    if (n === undefined) {
                        const body = await this.client.send(
                            new GetObjectCommand({ Bucket: this.bucket.value, Key: o.Key }),
                        );
                        const bytes = Buffer.from(await body.Body!.transformToByteArray());
                        n = countLines(
                            (o.Key.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8"),
                        );
                        this.lineCache.set(key, n);
                    }
                    records += n;
                }
                token = page.NextContinuationToken;
            } while (token);
        } catch (err) {
            throw new ConnectionError(
                `S3 bucket ${this.bucket.value} (from ${this.bucket.source})`,
                where,
                err,
            );
        }
        return { files, records, notes: [] };
    }
}

/** Rows of `<database>.<table>` through a connected client of that database. */
export async function countRows(client: Client, table: string): Promise<Count> {
    try {
        const r = await client.query<{ n: string }>(
            `SELECT count(*) AS n FROM "${table.replace(/"/g, '""')}"`,
        );
        return { files: 0, records: Number(r.rows[0].n), notes: [] };
    } catch (err) {
        return { files: 0, records: 0, notes: [`table ${table}: ${firstLine(err)}`] };
    }
}

interface ConnectorStatus {
    connector: { state: string };
    tasks: { id: number; state: string; trace?: string }[];
}

/** Connector states by name (`GET /connectors?expand=status`). */
export async function connectorStates(
    connect: Endpoint,
    auth?: { username: string; password: string },
): Promise<Map<string, ConnectorStatus>> {
    let res;
    try {
        res = await axios.get<Record<string, { status: ConnectorStatus }>>(
            `${connect.value.replace(/\/+$/, "")}/connectors?expand=status`,
            { timeout: 15_000, auth },
        );
    } catch (err) {
        throw new ConnectionError("Kafka Connect", connect, err);
    }
    return new Map(Object.entries(res.data).map(([name, v]) => [name, v.status]));
}

/** One line on a connector's state; undefined when it and all its tasks run. */
export function connectorNote(name: string, s: ConnectorStatus | undefined): string | undefined {
    if (s === undefined) return `connector ${name} is not deployed`;
    const bad = s.tasks.filter((t) => t.state !== "RUNNING");
    if (s.connector.state === "RUNNING" && bad.length === 0 && s.tasks.length > 0) return undefined;
    const parts = [`connector ${name} is ${s.connector.state}`];
    if (s.tasks.length === 0) parts.push("with no tasks");
    for (const t of bad) {
        parts.push(`task ${t.id} ${t.state}${t.trace ? `: ${t.trace.split("\n")[0]}` : ""}`);
    }
    return parts.join(", ");
}
