/**
 * `npm run test:kind`: the kind integration suite, end to end, on this machine.
 *
 *   1. prints which components run as pods and which come from the stack's external-service
 *      config, and why;
 *   2. builds every kind image (`scripts/kind/build.ts`; warm: stamps only) and looks for the
 *      engine's Pulumi CLI and Kubernetes provider (scripts/engine builds them); without them it
 *      says so and applies the program's objects with kubectl (`test/integration/kindApply.ts`);
 *   3. creates the kind cluster from `scripts/kind-config.yaml` and loads the component images;
 *   4. starts Kafka and PostgreSQL (services harness) on the host's address on the kind network,
 *      so pods reach them, and runs `test/integration/kind.ts` against it all;
 *   5. deletes the cluster (`KEEP_CLUSTER=1` keeps it) and prints every step's time.
 *
 * A prerequisite that cannot be had (no Docker, no Go, no Java) ends the suite with one line
 * saying why and a non-zero status: it is never silently green.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
    clusterName,
    createCluster,
    deleteCluster,
    kindEnv,
    kubeconfig,
    loadImages,
} from "./cluster";
import { appImages, imageSourceOf, repoRoot, upstreamBases } from "./images";
import { kubernetesPluginPath, pulumiSpec, toolBin } from "../engine/tools";

/** Where each component of the dev stack comes from in this suite, and why. */
export const componentSources: readonly { component: string; runs: string; why: string }[] = [
    {
        component: "HDFS namenode + datanode",
        runs: "pod",
        why: "image built here from Hadoop's Maven Central jars",
    },
    {
        component: "Flume agents (cars, unorganized)",
        runs: "pod",
        why: "image built here from Maven Central jars",
    },
    { component: "Sqoop import Job", runs: "pod", why: "image built here from Maven Central jars" },
    {
        component: "Kafka Connect worker",
        runs: "pod",
        why: "Apache Kafka's Connect runtime + FileStream and Debezium plugins from Maven Central; Confluent's HDFS/S3/JDBC plugins have no registry here, so the HDFS sinks run as FileStream sinks",
    },
    {
        component: "Kafka broker",
        runs: "external",
        why: "Bitnami's image is on no registry reachable here: Kafka 4.0 from Maven jars on the host (kafka.externalBootstrapServers)",
    },
    {
        component: "PostgreSQL",
        runs: "external",
        why: "Debian's PostgreSQL on the host (postgres.externalHost), as the issue specifies",
    },
    {
        component: "ksqlDB",
        runs: "external",
        why: "Confluent's image is on no registry here: the ksqlDB REST fake on the host (ksqldb.url)",
    },
    {
        component: "Redpanda console",
        runs: "off",
        why: "its image is on no registry here (console.enabled: false)",
    },
    {
        component: "S3 data lake",
        runs: "off",
        why: "no LocalStack image here (dataLake.enabled: false)",
    },
];

const timings: [string, number][] = [];

function step<T>(name: string, fn: () => T): T {
    const started = Date.now();
    try {
        return fn();
    } finally {
        const s = (Date.now() - started) / 1000;
        timings.push([name, s]);
        console.log(`# kind suite step ${name}: ${s.toFixed(1)} s`);
    }
}

function cannotRun(why: string): never {
    console.log(`kind suite: cannot run here: ${why}`);
    process.exit(3);
}

function has(cmd: string): boolean {
    return spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).status === 0;
}

function node(args: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
    const res = spawnSync(process.execPath, ["--import", "tsx", ...args], {
        cwd: repoRoot,
        stdio: "inherit",
        env,
    });
    return res.status ?? 1;
}

/** IPv4 gateway of the kind Docker network: the host's address as pods see it. */
function kindGateway(): string {
    const res = spawnSync(
        "docker",
        ["network", "inspect", "kind", "--format", "{{range .IPAM.Config}}{{.Gateway}} {{end}}"],
        { encoding: "utf8" },
    );
    const gateway = res.stdout.split(/\s+/).find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a));
    if (gateway === undefined)
        throw new Error(`no IPv4 gateway on the kind network: ${res.stderr}`);
    return gateway;
}

function main(): void {
    const source = imageSourceOf(process.env.KIND_IMAGES);
    console.log(
        source === "local"
            ? "# kind suite: image source local (KIND_IMAGES): node and component images built on this machine"
            : `# kind suite: image source upstream (KIND_IMAGES): kind's node image, component images on ${Object.values(upstreamBases).join(", ")}`,
    );
    console.log("# kind suite: where each component runs");
    for (const c of componentSources) {
        console.log(`#   ${c.runs.padEnd(8)} ${c.component.padEnd(34)} ${c.why}`);
    }
    const needs: (readonly [string, string])[] =
        source === "local"
            ? [
                  ["dockerd", "no Docker engine (apt-get install docker.io)"],
                  ["debootstrap", "no debootstrap (apt-get install debootstrap)"],
                  ["go", "no Go toolchain to build kind and Kubernetes"],
              ]
            : [
                  ["docker", "no Docker"],
                  ["kind", "no kind on PATH (helm/kind-action installs it)"],
                  ["kubectl", "no kubectl on PATH (helm/kind-action installs it)"],
                  ["pulumi", "no Pulumi CLI on PATH (pulumi/actions installs it)"],
              ];
    needs.push(
        ["java", "no JDK for the host-side Kafka"],
        ["mvn", "no Maven for the host-side Kafka's jars"],
    );
    for (const [cmd, why] of needs) {
        if (!has(cmd)) cannotRun(why);
    }
    if (source === "local" && process.getuid?.() !== 0) {
        cannotRun("needs root (debootstrap, dockerd, kind's node)");
    }

    // The engine (CLI + Kubernetes provider) is scripts/engine's to build (`npm run engine:build`);
    // the suite only looks. Without it, the same objects are applied with kubectl instead.
    // Upstream, the released CLI on PATH installs the provider plugin itself.
    const engineReady =
        source === "upstream" ||
        (existsSync(join(toolBin(pulumiSpec), "pulumi")) && existsSync(kubernetesPluginPath));
    const testFile = engineReady ? "test/integration/kind.ts" : "test/integration/kindApply.ts";
    if (!engineReady) {
        console.log(
            "kind suite: no `pulumi up` here: the engine cache lacks the Pulumi CLI or the Kubernetes " +
                "provider plugin (build them with `npm run engine:build`); the program's objects are " +
                "rendered under mocks and applied with kubectl instead",
        );
    }
    if (step("kind build", () => node(["scripts/kind/build.ts"])) !== 0) {
        throw new Error("scripts/kind/build.ts failed (see above)");
    }
    let status = 1;
    try {
        step("cluster create", () => createCluster());
        step("image load", () => loadImages(Object.values(appImages)));
        const gateway = kindGateway();
        console.log(`# kind suite: host services on ${gateway} (the kind network's gateway)`);
        status = step("deploy and check (services + test)", () =>
            node(
                [
                    "scripts/services/run.ts",
                    "--",
                    process.execPath,
                    "--import",
                    "tsx",
                    "--test",
                    "--test-reporter=spec",
                    join(repoRoot, testFile),
                ],
                {
                    ...kindEnv(),
                    SERVICES: "kafka,postgres",
                    SERVICES_HOST: gateway,
                    KIND_GATEWAY: gateway,
                    KIND_CONTEXT: `kind-${clusterName}`,
                    KUBECONFIG: kubeconfig,
                },
            ),
        );
    } finally {
        if (process.env.KEEP_CLUSTER === "1") {
            console.log(`# kind suite: cluster kept (KEEP_CLUSTER=1); KUBECONFIG=${kubeconfig}`);
        } else {
            step("cluster delete", () => deleteCluster());
        }
        console.log("# kind suite timings");
        for (const [name, s] of timings) console.log(`#   ${name.padEnd(36)} ${s.toFixed(1)} s`);
    }
    process.exit(status);
}

if (require.main === module) {
    try {
        main();
    } catch (err) {
        console.error((err as Error).message);
        process.exit(1);
    }
}
