/**
 * Stacks run by the CLI `npm run engine:build` builds (the engine tier's tests and the bench's
 * engine section): a `file://` backend in a directory of the caller's, a random secrets
 * passphrase, an inline program.
 */
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { pulumiHome, pulumiSpec, repoRoot, toolBin, toolDir } from "./tools";

/**
 * The environment of every CLI run on a stack whose state lives in `stateDir` (which must exist:
 * neither the `file://` backend nor LocalWorkspace creates it). `nodePath`: let the
 * dynamic-provider host resolve packages from the repository's node_modules as well as its cwd.
 */
export function cliEnv(stateDir: string, nodePath: boolean): Record<string, string> {
    return {
        PULUMI_BACKEND_URL: `file://${stateDir}`,
        PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString("hex"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_HOME: pulumiHome,
        ...(nodePath ? { NODE_PATH: join(repoRoot, "node_modules") } : {}),
        PATH: `${toolBin(pulumiSpec)}:${process.env.PATH ?? ""}`,
    };
}

/** Creates (or selects) an inline-program stack run by the built CLI. */
export async function engineStack(opts: {
    stackName: string;
    projectName: string;
    program: PulumiFn;
    workDir: string;
    env: Record<string, string>;
    /** Project settings; the default is a bare Node.js project named `projectName`. */
    projectSettings?: unknown;
}): Promise<Stack> {
    const pulumiCommand = await PulumiCommand.get({
        root: toolDir(pulumiSpec.name, pulumiSpec.version),
    });
    return LocalWorkspace.createOrSelectStack(
        { stackName: opts.stackName, projectName: opts.projectName, program: opts.program },
        {
            pulumiCommand,
            pulumiHome,
            workDir: opts.workDir,
            projectSettings: (opts.projectSettings ?? {
                name: opts.projectName,
                runtime: "nodejs",
            }) as never,
            envVars: opts.env,
        },
    );
}
