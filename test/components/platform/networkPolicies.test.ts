import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    kafkaNetworkPolicyValues,
    networkPolicySpecs,
    operatorPeers,
    platformPorts,
} from "../../../components/platform/networkPolicies";

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
});
