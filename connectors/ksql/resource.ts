/**
 * ksqlDB streams and tables as Pulumi resources ({@link KsqlStream}, {@link KsqlTable}), backed by
 * the provider in ./provider. Each resource is one source, in one of two forms:
 *
 * - over a topic: `topic`, `columns` (with `key`), `valueFormat`, optional `keyFormat` →
 *   `CREATE STREAM|TABLE name (…) WITH (KAFKA_TOPIC=…, …)`. The topic must already exist.
 * - derived: `from`, optional `select` (default `*`), `where`, `groupBy` (tables), and optional
 *   sink `topic`/formats → `CREATE STREAM|TABLE name AS SELECT … EMIT CHANGES`, fed by a
 *   persistent query.
 *
 * Updates use `CREATE OR REPLACE` where ksqlDB allows it in place (a new filter; columns or
 * projections appended at the end); every other change replaces the source, dropping it first
 * (the name is unique). `streamsProperties` apply when a statement runs and change nothing by
 * themselves. A derived `SELECT *` is expanded when the source is created: after appending
 * columns upstream, change the derived source (or replace it) to pick them up.
 */
import * as pulumi from "@pulumi/pulumi";
import { providerRef } from "../providerRef";
import { KSQL_PROVIDER_VERSION } from "./provider";
import type { KsqlColumn, KsqlSourceKind } from "./sql";

export type { KsqlColumn } from "./sql";

/** Arguments of {@link KsqlStream}. */
export interface KsqlStreamArgs {
    /** ksqlDB REST root, e.g. `http://ksqldb.ingest.svc:8088`. */
    readonly ksqlUrl: pulumi.Input<string>;
    /** Stream name; upper-cased unless back-quoted. Changing it replaces the stream. */
    readonly name: pulumi.Input<string>;
    /** Kafka topic: required over a topic; the sink topic of a derived stream (default: the name). */
    readonly topic?: pulumi.Input<string>;
    /** Columns of a stream over a topic. Appending is in place; other changes replace. */
    readonly columns?: pulumi.Input<pulumi.Input<KsqlColumn>[]>;
    /** `KEY_FORMAT`. Defaults to the server's (`KAFKA`), or the source's for a derived stream. */
    readonly keyFormat?: pulumi.Input<string>;
    /** `VALUE_FORMAT`, e.g. `JSON`. Required over a topic; inherited by a derived stream. */
    readonly valueFormat?: pulumi.Input<string>;
    /** Source stream or table of a derived stream. Changing it replaces the stream. */
    readonly from?: pulumi.Input<string>;
    /** Projection of a derived stream. Defaults to `["*"]`; appending is in place. */
    readonly select?: pulumi.Input<pulumi.Input<string>[]>;
    /** `WHERE` condition of a derived stream, as SQL. Changes apply in place. */
    readonly where?: pulumi.Input<string>;
    /** `streamsProperties` of the CREATE, e.g. `{ "auto.offset.reset": "earliest" }`. Defaults to none. */
    readonly streamsProperties?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Delete the Kafka topic when the stream is dropped. Defaults to false, so data is kept. */
    readonly deleteTopic?: pulumi.Input<boolean>;
    /** Seconds to retry transient errors (503, server starting) and wait for commands. Defaults to 120. */
    readonly waitTimeoutSeconds?: pulumi.Input<number>;
    /**
     * What an apply does when the feeding query of a derived stream/table is in state ERROR
     * (shown in `queryState` after a refresh): `"fail"` (the default) or `"restart"` (terminate
     * it and re-create it with `CREATE OR REPLACE`).
     */
    readonly onQueryError?: pulumi.Input<"fail" | "restart">;
    /**
     * Named in the error when ksqlDB cannot be reached: the config key behind `ksqlUrl` and what to
     * check. Not diffed. Defaults to a hint naming `ksqldb.url` and the dev NodePort mapping.
     */
    readonly endpointHint?: pulumi.Input<string>;
    /**
     * HTTP basic-auth credentials for the ksqlDB REST API (`authentication.method=BASIC`). The
     * password is stored as a secret output, never in plaintext state. Defaults to none.
     */
    readonly basicAuth?: pulumi.Input<{
        readonly username: pulumi.Input<string>;
        readonly password: pulumi.Input<string>;
    }>;
    /** Provider behaviour version; defaults to the current one, bump to re-apply. */
    readonly providerVersion?: pulumi.Input<string>;
}

/** Arguments of {@link KsqlTable}: those of a stream plus `GROUP BY`. */
export interface KsqlTableArgs extends KsqlStreamArgs {
    /** `GROUP BY` expressions of a derived (aggregating) table. Any change of an aggregation replaces it. */
    readonly groupBy?: pulumi.Input<pulumi.Input<string>[]>;
}

function props(kind: KsqlSourceKind, args: KsqlTableArgs): pulumi.Inputs {
    // Field by field: only declared inputs reach the provider.
    return {
        ksqlUrl: args.ksqlUrl,
        kind,
        name: args.name,
        topic: args.topic,
        columns: args.columns,
        keyFormat: args.keyFormat,
        valueFormat: args.valueFormat,
        from: args.from,
        select: args.select,
        where: args.where,
        groupBy: args.groupBy,
        streamsProperties: args.streamsProperties,
        deleteTopic: args.deleteTopic,
        waitTimeoutSeconds: args.waitTimeoutSeconds,
        onQueryError: args.onQueryError,
        endpointHint: args.endpointHint,
        // Secret as an input too: dynamic resources keep their inputs in state.
        basicAuth: args.basicAuth === undefined ? undefined : pulumi.secret(args.basicAuth),
        providerVersion: args.providerVersion ?? KSQL_PROVIDER_VERSION,
        kafkaTopic: undefined,
        schemaColumns: undefined,
        queryId: undefined,
        queryState: undefined,
        statementText: undefined,
        commandSequenceNumber: undefined,
    };
}

/**
 * Registers under `pulumi-nodejs:dynamic/ingest:*` like every other resource; the alias keeps
 * stacks created under the former `dynamic/ksql:*` token from replacing their streams.
 */
function withOldType(
    opts: pulumi.CustomResourceOptions | undefined,
    kind: string,
): pulumi.CustomResourceOptions {
    return {
        ...opts,
        aliases: [...(opts?.aliases ?? []), { type: `pulumi-nodejs:dynamic/ksql:${kind}` }],
        // The credentials echo into the outputs; keep them encrypted in state.
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "basicAuth"],
    };
}

/** A small shim in state; it loads `ksqlSourceProvider` from ./provider at run time. */
const ksqlSourceProviderRef = () => providerRef("connectors/ksql/provider", "ksqlSourceProvider");

/** What ksqlDB reports for a stream or table; shared by {@link KsqlStream} and {@link KsqlTable}. */
abstract class KsqlSource extends pulumi.dynamic.Resource {
    /** Name as ksqlDB stores it. */
    declare public readonly name: pulumi.Output<string>;
    /** The Kafka topic behind it. */
    declare public readonly kafkaTopic: pulumi.Output<string>;
    /** Columns as ksqlDB describes them. */
    declare public readonly schemaColumns: pulumi.Output<KsqlColumn[]>;
    /** Persistent query feeding a derived stream or table; `""` over a topic. */
    declare public readonly queryId: pulumi.Output<string>;
    /** State of that query as ksqlDB reports it (`RUNNING`, `ERROR`); `""` without one. */
    declare public readonly queryState: pulumi.Output<string>;
    /** The statement ksqlDB stored. */
    declare public readonly statementText: pulumi.Output<string>;
}

/** A ksqlDB stream, over a topic or derived with `CREATE STREAM … AS SELECT`. */
export class KsqlStream extends KsqlSource {
    constructor(name: string, args: KsqlStreamArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            ksqlSourceProviderRef(),
            name,
            props("STREAM", args),
            withOldType(opts, "KsqlStream"),
            "ingest",
            "KsqlStream",
        );
    }
}

/** A ksqlDB table, over a topic (with a PRIMARY KEY) or derived with `CREATE TABLE … AS SELECT`. */
export class KsqlTable extends KsqlSource {
    constructor(name: string, args: KsqlTableArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            ksqlSourceProviderRef(),
            name,
            props("TABLE", args),
            withOldType(opts, "KsqlTable"),
            "ingest",
            "KsqlTable",
        );
    }
}
