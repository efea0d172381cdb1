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
 *   timeout 50301, shutting down), 429 (the DDL/DML rate limit, refused before anything is
 *   written: DistributingExecutor.java:216-221 in ksqlDB 0.29.0) and, for
 *   {@link UNREACHABLE_MS} only, a server that does not answer at all. 401/403 fail at once.
 * - Every POST may take the server's `ksql.server.command.response.timeout.ms` (5 s): it waits for
 *   the command's final status, or for the `commandSequenceNumber` sent, before answering.
 * - A `commandSequenceNumber` kept in state is a hint: a redeployed server (fresh command topic)
 *   never reaches it and answers 503 / 50301 after its 5 s wait, so the statement is sent again
 *   without it (see {@link KsqlCallOptions.sequenceHint}).
 */
import {
    HttpError,
    UNREACHABLE_MS,
    isUnreachable,
    request,
    type HttpResponse,
    type RequestOptions,
} from "../http";
import { describeStatement, type KsqlSchemaInfo } from "./sql";

const KSQL_MEDIA_TYPE = "application/vnd.ksql.v1+json";
// An array, not a Set: module constants are serialized with the provider, and Sets do not survive.
const TERMINAL = ["SUCCESS", "ERROR", "TERMINATED"];

/** What to check when ksqlDB cannot be reached, unless the resource names its own hint. */
export const DEFAULT_ENDPOINT_HINT =
    "Check the stack's `ksqldb.url` (pulumi config set ksqldb.url <url>); on the dev (kind) " +
    "stack it is the ksqlDB NodePort (`ksqldb.nodePort`, 30088) mapped to localhost in " +
    "scripts/kind-config.yaml: is the cluster running (kind get clusters) and the ksqldb pod ready?";

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
    /** RUNNING, or ERROR when any host reports the query failed (RunningQuery#getState). */
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
    /**
     * Streams/tables created from this source; they block its DROP (ksqlDB 0.15+). Empty, not
     * computed, when the topic cannot be described: see {@link KsqlSourceDescription.topicError}.
     */
    readonly sourceConstraints?: readonly string[];
    /**
     * The "Error from Kafka: …" warning of the DESCRIBE: the topic could not be described (gone,
     * or no access), so `sourceConstraints` is empty whatever depends on the source.
     */
    readonly topicError?: string;
}

/** Where and how to send statements. */
export interface KsqlCallOptions {
    /** ksqlDB REST root, e.g. `http://ksqldb:8088`. */
    readonly url: string;
    /** `streamsProperties` sent with the statement. */
    readonly streamsProperties?: Record<string, string>;
    /** Run only after this command sequence number (issued in this operation) has executed. */
    readonly commandSequenceNumber?: number;
    /**
     * A sequence number from an earlier operation (state): sent when no `commandSequenceNumber`
     * is, and dropped when the server answers 503 / 50301 for it (never issued by this server);
     * `stale` is then set, so the calls sharing this hint skip it.
     */
    readonly sequenceHint?: SequenceHint;
    /** Give up on retries and status polling after this many ms. Defaults to 120000. */
    readonly deadlineMs?: number;
    /** HTTP basic-auth credentials for the ksqlDB REST API. */
    readonly basicAuth?: { readonly username: string; readonly password: string };
    /** What to check when the server cannot be reached. Defaults to {@link DEFAULT_ENDPOINT_HINT}. */
    readonly endpointHint?: string;
}

/** A stored command sequence number, shared by the calls of one provider operation. */
export interface SequenceHint {
    /** The number kept in state. */
    readonly seq: number;
    /** Set once the server answered 503 / 50301 for it. */
    stale?: boolean;
}

/** A {@link SequenceHint} for a stored number; undefined when there is none. */
export function sequenceHint(seq: number | undefined): SequenceHint | undefined {
    return seq === undefined || seq < 0 ? undefined : { seq };
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
    const required = opts.commandSequenceNumber;
    const hint =
        required === undefined && !opts.sequenceHint?.stale ? opts.sequenceHint : undefined;
    const seq = required ?? hint?.seq;
    try {
        if (seq !== undefined && seq >= 0) {
            try {
                return await sendStatement(opts, statement, seq, hint !== undefined);
            } catch (e) {
                const stale = e instanceof HttpError && e.status === 503 && e.errorCode === 50301;
                if (hint === undefined || !stale) throw e;
                hint.stale = true;
            }
        }
        return await sendStatement(opts, statement, undefined, false);
    } catch (e) {
        throw toKsqlError(opts, statement, e);
    }
}

async function sendStatement(
    opts: KsqlCallOptions,
    statement: string,
    seq: number | undefined,
    hint: boolean,
): Promise<Array<Record<string, unknown>>> {
    const body: Record<string, unknown> = {
        ksql: statement,
        streamsProperties: opts.streamsProperties ?? {},
    };
    if (seq !== undefined) body.commandSequenceNumber = seq;
    const res = await send<Array<Record<string, unknown>>>(opts, {
        method: "POST",
        url: `${trimSlash(opts.url)}/ksql`,
        data: body,
        headers: { Accept: KSQL_MEDIA_TYPE, "Content-Type": KSQL_MEDIA_TYPE },
        retry: {
            statuses: [503, 429],
            // A hint the server has not reached is not waited for: one 5 s answer is enough.
            isRetryable: (e) => !(hint && e.status === 503 && e.errorCode === 50301),
            deadlineMs: opts.deadlineMs ?? 120_000,
        },
    });
    return Array.isArray(res.data) ? res.data : [];
}

/**
 * {@link request} with credentials, and a server that never answers retried for
 * {@link UNREACHABLE_MS} only: a wrong URL or a stopped cluster fails in seconds, while answers
 * that mean "busy" (503, 429) keep the long deadline.
 */
function send<T>(opts: KsqlCallOptions, req: RequestOptions<T>): Promise<HttpResponse<T>> {
    const auth = opts.basicAuth;
    const basic = auth && Buffer.from(`${auth.username}:${auth.password}`).toString("base64");
    return request<T>({
        ...req,
        headers: basic ? { ...req.headers, Authorization: `Basic ${basic}` } : req.headers,
        redact: auth ? [auth.password] : [],
        retry: { ...req.retry, unreachableMs: unreachableMs(opts) },
    });
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
    if (status.status === "ERROR") throw new KsqlError(statement, commandError(status.message));
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
    try {
        const res = await send<CommandStatusEntity["commandStatus"]>(opts, {
            method: "GET",
            url: `${trimSlash(opts.url)}/status/${statusPath(commandId)}`,
            headers: { Accept: KSQL_MEDIA_TYPE },
            retry: {
                statuses: [503, 404],
                // A JSON 404 "Command not found": another node took the command and this one has
                // not read it from the command topic yet. A 404 page without ksqlDB's JSON is a
                // wrong URL or route, not lag.
                isRetryable: (e) => e.status !== 404 || e.errorCode !== undefined,
                deadlineMs: Math.max(0, deadline - Date.now()),
            },
        });
        return res.data;
    } catch (e) {
        throw toKsqlError(opts, statement, e);
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
        if (!entity) return undefined;
        const warnings = (entity.warnings ?? []) as Array<{ message?: string }>;
        const topicError = warnings.find((w) => w.message?.startsWith("Error from Kafka"));
        const desc = entity.sourceDescription as KsqlSourceDescription;
        return topicError?.message ? { ...desc, topicError: topicError.message } : desc;
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
    return new Set((await listSources(opts)).map((s) => s.name));
}

/** Every stream and table with its Kafka topic (`SHOW STREAMS; SHOW TABLES;`). */
export async function listSources(
    opts: KsqlCallOptions,
): Promise<Array<{ name: string; topic: string }>> {
    const entities = await postStatement(opts, "SHOW STREAMS; SHOW TABLES;");
    return entities.flatMap(
        (e) => (e.streams ?? e.tables ?? []) as Array<{ name: string; topic: string }>,
    );
}

/**
 * `/status/{type}/{entity}/{action}` for a command id. ksqlDB 0.29 back-quotes source names in
 * CREATE ids (``stream/`X`/create``) and the route has exactly three segments
 * (ServerVerticle.java:203), so the entity (everything between the first and the last `/`) is
 * encoded as one segment.
 */
export function statusPath(commandId: string): string {
    const first = commandId.indexOf("/");
    const last = commandId.lastIndexOf("/");
    if (first < 0 || last <= first) return encodeURIComponent(commandId);
    const [type, entity, action] = [
        commandId.slice(0, first),
        commandId.slice(first + 1, last),
        commandId.slice(last + 1),
    ];
    return [type, entity, action].map(encodeURIComponent).join("/");
}

/**
 * The message of a command that ended in ERROR: ksqlDB records the exception's whole stack trace
 * (InteractiveStatementExecutor.java:214-217); keep the messages of the exception and its causes.
 */
export function commandError(message: string): string {
    if (!/\n\s+at /.test(message)) return message.trim();
    const lines = message.split("\n").filter((l) => l.trim() !== "" && !/^\s+(at |\.\.\.)/.test(l));
    const text = lines.map((l) => l.replace(/^(Caused by: )?[\w$.]+(Exception|Error): ?/, "$1"));
    return `${text.join("\n").trim()} (stack trace trimmed)`;
}

function toKsqlError(opts: KsqlCallOptions, statement: string, e: unknown): unknown {
    if (!(e instanceof HttpError)) return e;
    if (isUnreachable(e)) {
        const hint = opts.endpointHint ?? DEFAULT_ENDPOINT_HINT;
        const secs = (e.elapsedMs / 1000).toFixed(0);
        return new KsqlError(
            statement,
            `could not reach ksqlDB at ${e.url} (${e.code ?? "no response"}; no answer within ${secs}s). ${hint}`,
        );
    }
    if (e.status === 401 || e.status === 403) {
        const what = e.status === 401 ? "rejected the credentials" : "denied access";
        const fix =
            e.status === 401
                ? "Set the resource's basicAuth (username and a secret password) to a user the " +
                  "server's authentication accepts."
                : "Grant the user access to the ksqlDB cluster, topics and queries it manages.";
        return new KsqlError(
            statement,
            `ksqlDB at ${e.url} ${what} (HTTP ${e.status}: ${e.serverMessage}). ${fix}`,
            typeof e.errorCode === "number" ? e.errorCode : undefined,
            e.status,
        );
    }
    const code = typeof e.errorCode === "number" ? e.errorCode : Number(e.errorCode);
    // The helper appends ` [statementText]` to the server message; the statement is reported apart.
    const echo = [statement, statement.replace(/;\s*$/, "")].map((s) => ` [${s}]`);
    const suffix = echo.find((s) => e.serverMessage.endsWith(s));
    const message = suffix ? e.serverMessage.slice(0, -suffix.length) : e.serverMessage;
    const detail = e.status === undefined ? `${e.method} ${e.url}: ${message}` : message;
    return new KsqlError(
        statement,
        detail + hintFor(message),
        Number.isFinite(code) ? code : undefined,
        e.status,
    );
}

/** A fix for the server messages whose cause lies in the resource's own inputs. */
function hintFor(message: string): string {
    const property =
        /^Not recognizable as ksql, streams, consumer, or producer property: '(.*)'/.exec(message);
    if (property) {
        return (
            ` — \`streamsProperties\` key '${property[1]}' is not a ksqlDB, Kafka Streams, ` +
            "consumer or producer property: fix its spelling or remove it."
        );
    }
    if (/^Topic '.*' does not exist\./.test(message)) {
        return (
            " — create the topic first: declare it as a KafkaTopic and give this resource " +
            "dependsOn on it."
        );
    }
    return "";
}

/** The unreachable window: {@link UNREACHABLE_MS}, or the whole deadline when that is shorter. */
function unreachableMs(opts: KsqlCallOptions): number {
    return Math.min(UNREACHABLE_MS, opts.deadlineMs ?? 120_000);
}

function trimSlash(url: string): string {
    return url.replace(/\/+$/, "");
}
