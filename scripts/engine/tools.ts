/**
 * The engine tier's toolchain: which Pulumi engine and Kubernetes control-plane binaries are built
 * from the Go module proxy, at which versions, and where they live. Shared by `build.ts` (which
 * builds them), `cluster.ts` (which runs the control plane) and `test/engine/*` (which drives the
 * engine). Everything is cached outside the repository, one directory per tool and version.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { kindGoTools } from "../kind/goTools";

/** Repository root. */
export const repoRoot = resolve(__dirname, "..", "..");

/** Root of the engine cache: `${XDG_CACHE_HOME:-~/.cache}/ingest-platform/engine`. */
export const cacheRoot = join(
    process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"),
    "ingest-platform",
    "engine",
);

/** Version of an npm package as resolved in package-lock.json. */
export function lockedVersion(pkg: string): string {
    const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as {
        packages: Record<string, { version?: string }>;
    };
    const version = lock.packages[`node_modules/${pkg}`]?.version;
    if (version === undefined) {
        throw new Error(`${pkg} is not in package-lock.json`);
    }
    return version;
}

/** A program built from a generated wrapper module whose dependencies come from the Go proxy. */
export interface GoToolSpec {
    /** Short name, also the cache directory prefix. */
    readonly name: string;
    /** Version of the upstream module, the cache directory suffix. */
    readonly version: string;
    /** Module whose `replace` lines pointing into its own tree are repeated with real versions. */
    readonly upstream: { readonly module: string; readonly version: string };
    /** Other modules the wrapper requires, pinned. */
    readonly require?: Readonly<Record<string, string>>;
    /**
     * Version for a module the upstream replaces with a directory of its own tree, when its
     * `require` line carries a placeholder such as `v0.0.0` (Kubernetes staging modules).
     */
    readonly localReplaceVersion?: (module: string) => string;
    /** Go files of the wrapper module, by file name (a tiny `main` when upstream has none). */
    readonly files?: Readonly<Record<string, string>>;
    /** Packages to build, by output binary name. */
    readonly mains: Readonly<Record<string, string>>;
    /** `-X` variable stamps, `importpath.name` to value. */
    readonly stamps?: Readonly<Record<string, string>>;
    /** Data files copied from the upstream module into `share/`, by name to path in the module. */
    readonly assets?: Readonly<Record<string, string>>;
    /**
     * JSON files copied from the upstream module into the wrapper source (for `//go:embed`), by
     * file name. Each is re-serialized compactly, with its top-level `version` set when given.
     */
    readonly embeds?: Readonly<
        Record<string, { readonly path: string; readonly version?: string }>
    >;
    /** Built only when named on the command line (not part of the engine tier's default set). */
    readonly onDemand?: boolean;
}

/** A tool the build step cannot produce here, kept listed so reports say why. */
export interface UnavailableTool {
    readonly name: string;
    readonly version: string;
    readonly reason: string;
}

/** Pulumi engine version the Node SDK pin (`@pulumi/pulumi`) asks for. */
export const pulumiSdkVersion = lockedVersion("@pulumi/pulumi");

/**
 * Pulumi CLI version actually built. The Go proxy reachable here serves no module zip of
 * `github.com/pulumi/pulumi/pkg/v3` from v3.260.0 up to v3.274.1 (v3.270.0 included: 403 "not
 * available"), so the newest servable release below the SDK pin is built and stamped with its
 * own, true version. The Node SDK's automation API accepts any CLI >= 3.181 for inline programs.
 */
export const pulumiCliVersion = "3.259.0";

/**
 * Kubernetes control-plane release; every `k8s.io/*` staging module is used at
 * `v0.<minor>.<patch>`. Not the newest 1.32 patch: at v0.32.13 the proxy here refuses the zips of
 * k8s.io/kube-scheduler, k8s.io/endpointslice and k8s.io/cri-client (403), all needed.
 */
export const kubernetesVersion = "1.32.2";

/** etcd release for the API server's storage. */
export const etcdVersion = "3.5.21";

/** kwok release: fakes nodes and pod status so workloads become Ready without containers. */
export const kwokVersion = "0.8.0";

const stagingVersion = `v0.${kubernetesVersion.split(".").slice(1).join(".")}`;

/** The Pulumi CLI, built from `pkg/v3/cmd/pulumi` with `sdk/v3` at the same version. */
export const pulumiSpec: GoToolSpec = {
    name: "pulumi",
    version: pulumiCliVersion,
    upstream: { module: "github.com/pulumi/pulumi/pkg/v3", version: `v${pulumiCliVersion}` },
    require: { "github.com/pulumi/pulumi/sdk/v3": `v${pulumiCliVersion}` },
    mains: { pulumi: "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi" },
    // Without it `pulumi version` prints v0.0.0 and the SDK's version checks refuse the CLI.
    stamps: { "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version": `v${pulumiCliVersion}` },
};

const k8sVersionPkg = "k8s.io/component-base/version";
const [k8sMajor, k8sMinor] = kubernetesVersion.split(".");

/** kube-apiserver, kube-controller-manager and kube-scheduler from `k8s.io/kubernetes`. */
export const kubernetesSpec: GoToolSpec = {
    name: "kubernetes",
    version: kubernetesVersion,
    upstream: { module: "k8s.io/kubernetes", version: `v${kubernetesVersion}` },
    localReplaceVersion: () => stagingVersion,
    mains: {
        "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
        "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
        "kube-scheduler": "k8s.io/kubernetes/cmd/kube-scheduler",
    },
    // Unstamped binaries report v0.0.0, which clients (kubectl, providers) reject or mis-handle.
    stamps: {
        [`${k8sVersionPkg}.gitVersion`]: `v${kubernetesVersion}`,
        [`${k8sVersionPkg}.gitMajor`]: k8sMajor,
        [`${k8sVersionPkg}.gitMinor`]: k8sMinor,
        [`${k8sVersionPkg}.gitTreeState`]: "clean",
    },
};

/** etcd, from `go.etcd.io/etcd/server/v3` through a one-line main (its own main is elsewhere). */
export const etcdSpec: GoToolSpec = {
    name: "etcd",
    version: etcdVersion,
    upstream: { module: "go.etcd.io/etcd/server/v3", version: `v${etcdVersion}` },
    files: {
        "main.go": [
            "package main",
            "",
            "import (",
            '\t"os"',
            "",
            '\t"go.etcd.io/etcd/server/v3/etcdmain"',
            ")",
            "",
            "func main() { etcdmain.Main(os.Args) }",
            "",
        ].join("\n"),
    },
    mains: { etcd: "." },
};

/** The kwok controller (`sigs.k8s.io/kwok/cmd/kwok`). */
export const kwokSpec: GoToolSpec = {
    name: "kwok",
    version: kwokVersion,
    upstream: { module: "sigs.k8s.io/kwok", version: `v${kwokVersion}` },
    mains: { kwok: "sigs.k8s.io/kwok/cmd/kwok" },
    stamps: { "sigs.k8s.io/kwok/pkg/consts.Version": `v${kwokVersion}` },
    // The controller has no built-in behaviour: these Stage objects (kwok's own "fast" set) make
    // nodes Ready with lease heartbeats and move scheduled pods to Running/Ready.
    assets: {
        "node-initialize.yaml": "kustomize/stage/node/fast/node-initialize.yaml",
        "node-heartbeat-with-lease.yaml":
            "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
        "pod-ready.yaml": "kustomize/stage/pod/fast/pod-ready.yaml",
        "pod-complete.yaml": "kustomize/stage/pod/fast/pod-complete.yaml",
        "pod-delete.yaml": "kustomize/stage/pod/fast/pod-delete.yaml",
    },
};

/**
 * The rest of a Kubernetes node and its admin tools, from the same `k8s.io/kubernetes` release
 * (they share its wrapper recipe and Go build cache). The engine tier does not use them; a kind
 * node image does: `npx tsx scripts/engine/build.ts kubernetes-node`.
 */
export const kubernetesNodeSpec: GoToolSpec = {
    ...kubernetesSpec,
    name: "kubernetes-node",
    mains: {
        kubelet: "k8s.io/kubernetes/cmd/kubelet",
        kubeadm: "k8s.io/kubernetes/cmd/kubeadm",
        kubectl: "k8s.io/kubernetes/cmd/kubectl",
        "kube-proxy": "k8s.io/kubernetes/cmd/kube-proxy",
    },
    onDemand: true,
};

/** Version of the `@pulumi/kubernetes` npm SDK; the engine loads the plugin at this version. */
export const kubernetesSdkVersion = lockedVersion("@pulumi/kubernetes");

/**
 * Commit of pulumi-kubernetes the provider plugin is built from. The Go proxy reachable here
 * serves `github.com/pulumi/pulumi-kubernetes/provider/v4` at this one pseudo-version only
 * (commit f47bc2d of 2026-01-15, between releases 4.24 and 4.25): upstream tags releases `vX`
 * and `sdk/vX`, never `provider/vX`, so no tag-like version exists for the module path, and
 * other pseudo-versions answer 403. The binary is stamped and installed as the version the npm
 * SDK asks for (see {@link kubernetesSdkVersion}), which is newer than the code it runs.
 */
export const kubernetesProviderModuleVersion = "v4.0.0-20260115033456-f47bc2d6f199";

const kubernetesProviderModule = "github.com/pulumi/pulumi-kubernetes/provider/v4";
const kubernetesProviderCmd = "cmd/pulumi-resource-kubernetes";

/**
 * The Kubernetes resource provider plugin. Upstream's main embeds files its `go generate` step
 * writes (absent from the module zip), so the wrapper has its own main embedding the committed
 * schema and Terraform mapping, the schema stamped with the SDK's version at build time.
 * Upstream's go.mod replaces `sdk/v4` with `../sdk`; the wrapper uses the required v4.24.0.
 */
export const kubernetesProviderSpec: GoToolSpec = {
    name: "pulumi-resource-kubernetes",
    version: kubernetesSdkVersion,
    upstream: { module: kubernetesProviderModule, version: kubernetesProviderModuleVersion },
    embeds: {
        "schema.json": {
            path: `${kubernetesProviderCmd}/schema.json`,
            version: kubernetesSdkVersion,
        },
        "terraform-mapping.json": { path: `${kubernetesProviderCmd}/terraform-mapping.json` },
    },
    files: {
        "main.go": [
            "// Serves the Kubernetes provider with the schema and mapping embedded beside this file.",
            "package main",
            "",
            "import (",
            '	_ "embed"',
            "",
            `	"${kubernetesProviderModule}/pkg/provider"`,
            `	"${kubernetesProviderModule}/pkg/version"`,
            ")",
            "",
            "//go:embed schema.json",
            "var schema []byte",
            "",
            "//go:embed terraform-mapping.json",
            "var terraformMapping []byte",
            "",
            'func main() { provider.Serve("kubernetes", version.Version, schema, terraformMapping) }',
            "",
        ].join("\n"),
    },
    mains: { "pulumi-resource-kubernetes": "." },
    // Unstamped, the provider reports an empty version and the engine cannot match it to the SDK.
    stamps: { [`${kubernetesProviderModule}/pkg/version.Version`]: kubernetesSdkVersion },
};

/** Every buildable tool, in build order (the plugin install needs the CLI built first). */
export const goTools: readonly GoToolSpec[] = [
    pulumiSpec,
    kubernetesProviderSpec,
    kubernetesSpec,
    etcdSpec,
    kwokSpec,
    kubernetesNodeSpec,
    // kind, CoreDNS, crictl, local-path-provisioner: on demand, for scripts/kind's node image.
    ...kindGoTools,
];

/** Tools the issue asks for that cannot be produced from the registries reachable here. */
export const unavailableTools: readonly UnavailableTool[] = [
    {
        name: "pulumi-language-nodejs",
        version: pulumiCliVersion,
        reason:
            "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 is 403 on the Go " +
            "proxy (list, and the pseudo-version of the pkg/v3.259.0 release commit); Automation " +
            "API inline programs do not need it (the SDK serves the language runtime itself and " +
            "passes --client to the CLI)",
    },
];

/** Cache directory of one tool at one version. */
export function toolDir(name: string, version: string): string {
    return join(cacheRoot, `${name}-${version}`);
}

/** Directory holding a built tool's binaries. */
export function toolBin(spec: GoToolSpec): string {
    return join(toolDir(spec.name, spec.version), "bin");
}

/** Absolute path of one built binary; throws with the fix when it has not been built. */
export function binary(spec: GoToolSpec, name: string): string {
    const path = join(toolBin(spec), name);
    if (!existsSync(path)) {
        throw new Error(`${path} is missing: run \`npm run engine:build\` first`);
    }
    return path;
}

/** Absolute path of a data file copied by the build (see {@link GoToolSpec.assets}). */
export function asset(spec: GoToolSpec, name: string): string {
    const path = join(toolDir(spec.name, spec.version), "share", name);
    if (!existsSync(path)) {
        throw new Error(`${path} is missing: run \`npm run engine:build\` first`);
    }
    return path;
}

/** PULUMI_HOME for engine runs: plugins and credentials isolated from the user's ~/.pulumi. */
export const pulumiHome = join(cacheRoot, `pulumi-home-${pulumiCliVersion}`);

/** Where `pulumi plugin install` puts the Kubernetes provider inside {@link pulumiHome}. */
export const kubernetesPluginPath = join(
    pulumiHome,
    "plugins",
    `resource-kubernetes-v${kubernetesSdkVersion}`,
    "pulumi-resource-kubernetes",
);
