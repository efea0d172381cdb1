/**
 * The whole program (index.ts with `kubernetes.enabled: true`) under the real Pulumi engine and
 * the real Kubernetes provider plugin (built by scripts/engine/build.ts from the one
 * pulumi-kubernetes commit the Go proxy serves), against the local apiserver + kwok cluster
 * (scripts/engine/cluster.ts) for the platform, and the services harness (Kafka, Connect, HDFS)
 * plus the ksqlDB fake for the pipelines' dynamic resources. kwok runs no containers: every pod
 * the platform declares becomes Running/Ready without running, so this proves the engine, the
 * provider and the API server agree on the program, not that the workloads work.
 *
 * Values @pulumi/random would generate are set through config instead (`postgresPassword`; dev
 * security is PLAINTEXT, so no SASL passwords): the random provider is not served by any registry
 * reachable here, so its resources cannot run under the engine.
 *
 * The Kafka chart comes from a local chart directory (scripts/engine/chart.ts fills it); without
 * one the stack brings its own Kafka (`kafka.externalBootstrapServers`) and says so in one line.
 *
 * Sequence: up; preview (no changes); refresh (no changes); one config key changed → preview shows
 * exactly that update, then up; `kubectl scale deploy connect --replicas=2` → refresh records it,
 * up restores the declared replicas (patch force); destroy → no object of the stack in the API
 * server, no connector, topic, stream or directory. Each step's wall time is printed.
 */
import { type EngineEvent, type Stack } from "@pulumi/pulumi/automation";
import * as yaml from "js-yaml";
import { Kafka, logLevel } from "kafkajs";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { findKafkaChart, kafkaChartDir } from "../../scripts/engine/chart";
import { type LocalCluster, startCluster } from "../../scripts/engine/cluster";
import { serviceEnv } from "../../scripts/services/control";
import { kubernetesPluginPath, repoRoot } from "../../scripts/engine/tools";
import { FakeKsqlDb } from "../fakes/ksqldb";
import { changed, timed, until } from "./steps";
import { cliEnv as engineEnv, engineStack } from "../../scripts/engine/stack";
import { destroyLeftover, printTimings, setSecretConfig } from "./workspace";

const project = "ingest-platform";
const stackName = "platform";
const namespace = "ingest";
const userConnector = "engine-sink";
const topics = ["INGESTION", "UNORGANIZED", "Cars"];
const directories = ["/unorganized", "/grid-wattage", "/old-telemetry", "/Cars"];

function objectConfig(values: Record<string, object>): string {
    const entries = Object.entries(values).map(([key, v]) => [
        `${project}:${key}`,
        { value: JSON.stringify(v), objectValue: v, secret: false },
    ]);
    return JSON.stringify(Object.fromEntries(entries));
}

/** index.ts as an inline program, loaded afresh for each operation (it registers on load). */
function realProgram(): () => Promise<Record<string, unknown>> {
    const entry = require.resolve(join(repoRoot, "index.ts"));
    return () => {
        delete require.cache[entry];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return Promise.resolve({ ...(require(entry) as Record<string, unknown>) });
    };
}

void describe("engine: index.ts with the platform (real Kubernetes provider, apiserver + kwok)", () => {
    const env = serviceEnv();
    const chartDir = findKafkaChart();
    let cluster: LocalCluster;
    let ksql: FakeKsqlDb;
    let stack: Stack;
    let work: string;
    let destroyed = false;
    const kafka = new Kafka({
        clientId: "engine-platform-test",
        brokers: (env.kafka?.bootstrap ?? "").split(","),
        logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    const output: string[] = [];
    const onOutput = (line: string) => void output.push(line);

    const kubectl = (...args: string[]) => {
        const res = spawnSync("kubectl", args, {
            env: { ...process.env, KUBECONFIG: cluster.kubeconfig },
            encoding: "utf8",
        });
        assert.equal(res.status, 0, `kubectl ${args.join(" ")}: ${res.stderr}`);
        return res.stdout;
    };
    const connectReplicas = async () => {
        const res = await cluster.api(
            "GET",
            `/apis/apps/v1/namespaces/${namespace}/deployments/connect`,
        );
        return (res.body as { spec: { replicas: number } }).spec.replicas;
    };
    const connectorNames = async () =>
        (await (await fetch(`${env.connect!.url}/connectors`)).json()) as string[];

    const settings = () => ({
        kubernetes: {
            enabled: true,
            context: cluster.context,
            kubeconfig: cluster.kubeconfig,
            clusterIdentifier: "ingest-engine",
            namespace,
        },
        kafka: chartDir
            ? { chart: chartDir, replicas: 1, hostBootstrapServers: env.kafka!.bootstrap }
            : { externalBootstrapServers: env.kafka!.bootstrap },
        // Images are references: nothing is built (kwok never pulls them).
        connect: { image: "ingest.local/ingest-connect:engine", url: env.connect!.url },
        ksqldb: { url: ksql.url },
        hdfs: {
            // One fake node: datanodes are spread one per node (required anti-affinity), so the
            // default of 2 never becomes Ready here (as on a one-node kind cluster; dev sets 1).
            datanodes: 1,
            image: { registry: "ingest.local", repository: "ingest-hdfs", tag: "engine" },
            webhdfsUrl: `${env.hdfs!.webhdfsUrl}/webhdfs/v1`,
            adminUser: env.hdfs!.user,
        },
        flume: { image: "ingest.local/ingest-flume:engine" },
        sqoop: { image: "ingest.local/ingest-sqoop:engine" },
        dataLake: { enabled: false },
        pipelines: {
            powerGrid: { sensors: ["1", "2"] },
            sinkConfig: {
                "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                file: join(work, "hdfs-sinks.txt"),
            },
            connectors: [
                {
                    name: userConnector,
                    config: {
                        "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                        "tasks.max": "1",
                        topics: "Cars",
                        file: join(work, "cars.txt"),
                    },
                },
            ],
        },
    });

    before(async () => {
        assert.ok(
            env.kafka && env.connect && env.hdfs,
            "run through `SERVICES=kafka,connect,hdfs node --import tsx scripts/services/run.ts -- ...`",
        );
        assert.ok(
            existsSync(kubernetesPluginPath),
            "the Kubernetes provider plugin is not installed: run `npm run engine:build`",
        );
        if (chartDir === undefined) {
            console.log(
                `# engine platform: no Kafka chart directory at ${kafkaChartDir()} ` +
                    "(fill it with `npx tsx scripts/engine/chart.ts <bitnami/charts clone>`): " +
                    "the Kafka chart is skipped, the stack brings the harness's Kafka instead",
            );
        }
        await admin.connect();
        cluster = await timed("cluster start", () => startCluster());
        ksql = await FakeKsqlDb.start({ topics: ["INGESTION"] });
        work = mkdtempSync(join(tmpdir(), "ingest-engine-platform-"));
        mkdirSync(join(work, "state"));
        mkdirSync(join(work, "project"));
        const cliEnv = engineEnv(join(work, "state"), true);
        const projectSettings = yaml.load(readFileSync(join(repoRoot, "Pulumi.yaml"), "utf8"));
        stack = await engineStack({
            stackName,
            projectName: project,
            program: realProgram(),
            workDir: join(work, "project"),
            env: cliEnv,
            projectSettings,
        });
        await stack.workspace.setAllConfigJson(stackName, objectConfig(settings()));
        // What @pulumi/random would generate, set as a secret through stdin.
        setSecretConfig(
            cliEnv,
            join(work, "project"),
            stackName,
            "postgresPassword",
            `engine-${randomBytes(12).toString("hex")}`,
        );
    });

    after(async () => {
        await destroyLeftover(stack, destroyed);
        await admin.disconnect();
        await ksql?.close();
        await cluster?.stop();
        if (work) rmSync(work, { recursive: true, force: true });
        printTimings("engine platform timings");
    });

    void it("up deploys the platform and the pipelines, with no warning about undefined outputs", async () => {
        const res = await timed("up", () => stack.up({ onOutput }));
        const created = changed(res.summary.resourceChanges ?? {});
        console.log(`# up: ${JSON.stringify(created)}`);
        assert.deepEqual(Object.keys(created), ["create"]);
        assert.doesNotMatch(output.join(""), /will not show as a stack output/);
        assert.equal(await connectReplicas(), 1);
        const deploy = await cluster.api(
            "GET",
            `/apis/apps/v1/namespaces/${namespace}/deployments/connect`,
        );
        const annotations = (deploy.body as { metadata: { annotations?: Record<string, string> } })
            .metadata.annotations;
        assert.equal(annotations?.["pulumi.com/patchForce"], "true");
        if (chartDir) {
            const sts = await cluster.api(
                "GET",
                `/apis/apps/v1/namespaces/${namespace}/statefulsets/kafka-controller`,
            );
            assert.equal(sts.status, 200, "the chart's StatefulSet is missing");
        }
        const live = await connectorNames();
        assert.ok(live.includes(userConnector), `Connect lacks ${userConnector}`);
        assert.ok(res.outputs.namespaceName?.value === namespace);
    });

    void it("previews no changes, refreshes no drift", async () => {
        const preview = await timed("preview", () => stack.preview({ expectNoChanges: true }));
        assert.deepEqual(changed(preview.changeSummary), {});
        const refresh = await timed("refresh", () => stack.refresh({ onOutput: () => undefined }));
        assert.deepEqual(changed(refresh.summary.resourceChanges ?? {}), {});
        const again = await timed("preview after refresh", () =>
            stack.preview({ expectNoChanges: true }),
        );
        assert.deepEqual(changed(again.changeSummary), {});
    });

    void it("shows exactly one update for one changed key, and applies it", async () => {
        await stack.setConfig("connect.resources.memoryLimit", { value: "3Gi" }, true);
        const events: EngineEvent[] = [];
        const res = await timed("preview one change", () =>
            stack.preview({ onEvent: (e) => void events.push(e) }),
        );
        const steps = events.flatMap((e) =>
            e.resourcePreEvent && e.resourcePreEvent.metadata.op !== "same"
                ? [e.resourcePreEvent.metadata]
                : [],
        );
        // The default dynamic provider gets the whole config as inputs (see program.ts).
        const resources = steps.filter((m) => !m.urn.includes("::pulumi:providers:"));
        assert.deepEqual(
            resources.map((m) => [m.op, m.type, m.urn.replace(/^.*::/, "")]),
            [["update", "kubernetes:apps/v1:Deployment", "connect"]],
        );
        // The provider reports no `diffs` keys for this update under server-side apply (seen
        // here); the step's old and new inputs show the one key that changes.
        const memoryLimit = (state?: { inputs?: Record<string, unknown> }) =>
            (
                state?.inputs as
                    | {
                          spec?: {
                              template?: {
                                  spec?: {
                                      containers?: {
                                          resources?: { limits?: { memory?: string } };
                                      }[];
                                  };
                              };
                          };
                      }
                    | undefined
            )?.spec?.template?.spec?.containers?.[0]?.resources?.limits?.memory;
        assert.equal(memoryLimit(resources[0].new), "3Gi");
        assert.notEqual(memoryLimit(resources[0].old), "3Gi");
        assert.equal(changed(res.changeSummary).update >= 1, true);
        const up = await timed("up one change", () => stack.up({ onOutput: () => undefined }));
        assert.ok((changed(up.summary.resourceChanges ?? {}).update ?? 0) >= 1);
        const deploy = await cluster.api(
            "GET",
            `/apis/apps/v1/namespaces/${namespace}/deployments/connect`,
        );
        const containers = (
            deploy.body as {
                spec: { template: { spec: { containers: { resources: { limits: object } }[] } } };
            }
        ).spec.template.spec.containers;
        assert.deepEqual(
            containers.map((c) => (c.resources.limits as { memory?: string }).memory),
            ["3Gi"],
        );
    });

    void it("restores the declared replicas after an out-of-band kubectl scale", async () => {
        kubectl("-n", namespace, "scale", "deploy", "connect", "--replicas=2");
        assert.equal(await connectReplicas(), 2);
        const refresh = await timed("refresh after scale", () =>
            stack.refresh({ onOutput: () => undefined }),
        );
        assert.deepEqual(changed(refresh.summary.resourceChanges ?? {}), { update: 1 });
        const preview = await timed("preview after scale", () => stack.preview());
        assert.deepEqual(changed(preview.changeSummary), { update: 1 });
        const up = await timed("up restores replicas", () =>
            stack.up({ onOutput: () => undefined }),
        );
        assert.deepEqual(changed(up.summary.resourceChanges ?? {}), { update: 1 });
        assert.equal(await connectReplicas(), 1);
        const again = await timed("preview after restore", () =>
            stack.preview({ expectNoChanges: true }),
        );
        assert.deepEqual(changed(again.changeSummary), {});
    });

    void it("destroy leaves nothing of the stack in the API server or the services", async () => {
        const res = await timed("destroy", () => stack.destroy({ onOutput: () => undefined }));
        destroyed = true;
        console.log(`# destroy: ${JSON.stringify(changed(res.summary.resourceChanges ?? {}))}`);
        assert.equal((await cluster.api("GET", `/api/v1/namespaces/${namespace}`)).status, 404);
        await until("the provisioned volumes to be deleted", async () => {
            const pvs = await cluster.api("GET", "/api/v1/persistentvolumes");
            return ((pvs.body as { items: unknown[] }).items ?? []).length === 0;
        });
        const live = await connectorNames();
        assert.deepEqual(
            live.filter((n) => n === userConnector || n.startsWith("hdfs-sink")),
            [],
        );
        const left = await admin.listTopics();
        assert.deepEqual(
            topics.filter((t) => left.includes(t)),
            [],
        );
        const streams = (await ksql.execute("LIST STREAMS;"))[0].streams as unknown[];
        assert.deepEqual(streams, []);
        for (const dir of directories) {
            const st = await fetch(
                `${env.hdfs!.webhdfsUrl}/webhdfs/v1${dir}?op=GETFILESTATUS&user.name=${env.hdfs!.user}`,
            );
            assert.equal(st.status, 404, dir);
        }
    });
});
