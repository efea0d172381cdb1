/**
 * `HdfsDirectory`: one HDFS directory with its permission, owner and group, managed through
 * WebHDFS (simple auth, `user.name`). Create is MKDIRS (adopting a directory that already exists),
 * refresh is GETFILESTATUS (drift in permission/owner/group; a missing directory is reported
 * gone), update is SETPERMISSION/SETOWNER. Delete never drops data by default: a non-empty
 * directory makes delete fail with an error saying how to proceed, unless `deleteContents`.
 *
 * Input checks and diff live in `hdfsDirectoryInputs.ts`, the WebHDFS calls and their error
 * explanations in `webhdfs.ts`; this module re-exports their public parts.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    canonicalPermission,
    checkHdfsDirectory,
    diffHdfsDirectory,
    runtimePulumi,
    type HdfsDirectoryInputs,
    type HdfsDirectoryOutputs,
    withoutUndefined,
} from "./inputs";
import {
    HdfsDirectoryError,
    deletePath,
    fileInTheWay,
    fileStatus,
    mkdirs,
    notEmpty,
    setOwner,
    setPermission,
    type FileStatus,
} from "./webhdfs";
import { providerRef } from "../providerRef";

export {
    HDFS_DIRECTORY_PROVIDER_VERSION,
    canonicalPermission,
    checkHdfsDirectory,
    diffHdfsDirectory,
    normalizePath,
    type HdfsDirectoryInputs,
    type HdfsDirectoryOutputs,
} from "./inputs";
export { HdfsDirectoryError, type FileStatus, type HdfsDirectoryErrorKind } from "./webhdfs";

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
    /**
     * Named in the error when WebHDFS cannot be reached: the config key that sets `webhdfsUrl` and
     * what to check. Not diffed. Defaults to a generic hint.
     */
    readonly endpointHint?: pulumi.Input<string>;
    /**
     * Named when a delete of a non-empty directory is refused: how the stack turns on
     * `deleteContents` (e.g. its config key). Not diffed. Defaults to "set deleteContents: true".
     */
    readonly deleteContentsHint?: pulumi.Input<string>;
}

function outputs(i: HdfsDirectoryInputs, st: FileStatus): HdfsDirectoryOutputs {
    return withoutUndefined({
        ...i,
        permission: canonicalPermission(st.permission) ?? st.permission,
        owner: i.owner === undefined ? undefined : st.owner,
        group: i.group === undefined ? undefined : st.group,
        currentOwner: st.owner,
        currentGroup: st.group,
    });
}

/** Creates the directory if missing, then brings permission/owner/group to the inputs. */
async function ensure(i: HdfsDirectoryInputs): Promise<HdfsDirectoryOutputs> {
    let st = await fileStatus(i);
    if (st && st.type !== "DIRECTORY") throw fileInTheWay(i, st.type);
    if (!st) {
        // No mode here: MKDIRS would give it to every missing parent too; set it below instead.
        if ((await mkdirs(i)) !== true) {
            throw new HdfsDirectoryError(
                "failed",
                `HdfsDirectory ${i.path}: MKDIRS returned false`,
            );
        }
        st = await fileStatus(i);
    }
    if (st && canonicalPermission(st.permission) !== i.permission) {
        await setPermission(i, i.permission);
    }
    const change: { owner?: string; group?: string } = {};
    if (i.owner !== undefined && st?.owner !== i.owner) change.owner = i.owner;
    if (i.group !== undefined && st?.group !== i.group) change.group = i.group;
    if (Object.keys(change).length > 0) await setOwner(i, change);
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
        const deleted = await deletePath(props, props.deleteContents === true);
        if (deleted !== true && (await fileStatus(props))) {
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
            endpointHint: args.endpointHint,
            deleteContentsHint: args.deleteContentsHint,
            currentOwner: undefined,
            currentGroup: undefined,
        };
        // A small shim in state; it loads hdfsDirectoryProvider from this module at run time.
        const provider = providerRef("connectors/hdfsDirectory/resource", "hdfsDirectoryProvider");
        super(provider, name, props, opts, "ingest", "HdfsDirectory");
    }
}
