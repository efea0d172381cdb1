/**
 * What `npm run dev:up`/`dev:down` work with, derived from the committed dev stack config
 * (`Pulumi.dev.yaml`) so the scripts and the stack cannot disagree: the kind cluster (from
 * `kubernetes.context`), the local registry (from `connect.buildRegistry`), LocalStack (from
 * `dataLake.endpoint`), plus the local state backend and the passphrase file.
 */
import { readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";

/** Repository root (where Pulumi.yaml is). */
export const ROOT = path.resolve(__dirname, "..", "..");

/** The stack the scripts deploy. */
export const STACK = "dev";

/** Image of the local registry kind pulls the built images from. */
export const REGISTRY_IMAGE = "registry:2";
/** Image of the S3 stand-in (as the dev stack's comments name it). */
export const LOCALSTACK_IMAGE = "localstack/localstack:4.4";

/**
 * Config keys `--small` sets on the dev stack (it writes them into Pulumi.dev.yaml): no ksqlDB
 * (and so no sensor routing), no ksqlDB CLI, no console and no Sqoop import Job.
 */
export const SMALL_MACHINE_CONFIG: Readonly<Record<string, boolean>> = {
    "ksqldb.enabled": false,
    "ksqldb.cli": false,
    "console.enabled": false,
    "sqoop.enabled": false,
};

/** Everything the steps need, resolved once. */
export interface DevSettings {
    /** Project directory the `pulumi` commands run in (the repository root). */
    readonly root: string;
    /** kind cluster name (`kubernetes.context` without `kind-`). */
    readonly cluster: string;
    /** kubectl context of the cluster. */
    readonly context: string;
    readonly kindConfig: string;
    /** Registry container name on the kind network and its in-network port. */
    readonly registryName: string;
    /** Host port the registry is published on (`localhost:<port>` is the push and pull name). */
    readonly registryPort: number;
    /** LocalStack container and host port; undefined when the dev data lake is off. */
    readonly localstack?: { readonly name: string; readonly port: number };
    /** `file://` backend directory. */
    readonly stateDir: string;
    /** Passphrase file created on first use unless the environment provides one. */
    readonly passphraseFile: string;
}

type DevYaml = { config?: Record<string, Record<string, unknown> | undefined> };

/** Reads `root`'s Pulumi.dev.yaml and the environment (`PULUMI_BACKEND_URL`, `HOME`). */
export function devSettings(env: NodeJS.ProcessEnv = process.env, root = ROOT): DevSettings {
    const file = yaml.load(
        readFileSync(path.join(root, `Pulumi.${STACK}.yaml`), "utf8"),
    ) as DevYaml;
    const cfg = (key: string) => file.config?.[`ingest-platform:${key}`] ?? {};
    const str = (v: unknown, fallback: string) => (typeof v === "string" ? v : fallback);
    const context = str(cfg("kubernetes").context, "kind-ingest");
    if (!context.startsWith("kind-")) {
        throw new Error(
            `Pulumi.dev.yaml: kubernetes.context is ${context}; dev:up manages a kind cluster, whose ` +
                `context is kind-<name>. Fix: pulumi config set --stack dev --path kubernetes.context kind-ingest`,
        );
    }
    const registry = str(cfg("connect").buildRegistry, "localhost:5001");
    const reg = /^localhost:(\d+)$/.exec(registry);
    if (!reg) {
        throw new Error(
            `Pulumi.dev.yaml: connect.buildRegistry is ${registry}; dev:up runs the local registry as ` +
                `localhost:<port>. Fix: pulumi config set --stack dev --path connect.buildRegistry localhost:5001`,
        );
    }
    const lake = cfg("dataLake");
    const endpoint = typeof lake.endpoint === "string" ? lake.endpoint : undefined;
    const lakePort = endpoint
        ? /^https?:\/\/(?:localhost|127\.0\.0\.1):(\d+)/.exec(endpoint)
        : null;
    const home = env.HOME ?? os.homedir();
    const backend = env.PULUMI_BACKEND_URL;
    const stateDir = backend?.startsWith("file://")
        ? backend.slice("file://".length).replace(/^~(?=\/|$)/, home)
        : path.join(home, ".pulumi-state");
    return {
        root,
        cluster: context.slice("kind-".length),
        context,
        kindConfig: path.join(root, "scripts", "kind-config.yaml"),
        registryName: "kind-registry",
        registryPort: Number(reg[1]),
        localstack:
            lake.enabled === true && lakePort
                ? { name: "localstack", port: Number(lakePort[1]) }
                : undefined,
        stateDir,
        passphraseFile: path.join(stateDir, `ingest-platform-${STACK}.passphrase`),
    };
}
