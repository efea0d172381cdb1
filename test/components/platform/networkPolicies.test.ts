import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { httpfsLabels } from "../../../components/platform/hdfs/httpfs";
import { hdfsLabels } from "../../../components/platform/hdfs/workloads";
import {
    kafkaNetworkPolicyValues,
    networkPolicySpecs,
    operatorPeers,
    platformNetworkArgs,
    platformPorts,
} from "../../../components/platform/networkPolicies";
import { allowed, type SimPod } from "./networkSim";

const selectors = {
    connect: { "app.kubernetes.io/name": "kafka-connect" },
    postgres: { "app.kubernetes.io/name": "postgres" },
};

describe("network policy specs", () => {
    it("allows a connection on both ends and nothing for workloads that are not deployed", () => {
        const specs = networkPolicySpecs({
            selectors,
            ports: platformPorts(),
            operator: { cidrs: [] },
            operatorPorts: { connect: [8083] },
        });
        assert.deepEqual(Object.keys(specs), [
            "default-deny",
            "allow-dns",
            "allow-connect",
            "allow-postgres",
        ]);
        assert.deepEqual(specs["allow-postgres"].ingress, [
            {
                from: [{ podSelector: { matchLabels: selectors.connect } }],
                ports: [{ protocol: "TCP", port: 5432 }],
            },
        ]);
        const egress = specs["allow-connect"].egress as any[];
        assert.deepEqual(egress, [
            {
                to: [{ podSelector: { matchLabels: selectors.connect } }],
                ports: [{ protocol: "TCP", port: 8083 }],
            },
            {
                to: [{ podSelector: { matchLabels: selectors.postgres } }],
                ports: [{ protocol: "TCP", port: 5432 }],
            },
        ]);
        // Without an operator source there is no admin rule at all (not an empty `from`, which
        // would admit everyone).
        assert.deepEqual(specs["allow-connect"].ingress, [
            {
                from: [{ podSelector: { matchLabels: selectors.connect } }],
                ports: [{ protocol: "TCP", port: 8083 }],
            },
        ]);
    });

    it("opens the admin ports to the operator's CIDRs and in-cluster runner, and the object store to Connect", () => {
        const specs = networkPolicySpecs({
            selectors,
            ports: platformPorts(),
            operator: { cidrs: ["10.8.0.0/16"], namespace: "ingest-ops" },
            operatorPorts: { connect: [8083] },
            dataLakePort: 443,
        });
        const ingress = specs["allow-connect"].ingress as any[];
        assert.deepEqual(ingress[1], {
            from: [
                { ipBlock: { cidr: "10.8.0.0/16" } },
                {
                    namespaceSelector: {
                        matchLabels: { "kubernetes.io/metadata.name": "ingest-ops" },
                    },
                    podSelector: { matchLabels: { "ingest-platform/operator": "true" } },
                },
            ],
            ports: [{ protocol: "TCP", port: 8083 }],
        });
        assert.deepEqual((specs["allow-connect"].egress as any[]).at(-1), {
            to: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
            ports: [{ protocol: "TCP", port: 443 }],
        });
    });

    it("closes the Kafka chart's listeners to unlabelled pods and its egress to the brokers", () => {
        assert.deepEqual(kafkaNetworkPolicyValues({ cidrs: [] }, [9092]), {
            enabled: true,
            allowExternal: false,
            allowExternalEgress: false,
            addExternalClientAccess: true,
            extraIngress: [],
        });
        const withRunner = kafkaNetworkPolicyValues({ cidrs: [], namespace: "ops" }, [9092]);
        assert.deepEqual(withRunner.extraIngress, [
            {
                from: operatorPeers({ cidrs: [], namespace: "ops" }),
                ports: [{ protocol: "TCP", port: 9092 }],
            },
        ]);
    });

    it("lets the operator reach HttpFS, and HttpFS only the NameNode RPC and DataNode data ports", () => {
        const args = platformNetworkArgs(
            {
                network: { operatorCidrs: ["10.8.0.0/16"] },
                flume: { enabled: true },
                sqoop: { enabled: true },
                dataLake: { enabled: false },
                console: {},
                postgres: {},
            } as any,
            "ingest",
            {
                kafka: true,
                ksqldb: false,
                ksqldbCli: false,
                console: false,
                postgres: true,
                hdfs: true,
            },
        );
        const policies = Object.values(networkPolicySpecs(args)) as any[];
        const pod = (labels: Record<string, string>): SimPod => ({ labels });
        const httpfs = pod(httpfsLabels("hdfs"));
        const namenode = pod(hdfsLabels("hdfs", "namenode"));
        const datanode = pod(hdfsLabels("hdfs", "datanode"));
        const postgres = pod({
            "app.kubernetes.io/name": "postgres",
            "app.kubernetes.io/instance": "postgres",
        });
        const operator: SimPod = { ip: "10.8.3.4", labels: {} };
        const stranger: SimPod = { ip: "192.0.2.1", labels: {} };
        const may = (from: SimPod, to: SimPod, port: number) =>
            allowed(policies, "ingest", from, to, port);
        assert.ok(may(operator, httpfs, 14000), "operator -> httpfs:14000");
        assert.equal(may(stranger, httpfs, 14000), false, "outside the operator CIDRs");
        assert.equal(may(operator, httpfs, 8080), false, "only the gateway port");
        assert.ok(may(httpfs, namenode, 9000), "httpfs -> namenode RPC");
        assert.ok(may(httpfs, datanode, 9866), "httpfs -> datanode data transfer");
        assert.equal(may(httpfs, namenode, 9870), false, "not the NameNode web server");
        assert.equal(may(httpfs, postgres, 5432), false, "nothing outside HDFS");
        assert.equal(may(pod({ "app.kubernetes.io/name": "flume" }), httpfs, 14000), false);
    });
});
