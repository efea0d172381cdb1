/**
 * The ksqlDB REST calls the stream/table provider makes, on top of the shared HTTP helper.
 *
 * - One statement per `POST /ksql`: a multi-statement request is not atomic (the error body's
 *   `entities` lists what already ran), so a provider never batches writes.
 *   https://docs.ksqldb.io/developer-guide/ksqldb-rest-api/ksql-endpoint/
 * - CREATE/DROP/TERMINATE answer with a `currentStatus` entity; a status that is not terminal is
 *   followed on `GET /status/{commandId}` until SUCCESS, ERROR or TERMINATED.
 *   https://docs.ksqldb.io/developer-guide/ksqldb-rest-api/status-endpoint/
 * - Only transient states are retried: 503 (server initializing 50302, command-queue catch-up
 *   timeout 50301, shutting down) and connection refused while the server starts.
 */
import { HttpError, request } from "../http";
import { describeStatement, type KsqlSchemaInfo } from "./sql";

const KSQL_MEDIA_TYPE = "application/vnd.ksql.v1+json";
// An array, not a Set: module constants are serialized with the provider, and Sets do not survive.
const TERMINAL = ["SUCCESS", "ERROR", "TERMINATED"];

/** A statement ksqlDB rejected or failed: the statement, `error_code` and the server's message. */
export class KsqlError extends Error {
    /** The statement that failed. */
    public readonly statement: string;
    /** ksqlDB `error_code` (40001 bad statement, 50302 not ready, …); absent without a body. */
    public readonly errorCode?: number;
    /** HTTP status; absent when the failure is a command that ended in ERROR. */
    public readonly status?: number;
    /** The server's message. */
    public readonly serverMessage: string;

    /** Builds the error from its parts. */
    constructor(statement: string, serverMessage: string, errorCode?: number, status?: number) {
        const code = errorCode !== undefined ? ` (error_code ${errorCode})` : "";
        super(`ksqlDB rejected \`${statement}\`${code}: ${serverMessage}`);
        this.name = "KsqlError";
        this.statement = statement;
        this.serverMessage = serverMessage;
        this.errorCode = errorCode;
        this.status = status;
    }
}

/** One query in a DESCRIBE's `readQueries` / `writeQueries` or in SHOW QUERIES. */
export interface KsqlRunningQuery {
    readonly id: string;
    readonly queryString: string;
    readonly sinks?: readonly string[];
    readonly state?: string;
}

/** The `sourceDescription` of `DESCRIBE <source> [EXTENDED]`. */
export interface KsqlSourceDescription {
    readonly name: string;
    readonly type: "STREAM" | "TABLE";
    readonly fields: ReadonlyArray<{ name: string; schema: KsqlSchemaInfo; type?: string }>;
    readonly topic: string;
    readonly keyFormat: string;
    readonly valueFormat: string;
    readonly readQueries: readonly KsqlRunningQuery[];
    readonly writeQueries: readonly KsqlRunningQuery[];
    readonly statement: string;
    /** Streams/tables created from this source; they block its DROP (ksqlDB 0.15+). */
    readonly sourceConstraints?: readonly string[];
}

/** Where and how to send statements. */
export interface KsqlCallOptions {
    /** ksqlDB REST root, e.g. `http://ksqldb:8088`. */
    readonly url: string;
    /** `streamsProperties` sent with the statement. */
    readonly streamsProperties?: Record<string, string>;
    /** Run only after this command sequence number has executed. */
    readonly commandSequenceNumber?: number;
    /** Give up on retries and status polling after this many ms. Defaults to 120000. */
    readonly deadlineMs?: number;
}

/** The terminal state of a CREATE/DROP/TERMINATE command. */
export interface KsqlCommandResult {
    readonly commandId: string;
    readonly status: string;
    readonly message: string;
    /** Query started by the command (CREATE … AS SELECT), when the server reports it. */
    readonly queryId?: string;
    /** Position in the command queue, for chaining the next request. */
    readonly commandSequenceNumber: number;
}

interface CommandStatusEntity {
    readonly commandId: string;
    readonly commandStatus: { status: string; message: string; queryId?: string | null };
    readonly commandSequenceNumber: number;
}

/** Sends one statement to `POST /ksql`; returns the entity array or throws {@link KsqlError}. */
export async function postStatement(
    opts: KsqlCallOptions,
    statement: string,
): Promise<Array<Record<string, unknown>>> {
    const body: Record<string, unknown> = {
        ksql: statement,
        streamsProperties: opts.streamsProperties ?? {},
    };
    if (opts.commandSequenceNumber !== undefined && opts.commandSequenceNumber >= 0) {
        body.commandSequenceNumber = opts.commandSequenceNumber;
    }
    try {
        const res = await request<Array<Record<string, unknown>>>({
            method: "POST",
            url: `${trimSlash(opts.url)}/ksql`,
            data: body,
            headers: { Accept: KSQL_MEDIA_TYPE, "Content-Type": KSQL_MEDIA_TYPE },
            retry: { statuses: [503], deadlineMs: opts.deadlineMs ?? 120_000 },
        });
        return Array.isArray(res.data) ? res.data : [];
    } catch (e) {
        throw toKsqlError(statement, e);
    }
}

/** Runs a CREATE/DROP/TERMINATE statement and waits until its command is terminal. */
export async function executeCommand(
    opts: KsqlCallOptions,
    statement: string,
): Promise<KsqlCommandResult> {
    const entities = await postStatement(opts, statement);
    const entity = entities.find((e) => e["@type"] === "currentStatus") as
        CommandStatusEntity | undefined;
    if (!entity) {
        throw new KsqlError(
            statement,
            `expected a command status, got ${JSON.stringify(entities)}`,
        );
    }
    let status = entity.commandStatus;
    const deadline = Date.now() + (opts.deadlineMs ?? 120_000);
    for (let attempt = 0; !TERMINAL.includes(status.status); attempt++) {
        if (Date.now() > deadline) {
            throw new KsqlError(statement, `command ${entity.commandId} still ${status.status}`);
        }
        await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
        status = await commandStatus(opts, entity.commandId, statement, deadline);
    }
    if (status.status === "ERROR") throw new KsqlError(statement, status.message);
    return {
        commandId: entity.commandId,
        status: status.status,
        message: status.message,
        queryId: status.queryId ?? undefined,
        commandSequenceNumber: entity.commandSequenceNumber,
    };
}

async function commandStatus(
    opts: KsqlCallOptions,
    commandId: string,
    statement: string,
    deadline: number,
): Promise<CommandStatusEntity["commandStatus"]> {
    // Command ids are `<type>/<entity>/<action>`; only the entity part may need escaping.
    const path = commandId.split("/").map(encodeURIComponent).join("/");
    try {
        const res = await request<CommandStatusEntity["commandStatus"]>({
            method: "GET",
            url: `${trimSlash(opts.url)}/status/${path}`,
            headers: { Accept: KSQL_MEDIA_TYPE },
            // 404 until this server has read the command from the command topic.
            retry: { statuses: [503, 404], deadlineMs: Math.max(0, deadline - Date.now()) },
        });
        return res.data;
    } catch (e) {
        throw toKsqlError(statement, e);
    }
}

/** `DESCRIBE <name> EXTENDED`; `undefined` when no stream or table has that name. */
export async function describeSource(
    opts: KsqlCallOptions,
    name: string,
): Promise<KsqlSourceDescription | undefined> {
    const statement = describeStatement(name);
    try {
        const entities = await postStatement(opts, statement);
        const entity = entities.find((e) => e["@type"] === "sourceDescription");
        return entity?.sourceDescription as KsqlSourceDescription | undefined;
    } catch (e) {
        // A missing source is a 40001 like any bad statement; confirm with SHOW before saying gone.
        if (e instanceof KsqlError && e.errorCode === 40001) {
            const names = await listSourceNames(opts);
            if (!names.has(name)) return undefined;
        }
        throw e;
    }
}

/** Names of every stream and table (`SHOW STREAMS; SHOW TABLES;`, both read-only). */
export async function listSourceNames(opts: KsqlCallOptions): Promise<Set<string>> {
    const entities = await postStatement(opts, "SHOW STREAMS; SHOW TABLES;");
    const names = new Set<string>();
    for (const e of entities) {
        const list = (e.streams ?? e.tables ?? []) as Array<{ name: string }>;
        for (const s of list) names.add(s.name);
    }
    return names;
}

function toKsqlError(statement: string, e: unknown): unknown {
    if (!(e instanceof HttpError)) return e;
    const code = typeof e.errorCode === "number" ? e.errorCode : Number(e.errorCode);
    // The helper appends ` [statementText]` to the server message; the statement is reported apart.
    const echo = [statement, statement.replace(/;\s*$/, "")].map((s) => ` [${s}]`);
    const suffix = echo.find((s) => e.serverMessage.endsWith(s));
    const message = suffix ? e.serverMessage.slice(0, -suffix.length) : e.serverMessage;
    const detail = e.status === undefined ? `${e.method} ${e.url}: ${message}` : message;
    return new KsqlError(statement, detail, Number.isFinite(code) ? code : undefined, e.status);
}

function trimSlash(url: string): string {
    return url.replace(/\/+$/, "");
}
