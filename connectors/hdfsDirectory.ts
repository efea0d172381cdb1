/**
 * `HdfsDirectory`: one HDFS directory with its permission, owner and group, managed through
 * WebHDFS (simple auth, `user.name`). Create is MKDIRS (adopting a directory that already exists),
 * refresh is GETFILESTATUS (drift in permission/owner/group; a missing directory is reported
 * gone), update is SETPERMISSION/SETOWNER. Delete never drops data by default: a non-empty
 * directory makes delete fail with an error saying how to proceed, unless `deleteContents`.
 */
import * as pulumi from "@pulumi/pulumi";
import { HttpError, request, type HttpMethod, type RetryPolicy } from "./http";

/** Bump when provider behaviour changes, so existing resources get an update (Pulumi cannot see code). */
export const HDFS_DIRECTORY_PROVIDER_VERSION = "1";

/** Arguments for {@link HdfsDirectory}. */
export interface HdfsDirectoryArgs {
    /** WebHDFS endpoint reachable from where Pulumi runs: `http://host:9870` or `.../webhdfs/v1`. */
    readonly webhdfsUrl: pulumi.Input<string>;
    /** Absolute directory path, e.g. `/grid-wattage`; normalized. Changing it replaces the directory. */
    readonly path: pulumi.Input<string>;
    /** Octal permission, e.g. `"755"` or `"1777"`. Defaults to `"755"`. */
    readonly permission?: pulumi.Input<string>;
    /** Owner to set (needs an HDFS superuser as `user`). Defaults to unmanaged (the creator). */
    readonly owner?: pulumi.Input<string>;
    /** Group to set. Defaults to unmanaged (inherited from the parent). */
    readonly group?: pulumi.Input<string>;
    /** HDFS user the calls run as (`user.name`, simple auth). Required. */
    readonly user: pulumi.Input<string>;
    /** Delete the directory with everything in it on destroy/replace. Defaults to `false`. */
    readonly deleteContents?: pulumi.Input<boolean>;
    /** How long to retry while the NameNode starts (connection refused, safe mode). Defaults to 60. */
    readonly retryTimeoutSeconds?: pulumi.Input<number>;
    /** Provider behaviour version. Defaults to {@link HDFS_DIRECTORY_PROVIDER_VERSION}. */
    readonly providerVersion?: pulumi.Input<string>;
}

/** Checked inputs as the provider methods see them. */
export interface HdfsDirectoryInputs {
    readonly webhdfsUrl: string;
    readonly path: string;
    readonly permission: string;
    readonly owner?: string;
    readonly group?: string;
    readonly user: string;
    readonly deleteContents: boolean;
    readonly retryTimeoutSeconds: number;
    readonly providerVersion: string;
}

/** State: the inputs (owner/group/permission as last read) plus the directory's actual owner/group. */
export interface HdfsDirectoryOutputs extends HdfsDirectoryInputs {
    readonly currentOwner: string;
    readonly currentGroup: string;
}

/** The subset of a WebHDFS `FileStatus` the provider uses. */
export interface FileStatus {
    readonly type: "DIRECTORY" | "FILE" | "SYMLINK";
    readonly permission: string;
    readonly owner: string;
    readonly group: string;
    readonly childrenNum?: number;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.@-]*$/;

/**
 * The Pulumi SDK, required when a provider method runs. Referencing the imported module from a
 * method would make the closure serializer capture its state into `__provider` — the whole config
 * store, secret values in plaintext included; a `require` is serialized as a require.
 */
function runtimePulumi(): typeof pulumi {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("@pulumi/pulumi") as typeof pulumi;
}

/** Normalizes and validates raw inputs; unknown (preview) values pass through unchecked. */
export function checkHdfsDirectory(news: Record<string, unknown>): {
    inputs: Record<string, unknown>;
    failures: pulumi.dynamic.CheckFailure[];
} {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const fail = (property: string, reason: string) => failures.push({ property, reason });
    const known = (v: unknown) => v !== runtimePulumi().runtime.unknownValue;
    const inputs: Record<string, unknown> = {
        webhdfsUrl: news.webhdfsUrl,
        path: news.path,
        permission: news.permission ?? "755",
        owner: news.owner,
        group: news.group,
        user: news.user,
        deleteContents: news.deleteContents ?? false,
        retryTimeoutSeconds: news.retryTimeoutSeconds ?? 60,
        providerVersion: news.providerVersion ?? HDFS_DIRECTORY_PROVIDER_VERSION,
    };
    const url = inputs.webhdfsUrl;
    if (known(url)) {
        if (typeof url !== "string" || !/^https?:\/\/[^/\s]+/.test(url)) {
            fail(
                "webhdfsUrl",
                `webhdfsUrl must be an http(s) URL such as "http://localhost:30870" (got ${JSON.stringify(url)})`,
            );
        } else {
            inputs.webhdfsUrl = url.replace(/\/+$/, "").replace(/\/webhdfs\/v1$/, "");
        }
    }
    const path = inputs.path;
    if (known(path)) {
        const normalized = typeof path === "string" ? normalizePath(path) : undefined;
        if (normalized === undefined) {
            fail(
                "path",
                `path must be an absolute HDFS path below "/" such as "/grid-wattage", without "." or ".." ` +
                    `segments or ":" (got ${JSON.stringify(path)})`,
            );
        } else {
            inputs.path = normalized;
        }
    }
    const perm = inputs.permission;
    if (known(perm)) {
        const mode = typeof perm === "string" ? canonicalPermission(perm) : undefined;
        if (mode === undefined) {
            fail(
                "permission",
                `permission must be an octal mode such as "755", or "1777" with the sticky bit ` +
                    `(got ${JSON.stringify(perm)})`,
            );
        } else {
            inputs.permission = mode;
        }
    }
    for (const field of ["user", "owner", "group"] as const) {
        const v = inputs[field];
        if (!known(v) || (v === undefined && field !== "user")) continue;
        if (typeof v !== "string" || !NAME.test(v)) {
            fail(
                field,
                `${field} must be an HDFS user or group name such as "hdfs" (got ${JSON.stringify(v)})`,
            );
        }
    }
    if (known(inputs.deleteContents) && typeof inputs.deleteContents !== "boolean") {
        fail(
            "deleteContents",
            `deleteContents must be true or false (got ${JSON.stringify(inputs.deleteContents)})`,
        );
    }
    const t = inputs.retryTimeoutSeconds;
    if (known(t) && (typeof t !== "number" || !(t > 0 && t <= 3600))) {
        fail(
            "retryTimeoutSeconds",
            `retryTimeoutSeconds must be a number of seconds from 1 to 3600 (got ${JSON.stringify(t)})`,
        );
    }
    return { inputs, failures };
}

/**
 * Octal mode as WebHDFS reports it (no leading zeros: `"0755"` → `"755"`); `undefined` unless
 * it is 3 octal digits, optionally after a sticky bit (HDFS has no setuid/setgid).
 */
export function canonicalPermission(mode: string): string | undefined {
    const m = /^0?([01]?[0-7]{3})$/.exec(mode);
    return m ? parseInt(m[1], 8).toString(8) : undefined;
}

/** `/a//b/` → `/a/b`; `undefined` for relative paths, `/`, `.`/`..` segments or `:`. */
export function normalizePath(path: string): string | undefined {
    if (!path.startsWith("/")) return undefined;
    const parts = path.split("/").filter((p) => p !== "");
    if (parts.length === 0 || parts.some((p) => p === "." || p === ".." || p.includes(":"))) {
        return undefined;
    }
    return `/${parts.join("/")}`;
}

/** Which fields changed; `path` forces a delete-before-replace (the path is the identity). */
export function diffHdfsDirectory(
    olds: HdfsDirectoryOutputs,
    news: HdfsDirectoryInputs,
): pulumi.dynamic.DiffResult {
    const fields = [
        "webhdfsUrl",
        "permission",
        "user",
        "deleteContents",
        "retryTimeoutSeconds",
        "providerVersion",
    ] as const;
    const changed: string[] = fields.filter((f) => olds[f] !== news[f]);
    // Owner and group are only compared when declared: undeclared means "leave as it is".
    for (const f of ["owner", "group"] as const) {
        if (news[f] !== undefined && olds[f] !== news[f]) changed.push(f);
    }
    const replaces = olds.path !== news.path ? ["path"] : [];
    return {
        changes: changed.length > 0 || replaces.length > 0,
        replaces,
        stables: replaces.length === 0 ? ["path"] : [],
        deleteBeforeReplace: true,
    };
}

/** What went wrong, so callers (and tests) can tell the cases apart. */
export type HdfsDirectoryErrorKind =
    "unreachable" | "permission-denied" | "not-a-directory" | "not-empty" | "failed";

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

type Target = Pick<HdfsDirectoryInputs, "webhdfsUrl" | "path" | "user" | "retryTimeoutSeconds">;

// Startup conditions of a NameNode that pass on their own: worth waiting for.
const TRANSIENT = ["SafeModeException", "RetriableException", "StandbyException"];

async function webhdfs<T>(
    t: Target,
    method: HttpMethod,
    op: string,
    params: Record<string, string> = {},
    validStatus?: number[],
) {
    const encoded = t.path.split("/").map(encodeURIComponent).join("/");
    const query = new URLSearchParams({ op, "user.name": t.user, ...params }).toString();
    const retry: RetryPolicy<T> = {
        deadlineMs: t.retryTimeoutSeconds * 1000,
        statuses: [403],
        isRetryable: (e) => TRANSIENT.includes(String(e.errorCode)),
    };
    try {
        return await request<T>({
            method,
            url: `${t.webhdfsUrl}/webhdfs/v1${encoded}?${query}`,
            timeoutMs: 30_000,
            retry,
            validStatus,
        });
    } catch (e) {
        throw explain(e, t, op);
    }
}

function explain(e: unknown, t: Target, op: string): Error {
    if (!(e instanceof HttpError)) return e as Error;
    const at = `HdfsDirectory ${t.path}: ${op}`;
    if (e.status === undefined) {
        return new HdfsDirectoryError(
            "unreachable",
            `${at}: cannot reach WebHDFS at ${t.webhdfsUrl} (${e.code ?? "no response"}). Is the ` +
                `NameNode running, and is webhdfsUrl reachable from where Pulumi runs? On kind, use ` +
                `the Hdfs component's hostWebhdfsUrl (NodePort), not the in-cluster webhdfsUrl. [${e.message}]`,
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

function notEmpty(t: Target, entries: number | undefined): HdfsDirectoryError {
    const count = entries === undefined ? "" : ` (${entries} entries)`;
    return new HdfsDirectoryError(
        "not-empty",
        `HdfsDirectory ${t.path}: refusing to delete a non-empty directory${count}; its data is ` +
            `kept unless deleteContents is true. To delete it with its contents, set ` +
            `deleteContents: true and run \`pulumi up\` first; to keep the data and stop managing ` +
            `it, run \`pulumi state delete <urn>\`.`,
    );
}

async function fileStatus(t: Target): Promise<FileStatus | undefined> {
    const res = await webhdfs<{ FileStatus: FileStatus }>(
        t,
        "GET",
        "GETFILESTATUS",
        {},
        [200, 404],
    );
    return res.status === 404 ? undefined : res.data.FileStatus;
}

function fileInTheWay(t: Target, type: string): HdfsDirectoryError {
    return new HdfsDirectoryError(
        "not-a-directory",
        `HdfsDirectory ${t.path}: the path exists as a ${type}, not a directory. Move or delete ` +
            `it, or choose another path.`,
    );
}

function outputs(i: HdfsDirectoryInputs, st: FileStatus): HdfsDirectoryOutputs {
    return {
        ...i,
        permission: canonicalPermission(st.permission) ?? st.permission,
        owner: i.owner === undefined ? undefined : st.owner,
        group: i.group === undefined ? undefined : st.group,
        currentOwner: st.owner,
        currentGroup: st.group,
    };
}

/** Creates the directory if missing, then brings permission/owner/group to the inputs. */
async function ensure(i: HdfsDirectoryInputs): Promise<HdfsDirectoryOutputs> {
    let st = await fileStatus(i);
    if (st && st.type !== "DIRECTORY") throw fileInTheWay(i, st.type);
    if (!st) {
        // No mode here: MKDIRS would give it to every missing parent too; set it below instead.
        const made = await webhdfs<{ boolean: boolean }>(i, "PUT", "MKDIRS");
        if (made.data.boolean !== true) {
            throw new HdfsDirectoryError(
                "failed",
                `HdfsDirectory ${i.path}: MKDIRS returned false`,
            );
        }
        st = await fileStatus(i);
    }
    if (st && canonicalPermission(st.permission) !== i.permission) {
        await webhdfs(i, "PUT", "SETPERMISSION", { permission: i.permission });
    }
    const change: Record<string, string> = {};
    if (i.owner !== undefined && st?.owner !== i.owner) change.owner = i.owner;
    if (i.group !== undefined && st?.group !== i.group) change.group = i.group;
    if (Object.keys(change).length > 0) await webhdfs(i, "PUT", "SETOWNER", change);
    const after = await fileStatus(i);
    if (!after || after.type !== "DIRECTORY") {
        throw new HdfsDirectoryError(
            "failed",
            `HdfsDirectory ${i.path}: gone right after it was written`,
        );
    }
    return outputs(i, after);
}

async function remove(props: HdfsDirectoryOutputs): Promise<void> {
    try {
        const st = await fileStatus(props);
        if (!st) return;
        if (st.type !== "DIRECTORY") {
            void runtimePulumi().log.warn(
                `HdfsDirectory ${props.path}: now a ${st.type}, not ours to delete; left in place`,
            );
            return;
        }
        if (!props.deleteContents && (st.childrenNum ?? 0) > 0)
            throw notEmpty(props, st.childrenNum);
        const recursive = String(props.deleteContents === true);
        const res = await webhdfs<{ boolean: boolean }>(props, "DELETE", "DELETE", { recursive });
        if (res.data.boolean !== true && (await fileStatus(props))) {
            throw new HdfsDirectoryError(
                "failed",
                `HdfsDirectory ${props.path}: DELETE returned false`,
            );
        }
    } catch (e) {
        // Deleting nothing never loses data; an unreachable NameNode usually means the cluster is gone.
        if (!(e instanceof HdfsDirectoryError && e.kind === "unreachable")) throw e;
        void runtimePulumi().log.warn(
            `${e.message} The directory, if it still exists, was left in place.`,
        );
    }
}

/** The dynamic provider: no state of its own; every call works from its inputs. */
export const hdfsDirectoryProvider: pulumi.dynamic.ResourceProvider<
    HdfsDirectoryInputs,
    HdfsDirectoryOutputs
> = {
    check: (_olds, news) => {
        const { inputs, failures } = checkHdfsDirectory(news as unknown as Record<string, unknown>);
        return Promise.resolve({ inputs: inputs as unknown as HdfsDirectoryInputs, failures });
    },
    diff: (_id, olds, news) => Promise.resolve(diffHdfsDirectory(olds, news)),
    create: async (inputs) => ({ id: inputs.path, outs: await ensure(inputs) }),
    read: async (id, props) => {
        const st = props ? await fileStatus(props) : undefined;
        if (!props || !st || st.type !== "DIRECTORY") return {};
        const live = outputs(props, st);
        return { id, props: live, inputs: live };
    },
    update: async (_id, _olds, news) => ({ outs: await ensure(news) }),
    delete: async (_id, props) => remove(props),
};

/** An HDFS directory managed through WebHDFS; see the module comment for the lifecycle. */
export class HdfsDirectory extends pulumi.dynamic.Resource {
    declare readonly webhdfsUrl: pulumi.Output<string>;
    declare readonly path: pulumi.Output<string>;
    declare readonly permission: pulumi.Output<string>;
    declare readonly owner: pulumi.Output<string | undefined>;
    declare readonly group: pulumi.Output<string | undefined>;
    declare readonly user: pulumi.Output<string>;
    declare readonly deleteContents: pulumi.Output<boolean>;
    declare readonly providerVersion: pulumi.Output<string>;
    /** The directory's owner as last read. */
    declare readonly currentOwner: pulumi.Output<string>;
    /** The directory's group as last read. */
    declare readonly currentGroup: pulumi.Output<string>;

    constructor(name: string, args: HdfsDirectoryArgs, opts?: pulumi.CustomResourceOptions) {
        const props = {
            webhdfsUrl: args.webhdfsUrl,
            path: args.path,
            permission: args.permission,
            owner: args.owner,
            group: args.group,
            user: args.user,
            deleteContents: args.deleteContents,
            retryTimeoutSeconds: args.retryTimeoutSeconds,
            providerVersion: args.providerVersion,
            currentOwner: undefined,
            currentGroup: undefined,
        };
        super(hdfsDirectoryProvider, name, props, opts, "ingest", "HdfsDirectory");
    }
}
