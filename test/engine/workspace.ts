/**
 * What the engine tests share beyond creating the stack (scripts/engine/stack.ts): secret config
 * through stdin, the project copy, the full-provider `providerRef`, the cleanup each test file
 * does after.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { pulumiSpec, repoRoot, toolBin } from "../../scripts/engine/tools";
import { timings } from "./steps";

/**
 * A `providerRef` that returns the full implementation, so Pulumi serializes all of it into the
 * state: what stacks created before the thin providers hold.
 */
export const FULL_PROVIDER_REF = `
import type * as pulumi from "@pulumi/pulumi";

export function providerRef(modulePath: string, exportName: string): pulumi.dynamic.ResourceProvider {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("../" + modulePath)[exportName] as pulumi.dynamic.ResourceProvider;
}
`;

/**
 * `pulumi config set --secret <key>` with the value on stdin, so it never appears on a command
 * line (the Automation API's setConfig passes values as arguments).
 */
export function setSecretConfig(
    env: Record<string, string>,
    cwd: string,
    stackName: string,
    key: string,
    value: string,
): void {
    const set = spawnSync(
        join(toolBin(pulumiSpec), "pulumi"),
        ["config", "set", "--secret", key, "--stack", stackName],
        { cwd, env: { ...process.env, ...env }, input: value, encoding: "utf8" },
    );
    assert.equal(set.status, 0, `pulumi config set --secret ${key} failed: ${set.stderr}`);
}

/**
 * A project directory `dir` holding a copy of the repository's `connectors/` (so a test can
 * change it) and a link to its node_modules: the dynamic-provider host starts there.
 */
export function projectCopy(dir: string): void {
    mkdirSync(dir);
    cpSync(join(repoRoot, "connectors"), join(dir, "connectors"), { recursive: true });
    symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
}

/** Destroys what a failed test left of the stack; a failing cleanup is printed, not thrown. */
export async function destroyLeftover(stack: Stack | undefined, destroyed: boolean): Promise<void> {
    if (!stack || destroyed) return;
    await stack.destroy({ onOutput: () => undefined }).catch((e: Error) => {
        console.log(`# cleanup destroy failed: ${e.message}`);
    });
}

/** Prints every step's wall time under `title`. */
export function printTimings(title: string, width = 26): void {
    console.log(`# ${title}`);
    for (const [step, ms] of timings) {
        console.log(`#   ${step.padEnd(width)} ${(ms / 1000).toFixed(1)} s`);
    }
}
