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
 * Verified only against this fake (no ksqlDB server runs in these tests; the same lifecycle runs
 * against a real server in test/connectors/ksqlStream.services.test.ts when KSQLDB_URL is set):
 *   - response entity shapes (currentStatus, sourceDescription, streams/tables, queries) and
 *     error bodies (statement_error 40001, generic_error 40400/50301/50302);
 *   - DESCRIBE field/schema JSON matching the provider's type spelling (no perpetual diff);
 *   - command ids, QUEUED/EXECUTING → SUCCESS/ERROR on /status, commandSequenceNumber waits;
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
    pollsLeft: number;
    failWith?: string;
}

type Reply = { status: number; body: unknown; headers?: Record<string, string> };

/** The fake server: an {@link Engine} behind `POST /ksql`, `GET /status/…`, `/info`, `/healthcheck`. */
export class FakeKsqlDb {
    /** Every request, in order. */
    readonly requests: FakeRequest[] = [];
    /** The engine; tests may inspect it or change it "out of band" through {@link execute}. */
    readonly engine: Engine;
    private readonly commands = new Map<string, Command>();
    private readonly pending: Command[] = [];
    private seq = -1;
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

    /** The next CREATE/DROP/TERMINATE command ends in ERROR with this message, changing nothing. */
    failNextCommand(message: string): void {
        this.nextFailure = message;
    }

    /** Runs statements directly (an operator using the CLI), bypassing HTTP; throws on errors. */
    execute(sql: string): Array<Record<string, unknown>> {
        const reply = this.ksql({ ksql: sql });
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
        const reply = this.route(req.method ?? "GET", path, body);
        res.writeHead(reply.status, {
            "Content-Type": "application/vnd.ksql.v1+json",
            ...reply.headers,
        });
        res.end(JSON.stringify(reply.body));
    }

    private route(method: string, path: string, body: unknown): Reply {
        // [src] ServerStateHandler answers every route with Errors.notReady() until the server
        // has started: 503, Retry-After: 10, error_code 50302.
        if (this.startupLeft > 0) {
            this.startupLeft--;
            return {
                status: 503,
                headers: { "Retry-After": "10" },
                body: genericError(50302, "Server initializing"),
            };
        }
        if (method === "POST" && path === "/ksql") return this.ksql(body);
        if (method === "GET" && path.startsWith("/status/")) return this.status(path.slice(8));
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
        return { status: 404, body: genericError(40400, `HTTP 404 Not Found: ${path}`) };
    }

    /** [status] GET /status/{type}/{entity}/{action}; unknown ids → 404 "Command not found". */
    private status(rawId: string): Reply {
        const id = rawId.split("/").map(decodeURIComponent).join("/");
        const cmd = this.commands.get(id);
        if (!cmd) return { status: 404, body: genericError(40400, "Command not found") };
        if (cmd.pollsLeft > 0 && --cmd.pollsLeft === 0) this.completeThrough(cmd.seq);
        return { status: 200, body: cmd.status };
    }

    private ksql(body: unknown): Reply {
        const req = (body ?? {}) as { ksql?: unknown; commandSequenceNumber?: unknown };
        if (typeof req.ksql !== "string") {
            return { status: 400, body: genericError(40000, "Unrecognized request: ksql") };
        }
        // [ksql] commandSequenceNumber: wait until that command has executed. The real server
        // waits up to a timeout and then answers 503 with error_code 50301; the fake does not wait.
        const waitFor =
            typeof req.commandSequenceNumber === "number" ? req.commandSequenceNumber : -1;
        if (this.pending.some((c) => c.seq <= waitFor)) {
            const msg = `Timed out while waiting for a previous command to execute. command sequence number: ${waitFor}`;
            return { status: 503, body: genericError(50301, msg) };
        }
        let parsed: Array<{ stmt: Stmt; text: string }>;
        try {
            parsed = parseStatements(req.ksql);
            // [src] KsqlResource validates every statement on a sandbox copy of the engine before
            // executing any, so an invalid statement means nothing ran (entities: []).
            const sandbox = this.engine.clone();
            for (const p of parsed) sandbox.run(p.stmt, p.text, this.seq + 1);
        } catch (e) {
            if (!(e instanceof StatementError)) throw e;
            return { status: 400, body: statementError(e.message, e.statementText) };
        }
        const entities = parsed.map((p) => this.executeOne(p.stmt, p.text));
        return { status: 200, body: entities };
    }

    private executeOne(stmt: Stmt, text: string): Record<string, unknown> {
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
            pollsLeft: this.opts.commandPolls ?? 0,
            failWith: this.nextFailure,
        };
        this.nextFailure = undefined;
        this.commands.set(commandId, cmd);
        this.pending.push(cmd);
        if (cmd.pollsLeft === 0) this.completeThrough(seq);
        else cmd.status = { status: "EXECUTING", message: "Executing statement", queryId: null };
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
            } catch (e) {
                // [status] ERROR: "The statement was not executed."
                cmd.status = { status: "ERROR", message: (e as Error).message, queryId: null };
            }
            cmd.pollsLeft = 0;
        }
    }
}

/** [src] KsqlErrorMessage: `@type` generic_error, error_code = HTTP status × 100 (+ n). */
function genericError(code: number, message: string): Record<string, unknown> {
    return { "@type": "generic_error", error_code: code, message };
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
