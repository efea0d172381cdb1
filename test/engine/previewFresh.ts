/**
 * One preview of a fresh `dev` stack under the real Pulumi CLI, run as its own process by
 * freshStack.ts: when the program fails (a ConfigError, a missing plugin), the SDK's inline
 * runtime leaves rejections nobody awaits, which node's test runner would count against the test
 * file. Reads `{ projectSettings, configure }` as JSON on stdin; prints one `RESULT <json>` line.
 */
import * as pulumi from "@pulumi/pulumi";
import { type EngineEvent, LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pulumiHome, pulumiSpec, repoRoot, toolBin, toolDir } from "../../scripts/engine/tools";

/** A `pulumi config set` (or `rm`) run against the new stack; `input` goes through stdin. */
export interface ConfigSet {
    /** Defaults to `set`. */
    readonly command?: "set" | "rm";
    readonly args: string[];
    readonly input?: string;
}

/** What one preview showed. */
export interface Preview {
    /** The CLI's error text; undefined when the preview succeeded. */
    readonly error?: string;
    /**
     * `type name` of each resource the program asked to register (the stack's first, from the
     * engine's events; then each one the program constructed).
     */
    readonly registered: string[];
    /** A `pulumi config set` that failed, with its stderr. */
    readonly configError?: string;
}

/**
 * The real entry point as an inline program, loaded afresh for each operation. Every resource the
 * program constructs is recorded in `constructed`, in this process and in order: the engine's
 * registration events stop arriving once a missing plugin aborts the preview, and how many arrive
 * before that varies from run to run.
 */
function realProgram(constructed: string[]): () => Promise<Record<string, unknown>> {
    const entry = require.resolve(join(repoRoot, "index.ts"));
    // eslint-disable-next-line @typescript-eslint/require-await
    return async () => {
        pulumi.runtime.registerStackTransformation((args) => {
            constructed.push(`${args.type} ${args.name}`);
            return undefined;
        });
        delete require.cache[entry];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return { ...(require(entry) as Record<string, unknown>) };
    };
}

async function previewFreshDev(
    projectSettings: Record<string, unknown>,
    configure: readonly ConfigSet[],
): Promise<Preview> {
    const work = mkdtempSync(join(tmpdir(), "ingest-engine-fresh-"));
    try {
        // Neither the file:// backend nor LocalWorkspace creates its directory.
        mkdirSync(join(work, "state"));
        mkdirSync(join(work, "project"));
        // The committed dev stack file, as a fresh clone has it.
        copyFileSync(join(repoRoot, "Pulumi.dev.yaml"), join(work, "project", "Pulumi.dev.yaml"));
        const env = {
            PULUMI_BACKEND_URL: `file://${join(work, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString("hex"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
            // No plugin can be downloaded here: fail at once instead of retrying get.pulumi.com.
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_HOME: pulumiHome,
            NODE_PATH: join(repoRoot, "node_modules"),
            PATH: `${toolBin(pulumiSpec)}:${process.env.PATH ?? ""}`,
        };
        const pulumiCommand = await PulumiCommand.get({
            root: toolDir(pulumiSpec.name, pulumiSpec.version),
        });
        const constructed: string[] = [];
        const stack = await LocalWorkspace.createStack(
            { stackName: "dev", projectName: "ingest-platform", program: realProgram(constructed) },
            {
                pulumiCommand,
                pulumiHome,
                workDir: join(work, "project"),
                projectSettings: projectSettings as never,
                envVars: env,
            },
        );
        for (const c of configure) {
            const r = spawnSync(
                join(toolBin(pulumiSpec), "pulumi"),
                ["config", c.command ?? "set", ...c.args, "--stack", "dev"],
                {
                    cwd: join(work, "project"),
                    env: { ...process.env, ...env },
                    input: c.input,
                    encoding: "utf8",
                },
            );
            if (r.status !== 0) {
                return { registered: [], configError: `${c.args.join(" ")}: ${r.stderr}` };
            }
        }
        const registered: string[] = [];
        const onEvent = (e: EngineEvent) => {
            // The SDK's debug line for each registration, logged before any plugin is loaded.
            const m = /^Registering resource: t=([^,]+), name=([^,]+),/.exec(
                e.diagnosticEvent?.message ?? "",
            );
            if (m) registered.push(`${m[1]} ${m[2]}`);
        };
        const all = () => [...new Set([...registered, ...constructed])];
        try {
            await stack.preview({ onEvent, onOutput: () => undefined });
            return { registered: all() };
        } catch (e) {
            return { error: (e as Error).message, registered: all() };
        }
    } finally {
        rmSync(work, { recursive: true, force: true });
    }
}

if (require.main === module) {
    // Left behind by the inline runtime when the program fails; the preview's result says why.
    process.on("unhandledRejection", () => undefined);
    const request = JSON.parse(readFileSync(0, "utf8")) as {
        projectSettings: Record<string, unknown>;
        configure: ConfigSet[];
    };
    void previewFreshDev(request.projectSettings, request.configure).then((result) => {
        console.log(`RESULT ${JSON.stringify(result)}`);
        process.exit(0);
    });
}
