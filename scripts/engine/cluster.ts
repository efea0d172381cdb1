/**
 * A throwaway Kubernetes control plane on loopback, from the binaries `build.ts` puts in the cache:
 * etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (which plays the kubelet
 * for one fake node, so Deployment and StatefulSet pods become Running and Ready without any
 * container runtime). The node advertises ephemeral storage (pods requesting it must schedule), and
 * the cluster has a default `WaitForFirstConsumer` StorageClass whose claims get volumes from a
 * small provisioner (`storage.ts`). Certificates, the service-account key and the admin token are
 * generated into a fresh temp dir that teardown removes.
 *
 *   npx tsx scripts/engine/cluster.ts                  start, print the kubeconfig path, wait for Ctrl-C
 *   npx tsx scripts/engine/cluster.ts -- <cmd> [args]  start, run cmd with KUBECONFIG set, tear down
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStorage } from "./storage";
import { asset, binary, etcdSpec, kubernetesSpec, kwokSpec } from "./tools";

/** A running local cluster. */
export interface LocalCluster {
    /** Path of a kubeconfig whose current context is {@link context}; mode 0600. */
    readonly kubeconfig: string;
    /** Name of the kubeconfig context (also the cluster and user names). */
    readonly context: string;
    /** API server URL, `https://127.0.0.1:<port>`. */
    readonly server: string;
    /** PEM of the CA that signed the API server's serving certificate. */
    readonly caPem: string;
    /** Bearer token of the cluster admin (group system:masters). A secret: never log it. */
    readonly token: string;
    /** Name of the fake node kwok manages. */
    readonly nodeName: string;
    /** Directory holding certificates, data and one log file per process. */
    readonly dir: string;
    /** Authenticated JSON request to the API server; resolves with status and parsed body. */
    api(method: string, path: string, body?: unknown): Promise<ApiResponse>;
    /** Stops every process (last started first) and removes {@link dir} unless `keep` is set. */
    stop(opts?: { keep?: boolean }): Promise<void>;
}

/** Result of {@link LocalCluster.api}. */
export interface ApiResponse {
    readonly status: number;
    readonly body: unknown;
}

/** Options for {@link startCluster}. */
export interface ClusterOptions {
    /** Context name written to the kubeconfig. Defaults to `ingest-engine`. */
    readonly context?: string;
    /** Called with progress lines. Defaults to no output. */
    readonly log?: (line: string) => void;
}

interface Proc {
    readonly name: string;
    readonly child: ChildProcess;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A TCP port on 127.0.0.1 that was free a moment ago. */
async function freePort(): Promise<number> {
    return new Promise((resolvePort, reject) => {
        const srv = createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const addr = srv.address();
            const port = typeof addr === "object" && addr !== null ? addr.port : 0;
            srv.close(() => resolvePort(port));
        });
    });
}

function openssl(dir: string, args: readonly string[]): void {
    const res = spawnSync("openssl", [...args], { cwd: dir, encoding: "utf8" });
    if (res.status !== 0) {
        throw new Error(`openssl ${args[0]} failed: ${res.stderr}`);
    }
}

/** CA, API server serving certificate (loopback SANs) and the service-account signing key. */
function writePki(dir: string): void {
    const subj = (cn: string) => ["-subj", `/CN=${cn}`];
    openssl(
        dir,
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"].concat(
            ["-keyout", "ca.key", "-out", "ca.crt"],
            subj("ingest-engine-ca"),
        ),
    );
    openssl(
        dir,
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "apiserver.key"].concat(
            ["-out", "apiserver.csr"],
            subj("kube-apiserver"),
        ),
    );
    writeFileSync(
        join(dir, "apiserver.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes.default.svc\n" +
            "extendedKeyUsage=serverAuth\n",
    );
    openssl(
        dir,
        ["x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key"]
            .concat(["-CAcreateserial", "-days", "2", "-out", "apiserver.crt"])
            .concat(["-extfile", "apiserver.ext"]),
    );
    const sa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(join(dir, "sa.key"), sa.privateKey.export({ type: "pkcs1", format: "pem" }), {
        mode: 0o600,
    });
    writeFileSync(join(dir, "sa.pub"), sa.publicKey.export({ type: "spki", format: "pem" }));
}

function kubeconfigYaml(context: string, server: string, caPem: string, token: string): string {
    const ca = Buffer.from(caPem).toString("base64");
    return [
        "apiVersion: v1",
        "kind: Config",
        `current-context: ${context}`,
        "clusters:",
        `- name: ${context}`,
        "  cluster:",
        `    server: ${server}`,
        `    certificate-authority-data: ${ca}`,
        "contexts:",
        `- name: ${context}`,
        "  context:",
        `    cluster: ${context}`,
        `    user: ${context}`,
        "users:",
        `- name: ${context}`,
        "  user:",
        `    token: ${token}`,
        "",
    ].join("\n");
}

/** Starts the control plane and one kwok node; resolves once the node is Ready. */
export async function startCluster(opts: ClusterOptions = {}): Promise<LocalCluster> {
    const context = opts.context ?? "ingest-engine";
    const log = opts.log ?? (() => undefined);
    const dir = mkdtempSync(join(tmpdir(), "ingest-engine-cluster-"));
    const procs: Proc[] = [];
    let stopStorage: (() => Promise<void>) | undefined;
    const killAll = () => {
        for (const p of procs) {
            if (p.child.exitCode === null) p.child.kill("SIGKILL");
        }
    };
    process.once("exit", killAll);

    const startProc = (name: string, command: string, args: readonly string[]): Proc => {
        const fd = openSync(join(dir, `${name}.log`), "a");
        const child = spawn(command, [...args], { cwd: dir, stdio: ["ignore", fd, fd] });
        closeSync(fd);
        child.on("error", () => undefined);
        const proc = { name, child };
        procs.push(proc);
        return proc;
    };
    const logTail = (name: string) =>
        readFileSync(join(dir, `${name}.log`), "utf8")
            .split("\n")
            .slice(-15)
            .join("\n");

    const stop = async (stopOpts: { keep?: boolean } = {}) => {
        await stopStorage?.();
        for (const p of [...procs].reverse()) {
            if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
            const exited = new Promise<void>((r) => p.child.once("exit", () => r()));
            p.child.kill("SIGTERM");
            const timer = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
            await exited;
            clearTimeout(timer);
        }
        process.removeListener("exit", killAll);
        if (!stopOpts.keep) rmSync(dir, { recursive: true, force: true });
    };

    try {
        writePki(dir);
        const token = randomBytes(24).toString("hex");
        writeFileSync(join(dir, "tokens.csv"), `${token},admin,admin,"system:masters"\n`, {
            mode: 0o600,
        });
        const caPem = readFileSync(join(dir, "ca.crt"), "utf8");
        const [etcdPort, peerPort, apiPort, cmPort, schedPort] = await Promise.all(
            Array.from({ length: 5 }, freePort),
        );
        const server = `https://127.0.0.1:${apiPort}`;

        const api = (method: string, path: string, body?: unknown): Promise<ApiResponse> =>
            new Promise((resolveReq, reject) => {
                const payload = body === undefined ? undefined : JSON.stringify(body);
                const req = request(
                    `${server}${path}`,
                    {
                        method,
                        ca: caPem,
                        timeout: 15_000,
                        headers: {
                            Authorization: `Bearer ${token}`,
                            Accept: "application/json",
                            ...(payload ? { "Content-Type": "application/json" } : {}),
                        },
                    },
                    (res) => {
                        const chunks: Buffer[] = [];
                        res.on("data", (c: Buffer) => chunks.push(c));
                        res.on("end", () => {
                            const text = Buffer.concat(chunks).toString("utf8");
                            let parsed: unknown = text;
                            try {
                                parsed = JSON.parse(text);
                            } catch {
                                // plain-text bodies such as /readyz stay strings
                            }
                            resolveReq({ status: res.statusCode ?? 0, body: parsed });
                        });
                    },
                );
                req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timeout`)));
                req.on("error", reject);
                req.end(payload);
            });

        const waitFor = async (what: string, proc: Proc, probe: () => Promise<boolean>) => {
            const deadline = Date.now() + 120_000;
            for (;;) {
                if (proc.child.exitCode !== null) {
                    throw new Error(
                        `${proc.name} exited (${proc.child.exitCode}):\n${logTail(proc.name)}`,
                    );
                }
                if (await probe().catch(() => false)) return;
                if (Date.now() > deadline) {
                    throw new Error(`timed out waiting for ${what}:\n${logTail(proc.name)}`);
                }
                await sleep(250);
            }
        };

        let t = Date.now();
        const etcd = startProc("etcd", binary(etcdSpec, "etcd"), [
            "--name=default",
            `--data-dir=${join(dir, "etcd-data")}`,
            `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
            `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
            `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
            `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
            `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
            // A throwaway store: durability buys nothing and fsync costs seconds on shared disks.
            "--unsafe-no-fsync",
            "--log-level=warn",
        ]);
        await waitFor("etcd health", etcd, async () => {
            const res = await fetch(`http://127.0.0.1:${etcdPort}/health`);
            return res.ok && ((await res.json()) as { health?: string }).health === "true";
        });
        log(`etcd ready in ${Date.now() - t} ms`);

        t = Date.now();
        const apiserver = startProc("kube-apiserver", binary(kubernetesSpec, "kube-apiserver"), [
            `--etcd-servers=http://127.0.0.1:${etcdPort}`,
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            `--secure-port=${apiPort}`,
            "--tls-cert-file=apiserver.crt",
            "--tls-private-key-file=apiserver.key",
            "--client-ca-file=ca.crt",
            "--token-auth-file=tokens.csv",
            "--authorization-mode=Node,RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file=sa.pub",
            "--service-account-signing-key-file=sa.key",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--allow-privileged=true",
            // A loopback advertise address cannot go into the `kubernetes` Endpoints object.
            "--endpoint-reconciler-type=none",
            "--enable-priority-and-fairness=false",
            "--profiling=false",
        ]);
        await waitFor("kube-apiserver /readyz", apiserver, async () => {
            const res = await api("GET", "/readyz");
            return res.status === 200;
        });
        log(`kube-apiserver ready in ${Date.now() - t} ms at ${server}`);

        const kubeconfig = join(dir, "kubeconfig");
        writeFileSync(kubeconfig, kubeconfigYaml(context, server, caPem, token), { mode: 0o600 });
        const kc = [`--kubeconfig=${kubeconfig}`];
        const delegated = [
            `--authentication-kubeconfig=${kubeconfig}`,
            `--authorization-kubeconfig=${kubeconfig}`,
            "--leader-elect=false",
            "--bind-address=127.0.0.1",
        ];

        t = Date.now();
        const cm = startProc(
            "kube-controller-manager",
            binary(kubernetesSpec, "kube-controller-manager"),
            [
                ...kc,
                ...delegated,
                `--secure-port=${cmPort}`,
                "--service-account-private-key-file=sa.key",
                "--root-ca-file=ca.crt",
                "--use-service-account-credentials=false",
            ],
        );
        const scheduler = startProc("kube-scheduler", binary(kubernetesSpec, "kube-scheduler"), [
            ...kc,
            ...delegated,
            `--secure-port=${schedPort}`,
        ]);
        const nodeName = "kwok-node-0";
        const nodeResources = {
            cpu: "32",
            memory: "256Gi",
            pods: "250",
            "ephemeral-storage": "500Gi",
        };
        const kwok = startProc("kwok", binary(kwokSpec, "kwok"), [
            ...kc,
            "--manage-all-nodes=false",
            "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
            "--node-ip=127.0.0.1",
            "--node-lease-duration-seconds=40",
            "--server-address=",
            ...Object.keys(kwokSpec.assets ?? {}).map((a) => `--config=${asset(kwokSpec, a)}`),
        ]);
        const nodeRes = await api("POST", "/api/v1/nodes", {
            apiVersion: "v1",
            kind: "Node",
            metadata: {
                name: nodeName,
                annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
                labels: {
                    "kubernetes.io/hostname": nodeName,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    type: "kwok",
                },
            },
            // ephemeral-storage: without it, any pod requesting some (the Kafka chart's init
            // container asks for 50Mi) stays Pending forever.
            status: {
                allocatable: nodeResources,
                capacity: nodeResources,
            },
        });
        if (nodeRes.status !== 201) {
            throw new Error(`creating node ${nodeName}: HTTP ${nodeRes.status}`);
        }
        await waitFor(`node ${nodeName} Ready`, kwok, async () => {
            const res = await api("GET", `/api/v1/nodes/${nodeName}`);
            const node = res.body as {
                status?: { conditions?: { type: string; status: string }[] };
            };
            return (node.status?.conditions ?? []).some(
                (c) => c.type === "Ready" && c.status === "True",
            );
        });
        await waitFor("the default ServiceAccount", cm, async () => {
            const res = await api("GET", "/api/v1/namespaces/default/serviceaccounts/default");
            return res.status === 200;
        });
        // The scheduler has no readiness probe worth waiting on: fail fast only if it already died.
        await waitFor("kube-scheduler to stay up", scheduler, () => Promise.resolve(true));
        stopStorage = await startStorage(api, log);
        log(
            `controller-manager, scheduler, kwok and node ${nodeName} ready in ${Date.now() - t} ms`,
        );

        return { kubeconfig, context, server, caPem, token, nodeName, dir, api, stop };
    } catch (err) {
        await stop({ keep: true });
        throw new Error(`${(err as Error).message}\n(logs kept in ${dir})`);
    }
}

async function main(): Promise<void> {
    const sep = process.argv.indexOf("--");
    const command = sep >= 0 ? process.argv.slice(sep + 1) : [];
    const started = Date.now();
    const cluster = await startCluster({ log: (l) => console.log(`cluster: ${l}`) });
    console.log(`cluster: up in ${Date.now() - started} ms; KUBECONFIG=${cluster.kubeconfig}`);
    if (command.length === 0) {
        await new Promise<void>((r) => {
            process.once("SIGINT", r);
            process.once("SIGTERM", r);
        });
        await cluster.stop();
        return;
    }
    const child = spawn(command[0], command.slice(1), {
        stdio: "inherit",
        env: { ...process.env, KUBECONFIG: cluster.kubeconfig },
    });
    const code = await new Promise<number>((r) => child.on("exit", (c) => r(c ?? 1)));
    await cluster.stop();
    process.exitCode = code;
}

if (require.main === module) {
    main().catch((err: unknown) => {
        console.error((err as Error).message);
        process.exit(1);
    });
}
