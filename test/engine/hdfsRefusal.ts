/**
 * A refused delete under the real Pulumi engine: `destroy` of an HdfsDirectory whose directory
 * holds a file fails with the provider's own message — "refusing to delete a non-empty directory"
 * and how to proceed (the stack's `pipelines.deleteDataOnDestroy` hint) — in the engine's output
 * and error, never grpc's "Unknown Error" or "[object Object]". The file is kept; once it is
 * removed, destroy succeeds and the directory is gone.
 *
 * Two cases, each its own stack: the directory created through the thin serialized provider
 * (connectors/providerRef.ts), which loads the real module and throws the real error class; and
 * the directory created by the full serialized provider (stacks from before the shims), then
 * taken over by the shim with no change, so `delete` still runs the serialized code in the state's
 * outputs. The second is a `todo`: its delete shows "Unknown Error" (see the note at the end).
 * The engine hosts the providers in `pulumi-resource-pulumi-nodejs`, in a work directory holding a
 * copy of the project's `connectors/` (node_modules linked), as test/engine/providerShim.ts does.
 *
 *   SERVICES=hdfs node --import tsx scripts/services/run.ts -- \
 *       node --import tsx --test --test-concurrency=1 --test-reporter=spec \
 *       test/engine/hdfsRefusal.ts
 */
import { type Stack } from "@pulumi/pulumi/automation";
import axios from "axios";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { serviceEnv } from "../../scripts/services/control";
import { pulumiCliVersion } from "../../scripts/engine/tools";
import { DELETE_DATA_HINT } from "../../components/pipelines/pipeline";
import { changed, timed } from "./steps";
import { cliEnv, engineStack } from "../../scripts/engine/stack";
import { FULL_PROVIDER_REF, destroyLeftover, printTimings, projectCopy } from "./workspace";

const project = "hdfs-refusal";
const stackName = "local";

/** What the engine keeps of one resource in a checkpoint. */
interface StateResource {
    readonly urn: string;
    readonly type: string;
    readonly outputs?: Record<string, unknown>;
}

const http = axios.create({ timeout: 30_000, validateStatus: () => true, maxRedirects: 0 });

/**
 * One case: the directory is created by `up` through the shim, or (`fullAtCreate`) by the full
 * serialized provider, as stacks created before the shims hold it; the program then switches to
 * the shim and `up` changes nothing, so the state's outputs keep the full provider, which is what
 * the engine's `delete` runs.
 */
function refusal(label: string, fullAtCreate: boolean, todo?: string): void {
    void describe(`engine: a refused HDFS delete shows its message, ${label} (pulumi ${pulumiCliVersion})`, () => {
        const env = serviceEnv();
        let stack: Stack;
        let work: string;
        let destroyed = false;
        const directory = `/engine-refusal-${randomBytes(4).toString("hex")}`;
        const file = `${directory}/kept.txt`;
        let root: string;
        let full: string;
        const dynamic = async () =>
            (
                (await stack.exportStack()).deployment as { resources?: StateResource[] }
            ).resources?.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/")) ?? [];

        /** The HdfsDirectory, declared from the `connectors/` copy under `dir`. */
        function program(dir: string): () => Promise<Record<string, unknown>> {
            return () => {
                // Fresh modules per operation, so the copy in use is what gets serialized.
                for (const k of Object.keys(require.cache)) {
                    if (k.startsWith(work)) delete require.cache[k];
                }
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                const c = require(
                    join(dir, "connectors", "index.ts"),
                ) as typeof import("../../connectors");
                new c.HdfsDirectory("dir-refusal", {
                    webhdfsUrl: `${env.hdfs!.webhdfsUrl}/webhdfs/v1`,
                    path: directory,
                    user: env.hdfs!.user,
                    deleteContentsHint: DELETE_DATA_HINT,
                });
                return Promise.resolve({});
            };
        }
        const url = (path: string, op: string, query = "") =>
            `${env.hdfs!.webhdfsUrl}/webhdfs/v1${path}?op=${op}&user.name=${env.hdfs!.user}${query}`;

        before(async () => {
            assert.ok(
                env.hdfs,
                "HDFS must be running: run this file through " +
                    "`SERVICES=hdfs node --import tsx scripts/services/run.ts -- ...`",
            );
            work = mkdtempSync(join(tmpdir(), "ingest-engine-refusal-"));
            mkdirSync(join(work, "state"));
            root = join(work, "project");
            full = join(work, "full");
            for (const dir of [root, full]) projectCopy(dir);
            writeFileSync(join(full, "connectors", "providerRef.ts"), FULL_PROVIDER_REF);
            stack = await engineStack({
                stackName,
                projectName: project,
                program: program(fullAtCreate ? full : root),
                workDir: root,
                env: cliEnv(join(work, "state"), false),
            });
        });

        after(async () => {
            if (stack && !destroyed) {
                await http
                    .delete(url(directory, "DELETE", "&recursive=true"))
                    .catch(() => undefined);
            }
            await destroyLeftover(stack, destroyed);
            if (work) rmSync(work, { recursive: true, force: true });
            printTimings("engine hdfs-refusal timings", 34);
        });

        void it(
            "destroy of a non-empty directory fails with the provider's message, then succeeds once emptied",
            { todo },
            async () => {
                const up = await timed("up", () => stack.up({ onOutput: () => undefined }));
                // The stack and the directory.
                assert.deepEqual(changed(up.summary.resourceChanges ?? {}), { create: 2 });
                if (fullAtCreate) {
                    stack.workspace.program = program(root);
                    const again = await timed("up (shim over full state)", () =>
                        stack.up({ onOutput: () => undefined }),
                    );
                    assert.deepEqual(changed(again.summary.resourceChanges ?? {}), {});
                }
                const [dir] = await dynamic();
                const outputsProvider = JSON.stringify(dir.outputs?.__provider ?? "");
                console.log(
                    `# __provider in outputs (what delete runs): ${outputsProvider.length} chars`,
                );
                assert.equal(
                    outputsProvider.length > 8192,
                    fullAtCreate,
                    "which provider delete runs",
                );

                // A file lands in the directory, as a sink would write it.
                const step1 = await http.put(url(file, "CREATE", "&overwrite=true"));
                assert.equal(step1.status, 307, String(step1.data));
                const written = await http.put(String(step1.headers.location), "kept\n", {
                    headers: { "Content-Type": "application/octet-stream" },
                });
                assert.equal(written.status, 201, String(written.data));

                let output = "";
                const error = await timed("destroy (refused)", () =>
                    stack.destroy({ onOutput: (s) => void (output += s) }),
                ).then(
                    () => assert.fail("destroy of a non-empty directory succeeded"),
                    (e: unknown) => (e instanceof Error ? e.message : String(e)),
                );
                const shown = `${output}\n${error}`;
                const line = shown.split("\n").find((l) => l.includes("refusing to delete"));
                console.log(`# engine printed: ${line?.trim() ?? "(no refusal line)"}`);
                console.log(`# destroy output:\n${output.replace(/^/gm, "#   ")}`);
                for (const text of [output, error]) {
                    assert.match(
                        text,
                        /HdfsDirectory \/engine-refusal-\w+: refusing to delete a non-empty directory \(1 entries\)/,
                    );
                    assert.ok(
                        text.includes("its data is kept unless deleteContents is true"),
                        text,
                    );
                    assert.ok(text.includes("pipelines.deleteDataOnDestroy"), text);
                    assert.ok(!text.includes("Unknown Error"), text);
                    assert.ok(!text.includes("[object Object]"), text);
                }
                const kept = await http.get(url(file, "GETFILESTATUS"));
                assert.equal(kept.status, 200, "the file was deleted by a refused destroy");

                const removed = await http.delete(url(file, "DELETE"));
                assert.equal(removed.status, 200, String(removed.data));
                const res = await timed("destroy (emptied)", () =>
                    stack.destroy({ onOutput: () => undefined }),
                );
                destroyed = true;
                assert.deepEqual(changed(res.summary.resourceChanges ?? {}), { delete: 2 });
                assert.equal((await http.get(url(directory, "GETFILESTATUS"))).status, 404);
            },
        );
    });
}

refusal("created through the shim", false);
// Known, not fixed: the state's outputs keep the full provider's code, which `delete` runs, and
// Pulumi's closure serializer compiles `class HdfsDirectoryError extends Error` to a function that
// calls `Error.call(this, message)`, which leaves `this` without `message` or `stack`: grpc-js
// sends "Unknown Error" and the host logs "[object Object]: undefined". Nothing the program or
// these modules do reaches that frozen code; only an update rewrites the outputs, and the diff
// reports none for old state (test/engine/providerShim.ts). Runs and prints what the engine shows.
refusal(
    "created by the full serialized provider (state from before the shims)",
    true,
    "old state's delete runs the serialized HdfsDirectoryError: the engine shows Unknown Error",
);
