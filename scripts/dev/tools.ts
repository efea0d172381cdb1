/**
 * The command-line tools `npm run dev:up` needs, the minimum version of each and how to install
 * it, and a probe that reads the installed version without changing anything.
 */
import { spawn } from "node:child_process";

/** One required tool. */
export interface Tool {
    /** Command name on PATH. */
    readonly name: string;
    /** Lowest version that works, `major.minor.patch`. */
    readonly min: string;
    /** Why that minimum. */
    readonly why: string;
    /** Arguments that print the version. */
    readonly versionArgs: readonly string[];
    /** Extracts `x.y.z` from the command's output; `undefined` when it cannot. */
    readonly parse: (out: string) => string | undefined;
    /** How to install it. */
    readonly install: string;
}

const semver = (out: string) => /v?(\d+\.\d+\.\d+)/.exec(out)?.[1];

/**
 * The oldest Pulumi CLI this program is known to run under: the engine tier builds it from the Go
 * module proxy (3.270.0 itself is not served there) and runs this program with it.
 */
export const MIN_PULUMI_CLI = "3.259.0";

/** Docker, kind, kubectl and the Pulumi CLI, with their minimum versions and install hints. */
export function requiredTools(): Tool[] {
    return [
        {
            name: "docker",
            min: "20.10.0",
            why: "runs the kind node, the local registry and LocalStack",
            // The server version: a client without a running daemon is not enough.
            versionArgs: ["version", "--format", "{{.Server.Version}}"],
            parse: semver,
            install:
                "install Docker Engine (https://docs.docker.com/engine/install/) or Docker Desktop, " +
                "start it, and make sure `docker version` shows a Server section (on Linux, add " +
                "yourself to the docker group: sudo usermod -aG docker $USER, then log in again)",
        },
        {
            name: "kind",
            min: "0.27.0",
            why: "its node images read registry mirrors from /etc/containerd/certs.d (the local registry)",
            versionArgs: ["version"],
            parse: semver,
            install:
                "go install sigs.k8s.io/kind@v0.27.0, or download the release binary: " +
                "https://kind.sigs.k8s.io/docs/user/quick-start/#installation",
        },
        {
            name: "kubectl",
            min: "1.31.0",
            why: "within one minor version of kind 0.27's Kubernetes 1.32 node",
            versionArgs: ["version", "--client", "-o", "json"],
            parse: (out) => {
                try {
                    const v = (JSON.parse(out) as { clientVersion?: { gitVersion?: string } })
                        .clientVersion?.gitVersion;
                    return v ? semver(v) : undefined;
                } catch {
                    return semver(out);
                }
            },
            install:
                "https://kubernetes.io/docs/tasks/tools/ (Linux: curl -LO " +
                "https://dl.k8s.io/release/v1.32.2/bin/linux/amd64/kubectl && sudo install kubectl " +
                "/usr/local/bin/)",
        },
        {
            name: "pulumi",
            min: MIN_PULUMI_CLI,
            why: "the oldest CLI the engine tier runs this program with",
            versionArgs: ["version"],
            parse: semver,
            install:
                "curl -fsSL https://get.pulumi.com | sh (https://www.pulumi.com/docs/install/)",
        },
    ];
}

/** True when `have` ≥ `min` (both `x.y.z`). */
export function atLeast(have: string, min: string): boolean {
    const a = have.split(".").map(Number);
    const b = min.split(".").map(Number);
    for (let i = 0; i < 3; i++) {
        if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
    }
    return true;
}

/** What a probe found: the version, or why the tool is not usable. */
export type ToolStatus =
    | { readonly ok: true; readonly tool: Tool; readonly version: string }
    | { readonly ok: false; readonly tool: Tool; readonly problem: string };

/** Output of a command run to completion; `code` is null when it could not start. */
export interface Ran {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    /** The spawn error (ENOENT when the command is not on PATH). */
    readonly error?: string;
}

/** Runs a command without a shell and collects its output (no stdin, bounded by `timeoutMs`). */
export function run(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<Ran> {
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", (e: NodeJS.ErrnoException) =>
            resolve({ code: null, stdout, stderr, error: e.code ?? e.message }),
        );
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/** Reads the installed version of `tool`; `ok: false` with the problem and no side effects. */
export async function probe(tool: Tool): Promise<ToolStatus> {
    const res = await run(tool.name, tool.versionArgs);
    if (res.error === "ENOENT") return { ok: false, tool, problem: "not installed (not on PATH)" };
    const version = res.code === 0 ? tool.parse(res.stdout.trim()) : undefined;
    if (version === undefined) {
        const said = (res.stderr || res.stdout).trim().split("\n")[0] ?? "";
        const what =
            tool.name === "docker"
                ? "the Docker daemon is not reachable (is it running?)"
                : `\`${tool.name} ${tool.versionArgs.join(" ")}\` failed`;
        return { ok: false, tool, problem: `${what}${said ? `: ${said}` : ""}` };
    }
    if (!atLeast(version, tool.min)) {
        return { ok: false, tool, problem: `version ${version} is older than ${tool.min}` };
    }
    return { ok: true, tool, version };
}

/** One line per tool: `ok docker 27.1.1 (≥ 20.10.0)` or the problem and its install hint. */
export function describeTool(s: ToolStatus): string {
    if (s.ok) return `  ok       ${s.tool.name} ${s.version} (>= ${s.tool.min})`;
    return (
        `  MISSING  ${s.tool.name} >= ${s.tool.min} (${s.tool.why}): ${s.problem}\n` +
        `           install: ${s.tool.install}`
    );
}
