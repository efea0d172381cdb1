/**
 * The diff of the ksqlDB stream/table provider: which changes ksqlDB applies in place with
 * `CREATE OR REPLACE` and which force a replacement. Pure, so it runs in preview; values not known
 * yet (the engine's unknown sentinel) count as changed.
 *
 * In place (https://docs.ksqldb.io/how-to-guides/update-a-running-persistent-query/,
 * and ksqlDB's `StructuredDataSource#canUpgradeTo`): a new `WHERE`, columns appended to a source
 * over a topic, projections appended to a derived source, a query that stopped running.
 * Replacement: name, kind, topic, formats, key columns, removed/reordered/retyped columns or
 * projections, a new source (`from`), and any query change of an aggregation (`groupBy`).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { KsqlSourceInputs, KsqlSourceOutputs } from "./inputs";
import { isDerived, type KsqlColumn } from "./sql";

/** Fields whose change only needs new state; every other difference is handled below. */
const STATE_ONLY = [
    "ksqlUrl",
    "streamsProperties",
    "deleteTopic",
    "waitTimeoutSeconds",
    "onQueryError",
    "basicAuth",
    "providerVersion",
];

/**
 * Decides how a change is applied: `replaces` lists fields ksqlDB cannot change in place.
 * Pure, so it runs in preview; values not known yet count as changed.
 */
export function diffKsqlSource(
    olds: KsqlSourceOutputs,
    news: KsqlSourceInputs,
): pulumi.dynamic.DiffResult {
    const replaces: string[] = [];
    const updates: string[] = [];
    const differs = (k: keyof KsqlSourceInputs) => !sameValue(olds[k], news[k]);
    for (const k of ["kind", "name", "topic", "keyFormat", "valueFormat"] as const) {
        if (differs(k)) replaces.push(k);
    }
    if (isDerived(olds) !== isDerived(news)) {
        replaces.push(isDerived(news) ? "from" : "columns");
    } else if (!isDerived(news)) {
        if (differs("columns")) {
            const inPlace = appendsOnly(olds.columns ?? [], news.columns);
            (inPlace ? updates : replaces).push("columns");
        }
    } else {
        const aggregate = (olds.groupBy?.length ?? 0) > 0 || (news.groupBy?.length ?? 0) > 0;
        if (differs("from")) replaces.push("from");
        if (differs("groupBy")) replaces.push("groupBy");
        if (differs("select")) {
            const inPlace = !aggregate && appendsOnly(olds.select ?? ["*"], news.select);
            (inPlace ? updates : replaces).push("select");
        }
        if (differs("where")) (aggregate ? replaces : updates).push("where");
        // Refresh found the feeding query gone: CREATE OR REPLACE starts it again.
        if (!olds.queryId) updates.push("queryId");
        // Refresh found it failed: the update fails or restarts it (onQueryError).
        else if (olds.queryState === "ERROR") updates.push("queryState");
    }
    for (const k of STATE_ONLY) if (differs(k as keyof KsqlSourceInputs)) updates.push(k);
    return {
        changes: replaces.length + updates.length > 0,
        replaces,
        // The name is the identity in ksqlDB: the old source must go before the new one exists.
        deleteBeforeReplace: true,
    };
}

/** True when `next` keeps every element of `prev` in place and only adds at the end. */
function appendsOnly<T>(prev: readonly T[], next: readonly T[] | undefined): boolean {
    if (!Array.isArray(next) || isUnknown(next)) return false;
    const keys = (xs: readonly T[]) => xs.filter((x) => (x as KsqlColumn).key === true);
    if (!sameValue(keys(prev), keys(next))) return false;
    return next.length >= prev.length && prev.every((x, i) => sameValue(x, next[i]));
}

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function isUnknown(v: unknown): boolean {
    return v === UNKNOWN || (Array.isArray(v) && v.some(isUnknown));
}

/** Deep equality that ignores key order and treats missing, undefined and null alike. */
export function sameValue(a: unknown, b: unknown): boolean {
    if (isUnknown(a) || isUnknown(b)) return false;
    if (a === undefined || a === null) return b === undefined || b === null;
    if (Array.isArray(a)) {
        return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
    }
    if (typeof a === "object") {
        if (typeof b !== "object" || b === null || Array.isArray(b)) return false;
        const ra = a as Record<string, unknown>;
        const rb = b as Record<string, unknown>;
        const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
        return [...keys].every((k) => sameValue(ra[k], rb[k]));
    }
    return a === b;
}
