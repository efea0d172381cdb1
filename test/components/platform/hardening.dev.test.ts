import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { one, ofType, recorded } from "../../helpers/mocks";
import { runStack } from "../../helpers/stack";
import { allowed, kafkaChartPolicy, type SimPod } from "./networkSim";
import { podTemplates, restrictedViolations } from "./podSecurity";

describe("dev stack hardening", () => {
    before(async () => {
        await runStack("dev");
    });

    it("passes Pod Security restricted in every pod, enforced on the namespace", () => {
        const labels = (one("kubernetes:core/v1:Namespace", "namespace").inputs.metadata as any)
            .labels;
        assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted");
        const pods = podTemplates(recorded);
        assert.ok(pods.size >= 10, `${pods.size} pod templates`);
        for (const [name, pod] of pods) {
            assert.deepEqual(restrictedViolations(pod.spec), [], name);
            assert.equal(pod.spec.automountServiceAccountToken, false, name);
            assert.ok(pod.spec.serviceAccountName, name);
        }
    });

    it("keeps the NodePorts reachable from the host and the rest of the namespace closed", () => {
        const pods = podTemplates(recorded);
        const labels = (key: string): SimPod => ({ labels: pods.get(key)!.metadata.labels });
        const kafkaLabels = {
            "app.kubernetes.io/name": "kafka",
            "app.kubernetes.io/instance": "kafka",
            "app.kubernetes.io/component": "controller-eligible",
        };
        const values = one("kubernetes:helm.sh/v4:Chart", "kafka").inputs.values as any;
        const policies = [
            ...ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy").map(
                (p) => p.inputs.spec as any,
            ),
            kafkaChartPolicy(values, "kafka", kafkaLabels, true),
        ];
        const targets: [string, SimPod, number][] = [
            ["kafka", { labels: kafkaLabels }, 9095],
            ["connect", labels("Deployment connect"), 8083],
            ["ksqldb", labels("Deployment ksqldb"), 8088],
            ["postgres", labels("StatefulSet postgres"), 5432],
            ["console", labels("Deployment console"), 8080],
            ["namenode", labels("StatefulSet hdfs-namenode"), 9870],
            ["datanode", labels("StatefulSet hdfs-datanode"), 9864],
        ];
        // NodePort traffic arrives from the kind node's address after kube-proxy.
        const host: SimPod = { ip: "172.18.0.2", labels: {} };
        for (const [name, pod, port] of targets) {
            assert.ok(allowed(policies, "ingest", host, pod, port), `host -> ${name}:${port}`);
        }
        assert.equal(
            allowed(policies, "ingest", host, labels("StatefulSet hdfs-namenode"), 9000),
            false,
            "HDFS RPC stays in the namespace",
        );
        assert.ok(
            allowed(
                policies,
                "ingest",
                labels("Deployment ksqldb-cli"),
                labels("Deployment ksqldb"),
                8088,
            ),
            "the CLI pod reaches the server",
        );
        assert.equal(
            allowed(
                policies,
                "ingest",
                labels("Deployment console"),
                labels("StatefulSet postgres"),
                5432,
            ),
            false,
        );
    });
});
