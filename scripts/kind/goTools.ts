/**
 * Go programs a kind node needs beyond Kubernetes itself, built from the Go module proxy by the
 * engine's builder (`scripts/engine/build.ts`, same wrapper modules, cache and stamps). They are
 * on-demand tools: the engine tier never builds them; `scripts/kind/build.ts` names them.
 *
 * kubelet, kubeadm, kubectl and kube-proxy come from the engine's `kubernetes-node` tool, the
 * control plane from its `kubernetes` tool and etcd from its `etcd` tool: one Kubernetes build.
 */
import type { GoToolSpec } from "../engine/tools";

/** kind release; its default node image is Kubernetes 1.32.2, the engine's pin. */
export const kindVersion = "0.27.0";

/** CoreDNS release kubeadm 1.32 deploys. */
export const corednsVersion = "1.11.3";

/**
 * crictl release. Not the 1.32 line: the proxy here answers 403 for
 * `sigs.k8s.io/cri-tools@v1.32.0`. crictl is only a CRI client, so a newer one is harmless.
 */
export const crictlVersion = "1.34.0";

/** local-path-provisioner release (the only one the proxy lists). */
export const localPathVersion = "0.0.30";

/** The kind CLI. */
export const kindSpec: GoToolSpec = {
    name: "kind",
    version: kindVersion,
    upstream: { module: "sigs.k8s.io/kind", version: `v${kindVersion}` },
    mains: { kind: "sigs.k8s.io/kind" },
    onDemand: true,
};

/**
 * CoreDNS with only the plugins a cluster DNS uses. The module root's main links every plugin
 * (cloud DNS providers included), several times the build for nothing here.
 */
export const corednsSpec: GoToolSpec = {
    name: "coredns",
    version: corednsVersion,
    upstream: { module: "github.com/coredns/coredns", version: `v${corednsVersion}` },
    files: {
        "main.go": [
            "// CoreDNS with the plugins of a Kubernetes cluster DNS; the order plugins run in comes",
            "// from CoreDNS's own directive list, not from these imports.",
            "package main",
            "",
            "import (",
            '\t"github.com/coredns/coredns/coremain"',
            "",
            ...[
                "cache",
                "errors",
                "health",
                "hosts",
                "kubernetes",
                "loadbalance",
                "log",
                "metrics",
                "ready",
                "reload",
            ].map((p) => `\t_ "github.com/coredns/coredns/plugin/${p}"`),
            ")",
            "",
            "func main() { coremain.Run() }",
            "",
        ].join("\n"),
    },
    mains: { coredns: "." },
    stamps: { "github.com/coredns/coredns/coremain.GitCommit": `v${corednsVersion}` },
    onDemand: true,
};

/** crictl, the CRI client kind's node scripts call. */
export const crictlSpec: GoToolSpec = {
    name: "crictl",
    version: crictlVersion,
    upstream: { module: "sigs.k8s.io/cri-tools", version: `v${crictlVersion}` },
    mains: { crictl: "sigs.k8s.io/cri-tools/cmd/crictl" },
    stamps: { "sigs.k8s.io/cri-tools/pkg/version.Version": `v${crictlVersion}` },
    onDemand: true,
};

/** Rancher's local-path provisioner: the `standard` StorageClass behind every PVC. */
export const localPathSpec: GoToolSpec = {
    name: "local-path-provisioner",
    version: localPathVersion,
    upstream: {
        module: "github.com/rancher/local-path-provisioner",
        version: `v${localPathVersion}`,
    },
    mains: { "local-path-provisioner": "github.com/rancher/local-path-provisioner" },
    onDemand: true,
};

/** Every kind-only Go tool, in build order. */
export const kindGoTools: readonly GoToolSpec[] = [
    kindSpec,
    corednsSpec,
    crictlSpec,
    localPathSpec,
];
