/**
 * Network isolation of the namespace: deny every connection by default, then allow exactly the
 * ones the wiring makes (client → server, port by port) and the operator's paths (the machine
 * that runs `pulumi` reaching the REST APIs, WebHDFS, HttpFS and Kafka). The Kafka pods' own ingress is the
 * chart's policy (see {@link kafkaNetworkPolicyValues}); this component adds the client side.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSettings } from "../../config";
import { CONSOLE_PORT } from "./console";
import { FLUME_HTTP_SOURCE_PORT } from "./flume";
import { httpfsLabels } from "./hdfs/httpfs";
import { HDFS_LAYOUT } from "./hdfs/siteXml";
import { hdfsLabels } from "./hdfs/workloads";
import { CONNECT_PORT } from "./kafkaConnect";
import { KSQLDB_PORT } from "./ksqlDb";
import { POSTGRES_PORT } from "./postgres";

type Rule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type PolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** The platform's workloads, as endpoints of connections. */
export type Workload =
    | "kafka"
    | "connect"
    | "ksqldb"
    | "ksqldbCli"
    | "console"
    | "postgres"
    | "namenode"
    | "datanode"
    | "httpfs"
    | "flume"
    | "sqoop";

/** Label a pod carries to be allowed to the Flume network sources (producers in the namespace). */
export const PRODUCER_POD_LABEL: Record<string, string> = { "ingest-platform/producer": "true" };

/** Label the pods of an in-cluster `pulumi up` runner carry (in `network.operatorNamespace`). */
export const OPERATOR_POD_LABEL: Record<string, string> = { "ingest-platform/operator": "true" };

/** Where the operator (the machine running `pulumi`, or a person with kubectl) comes from. */
export interface OperatorSource {
    /** CIDRs it connects from: a VPN range, a load balancer's source range, `0.0.0.0/0` on kind. */
    readonly cidrs: readonly string[];
    /** Namespace of an in-cluster runner whose pods carry {@link OPERATOR_POD_LABEL}. */
    readonly namespace?: string;
}

/** One connection the wiring makes: `from` opens TCP connections to `to` on `ports`. */
export interface Connection {
    readonly from: Workload;
    readonly to: Workload;
    readonly ports: readonly number[];
}

/** Arguments for {@link NetworkPolicies}. */
export interface NetworkPoliciesArgs {
    /** Namespace the policies guard (all of it: the default deny selects every pod). */
    readonly namespace: pulumi.Input<string>;
    /** Pod labels (a selector) of each deployed workload; absent = not deployed. */
    readonly selectors: Partial<Record<Workload, Record<string, string>>>;
    /** Ports of the servers. */
    readonly ports: PlatformPorts;
    /** The operator's sources; with none, only in-namespace traffic is allowed. */
    readonly operator: OperatorSource;
    /** Ports the operator reaches per workload (REST APIs, WebHDFS, NodePorts). */
    readonly operatorPorts: Partial<Record<Workload, readonly number[]>>;
    /** TCP port Connect's S3 sink reaches the object store on (443; LocalStack 4566). Unset = none. */
    readonly dataLakePort?: number;
}

/** The server ports the connections use. */
export interface PlatformPorts {
    readonly kafka: number;
    readonly connect: number;
    readonly ksqldb: number;
    readonly postgres: number;
    readonly namenodeRpc: number;
    readonly datanodeData: number;
    readonly datanodeIpc: number;
}

/** Every connection between the platform's workloads, from how they are wired. */
export function platformConnections(p: PlatformPorts): Connection[] {
    const hdfsClient = (from: Workload): Connection[] => [
        { from, to: "namenode", ports: [p.namenodeRpc] },
        { from, to: "datanode", ports: [p.datanodeData] },
    ];
    return [
        { from: "connect", to: "kafka", ports: [p.kafka] },
        // Workers forward REST calls to the group leader.
        { from: "connect", to: "connect", ports: [p.connect] },
        // The JDBC source (seed 004) and sink read and write Postgres.
        { from: "connect", to: "postgres", ports: [p.postgres] },
        ...hdfsClient("connect"),
        { from: "ksqldb", to: "kafka", ports: [p.kafka] },
        { from: "ksqldbCli", to: "ksqldb", ports: [p.ksqldb] },
        { from: "console", to: "kafka", ports: [p.kafka] },
        { from: "console", to: "connect", ports: [p.connect] },
        { from: "flume", to: "kafka", ports: [p.kafka] },
        ...hdfsClient("flume"),
        { from: "sqoop", to: "postgres", ports: [p.postgres] },
        ...hdfsClient("sqoop"),
        // The HttpFS gateway is an HDFS client: metadata from the NameNode, bytes from DataNodes.
        ...hdfsClient("httpfs"),
        // DataNodes register with and heartbeat to the NameNode, and pipeline block replicas
        // to each other (data transfer, and IPC for block recovery).
        { from: "datanode", to: "namenode", ports: [p.namenodeRpc] },
        { from: "datanode", to: "datanode", ports: [p.datanodeData, p.datanodeIpc] },
    ];
}

const tcp = (ports: readonly number[]) => ports.map((port) => ({ protocol: "TCP", port }));

/** The peers the operator connects from. */
export function operatorPeers(operator: OperatorSource): Peer[] {
    return [
        ...operator.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
        ...(operator.namespace === undefined
            ? []
            : [
                  {
                      namespaceSelector: {
                          matchLabels: { "kubernetes.io/metadata.name": operator.namespace },
                      },
                      podSelector: { matchLabels: OPERATOR_POD_LABEL },
                  },
              ]),
    ];
}

/**
 * The NetworkPolicy specs, by object name: `default-deny` (every pod, both directions),
 * `allow-dns` (every pod to port 53), and one `allow-<workload>` per deployed workload except
 * Kafka (the chart's policy guards its pods) with its ingress and egress rules.
 */
export function networkPolicySpecs(
    args: Omit<NetworkPoliciesArgs, "namespace">,
): Record<string, PolicySpec> {
    const sel = args.selectors;
    const deployed = (w: Workload) => sel[w] !== undefined;
    const connections = platformConnections(args.ports).filter(
        (c) => deployed(c.from) && deployed(c.to),
    );
    const operator = operatorPeers(args.operator);
    const specs: Record<string, PolicySpec> = {
        "default-deny": { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        "allow-dns": {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
            ],
        },
    };
    for (const w of Object.keys(sel) as Workload[]) {
        if (w === "kafka") continue;
        const ingress: Rule[] = connections
            .filter((c) => c.to === w)
            .map((c) => ({
                from: [{ podSelector: { matchLabels: sel[c.from] } }],
                ports: tcp(c.ports),
            }));
        const egress: EgressRule[] = connections
            .filter((c) => c.from === w)
            .map((c) => ({
                to: [{ podSelector: { matchLabels: sel[c.to] } }],
                ports: tcp(c.ports),
            }));
        const adminPorts = args.operatorPorts[w] ?? [];
        if (operator.length > 0 && adminPorts.length > 0) {
            ingress.push({ from: operator, ports: tcp(adminPorts) });
        }
        if (w === "flume") {
            // Producers in the namespace send to the agents' HTTP/netcat sources (any port).
            ingress.push({ from: [{ podSelector: { matchLabels: PRODUCER_POD_LABEL } }] });
        }
        if (w === "connect" && args.dataLakePort !== undefined) {
            // The object store is outside the cluster at addresses that change (S3).
            egress.push({
                to: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
                ports: tcp([args.dataLakePort]),
            });
        }
        specs[`allow-${kebab(w)}`] = {
            podSelector: { matchLabels: sel[w] },
            policyTypes: ["Ingress", "Egress"],
            ingress,
            egress,
        };
    }
    return specs;
}

function kebab(w: Workload): string {
    return w.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The Kafka chart's `networkPolicy` values: only Kafka pods, pods labelled `kafka-client: "true"`
 * and the operator reach the listeners (`allowExternal: false`), and the brokers reach only each
 * other and DNS (`allowExternalEgress: false`).
 */
export function kafkaNetworkPolicyValues(
    operator: OperatorSource,
    operatorPorts: readonly number[],
): Record<string, unknown> {
    const peers = operatorPeers(operator);
    return {
        enabled: true,
        allowExternal: false,
        allowExternalEgress: false,
        addExternalClientAccess: true,
        // Not ingressNSMatchLabels: chart 32.4.4 reads its pod half from a misspelt key
        // (`ingressNSPodMatchLabel`), so a namespace rule would admit every pod of that namespace.
        extraIngress:
            peers.length === 0 || operatorPorts.length === 0
                ? []
                : [{ from: peers, ports: tcp(operatorPorts) }],
    };
}

/** The namespace's NetworkPolicies: default deny plus one allow rule per real connection. */
export class NetworkPolicies extends pulumi.ComponentResource {
    /** Names of the policies created. */
    public readonly policyNames: string[];

    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ingest:components:NetworkPolicies", name, {}, opts);
        const specs = networkPolicySpecs(args);
        this.policyNames = Object.keys(specs);
        for (const [policy, spec] of Object.entries(specs)) {
            new k8s.networking.v1.NetworkPolicy(
                policy,
                {
                    metadata: {
                        name: policy,
                        namespace: args.namespace,
                        labels: { "app.kubernetes.io/part-of": "ingest-platform" },
                    },
                    spec,
                },
                { parent: this },
            );
        }
        this.registerOutputs({ policyNames: this.policyNames });
    }
}

/** Kafka's client listener and the external (NodePort) listener's container port in the chart. */
export const KAFKA_PORTS = { client: 9092, external: 9095 } as const;

/** The platform's server ports, as the components open them. */
export function platformPorts(hdfsRpcPort = 9000): PlatformPorts {
    return {
        kafka: KAFKA_PORTS.client,
        connect: CONNECT_PORT,
        ksqldb: KSQLDB_PORT,
        postgres: POSTGRES_PORT,
        namenodeRpc: hdfsRpcPort,
        datanodeData: HDFS_LAYOUT.datanodeDataPort,
        datanodeIpc: HDFS_LAYOUT.datanodeIpcPort,
    };
}

/** Which optional workloads {@link deployPlatform} created. */
export interface DeployedWorkloads {
    readonly kafka: boolean;
    readonly ksqldb: boolean;
    readonly ksqldbCli: boolean;
    readonly console: boolean;
    readonly postgres: boolean;
    readonly hdfs: boolean;
}

/** The operator's sources from the stack's `network` config. */
export function operatorSource(cfg: Pick<PlatformSettings, "network">): OperatorSource {
    return { cidrs: cfg.network.operatorCidrs, namespace: cfg.network.operatorNamespace };
}

/**
 * {@link NetworkPoliciesArgs} for the stack: the selectors of the workloads deployed (with the
 * object names deployPlatform gives them), the operator's ports (the REST APIs and WebHDFS the
 * dynamic providers call, plus every NodePort a person uses on kind).
 */
export function platformNetworkArgs(
    cfg: Pick<
        PlatformSettings,
        "network" | "flume" | "sqoop" | "dataLake" | "console" | "postgres"
    >,
    namespace: pulumi.Input<string>,
    deployed: DeployedWorkloads,
): NetworkPoliciesArgs {
    const byName = (instance: string, component: string) => ({
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/instance": instance,
    });
    const selectors: Partial<Record<Workload, Record<string, string>>> = {
        connect: byName("connect", "kafka-connect"),
        ...(deployed.kafka ? { kafka: byName("kafka", "kafka") } : {}),
        ...(deployed.ksqldb ? { ksqldb: byName("ksqldb", "ksqldb-server") } : {}),
        ...(deployed.ksqldbCli ? { ksqldbCli: byName("ksqldb", "ksqldb-cli") } : {}),
        ...(deployed.console ? { console: byName("console", "console") } : {}),
        ...(deployed.postgres ? { postgres: byName("postgres", "postgres") } : {}),
        ...(deployed.hdfs
            ? {
                  namenode: hdfsLabels("hdfs", "namenode"),
                  datanode: hdfsLabels("hdfs", "datanode"),
                  httpfs: httpfsLabels("hdfs"),
              }
            : {}),
        // Every agent and import the pipelines start (their instance names vary).
        ...(cfg.flume.enabled ? { flume: { "app.kubernetes.io/name": "flume" } } : {}),
        ...(cfg.sqoop.enabled ? { sqoop: { "app.kubernetes.io/name": "sqoop" } } : {}),
    };
    const storeUrl = cfg.dataLake.storeUrl;
    const dataLakePort = !cfg.dataLake.enabled
        ? undefined
        : storeUrl === undefined
          ? 443
          : Number(new URL(storeUrl).port || (storeUrl.startsWith("https") ? 443 : 80));
    return {
        namespace,
        selectors,
        ports: platformPorts(),
        operator: operatorSource(cfg),
        operatorPorts: {
            connect: [CONNECT_PORT],
            ksqldb: [KSQLDB_PORT],
            // WebHDFS on the NameNode, and the DataNodes its redirects send reads/writes to.
            namenode: [HDFS_LAYOUT.namenodeHttpPort],
            datanode: [HDFS_LAYOUT.datanodeHttpPort],
            // HttpFS: file contents from the host without a DataNode redirect (check-landing).
            httpfs: [HDFS_LAYOUT.httpfsPort],
            ...(cfg.console.nodePort === undefined ? {} : { console: [CONSOLE_PORT] }),
            ...(cfg.postgres.nodePort === undefined ? {} : { postgres: [POSTGRES_PORT] }),
            // Seed 003's HTTP source, when a NodePort exposes it to send-text on the host.
            ...(cfg.flume.enabled && cfg.flume.httpNodePort !== undefined
                ? { flume: [FLUME_HTTP_SOURCE_PORT] }
                : {}),
        },
        dataLakePort,
    };
}
