/**
 * A contract fake of the ksqlDB REST API for provider tests (ksqlDB is not on Maven Central, so no
 * real server runs here). It is a real HTTP server with a tiny engine behind it that understands
 * only the statement forms the ksqlDB provider emits, plus INSERT INTO for test setup.
 *
 * Each behaviour follows a documented or source-visible rule of ksqlDB 0.29 / CP 7.x, cited inline:
 *   [ksql]   https://docs.ksqldb.io/developer-guide/ksqldb-rest-api/ksql-endpoint/
 *   [status] https://docs.ksqldb.io/developer-guide/ksqldb-rest-api/status-endpoint/
 *   [info]   https://docs.confluent.io/platform/current/ksqldb/developer-guide/ksqldb-rest-api/info-endpoint.html
 *   [drop]   https://docs.confluent.io/platform/current/ksqldb/developer-guide/ksqldb-reference/drop-stream.html
 *   [replace] https://docs.ksqldb.io/how-to-guides/update-a-running-persistent-query/
 *   [src]    confluentinc/ksql: rest/Errors.java, entity/*.java, EngineContext.java,
 *            MetaStoreImpl.java, StructuredDataSource#canUpgradeTo, CommandIdAssigner.java
 * Error messages reuse the server's wording where it is stable and are abbreviated otherwise.
 * Not modelled: SELECT/PRINT (the /query endpoints), windowing, joins, schema registry formats,
 * partition counts, clustering, partial execution of a multi-statement request.
 *
 * File:line citations (e.g. KsqlResource.java:298) are to confluentinc/ksql at tag v0.29.0, read
 * from its source; paths are under ksqldb-rest-app/, ksqldb-rest-model/, ksqldb-engine/,
 * ksqldb-common/, ksqldb-parser/ and ksqldb-udf/ src/main/java/io/confluent/ksql/.
 *
 * Verified only against this fake (no ksqlDB server runs in these tests; the same lifecycle runs
 * against a real server in test/connectors/ksql/ksqlStream.services.test.ts when KSQLDB_URL is set):
 *   - response entity shapes (currentStatus, sourceDescription, streams/tables, queries) and
 *     error bodies (statement_error 40001/50000, generic_error 40000/40100/40400/42900/5030x);
 *   - DESCRIBE field/schema JSON matching the provider's type spelling (no perpetual diff);
 *   - command ids (back-quoted names), QUEUED/EXECUTING → SUCCESS/ERROR on /status, the 5 s
 *     wait for a command's final status and for a commandSequenceNumber;
 *   - CREATE OR REPLACE acceptance: filter changes and appended columns in place; reordered
 *     columns, a new source, aggregations rejected;
 *   - DROP refused while INSERT queries use the source or sources were created from it;
 *     DROP terminating the CREATE … AS SELECT query; TERMINATE of a CSAS query keeping the source
 *     and a later CREATE OR REPLACE restarting it (re-expanding SELECT *);
 *   - 503 while starting and its retry; the messages the provider's error tests quote.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { parseStatements, StatementError, type Stmt } from "./ksqldbParser";
import { Engine } from "./ksqldbEngine";

export { StatementError };

/** Options of {@link FakeKsqlDb.start}. */
export interface FakeKsqlDbOptions {
    /** Kafka topics that exist before any statement runs. Defaults to none. */
    readonly topics?: readonly string[];
    /** Answer the first N requests with 503 "Server initializing" (error_code 50302). */
    readonly startupRequests?: number;
    /** CREATE/DROP/TERMINATE commands stay EXECUTING until polled this often on /status. */
    readonly commandPolls?: number;
    /**
     * `ksql.server.command.response.timeout.ms`: how long a POST waits for its command's final
     * status, and for a `commandSequenceNumber` to be consumed. Defaults to the server's 5000
     * (KsqlRestConfig.java:609-614); tests that make commands lag set it lower.
     */
    readonly commandResponseTimeoutMs?: number;
    /**
     * Another node answered the POST: this one has not read the command yet, so `/status` is a
     * 404 "Command not found" for the first N polls of each command id. Defaults to 0.
     */
    readonly statusLagPolls?: number;
    /** Require HTTP basic auth with these credentials (authentication.method=BASIC). */
    readonly basicAuth?: { readonly username: string; readonly password: string };
    /** `KsqlServerInfo.version`. Defaults to `0.29.0`. */
    readonly version?: string;
}

/** One request the fake received. */
export interface FakeRequest {
    readonly method: string;
    readonly path: string;
    readonly body: unknown;
    readonly headers: http.IncomingHttpHeaders;
}

interface Command {
    readonly id: string;
    readonly seq: number;
    readonly run: () => { message: string; queryId?: string };
    status: { status: string; message: string; queryId: string | null };
    /** Final status reached (SUCCESS/TERMINATED; ERROR is not final, see completeThrough). */
    final: boolean;
    pollsLeft: number;
    statusLag: number;
    failWith?: string;
}

type Reply = { status: number; body: unknown; headers?: Record<string, string> };

/** Vert.x's own answer to a path no route matches (no ksqlDB JSON). */
const NOT_FOUND_PAGE = "<html><body><h1>Resource not found</h1></body></html>";

/** The fake server: an {@link Engine} behind `POST /ksql`, `GET /status/…`, `/info`, `/healthcheck`. */
export class FakeKsqlDb {
    /** Every request, in order. */
    readonly requests: FakeRequest[] = [];
    /** The engine; tests may inspect it or change it "out of band" through {@link execute}. */
    readonly engine: Engine;
    private readonly commands = new Map<string, Command>();
    private readonly pending: Command[] = [];
    private readonly waiters: Array<() => void> = [];
    private readonly injected: Reply[] = [];
    private seq = -1;
    private consumed = -1;
    private startupLeft: number;
    private nextFailure?: string;

    private constructor(
        private readonly server: http.Server,
        readonly url: string,
        private readonly opts: FakeKsqlDbOptions,
    ) {
        this.engine = new Engine(opts.topics ?? []);
        this.startupLeft = opts.startupRequests ?? 0;
    }

    /** Starts the fake on a free loopback port. */
    static async start(opts: FakeKsqlDbOptions = {}): Promise<FakeKsqlDb> {
        const holder: { fake?: FakeKsqlDb } = {};
        const server = http.createServer((req, res) => void holder.fake?.handle(req, res));
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const port = (server.address() as AddressInfo).port;
        holder.fake = new FakeKsqlDb(server, `http://127.0.0.1:${port}`, opts);
        return holder.fake;
    }

    /** Stops the server. */
    async close(): Promise<void> {
        this.server.closeAllConnections();
        await new Promise<void>((r) => this.server.close(() => r()));
    }

    /**
     * The next CREATE/DROP/TERMINATE command fails in the command runner with this message,
     * changing nothing: InteractiveStatementExecutor.java:211-219 records ERROR with the
     * exception's stack trace as the message and never completes the final-status future, so the
     * POST answers only after the full response timeout (CommandStatusFuture.java:49-59).
     */
    failNextCommand(message: string): void {
        this.nextFailure = message;
    }

    /** Answers the next requests (any route) with these replies, in order, before routing. */
    respondNext(...replies: Reply[]): void {
        this.injected.push(...replies);
    }

    /** Runs statements directly (an operator using the CLI), bypassing HTTP; throws on errors. */
    async execute(sql: string): Promise<Array<Record<string, unknown>>> {
        const reply = await this.ksql({ ksql: sql });
        if (reply.status !== 200) throw new Error(JSON.stringify(reply.body));
        return reply.body as Array<Record<string, unknown>>;
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = undefined;
        try {
            body = text ? JSON.parse(text) : undefined;
        } catch {
            body = text;
        }
        const path = (req.url ?? "/").split("?")[0];
        this.requests.push({ method: req.method ?? "GET", path, body, headers: req.headers });
        const reply = await this.route(req.method ?? "GET", path, body, req.headers);
        const html = typeof reply.body === "string";
        res.writeHead(reply.status, {
            "Content-Type": html ? "text/html" : "application/vnd.ksql.v1+json",
            ...reply.headers,
        });
        res.end(html ? reply.body : JSON.stringify(reply.body));
    }

    private async route(
        method: string,
        path: string,
        body: unknown,
        headers: http.IncomingHttpHeaders,
    ): Promise<Reply> {
        const injected = this.injected.shift();
        if (injected) return injected;
        if (this.opts.basicAuth && !this.authorized(headers.authorization)) {
            // AuthHandlers.java:161-172 + FailureHandler.java:53-79: 401 / 40100 "Unauthorized".
            return {
                status: 401,
                headers: { "WWW-Authenticate": 'Basic realm="KsqlServer-Props"' },
                body: genericError(40100, "Unauthorized"),
            };
        }
        // [src] ServerStateHandler answers every route with Errors.notReady() until the server
        // has started: 503, Retry-After: 10, error_code 50302 (Errors.java:94-100).
        if (this.startupLeft > 0) {
            this.startupLeft--;
            return {
                status: 503,
                headers: { "Retry-After": "10" },
                body: genericError(50302, "Server initializing"),
            };
        }
        if (method === "POST" && path === "/ksql") return this.ksql(body);
        // ServerVerticle.java:203-206: exactly `/status/:type/:entity/:action`, each decoded.
        const status = /^\/status\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
        if (method === "GET" && status) {
            return this.status(status.slice(1).map(decodeURIComponent).join("/"));
        }
        if (method === "GET" && path === "/info") {
            // [info] KsqlServerInfo wrapper; serverStatus since 0.10.
            const info = {
                version: this.opts.version ?? "0.29.0",
                kafkaClusterId: "fake-kafka-cluster",
                ksqlServiceId: "default_",
                serverStatus: "RUNNING",
            };
            return { status: 200, body: { KsqlServerInfo: info } };
        }
        if (method === "GET" && path === "/healthcheck") {
            const ok = { isHealthy: true };
            const details = { metastore: ok, kafka: ok, commandRunner: ok };
            return { status: 200, body: { isHealthy: true, details, serverState: "READY" } };
        }
        return { status: 404, body: NOT_FOUND_PAGE };
    }

    private authorized(header: string | undefined): boolean {
        const auth = this.opts.basicAuth!;
        const expected = Buffer.from(`${auth.username}:${auth.password}`).toString("base64");
        return header === `Basic ${expected}`;
    }

    /** StatusResource.java:40-47: the command's current status; unknown ids → 404 / 40400. */
    private status(id: string): Reply {
        const cmd = this.commands.get(id);
        if (!cmd || cmd.statusLag > 0) {
            if (cmd) cmd.statusLag--;
            return { status: 404, body: genericError(40400, "Command not found") };
        }
        if (cmd.pollsLeft > 0 && --cmd.pollsLeft === 0) this.completeThrough(cmd.seq);
        return { status: 200, body: cmd.status };
    }

    private async ksql(body: unknown): Promise<Reply> {
        const req = (body ?? {}) as {
            ksql?: unknown;
            commandSequenceNumber?: unknown;
            streamsProperties?: unknown;
        };
        if (typeof req.ksql !== "string") {
            return { status: 400, body: genericError(40000, "Unrecognized request: ksql") };
        }
        // KsqlResource.java:298-301 → CommandStoreUtil.java:33-51 → CommandStore.java:278-301:
        // wait until the command runner has consumed that sequence number, up to the response
        // timeout, then 503 / 50301 (Errors.java:194-202). A number this server never issued
        // (a redeployed server with a fresh command topic) waits the full timeout every time.
        if (typeof req.commandSequenceNumber === "number") {
            const seq = req.commandSequenceNumber;
            if (!(await this.waitConsumed(seq))) {
                const msg = `Timed out while waiting for a previous command to execute. command sequence number: ${seq}`;
                return { status: 503, body: genericError(50301, msg) };
            }
        }
        // KsqlResource.java:303 → KsqlRequest.java:91-94 → PropertiesUtil.java:183-223.
        const props = checkStreamsProperties(req.streamsProperties);
        if (props) {
            const reply = props.kind === "server" ? serverError : requestError;
            return reply(props.message, req.ksql);
        }
        let parsed: Array<{ stmt: Stmt; text: string }>;
        try {
            parsed = parseStatements(req.ksql);
            // [src] KsqlResource validates every statement on a sandbox copy of the engine before
            // executing any (RequestValidator.java:105-145), so an invalid statement means
            // nothing ran (entities: []).
            const sandbox = this.engine.clone();
            for (const p of parsed) sandbox.run(p.stmt, p.text, this.seq + 1);
        } catch (e) {
            if (!(e instanceof StatementError)) throw e;
            if (e.kind === "request") return requestError(e.message);
            if (e.kind === "server") return serverError(e.message, req.ksql);
            return { status: 400, body: statementError(e.message, e.statementText) };
        }
        const entities: Array<Record<string, unknown>> = [];
        for (const p of parsed) entities.push(await this.executeOne(p.stmt, p.text));
        return { status: 200, body: entities };
    }

    private async executeOne(stmt: Stmt, text: string): Promise<Record<string, unknown>> {
        const commandId = this.engine.commandId(stmt);
        if (!commandId) return this.engine.runReadOnly(stmt, text);
        const seq = ++this.seq;
        const cmd: Command = {
            id: commandId,
            seq,
            run: () => this.engine.run(stmt, text, seq),
            status: {
                status: "QUEUED",
                message: "Statement written to command topic",
                queryId: null,
            },
            final: false,
            pollsLeft: this.opts.commandPolls ?? 0,
            statusLag: this.opts.statusLagPolls ?? 0,
            failWith: this.nextFailure,
        };
        this.nextFailure = undefined;
        this.commands.set(commandId, cmd);
        this.pending.push(cmd);
        if (cmd.pollsLeft === 0) this.completeThrough(seq);
        else cmd.status = { status: "EXECUTING", message: "Executing statement", queryId: null };
        // DistributingExecutor.java:237-246: the entity carries the status after waiting up to
        // the response timeout for a final one (CommandStatusFuture.java:49-59).
        if (!cmd.final) await this.until(() => cmd.final);
        // [ksql] CREATE, DROP, TERMINATE → currentStatus entity.
        return {
            "@type": "currentStatus",
            statementText: text,
            commandId,
            commandStatus: { ...cmd.status },
            commandSequenceNumber: seq,
            warnings: [],
        };
    }

    /** Runs pending commands in queue order up to `seq`, like the command runner. */
    private completeThrough(seq: number): void {
        while (this.pending.length > 0 && this.pending[0].seq <= seq) {
            const cmd = this.pending.shift()!;
            try {
                if (cmd.failWith) throw new StatementError(cmd.failWith, "");
                const { message, queryId } = cmd.run();
                cmd.status = { status: "SUCCESS", message, queryId: queryId ?? null };
                cmd.final = true;
            } catch (e) {
                // InteractiveStatementExecutor.java:211-219: ERROR with the stack trace as its
                // message, set with putStatus (not final), so a waiting POST times out first.
                cmd.status = {
                    status: "ERROR",
                    message: stackTrace((e as Error).message),
                    queryId: null,
                };
            }
            cmd.pollsLeft = 0;
            this.consumed = cmd.seq;
        }
        for (const wake of this.waiters.splice(0)) wake();
    }

    private waitConsumed(seq: number): Promise<boolean> {
        // SequenceNumberFutureStore.java:32-37: done at once when already consumed.
        return this.until(() => seq <= this.consumed);
    }

    /** Waits until `done()` holds or the response timeout passes; resolves to `done()`. */
    private async until(done: () => boolean): Promise<boolean> {
        const deadline = Date.now() + (this.opts.commandResponseTimeoutMs ?? 5_000);
        while (!done()) {
            const left = deadline - Date.now();
            if (left <= 0) return false;
            await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, left);
                this.waiters.push(() => {
                    clearTimeout(timer);
                    resolve();
                });
            });
        }
        return true;
    }
}

/** [src] KsqlErrorMessage: `@type` generic_error, error_code = HTTP status × 100 (+ n). */
function genericError(code: number, message: string): Record<string, unknown> {
    return { "@type": "generic_error", error_code: code, message };
}

/** Errors.badRequest (Errors.java:123-128): 400 / 40000, no statement text. */
function requestError(message: string): Reply {
    return { status: 400, body: genericError(40000, message) };
}

/** Errors.serverErrorForStatement (Errors.java:181-192): 500 / 50000 with the request text. */
function serverError(message: string, statementText: string): Reply {
    return {
        status: 500,
        body: {
            "@type": "statement_error",
            error_code: 50000,
            message,
            statementText,
            entities: [],
        },
    };
}

/** [src] Errors.badStatement: 400, KsqlStatementErrorMessage with error_code 40001. */
function statementError(message: string, statementText: string): Record<string, unknown> {
    return {
        "@type": "statement_error",
        error_code: 40001,
        message,
        statementText,
        entities: [],
    };
}

/** ExceptionUtil.java:25-30: `printStackTrace` of the command runner's KsqlException. */
function stackTrace(message: string): string {
    return (
        `io.confluent.ksql.util.KsqlStatementException: ${message}\n` +
        "\tat io.confluent.ksql.engine.EngineExecutor.execute(EngineExecutor.java:254)\n" +
        "\tat io.confluent.ksql.rest.server.computation.InteractiveStatementExecutor.executeStatement(InteractiveStatementExecutor.java:300)\n" +
        "\tat java.base/java.lang.Thread.run(Thread.java:829)\n"
    );
}

/**
 * Property names the fake resolves, a subset of what KsqlConfigResolver.java:55-100 accepts
 * (Kafka consumer, producer and Streams config keys, optionally `ksql.streams.`-prefixed; consumer
 * and producer keys also under `consumer.`/`producer.`). A real key missing here is rejected by the
 * fake only: add it.
 */
const CONSUMER_KEYS = [
    "auto.offset.reset",
    "max.poll.records",
    "max.poll.interval.ms",
    "session.timeout.ms",
    "heartbeat.interval.ms",
    "fetch.min.bytes",
    "fetch.max.wait.ms",
    "isolation.level",
    "request.timeout.ms",
    "client.id",
];
const PRODUCER_KEYS = [
    "acks",
    "linger.ms",
    "batch.size",
    "compression.type",
    "max.request.size",
    "retries",
    "delivery.timeout.ms",
    "buffer.memory",
    "enable.idempotence",
];
const STREAMS_KEYS = [
    "processing.guarantee",
    "cache.max.bytes.buffering",
    "statestore.cache.max.bytes",
    "commit.interval.ms",
    "num.stream.threads",
    "num.standby.replicas",
    "replication.factor",
    "topology.optimization",
    "buffered.records.per.partition",
    "default.deserialization.exception.handler",
    "default.production.exception.handler",
];
const KSQL_KEYS = [
    "ksql.query.pull.table.scan.enabled",
    "ksql.query.persistent.active.limit",
    "ksql.suppress.enabled",
    "ksql.timestamp.throw.on.invalid",
    "ksql.output.topic.name.prefix",
    "ksql.persistence.default.format.key",
    "ksql.persistence.default.format.value",
];

/** Why `streamsProperties` is refused, or undefined when every key resolves. */
function checkStreamsProperties(
    props: unknown,
): { kind: "server" | "request"; message: string } | undefined {
    if (props === undefined || props === null || typeof props !== "object") return undefined;
    for (const [key, value] of Object.entries(props as Record<string, unknown>)) {
        if (!resolvesProperty(key)) {
            // PropertyNotFoundException (PropertyNotFoundException.java:18-24) is an
            // IllegalArgumentException, so it reaches KsqlResource.java:382-391 → 500 / 50000.
            return {
                kind: "server",
                message: `Not recognizable as ksql, streams, consumer, or producer property: '${key}'`,
            };
        }
        const bare = key.replace(/^ksql\.streams\./, "").replace(/^consumer\./, "");
        const reset = ["latest", "earliest", "none"];
        if (bare === "auto.offset.reset" && !reset.includes(String(value))) {
            // A KsqlException (PropertiesUtil.java:217-221) → 400 / 40000.
            return {
                kind: "request",
                message:
                    `Failed to coerce type of value '${String(value)}' for key '${key}'\n` +
                    `Caused by: Invalid value ${String(value)} for configuration ${bare}: String must be one of: ${reset.join(", ")}`,
            };
        }
    }
    return undefined;
}

function resolvesProperty(key: string): boolean {
    if (key.startsWith("ksql.") && !key.startsWith("ksql.streams.")) {
        return KSQL_KEYS.includes(key) || key.startsWith("ksql.functions.");
    }
    const bare = key.replace(/^ksql\.streams\./, "");
    if (bare.startsWith("consumer.")) return CONSUMER_KEYS.includes(bare.slice(9));
    if (bare.startsWith("producer.")) return PRODUCER_KEYS.includes(bare.slice(9));
    return [...CONSUMER_KEYS, ...PRODUCER_KEYS, ...STREAMS_KEYS].includes(bare);
}
