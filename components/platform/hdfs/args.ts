/** Arguments of the {@link Hdfs} component (apart from the component so settings.ts can use them). */
import type * as pulumi from "@pulumi/pulumi";
import type { ImageRef, ResourceSpec } from "../common";

/** What Kubernetes does with a StatefulSet's PVCs. */
export type PvcRetentionAction = "Retain" | "Delete";

/** `persistentVolumeClaimRetentionPolicy` of both StatefulSets. */
export interface HdfsPvcRetention {
    /** When the StatefulSet is deleted (e.g. `pulumi destroy`). Defaults to `"Retain"`. */
    readonly whenDeleted?: PvcRetentionAction;
    /** When DataNodes are scaled down. Defaults to `"Retain"`. */
    readonly whenScaled?: PvcRetentionAction;
}

/** Arguments for {@link Hdfs}. */
export interface HdfsArgs {
    /** Namespace to deploy into. */
    readonly namespace: pulumi.Input<string>;
    /**
     * Image to run; must be pullable by the nodes. Unset = built from
     * `components/platform/hdfs/Dockerfile` with @pulumi/docker (Hadoop's Maven Central jars on a
     * pinned JRE), as Flume and Sqoop are, and pushed to `buildRegistry` when set.
     */
    readonly image?: ImageRef;
    /** Registry to push the built image to; unset = build only (kind: `kind load docker-image`). */
    readonly buildRegistry?: string;
    /** Number of DataNodes. Defaults to 2. */
    readonly datanodes?: number;
    /** Block replication. Defaults to `min(3, datanodes)`; at most `datanodes`. */
    readonly replication?: number;
    /** NameNode metadata volume size. Defaults to `"2Gi"`. */
    readonly namenodeStorage?: string;
    /** Block volume size per DataNode. Defaults to `"10Gi"`. */
    readonly datanodeStorage?: string;
    /** StorageClass of both volume templates. Defaults to the cluster's default class. */
    readonly storageClass?: string;
    /** NameNode requests/limits. Defaults to 250m/768Mi requested, 1 CPU/1Gi limit. */
    readonly namenodeResources?: ResourceSpec;
    /** Requests/limits per DataNode. Defaults to 250m/768Mi requested, 1 CPU/1Gi limit. */
    readonly datanodeResources?: ResourceSpec;
    /** NameNode RPC port (`fs.defaultFS`). Defaults to 9000, as in the seeds. */
    readonly rpcPort?: number;
    /** NodePort (30000-32767) exposing WebHDFS to the host, e.g. through kind's port mappings. Defaults to none. */
    readonly webhdfsNodePort?: number;
    /**
     * NodePort (30000-32767) exposing the HttpFS gateway (file contents without a DataNode
     * redirect) to the host. Defaults to none: a ClusterIP Service.
     */
    readonly httpfsNodePort?: number;
    /** HttpFS gateway requests/limits. Defaults to 100m/384Mi requested, 500m/512Mi limit. */
    readonly httpfsResources?: ResourceSpec;
    /** Host name that reaches the NodePort from where Pulumi runs. Defaults to `"localhost"` (kind). */
    readonly hostAddress?: string;
    /** PVC retention of both StatefulSets. Defaults to `"Retain"` on delete and on scale-down. */
    readonly pvcRetention?: HdfsPvcRetention;
    /** HDFS permission checking (`dfs.permissions.enabled`). Defaults to `true`. */
    readonly permissionsEnabled?: boolean;
    /** HDFS superuser group (`dfs.permissions.superusergroup`). Defaults to `"supergroup"`. */
    readonly superGroup?: string;
    /** Extra `core-site.xml` properties, overriding generated ones. Defaults to none. */
    readonly coreSiteOverrides?: Record<string, string>;
    /** Extra `hdfs-site.xml` properties, overriding generated ones. Defaults to none. */
    readonly hdfsSiteOverrides?: Record<string, string>;
}
