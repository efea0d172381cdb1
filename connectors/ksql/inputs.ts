/**
 * `check` of the ksqlDB stream/table provider: validates the inputs and brings them into the one
 * spelling the diff compares (identifiers upper-cased unless back-quoted, types canonical, formats
 * upper-case, key columns first, defaults filled). Pure and offline: values not known yet during
 * preview pass through untouched.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
    KSQL_FORMATS,
    normalizeIdentifier,
    normalizeType,
    type KsqlColumn,
    type KsqlSourceDefinition,
} from "./sql";

/** Bumped whenever the provider's behaviour changes (Pulumi cannot see code changes). */
export const KSQL_PROVIDER_VERSION = "2";

/** What an apply does with a persistent query ksqlDB reports in state ERROR. */
export const QUERY_ERROR_POLICIES = ["fail", "restart"] as const;
/** See {@link QUERY_ERROR_POLICIES}. */
export type QueryErrorPolicy = (typeof QUERY_ERROR_POLICIES)[number];

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const DERIVED_ONLY = ["select", "where", "groupBy"] as const;

/** Normalized inputs and every problem found, each naming its property. */
export function normalizeKsqlInputs(news: Record<string, unknown>): {
    inputs: Record<string, unknown>;
    failures: pulumi.dynamic.CheckFailure[];
} {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const fail = (property: string, reason: string) => failures.push({ property, reason });
    const known = (v: unknown) => v !== UNKNOWN;
    const ident = (property: string, v: unknown): unknown => {
        if (!known(v)) return v;
        if (typeof v !== "string") return (fail(property, "must be a string"), v);
        try {
            return normalizeIdentifier(v);
        } catch (e) {
            return (fail(property, (e as Error).message), v);
        }
    };
    const text = (property: string, v: unknown, required: boolean): unknown => {
        if (v === undefined && !required) return undefined;
        if (known(v) && (typeof v !== "string" || v.trim() === "")) {
            fail(property, required ? "is required" : "must be a non-empty string");
        }
        return typeof v === "string" ? v.trim() : v;
    };
    const format = (property: string, v: unknown, required: boolean): unknown => {
        const value = text(property, v, required);
        if (typeof value !== "string" || !known(value)) return value;
        const upper = value.toUpperCase();
        if (!(KSQL_FORMATS as readonly string[]).includes(upper)) {
            fail(property, `must be one of ${KSQL_FORMATS.join(", ")}`);
        }
        return upper;
    };

    const out: Record<string, unknown> = {};
    const url = news.ksqlUrl;
    if (known(url) && (typeof url !== "string" || !/^https?:\/\/\S+$/.test(url))) {
        fail("ksqlUrl", "must be an http(s) URL such as http://ksqldb:8088");
    }
    out.ksqlUrl = url;
    if (news.kind !== "STREAM" && news.kind !== "TABLE") fail("kind", "must be STREAM or TABLE");
    out.kind = news.kind;
    out.name = ident("name", news.name);

    if (news.from !== undefined) {
        if (news.columns !== undefined) {
            fail("columns", "a source with `from` takes its columns from its query; remove them");
        }
        out.from = ident("from", news.from);
        out.select = stringList("select", news.select ?? ["*"], fail);
        out.where =
            news.where === undefined || news.where === ""
                ? undefined
                : text("where", news.where, false);
        if (news.groupBy !== undefined) {
            if (news.kind !== "TABLE") fail("groupBy", "GROUP BY produces a table; use KsqlTable");
            out.groupBy = stringList("groupBy", news.groupBy, fail);
        }
        out.topic = text("topic", news.topic, false);
    } else {
        for (const k of DERIVED_ONLY) {
            if (news[k] !== undefined) fail(k, "only for a source derived with `from`");
        }
        out.topic = text("topic", news.topic, true);
        out.columns = columnList(news.kind === "TABLE", news.columns, fail);
    }
    out.keyFormat = format("keyFormat", news.keyFormat, false);
    out.valueFormat = format("valueFormat", news.valueFormat, news.from === undefined);
    out.streamsProperties = stringMap(news.streamsProperties, fail);
    out.deleteTopic = news.deleteTopic ?? false;
    if (known(out.deleteTopic) && typeof out.deleteTopic !== "boolean") {
        fail("deleteTopic", "must be true or false");
    }
    out.waitTimeoutSeconds = news.waitTimeoutSeconds ?? 120;
    const wait = out.waitTimeoutSeconds;
    if (known(wait) && (typeof wait !== "number" || !(wait > 0))) {
        fail("waitTimeoutSeconds", "must be a positive number of seconds");
    }
    out.onQueryError = news.onQueryError ?? "fail";
    if (
        known(out.onQueryError) &&
        !(QUERY_ERROR_POLICIES as readonly unknown[]).includes(out.onQueryError)
    ) {
        fail("onQueryError", `must be one of ${QUERY_ERROR_POLICIES.join(", ")}`);
    }
    out.endpointHint = text("endpointHint", news.endpointHint, false);
    out.basicAuth = basicAuth(news.basicAuth, fail);
    out.providerVersion = news.providerVersion ?? KSQL_PROVIDER_VERSION;
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    return { inputs: out, failures };
}

type Fail = (property: string, reason: string) => void;

function basicAuth(v: unknown, fail: Fail): unknown {
    if (v === undefined || v === null || v === UNKNOWN) return v ?? undefined;
    const a = v as Record<string, unknown>;
    const ok = (x: unknown) => x === UNKNOWN || (typeof x === "string" && x !== "");
    if (typeof v !== "object" || !ok(a.username) || !ok(a.password)) {
        fail("basicAuth", "must be { username, password } with non-empty strings");
        return v;
    }
    return { username: a.username, password: a.password };
}

/**
 * Type names ksqlDB 0.29 resolves without a registered custom type (SqlPrimitiveType.java:32-49,
 * SqlTypeParser.java:78-116): anything else is "Cannot resolve unknown type" on the server.
 */
const PRIMITIVE_TYPES = [
    "BOOLEAN",
    "INTEGER",
    "BIGINT",
    "DOUBLE",
    "STRING",
    "TIME",
    "DATE",
    "TIMESTAMP",
    "BYTES",
];

/** The first unknown type name in a normalized type, or undefined when every name is known. */
export function unknownTypeName(type: string): string | undefined {
    const m = /^(\w+)\s*(?:<(.*)>|\((.*)\))?$/s.exec(type.trim());
    if (!m) return type;
    const [, base, inner, params] = m;
    if (PRIMITIVE_TYPES.includes(base))
        return inner === undefined && params === undefined ? undefined : type;
    if (base === "DECIMAL")
        return params !== undefined && /^\d+, \d+$/.test(params) ? undefined : type;
    const parts = splitTopLevel(inner ?? "");
    if (base === "ARRAY" && parts.length === 1) return unknownTypeName(parts[0]);
    if (base === "MAP" && parts.length === 2) {
        return unknownTypeName(parts[0]) ?? unknownTypeName(parts[1]);
    }
    if (base === "STRUCT" && parts.length > 0) {
        for (const field of parts) {
            const t = /^(?:`(?:[^`]|``)*`|[A-Za-z_][A-Za-z0-9_]*)\s+(.+)$/s.exec(field)?.[1];
            const bad = t === undefined ? field : unknownTypeName(t);
            if (bad !== undefined) return bad;
        }
        return undefined;
    }
    return base;
}

function splitTopLevel(s: string): string[] {
    const parts: string[] = [];
    let depth = 0;
    let cur = "";
    for (const ch of s) {
        if (ch === "<" || ch === "(") depth++;
        if (ch === ">" || ch === ")") depth--;
        if (ch === "," && depth === 0) {
            parts.push(cur.trim());
            cur = "";
        } else cur += ch;
    }
    if (cur.trim()) parts.push(cur.trim());
    return parts;
}

function stringList(property: string, v: unknown, fail: Fail): unknown {
    if (v === UNKNOWN) return v;
    if (!Array.isArray(v) || v.length === 0) return (fail(property, "must be a non-empty list"), v);
    return (v as unknown[]).map((x, i): unknown => {
        if (x === UNKNOWN) return x;
        if (typeof x !== "string" || x.trim() === "") {
            fail(`${property}[${i}]`, "must be a non-empty SQL expression");
            return x;
        }
        return x.trim();
    });
}

function stringMap(v: unknown, fail: Fail): unknown {
    if (v === undefined || v === null) return {};
    if (v === UNKNOWN) return v;
    if (typeof v !== "object" || Array.isArray(v)) {
        return (fail("streamsProperties", "must map property names to values"), v);
    }
    // ksqlDB takes property values as strings.
    return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, x === UNKNOWN ? x : String(x)]),
    );
}

/** Columns normalized, key columns first (ksqlDB lists them first too). */
function columnList(table: boolean, v: unknown, fail: Fail): unknown {
    if (v === UNKNOWN) return v;
    if (!Array.isArray(v) || v.length === 0) {
        return (fail("columns", "at least one column is required over a topic"), v);
    }
    const seen = new Set<string>();
    const cols = v.map((c: unknown, i: number): unknown => {
        if (c === UNKNOWN || typeof c !== "object" || c === null) {
            if (c !== UNKNOWN) fail(`columns[${i}]`, "must be { name, type, key? }");
            return c;
        }
        const { name, type, key } = c as Record<string, unknown>;
        if (name === UNKNOWN || type === UNKNOWN || key === UNKNOWN) return c;
        let n = name;
        try {
            n = normalizeIdentifier(typeof name === "string" ? name : "");
        } catch (e) {
            fail(`columns[${i}].name`, (e as Error).message);
        }
        if (typeof n === "string" && seen.has(n))
            fail(`columns[${i}].name`, `duplicate column ${n}`);
        if (typeof n === "string") seen.add(n);
        const normalized = normalizeType(typeof type === "string" ? type : "");
        if (typeof type !== "string" || type.trim() === "") {
            fail(`columns[${i}].type`, "is required, e.g. STRING");
        } else {
            const bad = unknownTypeName(normalized);
            if (key === true && normalized.includes("MAP<")) {
                // ksqlDB refuses maps in key columns (GenericKeySerDe.java:151-168 in 0.29.0).
                fail(
                    `columns[${i}].type`,
                    `a key column cannot be or contain a MAP (${normalized}): ksqlDB refuses map ` +
                        "keys; use a value column, or a key of another type",
                );
            } else if (bad !== undefined) {
                fail(
                    `columns[${i}].type`,
                    `unknown type ${bad} in ${normalized}: use ${PRIMITIVE_TYPES.join(", ")} (INT and ` +
                        "VARCHAR as aliases), DECIMAL(p, s), ARRAY<T>, MAP<K, V> or STRUCT<name T, …> " +
                        "(e.g. DOUBLE for a float; custom types from CREATE TYPE are not supported)",
                );
            }
        }
        const column: KsqlColumn = {
            name: n as string,
            type: normalized,
            key: key === true,
        };
        return column;
    });
    const isKey = (c: unknown) => (c as KsqlColumn | undefined)?.key === true;
    if (table && !cols.some(isKey)) {
        fail("columns", "a table needs a PRIMARY KEY: mark one column with key: true");
    }
    return [...cols.filter(isKey), ...cols.filter((c) => !isKey(c))];
}

/** Plain inputs of the provider, as {@link normalizeKsqlInputs} leaves them. */
export interface KsqlSourceInputs extends KsqlSourceDefinition {
    /** ksqlDB REST root. */
    readonly ksqlUrl: string;
    /** `streamsProperties` sent with CREATE, e.g. `{"auto.offset.reset": "earliest"}`. */
    readonly streamsProperties: Record<string, string>;
    /** Delete the Kafka topic on DROP. */
    readonly deleteTopic: boolean;
    /** How long to retry transient errors and wait for commands, in seconds. */
    readonly waitTimeoutSeconds: number;
    /** What an apply does with a feeding query in state ERROR. */
    readonly onQueryError: QueryErrorPolicy;
    /** What to check when ksqlDB cannot be reached (not diffed). */
    readonly endpointHint?: string;
    /** HTTP basic-auth credentials; the password is a secret output (never plaintext in state). */
    readonly basicAuth?: { readonly username: string; readonly password: string };
    /** Provider behaviour version. */
    readonly providerVersion: string;
}

/** State of one stream or table: its inputs plus what the server reported. */
export interface KsqlSourceOutputs extends KsqlSourceInputs {
    /** The Kafka topic the source uses (the server's default when not declared). */
    readonly kafkaTopic: string;
    /** Columns as the server describes them, key columns first. */
    readonly schemaColumns: KsqlColumn[];
    /** The persistent query feeding a derived source; `""` over a topic or when not running. */
    readonly queryId: string;
    /** State of that query (`RUNNING`, `ERROR`, …); `""` when there is none. */
    readonly queryState: string;
    /** The statement the server stored for the source. */
    readonly statementText: string;
    /** Command sequence number of the last command this resource ran; -1 before any. */
    readonly commandSequenceNumber: number;
}
