/**
 * Builds everything the offline kind cluster needs, with no image pulled from any registry:
 *
 *   debian   debootstrap of the pinned Debian suite, `docker import`ed as the base of all images
 *   bases    Debian JRE, JDK, Maven and a shell+iptables "tools" image on that base
 *   go       Kubernetes (shared with scripts/engine), etcd, kind, CoreDNS, crictl, local-path,
 *            pause, all from the Go module proxy through scripts/engine/build.ts
 *   node-base  Debian's systemd, containerd, runc and CNI plugins + the kind release's node files
 *   k8s      the node's component images (control plane, kube-proxy, etcd, CoreDNS, ...)
 *   node     the kind node image: node-base + kubelet/kubeadm/kubectl/crictl + the component
 *            images preloaded
 *   apps     HDFS, Flume and Sqoop images from their Dockerfiles, and the test Connect image
 *
 * With `KIND_IMAGES=upstream` (GitHub Actions) only `pull` (the Dockerfiles' Docker Hub bases)
 * and `apps` on those bases run: kind's own node image is used and nothing else is built.
 *
 *   npx tsx scripts/kind/build.ts             every step (warm: stamps checked, seconds)
 *   npx tsx scripts/kind/build.ts node apps   the named steps only
 *
 * Each step writes a stamp (a hash of everything it reads) into the cache; a step whose stamp
 * matches and whose images exist is skipped. Logs go to `<cache>/logs/<step>.log`.
 */
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { createHash } from "node:crypto";
import {
    chmodSync,
    cpSync,
    existsSync,
    mkdirSync,
    readdirSync,
    readFileSync,
    rmSync,
    statSync,
    writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
    etcdSpec,
    kubernetesNodeSpec,
    kubernetesSpec,
    toolBin,
    type GoToolSpec,
} from "../engine/tools";
import { corednsSpec, crictlSpec, kindGoTools, kindSpec, localPathSpec } from "./goTools";
import {
    appImages,
    baseImages,
    debianMirror,
    debianSuite,
    imageSourceOf,
    kindCache,
    nodeBaseImage,
    nodeImage,
    nodeImages,
    repoRoot,
    upstreamBases,
} from "./images";
import { kubernetesVersion } from "../engine/tools";

const here = __dirname;
const logs = join(kindCache, "logs");
const stamps = join(kindCache, "stamps");

/** Runs a command, its output appended to the step log; throws with the log's tail on failure. */
function sh(
    log: string,
    cmd: string,
    args: readonly string[],
    opts: SpawnSyncOptions = {},
): string {
    const res = spawnSync(cmd, [...args], {
        encoding: "utf8",
        maxBuffer: 1024 * 1024 * 1024,
        env: { ...process.env, DOCKER_BUILDKIT: "0" },
        ...opts,
    });
    const out = `${String(res.stdout ?? "")}${String(res.stderr ?? "")}`;
    writeFileSync(log, `$ ${cmd} ${args.join(" ")}\n${out}\n`, { flag: "a" });
    if (res.status !== 0) {
        const tail = out.trim().split("\n").slice(-30).join("\n");
        throw new Error(`${cmd} ${args.join(" ")} failed (${res.status ?? res.signal}):\n${tail}`);
    }
    return String(res.stdout ?? "");
}

/** Docker image id, or undefined when the image does not exist. */
function imageId(image: string): string | undefined {
    const res = spawnSync("docker", ["image", "inspect", "--format", "{{.Id}}", image], {
        encoding: "utf8",
    });
    return res.status === 0 ? res.stdout.trim() : undefined;
}

function requireImage(image: string): string {
    const id = imageId(image);
    if (id === undefined) throw new Error(`${image} is missing: build its step first`);
    return id;
}

/** Hash of files and directories (paths, modes, contents) plus free-form parts. */
function recipe(paths: readonly string[], parts: readonly string[]): string {
    const h = createHash("sha256");
    const walk = (p: string): void => {
        const st = statSync(p);
        if (st.isDirectory()) {
            for (const e of readdirSync(p).sort()) walk(join(p, e));
            return;
        }
        h.update(`${p}\0${st.mode & 0o777}\0`);
        // Large binaries: size and mtime stand for the content (the Go stamps cover rebuilds).
        h.update(st.size > 8 * 1024 * 1024 ? `${st.size}:${st.mtimeMs}` : readFileSync(p));
    };
    paths.forEach(walk);
    parts.forEach((p) => h.update(`\0${p}`));
    return h.digest("hex");
}

interface StepResult {
    readonly line: string;
}

/**
 * Runs `build` unless the stamp for `name` holds `hash` and every image in `outputs` exists.
 * Returns a one-line report with the time taken (or the cold time recorded in the stamp).
 */
function stamped(
    name: string,
    hash: string,
    outputs: readonly string[],
    build: (log: string) => void,
): StepResult {
    const started = Date.now();
    const stampPath = join(stamps, `${name}.json`);
    let prior: { hash?: string; seconds?: number } = {};
    try {
        prior = JSON.parse(readFileSync(stampPath, "utf8")) as typeof prior;
    } catch {
        // no stamp yet
    }
    if (prior.hash === hash && outputs.every((o) => imageId(o) !== undefined)) {
        return {
            line: `${name}: warm (stamp ok) in ${Date.now() - started} ms; cold build took ${prior.seconds} s`,
        };
    }
    const log = join(logs, `${name}.log`);
    writeFileSync(log, "");
    console.log(`${name}: building (log ${log})`);
    build(log);
    const seconds = Math.round((Date.now() - started) / 1000);
    writeFileSync(
        stampPath,
        `${JSON.stringify({ hash, seconds, builtAt: new Date().toISOString() }, null, 2)}\n`,
    );
    return { line: `${name}: built in ${seconds} s` };
}

function dockerBuild(
    log: string,
    tag: string,
    context: string,
    args: Record<string, string>,
): void {
    const buildArgs = Object.entries(args).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
    sh(log, "docker", ["build", "--network", "host", "-t", tag, ...buildArgs, context]);
}

// --- debian -------------------------------------------------------------------------------------

function stepDebian(): StepResult {
    const hash = recipe([], [debianSuite, debianMirror, "minbase", "v1"]);
    return stamped("debian", hash, [baseImages.debian], (log) => {
        const root = join(kindCache, `rootfs-${debianSuite}`);
        rmSync(root, { recursive: true, force: true });
        sh(log, "nice", [
            "-n",
            "10",
            "debootstrap",
            "--variant=minbase",
            debianSuite,
            root,
            debianMirror,
        ]);
        // The image's apt sees the suite's updates and security fixes, not only the release.
        const security = debianMirror.replace(/\/debian$/, "/debian-security");
        writeFileSync(
            join(root, "etc/apt/sources.list"),
            [
                `deb ${debianMirror} ${debianSuite} main`,
                `deb ${debianMirror} ${debianSuite}-updates main`,
                `deb ${security} ${debianSuite}-security main`,
                "",
            ].join("\n"),
        );
        sh(log, "bash", [
            "-c",
            `tar -C '${root}' -c . | docker import -c 'CMD ["/bin/bash"]' - ${baseImages.debian}`,
        ]);
        rmSync(root, { recursive: true, force: true });
    });
}

// --- bases --------------------------------------------------------------------------------------

/** The machine's Java trust store, handed to the Maven builder image (see its Dockerfile). */
const javaCacerts = "/etc/ssl/certs/java/cacerts";

function baseStep(name: keyof typeof baseImages, from: Record<string, string>): StepResult {
    const dir = join(here, "images", name);
    const inputs = Object.values(from).map((image) => requireImage(image));
    const extra = name === "maven" ? [javaCacerts] : [];
    return stamped(`base-${name}`, recipe([dir, ...extra], inputs), [baseImages[name]], (log) => {
        if (extra.length === 0) return dockerBuild(log, baseImages[name], dir, from);
        const ctx = join(kindCache, "ctx", `base-${name}`);
        rmSync(ctx, { recursive: true, force: true });
        cpSync(dir, ctx, { recursive: true });
        cpSync(javaCacerts, join(ctx, "java-cacerts"));
        dockerBuild(log, baseImages[name], ctx, from);
        rmSync(ctx, { recursive: true, force: true });
    });
}

function stepBases(): StepResult[] {
    return [
        baseStep("jre", { DEBIAN_IMAGE: baseImages.debian }),
        baseStep("jdk", { DEBIAN_IMAGE: baseImages.debian }),
        baseStep("maven", { JDK_IMAGE: baseImages.jdk }),
        baseStep("tools", { DEBIAN_IMAGE: baseImages.debian }),
    ];
}

// --- go -----------------------------------------------------------------------------------------

const goSpecs: readonly GoToolSpec[] = [
    kubernetesSpec,
    kubernetesNodeSpec,
    etcdSpec,
    ...kindGoTools,
];

function stepGo(): StepResult[] {
    const log = join(logs, "go.log");
    writeFileSync(log, "");
    const started = Date.now();
    // One builder for the engine tier and this one: shared wrapper modules, Go cache and stamps.
    const out = sh(
        log,
        "nice",
        [
            "-n",
            "10",
            process.execPath,
            "--import",
            "tsx",
            join(repoRoot, "scripts/engine/build.ts"),
            ...goSpecs.map((s) => s.name),
        ],
        { cwd: repoRoot },
    );
    const lines = out
        .split("\n")
        .filter((l) => goSpecs.some((s) => l.startsWith(`${s.name} ${s.version}: `)))
        .filter((l) => /warm|cold/.test(l));
    // pause: a few lines of Go with no dependencies, built beside the others.
    const pauseBin = join(kindCache, "bin", "pause");
    const pause = stamped(
        "pause",
        recipe([join(here, "pause")], [String(process.version)]),
        [],
        () => {
            mkdirSync(join(kindCache, "bin"), { recursive: true });
            sh(log, "go", ["build", "-trimpath", "-ldflags=-s -w", "-o", pauseBin, "."], {
                cwd: join(here, "pause"),
                env: {
                    ...process.env,
                    CGO_ENABLED: "0",
                    GOTOOLCHAIN: "local",
                    GOFLAGS: "-mod=mod",
                },
            });
        },
    );
    return [
        ...lines.map((line) => ({ line })),
        pause,
        { line: `go (all tools): ${Math.round((Date.now() - started) / 1000)} s` },
    ];
}

function bin(spec: GoToolSpec, name: string): string {
    const path = join(toolBin(spec), name);
    if (!existsSync(path)) throw new Error(`${path} is missing: run the go step first`);
    return path;
}

// --- k8s component images -----------------------------------------------------------------------

/**
 * Dockerfile of an image holding one statically linked Go binary and nothing else. Generated: an
 * ENTRYPOINT cannot take a build argument, and CoreDNS and the pause image run by entrypoint.
 * kubeadm's static pods call their binaries by bare name, hence PATH.
 */
export function staticDockerfile(bin: string): string {
    return [
        "FROM scratch",
        `COPY ${bin} /usr/local/bin/${bin}`,
        "ENV PATH=/usr/local/bin",
        `ENTRYPOINT ["/usr/local/bin/${bin}"]`,
        "",
    ].join("\n");
}

function staticImage(tag: string, binary: string): StepResult {
    const name = `image-${tag.split("/").pop()!.split(":")[0]}`;
    const bin = binary.split("/").pop()!;
    return stamped(name, recipe([binary], [tag, staticDockerfile(bin)]), [tag], (log) => {
        const ctx = join(kindCache, "ctx", name);
        rmSync(ctx, { recursive: true, force: true });
        mkdirSync(ctx, { recursive: true });
        writeFileSync(join(ctx, "Dockerfile"), staticDockerfile(bin));
        cpSync(binary, join(ctx, bin));
        chmodSync(join(ctx, bin), 0o755);
        dockerBuild(log, tag, ctx, {});
        rmSync(ctx, { recursive: true, force: true });
    });
}

function stepK8sImages(): StepResult[] {
    const proxyBin = bin(kubernetesNodeSpec, "kube-proxy");
    const proxy = stamped(
        "image-kube-proxy",
        recipe([proxyBin, join(here, "images/kube-proxy")], [requireImage(baseImages.tools)]),
        [nodeImages.proxy],
        (log) => {
            const ctx = join(kindCache, "ctx", "kube-proxy");
            rmSync(ctx, { recursive: true, force: true });
            cpSync(join(here, "images/kube-proxy"), ctx, { recursive: true });
            cpSync(proxyBin, join(ctx, "kube-proxy"));
            dockerBuild(log, nodeImages.proxy, ctx, { TOOLS_IMAGE: baseImages.tools });
            rmSync(ctx, { recursive: true, force: true });
        },
    );
    return [
        staticImage(nodeImages.apiserver, bin(kubernetesSpec, "kube-apiserver")),
        staticImage(nodeImages.controllerManager, bin(kubernetesSpec, "kube-controller-manager")),
        staticImage(nodeImages.scheduler, bin(kubernetesSpec, "kube-scheduler")),
        staticImage(nodeImages.etcd, bin(etcdSpec, "etcd")),
        staticImage(nodeImages.coredns, bin(corednsSpec, "coredns")),
        staticImage(nodeImages.localPath, bin(localPathSpec, "local-path-provisioner")),
        staticImage(nodeImages.pause, join(kindCache, "bin", "pause")),
        proxy,
    ];
}

// --- node ---------------------------------------------------------------------------------------

/** Directory of the kind module in the Go module cache (downloaded by the go step). */
function kindModuleDir(): string {
    const res = spawnSync(
        "go",
        ["mod", "download", "-json", `sigs.k8s.io/kind@v${kindSpec.version}`],
        {
            encoding: "utf8",
            cwd: kindCache,
            env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" },
        },
    );
    const dir = (JSON.parse(res.stdout) as { Dir?: string }).Dir;
    if (dir === undefined) throw new Error(`cannot locate sigs.k8s.io/kind@v${kindSpec.version}`);
    return dir;
}

function stepNodeBase(): StepResult {
    const kindFiles = join(kindModuleDir(), "images/base/files");
    const dir = join(here, "images/node");
    const hash = recipe([dir, kindFiles], [requireImage(baseImages.debian)]);
    return stamped("node-base", hash, [nodeBaseImage], (log) => {
        const ctx = join(kindCache, "ctx", "node-base");
        rmSync(ctx, { recursive: true, force: true });
        cpSync(dir, ctx, { recursive: true });
        cpSync(kindFiles, join(ctx, "kind-files"), { recursive: true });
        // Not used here: licences of kind's own builds, and the rootless fuse-overlayfs unit.
        rmSync(join(ctx, "kind-files/LICENSES"), { recursive: true, force: true });
        rmSync(join(ctx, "kind-files/etc/systemd/system/containerd-fuse-overlayfs.service"));
        // The legacy builder has no COPY --chmod: modes are set in the context (module files are
        // read-only in the Go module cache).
        const fix = (p: string): void => {
            const st = statSync(p);
            if (st.isDirectory()) {
                chmodSync(p, 0o755);
                readdirSync(p).forEach((e) => fix(join(p, e)));
            } else {
                const executable = /\/(usr\/local\/bin|kind\/bin)\/[^/]+$/.test(p);
                chmodSync(p, executable ? 0o755 : 0o644);
            }
        };
        fix(join(ctx, "kind-files"));
        dockerBuild(log, nodeBaseImage, ctx, { DEBIAN_IMAGE: baseImages.debian });
        rmSync(ctx, { recursive: true, force: true });
    });
}

/** kind's local-path StorageClass manifest (a Go string in the kind module), our images in it. */
export function storageManifest(): string {
    const src = readFileSync(join(kindModuleDir(), "pkg/build/nodeimage/const_storage.go"), "utf8");
    // A raw string broken by `+ name +` where the images go, closed by a backtick alone on a line.
    const m = /const defaultStorageManifest = `([\s\S]*?)\n`\n/.exec(src);
    if (m === null) throw new Error("kind's defaultStorageManifest not found in const_storage.go");
    return m[1]
        .replace(/` \+ storageProvisionerImage \+ `/g, nodeImages.localPath)
        .replace(/` \+ storageHelperImage \+ `/g, nodeImages.tools);
}

function stepNode(): StepResult {
    const images = Object.values(nodeImages);
    const ids = images.map((i) => `${i}=${requireImage(i)}`);
    const bins = ["kubelet", "kubeadm", "kubectl"].map((b) => bin(kubernetesNodeSpec, b));
    const crictl = bin(crictlSpec, "crictl");
    const addons = join(here, "manifests");
    const hash = recipe(
        [...bins, crictl, addons],
        [...ids, requireImage(nodeBaseImage), storageManifestSafe()],
    );
    return stamped("node", hash, [nodeImage], (log) => {
        const work = join(kindCache, "ctx", "node");
        rmSync(work, { recursive: true, force: true });
        mkdirSync(work, { recursive: true });
        const tar = join(work, "images.tar");
        sh(log, "docker", ["save", "-o", tar, ...images]);
        writeFileSync(join(work, "default-storage.yaml"), storageManifest());
        const box = `ingest-kind-node-build-${process.pid}`;
        const docker = (...args: string[]) => sh(log, "docker", args);
        docker("run", "-d", "--name", box, "--entrypoint", "sleep", nodeBaseImage, "infinity");
        try {
            for (const b of bins) docker("cp", b, `${box}:/usr/bin/`);
            docker("cp", crictl, `${box}:/usr/local/bin/crictl`);
            docker("exec", box, "mkdir", "-p", "/kind/manifests");
            docker(
                "cp",
                join(addons, "cluster-network.yaml"),
                `${box}:/kind/manifests/default-cni.yaml`,
            );
            docker(
                "cp",
                join(work, "default-storage.yaml"),
                `${box}:/kind/manifests/default-storage.yaml`,
            );
            docker(
                "exec",
                box,
                "bash",
                "-c",
                [
                    `printf v${kubernetesVersion} > /kind/version`,
                    "chown -R root:root /usr/bin/kube* /usr/local/bin/crictl /kind",
                    "chmod 0755 /usr/bin/kube* /usr/local/bin/crictl",
                ].join(" && "),
            );
            // The images go into the node's containerd store under /var. kind mounts /var as a
            // fresh volume, which Docker seeds from the image, so they are there at kubeadm init.
            docker("cp", tar, `${box}:/images.tar`);
            docker("exec", box, "preload-images", "/images.tar");
            docker("exec", box, "rm", "-f", "/images.tar");
            docker(
                "commit",
                "--change",
                'ENTRYPOINT ["/usr/local/bin/unprivileged-entrypoint", "/sbin/init"]',
                box,
                nodeImage,
            );
        } finally {
            spawnSync("docker", ["rm", "-f", "-v", box]);
            rmSync(work, { recursive: true, force: true });
        }
    });
}

function storageManifestSafe(): string {
    try {
        return storageManifest();
    } catch {
        return "";
    }
}

// --- apps ---------------------------------------------------------------------------------------

function appStep(
    name: keyof typeof appImages,
    sources: readonly string[],
    args: Record<string, string>,
    stage?: (ctx: string) => void,
): StepResult {
    const inputs = Object.values(args).map((image) => requireImage(image));
    return stamped(`app-${name}`, recipe(sources, inputs), [appImages[name]], (log) => {
        if (stage === undefined) {
            dockerBuild(log, appImages[name], sources[0], args);
            return;
        }
        const ctx = join(kindCache, "ctx", `app-${name}`);
        rmSync(ctx, { recursive: true, force: true });
        stage(ctx);
        dockerBuild(log, appImages[name], ctx, args);
        rmSync(ctx, { recursive: true, force: true });
    });
}

/** The upstream bases, pulled (a build's stamp hashes its bases' image ids). */
function stepPull(): StepResult[] {
    return Object.values(upstreamBases).map((image) => {
        const t = Date.now();
        const res = spawnSync("docker", ["pull", "-q", image], { encoding: "utf8" });
        if (res.status !== 0) throw new Error(`docker pull ${image} failed: ${res.stderr}`);
        return { line: `pull ${image}: ${((Date.now() - t) / 1000).toFixed(1)} s` };
    });
}

function stepApps(): StepResult[] {
    const platform = join(repoRoot, "components/platform");
    const upstream = imageSourceOf(process.env.KIND_IMAGES) === "upstream";
    const bases = upstream
        ? upstreamBases
        : { MAVEN_IMAGE: baseImages.maven, JRE_IMAGE: baseImages.jre, JDK_IMAGE: baseImages.jdk };
    const maven = { MAVEN_IMAGE: bases.MAVEN_IMAGE };
    const jre = { JRE_IMAGE: bases.JRE_IMAGE };
    const connectDir = join(here, "images/connect");
    // The services harness's Kafka classpath, reused as is for the worker's libs.
    const kafkaPom = join(repoRoot, "scripts/services/maven/kafka/pom.xml");
    return [
        appStep("hdfs", [join(platform, "hdfs")], { ...maven, ...jre }),
        appStep("flume", [join(platform, "flume")], { ...maven, ...jre }),
        appStep("sqoop", [join(platform, "sqoop")], { ...maven, JDK_IMAGE: bases.JDK_IMAGE }),
        appStep("connect", [connectDir, kafkaPom], { ...maven, ...jre }, (ctx) => {
            cpSync(connectDir, ctx, { recursive: true });
            mkdirSync(join(ctx, "kafka"), { recursive: true });
            cpSync(kafkaPom, join(ctx, "kafka/pom.xml"));
        }),
    ];
}

// --- main ---------------------------------------------------------------------------------------

const steps: Record<string, () => StepResult | StepResult[]> = {
    debian: stepDebian,
    bases: stepBases,
    go: stepGo,
    "node-base": stepNodeBase,
    k8s: stepK8sImages,
    node: stepNode,
    apps: stepApps,
};

/** The steps of the upstream image source: the rest comes from registries. */
const upstreamSteps: Record<string, () => StepResult | StepResult[]> = {
    pull: stepPull,
    apps: stepApps,
};

function main(): void {
    const wanted = process.argv.slice(2);
    const upstream = imageSourceOf(process.env.KIND_IMAGES) === "upstream";
    const chosen = upstream ? upstreamSteps : steps;
    const unknown = wanted.filter((w) => !(w in chosen));
    if (unknown.length > 0) {
        console.error(
            `unknown steps: ${unknown.join(", ")} (known: ${Object.keys(chosen).join(", ")})`,
        );
        process.exit(2);
    }
    const started = Date.now();
    for (const dir of [logs, stamps]) mkdirSync(dir, { recursive: true });
    const ensure = spawnSync("bash", [join(here, "dockerd.sh")], { stdio: "inherit" });
    if (ensure.status !== 0) process.exit(1);
    const report: string[] = [];
    for (const [name, step] of Object.entries(chosen)) {
        if (wanted.length > 0 && !wanted.includes(name)) continue;
        const t = Date.now();
        const results = [step()].flat();
        for (const r of results) console.log(`  ${r.line}`);
        report.push(
            ...results.map((r) => r.line),
            `== ${name}: ${Math.round((Date.now() - t) / 1000)} s`,
        );
    }
    console.log(`\n# kind build (${Math.round((Date.now() - started) / 1000)} s)`);
    for (const line of report) console.log(`  ${line}`);
}

if (require.main === module) {
    try {
        main();
    } catch (err) {
        console.error((err as Error).message);
        process.exit(1);
    }
}
