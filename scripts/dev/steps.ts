/**
 * The steps of `npm run dev:up`, each a read-only `check` and an idempotent `apply`: running
 * dev:up again after a failure re-checks every step and applies only what is not done yet, so it
 * continues where it stopped. `--check` runs the checks alone.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { run } from "./tools";
import { LOCALSTACK_IMAGE, REGISTRY_IMAGE, ROOT, STACK, type DevSettings } from "./settings";

/** A step's state as found, and what applying it will do. */
export interface StepState {
    readonly done: boolean;
    /** What is there now, or what apply will do. */
    readonly detail: string;
}

/** One idempotent step. */
export interface Step {
    readonly title: string;
    check(): Promise<StepState>;
    apply(): Promise<void>;
}

/** Environment of every `pulumi` command: the local backend and the passphrase. */
export function pulumiEnv(s: DevSettings, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    const ownPassphrase =
        env.PULUMI_CONFIG_PASSPHRASE !== undefined ||
        env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined;
    return {
        ...env,
        PULUMI_BACKEND_URL: env.PULUMI_BACKEND_URL ?? `file://${s.stateDir}`,
        ...(ownPassphrase ? {} : { PULUMI_CONFIG_PASSPHRASE_FILE: s.passphraseFile }),
        PULUMI_SKIP_UPDATE_CHECK: "true",
    };
}

/** Runs a long command with its output on this terminal; throws with the command on failure. */
export function live(
    cmd: string,
    args: string[],
    opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
) {
    return new Promise<void>((resolve, reject) => {
        const child = spawn(cmd, args, {
            cwd: opts.cwd ?? ROOT,
            env: opts.env ?? process.env,
            stdio: [opts.input === undefined ? "inherit" : "pipe", "inherit", "inherit"],
        });
        if (opts.input !== undefined) child.stdin?.end(opts.input);
        child.on("error", reject);
        child.on("close", (code) =>
            code === 0
                ? resolve()
                : reject(new Error(`\`${cmd} ${args.join(" ")}\` exited with ${code}`)),
        );
    });
}

async function must(
    cmd: string,
    args: string[],
    env?: NodeJS.ProcessEnv,
    cwd?: string,
): Promise<string> {
    const res = await runIn(cmd, args, env, cwd);
    if (res.code !== 0) {
        throw new Error(
            `\`${cmd} ${args.join(" ")}\` failed: ${(res.stderr || res.stdout).trim()}`,
        );
    }
    return res.stdout;
}

/** Runs a command in the repository with `env` (default: this process's) and collects its output. */
export function runIn(cmd: string, args: string[], env?: NodeJS.ProcessEnv, cwd = ROOT) {
    if (!env) return run(cmd, args, 120_000);
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", (e) => resolve({ code: null, stdout, stderr: e.message }));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/** `running`, `exited`… of a container, or undefined when there is none. */
async function containerState(name: string): Promise<string | undefined> {
    const res = await run("docker", ["inspect", "-f", "{{.State.Status}}", name]);
    return res.code === 0 ? res.stdout.trim() : undefined;
}

function container(title: string, name: string, runArgs: string[]): Step {
    return {
        title,
        async check() {
            const state = await containerState(name);
            if (state === "running") return { done: true, detail: `container ${name} is running` };
            return {
                done: false,
                detail: state
                    ? `container ${name} is ${state}: docker start ${name}`
                    : `no container ${name}: docker run ${runArgs.join(" ")}`,
            };
        },
        async apply() {
            const state = await containerState(name);
            if (state === "running") return;
            if (state) await must("docker", ["start", name]);
            else await must("docker", ["run", ...runArgs]);
        },
    };
}

async function clusterExists(s: DevSettings): Promise<boolean | undefined> {
    const res = await run("kind", ["get", "clusters"]);
    if (res.code !== 0) return undefined;
    return res.stdout.split("\n").some((l) => l.trim() === s.cluster);
}

async function onKindNetwork(name: string): Promise<boolean> {
    const res = await run("docker", ["inspect", "-f", "{{json .NetworkSettings.Networks}}", name]);
    return res.code === 0 && res.stdout.includes('"kind"');
}

/** The containerd registry host config kind's nodes read (kind's documented local-registry pattern). */
export function hostsToml(s: DevSettings): string {
    return `[host."http://${s.registryName}:5000"]\n`;
}

/** The ConfigMap that tells tools where the cluster's local registry is (KEP-1755). */
export function registryConfigMap(s: DevSettings): string {
    return [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        "  name: local-registry-hosting",
        "  namespace: kube-public",
        "data:",
        "  localRegistryHosting.v1: |",
        `    host: "localhost:${s.registryPort}"`,
        '    help: "https://kind.sigs.k8s.io/docs/user/local-registry/"',
        "",
    ].join("\n");
}

/** The steps before `pulumi up`, in order. */
export function setupSteps(s: DevSettings, env: NodeJS.ProcessEnv): Step[] {
    const certsDir = `/etc/containerd/certs.d/localhost:${s.registryPort}`;
    const steps: Step[] = [
        container("local image registry", s.registryName, [
            ...["-d", "--restart=always", "--name", s.registryName],
            ...["-p", `127.0.0.1:${s.registryPort}:5000`, "--network", "bridge", REGISTRY_IMAGE],
        ]),
    ];
    if (s.localstack) {
        const ls = s.localstack;
        steps.push(
            container("S3 endpoint (LocalStack)", ls.name, [
                ...["-d", "--restart=always", "--name", ls.name],
                ...["-p", `127.0.0.1:${ls.port}:4566`, LOCALSTACK_IMAGE],
            ]),
        );
    }
    steps.push(
        {
            title: `kind cluster ${s.cluster}`,
            async check() {
                const exists = await clusterExists(s);
                if (exists === undefined) {
                    return {
                        done: false,
                        detail: `\`kind get clusters\` failed; then kind create cluster --name ${s.cluster} --config scripts/kind-config.yaml`,
                    };
                }
                if (!exists) {
                    return {
                        done: false,
                        detail: `absent: kind create cluster --name ${s.cluster} --config scripts/kind-config.yaml`,
                    };
                }
                const ports = await run("docker", ["port", `${s.cluster}-control-plane`]);
                if (!ports.stdout.includes("30083")) {
                    return {
                        done: false,
                        detail:
                            `exists but was not created from scripts/kind-config.yaml (no NodePort ` +
                            `mappings): run npm run dev:down, then npm run dev:up`,
                    };
                }
                return { done: true, detail: `exists, NodePorts mapped to localhost` };
            },
            async apply() {
                const state = await this.check();
                if (state.done) return;
                if (await clusterExists(s))
                    throw new Error(`kind cluster ${s.cluster} ${state.detail}`);
                await live("kind", [
                    "create",
                    "cluster",
                    "--name",
                    s.cluster,
                    "--config",
                    s.kindConfig,
                ]);
            },
        },
        {
            title: `cluster pulls localhost:${s.registryPort}/… from the registry`,
            async check() {
                if (!(await clusterExists(s)))
                    return { done: false, detail: "after the cluster exists" };
                const missing: string[] = [];
                if (!(await onKindNetwork(s.registryName)))
                    missing.push(`${s.registryName} not on the kind network`);
                const nodes = (await run("kind", ["get", "nodes", "--name", s.cluster])).stdout
                    .split("\n")
                    .filter(Boolean);
                for (const node of nodes) {
                    const cat = await run("docker", [
                        "exec",
                        node,
                        "cat",
                        `${certsDir}/hosts.toml`,
                    ]);
                    if (cat.code !== 0 || cat.stdout !== hostsToml(s))
                        missing.push(`${node} has no ${certsDir}/hosts.toml`);
                }
                return missing.length === 0
                    ? { done: true, detail: `${nodes.length} node(s) configured` }
                    : { done: false, detail: missing.join("; ") };
            },
            async apply() {
                if (!(await onKindNetwork(s.registryName))) {
                    await must("docker", ["network", "connect", "kind", s.registryName]);
                }
                const nodes = (await must("kind", ["get", "nodes", "--name", s.cluster]))
                    .split("\n")
                    .filter(Boolean);
                for (const node of nodes) {
                    await must("docker", ["exec", node, "mkdir", "-p", certsDir]);
                    await live(
                        "docker",
                        ["exec", "-i", node, "sh", "-c", `cat > '${certsDir}/hosts.toml'`],
                        {
                            input: hostsToml(s),
                        },
                    );
                }
                await live("kubectl", ["--context", s.context, "apply", "-f", "-"], {
                    input: registryConfigMap(s),
                });
            },
        },
    );
    if (s.localstack) {
        const ls = s.localstack;
        steps.push({
            title: "LocalStack reachable from the cluster (dataLake.storeUrl)",
            async check() {
                if (!(await clusterExists(s)))
                    return { done: false, detail: "after the cluster exists" };
                return (await onKindNetwork(ls.name))
                    ? { done: true, detail: `${ls.name} is on the kind network` }
                    : { done: false, detail: `docker network connect kind ${ls.name}` };
            },
            async apply() {
                if (!(await onKindNetwork(ls.name)))
                    await must("docker", ["network", "connect", "kind", ls.name]);
                await waitHealthy(`http://127.0.0.1:${ls.port}/_localstack/health`, 90_000);
            },
        });
    }
    steps.push(
        {
            title: "local state backend",
            check() {
                const url = pulumiEnv(s, env).PULUMI_BACKEND_URL;
                return Promise.resolve(
                    existsSync(s.stateDir)
                        ? { done: true, detail: `${url} (directory exists)` }
                        : {
                              done: false,
                              detail: `mkdir -p ${s.stateDir} (pulumi login ${url} fails without it)`,
                          },
                );
            },
            apply() {
                mkdirSync(s.stateDir, { recursive: true, mode: 0o700 });
                return Promise.resolve();
            },
        },
        {
            title: "stack secrets passphrase",
            check() {
                if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) {
                    return Promise.resolve({
                        done: true,
                        detail: "PULUMI_CONFIG_PASSPHRASE is set",
                    });
                }
                if (env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined) {
                    return Promise.resolve({
                        done: true,
                        detail: `PULUMI_CONFIG_PASSPHRASE_FILE=${env.PULUMI_CONFIG_PASSPHRASE_FILE}`,
                    });
                }
                return Promise.resolve(
                    existsSync(s.passphraseFile)
                        ? {
                              done: true,
                              detail: `PULUMI_CONFIG_PASSPHRASE_FILE=${s.passphraseFile}`,
                          }
                        : { done: false, detail: `generate ${s.passphraseFile} (mode 600)` },
                );
            },
            apply() {
                const own =
                    env.PULUMI_CONFIG_PASSPHRASE !== undefined ||
                    env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined;
                if (!own && !existsSync(s.passphraseFile)) {
                    writeFileSync(s.passphraseFile, randomBytes(24).toString("base64url") + "\n", {
                        mode: 0o600,
                        flag: "wx",
                    });
                }
                return Promise.resolve();
            },
        },
        {
            title: `stack ${STACK}`,
            async check() {
                if (!existsSync(s.stateDir))
                    return {
                        done: false,
                        detail: `pulumi stack init ${STACK} (after the backend exists)`,
                    };
                const res = await runIn(
                    "pulumi",
                    ["stack", "ls", "--json"],
                    pulumiEnv(s, env),
                    s.root,
                );
                const names =
                    res.code === 0
                        ? (JSON.parse(res.stdout) as { name: string }[]).map((x) => x.name)
                        : [];
                return names.includes(STACK)
                    ? { done: true, detail: "exists in the backend" }
                    : { done: false, detail: `pulumi stack select --create ${STACK}` };
            },
            async apply() {
                await must(
                    "pulumi",
                    ["stack", "select", "--create", STACK, "--non-interactive"],
                    pulumiEnv(s, env),
                    s.root,
                );
            },
        },
        {
            title: "no operation left pending by an interrupted update",
            async check() {
                if (!existsSync(s.stateDir)) return { done: true, detail: "no state yet" };
                const res = await runIn(
                    "pulumi",
                    ["stack", "export", "--stack", STACK],
                    pulumiEnv(s, env),
                    s.root,
                );
                if (res.code !== 0) return { done: true, detail: "no state yet" };
                const pending =
                    (JSON.parse(res.stdout) as { deployment?: { pending_operations?: unknown[] } })
                        .deployment?.pending_operations?.length ?? 0;
                return pending === 0
                    ? { done: true, detail: "none" }
                    : {
                          done: false,
                          detail: `${pending} pending: pulumi refresh --clear-pending-creates`,
                      };
            },
            async apply() {
                if ((await this.check()).done) return;
                await live(
                    "pulumi",
                    ["refresh", "--stack", STACK, "--yes", "--clear-pending-creates"],
                    { env: pulumiEnv(s, env), cwd: s.root },
                );
            },
        },
    );
    return steps;
}

/** Polls `url` until it answers 200, or throws after `timeoutMs`. */
async function waitHealthy(url: string, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
        try {
            const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
            if (res.ok) return;
        } catch {
            // not up yet
        }
        if (Date.now() > until)
            throw new Error(`${url} did not answer within ${timeoutMs / 1000}s`);
        await new Promise((r) => setTimeout(r, 2_000));
    }
}
