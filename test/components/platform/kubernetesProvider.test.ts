import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { one, resolve, settle, setupMocks } from "../../helpers/mocks";

setupMocks();

describe("kubernetesProvider", () => {
    let mod: typeof import("../../../components/platform/kubernetesProvider");
    before(async () => {
        mod = await import("../../../components/platform/kubernetesProvider");
        mod.kubernetesProvider("k8s", { context: "kind-ingest", clusterIdentifier: "kind-ingest" });
        await settle();
    });

    it("lets the declared state win: server-side apply with patch force", () => {
        const p = one("pulumi:providers:kubernetes", "k8s").inputs;
        // Provider inputs travel as JSON strings.
        assert.equal(p.enableServerSideApply, "true");
        assert.equal(p.enablePatchForce, "true");
        assert.equal(p.context, "kind-ingest");
        assert.equal(p.clusterIdentifier, "kind-ingest");
    });

    it("updates ConfigMaps and Secrets in place instead of replacing them delete-first", () => {
        const p = one("pulumi:providers:kubernetes", "k8s").inputs;
        assert.equal(p.enableConfigMapMutable, "true");
        assert.equal(p.enableSecretMutable, "true");
    });

    const transformArgs = (
        type: string,
        props: Record<string, unknown>,
        custom = true,
    ): pulumi.ResourceTransformArgs => ({ type, name: "x", custom, props, opts: {} });

    it("annotates every Kubernetes object with patchForce, keeping its metadata", () => {
        const res = mod.forcePatch(
            transformArgs("kubernetes:apps/v1:Deployment", {
                metadata: { name: "connect", annotations: { team: "data" } },
                spec: { replicas: 1 },
            }),
        );
        assert.deepEqual(res?.props, {
            metadata: {
                name: "connect",
                annotations: { team: "data", "pulumi.com/patchForce": "true" },
            },
            spec: { replicas: 1 },
        });
    });

    it("annotates metadata that is still an Output", async () => {
        const res = mod.forcePatch(
            transformArgs("kubernetes:core/v1:ConfigMap", {
                metadata: pulumi.output({ name: "kafka-controller-configuration" }),
            }),
        );
        assert.deepEqual(await resolve(res?.props.metadata as pulumi.Output<unknown>), {
            name: "kafka-controller-configuration",
            annotations: { "pulumi.com/patchForce": "true" },
        });
    });

    it("leaves components, providers and other packages alone", () => {
        assert.equal(
            mod.forcePatch(transformArgs("kubernetes:helm.sh/v4:Chart", {}, false)),
            undefined,
        );
        assert.equal(mod.forcePatch(transformArgs("pulumi:providers:kubernetes", {})), undefined);
        assert.equal(mod.forcePatch(transformArgs("aws:s3/bucket:Bucket", {})), undefined);
    });
});
