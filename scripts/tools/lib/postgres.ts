/** Postgres connections of the data tools: flags, then the libpq environment, then dev defaults. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Command } from "commander";
import { Client } from "pg";
import { ConnectionError, firstLine, type Endpoint, type StackOutputs } from "./endpoints";

/** Adds `--pg-host`, `--pg-port`, `--pg-user` and `--pg-database`. */
export function withPostgresOptions(cmd: Command): Command {
    return cmd
        .option(
            "--pg-host <host>",
            "Postgres host (default $PGHOST, else stack output postgresHostEndpoint, else 127.0.0.1)",
        )
        .option(
            "--pg-port <port>",
            "Postgres port (default $PGPORT, else stack output postgresHostEndpoint, else 30432)",
            Number,
        )
        .option("--pg-user <name>", "Postgres user (default $PGUSER, else ingest)")
        .option("--pg-database <name>", "database (default $PGDATABASE, else telemetry)")
        .addHelpText(
            "after",
            "\nThe Postgres password is $PGPASSWORD, else read with kubectl from the Kubernetes Secret named by\n" +
                "the stack outputs postgresPasswordSecret and namespaceName (never printed).",
        );
}

/** Parsed Postgres options. */
export interface PostgresOptions {
    pgHost?: string;
    pgPort?: number;
    pgUser?: string;
    pgDatabase?: string;
}

/** $PGPASSWORD, else the stack's Kubernetes Secret through kubectl. */
async function password(outputs: StackOutputs): Promise<{ value: string; source: string }> {
    if (process.env.PGPASSWORD) return { value: process.env.PGPASSWORD, source: "$PGPASSWORD" };
    const secret = await outputs.value("postgresPasswordSecret");
    const ns = await outputs.value("namespaceName");
    if (typeof secret !== "string" || typeof ns !== "string") {
        throw new Error(
            "no Postgres password: set $PGPASSWORD, or run from the Pulumi project with a deployed " +
                "stack that outputs postgresPasswordSecret and namespaceName",
        );
    }
    try {
        const r = await promisify(execFile)(
            "kubectl",
            ["-n", ns, "get", "secret", secret, "-o", "jsonpath={.data.password}"],
            { timeout: 30_000 },
        );
        return {
            value: Buffer.from(r.stdout.trim(), "base64").toString("utf8"),
            source: `Secret ${ns}/${secret} (${outputs.label("postgresPasswordSecret")})`,
        };
    } catch (err) {
        throw new Error(
            `cannot read the Postgres password from Secret ${ns}/${secret}: ${firstLine(err)}; set $PGPASSWORD`,
        );
    }
}

/**
 * Host and port: the flags, then $PGHOST/$PGPORT, then the stack output `postgresHostEndpoint`
 * (`host:port`), then the dev NodePort on loopback. A flag or variable for one half keeps the
 * other half's own default chain.
 */
export async function postgresAddress(
    o: PostgresOptions,
    outputs: StackOutputs,
): Promise<{ host: string; port: number; source: string }> {
    const env = process.env;
    const given = {
        host: o.pgHost ?? env.PGHOST,
        port: o.pgPort ?? (env.PGPORT ? Number(env.PGPORT) : undefined),
    };
    if (given.host !== undefined && given.port !== undefined) {
        const flags = o.pgHost !== undefined || o.pgPort !== undefined;
        return {
            host: given.host,
            port: given.port,
            source: flags ? "flags --pg-host/--pg-port" : "$PGHOST/$PGPORT",
        };
    }
    const out = await outputs.find(["postgresHostEndpoint"]);
    const m = out ? /^(.+):(\d+)$/.exec(out.value) : null;
    if (out && m) {
        return {
            host: given.host ?? m[1],
            port: given.port ?? Number(m[2]),
            source:
                given.host !== undefined || given.port !== undefined
                    ? `${out.source}, partly overridden by a flag or $PG* variable`
                    : out.source,
        };
    }
    return {
        host: given.host ?? "127.0.0.1",
        port: given.port ?? 30432,
        source:
            given.host !== undefined || given.port !== undefined
                ? "flags/$PG* variables and the dev default for the rest"
                : "the dev default (NodePort 30432; set --pg-host/--pg-port)",
    };
}

/** A connected client; a failure names the endpoint and where it and the password came from. */
export async function connectPostgres(
    o: PostgresOptions,
    outputs: StackOutputs,
    database?: string,
): Promise<{ client: Client; endpoint: Endpoint }> {
    const env = process.env;
    const db = database ?? o.pgDatabase ?? env.PGDATABASE ?? "telemetry";
    const { host, port, source } = await postgresAddress(o, outputs);
    const endpoint: Endpoint = { value: `${host}:${port}/${db}`, source };
    const pw = await password(outputs);
    const client = new Client({
        host,
        port,
        user: o.pgUser ?? env.PGUSER ?? "ingest",
        database: db,
        password: pw.value,
        connectionTimeoutMillis: 10_000,
    });
    try {
        await client.connect();
    } catch (err) {
        throw new ConnectionError(`Postgres (password from ${pw.source})`, endpoint, err);
    }
    return { client, endpoint };
}
