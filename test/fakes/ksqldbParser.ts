/**
 * The fake ksqlDB's parser: just the statement forms the provider emits (CREATE [OR REPLACE]
 * STREAM|TABLE over a topic or AS SELECT, DROP, TERMINATE, DESCRIBE, SHOW/LIST) and INSERT INTO
 * for test setup. Identifiers follow the lexical rules in
 * https://docs.ksqldb.io/reference/sql/syntax/lexical-structure/ (unquoted → upper case,
 * back-quoted → as written); anything else is a syntax error shaped like the real one
 * ("line 1:N: Syntax Error …", [src] ksqldb-parser SyntaxErrorValidator).
 */

/**
 * How the server answers a rejected request, after `KsqlResource.handleKsqlStatements`
 * (ksqldb-rest-app/.../rest/server/resources/KsqlResource.java:360-391 at v0.29.0):
 * - `statement`: a KsqlStatementException → 400 `statement_error` 40001 with the statement;
 * - `request`: any other KsqlException (e.g. from an injector) → 400 `generic_error` 40000, no
 *   statement text;
 * - `server`: anything else (RuntimeException, IllegalArgumentException) → 500
 *   `statement_error` 50000 whose `statementText` is the whole request.
 */
export type ErrorKind = "statement" | "request" | "server";

/** A statement the fake cannot accept; becomes an error body shaped by its {@link ErrorKind}. */
export class StatementError extends Error {
    constructor(
        message: string,
        readonly statementText: string,
        readonly kind: ErrorKind = "statement",
    ) {
        super(message);
    }
}

interface Tok {
    readonly kind: "word" | "quoted" | "string" | "number" | "sym";
    /** Identifier value (upper-cased when unquoted), string contents, or the symbol. */
    readonly value: string;
    readonly pos: number;
}

/** A column as declared in CREATE over a topic. */
export interface ColumnDef {
    readonly name: string;
    readonly type: string;
    readonly key: boolean;
}

/** One projection item: `*`, a column, or an aliased function call. */
export type SelectItem =
    | { readonly star: true }
    | { readonly column: string; readonly alias: string }
    | { readonly fn: string; readonly refs: string[]; readonly alias: string };

/** The query part of CREATE … AS SELECT and INSERT INTO. */
export interface Query {
    readonly select: SelectItem[];
    readonly from: string;
    readonly whereRefs: string[];
    readonly groupBy: string[];
}

/** Parsed statements. */
export type Stmt =
    | {
          type: "create";
          orReplace: boolean;
          kind: Kind;
          name: string;
          columns: ColumnDef[];
          props: Props;
      }
    | { type: "createAs"; orReplace: boolean; kind: Kind; name: string; props: Props; query: Query }
    | { type: "insert"; target: string; query: Query }
    | { type: "drop"; kind: Kind; name: string; ifExists: boolean; deleteTopic: boolean }
    | { type: "terminate"; queryId: string }
    | { type: "describe"; name: string; extended: boolean }
    | { type: "list"; what: "STREAMS" | "TABLES" | "QUERIES"; extended: boolean };

/** STREAM or TABLE. */
export type Kind = "STREAM" | "TABLE";
/** WITH properties, keys upper-cased. */
export type Props = Record<string, string>;

const KEYWORDS = new Set(["AND", "OR", "NOT", "IS", "NULL", "TRUE", "FALSE", "LIKE", "IN"]);
const STOP = new Set(["FROM", "WHERE", "GROUP", "EMIT", "PARTITION", "WINDOW", "HAVING"]);

function tokenize(sql: string): Tok[] {
    const toks: Tok[] = [];
    const re =
        /\s+|--[^\n]*|`((?:[^`]|``)*)`|'((?:[^']|'')*)'|(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_@]*)|(<>|!=|<=|>=|.)/gy;
    let m: RegExpExecArray | null;
    while (re.lastIndex < sql.length && (m = re.exec(sql))) {
        const pos = m.index;
        if (m[1] !== undefined) toks.push({ kind: "quoted", value: m[1].replace(/``/g, "`"), pos });
        else if (m[2] !== undefined)
            toks.push({ kind: "string", value: m[2].replace(/''/g, "'"), pos });
        else if (m[3] !== undefined) toks.push({ kind: "number", value: m[3], pos });
        else if (m[4] !== undefined) toks.push({ kind: "word", value: m[4].toUpperCase(), pos });
        else if (m[5] !== undefined) toks.push({ kind: "sym", value: m[5], pos });
    }
    if (re.lastIndex < sql.length) {
        throw new StatementError(`line 1:${re.lastIndex + 1}: Syntax Error`, sql);
    }
    return toks;
}

/** Splits a request into statements (on `;` outside quotes) and parses each. */
export function parseStatements(sql: string): Array<{ stmt: Stmt; text: string }> {
    const toks = tokenize(sql);
    const out: Array<{ stmt: Stmt; text: string }> = [];
    let start = 0;
    for (let i = 0; i <= toks.length; i++) {
        if (i < toks.length && !(toks[i].kind === "sym" && toks[i].value === ";")) continue;
        const part = toks.slice(start, i);
        if (part.length > 0) {
            const end = i < toks.length ? toks[i].pos + 1 : sql.length;
            const text = sql.slice(part[0].pos, end).trim();
            out.push({ stmt: new Parser(part, text).statement(), text });
        }
        start = i + 1;
    }
    return out;
}

class Parser {
    private i = 0;

    constructor(
        private readonly toks: Tok[],
        private readonly text: string,
    ) {}

    statement(): Stmt {
        const first = this.word();
        const stmt = this.dispatch(first);
        if (this.i < this.toks.length) this.fail();
        return stmt;
    }

    private dispatch(first: string): Stmt {
        switch (first) {
            case "CREATE": {
                const orReplace = this.accept("OR") ? (this.expect("REPLACE"), true) : false;
                const kind = this.kind();
                const name = this.ident();
                if (this.acceptSym("(")) {
                    const columns = this.columns();
                    this.expect("WITH");
                    return { type: "create", orReplace, kind, name, columns, props: this.props() };
                }
                const props = this.accept("WITH") ? this.props() : {};
                this.expect("AS");
                return { type: "createAs", orReplace, kind, name, props, query: this.query() };
            }
            case "INSERT": {
                this.expect("INTO");
                return { type: "insert", target: this.ident(), query: this.query() };
            }
            case "DROP": {
                const kind = this.kind();
                const ifExists = this.accept("IF") ? (this.expect("EXISTS"), true) : false;
                const name = this.ident();
                const deleteTopic = this.accept("DELETE") ? (this.expect("TOPIC"), true) : false;
                return { type: "drop", kind, name, ifExists, deleteTopic };
            }
            case "TERMINATE":
                return { type: "terminate", queryId: this.ident() };
            case "DESCRIBE": {
                const name = this.ident();
                return { type: "describe", name, extended: this.accept("EXTENDED") };
            }
            case "SHOW":
            case "LIST": {
                const what = this.word();
                if (what !== "STREAMS" && what !== "TABLES" && what !== "QUERIES") this.fail(-1);
                return { type: "list", what, extended: this.accept("EXTENDED") };
            }
            default:
                return this.fail(-1);
        }
    }

    private columns(): ColumnDef[] {
        const cols: ColumnDef[] = [];
        do {
            const name = this.ident();
            let type = this.word();
            if (this.acceptSym("<") || this.acceptSym("(")) type += this.nested();
            const key = this.accept("PRIMARY") ? (this.expect("KEY"), true) : this.accept("KEY");
            type = type.replace(/\bVARCHAR\b/g, "STRING").replace(/\bINT\b/g, "INTEGER");
            const unknown = unknownType(type);
            if (unknown !== undefined) {
                // SqlTypeParser.java:81-86 (v0.29.0): a name that is not a primitive type is looked
                // up as a custom type (CREATE TYPE) and fails with "Cannot resolve unknown type";
                // DefaultKsqlParser.java:97-99 prefixes it → 400 / 40001 with the statement.
                throw new StatementError(
                    `Failed to prepare statement: Cannot resolve unknown type: ${unknown}`,
                    this.text,
                );
            }
            cols.push({ name, type, key });
        } while (this.acceptSym(","));
        this.expectSym(")");
        return cols;
    }

    /** The rest of a parameterised type after its opening bracket, normalised. */
    private nested(): string {
        const open = this.toks[this.i - 1].value;
        let depth = 1;
        let out = open;
        while (depth > 0) {
            const t = this.next();
            if (t.value === "<" || t.value === "(") depth++;
            if (t.value === ">" || t.value === ")") depth--;
            out +=
                t.value === "," ? ", " : (/\w$/.test(out) && t.kind !== "sym" ? " " : "") + t.value;
        }
        return out;
    }

    private props(): Props {
        const props: Props = {};
        this.expectSym("(");
        do {
            const key = this.word();
            this.expectSym("=");
            const t = this.next();
            if (t.kind !== "string" && t.kind !== "number") this.fail(-1);
            props[key] = t.value;
        } while (this.acceptSym(","));
        this.expectSym(")");
        return props;
    }

    private query(): Query {
        this.expect("SELECT");
        const select: SelectItem[] = [];
        do select.push(this.selectItem());
        while (this.acceptSym(","));
        this.expect("FROM");
        const from = this.ident();
        const whereRefs = this.accept("WHERE") ? this.expression().refs : [];
        const groupBy: string[] = [];
        if (this.accept("GROUP")) {
            this.expect("BY");
            do groupBy.push(this.ident());
            while (this.acceptSym(","));
        }
        if (this.accept("EMIT")) this.expect("CHANGES");
        return { select, from, whereRefs, groupBy };
    }

    private selectItem(): SelectItem {
        if (this.acceptSym("*")) return { star: true };
        const startTok = this.toks[this.i];
        const expr = this.expression();
        const alias = this.accept("AS") ? this.ident() : undefined;
        if (expr.fn === undefined && expr.refs.length === 1 && expr.tokens === 1) {
            return { column: expr.refs[0], alias: alias ?? expr.refs[0] };
        }
        if (expr.fn === undefined || alias === undefined) {
            throw new StatementError(
                `fake ksqlDB: cannot type the expression at line 1:${startTok.pos - this.toks[0].pos + 1}; ` +
                    "only columns and aliased function calls are modelled",
                this.text,
            );
        }
        return { fn: expr.fn, refs: expr.refs, alias };
    }

    /** Consumes an expression; returns the column references in it (function names excluded). */
    private expression(): { refs: string[]; fn?: string; tokens: number } {
        const refs: string[] = [];
        const start = this.i;
        let depth = 0;
        let fn: string | undefined;
        while (this.i < this.toks.length) {
            const t = this.toks[this.i];
            if (depth === 0 && t.kind === "word" && (STOP.has(t.value) || t.value === "AS")) break;
            if (depth === 0 && t.kind === "sym" && t.value === ",") break;
            const nextIsParen = this.toks[this.i + 1]?.value === "(";
            if (t.value === "(") depth++;
            if (t.value === ")" && --depth < 0) this.fail();
            if ((t.kind === "word" || t.kind === "quoted") && nextIsParen) fn ??= t.value;
            else if (t.kind === "quoted" || (t.kind === "word" && !KEYWORDS.has(t.value))) {
                if (this.toks[this.i + 1]?.value !== ".") refs.push(t.value);
            }
            this.i++;
        }
        if (depth !== 0 || this.i === start) this.fail();
        return { refs, fn: this.toks[start].value === fn ? fn : undefined, tokens: this.i - start };
    }

    private kind(): Kind {
        const k = this.word();
        if (k !== "STREAM" && k !== "TABLE") this.fail(-1);
        return k;
    }

    private ident(): string {
        const t = this.next();
        if (t.kind !== "word" && t.kind !== "quoted") this.fail(-1);
        return t.value;
    }

    private word(): string {
        const t = this.next();
        if (t.kind !== "word") this.fail(-1);
        return t.value;
    }

    private next(): Tok {
        if (this.i >= this.toks.length) this.fail();
        return this.toks[this.i++];
    }

    private accept(word: string): boolean {
        const t = this.toks[this.i];
        if (t?.kind === "word" && t.value === word) return ++this.i > 0;
        return false;
    }

    private acceptSym(sym: string): boolean {
        const t = this.toks[this.i];
        if (t?.kind === "sym" && t.value === sym) return ++this.i > 0;
        return false;
    }

    private expect(word: string): void {
        if (!this.accept(word)) this.fail();
    }

    private expectSym(sym: string): void {
        if (!this.acceptSym(sym)) this.fail();
    }

    /** Throws the real server's syntax error shape, pointing at the offending token. */
    private fail(offset = 0): never {
        const t = this.toks[this.i + offset];
        // Columns count from the statement start; the fake does not track lines.
        const at = t ? t.pos - this.toks[0].pos + 1 : this.text.length;
        const near = t ? (t.kind === "string" ? `'${t.value}'` : t.value) : "<EOF>";
        throw new StatementError(
            `line 1:${at}: Syntax Error\nSyntax error at or near '${near}' at line 1:${at}`,
            this.text,
        );
    }
}

/** Primitive type names, SqlPrimitiveType.java:32-49 (v0.29.0), after INT/VARCHAR aliasing. */
const PRIMITIVES = new Set([
    "BOOLEAN",
    "INTEGER",
    "BIGINT",
    "DOUBLE",
    "STRING",
    "TIME",
    "DATE",
    "TIMESTAMP",
    "BYTES",
]);

/** The first type name in `type` that is neither primitive nor structured, if any. */
function unknownType(type: string): string | undefined {
    const m = /^(\w+)\s*(?:<(.*)>|\((.*)\))?$/.exec(type.trim());
    if (!m) return type;
    const [, base, inner] = m;
    if (PRIMITIVES.has(base) || base === "DECIMAL") return undefined;
    if (base === "ARRAY" || base === "MAP") {
        for (const t of splitTopLevel(inner ?? "")) {
            const bad = unknownType(t);
            if (bad !== undefined) return bad;
        }
        return undefined;
    }
    if (base === "STRUCT") {
        for (const f of splitTopLevel(inner ?? "")) {
            const bad = unknownType(f.replace(/^(`(?:[^`]|``)*`|\S+)\s+/, ""));
            if (bad !== undefined) return bad;
        }
        return undefined;
    }
    return base;
}

/** Splits on commas outside `<>`/`()`. */
export function splitTopLevel(s: string): string[] {
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
