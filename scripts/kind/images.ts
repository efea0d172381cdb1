/**
 * Names and versions of every image the offline kind cluster uses, shared by `build.ts` (which
 * builds them), `cluster.ts` (which creates the cluster) and the kind suite (which loads them).
 * Nothing here is pulled: each image is built on this machine from Debian packages, the Go module
 * proxy or Maven Central. Local names live under `ingest.local/`, never under a real registry.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { etcdVersion, kubernetesVersion } from "../engine/tools";
import { corednsVersion, localPathVersion } from "./goTools";

/** Repository root. */
export const repoRoot = resolve(__dirname, "..", "..");

/** Cache of the kind builds: `${XDG_CACHE_HOME:-~/.cache}/ingest-platform/kind`. */
export const kindCache = join(
    process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"),
    "ingest-platform",
    "kind",
);

/** Debian release every image is built on (pinned suite; security updates come from its suite). */
export const debianSuite = "bookworm";

/** Debian mirror for debootstrap and apt inside the images. */
export const debianMirror = process.env.DEBIAN_MIRROR ?? "http://deb.debian.org/debian";

/** Image repository kubeadm takes the control plane, etcd, pause and kube-proxy from. */
export const k8sRepository = "ingest.local/k8s";

/** Local base images. */
export const baseImages = {
    debian: `ingest.local/debian:${debianSuite}`,
    jre: `ingest.local/jre:17-${debianSuite}`,
    jdk: `ingest.local/jdk:17-${debianSuite}`,
    maven: `ingest.local/maven:3-${debianSuite}`,
    tools: `ingest.local/tools:${debianSuite}`,
} as const;

/** etcd image tag in kubeadm's form (`<version>-0`). */
export const etcdImageTag = `${etcdVersion}-0`;

/** Images preloaded into the node's containerd, by role. */
export const nodeImages = {
    apiserver: `${k8sRepository}/kube-apiserver:v${kubernetesVersion}`,
    controllerManager: `${k8sRepository}/kube-controller-manager:v${kubernetesVersion}`,
    scheduler: `${k8sRepository}/kube-scheduler:v${kubernetesVersion}`,
    proxy: `${k8sRepository}/kube-proxy:v${kubernetesVersion}`,
    etcd: `${k8sRepository}/etcd:${etcdImageTag}`,
    pause: `${k8sRepository}/pause:3.10`,
    coredns: `${k8sRepository}/coredns:v${corednsVersion}`,
    localPath: `${k8sRepository}/local-path-provisioner:v${localPathVersion}`,
    // Shell + iptables: the CNI installer DaemonSet and local-path's helper pods.
    tools: baseImages.tools,
} as const;

/** The kind node image. */
export const nodeBaseImage = `ingest.local/kind-node-base:${debianSuite}`;
export const nodeImage = `ingest.local/kind-node:v${kubernetesVersion}`;

/**
 * Where the suite's images come from, `KIND_IMAGES`: `local` (default) builds every one on this
 * machine from Debian packages, the Go proxy and Maven Central (no registry reachable); `upstream`
 * takes kind's published node image and builds the application images on the Dockerfiles' own
 * Docker Hub bases (GitHub Actions with helm/kind-action).
 */
export type ImageSource = "local" | "upstream";

/** {@link ImageSource} from `KIND_IMAGES`; anything else is an error naming the variable. */
export function imageSourceOf(value: string | undefined): ImageSource {
    if (value === undefined || value === "" || value === "local") return "local";
    if (value === "upstream") return "upstream";
    throw new Error(`KIND_IMAGES=${value}: must be "local" (built here) or "upstream" (pulled)`);
}

/** Base images of the upstream source: the Dockerfiles' defaults, pinned there. */
export const upstreamBases = {
    MAVEN_IMAGE: "maven:3.9.9-eclipse-temurin-17",
    JRE_IMAGE: "eclipse-temurin:17.0.13_11-jre-jammy",
    JDK_IMAGE: "eclipse-temurin:17.0.13_11-jdk-jammy",
} as const;

/** Application images built here from Maven Central jars on the local Debian JRE/JDK. */
export const appImages = {
    hdfs: "ingest.local/hdfs:3.4.1",
    flume: "ingest.local/flume:1.11.0",
    sqoop: "ingest.local/sqoop:1.4.7",
    // Tests only: Apache Kafka's Connect runtime with open-source plugins (the product's default
    // Connect image, built on Confluent's, stays as it is).
    connect: "ingest.local/connect-apache:4.0.0",
} as const;
