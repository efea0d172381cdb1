import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

// Ports handed out by this process, so that two calls never return the same one.
const handedOut = new Set<number>();

/**
 * Address Kafka and PostgreSQL listen on besides loopback, and Kafka advertises: `SERVICES_HOST`,
 * default 127.0.0.1. The kind suite sets the host's address on the kind network, so that pods
 * reach the services; everything else stays on loopback.
 */
export function servicesHost(): string {
    return process.env.SERVICES_HOST || "127.0.0.1";
}

/** Returns a TCP port on 127.0.0.1 that is free now (the OS picks it; the socket is closed). */
export async function freePort(): Promise<number> {
    for (;;) {
        const port = await new Promise<number>((resolve, reject) => {
            const server = createServer();
            server.unref();
            server.on("error", reject);
            server.listen(0, "127.0.0.1", () => {
                const address = server.address();
                const found = typeof address === "object" && address ? address.port : 0;
                server.close(() => resolve(found));
            });
        });
        if (port > 0 && !handedOut.has(port)) {
            handedOut.add(port);
            return port;
        }
    }
}

/** Options for {@link waitFor}. */
export interface WaitOptions {
    /** Service name used in the timeout error. */
    readonly service: string;
    /** What is awaited, for the timeout error (e.g. "GET / = 200"). */
    readonly what: string;
    /** Deadline in milliseconds. */
    readonly timeoutMs: number;
    /** Delay between probes in milliseconds. Defaults to 500. */
    readonly intervalMs?: number;
    /** Called between probes; throwing aborts the wait (e.g. the process died). */
    readonly alive?: () => void;
}

/**
 * Polls `probe` until it returns a value other than `undefined`, or fails with an error naming
 * the service, what was awaited, the timeout and the last probe error.
 */
export async function waitFor<T>(
    options: WaitOptions,
    probe: () => Promise<T | undefined>,
): Promise<T> {
    const deadline = Date.now() + options.timeoutMs;
    let last = "no probe completed";
    for (;;) {
        options.alive?.();
        try {
            const value = await probe();
            if (value !== undefined) return value;
            last = "not ready yet";
        } catch (err) {
            last = err instanceof Error ? err.message : String(err);
        }
        if (Date.now() >= deadline) {
            throw new Error(
                `${options.service}: timed out after ${Math.round(options.timeoutMs / 1000)}s ` +
                    `waiting for ${options.what} (last: ${last})`,
            );
        }
        await sleep(options.intervalMs ?? 500);
    }
}

/** The last `lines` lines of a text file, or an empty string when it does not exist. */
export function tailFile(path: string, lines = 40): string {
    if (!existsSync(path)) return "";
    const text = readFileSync(path, "utf8");
    return text
        .split("\n")
        .slice(-lines - 1)
        .join("\n");
}

/** Result of {@link runCommand}. */
export interface CommandResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs a command to completion, capturing its output. Never rejects for a non-zero exit. */
export function runCommand(
    command: string,
    args: readonly string[],
    options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, {
            cwd: options.cwd,
            env: options.env ?? process.env,
            stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
        if (child.stdin) {
            child.stdin.on("error", () => undefined);
            child.stdin.end(options.input);
        }
    });
}
