/**
 * `npm run check-landing`: did it work? For each enabled pipeline (stack output
 * `enabledPipelines`), what landed: HDFS sink files and their records (per sensor for seed 003),
 * Flume and Sqoop text files and their lines, S3 objects and their records, JDBC sink rows, and
 * the state of the connector writing each. Waits up to `--timeout` for every target to reach its
 * expected count, then exits 0, or 1 with the report of what is missing.
 */
import type { Client } from "pg";
import { StackOutputs, firstLine, resolveEndpoint, type Endpoint } from "./lib/endpoints";
import { nonNegativeInt, positiveInt, runTool, toolCommand } from "./lib/cli";
import {
    formatReport,
    parseExpect,
    parseTarget,
    pipelineTargets,
    satisfied,
    sensorIdsFromConnectors,
    type Landed,
    type LandingTarget,
} from "./lib/landing";
import { connectPostgres, withPostgresOptions, type PostgresOptions } from "./lib/postgres";
import {
    HdfsProbe,
    S3Probe,
    connectorNote,
    connectorStates,
    countRows,
    type Count,
} from "./lib/probes";

interface Options extends PostgresOptions {
    stack?: string;
    pipeline?: string[];
    target: string[];
    expect: string[];
    timeout: number;
    interval: number;
    webhdfs?: string;
    httpfs?: string;
    hdfsUser: string;
    connect?: string;
    connectUser?: string;
    bucket?: string;
    s3Endpoint?: string;
    sinkDatabase: string;
    json?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

const program = withPostgresOptions(
    toolCommand("check-landing", "Report what each pipeline landed; exit 1 with what is missing"),
)
    .option("--pipeline <names...>", "pipelines to check (default: stack output enabledPipelines)")
    .option(
        "--target <label=kind:location[@connector]>",
        "check this place too (kind: hdfs-sink, hdfs-lines, s3, jdbc)",
        collect,
        [],
    )
    .option("--expect <label=records>", "records a target must reach (default 1 each)", collect, [])
    .option("--timeout <seconds>", "wait this long for everything to land", nonNegativeInt, 120)
    .option("--interval <seconds>", "between checks", positiveInt, 5)
    .option("--webhdfs <url>", "WebHDFS root (default: stack output webhdfsHost)")
    .option(
        "--httpfs <url>",
        "HttpFS gateway for file contents (default: stack output httpfsHostUrl, else WebHDFS OPEN)",
    )
    .option("--hdfs-user <name>", "user.name for HDFS reads", "hdfs")
    .option("--connect <url>", "Kafka Connect REST (default: stack output connectHostUrl)")
    .option(
        "--connect-user <name>",
        "Connect REST basic-auth user (prod); password from $CONNECT_PASSWORD",
    )
    .option("--bucket <name>", "data-lake bucket (default: stack output dataLakeBucketName)")
    .option(
        "--s3-endpoint <url>",
        "S3 endpoint, e.g. LocalStack's http://localhost:4566 (default: $AWS_ENDPOINT_URL, else stack output s3Endpoint, else AWS)",
    )
    .option("--sink-database <name>", "seed 004's JDBC sink database", "users_sink")
    .option("--json", "print the results as JSON");

/** Lazily resolved endpoints and clients, so a stack without S3 is never asked for a bucket. */
class Probes {
    private hdfs?: Promise<HdfsProbe>;
    private s3?: Promise<S3Probe>;
    private readonly pg = new Map<string, Promise<Client>>();
    connect?: Endpoint;

    constructor(
        private readonly o: Options,
        private readonly outputs: StackOutputs,
    ) {}

    async count(t: LandingTarget): Promise<Count> {
        switch (t.kind) {
            case "hdfs-sink":
            case "hdfs-lines":
                this.hdfs ??= (async () => {
                    const webhdfs = await resolveEndpoint(
                        "WebHDFS URL",
                        "--webhdfs",
                        this.o.webhdfs,
                        this.outputs,
                        ["webhdfsHost"],
                    );
                    const httpfs = this.o.httpfs
                        ? { value: this.o.httpfs, source: "flag --httpfs" }
                        : await this.outputs.find(["httpfsHostUrl"]);
                    return new HdfsProbe(webhdfs, this.o.hdfsUser, httpfs);
                })();
                return (await this.hdfs).count(t);
            case "s3":
                this.s3 ??= (async () => {
                    const bucket = await resolveEndpoint(
                        "data-lake bucket",
                        "--bucket",
                        this.o.bucket,
                        this.outputs,
                        ["dataLakeBucketName"],
                    );
                    const env = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
                    // The flag, then the AWS SDK's own variables, then the stack's s3Endpoint.
                    const endpoint: Endpoint | undefined = this.o.s3Endpoint
                        ? { value: this.o.s3Endpoint, source: "flag --s3-endpoint" }
                        : env
                          ? { value: env, source: "$AWS_ENDPOINT_URL" }
                          : await this.outputs.find(["s3Endpoint"]);
                    return new S3Probe(bucket, endpoint);
                })();
                return (await this.s3).count(t);
            case "jdbc": {
                const [db, table] = splitTable(t.location);
                if (!this.pg.has(db)) {
                    const p = connectPostgres(this.o, this.outputs, db).then((c) => c.client);
                    p.catch(() => this.pg.delete(db));
                    this.pg.set(db, p);
                }
                return countRows(await this.pg.get(db)!, table);
            }
        }
    }

    async close(): Promise<void> {
        for (const p of this.pg.values()) await p.then((c) => c.end()).catch(() => undefined);
    }
}

function splitTable(location: string): [string, string] {
    const i = location.indexOf(".");
    return i < 0 ? ["telemetry", location] : [location.slice(0, i), location.slice(i + 1)];
}

runTool(async () => {
    program.parse();
    const o = program.opts<Options>();
    const outputs = new StackOutputs(o.stack);
    const targets: LandingTarget[] = [];
    for (const spec of o.target) {
        const t = parseTarget(spec);
        if (typeof t === "string") throw new Error(t);
        targets.push(t);
    }
    if (o.pipeline !== undefined || targets.length === 0) {
        const pipelines =
            o.pipeline ??
            (await (async () => {
                const v = await outputs.value("enabledPipelines");
                if (!Array.isArray(v)) {
                    const { problem } = await outputs.load();
                    throw new Error(
                        "no pipelines to check: pass --pipeline or --target, or run from the Pulumi project with a " +
                            `deployed stack (stack output enabledPipelines: ${problem ?? "absent"})`,
                    );
                }
                return v as string[];
            })());
        const connectors = await outputs.value("pipelineConnectors");
        targets.push(
            ...pipelineTargets(pipelines, {
                sensorIds: sensorIdsFromConnectors(
                    Array.isArray(connectors) ? (connectors as string[]) : [],
                ),
                sinkDatabase: o.sinkDatabase,
            }),
        );
    }
    const expected = new Map<string, number>();
    for (const spec of o.expect) {
        const e = parseExpect(spec);
        if (typeof e === "string") throw new Error(e);
        if (!targets.some((t) => t.label === e[0])) {
            throw new Error(
                `--expect ${e[0]}: no such target (targets: ${targets.map((t) => t.label).join(", ")})`,
            );
        }
        expected.set(e[0], e[1]);
    }

    const probes = new Probes(o, outputs);
    const connect = targets.some((t) => t.connector)
        ? await resolveEndpoint("Kafka Connect URL", "--connect", o.connect, outputs, [
              "connectHostUrl",
          ]).catch((err: unknown) => firstLine(err))
        : undefined;
    const start = Date.now();
    let results: Landed[] = [];
    try {
        for (;;) {
            let states: Awaited<ReturnType<typeof connectorStates>> | string | undefined;
            if (typeof connect === "object") {
                const auth =
                    o.connectUser !== undefined
                        ? { username: o.connectUser, password: process.env.CONNECT_PASSWORD ?? "" }
                        : undefined;
                states = await connectorStates(connect, auth).catch((err: unknown) =>
                    firstLine(err),
                );
            } else states = connect;
            results = await Promise.all(
                targets.map(async (t): Promise<Landed> => {
                    const notes: string[] = [];
                    let c: Count;
                    try {
                        c = await probes.count(t);
                    } catch (err) {
                        c = { files: 0, records: undefined, notes: [firstLine(err)] };
                    }
                    notes.push(...c.notes);
                    if (t.connector) {
                        const n =
                            typeof states === "string"
                                ? `connector ${t.connector}: ${states}`
                                : connectorNote(t.connector, states?.get(t.connector));
                        if (n) notes.push(n);
                    }
                    return {
                        target: t,
                        files: c.files,
                        records: c.records,
                        expected: expected.get(t.label) ?? 1,
                        notes,
                    };
                }),
            );
            const waited = (Date.now() - start) / 1000;
            if (results.every(satisfied) || waited + o.interval > o.timeout) break;
            process.stderr.write(
                `waiting: ${results.filter(satisfied).length}/${results.length} target(s) landed after ${Math.round(waited)} s\n`,
            );
            await new Promise((r) => setTimeout(r, o.interval * 1000));
        }
    } finally {
        await probes.close();
    }
    const ok = results.every(satisfied);
    if (o.json) {
        console.log(
            JSON.stringify({
                ok,
                targets: results.map((r) => ({
                    ...r.target,
                    files: r.files,
                    records: r.records ?? null,
                    expected: r.expected,
                    ok: satisfied(r),
                    notes: r.notes,
                })),
            }),
        );
    } else console.log(formatReport(results, (Date.now() - start) / 1000));
    return ok ? 0 : 1;
});
