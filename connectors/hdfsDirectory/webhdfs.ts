/**
 * The WebHDFS calls `HdfsDirectory` makes (GETFILESTATUS, MKDIRS, SETPERMISSION, SETOWNER, DELETE)
 * over the shared HTTP helper, as the directory's `user` (simple auth, `user.name`). Waits out a
 * starting NameNode (safe mode, standby); every other `RemoteException` becomes an
 * {@link HdfsDirectoryError} that says what is wrong with the directory and how to fix it.
 */
import {
    HttpError,
    UNREACHABLE_MS,
    isUnreachable,
    request,
    unreachableMessage,
    type HttpMethod,
    type RetryPolicy,
} from "../http";

/** The subset of a WebHDFS `FileStatus` the provider uses. */
export interface FileStatus {
    readonly type: "DIRECTORY" | "FILE" | "SYMLINK";
    readonly permission: string;
    readonly owner: string;
    readonly group: string;
    readonly childrenNum?: number;
}

/** Where a call goes and as whom: the fields of the checked inputs that the calls use. */
export interface WebHdfsTarget {
    /** WebHDFS base URL without `/webhdfs/v1` or a trailing slash. */
    readonly webhdfsUrl: string;
    /** Normalized absolute directory path. */
    readonly path: string;
    /** HDFS user the calls run as. */
    readonly user: string;
    /** How long to retry while the NameNode starts (safe mode, standby). */
    readonly retryTimeoutSeconds: number;
    /** The config key behind `webhdfsUrl` and what to check when it cannot be reached. */
    readonly endpointHint?: string;
    /** How the stack sets `deleteContents` (a config command), named when a delete is refused. */
    readonly deleteContentsHint?: string;
}

/** What went wrong, so callers (and tests) can tell the cases apart. */
export type HdfsDirectoryErrorKind =
    | "unreachable"
    | "not-webhdfs"
    | "permission-denied"
    | "not-a-directory"
    | "not-empty"
    | "failed";

/** A WebHDFS failure explained in terms of the directory, with a hint at the fix. */
export class HdfsDirectoryError extends Error {
    /** Which case this is. */
    public readonly kind: HdfsDirectoryErrorKind;

    /** Builds the error. */
    constructor(kind: HdfsDirectoryErrorKind, message: string) {
        super(message);
        this.name = "HdfsDirectoryError";
        this.kind = kind;
    }
}

// Startup conditions of a NameNode that pass on their own: worth waiting for.
const TRANSIENT = ["SafeModeException", "RetriableException", "StandbyException"];

function webhdfsUrl(t: WebHdfsTarget, op: string, params: Record<string, string> = {}): string {
    const encoded = t.path.split("/").map(encodeURIComponent).join("/");
    const query = new URLSearchParams({ op, "user.name": t.user, ...params }).toString();
    return `${t.webhdfsUrl}/webhdfs/v1${encoded}?${query}`;
}

async function webhdfs<T>(
    t: WebHdfsTarget,
    method: HttpMethod,
    op: string,
    params: Record<string, string> = {},
    validStatus?: number[],
) {
    const retry: RetryPolicy<T> = {
        deadlineMs: t.retryTimeoutSeconds * 1000,
        statuses: [403],
        isRetryable: (e) => TRANSIENT.includes(String(e.errorCode)),
        // A NameNode that does not answer at all is not starting up: its HTTP server comes first.
        unreachableMs: Math.min(UNREACHABLE_MS, t.retryTimeoutSeconds * 1000),
    };
    try {
        return await request<T>({
            method,
            url: webhdfsUrl(t, op, params),
            timeoutMs: 30_000,
            retry,
            validStatus,
        });
    } catch (e) {
        throw explain(e, t, op);
    }
}

function explain(e: unknown, t: WebHdfsTarget, op: string): Error {
    if (!(e instanceof HttpError)) return e as Error;
    const at = `HdfsDirectory ${t.path}: ${op}`;
    if (isUnreachable(e)) {
        const hint =
            t.endpointHint ??
            "Is the NameNode running, and is webhdfsUrl reachable from where Pulumi runs? On " +
                "kind, use the Hdfs component's hostWebhdfsUrl (NodePort), not the in-cluster webhdfsUrl.";
        return new HdfsDirectoryError(
            "unreachable",
            `${at}: ${unreachableMessage("WebHDFS", t.webhdfsUrl, e, hint)} [${e.message}]`,
        );
    }
    if (e.status !== undefined && e.errorCode === undefined) {
        // Every WebHDFS error is a JSON RemoteException; anything else is not the NameNode.
        const page = e.serverMessage.replace(/\s+/g, " ").slice(0, 200);
        const check = t.endpointHint ?? "Check webhdfsUrl: the NameNode's HTTP address.";
        return new HdfsDirectoryError(
            "not-webhdfs",
            `${at}: ${e.method} ${e.url} answered ${e.status} with a page that is not WebHDFS's ` +
                `JSON (${page}): is ${t.webhdfsUrl} not a NameNode's WebHDFS? ${check}`,
        );
    }
    switch (e.errorCode) {
        case "AccessControlException":
            return new HdfsDirectoryError(
                "permission-denied",
                `${at}: permission denied for HDFS user "${t.user}": ${e.serverMessage}. Run as the ` +
                    `directory's owner or an HDFS superuser (the NameNode's user or a member of ` +
                    `dfs.permissions.superusergroup), or open up the parent directory.`,
            );
        case "FileAlreadyExistsException":
        case "ParentNotDirectoryException":
            return new HdfsDirectoryError(
                "not-a-directory",
                `${at}: a file is in the way: ${e.serverMessage}. Move or delete that file, or choose another path.`,
            );
        case "PathIsNotEmptyDirectoryException":
            return notEmpty(t, undefined);
        default:
            return new HdfsDirectoryError("failed", `${at} failed: ${e.message}`);
    }
}

/** Delete refused: the directory holds `entries` entries (unknown when the NameNode said so). */
export function notEmpty(t: WebHdfsTarget, entries: number | undefined): HdfsDirectoryError {
    const count = entries === undefined ? "" : ` (${entries} entries)`;
    const how = t.deleteContentsHint ?? "set deleteContents: true and run `pulumi up` first";
    return new HdfsDirectoryError(
        "not-empty",
        `HdfsDirectory ${t.path}: refusing to delete a non-empty directory${count}; its data is ` +
            `kept unless deleteContents is true. To delete it with its contents, ${how}; to keep ` +
            `the data and stop managing it, run \`pulumi state delete <urn>\`.`,
    );
}

/** The path exists, but as a `type` (FILE, SYMLINK) rather than a directory. */
export function fileInTheWay(t: WebHdfsTarget, type: string): HdfsDirectoryError {
    return new HdfsDirectoryError(
        "not-a-directory",
        `HdfsDirectory ${t.path}: the path exists as a ${type}, not a directory. Move or delete ` +
            `it, or choose another path.`,
    );
}

/** GETFILESTATUS; `undefined` when nothing exists at the path. */
export async function fileStatus(t: WebHdfsTarget): Promise<FileStatus | undefined> {
    const res = await webhdfs<{
        FileStatus?: FileStatus;
        RemoteException?: { exception?: string };
    }>(t, "GET", "GETFILESTATUS", {}, [200, 404]);
    if (res.status === 200 && res.data?.FileStatus) return res.data.FileStatus;
    // Only the NameNode's own answer means "nothing there": a proxy's or another server's page
    // (404 or 200) must never make refresh drop the directory from the state.
    if (res.status === 404 && res.data?.RemoteException?.exception === "FileNotFoundException") {
        return undefined;
    }
    const body = typeof res.data === "string" ? res.data : JSON.stringify(res.data ?? "");
    const err = new HttpError({
        method: "GET",
        url: webhdfsUrl(t, "GETFILESTATUS"),
        status: res.status,
        serverMessage: body || `HTTP ${res.status}`,
    });
    throw explain(err, t, "GETFILESTATUS");
}

/**
 * MKDIRS without a mode (it would be given to every missing parent too); the NameNode's
 * `boolean` answer.
 */
export async function mkdirs(t: WebHdfsTarget): Promise<boolean> {
    const res = await webhdfs<{ boolean: boolean }>(t, "PUT", "MKDIRS");
    return res.data.boolean;
}

/** SETPERMISSION to an octal `permission`. */
export async function setPermission(t: WebHdfsTarget, permission: string): Promise<void> {
    await webhdfs(t, "PUT", "SETPERMISSION", { permission });
}

/** SETOWNER with the given `owner` and/or `group` (an omitted one is left as it is). */
export async function setOwner(
    t: WebHdfsTarget,
    change: { owner?: string; group?: string },
): Promise<void> {
    const params: Record<string, string> = {};
    if (change.owner !== undefined) params.owner = change.owner;
    if (change.group !== undefined) params.group = change.group;
    await webhdfs(t, "PUT", "SETOWNER", params);
}

/** DELETE, recursively or not; the NameNode's `boolean` answer. */
export async function deletePath(t: WebHdfsTarget, recursive: boolean): Promise<boolean> {
    const res = await webhdfs<{ boolean: boolean }>(t, "DELETE", "DELETE", {
        recursive: String(recursive),
    });
    return res.data.boolean;
}
