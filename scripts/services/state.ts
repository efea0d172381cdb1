import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { RunningProcess } from "./process";

/** Names of the services the harness can start. */
export const SERVICE_NAMES = ["kafka", "connect", "hdfs", "postgres"] as const;

/** One of {@link SERVICE_NAMES}. */
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** How to start a Connect worker again; shared by the main and the extra worker. */
export interface ConnectLaunch {
    /** Runtime classpath of the worker. */
    readonly classpath: string;
    /** JVM flags (heap, logging configuration). */
    readonly jvmArgs: readonly string[];
    /** Directory holding the worker properties files. */
    readonly configDir: string;
    /** `group.id` shared by every worker of the cluster. */
    readonly groupId: string;
    /** Kafka bootstrap servers. */
    readonly bootstrap: string;
    /** Port of the main worker's REST listener. */
    readonly restPort: number;
    /** `plugin.path`: one subdirectory per isolated connector plugin (Debezium). */
    readonly pluginPath?: string;
}

/**
 * Contents of the state file written by `run.ts` (path in `SERVICES_STATE`). Holds no secrets:
 * credentials only travel in the environment.
 */
export interface ServicesState {
    /** Format version of this file. */
    readonly version: 1;
    /** Temporary directory holding every service's data, configuration and logs. */
    readonly root: string;
    /** Directory of the service logs (kept when a run fails). */
    readonly logsDir: string;
    /** Services that were started. */
    readonly services: readonly ServiceName[];
    /** Non-secret environment handed to the test command. */
    readonly env: Readonly<Record<string, string>>;
    /** Running processes by name (`kafka`, `connect`, `connect-extra`, `namenode`, ...). */
    readonly processes: Readonly<Record<string, RunningProcess>>;
    /** How to restart Connect workers, when Connect was started. */
    readonly connect?: ConnectLaunch;
}

/** Reads and checks the state file at `path`. */
export function readState(path: string): ServicesState {
    const state = JSON.parse(readFileSync(path, "utf8")) as ServicesState;
    if (state.version !== 1 || typeof state.root !== "string" || !state.processes) {
        throw new Error(`${path} is not a services state file of version 1`);
    }
    return state;
}

/** Writes the state file atomically (write a sibling, then rename), readable by its owner only. */
export function writeState(path: string, state: ServicesState): void {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
    renameSync(tmp, path);
}

/** Applies `change` to the state file and writes the result back. */
export function updateState(
    path: string,
    change: (state: ServicesState) => ServicesState,
): ServicesState {
    const next = change(readState(path));
    writeState(path, next);
    return next;
}
