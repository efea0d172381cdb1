/**
 * The dev stack on a real kind cluster through the real engine: `pulumi up` of index.ts (Pulumi
 * CLI and Kubernetes provider from scripts/engine), readiness, the seed pipelines fed and what
 * landed checked, a second `up` that changes nothing, `destroy`.
 *
 * Real pods: the HDFS NameNode and DataNode, the Flume agents, the Sqoop Job and a Connect worker
 * (Apache Kafka's runtime). From the stack's external-service config: Kafka and PostgreSQL (the
 * services harness, listening on the host's address on the kind network) and the ksqlDB REST fake.
 * Run by `npm run test:kind` (scripts/kind/suite.ts), which creates the cluster and the services.
 */
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import * as yaml from "js-yaml";
import { Kafka, logLevel } from "kafkajs";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pulumiHome, pulumiSpec, repoRoot, toolBin, toolDir } from "../../scripts/engine/tools";
import { FakeKsqlDb } from "../fakes/ksqldb";
import {
    env,
    hdfsDfs,
    kubectl,
    namespace,
    pods,
    project,
    seedTelemetry,
    stackName,
    stackSettings,
} from "./kindStack";
import { changed, timed, timings, until } from "../engine/steps";

/** The real entry point as an inline program (index.ts declares its resources when loaded). */
function realProgram(): () => Promise<Record<string, unknown>> {
    const entry = require.resolve(join(repoRoot, "index.ts"));
    return () => {
        delete require.cache[entry];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return Promise.resolve({ ...(require(entry) as Record<string, unknown>) });
    };
}

function objectConfig(values: Record<string, object>): string {
    const entries = Object.entries(values).map(([key, v]) => [
        `${project}:${key}`,
        { value: JSON.stringify(v), objectValue: v, secret: false },
    ]);
    return JSON.stringify(Object.fromEntries(entries));
}

void describe(`kind: the dev stack through the real engine (pulumi ${pulumiSpec.version})`, () => {
    let ksql: FakeKsqlDb;
    let stack: Stack;
    let work: string;
    let destroyed = false;
    const kafka = new Kafka({
        clientId: "kind-suite",
        brokers: [env.kafka],
        logLevel: logLevel.NOTHING,
    });

    before(async () => {
        assert.ok(env.gateway && env.kafka && env.pgPort, "run through `npm run test:kind`");
        console.log(
            "# check-landing / data tools: not in this tree; the suite feeds and asserts directly",
        );
        ksql = await FakeKsqlDb.start({ topics: ["INGESTION"] });
        seedTelemetry();
        work = mkdtempSync(join(tmpdir(), "ingest-kind-"));
        mkdirSync(join(work, "state"));
        mkdirSync(join(work, "project"));
        const cliEnv: Record<string, string> = {
            PULUMI_BACKEND_URL: `file://${join(work, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "kind-suite",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_HOME: pulumiHome,
            NODE_PATH: join(repoRoot, "node_modules"),
            PATH: `${toolBin(pulumiSpec)}:${process.env.PATH ?? ""}`,
            KUBECONFIG: process.env.KUBECONFIG ?? "",
        };
        const pulumiCommand = await PulumiCommand.get({
            root: toolDir(pulumiSpec.name, pulumiSpec.version),
        });
        const projectSettings = yaml.load(readFileSync(join(repoRoot, "Pulumi.yaml"), "utf8"));
        stack = await LocalWorkspace.createOrSelectStack(
            { stackName, projectName: project, program: realProgram() },
            {
                pulumiCommand,
                pulumiHome,
                workDir: join(work, "project"),
                projectSettings: projectSettings as never,
                envVars: cliEnv,
            },
        );
        await stack.workspace.setAllConfigJson(stackName, objectConfig(stackSettings(ksql.url)));
        const set = spawnSync(
            join(toolBin(pulumiSpec), "pulumi"),
            ["config", "set", "--secret", "postgresPassword", "--stack", stackName],
            {
                cwd: join(work, "project"),
                env: { ...process.env, ...cliEnv },
                input: env.pgPassword,
                encoding: "utf8",
            },
        );
        assert.equal(set.status, 0, `pulumi config set --secret failed: ${set.stderr}`);
    });

    after(async () => {
        if (stack && !destroyed) {
            await stack.destroy({ onOutput: () => undefined }).catch((e: Error) => {
                console.log(`# cleanup destroy failed: ${e.message}`);
            });
        }
        await ksql?.close();
        if (work) rmSync(work, { recursive: true, force: true });
        console.log("# kind suite: engine and check timings");
        for (const [step, ms] of timings) {
            console.log(`#   ${step.padEnd(30)} ${(ms / 1000).toFixed(1)} s`);
        }
    });

    void it("up deploys the dev stack: HDFS, Flume, Sqoop and Connect run as ready pods", async () => {
        const res = await timed("up", () =>
            stack.up({ onOutput: (line) => process.stdout.write(`  | ${line}`) }),
        );
        assert.equal(res.summary.result, "succeeded");
        const listed = await timed("all pods ready", async () => {
            await until(
                "every pod Running and ready, or Succeeded",
                () =>
                    Promise.resolve(
                        pods().length > 0 &&
                            pods().every(
                                (p) =>
                                    p.status.phase === "Succeeded" ||
                                    (p.status.phase === "Running" &&
                                        (p.status.containerStatuses ?? []).every((c) => c.ready)),
                            ),
                    ),
                300_000,
            );
            return pods();
        });
        for (const p of listed) {
            const restarts = (p.status.containerStatuses ?? []).reduce(
                (n, c) => n + c.restartCount,
                0,
            );
            console.log(`# pod ${p.metadata.name}: ${p.status.phase}, restarts ${restarts}`);
        }
        const names = listed.map((p) => p.metadata.name);
        for (const prefix of ["hdfs-namenode-0", "hdfs-datanode-0", "connect-", "sqoop-"]) {
            assert.ok(
                names.some((n) => n.startsWith(prefix)),
                `no pod ${prefix}* in ${names.join(", ")}`,
            );
        }
        assert.ok(
            names.filter((n) => n.includes("flume")).length >= 2,
            `Flume agents: ${names.join(", ")}`,
        );
    });

    void it("feeds the seed pipelines and finds the data where each one lands", async () => {
        // Seed 003, telemetry: the Sqoop Job imported the table into /old-telemetry.
        await timed("check sqoop landing", () =>
            until(
                "5 telemetry rows in /old-telemetry",
                () => Promise.resolve(/Node5,70000/.test(hdfsDfs("-cat", "/old-telemetry/part-*"))),
                180_000,
            ),
        );
        // Seed 002: a car on Kafka's Cars topic → Flume (Kafka source, HDFS sink) → /Cars.
        const producer = kafka.producer();
        await producer.connect();
        await producer.send({ topic: "Cars", messages: [{ value: "car-kind-1 at the gate" }] });
        await producer.disconnect();
        await timed("check flume landing", () =>
            until(
                "the car in HDFS /Cars",
                () => Promise.resolve(hdfsDfs("-cat", "/Cars/*").includes("car-kind-1")),
                180_000,
            ),
        );
        // Seed 003, unorganized text: HTTP → Flume → Kafka UNORGANIZED → Connect sink.
        // The feeder runs in `default`: the stack's namespace admits only "restricted" pods.
        const feeder = kubectl(
            "-n",
            "default",
            "run",
            "feeder",
            "--rm",
            "-i",
            "--restart=Never",
            "--image=ingest.local/tools:bookworm",
            "--image-pull-policy=Never",
            "--",
            "curl",
            "-fsS",
            "-m",
            "20",
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "--data",
            '[{"headers":{},"body":"kind line 1"}]',
            `http://flume-unorganized.${namespace}:8080`,
        );
        assert.equal(feeder.status, 0, feeder.out);
        await timed("check connect landing", () =>
            until(
                "the line in the Connect worker's sink file",
                () => {
                    const res = kubectl(
                        "-n",
                        namespace,
                        "exec",
                        "deploy/connect",
                        "--",
                        "cat",
                        "/tmp/hdfs-sinks.txt",
                    );
                    return Promise.resolve(res.status === 0 && res.out.includes("kind line 1"));
                },
                180_000,
            ),
        );
    });

    void it("a second up changes nothing", async () => {
        const res = await timed("second up", () => stack.up({ onOutput: () => undefined }));
        assert.deepEqual(changed(res.summary.resourceChanges ?? {}), {});
    });

    void it("destroy removes the stack and its namespace", async () => {
        await timed("destroy", () => stack.destroy({ onOutput: () => undefined }));
        destroyed = true;
        await until(
            `namespace ${namespace} gone`,
            () => Promise.resolve(kubectl("get", "namespace", namespace).status !== 0),
            180_000,
        );
    });
});
