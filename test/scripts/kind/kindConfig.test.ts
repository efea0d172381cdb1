import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { offlineKindConfig } from "../../../scripts/kind/cluster";
import { etcdImageTag, k8sRepository } from "../../../scripts/kind/images";

const root = join(__dirname, "../../..");

void describe("offline kind config", () => {
    const project = readFileSync(join(root, "scripts/kind-config.yaml"), "utf8");
    const config = yaml.load(offlineKindConfig(project)) as Record<string, unknown>;
    const patches = (config.kubeadmConfigPatches as string[]).map(
        (p) => yaml.load(p) as Record<string, unknown>,
    );

    void it("keeps the project's nodes and NodePort mappings as they are", () => {
        assert.deepEqual(config.nodes, (yaml.load(project) as Record<string, unknown>).nodes);
    });

    void it("skips kubeadm's CoreDNS addon and repeats kind's own preflight skip", () => {
        const init = patches.find((p) => p.kind === "InitConfiguration");
        assert.deepEqual(init?.skipPhases, ["preflight", "addon/coredns"]);
    });

    void it("takes every control-plane image from the local repository, etcd at the built version", () => {
        const cluster = patches.find((p) => p.kind === "ClusterConfiguration");
        assert.equal(cluster?.imageRepository, k8sRepository);
        assert.deepEqual(cluster?.etcd, { local: { imageTag: etcdImageTag } });
    });
});

void describe("docker shim for kind", () => {
    void it("spells out --privileged without CAP_SYS_RESOURCE on run, and drops it on exec", () => {
        const dir = spawnSync("mktemp", ["-d"], { encoding: "utf8" }).stdout.trim();
        const fake = join(dir, "docker");
        spawnSync("sh", [
            "-c",
            `printf '#!/bin/sh\\nfor a in "$@"; do echo "$a"; done\\n' > ${fake}; chmod +x ${fake}`,
        ]);
        const shim = join(root, "scripts/kind/shim/docker");
        const run = (...args: string[]) =>
            spawnSync(shim, args, {
                env: { PATH: `${join(root, "scripts/kind/shim")}:${dir}:/usr/bin:/bin` },
                encoding: "utf8",
            })
                .stdout.trim()
                .split("\n");
        const started = run("run", "--privileged", "-d", "img");
        assert.ok(!started.includes("--privileged"));
        assert.ok(started.includes("--cap-add=ALL") && started.includes("--cap-drop=SYS_RESOURCE"));
        assert.deepEqual(started.slice(-2), ["-d", "img"]);
        assert.deepEqual(run("exec", "--privileged", "node", "ls"), ["exec", "node", "ls"]);
        assert.deepEqual(run("ps", "-a"), ["ps", "-a"]);
    });
});

void describe("test Connect image entrypoint", () => {
    void it("turns CONNECT_* into worker properties as Confluent's image does", () => {
        const dir = spawnSync("mktemp", ["-d"], { encoding: "utf8" }).stdout.trim();
        spawnSync("sh", [
            "-c",
            `printf '#!/bin/sh\\nexit 0\\n' > ${dir}/java; chmod +x ${dir}/java`,
        ]);
        const props = join(dir, "worker.properties");
        const res = spawnSync(join(root, "scripts/kind/images/connect/connect-worker"), [], {
            env: {
                PATH: `${dir}:/usr/bin:/bin`,
                CONNECT_PROPERTIES_FILE: props,
                CONNECT_BOOTSTRAP_SERVERS: "kafka:9092",
                CONNECT_REST_PORT: "8083",
                CONNECT_CONFIG_PROVIDERS_FILE_CLASS: "x.FileConfigProvider",
                CONNECT_SOME__UNDER___DASH: "v",
            },
            encoding: "utf8",
        });
        assert.equal(res.status, 0, res.stderr);
        assert.deepEqual(readFileSync(props, "utf8").trim().split("\n").sort(), [
            "bootstrap.servers=kafka:9092",
            "config.providers.file.class=x.FileConfigProvider",
            "listeners=http://0.0.0.0:8083",
            "some_under-dash=v",
        ]);
    });
});

void describe("node image storage manifest", () => {
    void it("is kind's own local-path manifest with the locally built images in it", async () => {
        const { storageManifest } = await import("../../../scripts/kind/build");
        const { nodeImages } = await import("../../../scripts/kind/images");
        const manifest = storageManifest();
        assert.deepEqual(manifest.match(/image: \S+/g), [
            `image: ${nodeImages.localPath}`,
            `image: ${nodeImages.tools}`,
        ]);
        assert.match(manifest, /--helper-image\s+- ingest\.local\/tools:bookworm/);
        assert.match(manifest, /storageclass\.kubernetes\.io\/is-default-class: "true"/);
        assert.doesNotMatch(manifest, /` \+/);
    });
});
