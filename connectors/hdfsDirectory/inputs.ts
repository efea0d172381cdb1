/**
 * Pure input handling for `HdfsDirectory`: the provider-side input/output shapes, `check`
 * (defaults, normalization, validation with exact messages) and `diff`. No network calls.
 */
import type * as pulumi from "@pulumi/pulumi";
import { withoutUndefined } from "../wire";

export { withoutUndefined };

/** Bump when provider behaviour changes, so existing resources get an update (Pulumi cannot see code). */
export const HDFS_DIRECTORY_PROVIDER_VERSION = "1";

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
    /** The config key behind `webhdfsUrl` and what to check when it cannot be reached (not diffed). */
    readonly endpointHint?: string;
    /** How the stack sets `deleteContents`, named when a delete is refused (not diffed). */
    readonly deleteContentsHint?: string;
}

/** State: the inputs (owner/group/permission as last read) plus the directory's actual owner/group. */
export interface HdfsDirectoryOutputs extends HdfsDirectoryInputs {
    readonly currentOwner: string;
    readonly currentGroup: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.@-]*$/;

/**
 * The Pulumi SDK, required when a provider method runs. Referencing the imported module from a
 * method would make the closure serializer capture its state into `__provider` — the whole config
 * store, secret values in plaintext included; a `require` is serialized as a require.
 */
export function runtimePulumi(): typeof pulumi {
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
        endpointHint: news.endpointHint,
        deleteContentsHint: news.deleteContentsHint,
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
    return { inputs: withoutUndefined(inputs), failures };
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
