/** What every data tool shares: the stack/endpoint options, pacing, and one-line failures. */
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { StackOutputs, resolveEndpoint, type Endpoint } from "./endpoints";

/** Stack outputs that hold the host's Kafka bootstrap servers, best first. */
export const KAFKA_OUTPUT_KEYS = ["kafkaHostBootstrapServers", "kafkaBootstrapServers"] as const;

/** A new tool command with `--stack` (the option every tool has). */
export function toolCommand(name: string, description: string): Command {
    return new Command(name)
        .description(description)
        .option(
            "--stack <name>",
            "Pulumi stack whose outputs give the endpoints (default: the selected stack)",
        )
        .showHelpAfterError();
}

/** Adds `--kafka` and the producer tuning options. */
export function withKafkaOptions(cmd: Command, topic: string): Command {
    return cmd
        .option(
            "--kafka <servers>",
            "bootstrap servers (default: stack output kafkaHostBootstrapServers)",
        )
        .option("--topic <name>", "topic to produce to", topic)
        .option("--batch <records>", "records per send", positiveInt, 1000)
        .option("--in-flight <sends>", "sends in flight at once", positiveInt, 4)
        .option("--compression <codec>", "gzip or none", codec, "gzip")
        .option(
            "--no-idempotence",
            "turn off the idempotent producer (faster, may duplicate on retry)",
        )
        .option(
            "--sasl-user <name>",
            "SASL user (prod: producer); the password is read from $KAFKA_SASL_PASSWORD",
        )
        .option(
            "--sasl-mechanism <name>",
            "plain, scram-sha-256 or scram-sha-512 (prod's listeners)",
            saslMechanism,
            "scram-sha-512",
        )
        .option(
            "--ca-file <pem>",
            "use TLS, trusting this CA certificate (prod: the kafka-ca ConfigMap's ca.crt)",
        );
}

/** Kafka options after parsing. */
export interface KafkaOptions {
    stack?: string;
    kafka?: string;
    topic: string;
    batch: number;
    inFlight: number;
    compression: "gzip" | "none";
    idempotence: boolean;
    saslUser?: string;
    saslMechanism: "plain" | "scram-sha-256" | "scram-sha-512";
    caFile?: string;
}

/** The producer settings of `o` (SASL password from the environment, never from a flag). */
export function producerSettings(o: KafkaOptions, kafka: Endpoint, clientId: string) {
    const password = process.env.KAFKA_SASL_PASSWORD;
    if (o.saslUser !== undefined && !password) {
        throw new Error("--sasl-user needs the password in $KAFKA_SASL_PASSWORD");
    }
    return {
        kafka,
        topic: o.topic,
        batchRecords: o.batch,
        inFlight: o.inFlight,
        compression: o.compression,
        idempotent: o.idempotence,
        clientId,
        sasl:
            o.saslUser !== undefined
                ? { mechanism: o.saslMechanism, username: o.saslUser, password: password! }
                : undefined,
        tls: o.caFile !== undefined ? { ca: readCaFile(o.caFile) } : undefined,
    };
}

function readCaFile(file: string): string {
    let pem: string;
    try {
        pem = readFileSync(file, "utf8");
    } catch (e) {
        throw new Error(`--ca-file ${file}: ${(e as Error).message}`);
    }
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
        throw new Error(`--ca-file ${file}: not a PEM certificate (no BEGIN CERTIFICATE line)`);
    }
    return pem;
}

function saslMechanism(v: string): KafkaOptions["saslMechanism"] {
    if (v !== "plain" && v !== "scram-sha-256" && v !== "scram-sha-512") {
        throw new InvalidArgumentError("must be plain, scram-sha-256 or scram-sha-512");
    }
    return v;
}

/** Resolves the Kafka endpoint from `--kafka` or the stack outputs. */
export function kafkaEndpoint(
    o: KafkaOptions,
    outputs = new StackOutputs(o.stack),
): Promise<Endpoint> {
    return resolveEndpoint(
        "Kafka bootstrap servers",
        "--kafka",
        o.kafka,
        outputs,
        KAFKA_OUTPUT_KEYS,
    );
}

/** commander parser: an integer ≥ 1. */
export function positiveInt(v: string): number {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be an integer ≥ 1");
    return n;
}

/** commander parser: an integer ≥ 0. */
export function nonNegativeInt(v: string): number {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be an integer ≥ 0");
    return n;
}

/** commander parser: a number > 0. */
export function positiveNumber(v: string): number {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a number > 0");
    return n;
}

function codec(v: string): "gzip" | "none" {
    if (v !== "gzip" && v !== "none") throw new InvalidArgumentError("must be gzip or none");
    return v;
}

/** Runs `main`; any error is printed as one line and the process exits 1. */
export function runTool(main: () => Promise<number | void>): void {
    main().then(
        (code) => {
            process.exitCode = code ?? 0;
        },
        (err: unknown) => {
            console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
            process.exitCode = 1;
        },
    );
}

/** Human figures for summaries. */
export function formatBytes(n: number): string {
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
    return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Calls `tick(i)` `count` times at `ratePerSecond` (or as fast as `tick` allows when rate is
 * undefined), awaiting each; stops early when `until` passes. Resolves with the ticks made.
 */
export async function paced(
    count: number,
    ratePerSecond: number | undefined,
    tick: (i: number) => Promise<void>,
    until = Number.POSITIVE_INFINITY,
): Promise<number> {
    const start = Date.now();
    let i = 0;
    for (; i < count && Date.now() < until; i++) {
        if (ratePerSecond !== undefined) {
            const due = start + (i * 1000) / ratePerSecond;
            const wait = due - Date.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        await tick(i);
    }
    return i;
}
