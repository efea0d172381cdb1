import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { sleep } from "./util";

/** Everything needed to (re)start a service process; stored in the state file. */
export interface ProcessSpec {
    /** Service name, used in messages and as the state key. */
    readonly name: string;
    /** Executable. */
    readonly command: string;
    /** Arguments. */
    readonly args: readonly string[];
    /**
     * Variables added to the launching process's environment. Never put secrets here: specs are
     * written to the state file. Secrets reach services through the launcher's own environment.
     */
    readonly env?: Readonly<Record<string, string>>;
    /** Working directory. */
    readonly cwd?: string;
    /** File receiving stdout and stderr (appended). */
    readonly logFile: string;
    /** Signal for a graceful stop. Defaults to SIGTERM. */
    readonly stopSignal?: NodeJS.Signals;
}

/** A started process: its spec and the pid of its process group leader. */
export interface RunningProcess extends ProcessSpec {
    /** Pid of the process, which leads its own process group. */
    readonly pid: number;
}

// Every process launched by this Node process, so that a launcher can stop what it started even
// when a start-up wait failed before the process was handed back.
const launched: RunningProcess[] = [];
let refusing: string | undefined;

/** Makes every later {@link launch} throw `reason` (a launcher that is tearing down calls this). */
export function refuseLaunches(reason: string): void {
    refusing = reason;
}

/** Processes started by {@link launch} in this Node process, oldest first. */
export function launchedProcesses(): readonly RunningProcess[] {
    return launched;
}

/**
 * Starts `spec` detached in its own process group with output appended to its log file. The
 * process outlives the caller; stop it with {@link stopProcess}.
 *
 * @param secretEnv Variables added to the environment but not to the returned spec (which may
 *     be written to the state file).
 */
export function launch(
    spec: ProcessSpec,
    secretEnv: Readonly<Record<string, string>> = {},
): RunningProcess {
    if (refusing) throw new Error(`${spec.name}: not started: ${refusing}`);
    mkdirSync(dirname(spec.logFile), { recursive: true });
    const fd = openSync(spec.logFile, "a");
    try {
        const child = spawn(spec.command, [...spec.args], {
            cwd: spec.cwd,
            env: { ...process.env, ...secretEnv, ...spec.env },
            detached: true,
            stdio: ["ignore", fd, fd],
        });
        if (child.pid === undefined) {
            throw new Error(`${spec.name}: could not start ${spec.command}`);
        }
        child.on("error", () => undefined);
        child.unref();
        const running = { ...spec, pid: child.pid };
        launched.push(running);
        return running;
    } finally {
        closeSync(fd);
    }
}

/** Whether `pid` is a live (not zombie) process. */
export function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch {
        return false;
    }
    const stat = join("/proc", String(pid), "stat");
    if (!existsSync(stat)) return true;
    try {
        // The state letter follows the parenthesised command name.
        const text = readFileSync(stat, "utf8");
        return text.slice(text.lastIndexOf(")") + 2, text.lastIndexOf(")") + 3) !== "Z";
    } catch {
        return false;
    }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
    try {
        process.kill(-pid, signal);
    } catch {
        // Group already gone.
    }
}

/**
 * Stops a process group: the graceful stop signal first, SIGKILL for the whole group if the leader
 * is still alive after `graceMs`.
 */
export async function stopProcess(
    proc: Pick<RunningProcess, "pid" | "stopSignal">,
    graceMs = 20_000,
): Promise<void> {
    signalGroup(proc.pid, proc.stopSignal ?? "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (isAlive(proc.pid) && Date.now() < deadline) await sleep(100);
    signalGroup(proc.pid, "SIGKILL");
    const killDeadline = Date.now() + 5_000;
    while (isAlive(proc.pid) && Date.now() < killDeadline) await sleep(50);
}

/** Throws when `proc` has exited, pointing at its log file. For use as a wait's liveness check. */
export function assertAlive(proc: RunningProcess): void {
    if (!isAlive(proc.pid)) {
        throw new Error(`${proc.name}: process ${proc.pid} exited early; see ${proc.logFile}`);
    }
}

/** The `java` executable: `$JAVA_HOME/bin/java` when set, else `java` from PATH. */
export function javaExecutable(): string {
    const home = process.env.JAVA_HOME;
    return home && existsSync(join(home, "bin", "java")) ? join(home, "bin", "java") : "java";
}

/** JVM flags shared by every service JVM: small footprint, fast start on a 2-core machine. */
export const BASE_JVM_FLAGS: readonly string[] = [
    "-XX:+UseSerialGC",
    // C1 only: these JVMs live for minutes, so start-up matters more than peak throughput.
    "-XX:TieredStopAtLevel=1",
    "-Djava.awt.headless=true",
    "-Djava.net.preferIPv4Stack=true",
];

/** Arguments for {@link javaSpec}. */
export interface JavaProcessArgs {
    /** Service name (messages, state key). Defaults to the simple name of `mainClass`. */
    readonly name?: string;
    /** Classpath, entries joined with `:` (see `javaClasspath`). */
    readonly classpath: string;
    /** Fully qualified main class. */
    readonly mainClass: string;
    /** Program arguments. */
    readonly args?: readonly string[];
    /** JVM flags added after {@link BASE_JVM_FLAGS} (heap size, system properties, --add-opens). */
    readonly jvmArgs?: readonly string[];
    /** Extra, non-secret environment variables. */
    readonly env?: Readonly<Record<string, string>>;
    /** File receiving stdout and stderr. */
    readonly logFile: string;
    /** Working directory. */
    readonly cwd?: string;
}

/** Builds the {@link ProcessSpec} of a JVM running `mainClass`. */
export function javaSpec(args: JavaProcessArgs): ProcessSpec {
    return {
        name: args.name ?? args.mainClass.slice(args.mainClass.lastIndexOf(".") + 1),
        command: javaExecutable(),
        args: [
            ...BASE_JVM_FLAGS,
            ...(args.jvmArgs ?? []),
            "-cp",
            args.classpath,
            args.mainClass,
            ...(args.args ?? []),
        ],
        env: args.env,
        cwd: args.cwd,
        logFile: args.logFile,
    };
}
