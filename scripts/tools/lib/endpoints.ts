/**
 * Where the data tools find the services: a command-line flag, else the stack's outputs
 * (`pulumi stack output --json`). Every resolved endpoint remembers where it came from, so a
 * connection failure can say which flag or stack output to fix.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** An endpoint and the flag or stack output it came from. */
export interface Endpoint {
    readonly value: string;
    /** `flag --kafka` or `stack output kafkaHostBootstrapServers (stack dev)`. */
    readonly source: string;
}

/** Stack outputs, read at most once per process and only when a flag is missing. */
export class StackOutputs {
    private outputs?: Promise<{ values: Record<string, unknown>; problem?: string }>;

    constructor(private readonly stack?: string) {}

    /** `pulumi stack output --json [--stack <stack>]`; a failure is kept as the reason, not thrown. */
    load(): Promise<{ values: Record<string, unknown>; problem?: string }> {
        this.outputs ??= run(
            "pulumi",
            ["stack", "output", "--json", ...(this.stack ? ["--stack", this.stack] : [])],
            { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 },
        ).then(
            (r) => ({ values: JSON.parse(r.stdout) as Record<string, unknown> }),
            (err: unknown) => ({ values: {}, problem: firstLine(err) }),
        );
        return this.outputs;
    }

    /** Label of an output key for messages. */
    label(key: string): string {
        return `stack output ${key}${this.stack ? ` (stack ${this.stack})` : ""}`;
    }

    /** The first of `keys` the stack outputs as a non-empty string (or string array, joined). */
    async find(keys: readonly string[]): Promise<Endpoint | undefined> {
        const { values } = await this.load();
        for (const key of keys) {
            const v = values[key];
            if (typeof v === "string" && v !== "") return { value: v, source: this.label(key) };
            if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string")) {
                return { value: v.join(","), source: this.label(key) };
            }
        }
        return undefined;
    }

    /** A raw output value (lists such as `enabledPipelines`). */
    async value(key: string): Promise<unknown> {
        return (await this.load()).values[key];
    }
}

/** Thrown when an endpoint is neither given as a flag nor found in the stack outputs. */
export class MissingEndpointError extends Error {}

/**
 * The flag's value, else the first stack output of `keys`; throws naming both ways to set it.
 * `service` is what the endpoint is ("Kafka bootstrap servers"), `flag` e.g. `--kafka`.
 */
export async function resolveEndpoint(
    service: string,
    flag: string,
    flagValue: string | undefined,
    outputs: StackOutputs,
    keys: readonly string[],
): Promise<Endpoint> {
    if (flagValue !== undefined && flagValue !== "") {
        return { value: flagValue, source: `flag ${flag}` };
    }
    const found = await outputs.find(keys);
    if (found) return found;
    const { problem } = await outputs.load();
    throw new MissingEndpointError(
        `no ${service}: pass ${flag}, or run from the Pulumi project with a deployed stack that ` +
            `outputs ${keys.join(" or ")} (` +
            (problem ? `pulumi stack output failed: ${problem}` : "not in the stack outputs") +
            ")",
    );
}

/** A failure to reach an endpoint, naming it and where it came from. */
export class ConnectionError extends Error {
    constructor(service: string, endpoint: Endpoint, cause: unknown) {
        super(
            `cannot reach ${service} at ${endpoint.value} (from ${endpoint.source}): ${firstLine(cause)}`,
        );
    }
}

/** First line of an error's message (tools print one clear line, not a stack). */
export function firstLine(err: unknown): string {
    const e = err as { stderr?: unknown; message?: unknown; code?: unknown };
    const text =
        typeof e?.stderr === "string" && e.stderr.trim() !== ""
            ? e.stderr
            : typeof e?.message === "string" && e.message !== ""
              ? e.message
              : typeof e?.code === "string"
                ? e.code
                : String(err);
    return text.trim().split("\n")[0] ?? "";
}
