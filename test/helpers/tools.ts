/** Runs a data tool (`scripts/tools/<name>.ts`) as `npm run <name>` would, capturing its output. */
import { join } from "node:path";
import { runCommand, type CommandResult } from "../../scripts/services/util";

const ROOT = join(__dirname, "../..");

/** `node --import tsx scripts/tools/<name>.ts ...args` from the project root. */
export function runTool(
    name: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = {},
): Promise<CommandResult> {
    return runCommand(
        process.execPath,
        ["--import", "tsx", join(ROOT, "scripts/tools", `${name}.ts`), ...args],
        { cwd: ROOT, env: { ...process.env, ...env } },
    );
}
