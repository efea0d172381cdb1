import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ApiResponse } from "../../scripts/engine/cluster";
import {
    provisionerName,
    reconcileVolumes,
    storageClassObject,
    volumeFor,
} from "../../scripts/engine/storage";

const claim = {
    metadata: {
        name: "data-kafka-controller-0",
        namespace: "ingest",
        uid: "1234",
        annotations: { "volume.kubernetes.io/selected-node": "kwok-node-0" },
    },
    spec: { storageClassName: "standard", resources: { requests: { storage: "2Gi" } } },
    status: { phase: "Pending" },
};

describe("engine cluster storage", () => {
    it("is the default class and binds only once a pod is scheduled", () => {
        const sc = storageClassObject() as Record<string, unknown>;
        assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer");
        assert.deepEqual(sc.metadata, {
            name: "standard",
            annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
        });
    });

    it("provisions a volume pre-bound to the claim on the chosen node", () => {
        const pv = volumeFor(claim, "kwok-node-0") as {
            metadata: { name: string };
            spec: { capacity: { storage: string }; claimRef: { uid: string } };
        };
        assert.equal(pv.metadata.name, "pvc-1234");
        assert.equal(pv.spec.capacity.storage, "2Gi");
        assert.equal(pv.spec.claimRef.uid, "1234");
    });

    it("creates volumes for scheduled claims and deletes its released volumes", async () => {
        const calls: string[] = [];
        const released = {
            metadata: {
                name: "pvc-old",
                annotations: { "pv.kubernetes.io/provisioned-by": provisionerName },
            },
            status: { phase: "Released" },
        };
        const foreign = { metadata: { name: "pv-other" }, status: { phase: "Released" } };
        const waiting = {
            ...claim,
            metadata: { ...claim.metadata, name: "w", uid: "9", annotations: {} },
        };
        const api = (method: string, path: string): Promise<ApiResponse> => {
            calls.push(`${method} ${path}`);
            if (path === "/api/v1/persistentvolumeclaims") {
                return Promise.resolve({ status: 200, body: { items: [claim, waiting] } });
            }
            if (method === "GET") {
                return Promise.resolve({ status: 200, body: { items: [released, foreign] } });
            }
            return Promise.resolve({ status: method === "POST" ? 201 : 200, body: {} });
        };
        await reconcileVolumes(api);
        assert.deepEqual(calls, [
            "GET /api/v1/persistentvolumeclaims",
            "POST /api/v1/persistentvolumes",
            "GET /api/v1/persistentvolumes",
            "DELETE /api/v1/persistentvolumes/pvc-old",
        ]);
    });
});
