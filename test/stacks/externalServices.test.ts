import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { isSecretValue, one, recorded, settle } from "../helpers/mocks";
import { runStack } from "../helpers/stack";

// The kind suite's shape: a cluster stack whose Kafka, Postgres and ksqlDB are brought by the
// stack (external-service config) while HDFS, Flume, Sqoop and Connect run in the cluster.
describe("dev stack with external Kafka, Postgres and ksqlDB", () => {
    before(async () => {
        await runStack("dev", {
            overrides: {
                "ingest-platform:kafka": { externalBootstrapServers: "172.18.0.1:9092" },
                "ingest-platform:postgres": {
                    externalHost: "172.18.0.1:5433",
                    database: "telemetry",
                    username: "postgres",
                },
                "ingest-platform:ksqldb": { enabled: false, url: "http://127.0.0.1:8088" },
                "ingest-platform:postgresPassword": "external-password",
            },
            secretKeys: ["ingest-platform:postgresPassword"],
        });
        await settle();
    });

    it("runs the Sqoop job against the external server with the password from a Secret", () => {
        const secret = one("kubernetes:core/v1:Secret", "postgres-external");
        // The whole stringData travels as a Pulumi secret, the password inside it.
        assert.ok(isSecretValue(secret.inputs.stringData));
        assert.deepEqual(Object.keys((secret.inputs.stringData as { value: object }).value), [
            "password",
        ]);
        const job = one("kubernetes:batch/v1:Job", "sqoop-import");
        const spec = JSON.stringify(job.inputs);
        assert.match(spec, /jdbc:postgresql:\/\/172\.18\.0\.1:5433\/telemetry/);
        assert.doesNotMatch(spec, /external-password/);
        assert.equal(recorded.filter((r) => r.type === "ingest:components:Postgres").length, 0);
    });

    it("declares the sensor routing against the stack's own ksqlDB", () => {
        assert.equal(recorded.filter((r) => r.type === "ingest:components:KsqlDb").length, 0);
        const routing = recorded.filter((r) => r.type === "ingest:components:SensorRouting");
        assert.equal(routing.length, 1);
    });

    // Both found on a real kind pod: the worker stopped at start-up, the init container failed.
    it("mounts the Connect file provider's allowed path and seeds config without preserving times", () => {
        const deployment = one("kubernetes:apps/v1:Deployment", "connect");
        const pod = (deployment.inputs.spec as { template: { spec: PodSpec } }).template.spec;
        const worker = pod.containers[0];
        const allowed = worker.env.find(
            (e) => e.name === "CONNECT_CONFIG_PROVIDERS_FILE_PARAM_ALLOWED_PATHS",
        )?.value;
        assert.ok(allowed);
        assert.ok(worker.volumeMounts.some((m) => m.mountPath === allowed));
        // One node, one replica per node: a rollout replaces the pod instead of surging.
        assert.deepEqual((deployment.inputs.spec as { strategy: unknown }).strategy, {
            type: "RollingUpdate",
            rollingUpdate: { maxSurge: 0, maxUnavailable: 1 },
        });
        const seed = pod.initContainers[0].command.join(" ");
        assert.match(seed, /cp -R /);
        assert.doesNotMatch(seed, /cp -a/);
    });
});

interface PodSpec {
    containers: {
        env: { name: string; value?: string }[];
        volumeMounts: { mountPath: string }[];
    }[];
    initContainers: { command: string[] }[];
}
