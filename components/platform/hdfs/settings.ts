/**
 * Defaults and validation for {@link HdfsArgs}: every default lives here, so the component and
 * its tests agree on them.
 */
import type * as pulumi from "@pulumi/pulumi";
import { imageName, type ResourceSpec } from "../common";
import type { HdfsArgs, PvcRetentionAction } from "./args";
import { defaultReplication } from "./siteXml";

/**
 * The image built from `components/platform/hdfs/Dockerfile` when `image` is unset: Hadoop's HDFS
 * jars from Maven Central on a pinned JRE, as `<buildRegistry>/hdfs:<tag>` (`ingest.local/...`
 * when only built). Not Docker Hub's `apache/hadoop`, which the Hadoop project publishes for
 * development only (unpinned base, runs as root by default, no security updates between releases).
 */
export const HDFS_IMAGE_BUILD = { repository: "hdfs", tag: "3.4.1" } as const;

/** The reference of the built image when nothing is pushed (kind: `kind load docker-image`). */
export const DEFAULT_HDFS_IMAGE = `ingest.local/${HDFS_IMAGE_BUILD.repository}:${HDFS_IMAGE_BUILD.tag}`;

/** uid/gid of the `hadoop` user in the image (gid 1000 is its `hadoop` group). */
export const HADOOP_UID = 1000;

/** Default NameNode resources: enough for a dev namespace of a few million files. */
export const DEFAULT_NAMENODE_RESOURCES: ResourceSpec = {
    cpuRequest: "250m",
    memoryRequest: "768Mi",
    cpuLimit: "1",
    memoryLimit: "1Gi",
};

/** Default HttpFS gateway resources: one small JVM that only relays bytes. */
export const DEFAULT_HTTPFS_RESOURCES: ResourceSpec = {
    cpuRequest: "100m",
    memoryRequest: "384Mi",
    cpuLimit: "500m",
    memoryLimit: "512Mi",
};

/** Default DataNode resources. */
export const DEFAULT_DATANODE_RESOURCES: ResourceSpec = {
    cpuRequest: "250m",
    memoryRequest: "768Mi",
    cpuLimit: "1",
    memoryLimit: "1Gi",
};

/** {@link HdfsArgs} with every default applied (the namespace stays an input). */
export interface HdfsSettings {
    /** Image reference of both StatefulSets. */
    readonly image: pulumi.Input<string>;
    readonly datanodes: number;
    readonly replication: number;
    readonly namenodeStorage: string;
    readonly datanodeStorage: string;
    readonly storageClass?: string;
    readonly namenodeResources: ResourceSpec;
    readonly datanodeResources: ResourceSpec;
    readonly rpcPort: number;
    readonly webhdfsNodePort?: number;
    readonly httpfsNodePort?: number;
    readonly httpfsResources: ResourceSpec;
    readonly hostAddress: string;
    readonly whenDeleted: PvcRetentionAction;
    readonly whenScaled: PvcRetentionAction;
    readonly permissionsEnabled: boolean;
    readonly superGroup: string;
    readonly coreSiteOverrides: Readonly<Record<string, string>>;
    readonly hdfsSiteOverrides: Readonly<Record<string, string>>;
}

/**
 * Applies the documented defaults of {@link HdfsArgs}; `built` is the reference of the image the
 * component built when `args.image` is unset (default: its unpushed name).
 */
export function resolveHdfsSettings(
    args: HdfsArgs,
    built: pulumi.Input<string> = DEFAULT_HDFS_IMAGE,
): HdfsSettings {
    const datanodes = args.datanodes ?? 2;
    return {
        image: args.image !== undefined ? imageName(args.image) : built,
        datanodes,
        replication: args.replication ?? defaultReplication(datanodes),
        namenodeStorage: args.namenodeStorage ?? "2Gi",
        datanodeStorage: args.datanodeStorage ?? "10Gi",
        storageClass: args.storageClass,
        namenodeResources: args.namenodeResources ?? DEFAULT_NAMENODE_RESOURCES,
        datanodeResources: args.datanodeResources ?? DEFAULT_DATANODE_RESOURCES,
        rpcPort: args.rpcPort ?? 9000,
        webhdfsNodePort: args.webhdfsNodePort,
        httpfsNodePort: args.httpfsNodePort,
        httpfsResources: args.httpfsResources ?? DEFAULT_HTTPFS_RESOURCES,
        hostAddress: args.hostAddress ?? "localhost",
        whenDeleted: args.pvcRetention?.whenDeleted ?? "Retain",
        whenScaled: args.pvcRetention?.whenScaled ?? "Retain",
        permissionsEnabled: args.permissionsEnabled ?? true,
        superGroup: args.superGroup ?? "supergroup",
        coreSiteOverrides: args.coreSiteOverrides ?? {},
        hdfsSiteOverrides: args.hdfsSiteOverrides ?? {},
    };
}

const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const RETENTION: readonly string[] = ["Retain", "Delete"];

function isIntIn(v: number, min: number, max: number): boolean {
    return Number.isInteger(v) && v >= min && v <= max;
}

/** Every problem with the resolved settings, one message per problem naming the argument. */
export function validateHdfsSettings(s: HdfsSettings): string[] {
    const problems: string[] = [];
    if (!isIntIn(s.datanodes, 1, 1000)) {
        problems.push(`datanodes must be an integer from 1 to 1000 (got ${s.datanodes})`);
    } else if (!isIntIn(s.replication, 1, s.datanodes)) {
        problems.push(
            `replication must be an integer from 1 to datanodes (${s.datanodes}); more copies ` +
                `than DataNodes leaves every block under-replicated (got ${s.replication})`,
        );
    }
    if (!isIntIn(s.rpcPort, 1, 65535)) {
        problems.push(`rpcPort must be a port number from 1 to 65535 (got ${s.rpcPort})`);
    }
    if (s.webhdfsNodePort !== undefined && !isIntIn(s.webhdfsNodePort, 30000, 32767)) {
        problems.push(
            `webhdfsNodePort must be in the NodePort range 30000-32767 (got ${s.webhdfsNodePort})`,
        );
    }
    if (s.httpfsNodePort !== undefined) {
        if (!isIntIn(s.httpfsNodePort, 30000, 32767)) {
            problems.push(
                `httpfsNodePort must be in the NodePort range 30000-32767 (got ${s.httpfsNodePort})`,
            );
        } else if (s.httpfsNodePort === s.webhdfsNodePort) {
            problems.push(
                `httpfsNodePort and webhdfsNodePort must differ (both ${s.httpfsNodePort})`,
            );
        }
    }
    for (const [field, value] of [
        ["namenodeStorage", s.namenodeStorage],
        ["datanodeStorage", s.datanodeStorage],
    ] as const) {
        if (!QUANTITY.test(value)) {
            problems.push(`${field} must be a Kubernetes quantity such as "10Gi" (got "${value}")`);
        }
    }
    for (const [field, value] of [
        ["pvcRetention.whenDeleted", s.whenDeleted],
        ["pvcRetention.whenScaled", s.whenScaled],
    ] as const) {
        if (!RETENTION.includes(value)) {
            problems.push(`${field} must be "Retain" or "Delete" (got "${value}")`);
        }
    }
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s.superGroup)) {
        problems.push(
            `superGroup must be a plain group name such as "supergroup" (got "${s.superGroup}")`,
        );
    }
    // The format guard and the volume mounts are tied to these paths; moving them would make
    // every restart look like a fresh install.
    for (const key of ["dfs.namenode.name.dir", "dfs.datanode.data.dir"]) {
        if (key in s.hdfsSiteOverrides) {
            problems.push(`hdfsSiteOverrides must not set ${key}: it is tied to the volume mount`);
        }
    }
    return problems;
}
