/**
 * Builds the engine tier's toolchain from the Go module proxy into the cache (see `tools.ts`):
 * the Pulumi CLI, the Kubernetes provider plugin (installed into the engine's PULUMI_HOME),
 * kube-apiserver / kube-controller-manager / kube-scheduler, etcd and kwok.
 *
 *   npx tsx scripts/engine/build.ts            build the engine tier's tools (warm: stamps only)
 *   npx tsx scripts/engine/build.ts etcd kwok  build the named tools (also on-demand ones such as
 *                                              kubernetes-node: kubelet, kubeadm, kubectl, kube-proxy)
 *
 * Each tool is built from a generated wrapper module in its cache directory (never in the repo):
 * it requires the upstream module at the pinned version and repeats the upstream `replace` lines
 * that point into the upstream's own tree with real versions instead. A stamp file records the
 * recipe, so a later run with the same recipe and binaries present does nothing. Tools build one
 * at a time: the machine's two cores are shared.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
    chmodSync,
    copyFileSync,
    existsSync,
    mkdirSync,
    readFileSync,
    rmSync,
    statSync,
    writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
    type GoToolSpec,
    goTools,
    kubernetesPluginPath,
    kubernetesProviderSpec,
    pulumiHome,
    pulumiSdkVersion,
    pulumiSpec,
    repoRoot,
    toolBin,
    toolDir,
    unavailableTools,
} from "./tools";

interface GoModJson {
    Go?: string;
    Require?: { Path: string; Version: string }[];
    Replace?: { Old: { Path: string }; New: { Path: string; Version?: string } }[];
}

interface Stamp {
    readonly recipe: string;
    readonly builtAt: string;
    readonly seconds: number;
}

const goEnv: NodeJS.ProcessEnv = {
    ...process.env,
    GOFLAGS: "-mod=mod -buildvcs=false",
    // Never fetch another Go toolchain: only modules come from the proxy.
    GOTOOLCHAIN: "local",
    CGO_ENABLED: "0",
};

function run(cmd: string, args: readonly string[], cwd: string): string {
    const res = spawnSync(cmd, [...args], {
        cwd,
        env: goEnv,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
    });
    if (res.status !== 0) {
        const out = `${res.stdout ?? ""}${res.stderr ?? ""}`.trim().split("\n").slice(-40);
        throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${out.join("\n")}`);
    }
    return res.stdout;
}

function goVersion(): string {
    return run("go", ["env", "GOVERSION"], repoRoot).trim();
}

/** The upstream module, downloaded through the proxy: its go.mod as JSON and its directory. */
function upstreamModule(spec: GoToolSpec, scratch: string): { goMod: GoModJson; dir: string } {
    const ref = `${spec.upstream.module}@${spec.upstream.version}`;
    const info = JSON.parse(run("go", ["mod", "download", "-json", ref], scratch)) as {
        GoMod?: string;
        Dir?: string;
        Error?: string;
    };
    if (info.GoMod === undefined || info.Dir === undefined) {
        throw new Error(`go mod download ${ref}: ${info.Error ?? "no module"}`);
    }
    const goMod = JSON.parse(run("go", ["mod", "edit", "-json", info.GoMod], scratch)) as GoModJson;
    return { goMod, dir: info.Dir };
}

/** Wrapper go.mod text: upstream required at its pin, its local replaces mapped to versions. */
export function wrapperGoMod(spec: GoToolSpec, upstream: GoModJson): string {
    const required = new Map((upstream.Require ?? []).map((r) => [r.Path, r.Version]));
    const lines = [`module ingest-platform.local/engine/${spec.name}`, "", `go ${upstream.Go}`, ""];
    lines.push("require (", `\t${spec.upstream.module} ${spec.upstream.version}`);
    for (const [mod, version] of Object.entries(spec.require ?? {})) {
        lines.push(`\t${mod} ${version}`);
    }
    lines.push(")", "");
    for (const rep of upstream.Replace ?? []) {
        const target = rep.New;
        if (target.Version !== undefined) {
            lines.push(`replace ${rep.Old.Path} => ${target.Path} ${target.Version}`);
            continue;
        }
        // A directory inside the upstream's repository: use the module's published version.
        const pinned = spec.require?.[rep.Old.Path] ?? required.get(rep.Old.Path);
        const version =
            pinned !== undefined && !pinned.startsWith("v0.0.0")
                ? pinned
                : spec.localReplaceVersion?.(rep.Old.Path);
        // Not required at all (etcd's FORBIDDEN_DEPENDENCY guards): nothing to pin.
        if (version === undefined) continue;
        lines.push(`replace ${rep.Old.Path} => ${rep.Old.Path} ${version}`);
    }
    return `${lines.join("\n")}\n`;
}

function toolsGo(spec: GoToolSpec): string {
    const imports = Object.values(spec.mains)
        .filter((pkg) => pkg !== ".")
        .map((pkg) => `import _ "${pkg}"`);
    // `package main` so it can sit beside a wrapper's own main.go; the tag keeps it out of builds.
    return ["//go:build tools", "", "package main", "", ...imports, ""].join("\n");
}

function ldflags(spec: GoToolSpec): string {
    const stamps = Object.entries(spec.stamps ?? {}).map(([k, v]) => `-X ${k}=${v}`);
    return ["-s", "-w", ...stamps].join(" ");
}

function recipeOf(spec: GoToolSpec, goMod: string): string {
    const parts = [goVersion(), goMod, JSON.stringify(spec.files ?? {}), ldflags(spec)];
    parts.push(JSON.stringify(spec.mains), JSON.stringify(spec.assets ?? {}));
    parts.push(JSON.stringify(spec.embeds ?? {}));
    return createHash("sha256").update(parts.join("\0")).digest("hex");
}

function readStamp(path: string): Stamp | undefined {
    try {
        return JSON.parse(readFileSync(path, "utf8")) as Stamp;
    } catch {
        return undefined;
    }
}

/** Builds one tool unless its stamp matches; returns a one-line timing report. */
function buildTool(spec: GoToolSpec): string {
    const started = process.hrtime.bigint();
    const dir = toolDir(spec.name, spec.version);
    const src = join(dir, "src");
    const bin = toolBin(spec);
    const stampPath = join(dir, "stamp.json");
    const stamp = readStamp(stampPath);
    const binsPresent =
        Object.keys(spec.mains).every((b) => existsSync(join(bin, b))) &&
        Object.keys(spec.assets ?? {}).every((a) => existsSync(join(dir, "share", a)));
    // Warm path: the stamp stores the recipe computed from the wrapper go.mod written last time.
    if (stamp !== undefined && binsPresent && existsSync(join(src, "go.mod.in"))) {
        const recipe = recipeOf(spec, readFileSync(join(src, "go.mod.in"), "utf8"));
        if (recipe === stamp.recipe) {
            const ms = Number(process.hrtime.bigint() - started) / 1e6;
            return `${spec.name} ${spec.version}: warm (stamp ok) in ${ms.toFixed(0)} ms; last build took ${stamp.seconds} s`;
        }
    }
    rmSync(src, { recursive: true, force: true });
    mkdirSync(src, { recursive: true });
    mkdirSync(bin, { recursive: true });
    const upstream = upstreamModule(spec, src);
    const goMod = wrapperGoMod(spec, upstream.goMod);
    writeFileSync(join(src, "go.mod.in"), goMod);
    writeFileSync(join(src, "go.mod"), goMod);
    if (Object.values(spec.mains).some((pkg) => pkg !== ".")) {
        writeFileSync(join(src, "tools.go"), toolsGo(spec));
    }
    for (const [file, text] of Object.entries(spec.files ?? {})) {
        writeFileSync(join(src, file), text);
    }
    for (const [file, embed] of Object.entries(spec.embeds ?? {})) {
        const data = JSON.parse(readFileSync(join(upstream.dir, embed.path), "utf8")) as Record<
            string,
            unknown
        >;
        if (embed.version !== undefined) data.version = embed.version;
        writeFileSync(join(src, file), JSON.stringify(data));
    }
    console.log(`${spec.name} ${spec.version}: go mod tidy in ${src}`);
    run("go", ["mod", "tidy"], src);
    for (const [name, pkg] of Object.entries(spec.mains)) {
        console.log(`${spec.name} ${spec.version}: go build ${name}`);
        const out = join(bin, name);
        run("go", ["build", "-trimpath", `-ldflags=${ldflags(spec)}`, "-o", out, pkg], src);
    }
    for (const [name, path] of Object.entries(spec.assets ?? {})) {
        mkdirSync(join(dir, "share"), { recursive: true });
        copyFileSync(join(upstream.dir, path), join(dir, "share", name));
    }
    const seconds = Math.round(Number(process.hrtime.bigint() - started) / 1e9);
    const newStamp: Stamp = {
        recipe: recipeOf(spec, goMod),
        builtAt: new Date().toISOString(),
        seconds,
    };
    writeFileSync(stampPath, `${JSON.stringify(newStamp, null, 2)}\n`);
    return `${spec.name} ${spec.version}: cold build ${seconds} s`;
}

/**
 * Puts the dynamic-provider host script shipped in the @pulumi/pulumi npm package next to the
 * CLI, where the engine looks for `pulumi-resource-pulumi-nodejs` before searching PATH.
 */
function installDynamicProviderHost(): string {
    const name = "pulumi-resource-pulumi-nodejs";
    const from = join(repoRoot, "node_modules", "@pulumi", "pulumi", name);
    const to = join(toolBin(pulumiSpec), name);
    if (!existsSync(to) || !readFileSync(to).equals(readFileSync(from))) {
        copyFileSync(from, to);
    }
    chmodSync(to, 0o755);
    mkdirSync(pulumiHome, { recursive: true });
    return `${name}: from @pulumi/pulumi ${pulumiSdkVersion} at ${to}`;
}

/**
 * Installs the built Kubernetes provider into the engine's PULUMI_HOME as the version the npm SDK
 * asks for, unless the installed copy already matches the binary (size and modification time).
 */
function installKubernetesPlugin(): string {
    const name = kubernetesProviderSpec.name;
    const built = join(toolBin(kubernetesProviderSpec), name);
    const cli = join(toolBin(pulumiSpec), "pulumi");
    if (!existsSync(built) || !existsSync(cli)) {
        return `${name}: not installed (build pulumi and ${name} first)`;
    }
    const version = kubernetesProviderSpec.version;
    if (existsSync(kubernetesPluginPath)) {
        const [a, b] = [statSync(built), statSync(kubernetesPluginPath)];
        if (a.size === b.size && b.mtimeMs >= a.mtimeMs) {
            return `${name} ${version}: installed in ${pulumiHome}`;
        }
    }
    const started = Date.now();
    const res = spawnSync(
        cli,
        ["plugin", "install", "resource", "kubernetes", version, "--file", built, "--reinstall"],
        { env: { ...process.env, PULUMI_HOME: pulumiHome }, encoding: "utf8" },
    );
    if (res.status !== 0) {
        throw new Error(`pulumi plugin install resource kubernetes ${version}: ${res.stderr}`);
    }
    return `${name} ${version}: installed in ${pulumiHome} in ${Date.now() - started} ms`;
}

function main(): void {
    const wanted = process.argv.slice(2);
    const known = goTools.map((t) => t.name);
    const missing = unavailableTools.filter((t) => wanted.includes(t.name));
    for (const t of missing) {
        console.error(`${t.name} ${t.version}: cannot be built here: ${t.reason}`);
    }
    const unknown = wanted.filter((w) => !known.includes(w) && !missing.some((t) => t.name === w));
    if (unknown.length > 0 || missing.length > 0) {
        if (unknown.length > 0) {
            console.error(`unknown tools: ${unknown.join(", ")} (known: ${known.join(", ")})`);
        }
        process.exit(2);
    }
    const selected = goTools.filter((t) =>
        wanted.length === 0 ? t.onDemand !== true : wanted.includes(t.name),
    );
    const lines: string[] = [];
    for (const spec of selected) {
        lines.push(buildTool(spec));
        console.log(lines[lines.length - 1]);
        if (spec === pulumiSpec) {
            lines.push(installDynamicProviderHost());
        }
    }
    if (selected.some((t) => t === pulumiSpec || t === kubernetesProviderSpec)) {
        lines.push(installKubernetesPlugin());
        console.log(lines[lines.length - 1]);
    }
    console.log("\n# engine toolchain");
    for (const line of lines) console.log(`  ${line}`);
    for (const t of unavailableTools) {
        console.log(`  ${t.name} ${t.version}: not built (${t.reason})`);
    }
}

if (require.main === module) {
    try {
        main();
    } catch (err) {
        console.error((err as Error).message);
        process.exit(1);
    }
}
