/**
 * Storage for the local cluster: a default StorageClass that delays binding until a pod is
 * scheduled (`WaitForFirstConsumer`, like kind's `standard`) and a tiny external provisioner that
 * answers it. kwok runs no containers, so a volume is only an API object: for each claim the
 * scheduler has picked a node for, the provisioner creates a hostPath PersistentVolume already
 * bound to the claim, and deletes the volumes it made once their claim is gone (what a real
 * provisioner does for `reclaimPolicy: Delete`), so a destroyed stack leaves no volume behind.
 */
import type { ApiResponse } from "./cluster";

/** Name of the default StorageClass (kind's name, so stacks written for kind find it). */
export const storageClassName = "standard";

/** The provisioner name the StorageClass names and the volumes carry. */
export const provisionerName = "ingest.local/kwok-hostpath";

type Api = (method: string, path: string, body?: unknown) => Promise<ApiResponse>;

interface Claim {
    metadata: {
        name: string;
        namespace: string;
        uid: string;
        annotations?: Record<string, string>;
    };
    spec: {
        storageClassName?: string;
        accessModes?: string[];
        volumeMode?: string;
        resources?: { requests?: { storage?: string } };
    };
    status?: { phase?: string };
}

interface Volume {
    metadata: { name: string; annotations?: Record<string, string> };
    status?: { phase?: string };
}

/** The StorageClass object: default, delayed binding, answered by {@link provisionerName}. */
export function storageClassObject(): unknown {
    return {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: {
            name: storageClassName,
            annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
        },
        provisioner: provisionerName,
        reclaimPolicy: "Delete",
        volumeBindingMode: "WaitForFirstConsumer",
    };
}

/** The volume provisioned for one claim on the node the scheduler chose (pure, for tests). */
export function volumeFor(claim: Claim, node: string): unknown {
    const name = `pvc-${claim.metadata.uid}`;
    return {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name, annotations: { "pv.kubernetes.io/provisioned-by": provisionerName } },
        spec: {
            capacity: { storage: claim.spec.resources?.requests?.storage ?? "1Gi" },
            accessModes: claim.spec.accessModes ?? ["ReadWriteOnce"],
            volumeMode: claim.spec.volumeMode ?? "Filesystem",
            storageClassName,
            persistentVolumeReclaimPolicy: "Delete",
            // Never mounted: kwok starts no containers. The path only has to be valid.
            hostPath: { path: `/var/lib/ingest-engine/${name}`, type: "DirectoryOrCreate" },
            claimRef: {
                apiVersion: "v1",
                kind: "PersistentVolumeClaim",
                namespace: claim.metadata.namespace,
                name: claim.metadata.name,
                uid: claim.metadata.uid,
            },
            nodeAffinity: {
                required: {
                    nodeSelectorTerms: [
                        {
                            matchExpressions: [
                                { key: "kubernetes.io/hostname", operator: "In", values: [node] },
                            ],
                        },
                    ],
                },
            },
        },
    };
}

/** One pass: provision volumes for waiting claims, delete released volumes this provisioner made. */
export async function reconcileVolumes(api: Api): Promise<void> {
    const claims = await api("GET", "/api/v1/persistentvolumeclaims");
    for (const claim of (claims.body as { items?: Claim[] }).items ?? []) {
        const node = claim.metadata.annotations?.["volume.kubernetes.io/selected-node"];
        const mine = (claim.spec.storageClassName ?? storageClassName) === storageClassName;
        if (claim.status?.phase !== "Pending" || node === undefined || !mine) continue;
        const res = await api("POST", "/api/v1/persistentvolumes", volumeFor(claim, node));
        // 409: made on an earlier pass, the PV controller has not bound it yet.
        if (res.status !== 201 && res.status !== 409) {
            throw new Error(`provisioning ${claim.metadata.name}: HTTP ${res.status}`);
        }
    }
    const volumes = await api("GET", "/api/v1/persistentvolumes");
    for (const pv of (volumes.body as { items?: Volume[] }).items ?? []) {
        const ours =
            pv.metadata.annotations?.["pv.kubernetes.io/provisioned-by"] === provisionerName;
        if (ours && (pv.status?.phase === "Released" || pv.status?.phase === "Failed")) {
            await api("DELETE", `/api/v1/persistentvolumes/${pv.metadata.name}`);
        }
    }
}

/**
 * Creates the StorageClass and runs {@link reconcileVolumes} every `intervalMs` until the
 * returned function is called. Errors of one pass are reported through `log` and retried.
 */
export async function startStorage(
    api: Api,
    log: (line: string) => void,
    intervalMs = 1000,
): Promise<() => Promise<void>> {
    const res = await api("POST", "/apis/storage.k8s.io/v1/storageclasses", storageClassObject());
    if (res.status !== 201) {
        throw new Error(`creating StorageClass ${storageClassName}: HTTP ${res.status}`);
    }
    let stopped = false;
    let lastError = "";
    const loop = (async () => {
        while (!stopped) {
            try {
                await reconcileVolumes(api);
            } catch (err) {
                const msg = (err as Error).message;
                if (msg !== lastError) log(`volume provisioner: ${msg}`);
                lastError = msg;
            }
            await new Promise((r) => setTimeout(r, intervalMs));
        }
    })();
    return async () => {
        stopped = true;
        await loop;
    };
}
