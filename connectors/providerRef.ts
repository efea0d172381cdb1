/**
 * Thin serialized dynamic providers. `pulumi.dynamic.Resource` serializes the provider object it
 * is given, with everything its methods reach, into the `__provider` input of every resource:
 * ≈ 46 KiB per connector and 54 KiB per ksqlDB stream for the full implementations, written on
 * every update. A provider from {@link providerRef} serializes to a small shim (< 4 KiB) that
 * names its implementation instead — a module path relative to the project root and an export —
 * and loads it on its first call in the dynamic-provider host (`pulumi-resource-pulumi-nodejs`).
 *
 * The shim's text holds no absolute path, hash or code of the implementation, so it is the same on
 * every clone and machine and does not change when the implementation does: an implementation
 * change shows no `__provider` diff on every resource. The shim is compiled from the fixed source
 * below rather than from this file's transpiled output, so the TypeScript loader in use (tsx,
 * Pulumi's ts-node) does not change it either. Its text changes only with that source or with the
 * closure serializer of a new `@pulumi/pulumi`.
 *
 * Where the host finds the project: Pulumi starts the host in the program's directory and the host
 * runs `@pulumi/pulumi/cmd/dynamic-provider` from the node_modules it resolves there (or through
 * `NODE_PATH`). The shim looks for the module under each of those, walking up: `process.cwd()`,
 * the host script's directory (`require.main`) and the resolved `@pulumi/pulumi`. A `.ts` module is
 * loaded through tsx's CommonJS loader, resolved from the project's own node_modules, unless a
 * TypeScript loader is already registered (the program's own process, the tests).
 *
 * Old state keeps working (test/engine/providerShim.ts, under the real engine): a resource created
 * with a full serialized provider runs its `check`, `diff` and `update` with the shim from the new
 * program, with no change shown; the first `up` writes the shim into its inputs, while its outputs
 * keep the old code, used by `read` and `delete`, until an update rewrites them.
 *
 * Sizes in state (JSON-escaped, `__provider` is kept in the inputs and again in the outputs):
 * ≈ 1.8 KiB per copy here, against 18 KiB (KafkaTopic), 42 KiB (HdfsDirectory), 54 KiB
 * (KafkaConnector) and 79 KiB (KsqlStream) for the full providers.
 */
import type * as pulumi from "@pulumi/pulumi";
import * as vm from "node:vm";

/**
 * The shim, as plain JavaScript. Free names: `require` (the closure serializer never captures it:
 * the in-process copy gets this module's `require`, the serialized one the host module's),
 * `modulePath` and `exportName` (captured as strings), and globals.
 */
const SHIM_SOURCE = `(function (require, modulePath, exportName) {
async function configure() {
  const key = modulePath + "#" + exportName;
  const path = require("node:path"), fs = require("node:fs"), tried = [];
  let file;
  for (let dir of [process.cwd(), path.dirname(require.main?.filename ?? ".")]) {
    for (; !file && !tried.includes(dir); dir = path.dirname(dir)) {
      tried.push(dir);
      file = [".ts", ".js"].map((x) => path.join(dir, modulePath + x)).find(fs.existsSync);
    }
  }
  if (!file) throw new Error(key + ": no " + modulePath + ".ts or .js in " + tried.join(", ") +
    ". Run pulumi in the project directory.");
  if (file.endsWith(".ts") && !require.extensions[".ts"]) {
    try {
      require("node:module").createRequire(file)("tsx/cjs/api").register();
    } catch (e) {
      throw new Error(key + ": loading TypeScript needs tsx (" + e.message + "). Run npm ci.");
    }
  }
  const impl = require(file)[exportName];
  if (typeof impl?.create !== "function") throw new Error(key + ": no provider in " + file);
  for (const m of ["check", "diff", "create", "read", "update", "delete"]) {
    if (impl[m]) this[m] = impl[m].bind(impl);
  }
}
return { configure };
})`;

type ShimFactory = (
    req: NodeJS.Require,
    modulePath: string,
    exportName: string,
) => pulumi.dynamic.ResourceProvider;

const factory = vm.runInThisContext(SHIM_SOURCE, {
    filename: "ingest-platform/providerRef-shim.js",
}) as ShimFactory;

const shims = new Map<string, pulumi.dynamic.ResourceProvider>();

/**
 * A dynamic provider that forwards every call to `exportName` of `modulePath`, loaded at run time.
 * `modulePath` is relative to the project root, without extension, e.g.
 * `"connectors/kafkaTopic/resource"`. One object per target, so Pulumi serializes it once.
 */
export function providerRef<TInputs = unknown, TOutputs = unknown>(
    modulePath: string,
    exportName: string,
): pulumi.dynamic.ResourceProvider<TInputs, TOutputs> {
    if (modulePath.startsWith("/") || modulePath.startsWith(".") || /\.[jt]s$/.test(modulePath)) {
        throw new Error(
            `providerRef: "${modulePath}" must be relative to the project root, without ` +
                `extension (e.g. "connectors/kafkaTopic/resource")`,
        );
    }
    const key = `${modulePath}#${exportName}`;
    let shim = shims.get(key);
    if (!shim) {
        shim = factory(require, modulePath, exportName);
        shims.set(key, shim);
    }
    return shim as pulumi.dynamic.ResourceProvider<TInputs, TOutputs>;
}
