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
 *   from this one block the drop in ksqlDB 0.15+; the provider fails before terminating anything.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
    describeSource,
    executeCommand,
    KsqlError,
    type KsqlCallOptions,
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

    async create(inputs: KsqlSourceInputs) {
        const opts = { ...callOptions(inputs), streamsProperties: inputs.streamsProperties };
        const result = await executeCommand(opts, createStatement(inputs, false));
        const outs = await observe(inputs, result.commandSequenceNumber);
        return { id: inputs.name, outs };
    },

    async read(id: string, props: KsqlSourceOutputs) {
        const desc = await describeSource(callOptions(props), props.name);
        if (!desc) return {};
        const observed = refreshed(props, desc);
        return { id, props: observed, inputs: inputsOf(observed) };
    },

    async update(_id: string, olds: KsqlSourceOutputs, news: KsqlSourceInputs) {
        const opts = callOptions(news);
        const live = await describeSource(opts, news.name);
        let seq = olds.commandSequenceNumber ?? -1;
        const restart = isDerived(news) && !feedingQuery(live);
        if (!live || restart || createStatement(olds, false) !== createStatement(news, false)) {
            const statement = createStatement(news, live !== undefined);
            const result = await executeCommand(
                { ...opts, streamsProperties: news.streamsProperties, commandSequenceNumber: seq },
                statement,
            );
            seq = result.commandSequenceNumber;
        }
        return { outs: await observe(news, seq) };
    },

    async delete(_id: string, props: KsqlSourceOutputs) {
        const opts = callOptions(props);
        const desc = await describeSource(opts, props.name);
        if (!desc || desc.type !== props.kind) return;
        const dependents = desc.sourceConstraints ?? [];
        if (dependents.length > 0) {
            throw new Error(
                `cannot drop ${props.kind} ${props.name}: ${dependents.join(", ")} ` +
                    "were created from it and ksqlDB refuses to drop a source other streams or " +
                    "tables read from. Delete them first (declare them with dependsOn on this " +
                    "resource so Pulumi orders it), then retry.",
            );
        }
        let seq = props.commandSequenceNumber ?? -1;
        const ids = new Set([...desc.writeQueries, ...desc.readQueries].map((q) => q.id));
        for (const id of ids) {
            try {
                const r = await executeCommand(
                    { ...opts, commandSequenceNumber: seq },
                    terminateStatement(id),
                );
                seq = r.commandSequenceNumber;
            } catch (e) {
                // Gone since DESCRIBE (e.g. dropped with its source): fine; anything else is not.
                const again = await describeSource(opts, props.name);
                const still = [...(again?.writeQueries ?? []), ...(again?.readQueries ?? [])];
                if (still.some((q) => q.id === id)) throw e;
            }
        }
        const drop = dropStatement(props.kind, props.name, props.deleteTopic === true);
        await executeCommand({ ...opts, commandSequenceNumber: seq }, drop);
    },
};

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
        providerVersion: o.providerVersion,
    };
    return withoutUndefined(inputs);
}

function callOptions(inputs: KsqlSourceInputs): KsqlCallOptions {
    return {
        url: inputs.ksqlUrl,
        deadlineMs: (inputs.waitTimeoutSeconds ?? 120) * 1000,
    };
}

/** DESCRIBE after a write (waiting for `seq`) and the outputs built from it. */
async function observe(inputs: KsqlSourceInputs, seq: number): Promise<KsqlSourceOutputs> {
    const desc = await describeSource(
        { ...callOptions(inputs), commandSequenceNumber: seq },
        inputs.name,
    );
    if (!desc) {
        const what = `${inputs.kind} ${inputs.name}`;
        throw new KsqlError(
            createStatement(inputs, false),
            `${what} is missing right after it was written`,
        );
    }
    return {
        ...inputs,
        kafkaTopic: desc.topic,
        schemaColumns: observedColumns(desc),
        queryId: feedingQuery(desc)?.id ?? "",
        statementText: desc.statement,
        commandSequenceNumber: seq,
    };
}

/** State after a refresh: observed values replace the declared ones they correspond to. */
function refreshed(props: KsqlSourceOutputs, desc: KsqlSourceDescription): KsqlSourceOutputs {
    const columns = observedColumns(desc);
    const keyless = !columns.some((c) => c.key);
    // A keyless stream may report its key format as NONE; that is not drift.
    const keyFormat = keyless && desc.keyFormat === "NONE" ? props.keyFormat : desc.keyFormat;
    return {
        ...props,
        kind: desc.type,
        ...(isDerived(props) ? {} : { columns }),
        ...(props.topic !== undefined ? { topic: desc.topic } : {}),
        ...(props.keyFormat !== undefined ? { keyFormat } : {}),
        ...(props.valueFormat !== undefined ? { valueFormat: desc.valueFormat } : {}),
        kafkaTopic: desc.topic,
        schemaColumns: columns,
        queryId: feedingQuery(desc)?.id ?? "",
        statementText: desc.statement,
    };
}

function observedColumns(desc: KsqlSourceDescription): KsqlColumn[] {
    return (
        desc.fields
            // Value columns carry no `type` (absent or null); HEADER columns are not declared ones.
            .filter((f) => !f.type || f.type === "KEY")
            .map((f) => ({ name: f.name, type: schemaToType(f.schema), key: f.type === "KEY" }))
    );
}

/** The `CREATE … AS SELECT` query writing into the source (INSERT INTO queries excluded). */
function feedingQuery(desc: KsqlSourceDescription | undefined) {
    return desc?.writeQueries.find((q) => /^\s*CREATE\b/i.test(q.queryString));
}
