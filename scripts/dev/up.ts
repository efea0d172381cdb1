/**
 * `npm run dev:up`: deploys the dev stack to a local kind cluster from a fresh clone.
 *
 *   npm run dev:up                 check tools, set up cluster/registry/LocalStack/backend/stack, pulumi up
 *   npm run dev:up -- --check      report what is missing on this machine; change nothing
 *   npm run dev:up -- --small      first switch off ksqlDB, its CLI, the console and Sqoop (small machines)
 *
 * Every step checks before it acts, so running it again after a failure continues where it
 * stopped. Exit codes: 0 done (or `--check` found nothing missing), 1 something missing or failed.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { ROOT, SMALL_MACHINE_CONFIG, STACK, devSettings } from "./settings";
import { live, pulumiEnv, setupSteps } from "./steps";
import { describeTool, probe, requiredTools } from "./tools";

const execFileP = promisify(execFile);

/** Node major version the Pulumi SDK needs. */
export const MIN_NODE_MAJOR = 22;

function pulumiSdkVersion(): string {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
    };
    return pkg.dependencies["@pulumi/pulumi"].replace(/^[^\d]*/, "");
}

/** The data tools in package.json (scripts under scripts/tools/), as `npm run <x>` lines. */
export function dataToolCommands(scripts: Record<string, string>): string[] {
    return Object.entries(scripts)
        .filter(([, cmd]) => cmd.includes("scripts/tools/"))
        .map(([name]) => `npm run ${name}`);
}

/** Where and how {@link main} runs; tests point it at a copy of the project and fake tools. */
export interface UpContext {
    readonly root: string;
    readonly env: NodeJS.ProcessEnv;
    readonly nodeVersion: string;
}

/** Runs dev:up; returns the exit code. */
export async function main(
    argv: string[],
    ctx: UpContext = { root: ROOT, env: process.env, nodeVersion: process.versions.node },
): Promise<number> {
    const check = argv.includes("--check");
    const small = argv.includes("--small");
    const unknown = argv.filter((a) => !["--check", "--small"].includes(a));
    if (unknown.length > 0) {
        console.error(
            `dev:up: unknown argument(s) ${unknown.join(" ")}; use --check and/or --small`,
        );
        return 1;
    }
    const env = ctx.env;
    console.log(check ? "dev:up --check: nothing is changed.\n" : "dev:up\n");

    console.log("Tools:");
    const nodeMajor = Number(ctx.nodeVersion.split(".")[0]);
    const nodeOk = nodeMajor >= MIN_NODE_MAJOR;
    console.log(
        nodeOk
            ? `  ok       node ${ctx.nodeVersion} (>= ${MIN_NODE_MAJOR})`
            : `  MISSING  node >= ${MIN_NODE_MAJOR} (@pulumi/pulumi ${pulumiSdkVersion()} needs it): ` +
                  `running ${ctx.nodeVersion}\n           install: https://nodejs.org or nvm install ${MIN_NODE_MAJOR}`,
    );
    const tools = await Promise.all(requiredTools().map(probe));
    for (const t of tools) console.log(describeTool(t));
    const missingTools = tools.filter((t) => !t.ok).map((t) => t.tool.name);
    if (!nodeOk) missingTools.unshift("node");

    const s = devSettings(env, ctx.root);
    const steps = setupSteps(s, env);
    if (check || missingTools.length > 0) {
        console.log("\nSteps (what is there now / what dev:up would do):");
        let pending = 0;
        for (const step of steps) {
            // Read-only checks; one whose tool is missing reports what it would do.
            const state = await step
                .check()
                .catch((e: Error) => ({ done: false, detail: e.message }));
            if (!state.done) pending++;
            console.log(`  ${state.done ? "ok  " : "TODO"}  ${step.title}: ${state.detail}`);
        }
        console.log(
            `  TODO  pulumi up --stack ${STACK}${small ? " (after --small's config)" : ""}`,
        );
        if (missingTools.length > 0) {
            console.log(
                `\nMissing: ${missingTools.join(", ")}. Install them (hints above), then run npm run dev:up.`,
            );
            return 1;
        }
        console.log(`\n${pending} step(s) to do, then pulumi up. Run: npm run dev:up`);
        return pending > 0 ? 1 : 0;
    }

    for (const step of steps) {
        const state = await step.check();
        if (state.done) {
            console.log(`ok    ${step.title}: ${state.detail}`);
            continue;
        }
        console.log(`...   ${step.title}: ${state.detail}`);
        await step.apply();
        console.log(`done  ${step.title}`);
    }
    const penv = pulumiEnv(s, env);
    if (small) {
        for (const [key, value] of Object.entries(SMALL_MACHINE_CONFIG)) {
            await live(
                "pulumi",
                ["config", "set", "--stack", STACK, "--path", key, String(value)],
                { env: penv, cwd: ctx.root },
            );
        }
        console.log(
            `--small: set ${Object.keys(SMALL_MACHINE_CONFIG).join(", ")} to false in Pulumi.${STACK}.yaml`,
        );
    }
    await live("pulumi", ["up", "--stack", STACK, "--yes"], { env: penv, cwd: ctx.root });
    await printNext(penv, ctx.root);
    return 0;
}

async function printNext(penv: NodeJS.ProcessEnv, root: string): Promise<void> {
    // Outputs only; secret outputs stay [secret].
    const res = await execFileP("pulumi", ["stack", "output", "--stack", STACK, "--json"], {
        cwd: root,
        env: penv,
    });
    const outputs = JSON.parse(res.stdout) as Record<string, unknown>;
    console.log("\nEndpoints (stack outputs):");
    for (const [k, v] of Object.entries(outputs)) {
        if (typeof v === "string") console.log(`  ${k}: ${v}`);
    }
    const commands = outputs.commands as Record<string, string> | undefined;
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
    };
    console.log("\nNext:");
    for (const line of dataToolCommands(pkg.scripts)) console.log(`  ${line}`);
    for (const [k, v] of Object.entries(commands ?? {})) console.log(`  ${v}   # ${k}`);
    const back = penv.PULUMI_BACKEND_URL;
    const pass = penv.PULUMI_CONFIG_PASSPHRASE_FILE;
    console.log(
        `  pulumi commands by hand: export PULUMI_BACKEND_URL=${back}` +
            (pass ? ` PULUMI_CONFIG_PASSPHRASE_FILE=${pass}` : ""),
    );
    console.log(
        "  npm run dev:down   # destroy the stack, delete the cluster and the side containers",
    );
}

if (require.main === module) {
    void (async () => {
        try {
            process.exitCode = await main(process.argv.slice(2));
        } catch (e) {
            console.error(
                `\ndev:up failed: ${(e as Error).message}\nFix the cause and run npm run dev:up again: it continues where it stopped.`,
            );
            process.exitCode = 1;
        }
    })();
}
