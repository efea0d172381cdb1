/**
 * Pulumi mocks for unit tests. Import this module, call {@link setupMocks} and only then import
 * the code under test (dynamic `await import(...)`), so the runtime is mocked before any resource
 * is constructed. Every registered resource is recorded with its inputs exactly as the engine would
 * see them, secret wrappers included, so tests can assert which values are secret.
 */
import * as pulumi from "@pulumi/pulumi";

/** One resource registration seen by the mock engine. */
export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
    readonly provider?: string;
    /** The `protect` option as sent to the engine. */
    protect?: boolean;
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export const recorded: RecordedResource[] = [];

/** Tokens of invokes that had no mock (each one failed the program's call). */
export const unmockedInvokes: string[] = [];

/** Options for {@link setupMocks}. */
export interface MockOptions {
    /** Stack config, keyed `project:key`; structured values as JSON strings. */
    readonly config?: Record<string, string>;
    /** Keys of `config` that are secret. */
    readonly secretKeys?: string[];
    readonly stack?: string;
    readonly project?: string;
    /** Extra outputs per resource type (merged over the inputs). */
    readonly outputs?: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;
    /** Invoke results by token; any other invoke throws so a test cannot silently rely on one. */
    readonly invokes?: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;
}

/** Installs mocks and config. Must run before the code under test is imported. */
export function setupMocks(opts: MockOptions = {}): void {
    recorded.length = 0;
    pulumi.runtime.setAllConfig(opts.config ?? {}, opts.secretKeys ?? []);
    void pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                const inputs = args.inputs as Record<string, unknown>;
                recorded.push({
                    type: args.type,
                    name: args.name,
                    inputs,
                    provider: args.provider,
                });
                const extra = opts.outputs?.[args.type]?.(inputs) ?? {};
                return { id: `${args.name}-id`, state: { ...inputs, ...extra } };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                const fn = opts.invokes?.[args.token];
                if (!fn) {
                    unmockedInvokes.push(args.token);
                    throw new Error(`unmocked invoke ${args.token}`);
                }
                return fn(args.inputs as Record<string, unknown>);
            },
        },
        opts.project ?? "ingest-platform",
        opts.stack ?? "dev",
        false,
    );
    // Mocks do not pass resource options to newResource: read `protect` off the raw request.
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(
            req: { getType(): string; getName(): string; getProtect(): boolean | undefined },
            cb: unknown,
        ): void;
    };
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        protectByResource.set(`${req.getType()} ${req.getName()}`, req.getProtect());
        return original(req, cb);
    };
}

const protectByResource = new Map<string, boolean | undefined>();

/** The `protect` option a resource was registered with. */
export function protectOf(type: string, name: string): boolean | undefined {
    return protectByResource.get(`${type} ${name}`);
}

/** The value inside a secret wrapper (or the value itself when not secret). */
export function unwrapSecret<T>(v: unknown): T {
    return (isSecretValue(v) ? (v as { value: unknown }).value : v) as T;
}

/** Resolves an Output in a test. */
export function resolve<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
    return new Promise((res) => pulumi.output(output).apply((v) => res(v as T)));
}

/** Waits until every registration queued so far has reached the mock engine. */
export async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 50));
}

/** Resources of one type token, in registration order. */
export function ofType(type: string): RecordedResource[] {
    return recorded.filter((r) => r.type === type);
}

/** The single resource with this type and name; throws when absent or ambiguous. */
export function one(type: string, name: string): RecordedResource {
    const found = recorded.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
        const seen = recorded.map((r) => `${r.type} ${r.name}`).join("\n  ");
        throw new Error(`expected one ${type} "${name}", found ${found.length}; seen:\n  ${seen}`);
    }
    return found[0];
}

/** True when the value is a secret-wrapped value as the engine receives it. */
export function isSecretValue(v: unknown): boolean {
    return (
        typeof v === "object" &&
        v !== null &&
        (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
    );
}

/**
 * Paths (dotted) of every place in `value` where one of `needles` appears in plain text, that
 * is, outside a secret wrapper. An empty result means the needles only travel as secrets.
 */
export function plaintextOccurrences(value: unknown, needles: string[], path = ""): string[] {
    if (isSecretValue(value)) return [];
    if (typeof value === "string") {
        return needles.some((n) => n.length > 0 && value.includes(n)) ? [path || "(root)"] : [];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => plaintextOccurrences(v, needles, `${path}[${i}]`));
    }
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) =>
            plaintextOccurrences(v, needles, path ? `${path}.${k}` : k),
        );
    }
    return [];
}
