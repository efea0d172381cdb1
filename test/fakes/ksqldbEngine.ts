/**
 * The fake ksqlDB's engine: a metastore of streams/tables, the persistent queries that feed them,
 * and the Kafka topics they use. Rules follow ksqlDB 0.15+ (sources cited as in ./ksqldb.ts):
 *   - CREATE of an existing name fails unless OR REPLACE; CREATE over a missing topic fails as
 *     a request error (TopicCreateInjector.java:126-141); map-typed key columns are refused
 *     (GenericKeySerDe.java:151-168).
 *   - CREATE OR REPLACE passes only when StructuredDataSource#canUpgradeTo would: same type,
 *     topic and formats, identical key columns, existing value columns kept in place (new ones
 *     appended); a query may change its filter or append projections but not its source, and
 *     aggregations are not upgradeable while their query is registered; a terminated one is
 *     replaced by a new query (QueryRegistryImpl.java:453-455). [replace]
 *   - DROP … DELETE TOPIC is refused while another source uses the topic
 *     (TopicDeleteInjector.java:175-195); DROP fails while INSERT queries read or write the
 *     source (EngineContext.java:283-300), or while streams/tables created from it exist
 *     (MetaStoreImpl.java:159-166); otherwise it drops the source and terminates the query that
 *     created it (PR #6143, #6545). [drop]
 *   - DESCRIBE of a source whose topic is gone: no constraints, a Kafka warning
 *     (ListSourceExecutor.java:290-303).
 */
import {
    splitTopLevel,
    StatementError,
    type ColumnDef,
    type ErrorKind,
    type Kind,
    type Query,
    type Stmt,
} from "./ksqldbParser";

interface Source {
    readonly name: string;
    readonly kind: Kind;
    readonly columns: ColumnDef[];
    readonly topic: string;
    readonly keyFormat: string;
    readonly valueFormat: string;
    readonly statement: string;
    /** Sources this one was created from (its drop constraints). */
    readonly references: string[];
    readonly query?: Query;
}

interface PersistentQuery {
    readonly id: string;
    readonly statement: string;
    readonly sink: string;
    readonly sinkTopic: string;
    readonly sources: string[];
    readonly createAs: boolean;
    /** KsqlQueryStatus: RUNNING, or ERROR once its Kafka Streams app failed ({@link Engine.failQuery}). */
    state: "RUNNING" | "ERROR";
}

/** Result types of the functions the fake can type in a projection. */
const FUNCTION_TYPES: Record<string, string> = {
    EXTRACTJSONFIELD: "STRING",
    UCASE: "STRING",
    LCASE: "STRING",
    COUNT: "BIGINT",
};
const WITH_KEYS = new Set([
    "KAFKA_TOPIC",
    "KEY_FORMAT",
    "VALUE_FORMAT",
    "FORMAT",
    "PARTITIONS",
    "REPLICAS",
]);

/** The fake's state and statement semantics. */
export class Engine {
    /** Streams and tables by name. */
    readonly sources = new Map<string, Source>();
    /** Persistent queries by id. */
    readonly queries = new Map<string, PersistentQuery>();
    /** Kafka topics that exist. */
    readonly topics: Set<string>;
    /** New persistent queries fail at once (state ERROR), e.g. a sink topic they cannot write. */
    failNewQueries = false;
    private text = "";

    constructor(topics: Iterable<string>) {
        this.topics = new Set(topics);
    }

    /** A deep copy to validate a request on, like the server's sandboxed engine. */
    clone(): Engine {
        const copy = new Engine(this.topics);
        for (const [k, v] of this.sources) copy.sources.set(k, structuredClone(v));
        for (const [k, v] of this.queries) copy.queries.set(k, structuredClone(v));
        return copy;
    }

    /**
     * `<type>/<entity>/<action>` for distributed statements. CommandIdAssigner.java:93-112
     * (v0.29.0) names CREATE/CSAS/CTAS/INSERT by `SourceName.toString()`, which back-quotes
     * (Name.java:72-78 with FormatOptions.none(), FormatOptions.java:27-29); DROP uses `text()`
     * (CommandIdAssigner.java:147-161) and TERMINATE the bare query id.
     */
    commandId(stmt: Stmt): string | undefined {
        switch (stmt.type) {
            case "create":
            case "createAs":
                return `${stmt.kind.toLowerCase()}/\`${stmt.name}\`/create`;
            case "insert":
                return `stream/\`${stmt.target}\`/create`;
            case "drop":
                return `${stmt.kind.toLowerCase()}/${stmt.name}/drop`;
            case "terminate":
                return `terminate/${stmt.queryId}/execute`;
            default:
                return undefined;
        }
    }

    /** Executes a statement; `seq` is its command sequence number (query ids use it). */
    run(stmt: Stmt, text: string, seq: number): { message: string; queryId?: string } {
        this.text = text;
        switch (stmt.type) {
            case "create":
                return this.create(stmt);
            case "createAs":
                return this.createAs(stmt, seq);
            case "insert":
                return this.insert(stmt.target, stmt.query, seq);
            case "drop":
                return this.drop(stmt);
            case "terminate":
                if (!this.queries.delete(stmt.queryId))
                    this.fail(`Unknown queryId: ${stmt.queryId}`);
                return { message: "Query terminated." };
            default:
                this.runReadOnly(stmt, text);
                return { message: "" };
        }
    }

    private create(stmt: Extract<Stmt, { type: "create" }>): { message: string } {
        const existing = this.sources.get(stmt.name);
        const props = this.checkProps(stmt.props);
        const topic = props.KAFKA_TOPIC;
        if (topic === undefined)
            this.fail(`Missing required property "KAFKA_TOPIC" which has no default value.`);
        const valueFormat = props.VALUE_FORMAT ?? props.FORMAT;
        if (valueFormat === undefined)
            this.fail("Statement is missing the 'VALUE_FORMAT' property from the WITH clause.");
        if (!this.topics.has(topic)) {
            // TopicCreateInjector.java:126-141 (v0.29.0) throws a plain KsqlException while the
            // request is validated → 400 generic_error 40000 without statementText. The example
            // the server appends is its SqlFormatter rendering; the fake's is abbreviated.
            if (props.PARTITIONS === undefined) {
                this.fail(
                    `Topic '${topic}' does not exist. If you want to create a new topic for the ` +
                        "stream/table please re-run the statement providing the required " +
                        "'PARTITIONS' configuration in the WITH clause (and optionally " +
                        `'REPLICAS'). For example: ${this.text.replace(/\bWITH \(/i, "WITH (PARTITIONS=2, ")}`,
                    "request",
                );
            }
            this.topics.add(topic);
        }
        this.ensureAbsent(stmt.kind, stmt.name, stmt.orReplace);
        const mapKey = stmt.columns.find((c) => c.key && c.type.includes("MAP<"));
        if (mapKey) {
            // GenericKeySerDe.java:151-168 (v0.29.0), hit while the sandbox builds the source.
            this.fail(
                "Map keys, including types that contain maps, are not supported as they may lead " +
                    "to unexpected behavior due to inconsistent serialization. Key column name: " +
                    `\`${mapKey.name}\`. Column type: ${mapKey.type}. See https://github.com/confluentinc/ksql/issues/6621 for more.`,
            );
        }
        if (stmt.kind === "TABLE" && !stmt.columns.some((c) => c.key)) {
            this.fail("Tables require a PRIMARY KEY. Please define the PRIMARY KEY.");
        }
        const next: Source = {
            name: stmt.name,
            kind: stmt.kind,
            columns: keysFirst(stmt.columns),
            topic,
            keyFormat: (props.KEY_FORMAT ?? props.FORMAT ?? "KAFKA").toUpperCase(),
            valueFormat: valueFormat.toUpperCase(),
            statement: this.text,
            references: existing?.references ?? [],
        };
        if (existing) this.checkUpgrade(existing, next);
        this.sources.set(next.name, next);
        return { message: stmt.kind === "STREAM" ? "Stream created" : "Table created" };
    }

    private createAs(stmt: Extract<Stmt, { type: "createAs" }>, seq: number) {
        const existing = this.sources.get(stmt.name);
        this.ensureAbsent(stmt.kind, stmt.name, stmt.orReplace);
        const props = this.checkProps(stmt.props);
        const from = this.source(stmt.query.from);
        const produces: Kind =
            from.kind === "TABLE" || stmt.query.groupBy.length > 0 ? "TABLE" : "STREAM";
        if (produces !== stmt.kind) {
            const other = produces === "TABLE" ? "CREATE TABLE" : "CREATE STREAM";
            this.fail(
                `Invalid result type. Your SELECT query produces a ${produces}. Please use ${other} AS SELECT statement instead.`,
            );
        }
        const next: Source = {
            name: stmt.name,
            kind: stmt.kind,
            columns: this.project(stmt.name, from, stmt.query),
            topic: props.KAFKA_TOPIC ?? stmt.name,
            keyFormat: (props.KEY_FORMAT ?? from.keyFormat).toUpperCase(),
            valueFormat: (props.VALUE_FORMAT ?? from.valueFormat).toUpperCase(),
            statement: this.text,
            references: [from.name],
            query: stmt.query,
        };
        const writers = [...this.queries.values()].filter((q) => q.sink === stmt.name);
        if (existing) {
            if (writers.length > 1) {
                const ids = writers.map((q) => q.id).join(", ");
                this.fail(
                    `REPLACE for sink ${stmt.name} is not supported because there are multiple queries writing into it: [${ids}]`,
                );
            }
            // QueryRegistryImpl.java:453-455 (v0.29.0): the plan upgrade check runs only against
            // a query still registered for the sink; after TERMINATE a CREATE OR REPLACE of an
            // aggregate starts a new query (new id, QueryIdUtil.java:124-140).
            if (writers.length === 1) this.checkQueryUpgrade(existing, next);
            this.checkUpgrade(existing, next);
        }
        const prefix = stmt.kind === "TABLE" ? "CTAS" : "CSAS";
        const id = writers[0]?.id ?? `${prefix}_${stmt.name}_${seq}`;
        this.topics.add(next.topic);
        this.sources.set(next.name, next);
        this.queries.set(id, {
            id,
            statement: this.text,
            sink: next.name,
            sinkTopic: next.topic,
            sources: [from.name],
            createAs: true,
            state: this.failNewQueries ? "ERROR" : "RUNNING",
        });
        return { message: `Created query with ID ${id}`, queryId: id };
    }

    private insert(target: string, query: Query, seq: number) {
        const sink = this.source(target);
        const from = this.source(query.from);
        const columns = this.project(target, from, query);
        if (JSON.stringify(columns) !== JSON.stringify(sink.columns)) {
            this.fail("Incompatible schema between results and sink.");
        }
        const id = `INSERTQUERY_${seq}`;
        const q = {
            id,
            statement: this.text,
            sink: target,
            sinkTopic: sink.topic,
            sources: [from.name],
            createAs: false,
            state: "RUNNING" as const,
        };
        this.queries.set(id, q);
        return { message: `Created query with ID ${id}`, queryId: id };
    }

    private drop(stmt: Extract<Stmt, { type: "drop" }>): { message: string } {
        const src = this.sources.get(stmt.name);
        if (!src) {
            if (stmt.ifExists) return { message: `Source ${stmt.name} does not exist.` };
            const kind = stmt.kind === "STREAM" ? "Stream" : "Table";
            this.fail(`${kind} ${stmt.name} does not exist.`);
        }
        if (src.kind !== stmt.kind) {
            this.fail(
                `Incompatible data source type is ${src.kind.toLowerCase()}, but statement was DROP ${stmt.kind.toLowerCase()}`,
            );
        }
        if (stmt.deleteTopic) {
            // TopicDeleteInjector.java:175-195 (v0.29.0), run while the request is validated:
            // a RuntimeException → 500 / 50000 (KsqlResource.java:382-391); nothing is dropped.
            const using = [...this.sources.values()]
                .filter((s) => s.topic === src.topic && s.name !== src.name)
                .map((s) => s.name)
                .sort();
            if (using.length > 0) {
                this.fail(
                    `Refusing to delete topic. Found other data sources (${using.join(", ")}) using topic ${src.topic}`,
                    "server",
                );
            }
        }
        const inserts = [...this.queries.values()].filter((q) => !q.createAs);
        const readers = inserts
            .filter((q) => q.sources.includes(src.name))
            .map((q) => q.id)
            .sort();
        const writers = inserts
            .filter((q) => q.sink === src.name)
            .map((q) => q.id)
            .sort();
        if (readers.length > 0 || writers.length > 0) {
            this.fail(
                `Cannot drop ${src.name}.\nThe following queries read from this source: [${readers.join(", ")}].\n` +
                    `The following queries write into this source: [${writers.join(", ")}].\n` +
                    `You need to terminate them before dropping ${src.name}.`,
            );
        }
        const dependents = this.constraintsOf(src.name);
        if (dependents.length > 0) {
            this.fail(
                `Cannot drop ${src.name}.\nThe following streams and/or tables read from this source: [${dependents.join(", ")}].\n` +
                    `You need to drop them before dropping ${src.name}.`,
            );
        }
        this.sources.delete(src.name);
        for (const q of this.queries.values())
            if (q.createAs && q.sink === src.name) this.queries.delete(q.id);
        // [drop] DELETE TOPIC also deletes the backing topic (asynchronously on a real broker); a
        // topic already gone is no error (KafkaTopicClientImpl#deleteTopics ignores
        // UnknownTopicOrPartitionException, KafkaTopicClientImpl.java:306 at v0.29.0).
        if (stmt.deleteTopic) this.topics.delete(src.topic);
        return { message: `Source ${src.name} (topic: ${src.topic}) was dropped.` };
    }

    /** DESCRIBE / SHOW / LIST: answered directly, not through the command queue. */
    runReadOnly(stmt: Stmt, text: string): Record<string, unknown> {
        this.text = text;
        const base = { statementText: text, warnings: [] };
        if (stmt.type === "describe") {
            const src = this.sources.get(stmt.name);
            if (!src) this.fail(`Could not find STREAM/TABLE '${stmt.name}' in the Metastore`);
            // ListSourceExecutor.java:295-303 (v0.29.0): a failed topic describe is a warning.
            const warnings = this.topics.has(src.topic)
                ? []
                : [
                      {
                          message: `Error from Kafka: Failed to Describe Kafka Topic(s): [${src.topic}]`,
                      },
                  ];
            return {
                "@type": "sourceDescription",
                ...base,
                sourceDescription: this.describe(src, stmt.extended),
                warnings,
            };
        }
        if (stmt.type !== "list") return this.fail("fake ksqlDB: not a read-only statement");
        if (stmt.what === "QUERIES") {
            if (stmt.extended) this.fail("fake ksqlDB: SHOW QUERIES EXTENDED is not modelled");
            return {
                "@type": "queries",
                ...base,
                queries: [...this.queries.values()].map(running),
            };
        }
        const kind = stmt.what === "STREAMS" ? "STREAM" : "TABLE";
        const list = [...this.sources.values()].filter((s) => s.kind === kind);
        if (stmt.extended) {
            const sourceDescriptions = list.map((s) => this.describe(s, true));
            return { "@type": "source_descriptions", ...base, sourceDescriptions };
        }
        const infos = list.map((s) => ({
            type: s.kind,
            name: s.name,
            topic: s.topic,
            keyFormat: s.keyFormat,
            valueFormat: s.valueFormat,
            isWindowed: false,
        }));
        return { "@type": stmt.what.toLowerCase(), ...base, [stmt.what.toLowerCase()]: infos };
    }

    /**
     * [ksql] / [src] SourceDescription JSON. When the topic is gone, ListSourceExecutor.java:290-303
     * (v0.29.0) leaves the topic description empty (partitions and replication 0,
     * SourceDescriptionFactory.java:108-109) and — computed inside the same try —
     * `sourceConstraints` empty, although the metastore still refuses the DROP.
     */
    private describe(src: Source, extended: boolean): Record<string, unknown> {
        const all = [...this.queries.values()];
        const topic = this.topics.has(src.topic);
        return {
            name: src.name,
            windowType: null,
            readQueries: all.filter((q) => q.sources.includes(src.name)).map(running),
            writeQueries: all.filter((q) => q.sink === src.name).map(running),
            fields: src.columns.map((c) => ({
                name: c.name,
                schema: schemaInfo(c.type),
                ...(c.key ? { type: "KEY" } : {}),
            })),
            type: src.kind,
            timestamp: "",
            statistics: "",
            errorStats: "",
            extended,
            keyFormat: src.keyFormat,
            valueFormat: src.valueFormat,
            topic: src.topic,
            partitions: topic ? 1 : 0,
            replication: topic ? 1 : 0,
            statement: src.statement,
            queryOffsetSummaries: [],
            sourceConstraints: topic ? this.constraintsOf(src.name) : [],
        };
    }

    private constraintsOf(name: string): string[] {
        return [...this.sources.values()]
            .filter((s) => s.references.includes(name))
            .map((s) => s.name)
            .sort();
    }

    private ensureAbsent(kind: Kind, name: string, orReplace: boolean): void {
        const existing = this.sources.get(name);
        if (existing && !orReplace) {
            this.fail(
                `Cannot add ${kind.toLowerCase()} '${name}': A ${existing.kind.toLowerCase()} with the same name already exists`,
            );
        }
    }

    private checkProps(props: Record<string, string>): Record<string, string | undefined> {
        const unknown = Object.keys(props).filter((k) => !WITH_KEYS.has(k));
        if (unknown.length > 0)
            this.fail(`Invalid config variable(s) in the WITH clause: ${unknown.join(",")}`);
        return props;
    }

    /** [src] StructuredDataSource#canUpgradeTo (messages abbreviated). */
    private checkUpgrade(old: Source, next: Source): void {
        const issues: string[] = [];
        const say = (prop: string, a: string, b: string) =>
            issues.push(
                `DataSource '${old.name}' has ${prop} = ${a} which is not upgradeable to ${b}`,
            );
        if (old.kind !== next.kind) say("type", old.kind, next.kind);
        const topicOf = (s: Source) =>
            `${s.topic} (KEY_FORMAT ${s.keyFormat}, VALUE_FORMAT ${s.valueFormat})`;
        if (topicOf(old) !== topicOf(next)) say("topic", topicOf(old), topicOf(next));
        const render = (cols: ColumnDef[]) =>
            cols.map((c) => `\`${c.name}\` ${c.type}${c.key ? " KEY" : ""}`);
        const oldKeys = render(old.columns.filter((c) => c.key));
        const newKeys = render(next.columns.filter((c) => c.key));
        const oldValues = render(old.columns.filter((c) => !c.key));
        const newValues = render(next.columns.filter((c) => !c.key));
        // Like the server: every old column must keep its place (a set difference on columns).
        const changedKeys = oldKeys.filter((k, i) => newKeys[i] !== k);
        const changedValues = oldValues.filter((v, i) => newValues[i] !== v);
        if (changedKeys.length > 0 || changedValues.length > 0) {
            const detail =
                changedKeys.length > 0
                    ? `Key columns must be identical. The following key columns are changed, missing or reordered: [${changedKeys.join(", ")}]`
                    : `The following columns are changed, missing or reordered: [${changedValues.join(", ")}]`;
            issues.push(
                `DataSource '${old.name}' has schema = [${render(old.columns).join(", ")}] which is not upgradeable to [${render(next.columns).join(", ")}]. (${detail})`,
            );
        }
        if (issues.length > 0) this.fail(`Cannot upgrade data source: ${issues.join("\n\tAND ")}`);
    }

    /** [replace] Query upgrades: same source topic, no aggregation (ExecutionStep#validateUpgrade). */
    private checkQueryUpgrade(old: Source, next: Source): void {
        if (!old.query || !next.query) return;
        if (old.query.groupBy.length > 0 || next.query.groupBy.length > 0) {
            const fromTable = this.sources.get(old.query.from)?.kind === "TABLE";
            this.fail(
                `Upgrades not yet supported for ${fromTable ? "TableAggregate" : "StreamAggregate"}`,
            );
        }
        const oldTopic = this.sources.get(old.query.from)?.topic ?? old.query.from;
        const newTopic = this.source(next.query.from).topic;
        if (oldTopic !== newTopic) {
            this.fail(
                `Query is not upgradeable. Plan step of type StreamSource must have matching topicName. Values differ: ${oldTopic} vs. ${newTopic}`,
            );
        }
    }

    /** Output columns of a query over `from`, with the checks the analyzer makes. */
    private project(sink: string, from: Source, query: Query): ColumnDef[] {
        const column = (name: string, clause: string) =>
            from.columns.find((c) => c.name === name) ??
            this.fail(`${clause} column '${name}' cannot be resolved.`);
        for (const ref of query.whereRefs) column(ref, "WHERE");
        for (const g of query.groupBy) column(g, "GROUP BY");
        const out: ColumnDef[] = [];
        for (const item of query.select) {
            if ("star" in item) out.push(...from.columns.map((c) => ({ ...c })));
            else if ("column" in item)
                out.push({ ...column(item.column, "SELECT"), name: item.alias });
            else {
                for (const ref of item.refs) column(ref, "SELECT");
                const type =
                    FUNCTION_TYPES[item.fn] ??
                    this.fail(`fake ksqlDB: cannot type function ${item.fn}`);
                out.push({ name: item.alias, type, key: false });
            }
        }
        const keys =
            query.groupBy.length > 0
                ? query.groupBy
                : from.columns.filter((c) => c.key).map((c) => c.name);
        const missing = keys.filter((k) => !out.some((c) => c.name === k));
        if (missing.length > 0) {
            this.fail(
                `Key missing from projection (ie, SELECT). \nThe query used to build ${sink} must include the key columns ${missing.join(", ")} in its projection (eg, SELECT ${missing[0]}...).`,
            );
        }
        const names = out.map((c) => c.name);
        const dupes = names.filter((n, i) => names.indexOf(n) !== i);
        if (dupes.length > 0) this.fail(`Duplicate column names: ${dupes.join(", ")}`);
        // LogicalSchema lists key columns first, whatever the projection order.
        const typed =
            query.groupBy.length === 0
                ? out
                : out.map((c) => ({ ...c, key: keys.includes(c.name) }));
        return keysFirst(typed);
    }

    private source(name: string): Source {
        return this.sources.get(name) ?? this.fail(`${name} does not exist.`);
    }

    private fail(message: string, kind: ErrorKind = "statement"): never {
        throw new StatementError(message, this.text, kind);
    }

    /** A persistent query's Kafka Streams app failed: it stays registered, in state ERROR. */
    failQuery(id: string): void {
        const q = this.queries.get(id);
        if (!q) throw new Error(`fake ksqlDB: no query ${id}`);
        q.state = "ERROR";
    }
}

function keysFirst(cols: ColumnDef[]): ColumnDef[] {
    return [...cols.filter((c) => c.key), ...cols.filter((c) => !c.key)];
}

function running(q: PersistentQuery): Record<string, unknown> {
    return {
        queryString: q.statement,
        sinks: [q.sink],
        sinkKafkaTopics: [q.sinkTopic],
        id: q.id,
        // RunningQuery.java:78-82 / QueryStatusCount.java:69-73 (v0.29.0): `state` is ERROR when
        // any host reports ERROR.
        statusCount: { [q.state]: 1 },
        queryType: "PERSISTENT",
        state: q.state,
    };
}

/** [src] EntityUtil: a SQL type as SchemaInfo JSON; a MAP keeps only its value (EntityUtil.java:83-85). */
export function schemaInfo(type: string): Record<string, unknown> {
    const m = /^(\w+)\s*(?:<(.*)>|\((.*)\))?$/.exec(type.trim());
    const base = m?.[1] ?? type;
    const inner = m?.[2] ?? "";
    const plain = { type: base, fields: null, memberSchema: null };
    if (base === "ARRAY") return { ...plain, memberSchema: schemaInfo(inner) };
    if (base === "MAP")
        return { ...plain, memberSchema: schemaInfo(splitTopLevel(inner)[1] ?? "STRING") };
    if (base === "STRUCT") {
        const fields = splitTopLevel(inner).map((f) => {
            const [, name, t] = /^`?([^`\s]+)`?\s+(.*)$/.exec(f.trim()) ?? [];
            return { name, schema: schemaInfo(t ?? "STRING") };
        });
        return { ...plain, fields };
    }
    if (base === "DECIMAL") {
        const [precision, scale] = (m?.[3] ?? "").split(",").map((s) => Number(s.trim()));
        return { ...plain, parameters: { precision, scale } };
    }
    return plain;
}
