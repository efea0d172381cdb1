/**
 * Fallback of the kind suite while the engine's Kubernetes provider is not built: runs index.ts
 * under Pulumi mocks with the suite's stack config and prints every Kubernetes object it declares
 * as a YAML stream for `kubectl apply`, auto-names filled in the way the provider fills them.
 * Dynamic resources (topics, HDFS directories, connectors, ksqlDB statements) are not run.
 *
 *   KIND_STACK_CONFIG=<json> node --import tsx test/integration/render.ts > objects.yaml
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";

interface Manifest {
    apiVersion: string;
    kind: string;
    metadata: Record<string, unknown>;
    [key: string]: unknown;
}

const manifests: Manifest[] = [];
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Plain values: secret wrappers unwrapped, undefined fields dropped. */
function plain(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(plain);
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SECRET_SIG] !== undefined) return plain(o.value);
        return Object.fromEntries(
            Object.entries(o)
                .filter(([, x]) => x !== undefined)
                .map(([k, x]) => [k, plain(x)]),
        );
    }
    return v;
}

void pulumi.runtime.setMocks(
    {
        newResource(args: pulumi.runtime.MockResourceArgs) {
            const inputs = plain(args.inputs) as Record<string, unknown>;
            const m = /^kubernetes:(.+):(\w+)$/.exec(args.type);
            if (m === null || args.type.startsWith("kubernetes:helm")) {
                return { id: `${args.name}-id`, state: inputs };
            }
            const [group, version] = m[1].split("/");
            const apiVersion = group === "core" ? version : `${group}/${version}`;
            const metadata = { ...(inputs.metadata as Record<string, unknown> | undefined) };
            // Auto-naming as the provider does it: the resource name plus a random-looking suffix.
            metadata.name ??= `${args.name}-${createHash("sha1").update(args.name).digest("hex").slice(0, 8)}`;
            const { metadata: _ignored, ...rest } = inputs;
            void _ignored;
            manifests.push({ apiVersion, kind: m[2], metadata, ...rest });
            return {
                id: `${JSON.stringify(metadata.namespace ?? "")}/${JSON.stringify(metadata.name)}`,
                state: { ...inputs, metadata },
            };
        },
        call() {
            return {};
        },
    },
    "ingest-platform",
    "kind",
    false,
);

async function main(): Promise<void> {
    const settings = JSON.parse(process.env.KIND_STACK_CONFIG ?? "{}") as Record<string, unknown>;
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(settings)) {
        config[`ingest-platform:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    }
    pulumi.runtime.setAllConfig(config, ["ingest-platform:postgresPassword"]);
    await import("../../index");
    // Let every apply settle.
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 2000));
    const order = (m: Manifest) => (m.kind === "Namespace" ? 0 : m.kind.endsWith("Job") ? 2 : 1);
    manifests.sort((a, b) => order(a) - order(b));
    process.stdout.write(manifests.map((m) => yaml.dump(m, { noRefs: true })).join("---\n"));
}

void main();
