/**
 * Engine smoke proof: the Pulumi CLI built from the Go proxy runs an Automation API inline program
 * against the local control plane from scripts/engine/cluster.ts. The program creates a Namespace,
 * a ConfigMap and a Deployment (through the KubeObject dynamic provider, hosted by the
 * pulumi-resource-pulumi-nodejs script from the @pulumi/pulumi package), then the test runs `up`,
 * a `preview` that must show no changes, `refresh`, `destroy`, and prints each step's wall time.
 *
 *   npx tsx scripts/engine/build.ts && node --import tsx --test test/engine/smoke.ts
 */
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type LocalCluster, startCluster } from "../../scripts/engine/cluster";
import {
    pulumiCliVersion,
    pulumiHome,
    pulumiSpec,
    repoRoot,
    toolBin,
    toolDir,
} from "../../scripts/engine/tools";
import { plaintextOccurrences } from "../helpers/mocks";
import { KubeObject } from "./kubeObject";
import { changed, timed, timings, until } from "./steps";

const namespace = "engine-smoke";

interface Pod {
    spec: { nodeName?: string };
    status: { phase?: string; conditions: { type: string; status: string }[] };
}

function program(cluster: LocalCluster, token: string): () => Promise<Record<string, unknown>> {
    return () => {
        const conn = { server: cluster.server, caPem: cluster.caPem, token: pulumi.secret(token) };
        const labels = { app: "smoke-web" };
        const ns = new KubeObject("namespace", {
            ...conn,
            collection: "/api/v1/namespaces",
            manifest: { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
        });
        const cm = new KubeObject(
            "config",
            {
                ...conn,
                collection: `/api/v1/namespaces/${namespace}/configmaps`,
                manifest: {
                    apiVersion: "v1",
                    kind: "ConfigMap",
                    metadata: { name: "smoke-config" },
                    data: { greeting: "hello from the real engine" },
                },
            },
            { dependsOn: ns },
        );
        const deploy = new KubeObject(
            "web",
            {
                ...conn,
                collection: `/apis/apps/v1/namespaces/${namespace}/deployments`,
                manifest: {
                    apiVersion: "apps/v1",
                    kind: "Deployment",
                    metadata: { name: "smoke-web", labels },
                    spec: {
                        replicas: 2,
                        selector: { matchLabels: labels },
                        template: {
                            metadata: { labels },
                            spec: {
                                containers: [{ name: "web", image: "registry.invalid/web:1.0" }],
                            },
                        },
                    },
                },
            },
            { dependsOn: cm },
        );
        return Promise.resolve({
            namespaceUid: ns.uid,
            configUid: cm.uid,
            deploymentUid: deploy.uid,
        });
    };
}

void describe(`engine smoke (pulumi ${pulumiCliVersion}, local control plane)`, () => {
    let cluster: LocalCluster;
    let stack: Stack;
    let work: string;

    before(async () => {
        cluster = await timed("cluster start", () =>
            startCluster({ log: (l) => console.log(`# cluster: ${l}`) }),
        );
        work = mkdtempSync(join(tmpdir(), "ingest-engine-smoke-"));
        // Neither the file:// backend nor LocalWorkspace creates its directory.
        mkdirSync(join(work, "state"));
        mkdirSync(join(work, "project"));
        const pulumiCommand = await PulumiCommand.get({
            root: toolDir(pulumiSpec.name, pulumiSpec.version),
        });
        stack = await timed("stack init", () =>
            LocalWorkspace.createOrSelectStack(
                {
                    stackName: "smoke",
                    projectName: "ingest-engine-smoke",
                    program: program(cluster, cluster.token),
                },
                {
                    pulumiCommand,
                    pulumiHome,
                    workDir: join(work, "project"),
                    envVars: {
                        PULUMI_BACKEND_URL: `file://${join(work, "state")}`,
                        PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString("hex"),
                        PULUMI_SKIP_UPDATE_CHECK: "true",
                        // The dynamic-provider host script resolves @pulumi/pulumi from the
                        // program's cwd (this process's); NODE_PATH makes that cwd irrelevant.
                        NODE_PATH: join(repoRoot, "node_modules"),
                        PATH: `${toolBin(pulumiSpec)}:${process.env.PATH ?? ""}`,
                    },
                },
            ),
        );
    });

    after(async () => {
        await cluster?.stop();
        if (work) rmSync(work, { recursive: true, force: true });
        console.log("# engine smoke timings");
        for (const [step, ms] of timings)
            console.log(`#   ${step.padEnd(22)} ${(ms / 1000).toFixed(1)} s`);
    });

    void it("creates the namespace, config map and deployment, whose pods become Ready", async () => {
        const res = await timed("up", () => stack.up({ onOutput: () => undefined }));
        assert.deepEqual(changed(res.summary.resourceChanges ?? {}), { create: 4 });
        const cm = await cluster.api(
            "GET",
            `/api/v1/namespaces/${namespace}/configmaps/smoke-config`,
        );
        assert.equal(
            (cm.body as { data: Record<string, string> }).data.greeting,
            "hello from the real engine",
        );
        assert.equal(
            res.outputs.configUid.value,
            (cm.body as { metadata: { uid: string } }).metadata.uid,
        );
        await timed("deployment ready", () =>
            until(
                "2 ready replicas",
                async () => {
                    const d = await cluster.api(
                        "GET",
                        `/apis/apps/v1/namespaces/${namespace}/deployments/smoke-web`,
                    );
                    return (
                        (d.body as { status?: { readyReplicas?: number } }).status
                            ?.readyReplicas === 2
                    );
                },
                90_000,
            ),
        );
        const pods = await cluster.api(
            "GET",
            `/api/v1/namespaces/${namespace}/pods?labelSelector=app%3Dsmoke-web`,
        );
        const items = (pods.body as { items: Pod[] }).items;
        assert.equal(items.length, 2);
        for (const pod of items) {
            assert.equal(pod.spec.nodeName, cluster.nodeName);
            assert.equal(pod.status.phase, "Running");
            assert.ok(pod.status.conditions.some((c) => c.type === "Ready" && c.status === "True"));
        }
    });

    void it("previews no changes after up", async () => {
        const res = await timed("preview", () => stack.preview({ expectNoChanges: true }));
        assert.deepEqual(changed(res.changeSummary), {});
    });

    void it("refreshes without finding drift", async () => {
        const res = await timed("refresh", () => stack.refresh({ onOutput: () => undefined }));
        assert.deepEqual(changed(res.summary.resourceChanges ?? {}), {});
    });

    void it("keeps the API token secret: wrapped in the export, absent from the state on disk", async () => {
        // exportStack() runs `stack export --show-secrets`: secrets come back decrypted, but
        // still inside their secret wrappers.
        const exported = JSON.stringify(await stack.exportStack());
        assert.ok(exported.includes(cluster.token), "the export should carry the decrypted token");
        assert.deepEqual(plaintextOccurrences(JSON.parse(exported), [cluster.token]), []);
        const files = readdirSync(join(work, "state"), { recursive: true, encoding: "utf8" });
        const checkpoints = files.filter((f) => f.endsWith(".json"));
        assert.ok(checkpoints.length > 0, "the file backend wrote no checkpoint");
        for (const file of checkpoints) {
            const text = readFileSync(join(work, "state", file), "utf8");
            assert.equal(
                text.includes(cluster.token),
                false,
                `${file} holds the token in plaintext`,
            );
        }
    });

    void it("destroys everything it created", async () => {
        const res = await timed("destroy", () => stack.destroy({ onOutput: () => undefined }));
        assert.deepEqual(changed(res.summary.resourceChanges ?? {}), { delete: 4 });
        const ns = await cluster.api("GET", `/api/v1/namespaces/${namespace}`);
        assert.equal(ns.status, 404);
    });
});
