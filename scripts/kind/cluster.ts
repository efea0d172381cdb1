/**
 * The offline kind cluster: created from the project's kind config (`scripts/kind-config.yaml`)
 * with the node image `build.ts` assembles, checked, and deleted.
 *
 *   npx tsx scripts/kind/cluster.ts create   create (or reuse) the cluster `ingest`
 *   npx tsx scripts/kind/cluster.ts check    cluster DNS, a NodePort on 127.0.0.1, a PVC
 *   npx tsx scripts/kind/cluster.ts delete   delete it
 *   npx tsx scripts/kind/cluster.ts smoke    create + check + delete, with timings
 *
 * The kubeconfig is written to `<kind cache>/kubeconfig` (context `kind-ingest`), never to
 * ~/.kube/config. kind runs with `shim/docker` first on PATH (see that file for why).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { kubernetesNodeSpec, toolBin } from "../engine/tools";
import { kindSpec } from "./goTools";
import {
    etcdImageTag,
    imageSourceOf,
    k8sRepository,
    kindCache,
    nodeImage,
    nodeImages,
    repoRoot,
} from "./images";

/** `KIND_IMAGES=upstream`: kind, kubectl and Docker from the machine (CI), kind's node image. */
const upstream = imageSourceOf(process.env.KIND_IMAGES) === "upstream";

/** Name of the cluster (the dev stack's context is `kind-<name>`). */
export const clusterName = process.env.KIND_CLUSTER_NAME ?? "ingest";

/** Kubeconfig the cluster's credentials are written to. */
export const kubeconfig = join(kindCache, "kubeconfig");

/** Environment for kind and kubectl: the docker shim and the built binaries first on PATH. */
export function kindEnv(): NodeJS.ProcessEnv {
    if (upstream) return { ...process.env, KUBECONFIG: kubeconfig };
    const path = [join(__dirname, "shim"), toolBin(kindSpec), toolBin(kubernetesNodeSpec)];
    return {
        ...process.env,
        PATH: `${path.join(":")}:${process.env.PATH ?? ""}`,
        KUBECONFIG: kubeconfig,
    };
}

/**
 * The project's kind config plus what only this offline node needs: kubeadm takes its images from
 * the locally built repository, etcd at the engine's version, and skips its own CoreDNS addon
 * (the node's network manifest installs one that forwards nothing off the machine). A kind patch
 * replaces kubeadm's whole skipPhases list, so kind's own `preflight` entry is repeated.
 */
export function offlineKindConfig(projectConfig: string): string {
    const config = yaml.load(projectConfig) as Record<string, unknown>;
    const patches = (config.kubeadmConfigPatches as string[] | undefined) ?? [];
    patches.push(
        yaml.dump({
            kind: "InitConfiguration",
            skipPhases: ["preflight", "addon/coredns"],
        }),
        yaml.dump({
            kind: "ClusterConfiguration",
            imageRepository: k8sRepository,
            etcd: { local: { imageTag: etcdImageTag } },
        }),
    );
    return yaml.dump({ ...config, kubeadmConfigPatches: patches });
}

function run(cmd: string, args: readonly string[], input?: string): string {
    const res = spawnSync(cmd, [...args], { env: kindEnv(), encoding: "utf8", input });
    if (res.status !== 0) {
        throw new Error(`${cmd} ${args.join(" ")} failed:\n${res.stdout}${res.stderr}`.trim());
    }
    return res.stdout;
}

/** kubectl against the kind cluster. */
export function kubectl(args: readonly string[], input?: string): string {
    return run("kubectl", ["--context", `kind-${clusterName}`, ...args], input);
}

function clusterExists(): boolean {
    return run("kind", ["get", "clusters"]).split("\n").includes(clusterName);
}

/** Creates the cluster unless it exists; returns seconds taken. */
export function createCluster(): number {
    const started = Date.now();
    if (!upstream) {
        const ensure = spawnSync("bash", [join(__dirname, "dockerd.sh")], { stdio: "inherit" });
        if (ensure.status !== 0) throw new Error("no Docker engine (see scripts/kind/dockerd.sh)");
        // kind bind-mounts the host's /lib/modules, absent on machines with a built-in-only kernel.
        mkdirSync("/lib/modules", { recursive: true });
    }
    if (clusterExists()) {
        console.log(`kind: cluster ${clusterName} exists; reusing it`);
        run("kind", ["export", "kubeconfig", "--name", clusterName]);
        return 0;
    }
    mkdirSync(kindCache, { recursive: true });
    if (upstream) {
        // kind's published node image and the project's own config, unchanged.
        const res = spawnSync(
            "kind",
            ["create", "cluster", "--name", clusterName, "--wait", "3m"].concat([
                "--config",
                join(repoRoot, "scripts/kind-config.yaml"),
            ]),
            { env: kindEnv(), stdio: "inherit" },
        );
        if (res.status !== 0) throw new Error(`kind create cluster ${clusterName} failed`);
        return (Date.now() - started) / 1000;
    }
    const configPath = join(kindCache, "kind-config.offline.yaml");
    writeFileSync(
        configPath,
        offlineKindConfig(readFileSync(join(repoRoot, "scripts/kind-config.yaml"), "utf8")),
    );
    const res = spawnSync(
        "kind",
        ["create", "cluster", "--name", clusterName, "--image", nodeImage].concat([
            "--config",
            configPath,
            "--wait",
            "3m",
        ]),
        { env: kindEnv(), stdio: "inherit" },
    );
    if (res.status !== 0) throw new Error(`kind create cluster ${clusterName} failed`);
    return (Date.now() - started) / 1000;
}

/** Deletes the cluster (nothing is left: kind removes the node container and its volumes). */
export function deleteCluster(): number {
    const started = Date.now();
    run("kind", ["delete", "cluster", "--name", clusterName]);
    return (Date.now() - started) / 1000;
}

/** Loads local images into the node (the pods use `imagePullPolicy: IfNotPresent`/`Never`). */
export function loadImages(images: readonly string[]): number {
    const started = Date.now();
    run("kind", ["load", "docker-image", "--name", clusterName, ...images]);
    return (Date.now() - started) / 1000;
}

async function until(what: string, seconds: number, probe: () => boolean): Promise<number> {
    const started = Date.now();
    while (!probe()) {
        if (Date.now() - started > seconds * 1000) throw new Error(`timed out: ${what}`);
        await new Promise((r) => setTimeout(r, 1000));
    }
    return (Date.now() - started) / 1000;
}

const checkManifest = (image: string) => `
apiVersion: v1
kind: Namespace
metadata: { name: kind-check }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: echo, namespace: kind-check }
spec:
  replicas: 2
  selector: { matchLabels: { app: echo } }
  template:
    metadata: { labels: { app: echo } }
    spec:
      containers:
        - name: echo
          image: ${image}
          imagePullPolicy: Never
          command: [/bin/bash, -c]
          args:
            - |
              while true; do
                printf 'HTTP/1.0 200 OK\\r\\n\\r\\nfrom %s\\n' "$HOSTNAME" | nc -l -N -p 8080 >/dev/null
              done
          ports: [{ containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: echo, namespace: kind-check }
spec:
  type: NodePort
  selector: { app: echo }
  ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data, namespace: kind-check }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 64Mi } }
---
apiVersion: v1
kind: Pod
metadata: { name: probe, namespace: kind-check }
spec:
  restartPolicy: Never
  containers:
    - name: probe
      image: ${image}
      imagePullPolicy: Never
      command: [/bin/bash, -c]
      args:
        - >-
          echo kept > /data/file && cat /data/file &&
          getent hosts kubernetes.default.svc.cluster.local &&
          getent hosts echo.kind-check.svc.cluster.local &&
          curl -fsS -m 5 http://echo.kind-check/
      volumeMounts: [{ name: data, mountPath: /data }]
  volumes:
    - name: data
      persistentVolumeClaim: { claimName: data }
`;

/** Cluster DNS, a NodePort reached on 127.0.0.1 and a bound PVC; prints one line per check. */
export async function checkCluster(): Promise<void> {
    const t = await until("CoreDNS ready", 180, () => {
        const r = spawnSync(
            "kubectl",
            [
                "--context",
                `kind-${clusterName}`,
                "-n",
                "kube-system",
                "rollout",
                "status",
                "deploy/coredns",
                "--timeout=5s",
            ],
            { env: kindEnv(), encoding: "utf8" },
        );
        return r.status === 0;
    });
    console.log(`check: CoreDNS ready (+${t.toFixed(0)} s)`);
    kubectl(["apply", "-f", "-"], checkManifest(nodeImages.tools));
    try {
        kubectl(["-n", "kind-check", "rollout", "status", "deploy/echo", "--timeout=120s"]);
        kubectl([
            "-n",
            "kind-check",
            "wait",
            "--for=jsonpath={.status.phase}=Succeeded",
            "pod/probe",
            "--timeout=120s",
        ]);
        const log = kubectl(["-n", "kind-check", "logs", "probe"]);
        console.log(
            `check: pod wrote and read its PVC, resolved cluster names, called a Service:\n${log.trim().replace(/^/gm, "    ")}`,
        );
        const pvc = kubectl([
            "-n",
            "kind-check",
            "get",
            "pvc",
            "data",
            "-o",
            "jsonpath={.status.phase}",
        ]);
        if (pvc !== "Bound") throw new Error(`PVC data is ${pvc}, not Bound`);
        console.log("check: PVC Bound (standard StorageClass, local-path)");
        const seen = new Set<string>();
        // The echo pods serve one connection at a time (an nc loop): a request that falls between
        // two iterations is refused, so each one gets a few tries.
        for (let i = 0; i < 6; i++) {
            for (let attempt = 1; ; attempt++) {
                try {
                    const res = await fetch("http://127.0.0.1:30080/", {
                        signal: AbortSignal.timeout(5000),
                    });
                    seen.add((await res.text()).trim());
                    break;
                } catch (err) {
                    if (attempt === 5) throw err;
                    await new Promise((r) => setTimeout(r, 200));
                }
            }
        }
        console.log(`check: NodePort 30080 on 127.0.0.1 answered: ${[...seen].join(", ")}`);
    } finally {
        kubectl(["delete", "namespace", "kind-check", "--wait=false"]);
    }
}

async function main(): Promise<void> {
    const action = process.argv[2] ?? "smoke";
    const steps: Record<string, () => Promise<void>> = {
        create: () =>
            Promise.resolve(console.log(`kind: cluster ready in ${createCluster().toFixed(0)} s`)),
        check: checkCluster,
        delete: () =>
            Promise.resolve(console.log(`kind: deleted in ${deleteCluster().toFixed(0)} s`)),
        smoke: async () => {
            const created = createCluster();
            console.log(`kind: cluster ready in ${created.toFixed(0)} s`);
            const started = Date.now();
            try {
                await checkCluster();
                console.log(
                    `kind: checks passed in ${((Date.now() - started) / 1000).toFixed(0)} s`,
                );
            } finally {
                if (process.env.KEEP_CLUSTER !== "1") {
                    console.log(`kind: deleted in ${deleteCluster().toFixed(0)} s`);
                }
            }
        },
    };
    const step = steps[action];
    if (step === undefined) {
        console.error(`usage: cluster.ts ${Object.keys(steps).join("|")}`);
        process.exit(2);
    }
    await step();
}

if (require.main === module) {
    main().catch((err: unknown) => {
        console.error((err as Error).message);
        process.exit(1);
    });
}
