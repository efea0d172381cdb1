/**
 * The dynamic provider behind {@link KsqlStream} and {@link KsqlTable}: one ksqlDB stream or
 * table, either declared over a Kafka topic (columns, key, formats) or derived with
 * `CREATE … AS SELECT` (and then fed by a persistent query).
 *
 * - diff: `CREATE OR REPLACE` only where ksqlDB upgrades in place — a new filter, columns or
 *   projections appended at the end — and a replacement (drop, then create) for anything else:
 *   name, kind, topic, formats, key columns, source, grouping, reordered or removed columns.
 *   https://docs.ksqldb.io/how-to-guides/update-a-running-persistent-query/
 * - read: `DESCRIBE … EXTENDED`; the observed kind, topic, formats and columns replace the
 *   declared ones so drift shows in the next diff, a derived source whose query is no longer
 *   running is restarted, and a source dropped out of band is reported gone.
 * - delete: terminate the queries that read from or write into the source (ids found at delete
 *   time; they are not stable), then `DROP … IF EXISTS [DELETE TOPIC]`. Streams or tables built
 *   from this one block the drop in ksqlDB 0.15+; the provider fails before terminating anything,
 *   also when the topic is gone (DESCRIBE then reports no constraints: the DROP is tried first).
 *   DELETE TOPIC is left out while another source still uses the topic, which ksqlDB refuses
 *   (TopicDeleteInjector.java:175-195 in 0.29.0); the last source over it deletes it.
 * - query health: a feeding query in state ERROR shows in `queryState`; an apply then fails
 *   (`onQueryError: "fail"`, the default) or terminates and re-creates it (`"restart"`).
 * - A stored `commandSequenceNumber` is only a hint (see ./client): a redeployed server never
 *   reaches it.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
    describeSource,
    executeCommand,
    KsqlError,
    listSources,
    sequenceHint,
    type KsqlCallOptions,
    type KsqlRunningQuery,
    type SequenceHint,
    type KsqlSourceDescription,
} from "./client";
import { diffKsqlSource } from "./diff";
import {
    KSQL_PROVIDER_VERSION,
    normalizeKsqlInputs,
    type KsqlSourceInputs,
    type KsqlSourceOutputs,
} from "./inputs";
import {
    createStatement,
    dropStatement,
    isDerived,
    normalizeType,
    schemaToType,
    terminateStatement,
    type KsqlColumn,
} from "./sql";
import { withoutUndefined } from "../wire";

export { diffKsqlSource, KSQL_PROVIDER_VERSION };
export { sameValue } from "./diff";
export type { KsqlSourceInputs, KsqlSourceOutputs } from "./inputs";

/** The provider; every method builds its own client from the inputs (nothing is captured). */
export const ksqlSourceProvider: pulumi.dynamic.ResourceProvider = {
    check(_olds: unknown, news: Record<string, unknown>) {
        return Promise.resolve(normalizeKsqlInputs(news));
    },

    diff(_id: string, olds: KsqlSourceOutputs, news: KsqlSourceInputs) {
        return Promise.resolve(diffKsqlSource(olds, news));
    },

    async create(inputs: KsqlSourceInputs & { __provider?: unknown }) {
        const opts = { ...callOptions(inputs), streamsProperties: inputs.streamsProperties };
        const result = await executeCommand(opts, createStatement(inputs, false));
        const outs = await observe(inputs, result.commandSequenceNumber);
        const id = inputs.name;
        return { id, outs: await healthy(id, inputs, outs, inputs.__provider) };
    },

    async read(id: string, props: KsqlSourceOutputs) {
        const desc = await describeSource(callOptions(props), props.name);
        if (!desc) return {};
        const observed = refreshed(props, desc);
        return { id, props: observed, inputs: inputsOf(observed) };
    },

    async update(
        id: string,
        olds: KsqlSourceOutputs,
        news: KsqlSourceInputs & { __provider?: unknown },
    ) {
        const opts = {
            ...callOptions(news),
            sequenceHint: sequenceHint(olds.commandSequenceNumber),
        };
        const live = await describeSource(opts, news.name);
        let seq = olds.commandSequenceNumber ?? -1;
        const write = async (statement: string, extra: Partial<KsqlCallOptions> = {}) => {
            const fresh = seq !== olds.commandSequenceNumber;
            const result = await executeCommand(
                {
                    ...opts,
                    ...(fresh ? { commandSequenceNumber: seq } : {}),
                    ...extra,
                },
                statement,
            );
            seq = result.commandSequenceNumber;
        };
        const feeding = feedingQuery(live);
        if (feeding?.state === "ERROR") {
            if (news.onQueryError !== "restart") throw queryFailed(news, feeding);
            // Terminated first: CREATE OR REPLACE of a registered aggregate is refused, of an
            // unregistered one starts a new query (QueryRegistryImpl.java:453-455 in 0.29.0).
            await write(terminateStatement(feeding.id));
        }
        const restart = isDerived(news) && (!feeding || feeding.state === "ERROR");
        if (!live || restart || createStatement(olds, false) !== createStatement(news, false)) {
            const statement = createStatement(news, live !== undefined);
            await write(statement, { streamsProperties: news.streamsProperties });
        }
        const hint = seq === olds.commandSequenceNumber ? opts.sequenceHint : undefined;
        const outs = await observe(news, seq, hint);
        return { outs: await healthy(id, news, outs, news.__provider) };
    },

    async delete(_id: string, props: KsqlSourceOutputs) {
        const opts = {
            ...callOptions(props),
            sequenceHint: sequenceHint(props.commandSequenceNumber),
        };
        const desc = await describeSource(opts, props.name);
        if (!desc || desc.type !== props.kind) return;
        const refuse = (dependents: readonly string[]) =>
            new Error(
                `cannot drop ${props.kind} ${props.name}: ${dependents.join(", ")} ` +
                    "were created from it and ksqlDB refuses to drop a source other streams or " +
                    "tables read from. Delete them first (declare them with dependsOn on this " +
                    "resource so Pulumi orders it), then retry.",
            );
        const derived = [...desc.readQueries]
            .filter((q) => /^\s*CREATE\b/i.test(q.queryString))
            .flatMap((q) => q.sinks ?? [])
            .filter((s) => s !== props.name);
        const dependents = [...new Set([...(desc.sourceConstraints ?? []), ...derived])].sort();
        if (dependents.length > 0) throw refuse(dependents);
        const deleteTopic = props.deleteTopic === true && !(await topicShared(opts, props, desc));
        const drop = dropStatement(props.kind, props.name, deleteTopic);
        let seq: number | undefined;
        const run = async (statement: string) => {
            const r = await executeCommand({ ...opts, commandSequenceNumber: seq }, statement);
            seq = r.commandSequenceNumber;
        };
        if (desc.topicError !== undefined) {
            // The topic could not be described, so ksqlDB left `sourceConstraints` empty
            // (ListSourceExecutor.java:296-303 in 0.29.0). The DROP is validated before it runs:
            // try it before terminating anything, and refuse if other sources block it.
            try {
                return await run(drop);
            } catch (e) {
                const blocked = e instanceof KsqlError ? blockingSources(e.serverMessage) : [];
                if (blocked.length > 0) throw refuse(blocked);
                if (!(e instanceof KsqlError && /You need to terminate them/.test(e.serverMessage)))
                    throw e;
            }
        }
        const ids = new Set([...desc.writeQueries, ...desc.readQueries].map((q) => q.id));
        for (const id of ids) {
            try {
                await run(terminateStatement(id));
            } catch (e) {
                // Gone since DESCRIBE (e.g. dropped with its source): fine; anything else is not.
                const again = await describeSource(opts, props.name);
                const still = [...(again?.writeQueries ?? []), ...(again?.readQueries ?? [])];
                if (still.some((q) => q.id === id)) throw e;
            }
        }
        try {
            await run(drop);
        } catch (e) {
            // Another source took the topic since the check: drop the source, keep the topic.
            const shared =
                e instanceof KsqlError && /^Refusing to delete topic\./.test(e.serverMessage);
            if (!shared) throw e;
            await run(dropStatement(props.kind, props.name, false));
        }
    },
};

/** The sources named by ksqlDB's "streams and/or tables read from this source" DROP refusal. */
function blockingSources(message: string): string[] {
    const m = /streams and\/or tables read from this source: \[([^\]]*)\]/.exec(message);
    return m
        ? m[1]
              .split(",")
              .map((s) => s.trim())
              .filter((s) => s)
        : [];
}

/** True when another stream or table uses this source's topic (DELETE TOPIC would be refused). */
async function topicShared(
    opts: KsqlCallOptions,
    props: KsqlSourceOutputs,
    desc: KsqlSourceDescription,
): Promise<boolean> {
    const sources = await listSources(opts);
    return sources.some((s) => s.topic === desc.topic && s.name !== props.name);
}

/** The error for a feeding query in ERROR under the "fail" policy. */
function queryFailed(inputs: KsqlSourceInputs, q: KsqlRunningQuery): KsqlError {
    return new KsqlError(
        `EXPLAIN ${q.id};`,
        `the persistent query ${q.id} feeding ${inputs.kind} ${inputs.name} is in state ERROR ` +
            "(its Kafka Streams application failed; `EXPLAIN " +
            `${q.id};\` in the ksqlDB CLI shows the errors). Fix the cause and run \`pulumi up\` ` +
            'again, or set onQueryError: "restart" to terminate and re-create it on apply.',
    );
}

/**
 * Outputs after a write, checked for query health: a feeding query in ERROR restarts once under
 * "restart" (terminate, then CREATE OR REPLACE) and otherwise fails the apply. The failure
 * carries the id and outputs so the engine records the source (a partial failure, not an orphan).
 */
async function healthy(
    id: string,
    inputs: KsqlSourceInputs,
    outs: KsqlSourceOutputs,
    providerRef: unknown,
): Promise<KsqlSourceOutputs> {
    if (outs.queryState !== "ERROR") return outs;
    let current = outs;
    if (inputs.onQueryError === "restart") {
        const opts = { ...callOptions(inputs), commandSequenceNumber: outs.commandSequenceNumber };
        const term = await executeCommand(opts, terminateStatement(outs.queryId));
        const r = await executeCommand(
            {
                ...opts,
                commandSequenceNumber: term.commandSequenceNumber,
                streamsProperties: inputs.streamsProperties,
            },
            createStatement(inputs, true),
        );
        current = await observe(inputs, r.commandSequenceNumber);
        if (current.queryState !== "ERROR") return current;
    }
    const err = queryFailed(inputs, { id: current.queryId, queryString: "", state: "ERROR" });
    const properties = withoutUndefined({ ...current, __provider: providerRef });
    throw Object.assign(err, { id, properties, reasons: [err.message] });
}

/** The input part of a state, for diffs after a refresh; absent fields left out (see ./wire). */
function inputsOf(o: KsqlSourceOutputs): KsqlSourceInputs {
    const inputs: KsqlSourceInputs = {
        ksqlUrl: o.ksqlUrl,
        kind: o.kind,
        name: o.name,
        topic: o.topic,
        columns: o.columns,
        keyFormat: o.keyFormat,
        valueFormat: o.valueFormat,
        select: o.select,
        from: o.from,
        where: o.where,
        groupBy: o.groupBy,
        streamsProperties: o.streamsProperties,
        deleteTopic: o.deleteTopic,
        waitTimeoutSeconds: o.waitTimeoutSeconds,
        onQueryError: o.onQueryError,
        endpointHint: o.endpointHint,
        basicAuth: o.basicAuth,
        providerVersion: o.providerVersion,
    };
    return withoutUndefined(inputs);
}

function callOptions(inputs: KsqlSourceInputs): KsqlCallOptions {
    return {
        url: inputs.ksqlUrl,
        deadlineMs: (inputs.waitTimeoutSeconds ?? 120) * 1000,
        basicAuth: inputs.basicAuth,
        endpointHint: inputs.endpointHint,
    };
}

/**
 * DESCRIBE after a write (waiting for `seq`), or with the stored number as a mere `hint` when
 * nothing was written in this operation, and the outputs built from it.
 */
async function observe(
    inputs: KsqlSourceInputs,
    seq: number,
    hint?: SequenceHint,
): Promise<KsqlSourceOutputs> {
    const desc = await describeSource(
        {
            ...callOptions(inputs),
            ...(hint ? { sequenceHint: hint } : { commandSequenceNumber: seq }),
        },
        inputs.name,
    );
    if (!desc) {
        const what = `${inputs.kind} ${inputs.name}`;
        throw new KsqlError(
            createStatement(inputs, false),
            `${what} is missing right after it was written`,
        );
    }
    const query = feedingQuery(desc);
    return {
        ...inputs,
        kafkaTopic: desc.topic,
        schemaColumns: observedColumns(desc, inputs.columns),
        queryId: query?.id ?? "",
        queryState: query?.state ?? "",
        statementText: desc.statement,
        // A hint this server never reached is not kept (it would cost every later call a wait).
        commandSequenceNumber: hint?.stale ? -1 : seq,
    };
}

/** State after a refresh: observed values replace the declared ones they correspond to. */
function refreshed(props: KsqlSourceOutputs, desc: KsqlSourceDescription): KsqlSourceOutputs {
    const columns = observedColumns(desc, props.columns);
    const keyless = !columns.some((c) => c.key);
    // A keyless stream may report its key format as NONE; that is not drift.
    const keyFormat = keyless && desc.keyFormat === "NONE" ? props.keyFormat : desc.keyFormat;
    const query = feedingQuery(desc);
    return {
        ...props,
        kind: desc.type,
        ...(isDerived(props) ? {} : { columns }),
        ...(props.topic !== undefined ? { topic: desc.topic } : {}),
        ...(props.keyFormat !== undefined ? { keyFormat } : {}),
        ...(props.valueFormat !== undefined ? { valueFormat: desc.valueFormat } : {}),
        kafkaTopic: desc.topic,
        schemaColumns: columns,
        queryId: query?.id ?? "",
        queryState: query?.state ?? "",
        statementText: desc.statement,
    };
}

/**
 * Columns as DESCRIBE reports them. DESCRIBE's schema JSON has no map key type (a MAP is only
 * its value `memberSchema`: EntityUtil.java:83-85 in ksqlDB 0.29.0), so a declared
 * `MAP<INTEGER, V>` reads back as `MAP<STRING, V>`:
 * where the two differ only in map key types, the declared type is kept.
 */
function observedColumns(
    desc: KsqlSourceDescription,
    declared: readonly KsqlColumn[] | undefined,
): KsqlColumn[] {
    return (
        desc.fields
            // Value columns carry no `type` (absent or null); HEADER columns are not declared ones.
            .filter((f) => !f.type || f.type === "KEY")
            .map((f) => {
                const type = schemaToType(f.schema);
                const mine = declared?.find((c) => c.name === f.name)?.type;
                const keep = mine !== undefined && withStringMapKeys(mine) === type;
                return { name: f.name, type: keep ? mine : type, key: f.type === "KEY" };
            })
    );
}

/** A type with every map key type replaced by STRING, as DESCRIBE renders it. */
function withStringMapKeys(type: string): string {
    return normalizeType(type).replace(/MAP<[A-Z]+(\(\d+, \d+\))?, /g, "MAP<STRING, ");
}

/** The `CREATE … AS SELECT` query writing into the source (INSERT INTO queries excluded). */
function feedingQuery(desc: KsqlSourceDescription | undefined) {
    return desc?.writeQueries.find((q) => /^\s*CREATE\b/i.test(q.queryString));
}
