/**
 * The kind suite's fallback while the engine has no Kubernetes provider plugin: the program's
 * Kubernetes objects (index.ts under mocks, `render.ts`) applied with kubectl, so the same pods run
 * for real. What the engine's dynamic resources would do is done here directly and said so: HDFS
 * directories through WebHDFS as the superuser, the HDFS sink connector as a FileStream sink
 * through Connect's REST API. Then the seed pipelines are fed and their data found where it lands.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Kafka, logLevel } from "kafkajs";
import { timed, timings, until } from "../engine/steps";
import {
    env,
    hdfsDfs,
    kubectl,
    namespace,
    pods,
    psql,
    seedTelemetry,
    stackSettings,
} from "./kindStack";

void describe("kind (fallback, no provider plugin): the dev stack's objects applied with kubectl", () => {
    const kafka = new Kafka({
        clientId: "kind-suite",
        brokers: [env.kafka],
        logLevel: logLevel.NOTHING,
    });
    const connect = "http://127.0.0.1:30083";

    before(() => {
        assert.ok(env.gateway && env.kafka && env.pgPort, "run through `npm run test:kind`");
        console.log(
            "# kind suite: no Kubernetes provider plugin in the engine cache, so no `pulumi up`:",
        );
        console.log(
            "#   the program's objects are rendered under mocks and applied with kubectl instead",
        );
        console.log(
            "# check-landing / data tools: not in this tree; the suite feeds and asserts directly",
        );
        seedTelemetry();
        const settings = {
            ...stackSettings("http://127.0.0.1:1"),
            postgresPassword: env.pgPassword,
        };
        const res = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "render.ts")], {
            env: { ...process.env, KIND_STACK_CONFIG: JSON.stringify(settings) },
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        });
        assert.equal(res.status, 0, res.stderr);
        const file = join(tmpdir(), `kind-objects-${process.pid}.yaml`);
        writeFileSync(file, res.stdout);
        const applied = kubectl("apply", "-f", file);
        assert.equal(applied.status, 0, applied.out);
        console.log(`# applied ${applied.out.trim().split("\n").length} objects`);
        void psql;
    });

    after(() => {
        kubectl("delete", "namespace", namespace, "--wait=true", "--timeout=180s");
        console.log("# kind suite: step timings");
        for (const [step, ms] of timings)
            console.log(`#   ${step.padEnd(30)} ${(ms / 1000).toFixed(1)} s`);
    });

    void it("runs HDFS, Flume, Connect and the Sqoop Job as pods", async () => {
        await timed("WebHDFS up", () =>
            until(
                "WebHDFS on the NodePort",
                async () =>
                    (
                        await fetch(
                            "http://127.0.0.1:30870/webhdfs/v1/?op=GETFILESTATUS&user.name=hadoop",
                        ).catch(() => undefined)
                    )?.ok === true,
                300_000,
            ),
        );
        // What the HdfsDirectory resources would do: the layout, each folder owned by its writer.
        for (const [path, owner] of [
            ["/unorganized", "connect"],
            ["/grid-wattage", "connect"],
            ["/old-telemetry", "sqoop"],
            ["/Cars", "flume"],
        ]) {
            const base = `http://127.0.0.1:30870/webhdfs/v1${path}?user.name=hadoop`;
            assert.equal(
                (await fetch(`${base}&op=MKDIRS&permission=755`, { method: "PUT" })).status,
                200,
            );
            assert.equal(
                (await fetch(`${base}&op=SETOWNER&owner=${owner}`, { method: "PUT" })).status,
                200,
            );
        }
        // A 2-core node cannot hold every request at once (control plane ≈ 0.85 CPU, two Flume
        // agents 0.5, the Sqoop Job 0.5, ...): the unorganized agent makes room until the Job ends.
        const pending = () =>
            pods().some(
                (p) => p.metadata.name.startsWith("sqoop-") && p.status.phase === "Pending",
            );
        await new Promise((r) => setTimeout(r, 15_000));
        const squeezed = pending();
        if (squeezed) {
            console.log(
                "# sqoop Job Pending (Insufficient cpu on the 2-core node): flume-unorganized scaled to 0 until it completes",
            );
            kubectl("-n", namespace, "scale", "deploy/flume-unorganized", "--replicas=0");
        }
        await timed("sqoop Job complete", () =>
            until(
                "the Sqoop pod Succeeded",
                () =>
                    Promise.resolve(
                        pods().some(
                            (p) =>
                                p.metadata.name.startsWith("sqoop-") &&
                                p.status.phase === "Succeeded",
                        ),
                    ),
                600_000,
            ),
        );
        if (squeezed) kubectl("-n", namespace, "scale", "deploy/flume-unorganized", "--replicas=1");
        await timed("all pods ready", () =>
            until(
                "every pod Running and ready, or Succeeded",
                () =>
                    Promise.resolve(
                        pods().every(
                            (p) =>
                                p.status.phase === "Succeeded" ||
                                (p.status.phase === "Running" &&
                                    (p.status.containerStatuses ?? []).every((c) => c.ready)),
                        ),
                    ),
                400_000,
            ),
        );
        for (const p of pods()) {
            const restarts = (p.status.containerStatuses ?? []).reduce(
                (n, c) => n + c.restartCount,
                0,
            );
            console.log(`# pod ${p.metadata.name}: ${p.status.phase}, restarts ${restarts}`);
        }
    });

    void it("lands the telemetry table (Sqoop), a car (Flume) and a text line (Flume → Kafka → Connect)", async () => {
        await timed("check sqoop landing", () =>
            until(
                "5 telemetry rows in /old-telemetry",
                () =>
                    Promise.resolve(/5,Node5,70000/.test(hdfsDfs("-cat", "/old-telemetry/part-*"))),
                120_000,
            ),
        );
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
        // What the hdfs-sink-unorganized KafkaConnector would declare, as a FileStream sink.
        const put = await fetch(`${connect}/connectors/hdfs-sink-unorganized/config`, {
            method: "PUT",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({
                "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                topics: "UNORGANIZED",
                file: "/tmp/hdfs-sinks.txt",
                "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            }),
        });
        assert.ok(put.status === 200 || put.status === 201, `PUT connector: ${put.status}`);
        await timed("check connect landing", async () => {
            await until(
                "the line in the Connect worker's sink file",
                () => {
                    // The feeder runs in `default`: the stack's namespace admits only "restricted" pods.
                    kubectl("-n", "default", "delete", "pod", "feeder", "--ignore-not-found");
                    kubectl(
                        "-n",
                        "default",
                        "run",
                        "feeder",
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
                    const res = kubectl(
                        "-n",
                        namespace,
                        "exec",
                        "deploy/connect",
                        "-c",
                        "connect",
                        "--",
                        "cat",
                        "/tmp/hdfs-sinks.txt",
                    );
                    return new Promise((r) =>
                        setTimeout(
                            () => r(res.status === 0 && res.out.includes("kind line 1")),
                            5_000,
                        ),
                    );
                },
                240_000,
            );
        });
        kubectl("-n", "default", "delete", "pod", "feeder", "--ignore-not-found");
    });
});
