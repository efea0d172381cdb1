/**
 * `npm run dev:down`: destroys the dev stack (its HDFS directories and topics go with their data:
 * Pulumi.dev.yaml sets pipelines.deleteDataOnDestroy), then deletes the kind cluster and the
 * registry and LocalStack containers. The state backend, the passphrase file and the (now empty)
 * stack are kept, so `npm run dev:up` starts again from scratch.
 *
 *   npm run dev:down               destroy, then delete cluster and containers
 *   npm run dev:down -- --force    delete cluster and containers even when destroy fails
 */
import { ROOT, STACK, devSettings } from "./settings";
import { live, pulumiEnv, runIn } from "./steps";
import { run } from "./tools";

/** Runs dev:down in `root` (tests: a copy of the project); returns the exit code. */
export async function main(
    argv: string[],
    ctx: { root: string; env: NodeJS.ProcessEnv } = { root: ROOT, env: process.env },
): Promise<number> {
    const force = argv.includes("--force");
    const s = devSettings(ctx.env, ctx.root);
    const penv = pulumiEnv(s, ctx.env);
    let destroyed = true;
    const stacks = await runIn("pulumi", ["stack", "ls", "--json"], penv, ctx.root);
    const known =
        stacks.code === 0 &&
        (JSON.parse(stacks.stdout) as { name: string }[]).some((x) => x.name === STACK);
    if (known) {
        try {
            await live("pulumi", ["destroy", "--stack", STACK, "--yes"], {
                env: penv,
                cwd: ctx.root,
            });
        } catch (e) {
            destroyed = false;
            console.error(
                `\npulumi destroy failed: ${(e as Error).message}.\n` +
                    (force
                        ? "--force: deleting the cluster anyway; the stack's state still lists its " +
                          `resources: clear it with pulumi stack rm ${STACK} --force --preserve-config.`
                        : "Fix the cause and run npm run dev:down again, or npm run dev:down -- --force " +
                          "to delete the cluster anyway."),
            );
            if (!force) return 1;
        }
    } else {
        console.log(`No stack ${STACK} in ${penv.PULUMI_BACKEND_URL}: nothing to destroy.`);
    }
    const clusters = await run("kind", ["get", "clusters"]);
    if (clusters.stdout.split("\n").some((l) => l.trim() === s.cluster)) {
        await live("kind", ["delete", "cluster", "--name", s.cluster]);
    }
    for (const name of [s.registryName, s.localstack?.name].filter((n) => n !== undefined)) {
        const res = await run("docker", ["rm", "-f", name]);
        console.log(res.code === 0 ? `removed container ${name}` : `no container ${name}`);
    }
    return destroyed ? 0 : 1;
}

if (require.main === module) {
    void main(process.argv.slice(2)).then(
        (code) => (process.exitCode = code),
        (e: Error) => {
            console.error(`dev:down failed: ${e.message}`);
            process.exitCode = 1;
        },
    );
}
