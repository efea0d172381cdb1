/**
 * Pure builders for the ksqlDB statements the {@link KsqlStream}/{@link KsqlTable} provider sends,
 * and the normalization both sides of a diff go through. No I/O here, so tests call them directly.
 *
 * Identifiers: ksqlDB upper-cases unquoted identifiers and keeps back-quoted ones as written
 * (https://docs.ksqldb.io/reference/sql/syntax/lexical-structure/), so inputs
 * are normalized once (`payload` → `PAYLOAD`, `` `camelCase` `` → `camelCase`) and every emitted
 * identifier is back-quoted, which also keeps reserved words safe.
 */

/** Whether a source is a stream or a table. */
export type KsqlSourceKind = "STREAM" | "TABLE";

/** One column of a source declared over a topic. */
export interface KsqlColumn {
    /** Column name; upper-cased unless back-quoted. */
    readonly name: string;
    /** SQL type, e.g. `STRING`, `DOUBLE`, `ARRAY<STRING>`, `DECIMAL(10, 2)`. */
    readonly type: string;
    /** Key column: `KEY` on a stream, `PRIMARY KEY` on a table. Defaults to false. */
    readonly key?: boolean;
}

/** A stream or table as the provider declares it, after normalization. */
export interface KsqlSourceDefinition {
    /** `STREAM` or `TABLE`. */
    readonly kind: KsqlSourceKind;
    /** Normalized name (see {@link normalizeIdentifier}). */
    readonly name: string;
    /** Kafka topic: required over a topic; for `AS SELECT`, the sink topic (server default: the name). */
    readonly topic?: string;
    /** Columns of a source over a topic; absent for `AS SELECT`. */
    readonly columns?: readonly KsqlColumn[];
    /** `KEY_FORMAT`, e.g. `KAFKA`; server default when absent. */
    readonly keyFormat?: string;
    /** `VALUE_FORMAT`, e.g. `JSON`; required over a topic, inherited by `AS SELECT` when absent. */
    readonly valueFormat?: string;
    /** Projection of an `AS SELECT`, e.g. `["*"]`. */
    readonly select?: readonly string[];
    /** Source name of an `AS SELECT` (normalized). */
    readonly from?: string;
    /** `WHERE` expression of an `AS SELECT`, as SQL. */
    readonly where?: string;
    /** `GROUP BY` expressions of a `CREATE TABLE … AS SELECT`. */
    readonly groupBy?: readonly string[];
}

/** Formats ksqlDB accepts in `KEY_FORMAT` / `VALUE_FORMAT`. */
export const KSQL_FORMATS = [
    "JSON",
    "JSON_SR",
    "AVRO",
    "PROTOBUF",
    "PROTOBUF_NOSR",
    "DELIMITED",
    "KAFKA",
    "NONE",
] as const;

const UNQUOTED = /^[A-Za-z_][A-Za-z0-9_@]*$/;

/** The name ksqlDB stores for an identifier as written; throws when it cannot be one. */
export function normalizeIdentifier(raw: string): string {
    const text = raw.trim();
    if (text.length >= 2 && text.startsWith("`") && text.endsWith("`")) {
        const inner = text.slice(1, -1).replace(/``/g, "`");
        if (inner.length > 0) return inner;
    } else if (UNQUOTED.test(text)) {
        return text.toUpperCase();
    }
    throw new Error(
        `invalid identifier "${raw}": use letters, digits and _ (starting with a letter or _), ` +
            "or back-quote it (`My Name`)",
    );
}

/** A normalized name as a back-quoted identifier. */
export function quoteIdentifier(name: string): string {
    return "`" + name.replace(/`/g, "``") + "`";
}

/** A SQL string literal: single quotes, embedded quotes doubled. */
export function sqlString(value: string): string {
    return "'" + value.replace(/'/g, "''") + "'";
}

const TYPE_ALIASES: Record<string, string> = { VARCHAR: "STRING", INT: "INTEGER" };

/**
 * Canonical spelling of a SQL type, so a declared type and the one DESCRIBE reports compare equal:
 * upper case, aliases resolved (`VARCHAR` → `STRING`, `INT` → `INTEGER`), one space after commas.
 */
export function normalizeType(type: string): string {
    const tokens = type.match(/`(?:[^`]|``)*`|[A-Za-z_][A-Za-z0-9_]*|\d+|[^\sA-Za-z0-9_]/g) ?? [];
    let out = "";
    let prevWord = false;
    for (const token of tokens) {
        const word = /^[`A-Za-z_\d]/.test(token);
        const text = token.startsWith("`") ? token : token.toUpperCase();
        if (word && prevWord) out += " ";
        out += TYPE_ALIASES[text] ?? text;
        if (token === ",") out += " ";
        prevWord = word;
    }
    return out;
}

/** Key columns first as declared; ksqlDB lists them first in DESCRIBE as well. */
function columnList(kind: KsqlSourceKind, columns: readonly KsqlColumn[]): string {
    const keyword = kind === "TABLE" ? " PRIMARY KEY" : " KEY";
    return columns
        .map((c) => `${quoteIdentifier(c.name)} ${c.type}${c.key ? keyword : ""}`)
        .join(", ");
}

function withClause(props: Array<[string, string | undefined]>): string {
    const set = props.filter((p): p is [string, string] => p[1] !== undefined);
    return set.map(([k, v]) => `${k}=${sqlString(v)}`).join(", ");
}

/** True for a derived (`AS SELECT`) definition. */
export function isDerived(def: KsqlSourceDefinition): boolean {
    return def.from !== undefined;
}

/** `CREATE [OR REPLACE] STREAM|TABLE …` for a definition, one statement ending in `;`. */
export function createStatement(def: KsqlSourceDefinition, orReplace: boolean): string {
    const head = `CREATE ${orReplace ? "OR REPLACE " : ""}${def.kind} ${quoteIdentifier(def.name)}`;
    const props = withClause([
        ["KAFKA_TOPIC", def.topic],
        ["KEY_FORMAT", def.keyFormat],
        ["VALUE_FORMAT", def.valueFormat],
    ]);
    if (!isDerived(def)) {
        return `${head} (${columnList(def.kind, def.columns ?? [])}) WITH (${props});`;
    }
    const withPart = props ? ` WITH (${props})` : "";
    const select = (def.select ?? ["*"]).join(", ");
    const where = def.where ? ` WHERE ${def.where}` : "";
    const groupBy = def.groupBy?.length ? ` GROUP BY ${def.groupBy.join(", ")}` : "";
    const from = quoteIdentifier(def.from ?? "");
    return `${head}${withPart} AS SELECT ${select} FROM ${from}${where}${groupBy} EMIT CHANGES;`;
}

/** `DROP STREAM|TABLE IF EXISTS … [DELETE TOPIC];` */
export function dropStatement(kind: KsqlSourceKind, name: string, deleteTopic: boolean): string {
    return `DROP ${kind} IF EXISTS ${quoteIdentifier(name)}${deleteTopic ? " DELETE TOPIC" : ""};`;
}

/** `TERMINATE <query id>;` (query ids keep their case, so back-quoted). */
export function terminateStatement(queryId: string): string {
    return `TERMINATE ${quoteIdentifier(queryId)};`;
}

/** `DESCRIBE … EXTENDED;` */
export function describeStatement(name: string): string {
    return `DESCRIBE ${quoteIdentifier(name)} EXTENDED;`;
}

/** `SHOW STREAMS;` or `SHOW TABLES;` */
export function listStatement(kind: KsqlSourceKind): string {
    return `SHOW ${kind}S;`;
}

/** One `SchemaInfo` of a DESCRIBE field (ksqlDB `SchemaInfo` JSON). */
export interface KsqlSchemaInfo {
    readonly type: string;
    readonly fields?: ReadonlyArray<{ name: string; schema: KsqlSchemaInfo }> | null;
    readonly memberSchema?: KsqlSchemaInfo | null;
    readonly parameters?: Record<string, unknown>;
}

/** The SQL type text of a DESCRIBE schema, in {@link normalizeType} spelling. */
export function schemaToType(schema: KsqlSchemaInfo): string {
    switch (schema.type) {
        case "ARRAY":
            return `ARRAY<${schemaToType(schema.memberSchema ?? { type: "STRING" })}>`;
        case "MAP":
            return `MAP<STRING, ${schemaToType(schema.memberSchema ?? { type: "STRING" })}>`;
        case "STRUCT": {
            const fields = (schema.fields ?? []).map((f) => {
                const name = UNQUOTED.test(f.name) && f.name === f.name.toUpperCase();
                return `${name ? f.name : quoteIdentifier(f.name)} ${schemaToType(f.schema)}`;
            });
            return `STRUCT<${fields.join(", ")}>`;
        }
        case "DECIMAL": {
            const p = schema.parameters ?? {};
            return `DECIMAL(${String(p.precision)}, ${String(p.scale)})`;
        }
        default:
            return schema.type;
    }
}
